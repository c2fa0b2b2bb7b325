/** Shared test utilities: ISA iteration, float64 comparisons, finite-difference gradcheck. */
import * as assert from 'assert';
import * as tf from '../lib';
import { Tensor } from '../lib';
import type { Nd } from './reference/ndarray';

export { tf };

/** Runs fn once per CPU kernel variant this machine supports, restoring the default after. */
export function forEachIsa(fn: (isa: string) => void): void {
  const info = tf.backendInfo();
  try {
    for (const isa of info.supportedIsas) {
      tf.setIsa(isa as 'generic' | 'avx2' | 'avx512');
      fn(isa);
    }
  } finally {
    tf.setIsa(info.isa);
  }
}

/** Float64 copy of a tensor (as an Nd for the reference functions). */
export function toNd(t: Tensor): Nd {
  return { shape: t.shape.slice(), data: Float64Array.from(t.dataSync()) };
}

/** Asserts |a - e| <= atol + rtol * |e| elementwise (NaN matches NaN), with a useful message. */
export function assertClose(actual: Tensor | Nd, expected: Nd, rtol = 1e-5, atol = 1e-6, what = ''): void {
  const a = actual instanceof Tensor ? toNd(actual) : actual;
  assert.deepStrictEqual(a.shape, expected.shape, `${what} shape`);
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i], y = expected.data[i];
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (x === y) continue;
    const err = Math.abs(x - y);
    if (!(err <= atol + rtol * Math.abs(y))) {
      assert.fail(`${what} element ${i}: got ${x}, expected ${y} (abs err ${err.toExponential(2)}, shape [${a.shape}])`);
    }
  }
}

/**
 * Checks autograd gradients of fn at `inputs` against central differences computed on the
 * float32 forward, with a random projection r so every output element matters:
 * L = sum(fn(inputs) * r).
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: { eps?: number; rtol?: number; atol?: number } = {}): void {
  const eps = opts.eps ?? 1e-2, rtol = opts.rtol ?? 2e-2, atol = opts.atol ?? 2e-3;
  const xs = inputs.map((x) => x.detach().clone().requiresGrad_(true));
  const out = fn(...xs);
  const r = tf.randn(out.shape);
  out.mul(r).sum().backward();
  const rv = r.dataSync();
  const lossAt = (vals: Float32Array[]): number => tf.noGrad(() => {
    const ts = vals.map((v, i) => tf.tensor(v, { shape: xs[i].shape.slice() }));
    const o = fn(...ts).dataSync();
    let s = 0;
    for (let i = 0; i < o.length; i++) s += o[i] * rv[i];
    return s;
  });
  const base = xs.map((x) => Float32Array.from(x.dataSync()));
  xs.forEach((x, k) => {
    const analytic = x.grad ? x.grad.dataSync() : new Float32Array(x.numel);
    for (let i = 0; i < base[k].length; i++) {
      const plus = base.map((b) => b.slice()), minus = base.map((b) => b.slice());
      plus[k][i] += eps; minus[k][i] -= eps;
      const num = (lossAt(plus) - lossAt(minus)) / (2 * eps);
      const err = Math.abs(num - analytic[i]);
      if (!(err <= atol + rtol * Math.abs(num))) {
        assert.fail(`gradcheck: input ${k} element ${i}: analytic ${analytic[i]}, numeric ${num} (shape [${x.shape}])`);
      }
    }
  });
}

/** Asserts fn throws an error of `type` whose message matches every pattern. */
export function assertThrows(fn: () => unknown, type: new (...a: never[]) => Error, ...patterns: RegExp[]): void {
  let caught: unknown = null;
  try { fn(); } catch (e) { caught = e; }
  assert.ok(caught instanceof type, `expected ${type.name}, got ${caught instanceof Error ? `${caught.constructor.name}: ${caught.message}` : String(caught)}`);
  for (const p of patterns) assert.match((caught as Error).message, p);
}

/** A random float32 tensor and its float64 copy. */
export function randPair(shape: number[], lo = -2, hi = 2): [Tensor, Nd] {
  const t = tf.rand(shape, { low: lo, high: hi });
  return [t, toNd(t)];
}

/** Sets the ISA for the body of one test (forEachIsa's loop runs at definition time). */
export function withIsa(isa: string, fn: () => void): void {
  const prev = tf.backendInfo().isa;
  tf.setIsa(isa as 'generic');
  try { fn(); } finally { tf.setIsa(prev); }
}

/**
 * For a test that needs something outside the repo (a Debian package, python3 + numpy,
 * --expose-gc, built prebuilds): when it is missing, prints the reason and skips, except under
 * TENSORFORGE_TEST_REQUIRE_ALL=1 (.ci/run sets it, having installed all of them), where the
 * missing prerequisite fails the test instead, so a skip can never hide a failure in CI.
 */
export function requireOrSkip(ctx: Mocha.Context, have: boolean, reason: string): void {
  if (have) return;
  if (process.env.TENSORFORGE_TEST_REQUIRE_ALL === '1') {
    throw new Error(`${reason} (required: TENSORFORGE_TEST_REQUIRE_ALL=1)`);
  }
  console.log(`      (skipped: ${reason})`);
  ctx.skip();
}
