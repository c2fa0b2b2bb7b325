/**
 * train.liveMonitor: a fit callback that serves a local page with the loss, metric and
 * learning-rate curves, updated while training runs. The page gets its data as server-sent
 * events (one stream per open page) and draws the charts itself as inline SVG, so it needs
 * nothing from the network.
 *
 * Cost to training: onBatchEnd only appends to an array; a timer sends the mean loss of the
 * batches since the last flush (at most one small event per `flushMs`), and each epoch's logs
 * as one event. NOTE: the server and timer are unref'd unless `keepOpen`, so a fit that throws
 * before onTrainEnd never keeps the process alive.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import type { Callback, FitContext } from './callbacks';
import type { EpochLogs } from './types';
import { checkOptions } from '../options';
import { typeError } from '../errors';

/**
 * Options of {@link liveMonitor}.
 * @example
 * const opts: train.LiveMonitorOptions = { port: 0, host: '127.0.0.1', keepOpen: false, flushMs: 250 };
 * const monitor = train.liveMonitor(opts);
 */
export interface LiveMonitorOptions {
  /** TCP port (default 6006; 0 picks a free one, see `url`). */
  port?: number;
  /** Interface to listen on (default '127.0.0.1': only this machine can see the page). */
  host?: string;
  /** Keep serving the final curves after fit ends, until `close()` (default false). */
  keepOpen?: boolean;
  /** How often batch losses are sent, in ms (default 250). */
  flushMs?: number;
  /** Print the page's address when training starts (default true). */
  verbose?: boolean;
}

/** One point of the batch-loss curve: the mean loss of the batches up to `step` since the last point. */
interface BatchPoint { epoch: number; step: number; loss: number }

/**
 * The callback {@link liveMonitor} returns: a fit callback plus the page's address and a way
 * to stop serving.
 * @example
 * const monitor: train.LiveMonitor = train.liveMonitor({ port: 0, keepOpen: true });
 * // ... await train.fit(model, { ..., callbacks: [monitor] }); console.log(monitor.url);
 * await monitor.close();
 */
export interface LiveMonitor extends Callback {
  /** The page's address, e.g. 'http://127.0.0.1:6006/'; null until training starts. */
  readonly url: string | null;
  /** Ends every open event stream and stops the server. */
  close(): Promise<void>;
}

/**
 * A fit callback that serves live training curves (loss, metrics, learning rate) at
 * `http://host:port/` while `fit` runs, and closes when it ends (unless `keepOpen`).
 * @example
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 * const ds = new data.TensorDataset(randn([64, 4]), randint(0, 2, [64]));
 * await train.fit(model, {
 *   train: new data.DataLoader(ds, { batchSize: 16, shuffle: true }),
 *   loss: 'crossEntropy', optimizer: new optim.Adam(model.parameters()), epochs: 3,
 *   metrics: ['accuracy'], callbacks: [train.liveMonitor({ port: 0 })],   // prints the page's URL
 * });
 */
