/** Float64 reference recurrent layers (PyTorch's equations and weight layouts), one
 * (t, b, unit) at a time. Sequence-major: x [T, B, I], h0/c0 [B, H]. */
import { type Nd, sigmoid } from './ndarray';

export type RnnRefMode = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';
export interface RnnRefParams { wIh: Nd; wHh: Nd; bIh: Nd | null; bHh: Nd | null }
export interface RnnRefResult { output: Nd; hn: Nd; cn: Nd | null }

export const gatesOf = (mode: RnnRefMode): number => (mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1);

/** out[k] = b[k] + sum_j w[k, j] v[j] for k in [0, rows) */
function affine(w: Nd, b: Nd | null, v: Float64Array): Float64Array {
  const [rows, cols] = w.shape;
  const out = new Float64Array(rows);
  for (let k = 0; k < rows; k++) {
    let s = b ? b.data[k] : 0;
    for (let j = 0; j < cols; j++) s += w.data[k * cols + j] * v[j];
    out[k] = s;
  }
  return out;
}

export function rnnLayerRef(mode: RnnRefMode, x: Nd, h0: Nd, c0: Nd | null, p: RnnRefParams, reverse = false): RnnRefResult {
  const [T, B, I] = x.shape, H = p.wHh.shape[1];
  const output = new Float64Array(T * B * H);
  const hn = new Float64Array(B * H), cn = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    let h = h0.data.slice(b * H, (b + 1) * H);
    let c = mode === 'lstm' ? (c0 as Nd).data.slice(b * H, (b + 1) * H) : new Float64Array(H);
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const xi = affine(p.wIh, p.bIh, x.data.slice((t * B + b) * I, (t * B + b + 1) * I));
      const hh = affine(p.wHh, p.bHh, h);
      const nh = new Float64Array(H), nc = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        if (mode === 'rnnTanh') nh[j] = Math.tanh(xi[j] + hh[j]);
        else if (mode === 'rnnRelu') nh[j] = Math.max(0, xi[j] + hh[j]);
        else if (mode === 'lstm') {
          const i = sigmoid(xi[j] + hh[j]), f = sigmoid(xi[H + j] + hh[H + j]);
          const g = Math.tanh(xi[2 * H + j] + hh[2 * H + j]), o = sigmoid(xi[3 * H + j] + hh[3 * H + j]);
          nc[j] = f * c[j] + i * g;
          nh[j] = o * Math.tanh(nc[j]);
        } else {
          const r = sigmoid(xi[j] + hh[j]), z = sigmoid(xi[H + j] + hh[H + j]);
          const n = Math.tanh(xi[2 * H + j] + r * hh[2 * H + j]);
          nh[j] = (1 - z) * n + z * h[j];
        }
      }
      h = nh;
      c = nc;
      output.set(h, (t * B + b) * H);
    }
    hn.set(h, b * H);
    cn.set(c, b * H);
  }
  return {
    output: { shape: [T, B, H], data: output },
    hn: { shape: [B, H], data: hn },
    cn: mode === 'lstm' ? { shape: [B, H], data: cn } : null,
  };
}
