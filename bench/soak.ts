/**
 * Memory over a long run of small training steps: `npm run bench:soak [-- --steps N]`
 * (default 10^6). A 16-32-1 MLP regression, Adam, batch 32, each step in tidy(), in the
 * synchronous mode and in async mode (awaiting each step's loss, as train.fit does). RSS is
 * sampled every steps/100 steps, twice: as it is (the JS heap's garbage between collections
 * included: a sawtooth of some tens of MiB whose height depends on when V8 collects) and
 * right after a full collection (`--expose-gc`, which the npm script passes): what the
 * process retains. The report gives where each settled (after 10% of the steps) and the
 * largest distance from there afterwards, in MiB, plus the native allocator's view.
 */
import * as tf from '../lib';

const argSteps = process.argv.indexOf('--steps');
const STEPS = argSteps > 0 ? Number(process.argv[argSteps + 1]) : 1_000_000;
if (!Number.isInteger(STEPS) || STEPS < 100) throw new RangeError(`soak: --steps must be an integer >= 100, got ${STEPS}`);

const mib = (b: number): number => b / 2 ** 20;

const maybeGc = (globalThis as { gc?: () => void }).gc;
if (!maybeGc) throw new Error('soak: run node with --expose-gc (npm run bench:soak does)');
const fullGc: () => void = maybeGc;

interface Track { settle: number; maxDrift: number; last: number; min: number; max: number }
const track = (): Track => ({ settle: 0, maxDrift: 0, last: 0, min: Infinity, max: 0 });
function sample(t: Track, v: number, settling: boolean, settled: boolean): void {
  t.last = v;
  if (settling) t.settle = v;
  else if (settled) { t.maxDrift = Math.max(t.maxDrift, Math.abs(v - t.settle)); t.min = Math.min(t.min, v); t.max = Math.max(t.max, v); }
}

async function soak(mode: tf.ExecutionMode): Promise<{ raw: Track; retained: Track; perStepUs: number; native: tf.MemoryInfo }> {
  tf.setExecutionMode(mode);
  tf.manualSeed(0);
  const model = new tf.nn.Sequential(new tf.nn.Linear(16, 32), new tf.nn.ReLU(), new tf.nn.Linear(32, 1));
  const opt = new tf.optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = tf.randn([32, 16]), y = x.sum(1, true).mul(0.1);
  const every = Math.floor(STEPS / 100), settleAt = Math.floor(STEPS / 10);
  const raw = track(), retained = track();
  let gcMs = 0;
  const t0 = performance.now();
  for (let s = 1; s <= STEPS; s++) {
    const loss = tf.tidy(() => {
      opt.zeroGrad();
      const l = model.forward(x).sub(y).square().mean();
      l.backward();
      opt.step();
      return l.detach();
    });
    if (mode === 'async') await loss.data(); else loss.dataSync();
    loss.dispose();
    if (s % every === 0) {
      sample(raw, mib(process.memoryUsage().rss), s === settleAt, s > settleAt);
      const g0 = performance.now();
      fullGc();
      gcMs += performance.now() - g0;
      sample(retained, mib(process.memoryUsage().rss), s === settleAt, s > settleAt);
    }
  }
  const perStepUs = (performance.now() - t0 - gcMs) * 1e3 / STEPS;
  x.dispose(); y.dispose();
  return { raw, retained, perStepUs, native: tf.memory() };
}

async function main(): Promise<void> {
  for (const mode of ['sync', 'async'] as const) {
    const r = await soak(mode);
    const f = (t: Track): string => `settled at ${t.settle.toFixed(1)} MiB, then ${t.min.toFixed(1)}-${t.max.toFixed(1)} MiB (max drift ${t.maxDrift.toFixed(2)} MiB), end ${t.last.toFixed(1)} MiB`;
    console.log(`${mode.padEnd(5)} ${STEPS} steps, ${r.perStepUs.toFixed(1)} us/step: RSS after a full GC ${f(r.retained)}; ` +
      `RSS as sampled ${f(r.raw)}; native live ${mib(r.native.nativeLiveBytes).toFixed(2)} MiB, ` +
      `cached ${mib(r.native.nativeCachedBytes).toFixed(2)} MiB, tensors ${r.native.numTensors}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
