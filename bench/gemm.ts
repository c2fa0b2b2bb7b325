/**
 * SGEMM workloads: square n = 128..2048 and the MLP 784-512-256-10 training shapes at batch
 * 128, in GFLOP/s; then the bf16 GEMM (autocast('bfloat16'): bf16 operands, fp32 accumulation)
 * on n = 512, 1024 and two training shapes, against PyTorch's CPU autocast (numpy: n/a); compare
 * its rows with the fp32 rows of the same shape for the bf16 speed-up. Ours is tf.matmul on the packed native GEMM (output allocated per call, as
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

/** [name, M, K, N] of the bf16 rows. */
export const BF16_SHAPES: [string, number, number, number][] = [
  ['n=512', 512, 512, 512], ['n=1024', 1024, 1024, 1024],
  ['128x784 . 784x512 (fc1 fwd)', 128, 784, 512], ['128x512 . 512x784 (fc1 dX)', 128, 512, 784],
];

export const gemm: Family = {
  name: 'gemm',
  python: 'gemm',
  workloads(o: Options): Workload[] {
    const shapes = o.quick ? GEMM_SHAPES.filter(([w]) => w !== 'n=2048' && w !== 'n=1024') : GEMM_SHAPES;
    const bf16 = o.quick ? BF16_SHAPES.filter(([w]) => w !== 'n=1024') : BF16_SHAPES;
    return [
      ...shapes.map(([w, m, k, n]): Workload => ({
        name: `sgemm ${w}`, unit: 'GFLOP/s', flops: 2 * m * k * n, params: { m, k, n, bf16: false }, tfjsCpu: m * k * n <= 512 ** 3,
      })),
      ...bf16.map(([w, m, k, n]): Workload => ({
        name: `bf16 gemm ${w}`, unit: 'GFLOP/s', flops: 2 * m * k * n, params: { m, k, n, bf16: true }, tfjsCpu: false,
      })),
    ];
  },
  ours(w, o) {
    const { m, k, n, bf16 } = w.params as { m: number; k: number; n: number; bf16: boolean };
    return tf.tidy(() => {
      const a = tf.randn([m, k]), b = tf.randn([k, n]);
      if (bf16) return measure(() => tf.tidy(() => { tf.autocast('bfloat16', () => a.matmul(b)); }), o);
      return measure(() => tf.tidy(() => { a.matmul(b); }), o);
    });
  },
  tfjs(T, backend, w, o) {
    const { m, k, n, bf16 } = w.params as { m: number; k: number; n: number; bf16: boolean };
    if (bf16) return { status: 'n/a', why: 'tfjs has no bf16 matmul' };
    const a = T.randomNormal([m, k]), b = T.randomNormal([k, n]);
    try {
      const cap = backend === 'cpu' ? o.tfjsCpuCapS : o.tfjsWasmCapS;
      return guard(() => measure(() => { const c = T.matMul(a, b); c.dataSync(); c.dispose(); }, { ...o, capS: cap }));
    } finally { a.dispose(); b.dispose(); }
  },
};
