/** gather / scatterAdd / indexSelect / embedding and cat / stack / split / chunk: forward
 * against float64 references on every ISA, gradients, and bad-input errors. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa, gradcheck, randPair, toNd, withIsa } from './helpers';
import * as ref from './reference/nn';
import { permute, slice } from './reference/ndarray';
import type { Tensor } from '../lib';
import { embedding } from '../lib/nn/functional';
import { native, args } from '../lib/native';

const int = (data: number[] | number[][], shape?: number[]): Tensor => tf.tensor(data, { dtype: 'int32', shape });
/** int32 indices in [0, n) of `shape`. */
const idx = (n: number, shape: number[]): Tensor => tf.randint(0, Math.max(n, 1), shape);

const GATHER_CASES: [number[], number, number[]][] = [  // x shape, dim, index shape
  [[5, 7], 1, [5, 3]], [[5, 7], 0, [4, 7]], [[3, 4, 5], 1, [2, 6, 3]], [[3, 4, 5], -1, [3, 4, 9]],
  [[1], 0, [1]], [[6], 0, [0]], [[4, 3], 1, [0, 3]], [[300, 500], 1, [300, 200]], [[2, 1, 3], 2, [2, 1, 1]],
];

describe('gather / scatterAdd / indexSelect vs float64 reference', () => {
  forEachIsa((isa) => {
    it(`gather: index smaller than input, sizes 0/1/odd/threaded, every dtype (isa=${isa})`, () => withIsa(isa, () => {
      for (const [xs, dim, is] of GATHER_CASES) {
        const d = dim < 0 ? dim + xs.length : dim;
        const [x, xn] = randPair(xs);
        const i = idx(xs[d], is);
        assertClose(x.gather(dim, i), ref.gather(xn, d, toNd(i)), 0, 0, `gather ${xs} dim ${dim} index ${is}`);
      }
      const xi = tf.randint(-50, 50, [4, 6]), i = idx(6, [4, 5]);
      assertClose(xi.gather(1, i), ref.gather(toNd(xi), 1, toNd(i)), 0, 0, 'int32');
      const xb = tf.rand([4, 6]).gt(0.5);
      const gb = xb.gather(1, i);
      assert.strictEqual(gb.dtype, 'bool');
      assertClose(gb, ref.gather(toNd(xb), 1, toNd(i)), 0, 0, 'bool');
    }));
    it(`gather and scatterAdd on non-contiguous input and index (isa=${isa})`, () => withIsa(isa, () => {
      const [x, xn] = randPair([9, 6]);
      const xt = x.t(), xtn = permute(xn, [1, 0]);  // [6, 9]
      const i0 = idx(9, [8, 6]), it2 = i0.t();  // [6, 8], transposed index
      assertClose(xt.gather(1, it2), ref.gather(xtn, 1, permute(toNd(i0), [1, 0])), 0, 0);
      const [src0, srcn] = randPair([10, 8]);
      const src = src0.slice(0, 0, 10, 2).slice(1, 1, 7);  // [5, 6] strided
      const i2 = idx(6, [4, 6]);
      assertClose(xt.scatterAdd(0, i2, src), ref.scatterAdd(xtn, 0, toNd(i2), slice(slice(srcn, 0, 0, 10, 2), 1, 1, 7)), 1e-6, 1e-6);
    }));
    it(`scatterAdd: duplicates accumulate, src larger than index, int32, threaded (isa=${isa})`, () => withIsa(isa, () => {
      const cases: [number[], number, number[], number[]][] = [  // x, dim, index, src
        [[5], 0, [12], [12]], [[4, 6], 1, [4, 9], [4, 10]], [[4, 6], 0, [7, 3], [8, 5]], [[3, 4, 5], 1, [3, 2, 5], [3, 2, 5]],
        [[400, 300], 1, [400, 600], [400, 600]], [[3, 3], 0, [0, 3], [1, 3]],
      ];
      for (const [xs, dim, is, ss] of cases) {
        const [x, xn] = randPair(xs);
        const [s, sn] = randPair(ss);
        const i = idx(xs[dim], is);
        assertClose(x.scatterAdd(dim, i, s), ref.scatterAdd(xn, dim, toNd(i), sn), 1e-5, 1e-5, `scatterAdd ${xs} ${is}`);
      }
      const xi = tf.zeros([5], { dtype: 'int32' });
      assert.deepStrictEqual(xi.scatterAdd(0, int([0, 4, 0, 0]), int([1, 2, 3, 4])).toArray(), [8, 0, 0, 0, 2]);
    }));
    it(`indexSelect along each dim, duplicates, strided input, bool, threaded (isa=${isa})`, () => withIsa(isa, () => {
      for (const [xs, dim, k] of [[[5, 7], 0, 9], [[5, 7], 1, 3], [[3, 4, 5], 1, 6], [[3, 4, 5], 2, 1], [[4, 3], 0, 0], [[5000, 64], 0, 3000], [[0, 4], 1, 2]] as [number[], number, number][]) {
        const [x, xn] = randPair(xs);
        const i = idx(xs[dim], [k]);
        assertClose(x.indexSelect(dim, i), ref.indexSelect(xn, dim, toNd(i)), 0, 0, `indexSelect ${xs} dim ${dim}`);
      }
      const [x, xn] = randPair([6, 8]);
      const i = int([7, 0, 7, 3]);
      assertClose(x.t().indexSelect(0, i), ref.indexSelect(permute(xn, [1, 0]), 0, toNd(i)), 0, 0, 'transposed');
      assert.deepStrictEqual(tf.tensor([[true, false], [false, true]]).indexSelect(1, int([1, 1, 0])).toArray(), [[false, false, true], [true, true, false]]);
      assert.deepStrictEqual(tf.tensor([[1, 2], [3, 4]]).indexSelect(0, tf.tensor(1, { dtype: 'int32' })).toArray(), [[3, 4]]);
    }));
    it(`backward of indexSelect (index-add) and gather (scatter-add) at threaded sizes (isa=${isa})`, () => withIsa(isa, () => {
      const w = tf.randn([500, 64]).requiresGrad_();
      const i = idx(500, [3000]);  // many duplicates
      const g = tf.randn([3000, 64]);
      w.indexSelect(0, i).backward(g);
      assertClose(w.grad!, ref.indexAdd([500, 64], 0, toNd(i), toNd(g)), 1e-5, 1e-5, 'indexSelect backward');
      const x = tf.randn([300, 40]).requiresGrad_();
      const gi = idx(40, [300, 90]);
      const gg = tf.randn([300, 90]);
      x.gather(1, gi).backward(gg);
      assertClose(x.grad!, ref.scatterAdd(toNd(tf.zeros([300, 40])), 1, toNd(gi), toNd(gg)), 1e-5, 1e-5, 'gather backward');
    }));
  });

  it('gradcheck: gather, scatterAdd (input and src), indexSelect with duplicates, embedding', () => {
    gradcheck((x) => x.gather(1, int([[0, 2, 2], [1, 1, 0]])), [tf.randn([2, 4])]);
    gradcheck((x) => x.gather(0, int([[1, 0], [1, 1], [0, 1]])), [tf.randn([2, 3])]);
    gradcheck((x, s) => x.scatterAdd(1, int([[0, 0, 2], [1, 3, 3]]), s), [tf.randn([2, 4]), tf.randn([2, 3])]);
    gradcheck((x, s) => x.scatterAdd(0, int([[1, 0]]), s), [tf.randn([2, 3]), tf.randn([2, 3])]);  // src larger than index
    gradcheck((x) => x.indexSelect(1, int([2, 0, 2, 1])), [tf.randn([3, 4])]);
    gradcheck((x) => x.t().indexSelect(0, int([1, 1])), [tf.randn([3, 4])]);
    gradcheck((w) => embedding(int([[1, 3], [3, 0]]), w), [tf.randn([5, 3])]);
  });

  it('scatterAdd and indexSelect backward accumulate duplicates identically with 1 and 2 threads', () => {
    const src = tf.randn([64, 5000]), i = idx(3, [64, 5000]);
    const w = tf.randn([50, 700]), j = idx(50, [4000]), g = tf.randn([4000, 700]);
    const run = (): number[][] => {
      const wg = w.detach().clone().requiresGrad_();
      wg.indexSelect(0, j).backward(g);
      return [Array.from(tf.zeros([64, 3]).scatterAdd(1, i, src).dataSync()), Array.from(wg.grad!.dataSync())];
    };
    const threads = tf.backendInfo().threads;
    try {
      tf.setNumThreads(1);
      const one = run();
      tf.setNumThreads(2);
      assert.deepStrictEqual(run(), one);
    } finally { tf.setNumThreads(threads); }
  });
  it('embedding with paddingIdx: same values, no gradient into the padding row', () => {
    const w = tf.randn([6, 3]).requiresGrad_();
    const i = int([[0, 2, 5], [2, 2, 1]]);
    const e = embedding(i, w, { paddingIdx: 2 });
    assertClose(e, toNd(embedding(i, w.detach())), 0, 0);
    e.sum().backward();
    assert.deepStrictEqual(w.grad!.toArray(), [[1, 1, 1], [1, 1, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 1, 1]]);
    const w2 = tf.randn([6, 3]).requiresGrad_();
    embedding(i, w2, { paddingIdx: -1 }).sum().backward();  // -1 is row 5
    assert.deepStrictEqual(w2.grad!.toArray(), [[1, 1, 1], [1, 1, 1], [3, 3, 3], [0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    assertThrows(() => embedding(i, w, { paddingIdx: 6 }), RangeError, /embedding: paddingIdx must be an integer in \[-6, 5\], got 6/);
  });
  it('embedding looks up rows for any index shape', () => {
    const w = tf.randn([10, 4]);
    const i = idx(10, [2, 3]);
    const e = embedding(i, w);
    assert.deepStrictEqual(e.shape, [2, 3, 4]);
    assertClose(e.reshape([6, 4]), ref.indexSelect(toNd(w), 0, toNd(i.reshape([6]))), 0, 0);
  });

  it('rejects bad indices, dtypes and shapes (naming op, value and shapes)', () => {
    const x = tf.randn([3, 4]);
    assertThrows(() => x.gather(1, tf.tensor([[0], [1], [2]])), TypeError, /gather: index must be int32, got float32/);
    assertThrows(() => x.gather(1, int([[0], [4], [1]])), RangeError, /gather: index 4 at position 1 is out of range for dim 1 of size 4/);
    assertThrows(() => x.gather(0, int([[0, -1, 0, 0]])), RangeError, /gather: index -1 at position 1 is out of range for dim 0 of size 3/);
    assertThrows(() => x.gather(1, int([0, 1])), RangeError, /gather: index \[2\] must have the same number of dims as input \[3, 4\]/);
    assertThrows(() => x.gather(1, int([[0], [0], [0], [0]])), RangeError, /gather: index \[4, 1\] is larger than input \[3, 4\] at dim 0/);
    assertThrows(() => x.gather(2, int([[0]])), RangeError, /gather: dim 2 is out of range/);
    assertThrows(() => x.indexSelect(0, int([0, 3])), RangeError, /indexSelect: index 3 at position 1 is out of range for dim 0 of size 3/);
    assertThrows(() => x.indexSelect(0, int([[0]])), RangeError, /indexSelect: index must be 0-D or 1-D, got shape \[1, 1\]/);
    assertThrows(() => x.indexSelect(1, tf.tensor([1.5])), TypeError, /indexSelect: index must be int32, got float32/);
    assertThrows(() => x.scatterAdd(0, int([[5, 0]]), tf.randn([1, 2])), RangeError, /scatterAdd: index 5 at position 0 is out of range for dim 0 of size 3/);
    assertThrows(() => x.scatterAdd(0, int([[0, 0]]), tf.randn([1, 1])), RangeError, /scatterAdd: index \[1, 2\] must not be larger than src \[1, 1\]/);
    assertThrows(() => x.scatterAdd(0, int([[0, 0]]), tf.ones([1, 2], { dtype: 'int32' })), TypeError, /scatterAdd: src must have the input's dtype float32, got int32/);
    assertThrows(() => tf.ones([2], { dtype: 'bool' }).scatterAdd(0, int([0]), tf.ones([1], { dtype: 'bool' })), TypeError, /scatterAdd: input must be float32 or int32, got bool/);
    assertThrows(() => embedding(int([1, 7]), tf.randn([5, 2])), RangeError, /embedding: index 7 at position 1 is out of range for size 5/);
    assertThrows(() => embedding(tf.tensor([1, 2]), tf.randn([5, 2])), TypeError, /embedding: input must be int32 indices, got float32/);
    // the process survives, and a valid call still works afterwards
    assert.deepStrictEqual(x.gather(1, int([[0], [1], [2]])).shape, [3, 1]);
  });
  it('native bindings re-check index ranges, ranks and layouts (called directly, never a crash)', () => {
    const x = tf.randn([3, 4]), hx = x.handle('t');
    const bad = int([[0, 1], [7, 0]]), hb = bad.handle('t');
    const y = tf.zeros([2, 2]), hy = y.handle('t');
    args.reset().num(1).view(y).view(x).view(bad);
    assertThrows(() => native.gather(hy, hx, hb), RangeError, /gather: index 7 at position 2 is out of range for dim 1 of size 4/);
    args.reset().num(0).view(y).view(x).view(int([[0, 1], [2, 0]]));
    assertThrows(() => native.gather(hy, hx, hb), RangeError, /gather: index 7 at position 2 is out of range for dim 0 of size 3/);
    args.reset().num(1).view(y).view(x).view(int([0, 1]));
    assertThrows(() => native.gather(hy, hx, hb), RangeError, /gather: index must have the input's rank/);
    args.reset().num(5).view(y).view(x).view(bad);
    assertThrows(() => native.gather(hy, hx, hb), RangeError, /gather: dim out of range/);
    args.reset().num(0).view(x).view(bad).view(y);
    assertThrows(() => native.scatterAdd(hx, hb, hy), RangeError, /scatterAdd: index 7 at position 2 is out of range for dim 0 of size 3/);
    args.reset().num(0).view(x).view(bad).view(x);
    assertThrows(() => native.scatterAdd(hx, hb, hx), RangeError, /scatterAdd: out must not share storage with index or src/);
    const i1 = int([2, 5]), hi = i1.handle('t');
    const y24 = tf.zeros([2, 4]), h24 = y24.handle('t');
    args.reset().num(0).view(y24).view(x).view(i1);
    assertThrows(() => native.indexSelect(h24, hx, hi), RangeError, /indexSelect: index 5 at position 1 is out of range for dim 0 of size 3/);
    args.reset().num(0).view({ dtypeCode: 0, shape: [2, 3], strides: [3, 1], offset: 0 }).view(x.t()).view(int([0, 1]));
    assertThrows(() => native.indexSelect(h24, hx, hi), RangeError, /indexSelect: input, out and index must be contiguous/);
    args.reset().num(0).view(x).view(y24).view(i1);
    assertThrows(() => native.indexSelectBackward(hx, h24, hi), RangeError, /indexSelectBackward: index 5 at position 1 is out of range/);
    const chk = int([0, -100, 3]);
    args.reset().num(3).num(-100).view(chk);
    assert.deepStrictEqual(native.indexCheck(chk.handle('t')), { position: 2, value: 3 });
    args.reset().num(4).num(-100).view(chk);
    assert.strictEqual(native.indexCheck(chk.handle('t')), null);
    assert.deepStrictEqual(x.gather(1, int([[1], [2], [3]])).shape, [3, 1], 'a valid call still works');
  });
});

describe('cat / stack / split / chunk', () => {
  forEachIsa((isa) => {
    it(`cat and stack vs reference: every dim, sizes 0, non-contiguous, promotion (isa=${isa})`, () => withIsa(isa, () => {
      for (const [shapes, dim] of [[[[2, 3], [4, 3], [1, 3]], 0], [[[2, 3], [2, 0], [2, 5]], 1], [[[2, 3, 4], [2, 1, 4]], 1], [[[300, 257], [300, 3]], -1], [[[5]], 0]] as [number[][], number][]) {
        const pairs = shapes.map((s) => randPair(s));
        const d = dim < 0 ? dim + shapes[0].length : dim;
        assertClose(tf.cat(pairs.map((p) => p[0]), dim), ref.cat(pairs.map((p) => p[1]), d), 0, 0, `cat ${JSON.stringify(shapes)}`);
      }
      const [a0, a0n] = randPair([4, 3]), [b0, b0n] = randPair([3, 8]);
      const a = a0.t(), b = b0.slice(1, 0, 8, 2);  // [3, 4] both strided
      const an = permute(a0n, [1, 0]), bn = slice(b0n, 1, 0, 8, 2);
      assertClose(tf.cat([a, b], 1), ref.cat([an, bn], 1), 0, 0, 'strided cat');
      assertClose(tf.concat([a, b], 0), ref.cat([an, bn], 0), 0, 0, 'concat alias');
      assertClose(a.concat(b, 1), ref.cat([an, bn], 1), 0, 0, 'method');
      const mixed = tf.cat([tf.tensor([1, 2], { dtype: 'int32' }), tf.tensor([0.5])]);
      assert.strictEqual(mixed.dtype, 'float32');
      assert.deepStrictEqual(mixed.toArray(), [1, 2, 0.5]);
      const s = tf.stack([tf.tensor([1, 2, 3]), tf.tensor([4, 5, 6])], 1);
      assert.deepStrictEqual(s.toArray(), [[1, 4], [2, 5], [3, 6]]);
      assert.deepStrictEqual(tf.stack([tf.tensor(1), tf.tensor(2)]).toArray(), [1, 2]);
      assert.deepStrictEqual(tf.stack([tf.randn([2, 3]), tf.randn([2, 3])], -1).shape, [2, 3, 2]);
    }));
  });
  it('split and chunk return views covering the input', () => {
    const x = tf.arange(10).reshape([2, 5]);
    assert.deepStrictEqual(x.split(2, 1).map((t) => t.toArray()), [[[0, 1], [5, 6]], [[2, 3], [7, 8]], [[4], [9]]]);
    assert.deepStrictEqual(x.split([1, 0, 4], 1).map((t) => t.shape), [[2, 1], [2, 0], [2, 4]]);
    assert.deepStrictEqual(tf.split(x, 1).map((t) => t.toArray()), [[[0, 1, 2, 3, 4]], [[5, 6, 7, 8, 9]]]);
    assert.deepStrictEqual(x.chunk(3, 1).map((t) => t.shape), [[2, 2], [2, 2], [2, 1]]);
    assert.deepStrictEqual(tf.arange(6).chunk(4).map((t) => t.toArray()), [[0, 1], [2, 3], [4, 5]]);  // like torch.chunk
    assert.deepStrictEqual(tf.zeros([0, 3]).chunk(2).map((t) => t.shape), [[0, 3]]);
    const v = x.split(3, 1)[1];
    assert.strictEqual(v.storage, x.storage);  // a view
  });
  it('gradcheck: cat (several inputs, one without grad), stack, split, chunk', () => {
    gradcheck((a, b, c) => tf.cat([a, b, c], 1).mul(tf.arange(24).reshape([2, 12]).to('float32')), [tf.randn([2, 3]), tf.randn([2, 5]), tf.randn([2, 4])]);
    const fixed = tf.randn([1, 3]);
    gradcheck((a) => tf.cat([fixed, a.t()], 0).square(), [tf.randn([3, 2])]);
    gradcheck((a, b) => tf.stack([a, b], 1).exp(), [tf.randn([3, 2]), tf.randn([3, 2])]);
    gradcheck((a) => { const [p, q, r] = a.split([1, 2, 2], 1); return p.mul(2).add(q.sum(1, true)).add(r.square().sum(1, true)); }, [tf.randn([3, 5])]);
    gradcheck((a) => { const cs = a.chunk(2, 0); return cs[0].mul(cs[1]); }, [tf.randn([4, 3])]);
  });
  it('rejects bad lists, shapes and sizes', () => {
    assertThrows(() => tf.cat([tf.randn([2, 3]), tf.randn([2, 4])], 0), RangeError, /cat: tensors\[1\] has shape \[2, 4\] but tensors\[0\] has \[2, 3\]; all dims except dim 0 must match/);
    assertThrows(() => tf.cat([tf.randn([2, 3]), tf.randn([6])]), RangeError, /cat: tensors\[1\] has shape \[6\]/);
    assertThrows(() => tf.cat([]), RangeError, /cat: expected a non-empty list of tensors/);
    assertThrows(() => tf.cat(tf.randn([2]) as unknown as Tensor[]), TypeError, /cat: tensors must be an array of Tensors/);
    assertThrows(() => tf.cat([tf.randn([2]), 3 as unknown as Tensor]), TypeError, /cat: tensors\[1\] must be a Tensor, got number/);
    assertThrows(() => tf.cat([tf.randn([2])], 1), RangeError, /cat: dim 1 is out of range/);
    assertThrows(() => tf.cat([tf.tensor(1), tf.tensor(2)]), RangeError, /cat: zero-dimensional tensors cannot be concatenated; use stack/);
    assertThrows(() => tf.stack([tf.randn([2, 3]), tf.randn([3, 2])]), RangeError, /stack: all tensors must have one shape: tensors\[0\] is \[2, 3\], tensors\[1\] is \[3, 2\]/);
    assertThrows(() => tf.randn([2, 5]).split([2, 2], 1), RangeError, /split: sections \[2,2\] add up to 4, but dim 1 of \[2, 5\] has size 5/);
    assertThrows(() => tf.randn([2, 5]).split(0, 1), RangeError, /split: splitSize must be a positive integer, got 0 \(shape \[2, 5\], dim 1\)/);
    assertThrows(() => tf.randn([2, 5]).chunk(0), RangeError, /chunk: chunks must be a positive integer, got 0/);
  });
});