export function liveMonitor(opts: LiveMonitorOptions = {}): LiveMonitor {
  checkOptions('liveMonitor', opts, ['port', 'host', 'keepOpen', 'flushMs', 'verbose']);
  const port = opts.port ?? 6006, host = opts.host ?? '127.0.0.1', flushMs = opts.flushMs ?? 250;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`liveMonitor: port must be an integer in [0, 65535], got ${opts.port}`);
  if (typeof host !== 'string' || host === '') throw typeError('liveMonitor', `host must be a non-empty string, got ${JSON.stringify(opts.host)}`);
  if (typeof flushMs !== 'number' || !(flushMs >= 10 && flushMs <= 60000)) throw new RangeError(`liveMonitor: flushMs must be a number in [10, 60000], got ${opts.flushMs}`);

  // Everything a page needs to draw the run so far; a page that connects late gets it whole.
  let state = { epochs: 0, stepsPerEpoch: null as number | null, done: false, batches: [] as BatchPoint[], logs: [] as EpochLogs[] };
  let pending: { epoch: number; step: number; sum: number; n: number } | null = null;
  let epoch = 0;
  const clients = new Set<http.ServerResponse>();
  let server: http.Server | null = null;
  let url: string | null = null;
  let timer: NodeJS.Timeout | null = null;

  const send = (event: string, payload: unknown): void => {
    const msg = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of clients) res.write(msg);
  };
  const flush = (): void => {
    if (!pending || pending.n === 0) return;
    const p: BatchPoint = { epoch: pending.epoch, step: pending.step, loss: pending.sum / pending.n };
    pending = null;
    state.batches.push(p);
    send('batch', p);
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const route = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') { res.writeHead(405, { Allow: 'GET' }).end(); return; }
    if (route === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(PAGE);
    } else if (route === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(`event: init\ndata: ${JSON.stringify(state)}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  };

  const listen = (): Promise<void> => new Promise((resolve, reject) => {
    const s = http.createServer(handle);
    s.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE'
      ? new Error(`liveMonitor: port ${port} on ${host} is in use; pass another port, or port: 0 for a free one`) : e));
    s.listen(port, host, () => {
      const a = s.address() as AddressInfo;
      url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/`;
      server = s;
      if (!opts.keepOpen) s.unref();
      resolve();
    });
  });

  const close = async (): Promise<void> => {
    if (timer) { clearInterval(timer); timer = null; }
    for (const res of clients) res.end();
    clients.clear();
    const s = server;
    server = null;
    if (s) await new Promise<void>((resolve) => { s.close(() => resolve()); s.closeAllConnections(); });
  };

  return {
    get url() { return url; },
    close,
    async onTrainBegin(ctx: FitContext) {
      state = { epochs: ctx.epochs, stepsPerEpoch: ctx.stepsPerEpoch, done: false, batches: [], logs: [] };
      pending = null;
      if (!server) await listen();
      else send('init', state);
      if (opts.verbose ?? true) console.log(`live training monitor at ${url}`);
      timer = setInterval(flush, flushMs);
      if (!opts.keepOpen) timer.unref();
    },
    onEpochBegin(e: number) { epoch = e; },
    onBatchEnd(step: number, logs: { loss: number }) {
      if (pending === null) pending = { epoch, step, sum: 0, n: 0 };
      pending.step = step; pending.sum += logs.loss; pending.n++;
    },
    onEpochEnd(_e: number, logs: EpochLogs) {
      flush();
      state.logs.push({ ...logs });
      send('epoch', logs);
    },
    async onTrainEnd() {
      flush();
      state.done = true;
      send('end', {});
      if (timer) { clearInterval(timer); timer = null; }
      if (!opts.keepOpen) await close();
    },
  };
}

/**
 * The page: three SVG charts (loss with the batch curve and per-epoch train/validation
 * values, the metrics, the learning rate) and a table of epoch logs, fed by /events.
 */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tensorforge · training</title>
