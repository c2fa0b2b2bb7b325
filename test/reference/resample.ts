/** Float64 references for group normalization and 2-D interpolation (nearest, bilinear),
 * written from the definitions: statistics per (sample, group), the backward as the explicit
 * Jacobian product, and interpolation as a list of (input, weight) taps per output whose
 * transpose is the backward. */
import { type Nd, numel } from './ndarray';

/** y = (x - mean) / sqrt(var + eps) * w[c] + b[c], statistics over each (n, group of C/G channels). */
export function groupNorm(x: Nd, G: number, w: number[] | null, b: number[] | null, eps: number): Nd {
  const [N, C] = x.shape, S = numel(x.shape.slice(2)), D = (C / G) * S;
  const y = new Float64Array(x.data.length);
  for (let t = 0; t < N * G; t++) {
    const xs = x.data.subarray(t * D, (t + 1) * D);
    const mean = xs.reduce((a, v) => a + v, 0) / D;
    const v = xs.reduce((a, u) => a + (u - mean) ** 2, 0) / D;
    for (let j = 0; j < D; j++) {
      const c = (t % G) * (C / G) + Math.floor(j / S);
      y[t * D + j] = ((xs[j] - mean) / Math.sqrt(v + eps)) * (w ? w[c] : 1) + (b ? b[c] : 0);
    }
  }
  return { shape: x.shape.slice(), data: y };
}

/**
 * Gradients of groupNorm. Within one group, with xhat_j = (x_j - mean) * r, r = 1/sqrt(var + eps):
 * dy_j/dx_i = w_j * r * (delta_ij - 1/D - xhat_i * xhat_j / D); dx is that Jacobian applied to dy.
 */
export function groupNormBackward(x: Nd, dy: Nd, G: number, w: number[] | null, eps: number): { dx: Nd; dw: number[]; db: number[] } {
  const [N, C] = x.shape, S = numel(x.shape.slice(2)), D = (C / G) * S;
  const dx = new Float64Array(x.data.length), dw = new Array(C).fill(0), db = new Array(C).fill(0);
  for (let t = 0; t < N * G; t++) {
    const xs = x.data.subarray(t * D, (t + 1) * D), gs = dy.data.subarray(t * D, (t + 1) * D);
    const mean = xs.reduce((a, v) => a + v, 0) / D;
    const r = 1 / Math.sqrt(xs.reduce((a, u) => a + (u - mean) ** 2, 0) / D + eps);
    const chan = (j: number): number => (t % G) * (C / G) + Math.floor(j / S);
    const xhat = Array.from(xs, (v) => (v - mean) * r);
    for (let i = 0; i < D; i++) {
      let s = 0;
      for (let j = 0; j < D; j++) {
        s += gs[j] * (w ? w[chan(j)] : 1) * r * ((i === j ? 1 : 0) - 1 / D - (xhat[i] * xhat[j]) / D);
      }
      dx[t * D + i] = s;
      dw[chan(i)] += gs[i] * xhat[i];
      db[chan(i)] += gs[i];
    }
  }
  return { dx: { shape: x.shape.slice(), data: dx }, dw, db };
}

export interface InterpGeom {
  mode: 'nearest' | 'bilinear';
  out: [number, number];
  alignCorners?: boolean;
  /** The scale factors the caller gave (null when a size was given). */
  factors?: [number, number] | null;
}

const f32 = Math.fround;

/**
 * (input index, weight) taps of every output position along one axis, PyTorch's rules:
 * nearest (legacy): identity when in == out, o >> 1 when out == 2 * in, else
 * min(floor(o * scale), in - 1) with scale = 1/factor or in/out, all in float32 like PyTorch.
 * bilinear: src = scale * o (alignCorners, scale = (in-1)/(out-1)) or max((o + 0.5) * scale - 0.5, 0);
 * taps floor(src) and the next one (clamped), weighted by distance.
 */
function axisTaps(inSize: number, outSize: number, g: InterpGeom, factor: number | null): Array<Array<[number, number]>> {
  const taps: Array<Array<[number, number]>> = [];
  const plainScale = factor ? f32(1 / factor) : f32(inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    if (g.mode === 'nearest') {
      const i = outSize === inSize ? o : outSize === 2 * inSize ? o >> 1 : Math.min(Math.floor(f32(o * plainScale)), inSize - 1);
      taps.push([[i, 1]]);
      continue;
    }
    const scale = g.alignCorners ? (outSize > 1 ? f32((inSize - 1) / (outSize - 1)) : 0) : plainScale;
    const src = g.alignCorners ? scale * o : Math.max(scale * (o + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1), i1 = Math.min(i0 + 1, inSize - 1);
    const l1 = Math.min(Math.max(src - i0, 0), 1);
    taps.push([[i0, 1 - l1], [i1, l1]]);
  }
  return taps;
}

/** Calls f(inputIndex, outputIndex, weight) for every tap of interpolate(x [N, C, H, W]). */
function interpTaps(xs: number[], g: InterpGeom, f: (xi: number, yi: number, wt: number) => void): void {
  const [N, C, H, W] = xs, [OH, OW] = g.out;
  const th = axisTaps(H, OH, g, g.factors ? g.factors[0] : null), tw = axisTaps(W, OW, g, g.factors ? g.factors[1] : null);
  for (let p = 0; p < N * C; p++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    for (const [ih, a] of th[oh]) for (const [iw, b] of tw[ow]) f((p * H + ih) * W + iw, (p * OH + oh) * OW + ow, a * b);
  }
}

export function interpolate(x: Nd, g: InterpGeom): Nd {
  const shape = [x.shape[0], x.shape[1], g.out[0], g.out[1]], y = new Float64Array(numel(shape));
  interpTaps(x.shape, g, (xi, yi, wt) => { y[yi] += wt * x.data[xi]; });
  return { shape, data: y };
}

/** The adjoint of interpolate: every tap's weight carries dy back to its input. */
export function interpolateBackward(xShape: number[], dy: Nd, g: InterpGeom): Nd {
  const dx = new Float64Array(numel(xShape));
  interpTaps(xShape, g, (xi, yi, wt) => { dx[xi] += wt * dy.data[yi]; });
  return { shape: xShape.slice(), data: dx };
}
