/**
 * Serving throughput: `npm run bench:serve [-- --duration S] [--rounds N] [--workers N]
 * [--threads 1] [--max-batch 64] [--quick] [--out DIR]`. An untrained LeNet-like CNN (conv 5x5 1->6 pad 2, ReLU,
 * max-pool 2, conv 5x5 6->16, ReLU, max-pool 2, 400-120-84-10) answers one 28x28 image per
 * request (KServe v2 JSON, POST /v2/models/lenet/infer) from autocannon on loopback at 1, 8
 * and 64 connections, in these servers, each its own process: tensorforge serve with dynamic
 * batching (max-batch 64 unless given, max-delay 2 ms), the same with max-delay 0 (a batch is what queued
 * while the workers were busy), with batching off (max-batch 1), all on `workers` worker
 * threads (default: one fewer than the cores, at least 1) of `threads` native threads each; a node:http baseline that runs io.loadModel +
 * forward on its event loop (the library's default threads); and the ONNX backend (the model
 * exported by io.exportOnnx, when this build has it). Reports requests/s, p50/p99 latency and
 * the server process's event-loop delay (p50/p99/max) under load, each the median of N rounds
 * (default 3 of 3 s; --quick: 1 s); writes DIR/serve.json and serve.md.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { fork, type ChildProcess } from 'child_process';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as tf from '../lib';

interface CannonResult { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number; timeouts: number }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (o: object) => Promise<CannonResult>;

const SERVERS = ['batched', 'batched-0ms', 'unbatched', 'node-http', 'onnx'] as const;
type Kind = typeof SERVERS[number];
const CONNECTIONS = [1, 8, 64];
const ROUTE = '/v2/models/lenet/infer';

/** The node:http baseline: parse, forward on the event loop, answer in the protocol's JSON. */
function baseline(dir: string): http.Server {
  const model = tf.io.loadModel<tf.nn.Sequential>(dir).eval();
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const input = (JSON.parse(Buffer.concat(chunks).toString()) as { inputs: { shape: number[]; data: number[] }[] }).inputs[0];
        const out = tf.noGrad(() => tf.tidy(() => {
          const y = model.forward(tf.tensor(input.data, { shape: input.shape }));
          return { name: 'output', datatype: 'FP32', shape: y.shape, data: Array.from(y.dataSync()) };
        }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model_name: 'lenet', outputs: [out] }));
      } catch (e) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (e as Error).message }));
      }
    });
  });
}

