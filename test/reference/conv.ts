/** Float64 references for convolution, pooling and normalization: the definitions written
 * as loops (every tap of every output), forward and backward. Never fast, always obvious. */
import { type Nd, numel } from './ndarray';

export interface ConvGeom {
  stride: [number, number];
  /** top, bottom, left, right */
  pad: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

/** Calls f(xIndex, wIndex, yIndex) for every in-bounds tap of conv(x [N,C,H,W], w [OC,C/g,KH,KW]). */
function convTaps(xs: number[], ws: number[], g: ConvGeom, f: (xi: number, wi: number, yi: number) => void): number[] {
  const [N, C, H, W] = xs, [OC, Cg, KH, KW] = ws;
  const OH = Math.floor((H + g.pad[0] + g.pad[1] - g.dilation[0] * (KH - 1) - 1) / g.stride[0]) + 1;
  const OW = Math.floor((W + g.pad[2] + g.pad[3] - g.dilation[1] * (KW - 1) - 1) / g.stride[1]) + 1;
  const OCg = OC / g.groups;
  for (let n = 0; n < N; n++) for (let oc = 0; oc < OC; oc++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const yi = ((n * OC + oc) * OH + oh) * OW + ow;
    for (let cg = 0; cg < Cg; cg++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const ih = oh * g.stride[0] - g.pad[0] + kh * g.dilation[0], iw = ow * g.stride[1] - g.pad[2] + kw * g.dilation[1];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      const c = Math.floor(oc / OCg) * Cg + cg;
      f(((n * C + c) * H + ih) * W + iw, ((oc * Cg + cg) * KH + kh) * KW + kw, yi);
    }
  }
  return [N, OC, OH, OW];
}

export function conv2d(x: Nd, w: Nd, b: Nd | null, g: ConvGeom): Nd {
  let shape: number[] = [];
  const acc: number[] = [];
  shape = convTaps(x.shape, w.shape, g, (xi, wi, yi) => { acc[yi] = (acc[yi] ?? 0) + x.data[xi] * w.data[wi]; });
  const y = new Float64Array(numel(shape));
  const hw = shape[2] * shape[3];
  for (let i = 0; i < y.length; i++) y[i] = (acc[i] ?? 0) + (b ? b.data[Math.floor(i / hw) % shape[1]] : 0);
  return { shape, data: y };
}

export function conv2dBackward(x: Nd, w: Nd, dy: Nd, g: ConvGeom): { dx: Nd; dw: Nd; db: Nd } {
  const dx = new Float64Array(x.data.length), dw = new Float64Array(w.data.length), db = new Float64Array(w.shape[0]);
  convTaps(x.shape, w.shape, g, (xi, wi, yi) => {
    dx[xi] += dy.data[yi] * w.data[wi];
    dw[wi] += dy.data[yi] * x.data[xi];
  });
  const hw = dy.shape[2] * dy.shape[3];
  for (let i = 0; i < dy.data.length; i++) db[Math.floor(i / hw) % dy.shape[1]] += dy.data[i];
  return { dx: { shape: x.shape.slice(), data: dx }, dw: { shape: w.shape.slice(), data: dw }, db: { shape: [w.shape[0]], data: db } };
}

export interface TransposeGeom { stride: [number, number]; pad: [number, number]; outPad: [number, number]; dilation: [number, number]; groups: number }

/** Calls f(xIndex, wIndex, yIndex) for every tap of conv_transpose(x [N,Cin,H,W], w [Cin,Cout/g,KH,KW]). */
function transposeTaps(xs: number[], ws: number[], g: TransposeGeom, f: (xi: number, wi: number, yi: number) => void): number[] {
  const [N, Cin, H, W] = xs, [, CoutG, KH, KW] = ws;
  const Cout = CoutG * g.groups, CinG = Cin / g.groups;
  const OH = (H - 1) * g.stride[0] - 2 * g.pad[0] + g.dilation[0] * (KH - 1) + g.outPad[0] + 1;
  const OW = (W - 1) * g.stride[1] - 2 * g.pad[1] + g.dilation[1] * (KW - 1) + g.outPad[1] + 1;
  for (let n = 0; n < N; n++) for (let ci = 0; ci < Cin; ci++) for (let ih = 0; ih < H; ih++) for (let iw = 0; iw < W; iw++) {
    const xi = ((n * Cin + ci) * H + ih) * W + iw, grp = Math.floor(ci / CinG);
    for (let cog = 0; cog < CoutG; cog++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const oh = ih * g.stride[0] - g.pad[0] + kh * g.dilation[0], ow = iw * g.stride[1] - g.pad[1] + kw * g.dilation[1];
      if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
      const co = grp * CoutG + cog;
      f(xi, ((ci * CoutG + cog) * KH + kh) * KW + kw, ((n * Cout + co) * OH + oh) * OW + ow);
    }
  }
  return [N, Cout, OH, OW];
}

export function convTranspose2d(x: Nd, w: Nd, b: Nd | null, g: TransposeGeom): Nd {
  const acc: number[] = [];
  const shape = transposeTaps(x.shape, w.shape, g, (xi, wi, yi) => { acc[yi] = (acc[yi] ?? 0) + x.data[xi] * w.data[wi]; });
  const y = new Float64Array(numel(shape)), hw = shape[2] * shape[3];
  for (let i = 0; i < y.length; i++) y[i] = (acc[i] ?? 0) + (b ? b.data[Math.floor(i / hw) % shape[1]] : 0);
  return { shape, data: y };
}

export function convTranspose2dBackward(x: Nd, w: Nd, dy: Nd, g: TransposeGeom): { dx: Nd; dw: Nd; db: Nd } {
  const dx = new Float64Array(x.data.length), dw = new Float64Array(w.data.length), db = new Float64Array(dy.shape[1]);
  transposeTaps(x.shape, w.shape, g, (xi, wi, yi) => {
    dx[xi] += dy.data[yi] * w.data[wi];
    dw[wi] += dy.data[yi] * x.data[xi];
  });
  const hw = dy.shape[2] * dy.shape[3];
  for (let i = 0; i < dy.data.length; i++) db[Math.floor(i / hw) % dy.shape[1]] += dy.data[i];
  return { dx: { shape: x.shape.slice(), data: dx }, dw: { shape: w.shape.slice(), data: dw }, db: { shape: [dy.shape[1]], data: db } };
}

// ---- pooling ----

export interface PoolGeom { k: [number, number]; s: [number, number]; p: [number, number]; d: [number, number]; ceil: boolean }

export function poolOut(i: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const num = i + 2 * p - d * (k - 1) - 1;
  let o = Math.floor((ceil ? num + s - 1 : num) / s) + 1;
  if (ceil && (o - 1) * s >= i + p) o--;
  return o;
}

/** Max pooling: y and the argmax (h * W + w in its plane; NaN wins, else the first maximum). */
export function maxPool2d(x: Nd, g: PoolGeom): { y: Nd; idx: number[] } {
  const [N, C, H, W] = x.shape;
  const OH = poolOut(H, g.k[0], g.s[0], g.p[0], g.d[0], g.ceil), OW = poolOut(W, g.k[1], g.s[1], g.p[1], g.d[1], g.ceil);
  const y = new Float64Array(N * C * OH * OW), idx: number[] = [];
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++, o++) {
    let best = -Infinity, arg = -1;
    for (let kh = 0; kh < g.k[0]; kh++) for (let kw = 0; kw < g.k[1]; kw++) {
      const ih = oh * g.s[0] - g.p[0] + kh * g.d[0], iw = ow * g.s[1] - g.p[1] + kw * g.d[1];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      const v = x.data[nc * H * W + ih * W + iw];
      if (arg < 0) arg = ih * W + iw;
      if (v > best || Number.isNaN(v)) { best = v; arg = ih * W + iw; }
    }
    y[o] = best;
    idx.push(arg);
  }
  return { y: { shape: [N, C, OH, OW], data: y }, idx };
}

