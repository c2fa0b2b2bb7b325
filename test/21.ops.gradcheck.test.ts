/** Every differentiable op's backward against central finite differences. */
import * as assert from 'assert';
import { tf, gradcheck, assertClose, toNd } from './helpers';
import type { Tensor } from '../lib';

type Case = [string, (...xs: Tensor[]) => Tensor, number[][], [number, number]?];
/**
 * Random inputs for one case, every value at least 0.02 away from every other value of the
 * case's inputs and from the kinks at -1, 0 and 1: the central difference (eps = 1e-2) then
 * never steps across a relu/abs/clamp/where kink or a max/min tie (any of which failed a few
 * percent of the runs, which one depending on the random stream).
 */
function caseInputs(shapes: number[][], lo = -2, hi = 2): Tensor[] {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const pool = tf.rand([8 * sizes.reduce((a, b) => a + b, 0) + 64], { low: lo, high: hi }).dataSync();
  const taken = [-1, 0, 1];
  let k = 0;
  return shapes.map((shape, j) => {
    const d = new Float32Array(sizes[j]);
    for (let i = 0; i < d.length; i++) {
      let v: number;
      do {
        if (k >= pool.length) throw new Error(`gradcheck inputs: could not draw ${sizes} separated values`);
        v = pool[k++];
      } while (taken.some((t) => Math.abs(t - v) < 0.02));
      taken.push(v);
      d[i] = v;
    }
    return tf.tensor(d, { shape });
  });
}

const CASES: Case[] = [
  ['add (broadcast)', (a, b) => a.add(b), [[3, 4], [4]]],
  ['sub (broadcast)', (a, b) => a.sub(b), [[3, 1], [1, 4]]],
  ['mul (broadcast)', (a, b) => a.mul(b), [[2, 3, 4], [3, 1]]],
  ['div', (a, b) => a.div(b.square().add(0.5)), [[3, 4], [3, 4]]],
  ['pow', (a, b) => a.square().add(0.5).pow(b), [[5], [5]]],
  ['maximum', (a, b) => a.maximum(b), [[6], [6]]],
  ['minimum', (a, b) => a.minimum(b), [[2, 3], [3]]],
  ['atan2', (a, b) => a.atan2(b), [[5], [5]]],
  ['neg', (a) => a.neg(), [[4]]], ['abs', (a) => a.abs(), [[7]]], ['exp', (a) => a.exp(), [[5]]],
  ['log', (a) => a.square().add(0.3).log(), [[5]]], ['sqrt', (a) => a.square().add(0.3).sqrt(), [[5]]],
  ['rsqrt', (a) => a.square().add(0.3).rsqrt(), [[5]]],
  ['relu', (a) => a.relu(), [[8]]], ['leakyRelu', (a) => a.leakyRelu(0.2), [[8]]],
  ['elu', (a) => a.elu(1.3), [[8]]], ['gelu', (a) => a.gelu(), [[8]]], ['gelu tanh', (a) => a.gelu('tanh'), [[8]]],
  ['silu', (a) => a.silu(), [[8]]], ['sigmoid', (a) => a.sigmoid(), [[8]]], ['tanh', (a) => a.tanh(), [[8]]],
  ['softplus', (a) => a.softplus(1.5), [[8]]],
  ['vectorized backward over vector body + tail: silu, gelu, gelu tanh, softplus, elu',
    (a) => a.silu().add(a.gelu()).add(a.gelu('tanh')).add(a.softplus(1.5)).add(a.elu(0.8)), [[19]]], ['clamp', (a) => a.clamp(-1, 1), [[8]]],
  ['pow scalar', (a) => a.square().add(0.2).pow(1.7), [[6]]], ['square', (a) => a.square(), [[6]]],
  ['sin', (a) => a.sin(), [[6]]], ['cos', (a) => a.cos(), [[6]]],
  ['reciprocal', (a) => a.square().add(0.5).reciprocal(), [[6]]], ['log1p', (a) => a.square().log1p(), [[6]]],
  ['expm1', (a) => a.expm1(), [[6]]], ['affine', (a) => a.mul(3).add(1).sub(2), [[6]]],
  ['where', (a, b) => tf.where(a.gt(0), a, b), [[3, 4], [4]]],
  ['sum dims keepdim', (a) => a.sum([0, 2], true), [[2, 3, 4]]],
  ['sum all', (a) => a.sum(), [[3, 5]]],
  ['mean', (a) => a.mean(1), [[3, 5]]],
  ['max dim', (a) => a.max(1), [[4, 6]]], ['min all', (a) => a.min(), [[9]]],
  ['var', (a) => a.var({ dim: 1 }), [[3, 6]]], ['std', (a) => a.std(), [[10]]],
  ['prod', (a) => a.square().add(0.5).prod(1), [[3, 4]]],
  ['reshape', (a) => a.reshape([6, 2]).mul(a.reshape([6, 2])), [[3, 4]]],
  ['transpose + matmul-like', (a, b) => a.t().unsqueeze(2).mul(b.unsqueeze(0)).sum(1), [[3, 4], [3, 2]]],
  ['permute', (a) => a.permute([2, 0, 1]).exp(), [[2, 3, 4]]],
  ['squeeze/unsqueeze', (a) => a.unsqueeze(0).squeeze(0).unsqueeze(-1).tanh(), [[3, 4]]],
  ['expand', (a) => a.expand([4, 3, 5]).mul(tf.arange(60).reshape([4, 3, 5]).to('float32')), [[3, 1]]],
  ['slice with step', (a) => a.slice(1, 1, 6, 2).square(), [[3, 7]]],
  ['flatten', (a) => a.flatten(1).sigmoid(), [[2, 3, 4]]],
  ['clone/contiguous', (a) => a.t().contiguous().clone().mul(2), [[3, 4]]],
  // cast() always runs the conversion kernel and records it (to('float32') of float32 is a no-op)
  ['cast float32 (copy kernel)', (a) => a.t().cast('float32').mul(a.t()), [[3, 4]]],
];

