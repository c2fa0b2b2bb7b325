/** Batch norm and layer norm on every ISA against the float64 reference: forward, running
 * statistics, gradients (training and eval); finite differences; bad input. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa, gradcheck, randPair, toNd } from './helpers';
import * as ref from './reference/conv';
import type { Nd } from './reference/ndarray';
import type { Tensor } from '../lib';

const arr = (t: Tensor): number[] => Array.from(t.dataSync());
const near = (a: Tensor | Nd, e: Nd, what: string): void => assertClose(a, e, 1e-4, 1e-4, what);
const vec = (v: number[]): Nd => ({ shape: [v.length], data: Float64Array.from(v) });

/**
 * Normalised output `y` against `want` where a group's mean is large next to its spread; element
 * i belongs to group groupOf(i) of input `x`. Bound: the kernel holds the group mean m in
 * float32, so m is off by up to ulp(m)/2 <= u|m| (u = 2^-24) from rounding, and by no more
 * than that again from summing (the deviations it corrects with are small next to m); y =
 * (x - m) * rstd carries that error divided by the group's spread sigma: |dy| <= 2u|m|/sigma.
 * NOTE: for |m| ~ 100 (ulp 7.6e-6) and sigma ~ 0.01 that is ~1.2e-3, so a fixed 1e-4 failed for
 * ~9% of seeds on every ISA. The input's own rounding to float32 costs nothing here: the
 * reference is given the same float32 values. Over 500 seeds the worst error was 0.22 of this
 * bound on every ISA (PyTorch 1.13's float32 layer_norm exceeds 1e-4 on 77% of those seeds).
 */
function nearLargeMean(y: Tensor, want: Nd, x: Nd, groupOf: (i: number) => number, eps: number, what: string): void {
  const u = 2 ** -24, sum = new Map<number, number>(), sq = new Map<number, number>(), cnt = new Map<number, number>();
  x.data.forEach((v, i) => { const g = groupOf(i); sum.set(g, (sum.get(g) ?? 0) + v); cnt.set(g, (cnt.get(g) ?? 0) + 1); });
  const mean = (g: number): number => sum.get(g)! / cnt.get(g)!;
  x.data.forEach((v, i) => { const g = groupOf(i); sq.set(g, (sq.get(g) ?? 0) + (v - mean(g)) ** 2); });
  const got = y.dataSync();
  assert.deepStrictEqual(y.shape, want.shape, `${what} shape`);
  want.data.forEach((e, i) => {
    const g = groupOf(i), sigma = Math.sqrt(sq.get(g)! / cnt.get(g)! + eps);
    const tol = 1e-4 + 1e-4 * Math.abs(e) + 2 * u * Math.abs(mean(g)) / sigma, err = Math.abs(got[i] - e);
    if (!(err <= tol)) assert.fail(`${what} element ${i}: got ${got[i]}, expected ${e} (abs err ${err.toExponential(2)} > ${tol.toExponential(2)}, group mean ${mean(g)}, spread ${sigma})`);
  });
}

