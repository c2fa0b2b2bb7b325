/** Float64 reference for scaled dot-product attention (PyTorch's documented math):
 * softmax(q k^T * scale + mask) v, batch dims broadcast, causal = keys j <= i. */
import { type Nd, numel, broadcastShape, expand } from './ndarray';

export interface AttnRefOpts { mask?: Nd | null; causal?: boolean; scale?: number | null }

export function attention(q: Nd, k: Nd, v: Nd, o: AttnRefOpts = {}): Nd {
  const L = q.shape[q.shape.length - 2], E = q.shape[q.shape.length - 1];
  const S = k.shape[k.shape.length - 2], Ev = v.shape[v.shape.length - 1];
  let batch = broadcastShape(broadcastShape(q.shape.slice(0, -2), k.shape.slice(0, -2)), v.shape.slice(0, -2));
  if (o.mask) batch = broadcastShape(o.mask.shape, [...batch, L, S]).slice(0, -2);
  const Q = expand(q, [...batch, L, E]), K = expand(k, [...batch, S, E]), V = expand(v, [...batch, S, Ev]);
  const M = o.mask ? expand(o.mask, [...batch, L, S]) : null;
  const scale = o.scale ?? 1 / Math.sqrt(E);
  const B = numel(batch);
  const out = new Float64Array(B * L * Ev);
  const s = new Float64Array(S);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < L; i++) {
      let m = -Infinity;
      for (let j = 0; j < S; j++) {
        let d = 0;
        for (let e = 0; e < E; e++) d += Q.data[(b * L + i) * E + e] * K.data[(b * S + j) * E + e];
        let x = d * scale;
        if (M) {
          const mv = M.data[(b * L + i) * S + j];
          x = o.mask!.bool ? (mv ? x : -Infinity) : x + mv;
        }
        if (o.causal && j > i) x = -Infinity;
        s[j] = x;
        m = Math.max(m, x);
      }
      let sum = 0;
      for (let j = 0; j < S; j++) sum += Math.exp(s[j] - m);
      for (let e = 0; e < Ev; e++) {
        let acc = 0;
        for (let j = 0; j < S; j++) acc += (Math.exp(s[j] - m) / sum) * V.data[(b * S + j) * Ev + e];
        out[(b * L + i) * Ev + e] = S === 0 ? 0 : acc;
      }
    }
  }
  return { shape: [...batch, L, Ev], data: out };
}
