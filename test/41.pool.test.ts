/** Pooling kernels on every ISA against the float64 reference, forward and gradients;
 * finite differences; bad input. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa, gradcheck, randPair } from './helpers';
import * as ref from './reference/conv';
import { permute } from './reference/ndarray';
import type { Tensor } from '../lib';
import { native, args } from '../lib/native';

type Pair = [number, number];
const P = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);

// [input shape, kernel, stride (undefined = kernel), padding, dilation, ceilMode]
const MAX_CASES: [number[], number | Pair, number | Pair | undefined, number | Pair, number | Pair, boolean][] = [
  [[2, 3, 8, 8], 2, undefined, 0, 1, false],
  [[2, 3, 7, 9], 3, 2, 1, 1, false],
  [[1, 2, 7, 9], 3, 2, 1, 1, true],
  [[2, 2, 10, 11], 3, 1, 1, 2, false],
  [[1, 1, 5, 5], 2, 3, 1, 1, true],
  [[3, 5, 1, 13], [1, 3], [1, 2], [0, 1], 1, false],
  [[2, 4, 6, 5], [2, 3], [1, 2], [1, 1], [2, 1], true],
  [[8, 32, 32, 32], 2, 2, 0, 1, false],  // threaded
  [[1, 1, 1, 1], 1, 1, 0, 1, false],
];

describe('maxPool2d vs float64 reference', () => {
  it('forward values, int32 indices and gradients on every ISA', () => forEachIsa((isa) => {
    for (const [xs, k, s, p, d, ceil] of MAX_CASES) {
      const g: ref.PoolGeom = { k: P(k), s: P(s ?? k), p: P(p), d: P(d), ceil };
      const tag = `isa=${isa} ${JSON.stringify([xs, g])}`;
      const [x, xn] = randPair(xs);
      const want = ref.maxPool2d(xn, g);
      const xg = x.detach().clone().requiresGrad_(true);
      const [y, idx] = tf.maxPool2d(xg, k, { stride: s, padding: p, dilation: d, ceilMode: ceil, returnIndices: true });
      assertClose(y, want.y, 0, 0, `${tag} forward`);
      assert.strictEqual(idx.dtype, 'int32');
      assert.deepStrictEqual(Array.from(idx.dataSync()), want.idx, `${tag} indices`);
      const [dy, dyn] = randPair(want.y.shape);
      y.backward(dy);
      assertClose(xg.grad!, ref.maxPool2dBackward(xs, dyn, want.idx), 1e-6, 1e-6, `${tag} grad`);
    }
  }));
  it('propagates NaN, handles unbatched input and strided views', () => {
    const x = tf.tensor([[[1, NaN, 3, 4], [5, 6, 7, 8]]]);
    const [y, idx] = tf.maxPool2d(x, 2, { returnIndices: true });
    assert.ok(Number.isNaN((y.toArray() as number[][][])[0][0][0]));
    assert.deepStrictEqual(idx.toArray(), [[[1, 7]]]);
    const [xt, xn] = randPair([2, 6, 6, 3]);
    const view = xt.permute([0, 3, 1, 2]);
    const perm = ref.maxPool2d(permute(xn, [0, 3, 1, 2]), { k: [2, 2], s: [2, 2], p: [0, 0], d: [1, 1], ceil: false });
    assertClose(tf.maxPool2d(view, 2), perm.y, 0, 0, 'strided');
  });
  it('2x2 stride-2 windows (the vectorized path): ties, NaN and +-inf at every tap, odd heights, every ISA', () => forEachIsa((isa) => {
    // Values from a set of six, so most windows hold ties, NaNs or infinities in every tap
    // position: the argmax must be PyTorch's (first of the greatest in (kh, kw) order, the last
    // NaN). Widths around the vector widths (4, 8, 16 outputs per vector), heights odd and even.
    const pool = [-Infinity, -1, 0, 1, NaN, Infinity];
    for (const xs of [[2, 3, 8, 8], [3, 5, 7, 6], [2, 4, 28, 28], [4, 3, 14, 14], [1, 2, 2, 34], [2, 2, 9, 2], [1, 1, 3, 4], [2, 1, 3, 30]]) {
      const draws = tf.randint(0, pool.length, xs).dataSync();
      const x = tf.tensor(Array.from(draws, (d) => pool[d]), { shape: xs });
      const xn = { shape: xs, data: Float64Array.from(x.dataSync()) };
      const want = ref.maxPool2d(xn, { k: [2, 2], s: [2, 2], p: [0, 0], d: [1, 1], ceil: false });
      const tag = `isa=${isa} [${xs}]`;
      const xg = x.detach().clone().requiresGrad_(true);
      const [y, idx] = tf.maxPool2d(xg, 2, { returnIndices: true });
      assertClose(y, want.y, 0, 0, `${tag} forward`);
      assert.deepStrictEqual(Array.from(idx.dataSync()), want.idx, `${tag} indices`);
      const [dy, dyn] = randPair(want.y.shape);
      y.backward(dy);
      assertClose(xg.grad!, ref.maxPool2dBackward(xs, dyn, want.idx), 1e-6, 1e-6, `${tag} grad`);
    }
  }));
  it('matches finite differences', () => {
    // Distinct values 0.05 apart (> 2 * the finite-difference step): no argmax flips.
    // Scrambled by a fixed permutation (i -> 37 i mod 100) so the test is the same every run.
    const vals = Array.from({ length: 100 }, (_, i) => ((37 * i) % 100 - 50) * 0.05);
    gradcheck((x) => tf.maxPool2d(x, 3, { stride: 2, padding: 1 }), [tf.tensor(vals, { shape: [2, 2, 5, 5] })]);
  });
});

describe('avgPool2d vs float64 reference', () => {
  it('count_include_pad, divisor_override, ceil mode: forward and gradients on every ISA', () => forEachIsa((isa) => {
    for (const [xs, k, s, p, , ceil] of MAX_CASES) {
      for (const cip of [true, false]) {
        for (const div of [0, 5]) {
          const g: ref.PoolGeom = { k: P(k), s: P(s ?? k), p: P(p), d: [1, 1], ceil };
          const tag = `isa=${isa} ${JSON.stringify([xs, g])} countIncludePad=${cip} divisor=${div}`;
          const [x, xn] = randPair(xs);
          const xg = x.detach().clone().requiresGrad_(true);
          const y = tf.avgPool2d(xg, k, { stride: s, padding: p, ceilMode: ceil, countIncludePad: cip, divisorOverride: div || null });
          const want = ref.avgPool2d(xn, g, cip, div);
          assertClose(y, want, 1e-5, 1e-6, `${tag} forward`);
          const [dy, dyn] = randPair(want.shape);
          y.backward(dy);
          assertClose(xg.grad!, ref.avgPool2dBackward(xs, dyn, g, cip, div), 1e-5, 1e-6, `${tag} grad`);
        }
      }
    }
  }));
  it('matches finite differences', () => {
    gradcheck((x) => tf.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [tf.randn([1, 2, 6, 5])]);
  });
});

describe('adaptiveAvgPool2d vs float64 reference', () => {
  it('forward and gradients on every ISA (shrinking, identity, growing, global)', () => forEachIsa((isa) => {
    const cases: [number[], [number | null, number | null] | number][] = [
      [[2, 3, 7, 9], [3, 4]], [[2, 2, 5, 5], 1], [[1, 2, 4, 6], [7, 9]], [[2, 3, 6, 6], [null, 2]], [[16, 64, 7, 7], 1],
    ];
    for (const [xs, size] of cases) {
      const [x, xn] = randPair(xs);
      const xg = x.detach().clone().requiresGrad_(true);
      const y = tf.adaptiveAvgPool2d(xg, size);
      const sz = typeof size === 'number' ? [size, size] : size;
      const OH = sz[0] ?? xs[2], OW = sz[1] ?? xs[3];
      const tag = `isa=${isa} ${JSON.stringify(xs)} -> ${OH}x${OW}`;
      assertClose(y, ref.adaptiveAvgPool2d(xn, OH, OW), 1e-5, 1e-6, `${tag} forward`);
      const [dy, dyn] = randPair([xs[0], xs[1], OH, OW]);
      y.backward(dy);
      assertClose(xg.grad!, ref.adaptiveAvgPool2dBackward(xs, dyn), 1e-5, 1e-6, `${tag} grad`);
    }
  }));
  it('matches finite differences', () => {
    gradcheck((x) => tf.adaptiveAvgPool2d(x, [2, 3]), [tf.randn([2, 1, 5, 7])]);
  });
});

describe('pooling bad inputs', () => {
  let x: Tensor;
  beforeEach(() => { x = tf.randn([2, 3, 8, 8]); });  // drawn per test (seeded by its title)
  it('rejects wrong types with TypeError', () => {
    assertThrows(() => tf.maxPool2d(x.to('int32'), 2), TypeError, /maxPool2d: input must be float32, got int32/);
    assertThrows(() => tf.avgPool2d(x, 2.5), TypeError, /avgPool2d: kernelSize must be an integer or a pair of integers, got 2.5/);
    assertThrows(() => tf.adaptiveAvgPool2d(x, 'big' as unknown as number), TypeError, /adaptiveAvgPool2d: outputSize must be an integer or a pair/);
    assertThrows(() => tf.maxPool2d(null as unknown as Tensor, 2), TypeError, /maxPool2d: input must be a Tensor/);
  });
  it('rejects bad shapes and windows with RangeError naming them', () => {
    assertThrows(() => tf.maxPool2d(tf.randn([8, 8]), 2), RangeError, /maxPool2d: input must be 3-D .* or 4-D .*, got shape \[8, 8\]/);
    assertThrows(() => tf.maxPool2d(x, 2, { padding: 2 }), RangeError, /maxPool2d: padding \[2, 2\] must be at most half of kernelSize \[2, 2\]/);
    assertThrows(() => tf.maxPool2d(tf.randn([1, 1, 2, 2]), 3), RangeError, /maxPool2d: input \[1, 1, 2, 2\] is too small for kernelSize \[3, 3\]/);
    assertThrows(() => tf.avgPool2d(x, 2, { stride: 0 }), RangeError, /avgPool2d: stride must be >= 1/);
    assertThrows(() => tf.avgPool2d(x, 2, { divisorOverride: 0 }), RangeError, /avgPool2d: divisorOverride must be >= 1/);
    assertThrows(() => tf.adaptiveAvgPool2d(x, 0), RangeError, /adaptiveAvgPool2d: outputSize must be >= 1/);
  });
  it('the native bindings validate shapes and never trust the indices', () => {
    const y = tf.zeros([2, 3, 4, 4]), idx = tf.zeros([2, 3, 4, 4], { dtype: 'int32' });
    const wrong = tf.zeros([2, 3, 5, 4]);  // (creating a tensor uses the arg buffer: do it first)
    args.reset().num(2).num(2).num(2).num(2).num(0).num(0).num(1).num(1).num(0).view(wrong).view(idx).view(x);
    assertThrows(() => native.maxPool2dForward(wrong.handle('t'), idx.handle('t'), x.handle('t')), RangeError,
      /maxPool2d: out must have shape \[2, 3, 4, 4\], got \[2, 3, 5, 4\]/);
    // Out-of-range indices are skipped, not written.
    const bad = tf.full([2, 3, 4, 4], 1e6, { dtype: 'int32' }), dx = tf.zeros([2, 3, 8, 8]);
    args.reset().view(dx).view(y).view(bad);
    native.maxPool2dBackward(dx.handle('t'), y.handle('t'), bad.handle('t'));
    assert.strictEqual(dx.abs().sum().item(), 0);
    args.reset().view(dx).view(y).view(y);
    assertThrows(() => native.maxPool2dBackward(dx.handle('t'), y.handle('t'), y.handle('t')), RangeError, /indices must be int32, got float32/);
  });
});