describe('gradcheck: autograd vs finite differences', () => {
  for (const [name, fn, shapes] of CASES) {
    it(name, () => gradcheck(fn, caseInputs(shapes)));
  }
});

describe('autograd through dtype conversions', () => {
  it('to() of the same dtype is the tensor itself; cast() copies through the kernel and passes the gradient', () => {
    const x = tf.tensor([[1.5, -2.25], [3, 0.5]], { requiresGrad: true });
    assert.strictEqual(x.to('float32'), x);
    const c = x.t().cast('float32');  // strided source: the kernel, not a storage alias
    assert.notStrictEqual(c.storage, x.storage);
    assert.deepStrictEqual(c.toArray(), [[1.5, 3], [-2.25, 0.5]]);
    c.mul(tf.tensor([[1, 2], [3, 4]])).sum().backward();
    assert.deepStrictEqual(x.grad!.toArray(), [[1, 3], [2, 4]]);
  });
  it('a cast to int32 converts (truncating toward zero) and ends the graph; back to float32 starts none', () => {
    const x = tf.tensor([2.75, -2.75, 0.5, -0.5, 7], { requiresGrad: true });
    const i = x.mul(2).to('int32');
    assert.strictEqual(i.dtype, 'int32');
    assert.deepStrictEqual(i.toArray(), [5, -5, 1, -1, 14]);
    assert.strictEqual(i.requiresGrad, false);
    const f = i.to('float32');
    assert.strictEqual(f.dtype, 'float32');
    assert.deepStrictEqual(f.toArray(), [5, -5, 1, -1, 14]);
    assert.strictEqual(f.requiresGrad, false);
    f.requiresGrad_().mul(3).sum().backward();  // a new leaf: x receives nothing
    assert.deepStrictEqual(f.grad!.toArray(), [3, 3, 3, 3, 3]);
    assert.strictEqual(x.grad, null);
  });
});

