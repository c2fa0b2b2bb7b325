/** Float64 reference matrix products (PyTorch matmul rules for >= 2-D operands). */
import { broadcastShape, numel, type Nd } from './ndarray';

/** a [..., M, K] @ b [..., K, N] with broadcast batch dims, in float64. */
export function matmul(a: Nd, b: Nd): Nd {
  const M = a.shape[a.shape.length - 2], K = a.shape[a.shape.length - 1], N = b.shape[b.shape.length - 1];
  const ab = a.shape.slice(0, -2), bb = b.shape.slice(0, -2);
  const batch = broadcastShape(ab, bb);
  const out = new Float64Array(numel(batch) * M * N);
  // Offset of the batch coordinate `c` in an operand with batch shape `s` (broadcast dims fixed at 0).
  const offset = (s: number[], c: number[], mat: number): number => {
    let o = 0, st = mat;
    for (let i = s.length - 1; i >= 0; i--) {
      o += (s[i] === 1 ? 0 : c[i + c.length - s.length]) * st;
      st *= s[i];
    }
    return o;
  };
  const c = new Array(batch.length).fill(0);
  for (let t = 0; t < numel(batch); t++) {
    const oa = offset(ab, c, M * K), ob = offset(bb, c, K * N), oy = t * M * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a.data[oa + i * K + k] * b.data[ob + k * N + j];
        out[oy + i * N + j] = s;
      }
    }
    for (let d = batch.length - 1; d >= 0; d--) { if (++c[d] < batch[d]) break; c[d] = 0; }
  }
  return { shape: [...batch, M, N], data: out };
}

/** x [R, in] @ w[out, in]^T + bias, optional relu. */
export function linear(x: Nd, w: Nd, bias: Nd | null, relu: boolean): Nd {
  const [R, I] = x.shape, O = w.shape[0];
  const out = new Float64Array(R * O);
  for (let r = 0; r < R; r++) {
    for (let o = 0; o < O; o++) {
      let s = bias ? bias.data[o] : 0;
      for (let i = 0; i < I; i++) s += x.data[r * I + i] * w.data[o * I + i];
      out[r * O + o] = relu ? Math.max(s, 0) : s;
    }
  }
  return { shape: [R, O], data: out };
}