describe('batchNorm vs float64 reference', () => {
  const shapes = [[4, 3, 5, 5], [7, 33], [2, 1, 3], [16, 64, 6, 7], [3, 5, 2, 2, 2], [2, 4, 1, 1]];
  it('training: batch statistics, running-stat updates and gradients on every ISA', () => forEachIsa((isa) => {
    for (const xs of shapes) {
      for (const affine of [true, false]) {
        const C = xs[1], tag = `isa=${isa} ${JSON.stringify(xs)} affine=${affine}`;
        const [x0, xn0] = randPair(xs);
        const x = x0.mul(3).add(5);  // offset mean: the statistics must be computed stably
        const xn = { shape: xn0.shape, data: xn0.data.map((v) => Math.fround(Math.fround(v * 3) + 5)) };
        const rm = tf.randn([C]), rv = tf.rand([C], { low: 0.5, high: 2 });
        const rm0 = arr(rm), rv0 = arr(rv);
        const [w, wn] = randPair([C]), [b, bn] = randPair([C]);
        const [xg, wg, bg] = [x, w, b].map((t) => t.detach().clone().requiresGrad_(true));
        const y = tf.batchNorm(xg, rm, rv, { weight: affine ? wg : null, bias: affine ? bg : null, training: true, momentum: 0.2, eps: 1e-3 });
        const want = ref.batchNorm(xn, rm0, rv0, affine ? Array.from(wn.data) : null, affine ? Array.from(bn.data) : null, true, 0.2, 1e-3);
        near(y, want.y, `${tag} forward`);
        near(rm, vec(want.runningMean), `${tag} running mean`);
        near(rv, vec(want.runningVar), `${tag} running var`);
        const [dy, dyn] = randPair(xs);
        y.backward(dy);
        const gr = ref.batchNormBackward(xn, dyn, null, null, affine ? Array.from(wn.data) : null, true, 1e-3);
        assertClose(xg.grad!, gr.dx, 1e-3, 1e-3, `${tag} grad input`);
        if (affine) {
          near(wg.grad!, vec(gr.dw), `${tag} grad weight`);
          near(bg.grad!, vec(gr.db), `${tag} grad bias`);
        }
      }
    }
  }));

  it('eval: uses and keeps the running statistics; gradients treat them as constants', () => forEachIsa((isa) => {
    for (const xs of shapes) {
      const C = xs[1], [x, xn] = randPair(xs), [w, wn] = randPair([C]), [b, bn] = randPair([C]);
      const rm = tf.randn([C]), rv = tf.rand([C], { low: 0.5, high: 2 });
      const rm0 = arr(rm), rv0 = arr(rv);
      const [xg, wg] = [x, w].map((t) => t.detach().clone().requiresGrad_(true));
      const y = tf.batchNorm(xg, rm, rv, { weight: wg, bias: b });
      near(y, ref.batchNorm(xn, rm0, rv0, Array.from(wn.data), Array.from(bn.data), false, 0.1, 1e-5).y, `isa=${isa} eval forward`);
      assert.deepStrictEqual(arr(rm), rm0);
      assert.deepStrictEqual(arr(rv), rv0);
      const [dy, dyn] = randPair(xs);
      y.backward(dy);
      const gr = ref.batchNormBackward(xn, dyn, rm0, rv0, Array.from(wn.data), false, 1e-5);
      near(xg.grad!, gr.dx, `isa=${isa} eval grad input`);
      near(wg.grad!, vec(gr.dw), `isa=${isa} eval grad weight`);
    }
  }));

  it('keeps the statistics accurate when the mean is large next to the spread', () => forEachIsa((isa) => {
    // Regression: sum x*(x - rounded mean) instead of sum (x - mean)^2 lost the variance here.
    const x = tf.tensor([-0.49997711181640625, 6.891674041748047, 10.867679595947266, -0.7864723205566406,
      9.944005966186523, 6.975646495819092, 4.689443111419678, 1.1285510063171387], { shape: [2, 4, 1, 1] });
    near(tf.batchNorm(x, null, null, { training: true, eps: 1e-3 }), ref.batchNorm(toNd(x), null, null, null, null, true, 0.1, 1e-3).y, `isa=${isa} two values`);
    const [x0] = randPair([16, 3, 5]);
    const big = x0.mul(0.1).add(100);
    const bn = toNd(big);  // [N=16, C=3, L=5]: batch norm groups by channel, layer norm by row of 5
    nearLargeMean(tf.batchNorm(big, null, null, { training: true, eps: 1e-6 }), ref.batchNorm(bn, null, null, null, null, true, 0.1, 1e-6).y,
      bn, (i) => Math.floor(i / 5) % 3, 1e-6, `isa=${isa} mean 100, spread 0.1`);
    nearLargeMean(tf.layerNorm(big, [5], { eps: 1e-6 }), ref.layerNorm(bn, 5, null, null, 1e-6), bn, (i) => Math.floor(i / 5), 1e-6, `isa=${isa} layerNorm mean 100`);
  }));

  it('training without running statistics', () => {
    const [x, xn] = randPair([5, 3, 4]);
    near(tf.batchNorm(x, null, null, { training: true }), ref.batchNorm(xn, null, null, null, null, true, 0.1, 1e-5).y, 'no running stats');
  });

  it('matches finite differences (training and eval)', () => {
    gradcheck((x, w, b) => tf.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [tf.randn([3, 2, 2, 2]), tf.randn([2]), tf.randn([2])], { rtol: 5e-2, atol: 5e-3 });
    const rm = tf.randn([2]), rv = tf.ones([2]);
    gradcheck((x, w) => tf.batchNorm(x, rm, rv, { weight: w }), [tf.randn([3, 2, 3]), tf.randn([2])]);
  });
});

