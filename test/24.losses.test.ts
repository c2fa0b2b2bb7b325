/** nn.functional: losses against float64 references (every reduction and option), their
 * gradients, dropout and the activation wrappers, and bad-input errors. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa, gradcheck, randPair, toNd, withIsa } from './helpers';
import * as ref from './reference/nn';
import { permute } from './reference/ndarray';
import * as F from '../lib/nn/functional';
import type { Tensor } from '../lib';

const REDS: ref.Red[] = ['mean', 'sum', 'none'];
const SHAPES = [[1], [7], [0], [3, 5], [300, 257]];
const int = (data: number[], shape?: number[]): Tensor => tf.tensor(data, { dtype: 'int32', shape });

describe('regression and binary losses vs float64 reference', () => {
  forEachIsa((isa) => {
    it(`mseLoss, l1Loss, huberLoss for every reduction, sizes 0/1/odd/threaded (isa=${isa})`, () => withIsa(isa, () => {
      for (const shape of SHAPES) {
        for (const reduction of REDS) {
          const [x, xn] = randPair(shape), [y, yn] = randPair(shape);
          const what = `${shape} ${reduction}`;
          assertClose(F.mseLoss(x, y, { reduction }), ref.mse(xn, yn, reduction), 1e-5, 1e-6, `mse ${what}`);
          assertClose(F.l1Loss(x, y, { reduction }), ref.l1(xn, yn, reduction), 1e-5, 1e-6, `l1 ${what}`);
          assertClose(F.huberLoss(x, y, { reduction }), ref.huber(xn, yn, reduction, 1), 1e-5, 1e-6, `huber ${what}`);
          assertClose(F.huberLoss(x, y, { reduction, delta: 0.3 }), ref.huber(xn, yn, reduction, 0.3), 1e-5, 1e-6, `huber 0.3 ${what}`);
        }
      }
      const x0 = tf.randn([4, 6]), yt = tf.randn([6, 4]);
      assertClose(F.mseLoss(x0.t(), yt), ref.mse(permute(toNd(x0), [1, 0]), toNd(yt), 'mean'), 1e-5, 1e-6, 'mse non-contiguous');
    }));
    it(`binaryCrossEntropy (+ weight) and binaryCrossEntropyWithLogits (+ weight, posWeight) (isa=${isa})`, () => withIsa(isa, () => {
      for (const shape of SHAPES) {
        for (const reduction of REDS) {
          const [p, pn] = randPair(shape, 0.01, 0.99), [y, yn] = randPair(shape, 0, 1);
          const [z, zn] = randPair(shape, -8, 8);
          const what = `${shape} ${reduction}`;
          assertClose(F.binaryCrossEntropy(p, y, { reduction }), ref.bce(pn, yn, reduction), 1e-5, 1e-5, `bce ${what}`);
          assertClose(F.binaryCrossEntropyWithLogits(z, y, { reduction }), ref.bceWithLogits(zn, yn, reduction), 1e-5, 1e-5, `bcel ${what}`);
          if (shape.length === 2) {
            const C = shape[1];
            const [w, wn] = randPair([C], 0.5, 2), [pw, pwn] = randPair([C], 0.5, 3);
            const byCol = (v: typeof wn) => (i: number) => v.data[i % C];
            assertClose(F.binaryCrossEntropy(p, y, { reduction, weight: w }), ref.bce(pn, yn, reduction, byCol(wn)), 1e-5, 1e-5, `bce weight ${what}`);
            assertClose(F.binaryCrossEntropyWithLogits(z, y, { reduction, weight: w, posWeight: pw }),
              ref.bceWithLogits(zn, yn, reduction, byCol(wn), byCol(pwn)), 1e-5, 1e-5, `bcel weight+posWeight ${what}`);
          }
        }
      }
    }));
  });
  it('binaryCrossEntropy clamps log at -100: inputs 0 and 1 give finite loss and gradient', () => {
    const p = tf.tensor([0, 1, 0, 1], { requiresGrad: true }), y = tf.tensor([1, 0, 0, 1]);
    const l = F.binaryCrossEntropy(p, y, { reduction: 'none' });
    assertClose(l, { shape: [4], data: Float64Array.of(100, 100, 0, 0) }, 0, 0);
    l.sum().backward();
    assert.ok((p.grad!.toArray() as number[]).every(Number.isFinite), `grad ${p.grad!.toArray()}`);
  });
  it('binaryCrossEntropyWithLogits is stable for huge logits', () => {
    const z = tf.tensor([-1e4, 1e4, -100, 100, 0]), y = tf.tensor([1, 0, 0, 1, 1]);
    assertClose(F.binaryCrossEntropyWithLogits(z, y, { reduction: 'none' }), { shape: [5], data: Float64Array.of(1e4, 1e4, 0, 0, Math.LN2) }, 1e-6, 1e-6);
  });
  it('gradcheck every loss (input and target where differentiable, weights)', () => {
    const r = (s: number[], lo = -2, hi = 2): Tensor => tf.rand(s, { low: lo, high: hi });
    // Pairs whose difference stays clear of the kinks of |d| (0) and Huber's delta (0.7), so
    // central differences are valid: |d| in [0.1, 0.6) or [1.3, 1.8), random sign.
    const apart = (shape: number[]): Tensor[] => {
      const x = r(shape), u = tf.rand(shape);
      const mag = tf.where(u.lt(0.5), u.add(0.1), u.add(0.8));
      return [x, x.add(tf.where(tf.rand(shape).lt(0.5), mag.neg(), mag))];
    };
    for (const reduction of REDS) {
      gradcheck((x, y) => F.mseLoss(x, y, { reduction }), [r([3, 4]), r([3, 4])]);
      gradcheck((x, y) => F.l1Loss(x, y, { reduction }), apart([3, 4]));
      gradcheck((x, y) => F.huberLoss(x, y, { reduction, delta: 0.7 }), apart([3, 4]));
      gradcheck((x, y) => F.binaryCrossEntropy(x, y, { reduction }), [r([3, 4], 0.1, 0.9), r([3, 4], 0, 1)], { eps: 1e-3 });
      gradcheck((x, y, w) => F.binaryCrossEntropy(x, y, { reduction, weight: w }), [r([3, 4], 0.1, 0.9), r([3, 4], 0, 1), r([4], 0.5, 2)], { eps: 1e-3 });
      gradcheck((x, y) => F.binaryCrossEntropyWithLogits(x, y, { reduction }), [r([3, 4]), r([3, 4], 0, 1)]);
      gradcheck((x, y, pw) => F.binaryCrossEntropyWithLogits(x, y, { reduction, posWeight: pw }), [r([3, 4]), r([3, 4], 0, 1), r([4], 0.5, 3)]);
    }
  });
});

describe('nllLoss', () => {
  forEachIsa((isa) => {
    it(`matches the reference with weight, ignoreIndex and trailing dims; equals crossEntropy of logSoftmax (isa=${isa})`, () => withIsa(isa, () => {
      for (const shape of [[1, 1], [7, 5], [0, 3], [300, 257], [4, 5, 3]]) {
        const C = shape[1];
        for (const reduction of REDS) {
          for (const weighted of [false, true]) {
            const logp = tf.randn(shape).logSoftmax(1);
            let t = tf.randint(0, C, [shape[0], ...shape.slice(2)]);
            t = tf.where(tf.rand(t.shape).lt(0.2), -100, t);
            const w = weighted ? tf.rand([C], { low: 0.5, high: 2 }) : undefined;
            const what = `${shape} ${reduction} weighted=${weighted}`;
            const got = F.nllLoss(logp, t, { reduction, weight: w });
            const want = ref.nll(toNd(logp), toNd(t), { reduction, weight: w ? toNd(w) : undefined });
            assertClose(got, want, 2e-5, 1e-5, what);
          }
        }
      }
      const x = tf.randn([6, 4]), t = int([0, 3, 1, 1, 2, 3]), w = tf.tensor([1, 2, 0.5, 3]);
      assertClose(F.nllLoss(x.logSoftmax(1), t, { weight: w, ignoreIndex: 1 }), toNd(F.crossEntropy(x, t, { weight: w, ignoreIndex: 1 })), 1e-5, 1e-6, 'nll(logSoftmax) == crossEntropy');
      assertClose(F.nllLoss(tf.tensor([-1, -2, -3]), tf.tensor(2, { dtype: 'int32' })), { shape: [], data: Float64Array.of(3) }, 0, 0, 'unbatched');
    }));
  });
  it('gradcheck with weight and ignoreIndex', () => {
    gradcheck((x) => F.nllLoss(x, int([0, 2, 1, 2]), { weight: tf.tensor([1, 2, 3]), ignoreIndex: 1 }), [tf.randn([4, 3])]);
    gradcheck((x) => F.nllLoss(x, int([0, 2, 1, 2], [2, 2]), { reduction: 'none' }), [tf.randn([2, 3, 2])]);
  });
});

describe('dropout and activation wrappers', () => {
  it('dropout zeroes with probability p, scales by 1/(1-p), is seeded, and is the identity in eval', () => {
    const x = tf.ones([200, 100]);
    tf.manualSeed(7);
    const y = F.dropout(x, 0.3);
    const vals = Array.from(y.dataSync());
    assert.ok(vals.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6));
    const kept = vals.filter((v) => v !== 0).length / vals.length;
    assert.ok(Math.abs(kept - 0.7) < 0.02, `kept fraction ${kept}`);
    tf.manualSeed(7);
    assert.deepStrictEqual(Array.from(F.dropout(x, 0.3).dataSync()), vals);
    assert.strictEqual(F.dropout(x, 0.3, false), x);
    assert.strictEqual(F.dropout(x, 0), x);
    assert.deepStrictEqual(F.dropout(tf.ones([3]), 1).toArray(), [0, 0, 0]);
    gradcheck((a) => { tf.manualSeed(3); return F.dropout(a, 0.4); }, [tf.randn([4, 5])]);
  });
  it('activation wrappers match the tensor methods', () => {
    const [x] = randPair([5, 6], -3, 3);
    assertClose(F.relu(x), toNd(x.relu()), 0, 0);
    assertClose(F.leakyRelu(x, 0.2), toNd(x.leakyRelu(0.2)), 0, 0);
    assertClose(F.elu(x, 0.5), toNd(x.elu(0.5)), 0, 0);
    assertClose(F.gelu(x, 'tanh'), toNd(x.gelu('tanh')), 0, 0);
    assertClose(F.sigmoid(x), toNd(x.sigmoid()), 0, 0);
    assertClose(F.tanh(x), toNd(x.tanh()), 0, 0);
    assertClose(F.softmax(x, 0), ref.softmax(toNd(x), 0), 1e-5, 1e-7);
    assertClose(F.logSoftmax(x, 1), ref.softmax(toNd(x), 1, true), 1e-5, 1e-5);
  });
});

describe('loss argument errors', () => {
  it('name the op, the argument and the shapes', () => {
    const x = tf.randn([2, 3]);
    assertThrows(() => F.mseLoss(x, tf.randn([3])), RangeError, /mseLoss: input \[2, 3\] and target \[3\] must have the same shape/);
    assertThrows(() => F.l1Loss(x, tf.ones([2, 3], { dtype: 'int32' })), TypeError, /l1Loss: input and target must be float32, got float32 and int32/);
    assertThrows(() => F.mseLoss(x, x, { reduction: 'avg' as 'mean' }), TypeError, /mseLoss: reduction must be 'mean', 'sum' or 'none', got avg/);
    assertThrows(() => F.huberLoss(x, x, { delta: 0 }), RangeError, /huberLoss: delta must be a positive number, got 0/);
    assertThrows(() => F.binaryCrossEntropy(x.mul(3), x), RangeError, /binaryCrossEntropy: input values must be probabilities in \[0, 1\] \(shape \[2, 3\]\)/);
    assertThrows(() => F.binaryCrossEntropy(x.sigmoid(), x, { weight: tf.ones([2]) }), RangeError, /binaryCrossEntropy: weight \[2\] cannot be broadcast to input \[2, 3\]/);
    assertThrows(() => F.binaryCrossEntropyWithLogits(x, x, { posWeight: tf.ones([4]) }), RangeError, /binaryCrossEntropyWithLogits: posWeight \[4\] cannot be broadcast to input \[2, 3\]/);
    assertThrows(() => F.nllLoss(x, tf.tensor([0, 1])), TypeError, /nllLoss: target must be int32 class indices, got float32 \(shape \[2\]\)/);
    assertThrows(() => F.nllLoss(x, int([0, 3])), RangeError, /nllLoss: target 3 at position 1 is out of range for size 3/);
    assertThrows(() => F.nllLoss(x, int([0, 1, 2])), RangeError, /nllLoss: target \[3\] does not match input \[2, 3\] \(expected \[2\]\)/);
    assertThrows(() => F.nllLoss(x, int([0, 1]), { weight: tf.ones([2]) }), RangeError, /nllLoss: weight must have shape \[3\] \(one per class\), got \[2\]/);
    assertThrows(() => F.nllLoss(x, int([0, 1]), { ignoreIndex: 2 ** 40 }), TypeError, /nllLoss: ignoreIndex must be an int32 integer/);
    assertThrows(() => F.dropout(x, 1.5), RangeError, /dropout: p must be in \[0, 1\], got 1.5/);
    assertThrows(() => F.dropout(tf.ones([2], { dtype: 'int32' }), 0.5), TypeError, /dropout: input must be float32, got int32/);
    assertThrows(() => F.mseLoss(x, null as unknown as Tensor), TypeError, /mseLoss: target must be a Tensor, got null/);
  });
});
