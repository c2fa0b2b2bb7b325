/** Tensor creation, views, reading data out, printing, dtypes and the random generator. */
import * as assert from 'assert';
import { tf } from './helpers';

describe('tensor basics', () => {
  it('creates from nested arrays, typed arrays and scalars with inferred dtypes', () => {
    const a = tf.tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepStrictEqual(a.shape, [2, 3]);
    assert.strictEqual(a.dtype, 'float32');
    assert.deepStrictEqual(a.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.strictEqual(tf.tensor(new Int32Array([1, 2])).dtype, 'int32');
    assert.strictEqual(tf.tensor([true, false]).dtype, 'bool');
    assert.strictEqual(tf.tensor(3.5).item(), 3.5);
    assert.deepStrictEqual(tf.tensor(3.5).shape, []);
    assert.deepStrictEqual(tf.tensor(new Float32Array(6).fill(2), { shape: [2, 3] }).sum().item(), 12);
  });
  it('zeros/ones/full/arange/linspace/eye', () => {
    assert.deepStrictEqual(tf.zeros([2, 2]).toArray(), [[0, 0], [0, 0]]);
    assert.deepStrictEqual(tf.ones([3], { dtype: 'int32' }).toArray(), [1, 1, 1]);
    assert.deepStrictEqual(tf.full([2], 7).toArray(), [7, 7]);
    assert.deepStrictEqual(tf.arange(5).toArray(), [0, 1, 2, 3, 4]);
    assert.strictEqual(tf.arange(5).dtype, 'int32');
    assert.deepStrictEqual(tf.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.deepStrictEqual(tf.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepStrictEqual(tf.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    assert.deepStrictEqual(tf.zeros([0, 3]).toArray(), []);
  });
  it('views share storage: reshape, transpose, permute, slice, expand, squeeze', () => {
    const x = tf.arange(12).reshape([3, 4]).to('float32');
    const t = x.t();
    assert.deepStrictEqual(t.shape, [4, 3]);
    assert.strictEqual(t.storage, x.storage);
    assert.deepStrictEqual((t.toArray() as number[][])[1], [1, 5, 9]);
    const s = x.slice(1, 1, 3);
    assert.deepStrictEqual(s.toArray(), [[1, 2], [5, 6], [9, 10]]);
    s.fill_(0);
    assert.deepStrictEqual((x.toArray() as number[][])[0], [0, 0, 0, 3]);
    assert.deepStrictEqual(x.unsqueeze(0).shape, [1, 3, 4]);
    assert.deepStrictEqual(x.unsqueeze(0).squeeze().shape, [3, 4]);
    assert.deepStrictEqual(x.permute([1, 0]).reshape([12]).shape, [12]);
    assert.deepStrictEqual(tf.tensor([1, 2]).expand([3, 2]).toArray(), [[1, 2], [1, 2], [1, 2]]);
    assert.deepStrictEqual(x.flatten().shape, [12]);
    assert.deepStrictEqual(x.reshape([2, -1]).shape, [2, 6]);
    assert.throws(() => x.t().view([12]), /not compatible/);
    assert.strictEqual(x.t().reshape([12]).storage === x.storage, false);
  });
  it('reads data out: dataSync, data(), item, toArray (bool as booleans)', async () => {
    const x = tf.tensor([[1, 2], [3, 4]]);
    assert.deepStrictEqual(Array.from(x.t().dataSync()), [1, 3, 2, 4]);
    assert.deepStrictEqual(Array.from(await x.data()), [1, 2, 3, 4]);
    assert.deepStrictEqual(x.gt(2).toArray(), [[false, false], [true, true]]);
    assert.throws(() => x.item(), /exactly one element/);
  });
  it('prints like PyTorch with shape, dtype and elision', () => {
    assert.strictEqual(tf.tensor([[1, 2], [3, 4]]).toString(), 'tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float32)');
    assert.strictEqual(tf.tensor([1.5, -2.25]).toString(), 'tensor([ 1.5000, -2.2500], shape=[2], dtype=float32)');
    assert.strictEqual(tf.tensor([1, 20], { dtype: 'int32' }).toString(), 'tensor([ 1, 20], shape=[2], dtype=int32)');
    const big = tf.arange(5000).toString();
    assert.match(big, /^tensor\(\[   0,    1,    2, \.\.\., 4997, 4998, 4999\], shape=\[5000\], dtype=int32\)$/);
    assert.match(tf.randn([2], { requiresGrad: true }).mul(2).toString(), /gradFn=<mul>|gradFn=<affine>/);
  });
  it('random numbers are reproducible with manualSeed and have the right moments', () => {
    tf.manualSeed(42);
    const a = tf.randn([1000]).dataSync();
    tf.manualSeed(42);
    const b = tf.randn([1000]).dataSync();
    assert.deepStrictEqual(a, b);
    const u = tf.rand([100000]);
    assert.ok(Math.abs(u.mean().item() - 0.5) < 0.01 && u.min().item() >= 0 && u.max().item() < 1);
    const n = tf.randn([100000], { mean: 2, std: 3 });
    assert.ok(Math.abs(n.mean().item() - 2) < 0.05 && Math.abs(n.std().item() - 3) < 0.05);
    const k = tf.randint(-3, 4, [10000]);
    assert.ok(k.min().item() === -3 && k.max().item() === 3);
    const bern = tf.bernoulli([100000], 0.3);
    assert.ok(Math.abs(bern.mean().item() - 0.3) < 0.01);
  });
  it('random streams do not depend on the thread count', () => {
    tf.setNumThreads(1); tf.manualSeed(7);
    const a = tf.randn([50000]).dataSync();
    tf.setNumThreads(2); tf.manualSeed(7);
    const b = tf.randn([50000]).dataSync();
    assert.deepStrictEqual(a, b);
  });
  it('backendInfo reports the ISA, threads and CUDA status', () => {
    const info = tf.backendInfo();
    assert.ok(['generic', 'avx2', 'avx512'].includes(info.isa));
    assert.ok(info.supportedIsas.includes(info.isa));
    assert.ok(info.threads >= 1);
    assert.strictEqual(typeof info.cuda.available, 'boolean');
    assert.ok(info.cuda.reason.length > 0 || info.cuda.available);
  });
});