describe('autograd engine', () => {
  it('accumulates gradients across backward calls and through shared inputs', () => {
    const x = tf.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();       // 2x
    assert.deepStrictEqual(x.grad!.toArray(), [2, 4, 6]);
    x.mul(3).sum().backward();       // + 3
    assert.deepStrictEqual(x.grad!.toArray(), [5, 7, 9]);
    const y = x.add(x).add(x);       // used three times
    x.grad = null;
    y.sum().backward();
    assert.deepStrictEqual(x.grad!.toArray(), [3, 3, 3]);
  });
  it('every .grad owns its storage: no aliasing between leaves, views or the caller\'s grad', () => {
    const a = tf.ones([3], { requiresGrad: true }), b = tf.ones([3], { requiresGrad: true });
    a.add(b).sum().backward();  // add's backward hands the same tensor to both inputs
    assert.notStrictEqual(a.grad, b.grad);
    a.grad!.mul_(5);
    assert.deepStrictEqual(b.grad!.toArray(), [1, 1, 1]);
    const c = tf.ones([2, 2], { requiresGrad: true });
    const g = tf.full([2, 2], 3);
    c.mul(1).backward(g);
    g.fill_(0);
    assert.deepStrictEqual(c.grad!.toArray(), [[3, 3], [3, 3]]);
    const d = tf.ones([4], { requiresGrad: true });
    d.backward(tf.full([4], 2));
    assert.deepStrictEqual(d.grad!.toArray(), [2, 2, 2, 2]);
  });
  it('reduces broadcast gradients to the input shape', () => {
    const b = tf.tensor([1, 2], { requiresGrad: true });
    tf.ones([4, 3, 2]).mul(b).sum().backward();
    assert.deepStrictEqual(b.grad!.toArray(), [12, 12]);
  });
  it('noGrad, detach and requiresGrad_ cut the graph', () => {
    const x = tf.randn([3], { requiresGrad: true });
    const y = tf.noGrad(() => x.mul(2));
    assert.strictEqual(y.requiresGrad, false);
    assert.strictEqual(x.detach().mul(2).requiresGrad, false);
    assert.strictEqual(x.mul(2).requiresGrad, true);
    assert.throws(() => y.sum().backward(), /does not require grad/);
  });
  it('retainGraph allows a second backward; without it a second backward throws', () => {
    const x = tf.tensor([1.5, -2], { requiresGrad: true });
    const loss = x.exp().sum();
    loss.backward({ retainGraph: true });
    loss.backward();
    assertClose(x.grad!, { shape: [2], data: Float64Array.from([1.5, -2], (v) => 2 * Math.exp(v)) }, 1e-6);
    assert.throws(() => loss.backward(), /second time/);
  });
  it('gradients flow through views into the base tensor', () => {
    const x = tf.randn([4, 5], { requiresGrad: true });
    x.t().slice(0, 1, 3).mul(2).sum().backward();
    const g = toNd(x.grad!);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 5; j++) assert.strictEqual(g.data[i * 5 + j], j >= 1 && j < 3 ? 2 : 0);
  });
  it('retainGrad keeps non-leaf gradients; explicit grad for non-scalar roots', () => {
    const x = tf.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    h.square().backward(tf.tensor([1, 1]));
    assert.deepStrictEqual(h.grad!.toArray(), [6, 12]);
    assert.deepStrictEqual(x.grad!.toArray(), [18, 36]);
    assert.throws(() => x.mul(2).backward(), /one-element outputs/);
  });
});

