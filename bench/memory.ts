/**
 * Memory beside time: `node dist/bench/memory.js [--limit N] [--threads N] [--no-peers]`.
 * One epoch of a small CNN on Fashion-MNIST (conv 3x3 1->32 pad 1, ReLU, max-pool 2, conv 3x3
 * 32->64 pad 1, ReLU, max-pool 2, 3136-128-10, Adam lr 1e-3, batch 64), then the 10,000 test
 * images evaluated in 10 chunks of 1,000 (tidy + noGrad), then 3 rounds of
 * train.predict(model, x10k, { batchSize: 1000 }). Ours and PyTorch (bench/peers/memory.py)
 * each run in a fresh process, so peak RSS (VmHWM) is the workload's own; RSS is read after
 * each phase. Needs Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '../lib';
import { crossEntropy } from '../lib/nn/functional';
import { pythonBin } from './common';

/** One process's numbers: seconds and MiB per phase. */
export interface MemoryResult {
  trainS: number; evalS: number; predictS: number[];
  rssAfterTrainMiB: number; rssAfterEvalMiB: number; rssAfterPredictMiB: number[];
  peakRssMiB: number; accuracy: number;
  cache?: { cachedMiB: number; limitMiB: number; osAllocs: number };
}

const MiB = 2 ** 20;
/** A field of /proc/self/status (VmRSS, VmHWM) in MiB. */
export function procStatusMiB(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The Fashion-MNIST CNN of this bench and of bench/tta.ts. */
export function cnn(): tf.nn.Sequential {
  const { nn } = tf;
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Linear(128, 10));
}

/** The workload in this process. */
async function ours(limit: number): Promise<MemoryResult> {
  tf.manualSeed(0);
  const { train, test } = tf.data.datasets.fashionMnist({ limit });
  const model = cnn();
  const opt = new tf.optim.Adam(model.parameters(), { lr: 1e-3 });
  const batch = 64, n = train.x.shape[0];
  let t = performance.now();
  for (let lo = 0; lo < n; lo += batch) {
    tf.tidy(() => {
      opt.zeroGrad();
      const hi = Math.min(n, lo + batch);
      crossEntropy(model.forward(train.x.slice(0, lo, hi)), train.y.slice(0, lo, hi)).backward();
      opt.step();
    });
  }
  const trainS = (performance.now() - t) / 1e3, rssAfterTrainMiB = procStatusMiB('VmRSS');
  model.eval();
  t = performance.now();
  let correct = 0;
  const m = test.x.shape[0], chunk = Math.ceil(m / 10);
  for (let lo = 0; lo < m; lo += chunk) {
    correct += tf.tidy(() => tf.noGrad(() => {
      const hi = Math.min(m, lo + chunk);
      return model.forward(test.x.slice(0, lo, hi)).argmax(1).eq(test.y.slice(0, lo, hi)).sum().item();
    }));
  }
  const evalS = (performance.now() - t) / 1e3, rssAfterEvalMiB = procStatusMiB('VmRSS');
  const predictS: number[] = [], rssAfterPredictMiB: number[] = [];
  for (let r = 0; r < 3; r++) {
    t = performance.now();
    (await tf.train.predict(model, test.x, { batchSize: 1000 })).dispose();
    predictS.push((performance.now() - t) / 1e3);
    rssAfterPredictMiB.push(procStatusMiB('VmRSS'));
  }
  const mem = tf.memory();
  return { trainS, evalS, predictS, rssAfterTrainMiB, rssAfterEvalMiB, rssAfterPredictMiB,
    peakRssMiB: procStatusMiB('VmHWM'), accuracy: correct / m,
    cache: { cachedMiB: mem.nativeCachedBytes / MiB, limitMiB: mem.cacheLimitBytes / MiB, osAllocs: mem.osAllocs } };
}

function lastJson(stdout: string): MemoryResult | { missing: string } {
  try { return JSON.parse(stdout.trim().split('\n').pop() as string); } catch { return { missing: stdout.slice(-300) }; }
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 0) : '-');
function row(name: string, r: MemoryResult | { missing: string }): string {
  if ('missing' in r) return `| ${name} | missing: ${r.missing} |`;
  return `| ${name} | ${fmt(r.trainS)} | ${fmt(r.evalS)} | ${r.predictS.map(fmt).join(' / ')} | ${fmt(r.rssAfterTrainMiB)} | ` +
    `${fmt(r.rssAfterEvalMiB)} | ${r.rssAfterPredictMiB.map(fmt).join(' / ')} | ${fmt(r.peakRssMiB)} | ${r.accuracy.toFixed(3)} |` +
    (r.cache ? ` cached ${fmt(r.cache.cachedMiB)} MiB of ${fmt(r.cache.limitMiB)}, ${r.cache.osAllocs} OS allocs` : '');
}

async function main(argv: string[]): Promise<void> {
  let limit = 60000, threads = Number(process.env.TF_BENCH_THREADS ?? 2), peers = true, child = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--limit') limit = Number(argv[++i]);
    else if (argv[i] === '--threads') threads = Number(argv[++i]);
    else if (argv[i] === '--no-peers') peers = false;
    else if (argv[i] === '--child') child = true;
    else throw new RangeError(`bench/memory: unknown argument ${argv[i]}`);
  }
  if (!Number.isInteger(limit) || limit < 64) throw new RangeError(`bench/memory: --limit must be an integer >= 64, got ${limit}`);
  if (child) {
    tf.setNumThreads(threads);
    console.log(JSON.stringify(await ours(limit)));
    return;
  }
  const args = ['--limit', String(limit), '--threads', String(threads)];
  const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
  console.log(`Fashion-MNIST CNN, ${limit} training images, batch 64, threads ${threads}; seconds and RSS MiB`);
  console.log('| library | train epoch s | eval 10x1000 s | predict x3 s | RSS after train | RSS after eval | RSS after each predict | peak RSS | accuracy |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const us = spawnSync(process.execPath, [__filename, '--child', ...args], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  console.log(row('tensorforge', us.status === 0 ? lastJson(us.stdout) : { missing: (us.stderr || '').slice(-300) }));
  if (!peers) return;
  // NOTE: the peer runs with glibc malloc's defaults (no MALLOC_* tuning): RSS is the point here.
  const py = spawnSync(pythonBin(), [path.join(__dirname, '..', '..', 'bench', 'peers', 'memory.py'), ...args], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  console.log(row('pytorch', py.status === 0 ? lastJson(py.stdout) : { missing: (py.stderr || '').trim().split('\n').slice(-1)[0] }));
}

if (require.main === module) main(process.argv.slice(2)).catch((e) => { console.error(e); process.exit(1); });
