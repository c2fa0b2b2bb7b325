/**
 * Per-op overhead: 100,000 adds of two 1-element and two 1,000-element tensors, without and
 * with autograd recording (the first operand requires grad), each result disposed at once;
 * microseconds per op. Peers: PyTorch (`a + b` in a Python loop), NumPy, tfjs (tf.add +
 * dispose; no "with grad" variant: tfjs records only inside tf.grad).
 */
import * as tf from '../lib';
import { measure, per, type Family, type Options, type Workload } from './common';

type P = { size: number; grad: boolean; count: number };

export const overhead: Family = {
  name: 'overhead',
  python: 'overhead',
  workloads(o: Options): Workload[] {
    const count = o.quick ? 2000 : 100000;
    return [1, 1000].flatMap((size) => [false, true].map((grad) => ({
      name: `add ${size}-element ${grad ? 'with grad' : 'no grad'} (x${count})`, unit: 'µs/op' as const,
      params: { size, grad, count }, tfjsCpu: true,
    })));
  },
  ours(wl, o) {
    const { size, grad, count } = wl.params as P;
    const a = tf.randn([size], { requiresGrad: grad }), b = tf.randn([size]);
    try {
      return per(measure(() => { for (let i = 0; i < count; i++) a.add(b).dispose(); }, { budgetS: 0, minReps: o.minReps, warmup: 1 }), count);
    } finally { a.dispose(); b.dispose(); }
  },
  tfjs(T, _backend, wl, o) {
    const { size, grad, count } = wl.params as P;
    if (grad) return { status: 'n/a', why: 'tfjs records gradients only inside tf.grad' };
    const a = T.randomNormal([size]), b = T.randomNormal([size]);
    try {
      return per(measure(() => { for (let i = 0; i < count; i++) T.add(a, b).dispose(); }, { budgetS: 0, minReps: o.minReps, warmup: 1 }), count);
    } finally { a.dispose(); b.dispose(); }
  },
};
