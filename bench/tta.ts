/**
 * Time to accuracy: `node dist/bench/tta.js [--seeds 0,1] [--precisions fp32,bf16]
 * [--epochs 6] [--target 0.9] [--evals-per-epoch 4] [--limit N] [--threads 2] [--no-peers]
 * [--quick] [--unpaired] [--out DIR]` (`npm run bench:tta`).
 * The Fashion-MNIST CNN (conv 3x3 1->32 pad 1, ReLU, max-pool 2, conv 3x3 32->64 pad 1, ReLU,
 * max-pool 2, 3136-128-10; Adam lr 1e-3; batch 128, reshuffled every epoch) trained for a fixed
 * number of epochs, the 10,000 test images evaluated `evals-per-epoch` times per epoch. Reported
 * per run: training seconds until test accuracy first reaches the target (evaluation time is not
 * counted), seconds per epoch, final accuracy, peak RSS. Ours in fp32 and under
 * autocast('bfloat16'); PyTorch (bench/peers/tta.py) in fp32 and under
 * torch.autocast('cpu', dtype=torch.bfloat16). Every run is its own process. Needs Debian's
 * dataset-fashion-mnist. Writes DIR/tta.json and DIR/tta.md (default bench/results).
 * Paired by default: for each seed both libraries start from the same initial weights (ours,
 * drawn under manualSeed(seed)) and see the batches in the same order (the DataLoader's seeded
 * shuffles), handed to both through one safetensors file, so the two runs follow the same
 * trajectory up to rounding and the time ratio measures speed rather than which library drew
 * the luckier start. `--unpaired`: each library draws its own start and order from the seed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '../lib';
import { crossEntropy } from '../lib/nn/functional';
import { permutation } from '../lib/data/random';
import { cnn, procStatusMiB } from './memory';
import { median, ompWaitPolicy, pythonBin, pythonEnv } from './common';

type Precision = 'fp32' | 'bf16';
interface Config {
  seed: number; precision: Precision; epochs: number; target: number; evalsPerEpoch: number; limit: number; threads: number;
  /** The shared start (see sharedStart), or null: the run draws its own. */
  shared: string | null;
}
/** One run's figures (the same JSON from ours and the peer). */
export interface TtaResult {
  timeToTargetS: number | null; epochsToTarget: number | null; epochS: number[];
  curve: { trainS: number; epoch: number; accuracy: number }[]; finalAccuracy: number; peakRssMiB: number;
  library: string;
}

/** Test accuracy in chunks of 1,000 (not timed by the caller). */
function accuracy(model: tf.nn.Module, x: tf.Tensor, y: tf.Tensor, precision: Precision): number {
  const m = x.shape[0];
  let correct = 0;
  for (let lo = 0; lo < m; lo += 1000) {
    correct += tf.tidy(() => tf.noGrad(() => {
      const hi = Math.min(m, lo + 1000);
      const logits = tf.autocast('bfloat16', () => model.forward(x.slice(0, lo, hi)), { enabled: precision === 'bf16' });
      return logits.argmax(1).eq(y.slice(0, lo, hi)).sum().item();
    }));
  }
  return correct / m;
}

/**
 * Writes the start both libraries of a paired run share to `file`: the CNN's initial weights
 * under manualSeed(seed) (state-dict keys, as PyTorch's Sequential names them) and `order`,
 * int32 [epochs, n], the sample order of each epoch (the DataLoader's shuffle for this seed).
 */
export function sharedStart(file: string, seed: number, epochs: number, n: number): void {
  tf.manualSeed(seed);
  const order = new Int32Array(epochs * n);
  for (let e = 0; e < epochs; e++) order.set(permutation(n, seed + e), e * n);
  const state = cnn().stateDict();
  tf.io.save({ ...state, order: tf.tensor(order, { shape: [epochs, n], dtype: 'int32' }) }, file);
}