/** Child mode: run one server, report its address, answer 'delay' with the event-loop delay since the last ask. */
async function child(kind: Kind, dir: string, workers: number, threads: number, maxBatch: number): Promise<void> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let address: string;
  if (kind === 'node-http') {
    const s = baseline(path.join(dir, 'lenet'));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    address = `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  } else {
    const model = kind === 'onnx' ? { name: 'lenet', path: path.join(dir, 'lenet.onnx') } : { name: 'lenet', path: path.join(dir, 'lenet') };
    const s = tf.serve.createServer({ models: [model], maxBatch: kind === 'unbatched' ? 1 : maxBatch, maxDelayMs: kind === 'batched-0ms' ? 0 : 2,
      maxQueue: 4096, workers, threads });
    address = await s.listen({ port: 0 });
  }
  loop.enable();
  process.on('message', (m) => {
    if (m !== 'delay') return;
    const ms = (ns: number): number => ns / 1e6;
    process.send!({ p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) });
    loop.reset();
  });
  process.send!({ address });
}

interface Row { server: Kind; connections: number; rps: number; p50: number; p99: number; errors: number; loopP50: number; loopP99: number; loopMax: number }

/** Sends msg (if any) to a server process and waits for its next message. */
const ask = <T>(c: ChildProcess, msg?: string): Promise<T> => new Promise((resolve, reject) => {
  const exit = (code: number | null): void => reject(new Error(`bench/serve: the server exited with ${code}`));
  c.once('message', (m) => { c.off('exit', exit); resolve(m as T); });
  c.once('exit', exit);
  if (msg) c.send(msg);
});

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') return child(argv[1] as Kind, argv[2], Number(argv[3]), Number(argv[4]), Number(argv[5]));
  const quick = argv.includes('--quick');
  const di = argv.indexOf('--duration'), oi = argv.indexOf('--out');
  const ri = argv.indexOf('--rounds');
  const duration = di >= 0 ? Number(argv[di + 1]) : quick ? 1 : 3;
  const rounds = ri >= 0 ? Number(argv[ri + 1]) : 3;
  const wi = argv.indexOf('--workers'), ti = argv.indexOf('--threads');
  // NOTE: the event loop keeps a core busy with HTTP and JSON at 64 connections; a worker per
  // remaining core runs larger batches than one per core (on 2 cores: mean batch 13-15 rows with
  // 1 worker against 6-8 with 2, and about a third less CPU time per request).
  const workers = wi >= 0 ? Number(argv[wi + 1]) : Math.max(1, os.cpus().length - 1), threads = ti >= 0 ? Number(argv[ti + 1]) : 1;
  const bi = argv.indexOf('--max-batch');
  const maxBatch = bi >= 0 ? Number(argv[bi + 1]) : 64;
  const outDir = oi >= 0 ? path.resolve(argv[oi + 1]) : path.join(__dirname, '..', '..', 'bench', 'results');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-bench-serve-'));
  const { nn } = tf;
  tf.manualSeed(0);
  const model = new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(),
    new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10)).eval();
  tf.io.saveModel(model, path.join(dir, 'lenet'), { inputShape: [1, 28, 28] });
  const exportOnnx = (tf.io as unknown as { exportOnnx?: (m: unknown, p: string, o: object) => unknown }).exportOnnx;
  const kinds = SERVERS.filter((k) => k !== 'onnx' || exportOnnx);
  if (exportOnnx) exportOnnx(model, path.join(dir, 'lenet.onnx'), { inputs: [{ name: 'input', shape: [-1, 1, 28, 28] }] });
  else console.log('onnx: skipped (this build has no io.exportOnnx)');
  const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 1, 28, 28], datatype: 'FP32', data: Array.from(tf.rand([784]).dataSync(), (v) => Math.round(v * 255) / 255) }] });

  // NOTE: the servers run side by side and take turns, round after round, and each cell is
  // the median round: on a shared machine the load drifts, and turns spread it over all servers.
  const children = kinds.map((kind) => ({ kind, proc: fork(__filename, ['--child', kind, dir, String(workers), String(threads), String(maxBatch)], { stdio: 'inherit' }), url: '' }));
  const runs = new Map<string, Row[]>();
  try {
    for (const c of children) c.url = `${(await ask<{ address: string }>(c.proc)).address}${ROUTE}`;
    const cannon = (url: string, connections: number, seconds: number): Promise<CannonResult> =>
      autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: seconds });
    for (const c of children) await cannon(c.url, 8, 1);  // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const connections of CONNECTIONS) {
        for (const c of children) {
          await ask(c.proc, 'delay');  // resets the server's event-loop histogram
          const r = await cannon(c.url, connections, duration);
          const loop = await ask<{ p50: number; p99: number; max: number }>(c.proc, 'delay');
          const row: Row = { server: c.kind, connections, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99,
            errors: r.non2xx + r.errors + r.timeouts, loopP50: loop.p50, loopP99: loop.p99, loopMax: loop.max };
          const key = `${c.kind}/${connections}`;
          runs.set(key, [...(runs.get(key) ?? []), row]);
          console.log(`round ${round + 1} ${c.kind.padEnd(10)} c=${String(connections).padStart(2)}  ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  ` +
            `errors ${row.errors}  event-loop delay p50 ${row.loopP50.toFixed(1)} p99 ${row.loopP99.toFixed(1)} max ${row.loopMax.toFixed(1)} ms`);
        }
      }
    }
  } finally {
    for (const c of children) {
      c.proc.kill('SIGTERM');
      if (c.proc.exitCode === null) await new Promise((r) => c.proc.once('exit', r));
    }
  }
  const rows = [...runs.values()].map((rs) => rs.slice().sort((a, b) => a.rps - b.rps)[rs.length >> 1])
    .sort((a, b) => kinds.indexOf(a.server) - kinds.indexOf(b.server) || a.connections - b.connections);
  fs.rmSync(dir, { recursive: true, force: true });

  const base64 = rows.find((r) => r.server === 'node-http' && r.connections === 64)?.rps;
  const batched64 = rows.find((r) => r.server === 'batched' && r.connections === 64)?.rps;
  const lines = ['| server | connections | req/s | p50 ms | p99 ms | errors | loop delay p50 / p99 / max ms |', '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.server} | ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.loopP50.toFixed(1)} / ${r.loopP99.toFixed(1)} / ${r.loopMax.toFixed(1)} |`)];
  if (base64 && batched64) lines.push('', `dynamic batching at 64 connections: ${(batched64 / base64).toFixed(2)}x the node:http baseline's requests/s`);
  const md = lines.join('\n');
  console.log(`\n${md}`);
  fs.mkdirSync(outDir, { recursive: true });
  const machine = { cpu: os.cpus()[0]?.model ?? '?', cores: os.cpus().length, loadavg: os.loadavg()[0], node: process.version, isa: tf.backendInfo().isa };
  fs.writeFileSync(path.join(outDir, 'serve.json'), `${JSON.stringify({ date: new Date().toISOString(), duration, rounds, workers, threads, maxBatch, machine, rows }, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'serve.md'), `# bench/serve (${new Date().toISOString()}, median of ${rounds} rounds of ${duration} s, ${workers} workers x ${threads} threads, max-batch ${maxBatch}, loadavg ${machine.loadavg.toFixed(1)})\n\n${md}\n`);
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(e);
  process.exit(1);
});