<style>
body { font: 14px sans-serif; margin: 24px; color: #222; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
svg { border: 1px solid #ddd; background: #fff; }
table { border-collapse: collapse; margin-top: 16px; }
td, th { padding: 2px 10px; text-align: right; border-bottom: 1px solid #eee; }
#status { font-weight: bold; }
</style></head>
<body>
<h1>Training <span id="status">connecting…</span></h1>
<div class="charts"><svg id="loss" width="520" height="300"></svg><svg id="metrics" width="520" height="300"></svg><svg id="lr" width="520" height="300"></svg></div>
<table><thead id="head"></thead><tbody id="epochs"></tbody></table>
<script>
'use strict';
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];
let run = { epochs: 0, stepsPerEpoch: null, done: false, batches: [], logs: [] };
// Metric names come from user code: escaped before they go into markup.
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
const fmt = (v) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4));
// series: { name: [[x, y], ...] }; x in epochs (fractional for batch points).
function chart(id, title, series) {
  const svg = document.getElementById(id), W = 520, H = 300, L = 56, R = 120, T = 28, B = 32;
  const pts = Object.values(series).flat().filter((p) => Number.isFinite(p[1]));
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  let x0 = 0, x1 = Math.max(1, run.epochs, ...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (!pts.length) { y0 = 0; y1 = 1; }
  if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
  const X = (v) => L + (v - x0) / (x1 - x0) * (W - L - R), Y = (v) => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  let s = '<text x="' + (W - R + L) / 2 + '" y="18" text-anchor="middle" font-size="14">' + title + '</text>';
  s += '<line x1="' + L + '" x2="' + L + '" y1="' + T + '" y2="' + (H - B) + '" stroke="#333"/><line x1="' + L + '" x2="' + (W - R) + '" y1="' + (H - B) + '" y2="' + (H - B) + '" stroke="#333"/>';
  for (const v of [y0, (y0 + y1) / 2, y1]) s += '<text x="' + (L - 4) + '" y="' + (Y(v) + 4) + '" text-anchor="end" font-size="11">' + fmt(v) + '</text>';
  s += '<text x="' + (W - R + L) / 2 + '" y="' + (H - 6) + '" text-anchor="middle" font-size="11">epoch (of ' + run.epochs + ')</text>';
  Object.entries(series).forEach(([name, data], k) => {
    const c = COLORS[k % COLORS.length], ok = data.filter((p) => Number.isFinite(p[1]));
    s += '<polyline class="series" data-name="' + esc(name) + '" data-points="' + ok.length + '" fill="none" stroke="' + c + '" stroke-width="' + (name === 'batch loss' ? 1 : 2) + '" points="' + ok.map((p) => X(p[0]).toFixed(1) + ',' + Y(p[1]).toFixed(1)).join(' ') + '"/>';
    s += '<rect x="' + (W - R + 10) + '" y="' + (T + k * 18) + '" width="12" height="3" fill="' + c + '"/><text x="' + (W - R + 26) + '" y="' + (T + k * 18 + 5) + '" font-size="11">' + esc(name) + '</text>';
  });
  svg.innerHTML = s;
}
function draw() {
  const spe = run.stepsPerEpoch || Math.max(1, ...run.batches.map((b) => b.step + 1));
  const at = (key) => run.logs.filter((l) => key in l).map((l) => [l.epoch + 1, l[key]]);
  const loss = { 'batch loss': run.batches.map((b) => [b.epoch + (b.step + 1) / spe, b.loss]), loss: at('loss') };
  if (run.logs.some((l) => 'val_loss' in l)) loss.val_loss = at('val_loss');
  chart('loss', 'loss', loss);
  const skip = ['epoch', 'loss', 'val_loss', 'lr', 'timeMs'];
  const names = [...new Set(run.logs.flatMap((l) => Object.keys(l)))].filter((k) => !skip.includes(k));
  chart('metrics', 'metrics', Object.fromEntries(names.map((k) => [k, at(k)])));
  chart('lr', 'learning rate', { lr: at('lr') });
  const cols = ['epoch', 'loss', ...(run.logs.some((l) => 'val_loss' in l) ? ['val_loss'] : []), ...names, 'lr', 'timeMs'];
  document.getElementById('head').innerHTML = '<tr>' + cols.map((c) => '<th>' + esc(c) + '</th>').join('') + '</tr>';
  document.getElementById('epochs').innerHTML = run.logs.map((l) => '<tr data-epoch="' + (l.epoch + 1) + '">' + cols.map((c) =>
    '<td class="' + esc(c) + '">' + (c === 'epoch' ? l.epoch + 1 : c === 'timeMs' ? Math.round(l[c]) : l[c] === undefined ? '' : fmt(l[c])) + '</td>').join('') + '</tr>').join('');
  document.getElementById('status').textContent = run.done ? 'finished' : 'epoch ' + Math.min(run.logs.length + 1, run.epochs) + ' of ' + run.epochs;
}
const es = new EventSource('/events');
es.addEventListener('init', (e) => { run = JSON.parse(e.data); draw(); });
es.addEventListener('batch', (e) => { run.batches.push(JSON.parse(e.data)); draw(); });
es.addEventListener('epoch', (e) => { run.logs.push(JSON.parse(e.data)); draw(); });
es.addEventListener('end', () => { run.done = true; draw(); es.close(); });
es.onerror = () => { if (!run.done) document.getElementById('status').textContent = 'disconnected'; };
</script>
</body></html>
`;
