/** Float64 references for softmax, cross-entropy and the other losses, indexing and joins.
 * Plain loops over row-major data, PyTorch's documented formulas. */
import { type Nd, numel, stridesOf } from './ndarray';

/** Coordinates of flat index i in shape. */
function unravel(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { c[d] = i % shape[d]; i = Math.floor(i / shape[d]); }
  return c;
}
const ravel = (c: readonly number[], shape: readonly number[]): number => {
  const st = stridesOf(shape);
  return c.reduce((s, v, d) => s + v * st[d], 0);
};

/** [outer, n, inner] split around dim. */
function around(shape: readonly number[], dim: number): [number, number, number] {
  return [numel(shape.slice(0, dim)), shape.length ? shape[dim] : 1, numel(shape.slice(dim + 1))];
}

export function softmax(x: Nd, dim: number, log = false): Nd {
  const [outer, n, inner] = around(x.shape, dim);
  const out = new Float64Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const at = (c: number): number => (o * n + c) * inner + j;
      let m = -Infinity;
      for (let c = 0; c < n; c++) m = Math.max(m, x.data[at(c)]);
      let s = 0;
      for (let c = 0; c < n; c++) s += Math.exp(x.data[at(c)] - m);
      for (let c = 0; c < n; c++) out[at(c)] = log ? x.data[at(c)] - m - Math.log(s) : Math.exp(x.data[at(c)] - m) / s;
    }
  }
  return { shape: x.shape.slice(), data: out };
}

/** Backward of softmax/logSoftmax given the forward output y and upstream g. */
export function softmaxBackward(y: Nd, g: Nd, dim: number, log = false): Nd {
  const [outer, n, inner] = around(y.shape, dim);
  const out = new Float64Array(y.data.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const at = (c: number): number => (o * n + c) * inner + j;
      let s = 0;
      for (let c = 0; c < n; c++) s += log ? g.data[at(c)] : g.data[at(c)] * y.data[at(c)];
      for (let c = 0; c < n; c++) out[at(c)] = log ? g.data[at(c)] - Math.exp(y.data[at(c)]) * s : y.data[at(c)] * (g.data[at(c)] - s);
    }
  }
  return { shape: y.shape.slice(), data: out };
}

export interface CeOpts { weight?: Nd; ignoreIndex?: number; reduction?: 'mean' | 'sum' | 'none'; labelSmoothing?: number }

/**
 * PyTorch cross_entropy on logits [N, C, d...]. target: class indices [N, d...] or
 * probabilities shaped like logits (probs = true). Returns the loss and d(sum of loss * r)/dlogits
 * for the upstream gradient r (ones when not given).
 */
export function crossEntropy(x: Nd, target: Nd, probs: boolean, o: CeOpts = {}, r?: Nd): { loss: Nd; grad: Nd } {
  const N = x.shape[0], C = x.shape[1], S = numel(x.shape.slice(2));
  const eps = o.labelSmoothing ?? 0, ign = o.ignoreIndex ?? -100, red = o.reduction ?? 'mean';
  const w = (c: number): number => (o.weight ? o.weight.data[c] : 1);
  const per = new Float64Array(N * S), den = new Float64Array(N * S);
  const t = new Float64Array(N * C * S);  // effective target distribution per sample (weighted)
  const at = (n: number, c: number, s: number): number => (n * C + c) * S + s;
  const logp = new Float64Array(N * C * S);
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, x.data[at(n, c, s)]);
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(x.data[at(n, c, s)] - m);
      for (let c = 0; c < C; c++) logp[at(n, c, s)] = x.data[at(n, c, s)] - m - Math.log(z);
      const i = n * S + s;
      if (probs) {
        for (let c = 0; c < C; c++) t[at(n, c, s)] = w(c) * (target.data[at(n, c, s)] * (1 - eps) + eps / C);
        den[i] = 1;
      } else {
        const y = target.data[i];
        if (y === ign) continue;
        for (let c = 0; c < C; c++) t[at(n, c, s)] = w(c) * eps / C + (c === y ? (1 - eps) * w(c) : 0);
        den[i] = w(y);
      }
      for (let c = 0; c < C; c++) per[i] -= t[at(n, c, s)] * logp[at(n, c, s)];
    }
  }
  const total = per.reduce((a, b) => a + b, 0), wsum = den.reduce((a, b) => a + b, 0);
  const lossShape = [N, ...x.shape.slice(2)];
  const loss: Nd = red === 'none' ? { shape: lossShape, data: per }
    : { shape: [], data: Float64Array.of(red === 'sum' ? total : total / wsum) };
  const grad = new Float64Array(N * C * S);
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      const i = n * S + s;
      const gi = red === 'none' ? (r ? r.data[i] : 1) : (r ? r.data[0] : 1) / (red === 'mean' ? wsum : 1);
      let T = 0;
      for (let c = 0; c < C; c++) T += t[at(n, c, s)];
      for (let c = 0; c < C; c++) grad[at(n, c, s)] = gi * (T * Math.exp(logp[at(n, c, s)]) - t[at(n, c, s)]);
    }
  }
  return { loss, grad: { shape: x.shape.slice(), data: grad } };
}

