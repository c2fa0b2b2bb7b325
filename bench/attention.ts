/**
 * Scaled dot-product attention, batch 2 x 8 heads, head width 64, L = S = 512 (quick: 2 x 2
 * heads, 64): the fused kernel (scaledDotProductAttention) and the composed ops it replaces
 * (matmul, softmax, matmul: the L x S weights stored), forward and forward+backward, plain
 * and causal. Fused rows against PyTorch's fused entry point (torch.nn.functional.
 * scaled_dot_product_attention; 1.13: its private _scaled_dot_product_attention), composed
 * rows against the same composition in PyTorch (bench/peers/attention.py). No tfjs port.
 */
import * as tf from '../lib';
import { composedAttention } from '../lib/ops/attention';
import { measure, type Family, type Options, type Workload } from './common';

type P = { b: number; h: number; l: number; e: number; fused: boolean; causal: boolean; backward: boolean };
const clearGrads = (ts: tf.Tensor[]): void => { for (const t of ts) { t.grad?.dispose(); t.grad = null; } };

export const attention: Family = {
  name: 'attention',
  python: 'attention',
  workloads(o: Options): Workload[] {
    const b = 2, h = o.quick ? 2 : 8, l = o.quick ? 64 : 512, e = 64;
    const rows: Workload[] = [];
    for (const [causal, backward] of [[false, false], [true, false], [false, true]] as const) {
      for (const fused of [true, false]) {
        rows.push({
          name: `SDPA ${fused ? 'fused' : 'composed'} B${b} H${h} L${l} E${e}${causal ? ' causal' : ''} ${backward ? 'fwd+bwd' : 'fwd'}`,
          unit: 'ms', params: { b, h, l, e, fused, causal, backward },
        });
      }
    }
    return rows;
  },
  ours(wl, o) {
    const { b, h, l, e, fused, causal, backward } = wl.params as P;
    const [q, k, v] = [0, 1, 2].map(() => tf.randn([b, h, l, e], { requiresGrad: backward }));
    const g = tf.randn([b, h, l, e]);
    const run = (): tf.Tensor => (fused ? tf.scaledDotProductAttention(q, k, v, { isCausal: causal }) : composedAttention(q, k, v, { isCausal: causal }));
    try {
      if (!backward) return measure(() => tf.tidy(() => tf.noGrad(() => { run(); })), o);
      return measure(() => { clearGrads([q, k, v]); tf.tidy(() => { run().backward({ grad: g }); }); }, o);
    } finally { clearGrads([q, k, v]); for (const t of [q, k, v, g]) t.dispose(); }
  },
};
