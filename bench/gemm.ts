/**
 * SGEMM workloads: square n = 128..2048 and the MLP 784-512-256-10 training shapes at batch
 * 128, in GFLOP/s. Ours is tf.matmul on the packed native GEMM (output allocated per call, as
 * a training step does); NumPy and PyTorch multiply into preallocated outputs
 * (bench/peers/gemm.py); tfjs reads the result back (dataSync) so its lazy backends finish.
 * Run through the runner: `npm run bench -- gemm`.
 */
import * as tf from '../lib';
import { guard, measure, type Family, type Options, type Workload } from './common';

/** [name, M, K, N]: square sizes, then the MLP training shapes at batch 128. */
export const GEMM_SHAPES: [string, number, number, number][] = [
  ['n=128', 128, 128, 128], ['n=256', 256, 256, 256], ['n=512', 512, 512, 512],
  ['n=1024', 1024, 1024, 1024], ['n=2048', 2048, 2048, 2048],
  ['128x784 . 784x512 (fc1 fwd)', 128, 784, 512], ['128x512 . 512x784 (fc1 dX)', 128, 512, 784],
  ['512x128 . 128x784 (fc1 dW)', 512, 128, 784], ['128x512 . 512x256 (fc2 fwd)', 128, 512, 256],
  ['128x256 . 256x10 (fc3 fwd)', 128, 256, 10],
];

export const gemm: Family = {
  name: 'gemm',
  python: 'gemm',
  workloads(o: Options): Workload[] {
    const shapes = o.quick ? GEMM_SHAPES.filter(([w]) => w !== 'n=2048' && w !== 'n=1024') : GEMM_SHAPES;
    return shapes.map(([w, m, k, n]) => ({
      name: `sgemm ${w}`, unit: 'GFLOP/s', flops: 2 * m * k * n, params: { m, k, n }, tfjsCpu: m * k * n <= 512 ** 3,
    }));
  },
  ours(w, o) {
    const { m, k, n } = w.params as { m: number; k: number; n: number };
    return tf.tidy(() => {
      const a = tf.randn([m, k]), b = tf.randn([k, n]);
      return measure(() => tf.tidy(() => { a.matmul(b); }), o);
    });
  },
  tfjs(T, backend, w, o) {
    const { m, k, n } = w.params as { m: number; k: number; n: number };
    const a = T.randomNormal([m, k]), b = T.randomNormal([k, n]);
    try {
      const cap = backend === 'cpu' ? o.tfjsCpuCapS : o.tfjsWasmCapS;
      return guard(() => measure(() => { const c = T.matMul(a, b); c.dataSync(); c.dispose(); }, { ...o, capS: cap }));
    } finally { a.dispose(); b.dispose(); }
  },
};
