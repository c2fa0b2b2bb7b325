/** PyTorch's results (or a clear error) in the corners that used to be silently wrong:
 * non-finite scalars, integer overflow, clamp with min > max, reductions over empty dims,
 * absurd shapes, deep nesting, disposed parameters, very wide containers. */
import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import { tf, assertThrows } from './helpers';
import { OPS } from '../lib/ops/table';

const arr = (t: { dataSync(): ArrayLike<number> }): number[] => Array.from(t.dataSync());

describe('27 PyTorch semantics in the corners', () => {
  it('bool (op) bool gives PyTorch 1.13\'s dtypes and values, and its error for sub', () => {
    // Expected: torch.<op>(tensor([T, F, T, F]), tensor([T, T, F, F])) printed by PyTorch 1.13.
    const a = tf.tensor([true, false, true, false]), b = tf.tensor([true, true, false, false]);
    const want: [string, (x: typeof a, y: typeof a) => typeof a, string, unknown[]][] = [
      ['add', (x, y) => x.add(y), 'bool', [true, true, true, false]],
      ['mul', (x, y) => x.mul(y), 'bool', [true, false, false, false]],
      ['maximum', (x, y) => x.maximum(y), 'bool', [true, true, true, false]],
      ['minimum', (x, y) => x.minimum(y), 'bool', [true, false, false, false]],
      ['div', (x, y) => x.div(y), 'float32', [1, 0, Infinity, NaN]],
      ['eq', (x, y) => x.eq(y), 'bool', [true, false, false, true]],
      ['lt', (x, y) => x.lt(y), 'bool', [false, true, false, false]],
    ];
    for (const [name, f, dtype, values] of want) {
      const r = f(a, b);
      assert.strictEqual(r.dtype, dtype, name);
      assert.deepStrictEqual(r.toArray(), values, name);
    }
    // Broadcasting and a boolean scalar keep bool; a number scalar promotes to int32 (PyTorch).
    assert.deepStrictEqual(a.reshape([2, 2]).add(tf.tensor([false, true])).toArray(), [[true, true], [true, true]]);
    assert.deepStrictEqual(a.mul(true).toArray(), [true, false, true, false]);
    assert.strictEqual(a.add(1).dtype, 'int32');
    assert.deepStrictEqual(tf.tensor([], { dtype: 'bool' }).add(tf.tensor([], { dtype: 'bool' })).toArray(), []);
    assertThrows(() => a.sub(b), TypeError, /^sub: subtraction of two bool tensors is not supported/);
  });

  it('NaN and Inf scalars follow IEEE in every binary op (float and int tensors)', () => {
    const x = tf.tensor([0, 1, -2]), i = tf.tensor([0, 1, -2], { dtype: 'int32' });
    for (const t of [x, i]) {
      assert.deepStrictEqual(arr(t.mul(NaN)), [NaN, NaN, NaN]);
      assert.deepStrictEqual(arr(t.mul(Infinity)), [NaN, Infinity, -Infinity]);
      assert.deepStrictEqual(arr(t.add(-Infinity)), [-Infinity, -Infinity, -Infinity]);
      assert.deepStrictEqual(arr(t.sub(Infinity)), [-Infinity, -Infinity, -Infinity]);
      assert.deepStrictEqual(arr(t.div(Infinity)), [0, 0, -0]);
      assert.deepStrictEqual(arr(t.maximum(NaN)), [NaN, NaN, NaN]);
    }
    assert.deepStrictEqual(arr(x.pow(NaN)), [NaN, 1, NaN]);  // C pow and torch: 1^NaN = 1
    assert.deepStrictEqual(tf.tensor([1, 2]).gt(NaN).toArray(), [false, false]);
  });

  it('integer tensors: out-of-range values are an error at creation, casts truncate and saturate', () => {
    assertThrows(() => tf.tensor([3e9], { dtype: 'int32' }), RangeError, /tensor: value 3000000000 at index 0 cannot be converted to int32 without overflow/);
    assertThrows(() => tf.tensor([1, 256], { dtype: 'uint8' }), RangeError, /value 256 at index 1 cannot be converted to uint8/);
    assertThrows(() => tf.tensor([NaN], { dtype: 'int32' }), RangeError, /value NaN .* int32/);
    assert.deepStrictEqual(tf.tensor([1.9, -1.9], { dtype: 'int32' }).toArray(), [1, -1]);
    assert.deepStrictEqual(tf.tensor([3e9, -3e9, 2.5]).to('int32').toArray(), [2147483647, -2147483648, 2]);
  });

  it('clamp with min > max gives max everywhere, like PyTorch', () => {
    assert.deepStrictEqual(tf.tensor([-1, 0.5, 3]).clamp(1, 0).toArray(), [0, 0, 0]);
    assert.deepStrictEqual(tf.tensor([-1, 0.5, 3]).clamp(0, 1).toArray(), [0, 0.5, 1]);
    // The op table's entry (any caller of the kernel) follows the same rule.
    assert.deepStrictEqual(OPS.get('clamp')!.call([tf.tensor([-1, 0.5, 3])], { min: 1, max: 0 }).toArray(), [0, 0, 0]);
  });

  it('max/min/argmax over a kept empty dim give empty results; over an empty reduced dim, an error', () => {
    assertThrows(() => tf.zeros([0, 0]).max(0), RangeError, /max: cannot reduce over an empty dim of input \[0, 0\]/);
    assert.deepStrictEqual(tf.zeros([3, 0]).max(0).shape, [0]);
    const e = tf.zeros([0, 3]);
    assert.deepStrictEqual(e.max(1).shape, [0]);
    assert.deepStrictEqual(e.argmax(1).shape, [0]);
    assert.deepStrictEqual(e.min(1, true).shape, [0, 1]);
    assert.deepStrictEqual(arr(e.sum(0)), [0, 0, 0]);
    assertThrows(() => e.max(0), RangeError, /max: cannot reduce over an empty dim of input \[0, 3\]/);
    assertThrows(() => e.argmax(), RangeError, /argmax: cannot reduce over an empty dim/);
  });

  it('shapes beyond what storage can address, and nesting deeper than 12 dims, are errors', () => {
    assertThrows(() => tf.zeros([0, 1e20]), RangeError, /full: shape \[0,100000000000000000000\]: size 100000000000000000000 is larger than 2\^53 - 1/);
    assertThrows(() => tf.zeros(new Array(13).fill(1)), RangeError, /at most 12 are supported/);
    assertThrows(() => tf.zeros([0, 2 ** 40, 2 ** 40]), RangeError, /its strides overflow/);
    assert.deepStrictEqual(tf.zeros([2 ** 53 - 1, 0]).shape, [2 ** 53 - 1, 0]);  // empty: any size with representable strides
    let deep: unknown = [1];
    for (let k = 0; k < 10000; k++) deep = [deep];
    assertThrows(() => tf.tensor(deep as number[]), RangeError, /tensor: nested arrays deeper than 12 dims/);
  });

  it('optimizer.step() on a disposed parameter is an error, not a silent skip', () => {
    const a = tf.randn([2]).requiresGrad_(), b = tf.randn([2]).requiresGrad_();
    const opt = new tf.optim.SGD([a, b], { lr: 0.1 });
    a.mul(b).sum().backward();
    b.dispose();
    assertThrows(() => opt.step(), Error, /SGD.step: parameter 1 \[2\] of a param group was disposed/);
  });

  it('a Sequential wider than a call takes arguments saves and loads; large stratified splits work', () => {
    const mods = new Map<string, InstanceType<typeof tf.nn.ReLU>>();
    for (let k = 0; k < 150000; k++) mods.set(String(k), new tf.nn.ReLU());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-wide-'));
    try {
      tf.io.saveModel(new tf.nn.Sequential(mods), dir);
      const back = tf.io.loadModel<InstanceType<typeof tf.nn.Sequential>>(dir);
      assert.strictEqual(back.length, 150000);
      assert.deepStrictEqual(back.forward(tf.tensor([-1, 2])).toArray(), [0, 2]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const n = 200000;
    const y = tf.tensor(Array.from({ length: n }, (_, k) => k % 4), { dtype: 'int32' });
    const s = tf.data.trainValTestSplit(tf.zeros([n, 1]), y, { val: 0.1, test: 0.1, seed: 3 });
    assert.deepStrictEqual([s.train.x.shape[0], s.val.x.shape[0], s.test.x.shape[0]], [160000, 20000, 20000]);
  });
});