export function maxPool2dBackward(xShape: number[], dy: Nd, idx: number[]): Nd {
  const hw = xShape[2] * xShape[3], ohw = dy.shape[2] * dy.shape[3];
  const dx = new Float64Array(numel(xShape));
  for (let i = 0; i < dy.data.length; i++) dx[Math.floor(i / ohw) * hw + idx[i]] += dy.data[i];
  return { shape: xShape.slice(), data: dx };
}

/** Calls f(xIndex, outIndex, 1/divisor) for every in-bounds tap of every averaging window. */
function avgTaps(xs: number[], g: PoolGeom, cip: boolean, div: number, f: (xi: number, yi: number, inv: number) => void): number[] {
  const [N, C, H, W] = xs;
  const OH = poolOut(H, g.k[0], g.s[0], g.p[0], 1, g.ceil), OW = poolOut(W, g.k[1], g.s[1], g.p[1], 1, g.ceil);
  for (let nc = 0; nc < N * C; nc++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let h0 = oh * g.s[0] - g.p[0], w0 = ow * g.s[1] - g.p[1];
    let h1 = Math.min(h0 + g.k[0], H + g.p[0]), w1 = Math.min(w0 + g.k[1], W + g.p[1]);
    const padded = (h1 - h0) * (w1 - w0);
    h0 = Math.max(h0, 0); w0 = Math.max(w0, 0); h1 = Math.min(h1, H); w1 = Math.min(w1, W);
    const inv = 1 / (div > 0 ? div : cip ? padded : (h1 - h0) * (w1 - w0));
    for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) f(nc * H * W + ih * W + iw, (nc * OH + oh) * OW + ow, inv);
  }
  return [N, C, OH, OW];
}