/** The workload in this process. */
async function ours(c: Config): Promise<TtaResult> {
  tf.setNumThreads(c.threads);
  tf.manualSeed(c.seed);
  const { train, test } = tf.data.datasets.fashionMnist({ limit: c.limit });
  const model = cnn();
  let epoch = 0, order: Int32Array | null = null;
  if (c.shared) {
    const { order: o, ...weights } = tf.io.load(c.shared);
    model.loadStateDict(weights);
    order = o.dataSync() as Int32Array;
  }
  const n = train.x.shape[0];
  // The shared order, one epoch per pass (the loader reads its sampler once per epoch).
  const sampler = { length: n, *[Symbol.iterator]() { yield* (order as Int32Array).subarray(epoch * n, (epoch + 1) * n); } };
  const opt = new tf.optim.Adam(model.parameters(), { lr: 1e-3 });
  const loader = new tf.data.DataLoader(new tf.data.TensorDataset(train.x, train.y),
    order ? { batchSize: 128, sampler } : { batchSize: 128, shuffle: true, seed: c.seed });
  const steps = Math.ceil(train.x.shape[0] / 128);
  const evalAt = new Set(Array.from({ length: c.evalsPerEpoch }, (_, i) => Math.round(((i + 1) * steps) / c.evalsPerEpoch)));
  const curve: TtaResult['curve'] = [], epochS: number[] = [];
  let trainMs = 0, timeToTargetS: number | null = null, epochsToTarget: number | null = null;
  for (let e = 0; e < c.epochs; e++) {
    epoch = e;
    let t = performance.now(), epochMs = 0, step = 0;
    for (const [xb, yb] of loader) {
      tf.tidy(() => {
        opt.zeroGrad();
        const loss = tf.autocast('bfloat16', () => crossEntropy(model.forward(xb), yb), { enabled: c.precision === 'bf16' });
        loss.backward();
        opt.step();
      });
      xb.dispose(); yb.dispose();
      if (evalAt.has(++step)) {
        await tf.whenIdle();  // the clock stops when the queued steps have run
        const dt = performance.now() - t;
        trainMs += dt; epochMs += dt;
        model.eval();
        const acc = accuracy(model, test.x, test.y, c.precision);
        model.train();
        curve.push({ trainS: trainMs / 1e3, epoch: e + step / steps, accuracy: acc });
        if (timeToTargetS === null && acc >= c.target) { timeToTargetS = trainMs / 1e3; epochsToTarget = e + step / steps; }
        t = performance.now();
      }
    }
    epochS.push(epochMs / 1e3);
  }
  return { timeToTargetS, epochsToTarget, epochS, curve, finalAccuracy: curve[curve.length - 1].accuracy, peakRssMiB: procStatusMiB('VmHWM'), library: `tensorforge ${tf.backendInfo().isa}` };
}

function lastJson(stdout: string): TtaResult | { missing: string } {
  try { return JSON.parse(stdout.trim().split('\n').pop() as string) as TtaResult; } catch { return { missing: stdout.slice(-300) }; }
}

function parseArgs(argv: string[]): { cfg: Omit<Config, 'seed' | 'precision' | 'shared'>; seeds: number[]; precisions: Precision[]; peers: boolean; paired: boolean; child: Config | null; out: string } {
  const cfg = { epochs: 6, target: 0.9, evalsPerEpoch: 4, limit: 60000, threads: Number(process.env.TF_BENCH_THREADS ?? 2) };
  let seeds = [0, 1], precisions: Precision[] = ['fp32', 'bf16'], peers = true, paired = true, child: Config | null = null;
  let out = path.join(__dirname, '..', '..', 'bench', 'results');
  const num = (name: string, v: string | undefined, min: number): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x < min) throw new RangeError(`bench/tta: ${name} must be a number >= ${min}, got ${v}`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seeds') seeds = argv[++i].split(',').map((s) => num('--seeds', s, 0));
    else if (a === '--precisions') {
      precisions = argv[++i].split(',') as Precision[];
      for (const p of precisions) if (p !== 'fp32' && p !== 'bf16') throw new RangeError(`bench/tta: --precisions takes fp32,bf16, got ${p}`);
    } else if (a === '--epochs') cfg.epochs = num('--epochs', argv[++i], 1);
    else if (a === '--target') cfg.target = num('--target', argv[++i], 0);
    else if (a === '--evals-per-epoch') cfg.evalsPerEpoch = num('--evals-per-epoch', argv[++i], 1);
    else if (a === '--limit') cfg.limit = num('--limit', argv[++i], 128);
    else if (a === '--threads') cfg.threads = num('--threads', argv[++i], 1);
    else if (a === '--quick') Object.assign(cfg, { epochs: 2, target: 0.8, evalsPerEpoch: 2, limit: 10000 });
    else if (a === '--no-peers') peers = false;
    else if (a === '--unpaired') paired = false;
    else if (a === '--out') out = argv[++i];
    else if (a === '--child') child = JSON.parse(argv[++i]) as Config;
    else throw new RangeError(`bench/tta: unknown argument ${a}`);
  }
  return { cfg, seeds, precisions, peers, paired, child, out };
}

const fmt = (x: number | null | undefined, d = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));