describe('layerNorm vs float64 reference', () => {
  const cases: [number[], number[]][] = [[[5, 7], [7]], [[64, 129], [129]], [[1, 1], [1]], [[2, 3, 4, 5], [4, 5]], [[3, 0, 6], [6]], [[4, 10, 32], [32]]];
  it('forward and gradients on every ISA, with and without affine parameters', () => forEachIsa((isa) => {
    for (const [xs, ns] of cases) {
      for (const affine of [true, false]) {
        const D = ns.reduce((a, c) => a * c, 1), tag = `isa=${isa} ${JSON.stringify(xs)} ${JSON.stringify(ns)} affine=${affine}`;
        const [x, xn] = randPair(xs), [w, wn] = randPair(ns), [b, bn] = randPair(ns);
        const [xg, wg, bg] = [x, w, b].map((t) => t.detach().clone().requiresGrad_(true));
        const y = tf.layerNorm(xg, ns, affine ? { weight: wg, bias: bg, eps: 1e-4 } : { eps: 1e-4 });
        near(y, ref.layerNorm(xn, D, affine ? Array.from(wn.data) : null, affine ? Array.from(bn.data) : null, 1e-4), `${tag} forward`);
        const [dy, dyn] = randPair(xs);
        y.backward(dy);
        const gr = ref.layerNormBackward(xn, dyn, D, affine ? Array.from(wn.data) : null, 1e-4);
        assertClose(xg.grad!, gr.dx, 1e-3, 1e-3, `${tag} grad input`);
        if (affine) {
          near(wg.grad!, { shape: ns, data: Float64Array.from(gr.dw) }, `${tag} grad weight`);
          near(bg.grad!, { shape: ns, data: Float64Array.from(gr.db) }, `${tag} grad bias`);
        }
      }
    }
  }));
  it('matches finite differences', () => {
    gradcheck((x, w, b) => tf.layerNorm(x, [4], { weight: w, bias: b }), [tf.randn([3, 4]), tf.randn([4]), tf.randn([4])], { rtol: 5e-2, atol: 5e-3 });
  });
});

describe('normalization bad inputs', () => {
  let x: Tensor;
  beforeEach(() => { x = tf.randn([4, 3, 5]); });  // drawn per test (seeded by its title)
  it('rejects wrong types with TypeError', () => {
    assertThrows(() => tf.batchNorm(x.to('int32'), null, null, { training: true }), TypeError, /batchNorm: input must be float32, got int32/);
    assertThrows(() => tf.batchNorm(x, tf.zeros([3]), null), TypeError, /batchNorm: runningMean and runningVar must both be given/);
    assertThrows(() => tf.batchNorm(x, null, null, { training: true, momentum: NaN }), TypeError, /batchNorm: momentum must be a finite number/);
    assertThrows(() => tf.layerNorm(x, [2.5]), TypeError, /layerNorm: normalizedShape must be a positive integer/);
  });
  it('rejects bad shapes and modes with RangeError naming them', () => {
    assertThrows(() => tf.batchNorm(tf.randn([4]), null, null, { training: true }), RangeError, /batchNorm: input must have at least 2 dims .* got \[4\]/);
    assertThrows(() => tf.batchNorm(x, tf.zeros([4]), tf.ones([4])), RangeError, /batchNorm: runningMean must have shape \[3\], got \[4\]/);
    assertThrows(() => tf.batchNorm(x, null, null), RangeError, /batchNorm: runningMean and runningVar are required when training is false/);
    assertThrows(() => tf.batchNorm(tf.randn([1, 3]), null, null, { training: true }), RangeError, /expected more than 1 value per channel when training, got input \[1, 3\]/);
    assertThrows(() => tf.batchNorm(x, null, null, { training: true, weight: tf.ones([2]) }), RangeError, /batchNorm: weight must have shape \[3\], got \[2\]/);
    assertThrows(() => tf.batchNorm(x, tf.zeros([3, 2]).slice(1, 0, 1).squeeze(1), tf.ones([3])), RangeError, /batchNorm: runningMean and runningVar must be contiguous/);
    assertThrows(() => tf.batchNorm(x, null, null, { training: true, eps: -1 }), RangeError, /batchNorm: eps must be >= 0/);
    assertThrows(() => tf.layerNorm(x, [3]), RangeError, /layerNorm: input \[4, 3, 5\] does not end in normalizedShape \[3\]/);
    assertThrows(() => tf.layerNorm(x, [5], { weight: tf.ones([4]) }), RangeError, /layerNorm: weight must have shape \[5\], got \[4\]/);
  });
});