export function avgPool2d(x: Nd, g: PoolGeom, cip: boolean, div: number): Nd {
  const acc: number[] = [];
  const shape = avgTaps(x.shape, g, cip, div, (xi, yi, inv) => { acc[yi] = (acc[yi] ?? 0) + x.data[xi] * inv; });
  return { shape, data: Float64Array.from({ length: numel(shape) }, (_, i) => acc[i] ?? 0) };
}

export function avgPool2dBackward(xShape: number[], dy: Nd, g: PoolGeom, cip: boolean, div: number): Nd {
  const dx = new Float64Array(numel(xShape));
  avgTaps(xShape, g, cip, div, (xi, yi, inv) => { dx[xi] += dy.data[yi] * inv; });
  return { shape: xShape.slice(), data: dx };
}

function adaptiveTaps(xs: number[], OH: number, OW: number, f: (xi: number, yi: number, inv: number) => void): void {
  const [N, C, H, W] = xs;
  for (let nc = 0; nc < N * C; nc++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    const h0 = Math.floor(oh * H / OH), h1 = Math.ceil((oh + 1) * H / OH);
    const w0 = Math.floor(ow * W / OW), w1 = Math.ceil((ow + 1) * W / OW);
    const inv = 1 / ((h1 - h0) * (w1 - w0));
    for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) f(nc * H * W + ih * W + iw, (nc * OH + oh) * OW + ow, inv);
  }
}

export function adaptiveAvgPool2d(x: Nd, OH: number, OW: number): Nd {
  const y = new Float64Array(x.shape[0] * x.shape[1] * OH * OW);
  adaptiveTaps(x.shape, OH, OW, (xi, yi, inv) => { y[yi] += x.data[xi] * inv; });
  return { shape: [x.shape[0], x.shape[1], OH, OW], data: y };
}

export function adaptiveAvgPool2dBackward(xShape: number[], dy: Nd): Nd {
  const dx = new Float64Array(numel(xShape));
  adaptiveTaps(xShape, dy.shape[2], dy.shape[3], (xi, yi, inv) => { dx[xi] += dy.data[yi] * inv; });
  return { shape: xShape.slice(), data: dx };
}

// ---- normalization ----

/** Normalizes groups of elements: groupOf(i) names the statistics group of flat index i. */
function normGroups(x: Nd, groups: number, groupOf: (i: number) => number): { mean: number[]; varB: number[]; count: number } {
  const mean = new Array(groups).fill(0), varB = new Array(groups).fill(0);
  const count = x.data.length / groups;
  x.data.forEach((v, i) => { mean[groupOf(i)] += v / count; });
  x.data.forEach((v, i) => { varB[groupOf(i)] += (v - mean[groupOf(i)]) ** 2 / count; });
  return { mean, varB, count };
}

export interface BatchNormRef { y: Nd; runningMean: number[]; runningVar: number[] }

