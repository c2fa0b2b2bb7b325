/** softmax / logSoftmax and the fused softmax + cross-entropy kernel: forward and backward
 * against float64 references on every ISA, gradchecks, and bad-input errors. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa, gradcheck, randPair, toNd, withIsa } from './helpers';
import * as ref from './reference/nn';
import { permute, slice, type Nd } from './reference/ndarray';
import type { Tensor } from '../lib';
import { crossEntropy, type CrossEntropyOptions } from '../lib/nn/functional';
import { native, args } from '../lib/native';

const SOFTMAX_CASES: [number[], number][] = [
  [[0], 0], [[1], 0], [[7], -1], [[3, 5], 0], [[3, 5], 1], [[2, 3, 4], 1], [[2, 3, 4], 0],
  [[300, 257], 1], [[4, 70, 130], 1], [[5, 0, 3], 2], [[2, 1, 3], 1], [[], 0],
  // vector body + tail of the exp passes: rows of 9 and 17, column blocks of 11 and 9
  [[9], 0], [[3, 17], 1], [[3, 9, 11], 1], [[2, 20, 9], 1],
];

/** Random class targets in [0, C) with about a fifth replaced by ignoreIndex when given. */
function classTargets(shape: number[], C: number, ignoreIndex?: number): Tensor {
  let t = tf.randint(0, Math.max(C, 1), shape);
  if (ignoreIndex !== undefined) t = tf.where(tf.rand(shape).lt(0.2), ignoreIndex, t);
  return t;
}
function probTargets(shape: number[]): Tensor { return tf.rand(shape).add(0.1).softmax(1); }

/**
 * Absolute tolerance of the fused cross-entropy gradient g * (T * p - t). p = exp(x - lse) is
 * computed in float32, where x - lse has an absolute error up to ~2u * max|x| (u = 2^-24, |lse|
 * ~ max|x|), so p carries that relative error; the terms g * T * p reach the largest gradient
 * element in size: |error| <= ~4u * (1 + max|x|) * max|grad|. NOTE: a fixed 1e-6 failed at
 * logits of std 3 (|x| up to ~12) for a few percent of seeds; over 240 runs the worst error was
 * 0.14 of this bound.
 */
function ceGradAtol(x: Tensor, grad: Nd): number {
  const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return Math.max(1e-6, 4 * 2 ** -24 * (1 + maxAbs(x.dataSync())) * maxAbs(grad.data));
}

describe('softmax / logSoftmax vs float64 reference', () => {
  forEachIsa((isa) => {
    it(`forward along every dim, sizes 0/1/odd/threaded (isa=${isa})`, () => withIsa(isa, () => {
      for (const [shape, dim] of SOFTMAX_CASES) {
        const [x, xn] = randPair(shape, -5, 5);
        const d = dim < 0 ? dim + shape.length : dim;
        assertClose(x.softmax(dim), ref.softmax(xn, d), 1e-5, 1e-7, `softmax ${shape} dim ${dim}`);
        assertClose(x.logSoftmax(dim), ref.softmax(xn, d, true), 1e-5, 1e-5, `logSoftmax ${shape} dim ${dim}`);
      }
    }));
    it(`backward vs reference at threaded sizes (isa=${isa})`, () => withIsa(isa, () => {
      for (const [shape, dim] of [[[300, 257], 1], [[4, 70, 130], 1], [[9, 1000], 0], [[3, 17], 1], [[2, 20, 9], 1]] as [number[], number][]) {
        for (const log of [false, true]) {
          const x = tf.randn(shape).requiresGrad_();
          const y = log ? x.logSoftmax(dim) : x.softmax(dim);
          const g = tf.randn(shape);
          y.backward(g);
          const yRef = ref.softmax(toNd(x), dim, log);  // the reference's own forward, not ours
          assertClose(x.grad!, ref.softmaxBackward(yRef, toNd(g), dim, log), 1e-4, 1e-5, `${log ? 'log' : ''}softmax backward ${shape}`);
        }
      }
    }));
    it(`non-contiguous inputs and extreme values (isa=${isa})`, () => withIsa(isa, () => {
      const [a, an] = randPair([37, 19], -3, 3);
      assertClose(a.t().softmax(1), ref.softmax(permute(an, [1, 0]), 1), 1e-5, 1e-7);
      assertClose(a.slice(0, 1, 30, 3).logSoftmax(0), ref.softmax(slice(an, 0, 1, 30, 3), 0, true), 1e-5, 1e-5);
      const big = tf.tensor([[1000, 1001, 999], [-1000, -1e30, -1001]]);
      assertClose(big.softmax(1), ref.softmax(toNd(big), 1), 1e-5, 1e-7, 'large logits');
      assertClose(big.logSoftmax(1), ref.softmax(toNd(big), 1, true), 1e-5, 1e-4, 'large logits (log)');
      assert.deepStrictEqual(tf.tensor([-Infinity, 0]).softmax().toArray(), [0, 1]);
    }));
  });
  it('gradcheck along each dim', () => {
    for (const [shape, dim] of [[[3, 4], 0], [[3, 4], 1], [[2, 3, 4], 1], [[5], -1]] as [number[], number][]) {
      gradcheck((x) => x.softmax(dim), [tf.randn(shape)]);
      gradcheck((x) => x.logSoftmax(dim), [tf.randn(shape)]);
    }
    gradcheck((x) => x.t().softmax(1).mul(x.t()), [tf.randn([4, 3])]);
  });
  it('rejects bad input with op, argument and shape in the message', () => {
    assertThrows(() => tf.tensor([1, 2], { dtype: 'int32' }).softmax(), TypeError, /softmax: input must be float32, got int32/);
    assertThrows(() => tf.randn([2, 3]).logSoftmax(2), RangeError, /logSoftmax: dim 2 is out of range for a tensor of 2 dims/);
    assertThrows(() => tf.softmax(null as unknown as Tensor), TypeError, /softmax: input must be a Tensor/);
  });
});

