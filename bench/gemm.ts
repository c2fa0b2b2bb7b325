/**
 * SGEMM workloads: square n = 128..2048 and the MLP 784-512-256-10 training shapes at batch
 * 128, in GFLOP/s; then the bf16 GEMM (autocast('bfloat16'): bf16 operands, fp32 accumulation)
 * on n = 512, 1024 and two training shapes, against PyTorch's CPU autocast (numpy: n/a); compare
 * its rows with the fp32 rows of the same shape for the bf16 speed-up. Ours is tf.matmul on the packed native GEMM (output allocated per call, as
 * a training step does); NumPy and PyTorch multiply into preallocated outputs
 * (bench/peers/gemm.py); tfjs reads the result back (dataSync) so its lazy backends finish.
 * Run through the runner: `npm run bench -- gemm`.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '../lib';
import { guard, measure, type Family, type Options, type PeerStatus, type Workload } from './common';

/** [name, M, K, N]: square sizes, then the MLP training shapes at batch 128. */
export const GEMM_SHAPES: [string, number, number, number][] = [
  ['n=64', 64, 64, 64], ['n=128', 128, 128, 128], ['n=256', 256, 256, 256], ['n=512', 512, 512, 512],
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

/** The fp32 FMA peak measured in this run: GFLOP/s over `threads` threads with the ISA's widest FMA. */
export interface FmaPeak { gflops: number; isa: string; threads: number; source: string }

/**
 * Builds tools/fma-peak.c with the system C compiler and runs it with the ISA and thread count
 * the GEMMs use, so "% of FMA peak" compares figures taken minutes apart under the same host
 * conditions. A PeerStatus says why not (no compiler, generic ISA).
 */
export function fmaPeak(threads: number, isa: string): FmaPeak | PeerStatus {
  if (isa !== 'avx2' && isa !== 'avx512') return { status: 'n/a', why: `no FMA peak probe for isa ${isa}` };
  const src = path.join(__dirname, '..', '..', 'tools', 'fma-peak.c');
  const bin = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tf-fma-')), 'fma-peak');
  const cc = spawnSync(process.env.CC ?? 'cc', ['-O2', '-pthread', src, '-o', bin], { encoding: 'utf8' });
  if (cc.status !== 0 || cc.error) return { status: 'missing', why: `cannot build tools/fma-peak.c: ${cc.error?.message ?? cc.stderr.trim().split('\n').pop()}` };
  const r = spawnSync(bin, [String(threads), isa], { encoding: 'utf8', timeout: 120_000 });
  fs.rmSync(path.dirname(bin), { recursive: true, force: true });
  const m = /^total: ([\d.]+) GFLOP\/s/m.exec(r.stdout ?? '');
  if (!m) return { status: 'error', why: `tools/fma-peak.c printed no total: ${(r.stderr || r.error?.message || '').trim()}` };
  return { gflops: Number(m[1]), isa, threads, source: 'tools/fma-peak.c' };
}