export function batchNorm(x: Nd, rm: number[] | null, rv: number[] | null, w: number[] | null, b: number[] | null,
  training: boolean, momentum: number, eps: number): BatchNormRef {
  const C = x.shape[1], hw = numel(x.shape.slice(2)), ch = (i: number): number => Math.floor(i / hw) % C;
  let mean: number[], varB: number[];
  let nrm = rm ? rm.slice() : [], nrv = rv ? rv.slice() : [];
  if (training) {
    const s = normGroups(x, C, ch);
    mean = s.mean; varB = s.varB;
    if (rm && rv) {
      nrm = rm.map((r, c) => (1 - momentum) * r + momentum * mean[c]);
      nrv = rv.map((r, c) => (1 - momentum) * r + momentum * varB[c] * s.count / (s.count - 1));
    }
  } else {
    mean = rm!; varB = rv!;
  }
  const y = x.data.map((v, i) => ((v - mean[ch(i)]) / Math.sqrt(varB[ch(i)] + eps)) * (w ? w[ch(i)] : 1) + (b ? b[ch(i)] : 0));
  return { y: { shape: x.shape.slice(), data: y }, runningMean: nrm, runningVar: nrv };
}

/** Gradients of batchNorm (training: batch statistics depend on x; eval: constants). */
export function batchNormBackward(x: Nd, dy: Nd, rm: number[] | null, rv: number[] | null, w: number[] | null, training: boolean, eps: number): { dx: Nd; dw: number[]; db: number[] } {
  const C = x.shape[1], hw = numel(x.shape.slice(2)), ch = (i: number): number => Math.floor(i / hw) % C;
  const s = training ? normGroups(x, C, ch) : { mean: rm!, varB: rv!, count: x.data.length / C };
  const inv = s.varB.map((v) => 1 / Math.sqrt(v + eps));
  const sdy = new Array(C).fill(0), sdyh = new Array(C).fill(0);
  x.data.forEach((v, i) => { const c = ch(i); sdy[c] += dy.data[i]; sdyh[c] += dy.data[i] * (v - s.mean[c]) * inv[c]; });
  const dx = x.data.map((v, i) => {
    const c = ch(i), g = w ? w[c] : 1, h = (v - s.mean[c]) * inv[c];
    return training ? g * inv[c] * (dy.data[i] - sdy[c] / s.count - h * sdyh[c] / s.count) : g * inv[c] * dy.data[i];
  });
  return { dx: { shape: x.shape.slice(), data: dx }, dw: sdyh, db: sdy };
}

export function layerNorm(x: Nd, D: number, w: number[] | null, b: number[] | null, eps: number): Nd {
  const s = normGroups(x, x.data.length / D, (i) => Math.floor(i / D));
  const y = x.data.map((v, i) => {
    const r = Math.floor(i / D), j = i % D;
    return ((v - s.mean[r]) / Math.sqrt(s.varB[r] + eps)) * (w ? w[j] : 1) + (b ? b[j] : 0);
  });
  return { shape: x.shape.slice(), data: y };
}

export function layerNormBackward(x: Nd, dy: Nd, D: number, w: number[] | null, eps: number): { dx: Nd; dw: number[]; db: number[] } {
  const M = x.data.length / D;
  const s = normGroups(x, M, (i) => Math.floor(i / D));
  const dx = new Float64Array(x.data.length), dw = new Array(D).fill(0), db = new Array(D).fill(0);
  for (let r = 0; r < M; r++) {
    const inv = 1 / Math.sqrt(s.varB[r] + eps);
    let a = 0, c = 0;
    for (let j = 0; j < D; j++) {
      const i = r * D + j, h = (x.data[i] - s.mean[r]) * inv, gd = dy.data[i] * (w ? w[j] : 1);
      a += gd; c += gd * h; dw[j] += dy.data[i] * h; db[j] += dy.data[i];
    }
    for (let j = 0; j < D; j++) {
      const i = r * D + j, h = (x.data[i] - s.mean[r]) * inv, gd = dy.data[i] * (w ? w[j] : 1);
      dx[i] = inv * (gd - a / D - h * c / D);
    }
  }
  return { dx: { shape: x.shape.slice(), data: dx }, dw, db };
}