describe('autograd.grad', () => {
  it('returns the gradients of a model output w.r.t. its input and leaves every .grad untouched', () => {
    const lin = new tf.nn.Linear(3, 2);
    const x = tf.randn([4, 3], { requiresGrad: true });
    const [dx] = tf.autograd.grad(lin.forward(x).slice(1, 0, 1).sum(), [x]);
    // d(sum_n (x_n . w_0 + b_0)) / dx_n = w_0 for every row n.
    const w0 = (lin.weight.toArray() as number[][])[0];
    assert.deepStrictEqual(dx!.shape, [4, 3]);
    for (const row of dx!.toArray() as number[][]) row.forEach((v, j) => assert.ok(Math.abs(v - w0[j]) < 1e-6));
    assert.strictEqual(x.grad, null);
    for (const p of lin.parameters()) assert.strictEqual(p.grad, null);
  });
  it('matches backward() for leaves and gives gradients of intermediate tensors', () => {
    const a = tf.tensor([0.5, -1, 2], { requiresGrad: true }), b = tf.tensor([1, 3, -2], { requiresGrad: true });
    const h = a.mul(b);
    const out = h.exp().sum();
    const [ga, gb, gh] = tf.autograd.grad(out, [a, b, h], { retainGraph: true });
    out.backward();
    assertClose(ga!, toNd(a.grad!), 1e-6);
    assertClose(gb!, toNd(b.grad!), 1e-6);
    assertClose(gh!, { shape: [3], data: Float64Array.from([0.5, -3, -4], Math.exp) }, 1e-5);
  });
  it('takes an explicit output gradient; the returned tensors own their storage', () => {
    const x = tf.ones([3], { requiresGrad: true }), g = tf.tensor([1, 2, 3]);
    const [dx] = tf.autograd.grad(x.mul(2), [x], { grad: g });
    g.fill_(0);
    assert.deepStrictEqual(dx!.toArray(), [2, 4, 6]);
    const [d1, d2] = tf.autograd.grad(x.add(x).sum(), [x, x]);
    assert.deepStrictEqual(d1!.toArray(), [2, 2, 2]);
    assert.strictEqual(d1, d2);
  });
  it('rejects inputs that need no grad, unused inputs (unless allowUnused) and a second pass over a freed graph', () => {
    const x = tf.randn([2], { requiresGrad: true }), z = tf.randn([2], { requiresGrad: true });
    assert.throws(() => tf.autograd.grad(x.sum(), [tf.randn([2])]), (e: Error) => e instanceof RangeError && /grad: inputs\[0\].*does not require grad/.test(e.message));
    assert.throws(() => tf.autograd.grad(x.sum(), [z]), (e: Error) => e instanceof RangeError && /does not depend on inputs\[0\].*allowUnused/.test(e.message));
    const [gx, gz] = tf.autograd.grad(x.sum(), [x, z], { allowUnused: true });
    assert.deepStrictEqual(gx!.toArray(), [1, 1]);
    assert.strictEqual(gz, null);
    assert.throws(() => tf.autograd.grad(x.sum(), []), /non-empty array/);
    assert.throws(() => tf.autograd.grad(x.mul(2), [x]), /one-element outputs/);
    assert.throws(() => tf.autograd.grad(x.sum(), [x], { retain: true } as never), /retain/);
    const y = x.exp().sum();
    tf.autograd.grad(y, [x]);
    assert.throws(() => tf.autograd.grad(y, [x]), /second time/);
  });
});

describe('matmul and linear', () => {
  const ref = (a: number[][], b: number[][]): number[][] => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
  it('2-D, batched with broadcasting, 1-D operands and transposed views match the reference', () => {
    for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [17, 33, 9], [64, 64, 64]]) {
      const a = tf.randn([m, k]), b = tf.randn([k, n]);
      assertClose(a.matmul(b), { shape: [m, n], data: Float64Array.from(ref(a.toArray() as number[][], b.toArray() as number[][]).flat()) }, 1e-4, 1e-4);
      const bt = tf.randn([n, k]).t();
      assertClose(a.matmul(bt), { shape: [m, n], data: Float64Array.from(ref(a.toArray() as number[][], bt.toArray() as number[][]).flat()) }, 1e-4, 1e-4);
    }
    const A = tf.randn([2, 1, 3, 4]), B = tf.randn([5, 4, 2]);
    const C = A.matmul(B);
    assert.deepStrictEqual(C.shape, [2, 5, 3, 2]);
    const c11 = C.slice(0, 1, 2).slice(1, 3, 4).reshape([3, 2]);
    const want = ref(A.slice(0, 1, 2).reshape([3, 4]).toArray() as number[][], B.slice(0, 3, 4).reshape([4, 2]).toArray() as number[][]);
    assertClose(c11, { shape: [3, 2], data: Float64Array.from(want.flat()) }, 1e-4, 1e-4);
    assert.deepStrictEqual(tf.randn([4]).matmul(tf.randn([4, 3])).shape, [3]);
    assert.deepStrictEqual(tf.randn([4]).matmul(tf.randn([4])).shape, []);
    assert.deepStrictEqual(tf.randn([0, 3]).matmul(tf.randn([3, 2])).shape, [0, 2]);
    assert.deepStrictEqual(tf.randn([2, 0]).matmul(tf.randn([0, 2])).toArray(), [[0, 0], [0, 0]]);
  });
  it('gradients of matmul (batched, broadcast) and linear', () => {
    gradcheck((a, b) => a.matmul(b), [tf.randn([2, 3, 4]), tf.randn([4, 5])]);
    gradcheck((a, b) => a.matmul(b.t()), [tf.randn([3, 4]), tf.randn([2, 4])]);
    gradcheck((x, w, b) => tf.linear(x, w, b), [tf.randn([5, 3]), tf.randn([4, 3]), tf.randn([4])]);
    gradcheck((x, w) => tf.linear(x, w), [tf.randn([2, 2, 3]), tf.randn([4, 3])]);
  });
});
