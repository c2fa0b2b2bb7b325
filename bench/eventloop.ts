/**
 * Event-loop delay while tensorforge trains and predicts: `npm run bench:eventloop [--quick]`.
 * For each workload, in synchronous and in async execution mode (lib/exec.ts), in one run:
 * `perf_hooks.monitorEventLoopDelay` (1 ms resolution) and the lateness of a 10 ms
 * `setInterval` probe give p50 / p99 / max delay, against an idle loop measured the same
 * way; throughput (samples/s) compares async with sync. Workloads: train.fit of the bench
 * MLP (784-512-256-10, Adam, batch 128), LeNet-5 (batch 64) and an LSTM classifier (seq 32,
 * 64 features, hidden 128, batch 64); train.predict of a CNN over 10,000 28x28 images.
 * Writes bench/results/eventloop.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as tf from '../lib';

interface Delay { p50: number; p99: number; max: number }
interface Row { workload: string; mode: tf.ExecutionMode; seconds: number; samplesPerS: number; histogram: Delay; probe: Delay }

const quick = process.argv.includes('--quick');

function pct(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// Runs `work` while both probes watch the loop; delays in ms.
async function watch(work: () => Promise<number>): Promise<{ samples: number; seconds: number; histogram: Delay; probe: Delay }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const late: number[] = [];
  let expect = performance.now() + 10;
  const timer = setInterval(() => { const now = performance.now(); late.push(Math.max(0, now - expect)); expect = now + 10; }, 10);
  h.enable();
  const t0 = performance.now();
  const samples = await work();
  const seconds = (performance.now() - t0) / 1e3;
  h.disable();
  clearInterval(timer);
  late.sort((a, b) => a - b);
  const ms = (ns: number): number => ns / 1e6;
  return {
    samples, seconds,
    histogram: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) },
    probe: { p50: pct(late, 0.5), p99: pct(late, 0.99), max: late.length ? late[late.length - 1] : 0 },
  };
}

function loader(x: tf.Tensor, y: tf.Tensor, batchSize: number): tf.data.DataLoader {
  return new tf.data.DataLoader(new tf.data.TensorDataset(x, y), { batchSize, shuffle: false });
}

function lenet(): tf.nn.Sequential {
  const { nn } = tf;
  return new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(),
    new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
}

class LstmClassifier extends tf.nn.Module {
  readonly lstm = new tf.nn.LSTM(64, 128, { batchFirst: true });
  readonly head = new tf.nn.Linear(128, 10);
  override forward(x: tf.Tensor): tf.Tensor {
    const [y] = this.lstm.forward(x);
    return this.head.forward(y.slice(1, y.shape[1] - 1, y.shape[1]).reshape([x.shape[0], 128]));
  }
}

/** prepare() makes the data and the model (not watched); the returned run() is watched. */
interface Workload { name: string; prepare(): Promise<{ run(): Promise<number>; done(): void }> }

function fitWorkload(name: string, make: () => tf.nn.Module, xShape: number[], batch: number): Workload {
  return {
    name,
    async prepare() {
      tf.manualSeed(0);
      const n = xShape[0];
      const x = tf.randn(xShape), y = tf.randint(0, 10, [n]);
      const model = make();
      const optimizer = new tf.optim.Adam(model.parameters(), { lr: 1e-3 });
      await tf.whenIdle();
      return {
        async run() {
          await tf.train.fit(model, { train: loader(x, y, batch), loss: 'crossEntropy', optimizer, epochs: 1, verbose: false });
          return n;
        },
        done() { x.dispose(); y.dispose(); },
      };
    },
  };
}

const N = quick ? 0.1 : 1;
const workloads: Workload[] = [
  fitWorkload('fit MLP 784-512-256-10 Adam b128', () => new tf.nn.Sequential(new tf.nn.Linear(784, 512), new tf.nn.ReLU(),
    new tf.nn.Linear(512, 256), new tf.nn.ReLU(), new tf.nn.Linear(256, 10)), [Math.round(12800 * N), 784], 128),
  fitWorkload('fit LeNet-5 b64', lenet, [Math.round(6400 * N), 1, 28, 28], 64),
  fitWorkload('fit LSTM 64->128 seq32 b64', () => new LstmClassifier(), [Math.round(3200 * N), 32, 64], 64),
  {
    name: 'predict CNN 10,000 28x28 b256',
    async prepare() {
      tf.manualSeed(0);
      const n = Math.round(10000 * N);
      const x = tf.randn([n, 1, 28, 28]), model = lenet();
      await tf.whenIdle();
      return {
        async run() { (await tf.train.predict(model, x, { batchSize: 256 })).dispose(); return n; },
        done() { x.dispose(); },
      };
    },
  },
];

async function main(): Promise<void> {
  tf.setNumThreads(Number(process.env.TF_BENCH_THREADS ?? 2));
  const idle = await watch(() => new Promise((r) => setTimeout(() => r(0), quick ? 300 : 2000)));
  const rows: Row[] = [];
  for (const w of workloads) {
    for (const mode of ['sync', 'async'] as const) {
      tf.setExecutionMode(mode);
      const job = await w.prepare();
      await job.run();  // warm-up (kernels, caches, JIT)
      await tf.whenIdle();
      const r = await watch(() => job.run());
      job.done();
      rows.push({ workload: w.name, mode, seconds: r.seconds, samplesPerS: r.samples / r.seconds, histogram: r.histogram, probe: r.probe });
    }
  }
  tf.setExecutionMode('async');
  const f = (v: number): string => v.toFixed(1).padStart(6);
  console.log(`idle loop: delay p50 ${idle.histogram.p50.toFixed(1)} p99 ${idle.histogram.p99.toFixed(1)} max ${idle.histogram.max.toFixed(1)} ms; ` +
    `10 ms probe lateness p99 ${idle.probe.p99.toFixed(1)} max ${idle.probe.max.toFixed(1)} ms`);
  console.log('workload                              mode   samples/s  async/sync | delay ms p50    p99    max | probe p99    max');
  for (const r of rows) {
    const sync = rows.find((x) => x.workload === r.workload && x.mode === 'sync')!;
    console.log(`${r.workload.padEnd(37)} ${r.mode.padEnd(5)} ${r.samplesPerS.toFixed(0).padStart(10)} ${r.mode === 'async' ? (r.samplesPerS / sync.samplesPerS).toFixed(3).padStart(10) : '          '} |` +
      `      ${f(r.histogram.p50)} ${f(r.histogram.p99)} ${f(r.histogram.max)} |    ${f(r.probe.p99)} ${f(r.probe.max)}`);
  }
  const out = path.join(__dirname, '..', '..', 'bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'eventloop.json'), JSON.stringify({ date: new Date().toISOString(), quick, idle, rows }, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
