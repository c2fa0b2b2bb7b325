/**
 * Memory over a long run of small training steps: `npm run bench:soak [-- --steps N]`
 * (default 10^6). A 16-32-1 MLP regression, Adam, batch 32, each step in tidy(), in the
 * synchronous mode and in async mode (awaiting each step's loss, as train.fit does). RSS is
 * sampled every steps/100 steps; the report gives where it settled (after 10% of the steps)
 * and the largest distance from there afterwards, in MiB, plus the native allocator's view.
 */
import * as tf from '../lib';

const argSteps = process.argv.indexOf('--steps');
const STEPS = argSteps > 0 ? Number(process.argv[argSteps + 1]) : 1_000_000;
if (!Number.isInteger(STEPS) || STEPS < 100) throw new RangeError(`soak: --steps must be an integer >= 100, got ${STEPS}`);

const mib = (b: number): number => b / 2 ** 20;

async function soak(mode: tf.ExecutionMode): Promise<{ settle: number; maxDrift: number; last: number; perStepUs: number; native: tf.MemoryInfo }> {
  tf.setExecutionMode(mode);
  tf.manualSeed(0);
  const model = new tf.nn.Sequential(new tf.nn.Linear(16, 32), new tf.nn.ReLU(), new tf.nn.Linear(32, 1));
  const opt = new tf.optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = tf.randn([32, 16]), y = x.sum(1, true).mul(0.1);
  const every = Math.floor(STEPS / 100), settleAt = Math.floor(STEPS / 10);
  let settle = 0, maxDrift = 0, last = 0;
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
      last = mib(process.memoryUsage().rss);
      if (s === settleAt) settle = last;
      else if (s > settleAt) maxDrift = Math.max(maxDrift, Math.abs(last - settle));
    }
  }
  const perStepUs = (performance.now() - t0) * 1e3 / STEPS;
  x.dispose(); y.dispose();
  return { settle, maxDrift, last, perStepUs, native: tf.memory() };
}

async function main(): Promise<void> {
  for (const mode of ['sync', 'async'] as const) {
    const r = await soak(mode);
    console.log(`${mode.padEnd(5)} ${STEPS} steps, ${r.perStepUs.toFixed(1)} us/step: RSS settled at ${r.settle.toFixed(1)} MiB, ` +
      `max drift after ${r.maxDrift.toFixed(2)} MiB, end ${r.last.toFixed(1)} MiB; native live ${mib(r.native.nativeLiveBytes).toFixed(2)} MiB, ` +
      `cached ${mib(r.native.nativeCachedBytes).toFixed(2)} MiB, tensors ${r.native.numTensors}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
