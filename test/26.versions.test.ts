/** Autograd's in-place checks: storage version counters, saved tensors, and in-place ops on
 * tensors in the graph (rebased like PyTorch's, or refused with a clear error). */
import * as assert from 'assert';
import { tf, assertThrows, assertClose } from './helpers';

const vec = (v: number[]) => ({ shape: [v.length], data: Float64Array.from(v) });

describe('26 autograd version counters', () => {
  it('every in-place write moves the version, shared by views', () => {
    const t = tf.zeros([4]), v = t.slice(0, 1, 3);
    const v0 = t.version;
    t.add_(1);
    assert.strictEqual(t.version, v0 + 1);
    v.fill_(2);
    assert.strictEqual(t.version, v0 + 2);
    assert.strictEqual(v.version, t.version);
    t.copy_(tf.ones([4]));
    t.zero_();
    assert.strictEqual(t.version, v0 + 4);
    assert.deepStrictEqual(t.toArray(), [0, 0, 0, 0]);
  });

  it('backward refuses a saved tensor changed in place (the gradient would be wrong)', () => {
    const x = tf.tensor([0.1, 0.2, 0.3]).requiresGrad_();
    const y = x.exp();
    const z = y.mul(y).sum();
    tf.noGrad(() => y.add_(1));
    assertThrows(() => z.backward(), Error, /backward: a tensor \[3\] float32 that mul saved for its gradient was modified in place \(version 0 when saved, now 1\)/);
  });

  it('also in grad mode, and through a view of the saved tensor', () => {
    const x = tf.tensor([0.1, 0.2, 0.3]).requiresGrad_();
    const y = x.exp();
    const z = y.mul(y).sum();
    y.add_(1);
    assertThrows(() => z.backward(), Error, /that (mul|exp) saved for its gradient was modified in place/);
    const y2 = x.sigmoid(), s = y2.mul(2).sum();
    tf.noGrad(() => y2.slice(0, 0, 1).mul_(3));
    assertThrows(() => s.backward(), Error, /that sigmoid saved .* modified in place/);
  });

  it('in-place ops on graph tensors are differentiated (rebased) when nothing saved was touched', () => {
    const x = tf.tensor([0.1, 0.2, 0.3]).requiresGrad_();
    const a = x.mul(2);
    const b = a.add(1);       // add saves nothing
    a.add_(5);
    b.sum().backward();
    assertClose(x.grad!, vec([2, 2, 2]));
    const x2 = tf.tensor([1, 2, 3]).requiresGrad_();
    const c = x2.mul(2);
    c.mul_(3).sub_(1).div_(2);
    c.sum().backward();
    assertClose(x2.grad!, vec([3, 3, 3]));
    assertClose(c, vec([2.5, 5.5, 8.5]));
  });

  it('refuses an in-place op it cannot differentiate', () => {
    const x = tf.tensor([1, 2]).requiresGrad_(), w = tf.tensor([3, 4]).requiresGrad_();
    const y = x.mul(2);
    assertThrows(() => y.mul_(w), Error, /mul_: an in-place mul on a tensor in the graph \[2\] is only differentiable for add\/sub\/mul\/div by a constant/);
    assertThrows(() => x.add_(1), Error, /add_: a leaf tensor that requires grad cannot be modified in place/);
  });

  it('an optimizer step between forward and backward is caught', () => {
    const w = tf.randn([3, 2]).requiresGrad_();
    const opt = new tf.optim.SGD([w], { lr: 0.1 });
    const loss = tf.randn([4, 3]).matmul(w).square().sum();
    w.grad = tf.onesLike(w);
    opt.step();
    assertThrows(() => loss.backward(), Error, /matmul saved for its gradient was modified in place/);
  });

  it('running statistics updated by batch norm move their version', () => {
    const rm = tf.zeros([3]), rv = tf.ones([3]);
    const v = rm.version;
    tf.batchNorm(tf.randn([4, 3]), rm, rv, { training: true });
    assert.strictEqual(rm.version, v + 1);
    tf.batchNorm(tf.randn([4, 3]), rm, rv, { training: false });
    assert.strictEqual(rm.version, v + 1);
  });
});
