/**
 * Recurrent-layer benchmark: one LSTM / GRU layer at seq 50, batch 64, input 64, hidden 256,
 * forward (no grad) and forward+backward (loss = output.sum(), gradients of every weight),
 * ours (tf.lstmLayer/gruLayer on the native kernels) vs PyTorch (nn.LSTM/nn.GRU) and tfjs
 * (tf.layers.lstm/gru), the same thread count for everyone, each peer at its best known
 * setting. Milliseconds as the median of timed runs after warm-up; ratio ours/peer <= 1 means
 * we are faster. A missing peer is reported as missing.
 * Run: `node dist/bench/rnn.js [--threads 2] [--quick]`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '../lib';

export const RNN_SHAPE = { T: 50, B: 64, I: 64, H: 256 };
const CELLS = ['lstm', 'gru'] as const;
type Cell = typeof CELLS[number];
const WORKLOADS: [Cell, 'fwd' | 'fwd+bwd'][] = CELLS.flatMap((c) => [[c, 'fwd'], [c, 'fwd+bwd']] as [Cell, 'fwd' | 'fwd+bwd'][]);

export interface PeerResult { name: string; setting: string; ms: (number | null)[]; missing?: string }
export interface RnnRow { workload: string; ours: number; peers: Record<string, number | null>; ratios: Record<string, number | null> }

/** Median milliseconds of fn over ~budgetS seconds (at least 5 runs) after 2 warm-up runs. */
function measure(fn: () => void, budgetS: number): number {
  fn(); fn();
  const times: number[] = [];
  const end = performance.now() + budgetS * 1e3;
  while (times.length < 5 || (performance.now() < end && times.length < 200)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

function oursMs(budget: number): number[] {
  const { T, B, I, H } = RNN_SHAPE;
  return WORKLOADS.map(([cell, kind]) => tf.tidy(() => {
    const G = cell === 'lstm' ? 4 : 3, k = 1 / Math.sqrt(H);
    const u = (shape: number[]): tf.Tensor => tf.rand(shape, { low: -k, high: k, requiresGrad: true });
    const p = { weightIh: u([G * H, I]), weightHh: u([G * H, H]), biasIh: u([G * H]), biasHh: u([G * H]) };
    const x = tf.randn([T, B, I]);
    const run = (): tf.Tensor => (cell === 'lstm' ? tf.lstmLayer(x, null, null, p) : tf.gruLayer(x, null, p)).output;
    const params = Object.values(p);
    if (kind === 'fwd') return measure(() => tf.tidy(() => { tf.noGrad(run); }), budget);
    return measure(() => {
      tf.tidy(() => { run().sum().backward(); });
      for (const w of params) { w.grad?.dispose(); w.grad = null; }  // as PyTorch's zero_grad(set_to_none)
    }, budget);
  }));
}

// Runs in python; prints one JSON object with the torch results.
const PY_PEER = String.raw`
import json, sys, time
cfg = json.loads(sys.argv[1]); out = {}
def measure(fn, budget):
    fn(); fn(); ts = []; end = time.perf_counter() + budget
    while len(ts) < 5 or (time.perf_counter() < end and len(ts) < 200):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    ts.sort(); return ts[len(ts) // 2] * 1e3
try:
    import torch
    torch.set_num_threads(cfg['threads'])
    T, B, I, H = cfg['T'], cfg['B'], cfg['I'], cfg['H']
    res = []
    for cell, kind in cfg['workloads']:
        m = (torch.nn.LSTM if cell == 'lstm' else torch.nn.GRU)(I, H)
        x = torch.randn(T, B, I)
        if kind == 'fwd':
            def f():
                with torch.no_grad(): m(x)
        else:
            def f():
                m.zero_grad(set_to_none=True); m(x)[0].sum().backward()
        res.append(measure(f, cfg['budget']))
    out['torch'] = {'version': torch.__version__, 'threads': torch.get_num_threads(), 'ms': res}
except Exception as e:
    out['torch'] = {'missing': repr(e)}
print(json.dumps(out))
`;

/** PyTorch through every python3 found; the faster interpreter wins. */
function torchPeer(threads: number, budget: number): PeerResult {
  const t = String(threads);
  // Best known settings: pools sized to `threads`, spinning OpenMP workers between calls,
  // glibc keeping freed memory (untuned PyTorch is 2-4x slower on 2 cores).
  const env = { ...process.env, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t,
    OMP_WAIT_POLICY: 'ACTIVE', MALLOC_TRIM_THRESHOLD_: '4294967296', MALLOC_MMAP_THRESHOLD_: '33554432' };
  const setting = `threads=${threads} OMP_WAIT_POLICY=ACTIVE MALLOC_TRIM_THRESHOLD_/MMAP_THRESHOLD_ raised`;
  const cfg = JSON.stringify({ threads, budget, ...RNN_SHAPE, workloads: WORKLOADS });
  let best: PeerResult | null = null, missing = 'not found';
  const pythons = [...new Set([process.env.TF_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p))];
  for (const py of pythons) {
    const r = spawnSync(py, ['-c', PY_PEER, cfg], { env, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) { missing = `${py}: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}`; continue; }
    const p = JSON.parse(r.stdout.trim().split('\n').pop() as string).torch;
    if (p.missing) { missing = `${py}: ${p.missing}`; continue; }
    const cand: PeerResult = { name: 'torch', setting: `torch ${p.version} (${py}); ${setting}`, ms: p.ms };
    const sum = (x: PeerResult): number => x.ms.reduce((s: number, v) => s + (v ?? 0), 0);
    if (!best || sum(cand) < sum(best)) best = cand;
  }
  return best ?? { name: 'torch', setting: '', ms: WORKLOADS.map(() => null), missing };
}

/** tfjs (wasm and cpu backends) when the npm packages are installed. */
async function tfjsPeers(threads: number, budget: number): Promise<PeerResult[]> {
  const { T, B, I, H } = RNN_SHAPE;
  let tfjs: any;  // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    tfjs = require('@tensorflow/tfjs');
  } catch (e) {
    const why = 'missing: @tensorflow/tfjs is not installed (npm i -D @tensorflow/tfjs @tensorflow/tfjs-backend-wasm)';
    return ['tfjs-wasm', 'tfjs-cpu'].map((name) => ({ name, setting: '', ms: WORKLOADS.map(() => null), missing: why }));
  }
  const results: PeerResult[] = [];
  for (const backend of ['wasm', 'cpu']) {
    const name = `tfjs-${backend}`;
    try {
      if (backend === 'wasm') {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const wasm = require('@tensorflow/tfjs-backend-wasm');
        wasm.setThreadsCount?.(threads);
      }
      if (!(await tfjs.setBackend(backend))) throw new Error(`setBackend('${backend}') failed`);
      await tfjs.ready();
      const ms = WORKLOADS.map(([cell, kind]) => {
        const layer = tfjs.layers[cell]({ units: H, returnSequences: true, inputShape: [T, I] });
        const x = tfjs.randomNormal([B, T, I]);
        layer.apply(x).dispose();  // builds the weights
        const v = kind === 'fwd'
          ? measure(() => tfjs.tidy(() => { layer.apply(x).dataSync(); }), budget)
          : measure(() => tfjs.tidy(() => {
            const { value, grads } = tfjs.variableGrads(() => layer.apply(x).sum());
            value.dataSync();
            Object.values(grads).forEach((g) => (g as { dispose(): void }).dispose());
          }), budget);
        x.dispose();
        layer.dispose?.();
        return v;
      });
      results.push({ name, setting: `tfjs ${tfjs.version_core ?? ''} ${backend} threads=${threads}`, ms });
    } catch (e) {
      results.push({ name, setting: '', ms: WORKLOADS.map(() => null), missing: `missing: ${(e as Error).message}` });
    }
  }
  return results;
}

export async function runRnnBench(opts: { threads?: number; quick?: boolean } = {}): Promise<RnnRow[]> {
  const threads = opts.threads ?? 2;
  const budget = opts.quick ? 0.5 : 2.0;
  tf.setNumThreads(threads);
  const info = tf.backendInfo(), { T, B, I, H } = RNN_SHAPE;
  console.log(`rnn: float32 T${T} B${B} I${I} H${H}, threads=${threads} for every library, isa=${info.isa}, ` +
    `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, load average ${os.loadavg()[0].toFixed(2)}`);
  const ours = oursMs(budget);
  const peers = [torchPeer(threads, budget), ...(await tfjsPeers(threads, budget))];
  for (const p of peers) console.log(`  ${p.name}: ${p.missing ? `MISSING (${p.missing})` : p.setting}`);
  const rows: RnnRow[] = WORKLOADS.map(([cell, kind], i) => {
    const pv: Record<string, number | null> = {}, ratios: Record<string, number | null> = {};
    for (const p of peers) {
      pv[p.name] = p.ms[i];
      ratios[p.name] = p.ms[i] ? ours[i] / (p.ms[i] as number) : null;
    }
    return { workload: `${cell} ${kind}`, ours: ours[i], peers: pv, ratios };
  });
  const names = peers.map((p) => p.name);
  const f = (v: number | null, d = 1): string => (v == null ? 'missing' : v.toFixed(d));
  const header = [`workload (ms, T${T} B${B} I${I} H${H})`, 'ours', ...names, ...names.map((n) => `ours/${n}`)];
  const lines = rows.map((r) => [r.workload, f(r.ours), ...names.map((n) => f(r.peers[n])), ...names.map((n) => f(r.ratios[n], 2))]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  for (const l of [header, ...lines]) console.log(l.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  '));
  const dir = path.join(__dirname, '..', '..', 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const md = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
  fs.writeFileSync(path.join(dir, 'rnn.json'), JSON.stringify({ date: new Date().toISOString(), threads, isa: info.isa,
    loadavg: os.loadavg()[0], shape: RNN_SHAPE, peers: peers.map(({ name, setting, missing }) => ({ name, setting, missing })), rows }, null, 2));
  fs.writeFileSync(path.join(dir, 'rnn.md'), md + '\n');
  return rows;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const ti = argv.indexOf('--threads');
  runRnnBench({ threads: ti >= 0 ? Number(argv[ti + 1]) : 2, quick: argv.includes('--quick') })
    .catch((e) => { console.error(e); process.exitCode = 1; });
}