type CeCase = [number[], CrossEntropyOptions, boolean];  // logits shape, options, probability targets
const CE_OPTS: CrossEntropyOptions[] = [
  {}, { reduction: 'sum' }, { reduction: 'none' }, { labelSmoothing: 0.2 }, { ignoreIndex: 1 },
  { ignoreIndex: -100, labelSmoothing: 0.1, reduction: 'none' },
];

describe('crossEntropy (fused softmax + cross-entropy) vs float64 reference', () => {
  forEachIsa((isa) => {
    it(`class and probability targets, weights, smoothing, ignoreIndex, reductions (isa=${isa})`, () => withIsa(isa, () => {
      const shapes = [[1, 1], [7, 5], [0, 4], [300, 257], [4, 5, 3], [2, 3, 2, 2], [50, 7, 40], [3, 19, 5], [6, 17]];
      for (const shape of shapes) {
        const C = shape[1];
        for (const base of CE_OPTS) {
          for (const weighted of [false, true]) {
            for (const probs of [false, true]) {
              if (probs && base.ignoreIndex === 1) continue;
              const opts: CrossEntropyOptions = { ...base, weight: weighted ? tf.rand([C], { low: 0.2, high: 2 }) : undefined };
              const x = tf.randn(shape, { std: 3 }).requiresGrad_();
              const tShape = probs ? shape : [shape[0], ...shape.slice(2)];
              const ignore = base.ignoreIndex === undefined ? (probs ? undefined : -100) : base.ignoreIndex;
              const t = probs ? probTargets(shape) : classTargets(tShape, C, ignore);
              const loss = crossEntropy(x, t, opts);
              const r = tf.randn(loss.shape);
              const want = ref.crossEntropy(toNd(x), toNd(t), probs,
                { ...opts, weight: opts.weight ? toNd(opts.weight) : undefined }, toNd(r));
              const what = `${shape} ${JSON.stringify(base)} weighted=${weighted} probs=${probs}`;
              assertClose(loss, want.loss, 2e-5, 1e-5, what);
              if (x.numel && !Number.isNaN(want.loss.data[0])) {
                loss.backward(r);
                assertClose(x.grad!, want.grad, 1e-4, ceGradAtol(x, want.grad), `${what} grad`);
              }
            }
          }
        }
      }
    }));
    it(`non-contiguous logits and targets, unbatched input, large logits (isa=${isa})`, () => withIsa(isa, () => {
      const x0 = tf.randn([6, 9]), xt = x0.t();  // [9, 6] transposed view
      const y0 = tf.randint(0, 6, [2, 9]), y = y0.slice(0, 1, 2).reshape([9]);  // row 1: an offset view
      const yn = { shape: [9], data: slice(toNd(y0), 0, 1, 2).data };
      assertClose(crossEntropy(xt, y), ref.crossEntropy(permute(toNd(x0), [1, 0]), yn, false).loss, 1e-5, 1e-6);
      const x1 = tf.randn([5]);
      const c = tf.tensor(3, { dtype: 'int32' });
      assertClose(crossEntropy(x1, c), ref.crossEntropy(toNd(x1.reshape([1, 5])), { shape: [1], data: Float64Array.of(3) }, false).loss, 1e-5, 1e-6);
      assert.deepStrictEqual(crossEntropy(x1, c, { reduction: 'none' }).shape, []);
      const big = tf.tensor([[1e4, -1e4, 0], [50, 50, 50]]);
      const l = crossEntropy(big, tf.tensor([1, 0], { dtype: 'int32' }), { reduction: 'none' });
      assertClose(l, { shape: [2], data: Float64Array.of(2e4, Math.log(3)) }, 1e-6, 1e-5);
    }));
  });
  it('matches hand-computed PyTorch values (weighted mean with label smoothing)', () => {
    // PyTorch: (1 - s) * nll_loss(mean) + s / C * smooth.sum() / weight[target].sum()
    // logits [[0, 0]], target [0], weight [1, 3], s = 0.5: 0.5 ln2 + 0.25 * 4 ln2 = 1.5 ln2.
    const l = crossEntropy(tf.zeros([1, 2]), tf.tensor([0], { dtype: 'int32' }), { weight: tf.tensor([1, 3]), labelSmoothing: 0.5 });
    assert.ok(Math.abs(l.item() - 1.5 * Math.LN2) < 1e-6, `got ${l.item()}`);
    // weighted mean divides by the sum of the targets' weights: (1 * ln2 + 3 * ln2) / 4
    const m = crossEntropy(tf.zeros([2, 2]), tf.tensor([0, 1], { dtype: 'int32' }), { weight: tf.tensor([1, 3]) });
    assert.ok(Math.abs(m.item() - Math.LN2) < 1e-6, `got ${m.item()}`);
  });
  it('gives bit-identical losses and gradients with 1 and 2 threads (fixed-order reduction)', () => {
    const x = tf.randn([3000, 37]), y = tf.randint(0, 37, [3000]);
    const run = (): [number[], number[]] => {
      const xg = x.detach().clone().requiresGrad_();
      const l = crossEntropy(xg, y, { labelSmoothing: 0.1 });
      l.backward();
      return [Array.from(l.dataSync()), Array.from(xg.grad!.dataSync())];
    };
    const threads = tf.backendInfo().threads;
    try {
      tf.setNumThreads(1);
      const one = run();
      tf.setNumThreads(2);
      assert.deepStrictEqual(run(), one);
    } finally { tf.setNumThreads(threads); }
  });
  it('mean over only ignored targets is NaN, as in PyTorch', () => {
    const l = crossEntropy(tf.randn([3, 4]), tf.tensor([-100, -100, -100], { dtype: 'int32' }));
    assert.ok(Number.isNaN(l.item()));
  });
  it('gradcheck with every option', () => {
    const cases: [number[], CrossEntropyOptions, boolean][] = [
      [[4, 5], {}, false], [[4, 5], { labelSmoothing: 0.3, reduction: 'sum' }, false],
      [[3, 4, 2], { weight: tf.tensor([0.5, 1, 2, 1.5]), ignoreIndex: 2 }, false],
      [[4, 3], { weight: tf.tensor([0.5, 1, 2]), labelSmoothing: 0.2, reduction: 'none' }, false],
      [[3, 4], { labelSmoothing: 0.1 }, true], [[2, 3, 2], { weight: tf.tensor([1, 2, 3]), reduction: 'none' }, true],
    ];
    for (const [shape, opts, probs] of cases) {
      const t = probs ? probTargets(shape) : classTargets([shape[0], ...shape.slice(2)], shape[1], opts.ignoreIndex);
      gradcheck((x) => crossEntropy(x, t, opts), [tf.randn(shape)]);
    }
  });
  it('gradcheck through probability targets (logits and target both require grad)', () => {
    gradcheck((x, t) => crossEntropy(x, t), [tf.randn([3, 4]), probTargets([3, 4])]);
    gradcheck((x, t) => crossEntropy(x, t, { weight: tf.tensor([1, 2, 0.5]), labelSmoothing: 0.2, reduction: 'none' }), [tf.randn([2, 3, 2]), probTargets([2, 3, 2])]);
    gradcheck((t) => crossEntropy(tf.tensor([[1, -1, 0.5]]), t, { reduction: 'sum' }), [probTargets([1, 3])]);
  });
  it('native bindings re-check shapes, sizes and target ranges (called directly, never a crash)', () => {
    const x = tf.randn([3, 4]), y = tf.zeros([3, 4]);
    const hx = x.handle('t'), hy = y.handle('t');
    args.reset().num(0).num(1).view(y).view(tf.zeros([4, 3]));
    assertThrows(() => native.softmax(hy, hx), RangeError, /softmax: input and out must be contiguous float32 of one shape/);
    args.reset().num(0).num(2).view(y).view(x);
    assertThrows(() => native.softmax(hy, hx), RangeError, /softmax: dim out of range/);
    args.reset().num(0).num(1).view(y).view(x.t());
    assertThrows(() => native.softmax(hy, hx), RangeError, /softmax: input and out must be contiguous/);
    const t = tf.tensor([0, 9, 1], { dtype: 'int32' }), ht = t.handle('t');
    const out = tf.zeros([]), lse = tf.zeros([3]);
    const ce = (target: Tensor, reduction = 1, lseT = lse): number => {
      args.reset().num(reduction).num(-100).num(0).num(0).num(0).view(out).view(lseT).view(x).view(target);
      return native.crossEntropy(out.handle('t'), lseT.handle('t'), hx, target.handle('t'));
    };
    assertThrows(() => ce(t), RangeError, /crossEntropy: target 9 at position 1 is out of range for 4 classes/);
    assertThrows(() => ce(tf.tensor([0, 1], { dtype: 'int32' })), RangeError, /crossEntropy: class target must be int32 with the logits' shape minus the class dim/);
    assertThrows(() => ce(tf.tensor([0, 1, 2], { dtype: 'int32' }), 1, tf.zeros([2])), RangeError, /crossEntropy: lse must be contiguous float32 with N \* S elements/);
    assertThrows(() => ce(tf.tensor([0, 1, 2], { dtype: 'int32' }), 0), RangeError, /crossEntropy: out has the wrong size/);
    args.reset().num(1).num(-100).num(0).num(0).num(0).num(1).view(y).view(out).view(x).view(lse).view(t);
    assertThrows(() => native.crossEntropyBackward(hy, out.handle('t'), hx, lse.handle('t'), ht), RangeError, /crossEntropyBackward: target 9 at position 1 is out of range/);
    assert.ok(Number.isFinite(ce(tf.tensor([0, 1, 3], { dtype: 'int32' }))), 'a valid call still works');
  });
  it('rejects bad targets, shapes, options and dtypes (naming op, argument and shapes)', () => {
    const x = tf.randn([3, 4]);
    assertThrows(() => crossEntropy(x, tf.tensor([0, 1, 4], { dtype: 'int32' })), RangeError, /crossEntropy: target 4 at position 2 is out of range for 4 classes/);
    assertThrows(() => crossEntropy(x, tf.tensor([0, -1, 2], { dtype: 'int32' })), RangeError, /crossEntropy: target -1 at position 1/);
    assertThrows(() => crossEntropy(x, tf.tensor([0, 1, 1], { dtype: 'uint8' })), TypeError, /crossEntropy: target must be int32 class indices or float32 probabilities, got uint8/);
    assertThrows(() => crossEntropy(x, tf.tensor([0, 1], { dtype: 'int32' })), RangeError, /crossEntropy: target \[2\] does not match input \[3, 4\]/);
    assertThrows(() => crossEntropy(x, tf.rand([3, 5])), RangeError, /crossEntropy: target \[3, 5\] does not match input \[3, 4\] \(expected probabilities of shape \[3, 4\]\)/);
    assertThrows(() => crossEntropy(x.to('int32'), tf.tensor([0, 1, 2], { dtype: 'int32' })), TypeError, /crossEntropy: input must be float32/);
    const y = tf.tensor([0, 1, 2], { dtype: 'int32' });
    assertThrows(() => crossEntropy(x, y, { weight: tf.ones([3]) }), RangeError, /crossEntropy: weight must have shape \[4\].*got \[3\]/);
    assertThrows(() => crossEntropy(x, y, { labelSmoothing: 1.5 }), RangeError, /crossEntropy: labelSmoothing must be in \[0, 1\], got 1.5/);
    assertThrows(() => crossEntropy(x, y, { reduction: 'avg' as 'mean' }), TypeError, /crossEntropy: reduction must be 'mean', 'sum' or 'none', got avg/);
    assertThrows(() => crossEntropy(x, y, { ignoreIndex: 0.5 }), TypeError, /crossEntropy: ignoreIndex must be an int32 integer/);
    assertThrows(() => crossEntropy(tf.randn([]), y), RangeError, /crossEntropy: input must be \[C\] or \[N, C, \.\.\.\]/);
  });
});

export type { Nd };
