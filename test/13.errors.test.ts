/** Bad input: every op family throws a TypeError/RangeError naming the op, the argument and
 * the shapes; native code re-checks and never crashes. The process survives all of it. */
import * as assert from 'assert';
import { tf, assertThrows } from './helpers';
import { native, args } from '../lib/native';

describe('bad input is a clear error, never a crash', () => {
  it('creation: bad shapes, dtypes, ragged arrays, non-finite sizes', () => {
    assertThrows(() => tf.zeros([2, -1]), RangeError, /^full: shape must contain non-negative integers/);
    assertThrows(() => tf.zeros([2.5]), RangeError, /full: shape/);
    assertThrows(() => tf.zeros([Infinity]), RangeError, /full: shape/);
    assertThrows(() => tf.zeros('3' as unknown as number[]), TypeError, /full: shape must be an array/);
    assertThrows(() => tf.tensor([[1, 2], [3]]), RangeError, /tensor: ragged nested array/);
    assertThrows(() => tf.tensor([1, 2], { dtype: 'float64' as never }), TypeError, /tensor: dtype must be/);
    assertThrows(() => tf.tensor(['a'] as unknown as number[]), TypeError, /tensor: expected a number/);
    assertThrows(() => tf.tensor(new Float32Array(5), { shape: [2, 2] }), RangeError, /tensor: shape \[2, 2\] needs 4 values, got 5/);
    assertThrows(() => tf.arange(0, 10, 0), RangeError, /arange: step must be non-zero/);
    assertThrows(() => tf.randint(5, 5, [2]), RangeError, /randint: need integers low < high/);
    assertThrows(() => tf.rand([2], { low: 1, high: 0 }), RangeError, /rand: high/);
    assertThrows(() => tf.bernoulli([2], 1.5), RangeError, /bernoulli: p must be in \[0, 1\]/);
    assertThrows(() => tf.manualSeed(-1), RangeError, /manualSeed: seed must be an integer/);
    assertThrows(() => tf.setNumThreads(0), RangeError, /setNumThreads: n must be an integer in \[1, 1024\]/);
    assertThrows(() => tf.setIsa('sse9' as never), RangeError, /setIsa: unknown ISA 'sse9'/);
  });
  it('elementwise: broadcasting, dtypes, devices, non-tensors, disposed tensors', () => {
    const a = tf.ones([2, 3]);
    assertThrows(() => a.add(tf.ones([4])), RangeError, /^add: shapes \[2, 3\] and \[4\] cannot be broadcast together \(dim 1: 3 vs 4\)/);
    assertThrows(() => a.mul('x' as never), TypeError, /mul: other must be a Tensor, got string/);
    assertThrows(() => tf.tensor([true]).sub(tf.tensor([false])), TypeError, /sub: subtraction of two bool tensors is not supported/);
    assertThrows(() => tf.where(a, a, a), TypeError, /where: condition must be a bool tensor, got float32/);
    assertThrows(() => a.leakyRelu(NaN), TypeError, /leakyRelu: parameter must be a finite number/);
    assertThrows(() => a.add_(tf.ones([3, 2, 3])), TypeError, /add_: other of shape \[3, 2, 3\] cannot be broadcast to self \[2, 3\]/);
    const leaf = tf.ones([2], { requiresGrad: true });
    assertThrows(() => leaf.mul_(2), Error, /leaf tensor that requires grad cannot be modified in place/);
    assertThrows(() => tf.ones([2], { dtype: 'int32' }).requiresGrad_(), TypeError, /only float32 tensors can require gradients, got int32/);
    const d = tf.ones([2]);
    d.dispose();
    assertThrows(() => d.add(1), Error, /tensor \[2\] float32 was disposed/);
    assertThrows(() => d.toArray(), Error, /disposed/);
    assertThrows(() => a.to('cuda'), Error, /to: cannot move tensor to cuda/);
    assertThrows(() => a.to('tpu' as never), TypeError, /to: expected a dtype or a device/);
  });
  it('reductions and views: dims out of range, bad shapes, empty reductions', () => {
    const x = tf.ones([2, 3]);
    assertThrows(() => x.sum(2), RangeError, /sum: dim 2 is out of range for a tensor of 2 dims \(expected -2..1\)/);
    assertThrows(() => x.mean([0, 0]), TypeError, /mean: dim \[0,0\] repeats a dimension/);
    assertThrows(() => x.sum(0.5), TypeError, /sum: dim must be an integer/);
    assertThrows(() => tf.zeros([0]).max(), RangeError, /max: cannot reduce over an empty dim of input \[0\]/);
    assertThrows(() => tf.zeros([3, 0]).argmax(1), RangeError, /argmax: cannot reduce over an empty dim of input \[3, 0\]/);
    assertThrows(() => x.reshape([4, 2]), RangeError, /reshape: shape \[4, 2\] is invalid for input of size 6/);
    assertThrows(() => x.reshape([-1, -1]), RangeError, /reshape: only one dimension can be -1/);
    assertThrows(() => x.permute([0]), RangeError, /permute: dims \[0\] must list each of the 2 dims of \[2, 3\] once/);
    assertThrows(() => x.permute([0, 0]), RangeError, /permute: dims \[0,0\] repeat a dimension/);
    assertThrows(() => x.transpose(0, 5), RangeError, /transpose: dim1 5 is out of range/);
    assertThrows(() => x.expand([4, 3]), RangeError, /expand: cannot expand \[2, 3\] to \[4, 3\] \(dim 0: 2 vs 4\)/);
    assertThrows(() => x.slice(1, 0, 2, 0), RangeError, /slice: step must be positive, got 0/);
    assertThrows(() => x.unsqueeze(4), RangeError, /unsqueeze: dim 4 is out of range/);
    assertThrows(() => x.size(3), RangeError, /size: dim 3 is out of range for shape \[2, 3\]/);
    assertThrows(() => x.flatten(1, 0), RangeError, /flatten: startDim 1 comes after endDim 0/);
  });
  it('matmul/linear: shapes, dtypes, ranks', () => {
    assertThrows(() => tf.ones([2, 3]).matmul(tf.ones([4, 5])), RangeError, /^matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied/, /\(3 \S+ 4\)/);
    assertThrows(() => tf.ones([2, 3]).matmul(tf.ones([3, 2], { dtype: 'int32' })), TypeError, /^matmul: /, /float32/, /int32/);
    assertThrows(() => tf.ones([2, 3]).matmul(tf.tensor(2)), RangeError, /matmul: both arguments need at least 1 dim/);
    assertThrows(() => tf.ones([2, 2, 3]).matmul(tf.ones([3, 3, 1])), RangeError, /matmul: shapes \[2\] and \[3\] cannot be broadcast/);
    assertThrows(() => tf.linear(tf.ones([2, 3]), tf.ones([4, 5])), RangeError, /^linear: /, /\[2, 3\]/, /\[4, 5\]/);
  });
  it('autograd: backward misuse', () => {
    assertThrows(() => tf.ones([2]).sum().backward(), Error, /backward: tensor does not require grad/);
    const x = tf.ones([2], { requiresGrad: true });
    assertThrows(() => x.mul(2).backward(), RangeError, /backward: grad can be implicitly created only for one-element outputs, got shape \[2\]/);
    assertThrows(() => x.mul(2).backward(tf.ones([3])), RangeError, /backward: grad shape \[3\] does not match output shape \[2\]/);
  });
  it('native re-checks: garbage metadata, out-of-bounds views, stale handles never crash', () => {
    const t = tf.ones([4]);
    const h = t.handle('test');
    // A view claiming more elements than the storage holds.
    args.reset().num(0).view({ dtypeCode: 0, shape: [1000], strides: [1], offset: 0 }).view(t).view(t);
    assertThrows(() => native.binary(h, h, h), RangeError, /binary: out: view reaches element 999 beyond its storage of 16 bytes/);
    args.reset().num(0).view({ dtypeCode: 0, shape: [4], strides: [1], offset: 3 }).view(t).view(t);
    assertThrows(() => native.binary(h, h, h), RangeError, /beyond its storage/);
    args.reset().num(99);
    assertThrows(() => native.binary(h, h, h), RangeError, /binary: op must be an integer in \[0, \d+\], got 99/);
    args.reset().num(0).view({ dtypeCode: 7, shape: [4], strides: [1], offset: 0 });
    assertThrows(() => native.binary(h, h, h), RangeError, /dtype must be an integer in \[0, 3\]/);
    args.reset().num(0).view({ dtypeCode: 0, shape: [-4], strides: [1], offset: 0 });
    assertThrows(() => native.binary(h, h, h), RangeError, /shape must be an integer/);
    args.reset().num(0).view(t).view(t).view({ dtypeCode: 0, shape: [2], strides: [1], offset: 0 });
    assertThrows(() => native.binary(h, h, h), RangeError, /operands must be broadcast to the output shape/);
    assertThrows(() => native.binary(12345678 as never, h, h), Error, /binary: tensor storage was already disposed/);
    assertThrows(() => native.binary('x' as never, h, h), TypeError, /binary: argument 0 is not a tensor storage handle/);
    assertThrows(() => native.binary((2 ** 31 + 5) as never, h, h), TypeError, /binary: argument 0 is a CUDA tensor, and this addon is not built with CUDA/);
    assertThrows(() => native.alloc(-1), RangeError, /alloc: nbytes must be a non-negative integer/);
    assertThrows(() => native.read(h, 8, new Float32Array(4)), RangeError, /read: 16 bytes at offset 8 exceed storage of 16 bytes/);
    assertThrows(() => native.write(h, 0, new Float32Array(5)), RangeError, /write: 20 bytes at offset 0 exceed storage/);
    const stale = tf.ones([2]);
    const sh = stale.handle('test');
    stale.dispose();
    tf.ones([2]);  // may reuse the slot: the generation makes the old handle invalid
    args.reset().num(1).view(t);
    assertThrows(() => native.fill(sh), Error, /fill: tensor storage was already disposed/);
    assert.deepStrictEqual(t.toArray(), [1, 1, 1, 1], 'the tensor survived every bad call');
  });
});