async function main(argv: string[]): Promise<void> {
  const { cfg, seeds, precisions, peers, paired, child, out } = parseArgs(argv);
  if (child) { console.log(JSON.stringify(await ours(child))); return; }
  const env = { ...process.env, OMP_NUM_THREADS: String(cfg.threads) };
  const load0 = os.loadavg()[0];
  const wait = peers ? ompWaitPolicy(cfg.threads) : null;
  const py = wait ? pythonEnv(cfg.threads, wait.policy) : null;
  const head = `# Time to ${(cfg.target * 100).toFixed(0)}% test accuracy: Fashion-MNIST CNN, Adam 1e-3, batch 128, ${cfg.limit} training images, ` +
    `${cfg.epochs} epochs, ${cfg.evalsPerEpoch} evaluations per epoch, threads ${cfg.threads}, ${os.cpus()[0].model}, load average ${load0.toFixed(2)} at start; ` +
    (paired ? 'paired: both libraries start from the same initial weights and see the same batch order per seed' : 'unpaired: each library draws its own initial weights and batch order');
  console.log(head);
  if (py && wait) console.log(`PyTorch settings: ${py.setting} (OMP_WAIT_POLICY ${wait.note})`);
  const rows: { lib: string; precision: Precision; seed: number; r: TtaResult | { missing: string } }[] = [];
  const n = paired ? tf.data.datasets.fashionMnist({ limit: cfg.limit }).train.x.shape[0] : 0;
  for (const seed of seeds) {
    const shared = paired ? path.join(os.tmpdir(), `tensorforge-tta-${process.pid}-seed${seed}.safetensors`) : null;
    if (shared) sharedStart(shared, seed, cfg.epochs, n);
    for (const precision of precisions) {
      const c: Config = { ...cfg, seed, precision, shared };
      const us = spawnSync(process.execPath, [__filename, '--child', JSON.stringify(c)], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
      rows.push({ lib: 'tensorforge', precision, seed, r: us.status === 0 ? lastJson(us.stdout) : { missing: (us.stderr || '').slice(-300) } });
      if (py) {
        const p = spawnSync(pythonBin(), [path.join(__dirname, '..', '..', 'bench', 'peers', 'tta.py'), JSON.stringify(c)], { env: py.env, encoding: 'utf8', maxBuffer: 1 << 24 });
        rows.push({ lib: 'pytorch', precision, seed, r: p.status === 0 ? lastJson(p.stdout) : { missing: (p.stderr || '').trim().split('\n').slice(-1)[0] } });
      }
      for (const x of rows.slice(peers ? -2 : -1)) {
        const r = x.r;
        console.log('missing' in r ? `${x.lib} ${precision} seed ${seed}: missing: ${r.missing}`
          : `${x.lib} ${precision} seed ${seed}: time to target ${fmt(r.timeToTargetS)} s (epoch ${fmt(r.epochsToTarget, 2)}), epoch ${fmt(median(r.epochS))} s, final ${(r.finalAccuracy * 100).toFixed(2)}%, peak RSS ${fmt(r.peakRssMiB, 0)} MiB`);
      }
    }
    if (shared) fs.rmSync(shared, { force: true });
  }
  const lines = [head, ...(py && wait ? [`PyTorch settings: ${py.setting} (OMP_WAIT_POLICY ${wait.note})`] : []), '', '| library | precision | seed | time to target s | epochs to target | s/epoch (median) | final accuracy | peak RSS MiB |', '|---|---|---|---|---|---|---|---|'];
  for (const { lib, precision, seed, r } of rows) {
    lines.push('missing' in r ? `| ${lib} | ${precision} | ${seed} | missing: ${r.missing} |||||`
      : `| ${lib} | ${precision} | ${seed} | ${fmt(r.timeToTargetS)} | ${fmt(r.epochsToTarget, 2)} | ${fmt(median(r.epochS), 2)} | ${(r.finalAccuracy * 100).toFixed(2)}% | ${fmt(r.peakRssMiB, 0)} |`);
  }
  // Ratios: ours / PyTorch fp32 for the same seed (time to target), per precision of ours.
  const get = (lib: string, p: Precision, s: number): TtaResult | null => {
    const x = rows.find((q) => q.lib === lib && q.precision === p && q.seed === s);
    return x && !('missing' in x.r) ? x.r : null;
  };
  if (peers) {
    lines.push('', '| seed | ours fp32 / pytorch fp32 | ours bf16 / pytorch fp32 | ours bf16 / pytorch bf16 | ours bf16 - fp32 final accuracy (points) |', '|---|---|---|---|---|');
    for (const s of seeds) {
      const ratio = (a: TtaResult | null, b: TtaResult | null): string =>
        (a?.timeToTargetS != null && b?.timeToTargetS != null ? (a.timeToTargetS / b.timeToTargetS).toFixed(2) : '-');
      const f = get('tensorforge', 'fp32', s), b = get('tensorforge', 'bf16', s);
      lines.push(`| ${s} | ${ratio(f, get('pytorch', 'fp32', s))} | ${ratio(b, get('pytorch', 'fp32', s))} | ${ratio(b, get('pytorch', 'bf16', s))} | ` +
        `${f && b ? ((b.finalAccuracy - f.finalAccuracy) * 100).toFixed(2) : '-'} |`);
    }
  }
  lines.push('', `Load average at the end: ${os.loadavg()[0].toFixed(2)}. "-": the target was not reached within the epochs run.`);
  console.log(lines.slice(py ? 2 : 1).join('\n'));
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'tta.json'), JSON.stringify({ config: cfg, rows }, null, 1));
  fs.writeFileSync(path.join(out, 'tta.md'), lines.join('\n') + '\n');
}

if (require.main === module) main(process.argv.slice(2)).catch((e) => { console.error(e); process.exit(1); });