export function gather(x: Nd, dim: number, idx: Nd): Nd {
  const out = new Float64Array(idx.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = unravel(i, idx.shape);
    c[dim] = idx.data[i];
    out[i] = x.data[ravel(c, x.shape)];
  }
  return { shape: idx.shape.slice(), data: out };
}

export function scatterAdd(x: Nd, dim: number, idx: Nd, src: Nd): Nd {
  const out = Float64Array.from(x.data);
  for (let i = 0; i < idx.data.length; i++) {
    const c = unravel(i, idx.shape);
    const v = src.data[ravel(c, src.shape)];
    c[dim] = idx.data[i];
    out[ravel(c, x.shape)] += v;
  }
  return { shape: x.shape.slice(), data: out };
}

export function indexSelect(x: Nd, dim: number, idx: Nd): Nd {
  const shape = x.shape.slice();
  shape[dim] = idx.data.length;
  const out = new Float64Array(numel(shape));
  for (let i = 0; i < out.length; i++) {
    const c = unravel(i, shape);
    c[dim] = idx.data[c[dim]];
    out[i] = x.data[ravel(c, x.shape)];
  }
  return { shape, data: out };
}

/** index-add: out[..., idx[k], ...] += src[..., k, ...] into zeros of `shape`. */
export function indexAdd(shape: number[], dim: number, idx: Nd, src: Nd): Nd {
  const out = new Float64Array(numel(shape));
  for (let i = 0; i < src.data.length; i++) {
    const c = unravel(i, src.shape);
    c[dim] = idx.data[c[dim]];
    out[ravel(c, shape)] += src.data[i];
  }
  return { shape: shape.slice(), data: out };
}

export function cat(xs: Nd[], dim: number): Nd {
  const shape = xs[0].shape.slice();
  shape[dim] = xs.reduce((a, x) => a + x.shape[dim], 0);
  const out = new Float64Array(numel(shape));
  let off = 0;
  for (const x of xs) {
    for (let i = 0; i < x.data.length; i++) {
      const c = unravel(i, x.shape);
      c[dim] += off;
      out[ravel(c, shape)] = x.data[i];
    }
    off += x.shape[dim];
  }
  return { shape, data: out };
}

export type Red = 'mean' | 'sum' | 'none';
export function reduceLoss(l: Nd, red: Red): Nd {
  if (red === 'none') return l;
  const s = l.data.reduce((a, b) => a + b, 0);
  return { shape: [], data: Float64Array.of(red === 'sum' ? s : s / l.data.length) };
}

const zip = (a: Nd, b: Nd, f: (x: number, y: number, i: number) => number): Nd =>
  ({ shape: a.shape.slice(), data: a.data.map((v, i) => f(v, b.data[i], i)) });

export const mse = (x: Nd, y: Nd, red: Red): Nd => reduceLoss(zip(x, y, (a, b) => (a - b) ** 2), red);
export const l1 = (x: Nd, y: Nd, red: Red): Nd => reduceLoss(zip(x, y, (a, b) => Math.abs(a - b)), red);
export const huber = (x: Nd, y: Nd, red: Red, delta: number): Nd => reduceLoss(zip(x, y, (a, b) => {
  const d = Math.abs(a - b);
  return d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
}), red);
export const bce = (x: Nd, y: Nd, red: Red, w?: (i: number) => number): Nd => reduceLoss(zip(x, y, (p, t, i) =>
  -(w ? w(i) : 1) * (t * Math.max(Math.log(p), -100) + (1 - t) * Math.max(Math.log(1 - p), -100))), red);
export const bceWithLogits = (x: Nd, y: Nd, red: Red, w?: (i: number) => number, pw?: (i: number) => number): Nd =>
  reduceLoss(zip(x, y, (z, t, i) => {
    const sp = Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));  // softplus(-z)
    const lw = pw ? 1 + (pw(i) - 1) * t : 1;
    return (w ? w(i) : 1) * ((1 - t) * z + lw * sp);
  }), red);

/** nll_loss on log-probabilities [N, C, d...] with class targets [N, d...]. */
export function nll(x: Nd, target: Nd, o: { weight?: Nd; ignoreIndex?: number; reduction?: Red } = {}): Nd {
  const N = x.shape[0], C = x.shape[1], S = numel(x.shape.slice(2)), ign = o.ignoreIndex ?? -100;
  const per = new Float64Array(N * S);
  let wsum = 0;
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      const y = target.data[n * S + s];
      if (y === ign) continue;
      const w = o.weight ? o.weight.data[y] : 1;
      per[n * S + s] = -w * x.data[(n * C + y) * S + s];
      wsum += w;
    }
  }
  const red = o.reduction ?? 'mean';
  if (red === 'none') return { shape: [N, ...x.shape.slice(2)], data: per };
  const total = per.reduce((a, b) => a + b, 0);
  return { shape: [], data: Float64Array.of(red === 'sum' ? total : total / wsum) };
}
