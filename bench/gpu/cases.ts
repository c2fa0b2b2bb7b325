/** The GPU benchmark cases, shared by bench.ts (tensorforge) and torch_bench.py (by name). */
export interface GemmCase { kind: 'gemm'; name: string; n: number; precision: 'highest' | 'high' }
export interface ConvCase { kind: 'conv'; name: string; x: number[]; w: number[]; stride: number; pad: number; pass: 'fwd' | 'bwd' }
export interface LstmCase { kind: 'lstm'; name: string; T: number; B: number; I: number; H: number }
export type Case = GemmCase | ConvCase | LstmCase;

export const CASES: Case[] = [
  ...[1024, 2048, 4096, 8192].flatMap((n): GemmCase[] => [
    { kind: 'gemm', name: `sgemm_fp32_${n}`, n, precision: 'highest' },
    { kind: 'gemm', name: `sgemm_tf32_${n}`, n, precision: 'high' },
  ]),
  { kind: 'conv', name: 'conv3x3_64x56x56_b32_fwd', x: [32, 64, 56, 56], w: [64, 64, 3, 3], stride: 1, pad: 1, pass: 'fwd' },
  { kind: 'conv', name: 'conv3x3_128x28x28_b32_fwd', x: [32, 128, 28, 28], w: [128, 128, 3, 3], stride: 1, pad: 1, pass: 'fwd' },
  { kind: 'conv', name: 'conv3x3_256x14x14_b32_fwd', x: [32, 256, 14, 14], w: [256, 256, 3, 3], stride: 1, pad: 1, pass: 'fwd' },
  { kind: 'conv', name: 'conv3x3_64x56x56_b32_bwd', x: [32, 64, 56, 56], w: [64, 64, 3, 3], stride: 1, pad: 1, pass: 'bwd' },
  { kind: 'lstm', name: 'lstm_T50_B64_I256_H512_fwd', T: 50, B: 64, I: 256, H: 512 },
  { kind: 'lstm', name: 'lstm_T100_B32_I128_H256_fwd', T: 100, B: 32, I: 128, H: 256 },
];

/** Floating-point operations of one run of a case (for GFLOP/s). */
export function flops(c: Case): number {
  if (c.kind === 'gemm') return 2 * c.n ** 3;
  if (c.kind === 'conv') {
    const [N, C, H, W] = c.x, [OC, , KH, KW] = c.w;
    const OH = Math.floor((H + 2 * c.pad - KH) / c.stride) + 1, OW = Math.floor((W + 2 * c.pad - KW) / c.stride) + 1;
    const f = 2 * N * OC * OH * OW * C * KH * KW;
    return c.pass === 'fwd' ? f : 2 * f;  // bwd = input + weight gradients
  }
  return 2 * c.T * c.B * 4 * c.H * (c.I + c.H);
}
