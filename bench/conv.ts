/**
 * conv2d workloads: 3x3, padding 1, stride 1, batch 64, NCHW, with bias; forward (no grad)
 * and forward+backward (input, weight and bias gradients: a middle layer of a network, the
 * incoming gradient a fixed random tensor); each in fp32 and under autocast('bfloat16')
 * (PyTorch: torch.autocast('cpu', dtype=torch.bfloat16)). Peers: bench/peers/conv.py, tfjs
 * NHWC (fp32 only).
 */
import * as tf from '../lib';
import { guard, measure, type Family, type Options, type Workload } from './common';

type P = { n: number; c: number; h: number; w: number; k: number; backward: boolean; bf16: boolean };
const SHAPES: [number, number, number, number][] = [[3, 32, 32, 32], [64, 16, 16, 64]];

const clearGrads = (ts: tf.Tensor[]): void => { for (const t of ts) { t.grad?.dispose(); t.grad = null; } };

export const conv: Family = {
  name: 'conv',
  python: 'conv',
  workloads(o: Options): Workload[] {
    const n = o.quick ? 8 : 64;
    return [false, true].flatMap((bf16) => SHAPES.flatMap(([c, h, w, k]) => [false, true].map((backward) => ({
      name: `conv3x3 b${n} ${h}x${w}x${c}->${k} ${backward ? 'fwd+bwd' : 'fwd'}${bf16 ? ' bf16' : ''}`, unit: 'ms' as const,
      params: { n, c, h, w, k, backward, bf16 }, tfjsCpu: !bf16 && !backward && c * k <= 3 * 32, training: backward,
    }))));
  },
  ours(wl, o) {
    const { n, c, h, w, k, backward, bf16 } = wl.params as P;
    const x = tf.randn([n, c, h, w], { requiresGrad: backward });
    const conv2d = (): tf.Tensor => tf.autocast('bfloat16', () => tf.conv2d(x, wt, b, { padding: 1 }), { enabled: bf16 });
    const wt = tf.randn([k, c, 3, 3], { requiresGrad: backward }), b = tf.randn([k], { requiresGrad: backward });
    const g = tf.randn([n, k, h, w]);
    try {
      if (!backward) return measure(() => tf.tidy(() => tf.noGrad(() => { conv2d(); })), o);
      return measure(() => {
        clearGrads([x, wt, b]);
        tf.tidy(() => { conv2d().backward({ grad: g }); });
      }, o);
    } finally { clearGrads([x, wt, b]); for (const t of [x, wt, b, g]) t.dispose(); }
  },
  tfjs(T, backend, wl, o) {
    const { n, c, h, w, k, backward, bf16 } = wl.params as P;
    if (bf16) return { status: 'n/a', why: 'tfjs has no bf16 autocast on CPU' };
    const x = T.randomNormal([n, h, w, c]), wt = T.randomNormal([3, 3, c, k]), b = T.randomNormal([k]);
    const g = T.randomNormal([n, h, w, k]);
    const cap = backend === 'cpu' ? o.tfjsCpuCapS : o.tfjsWasmCapS;
    const f = (xx: any, ww: any, bb: any): any => T.add(T.conv2d(xx, ww, 1, 'same'), bb);
    const df = T.grads(f);
    try {
      return guard(() => measure(() => {
        if (!backward) { const y = f(x, wt, b); y.dataSync(); y.dispose(); return; }
        const gs = df([x, wt, b], g);
        for (const t of gs) { t.dataSync(); t.dispose(); }
      }, { ...o, capS: cap }));
    } finally { for (const t of [x, wt, b, g]) t.dispose(); }
  },
};
