/**
 * Float64 references for every op of the op table, keyed by op name: each takes the
 * sample's inputs (in the entry's order, null where absent) and options exactly as the
 * public API does, and interprets the options here from PyTorch's documentation (never
 * from lib/), then calls the loop references of this folder.
 */
import { type Nd, numel } from './ndarray';
import * as nd from './ndarray';
import * as conv from './conv';
import * as nn from './nn';
import * as rs from './resample';
import { attention } from './attention';

type Opts = Record<string, unknown>;
export type OpReference = (inputs: (Nd | null)[], opts: Opts) => Nd;

const pair = (v: unknown, dflt: number): [number, number] => {
  const x = v === undefined || v === null ? dflt : v;
  return Array.isArray(x) ? [x[0], x[1]] : [x as number, x as number];
};
/** Runs f on a 4-D batch, adding and removing the batch dim of an unbatched input. */
function batched(x: Nd, nd: number, f: (x4: Nd) => Nd): Nd {
  if (x.shape.length === nd) return f(x);
  const y = f({ shape: [1, ...x.shape], data: x.data });
  return { shape: y.shape.slice(1), data: y.data };
}
const vec = (t: Nd | null): number[] | null => (t ? Array.from(t.data) : null);
const normDim = (d: number, nd: number): number => (d < 0 ? d + Math.max(nd, 1) : d);

function convGeom(o: Opts, k: [number, number], spatial: 1 | 2): conv.ConvGeom {
  const one = (v: unknown, d: number): [number, number] => (spatial === 2 ? pair(v, d) : [d === 1 ? 1 : 0, pair(v, d)[0]]);
  const stride = one(o.stride, 1), dilation = one(o.dilation, 1);
  let pad: [number, number, number, number];
  if (o.padding === 'same') {
    const th = dilation[0] * (k[0] - 1), tw = dilation[1] * (k[1] - 1);
    pad = [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  } else if (o.padding === 'valid') {
    pad = [0, 0, 0, 0];
  } else {
    const p = one(o.padding, 0);
    pad = [p[0], p[0], p[1], p[1]];
  }
  return { stride, pad, dilation, groups: (o.groups as number | undefined) ?? 1 };
}

const relu = (y: Nd, o: Opts): Nd => (o.activation === 'relu' ? { shape: y.shape, data: y.data.map((v) => Math.max(v, 0)) } : y);

function poolGeom(o: Opts, dilation = true): conv.PoolGeom {
  const k = pair(o.kernelSize, 1);
  return { k, s: o.stride === undefined || o.stride === null ? k : pair(o.stride, 1), p: pair(o.padding, 0),
    d: dilation ? pair(o.dilation, 1) : [1, 1], ceil: (o.ceilMode as boolean | undefined) ?? false };
}

export const OP_REFERENCES: Record<string, OpReference> = {
  conv2d: ([x, w, b], o) => batched(x!, 4, (x4) =>
    relu(conv.conv2d(x4, w!, b, convGeom(o, [w!.shape[2], w!.shape[3]], 2)), o)),
  conv1d: ([x, w, b], o) => batched(x!, 3, (x3) => {
    const x4 = { shape: [x3.shape[0], x3.shape[1], 1, x3.shape[2]], data: x3.data };
    const w4 = { shape: [w!.shape[0], w!.shape[1], 1, w!.shape[2]], data: w!.data };
    const y = relu(conv.conv2d(x4, w4, b, convGeom(o, [1, w!.shape[2]], 1)), o);
    return { shape: [y.shape[0], y.shape[1], y.shape[3]], data: y.data };
  }),
  convTranspose2d: ([x, w, b], o) => batched(x!, 4, (x4) => conv.convTranspose2d(x4, w!, b, {
    stride: pair(o.stride, 1), pad: pair(o.padding, 0), outPad: pair(o.outputPadding, 0), dilation: pair(o.dilation, 1),
    groups: (o.groups as number | undefined) ?? 1,
  })),
  maxPool2d: ([x], o) => batched(x!, 4, (x4) => conv.maxPool2d(x4, poolGeom(o)).y),
  avgPool2d: ([x], o) => batched(x!, 4, (x4) => conv.avgPool2d(x4, poolGeom(o, false),
    (o.countIncludePad as boolean | undefined) ?? true, (o.divisorOverride as number | undefined) ?? 0)),
  adaptiveAvgPool2d: ([x], o) => batched(x!, 4, (x4) => {
    const s = typeof o.outputSize === 'number' ? [o.outputSize, o.outputSize] : o.outputSize as (number | null)[];
    return conv.adaptiveAvgPool2d(x4, s[0] ?? x4.shape[2], s[1] ?? x4.shape[3]);
  }),
  batchNorm: ([x, rm, rv, w, b], o) => conv.batchNorm(x!, vec(rm), vec(rv), vec(w), vec(b), (o.training as boolean | undefined) ?? false,
    (o.momentum as number | undefined) ?? 0.1, (o.eps as number | undefined) ?? 1e-5).y,
  layerNorm: ([x, w, b], o) => {
    const ns = typeof o.normalizedShape === 'number' ? [o.normalizedShape] : o.normalizedShape as number[];
    return conv.layerNorm(x!, numel(ns), vec(w), vec(b), (o.eps as number | undefined) ?? 1e-5);
  },
  groupNorm: ([x, w, b], o) => rs.groupNorm(x!, o.numGroups as number, vec(w), vec(b), (o.eps as number | undefined) ?? 1e-5),
  interpolate: ([x], o) => {
    const [H, W] = x!.shape.slice(2);
    const sf = o.scaleFactor === undefined ? null : pair(o.scaleFactor, 1);
    const out: [number, number] = sf ? [Math.floor(H * sf[0]), Math.floor(W * sf[1])] : pair(o.size, 1);
    return rs.interpolate(x!, { mode: (o.mode as 'nearest' | 'bilinear' | undefined) ?? 'nearest', out,
      alignCorners: (o.alignCorners as boolean | undefined) ?? false, factors: sf && !o.recomputeScaleFactor ? sf : null });
  },
  scaledDotProductAttention: ([q, k, v, m], o) => attention(q!, k!, v!, { mask: m, causal: o.isCausal as boolean | undefined, scale: o.scale as number | null | undefined }),
  softmax: ([x], o) => nn.softmax(x!, normDim((o.dim as number | undefined) ?? -1, x!.shape.length)),
  logSoftmax: ([x], o) => nn.softmax(x!, normDim((o.dim as number | undefined) ?? -1, x!.shape.length), true),
  crossEntropy: ([x, t, w], o) => {
    const probs = t!.shape.length === x!.shape.length;
    const unbatched = x!.shape.length === 1;
    const xb = unbatched ? { shape: [1, ...x!.shape], data: x!.data } : x!;
    const tb = unbatched ? { shape: [1, ...t!.shape], data: t!.data } : t!;
    const loss = nn.crossEntropy(xb, tb, probs, { ...o, weight: w ?? undefined } as nn.CeOpts).loss;
    return unbatched && o.reduction === 'none' ? { shape: [], data: loss.data } : loss;
  },
  gather: ([x, i], o) => nn.gather(x!, normDim(o.dim as number, x!.shape.length), i!),
  scatterAdd: ([x, i, s], o) => nn.scatterAdd(x!, normDim(o.dim as number, x!.shape.length), i!, s!),
  indexSelect: ([x, i], o) => nn.indexSelect(x!, normDim(o.dim as number, x!.shape.length), i!),
};

// ---- elementwise: the float64 value of each op on float32 inputs ----

const f32 = Math.fround;
const BINARY_F: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, pow: (a, b) => a ** b,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)), atan2: Math.atan2,
  eq: (a, b) => Number(a === b), ne: (a, b) => Number(a !== b), lt: (a, b) => Number(a < b), le: (a, b) => Number(a <= b),
  gt: (a, b) => Number(a > b), ge: (a, b) => Number(a >= b),
  logicalAnd: (a, b) => Number(a !== 0 && b !== 0), logicalOr: (a, b) => Number(a !== 0 || b !== 0),
  // Python's // and % on the exact values (JS % is the exact fmod).
  floorDivide: (a, b) => (b === 0 ? a / b : Math.floor((a - (a % b)) / b) - (a % b !== 0 && (b < 0) !== (a % b < 0) ? 1 : 0)),
  remainder: (a, b) => { const m = a % b; return m !== 0 && (b < 0) !== (m < 0) ? m + b : m; },
};
/** Integer results of integer inputs wrap like int32 C arithmetic would not: the samples keep them small. */
for (const [name, f] of Object.entries(BINARY_F)) {
  OP_REFERENCES[name] = ([a, b]) => nd.binary(a!, b!, (x, y) => f(x, y));
}

const UNARY_F: Record<string, (x: number, o: Opts) => number> = {
  neg: (x) => -x, abs: Math.abs, exp: Math.exp, log: Math.log, sqrt: Math.sqrt, rsqrt: (x) => 1 / Math.sqrt(x),
  relu: (x) => Math.max(x, 0), leakyRelu: (x, o) => (x > 0 ? x : (o.negativeSlope as number) * x),
  elu: (x, o) => (x > 0 ? x : (o.alpha as number) * Math.expm1(x)), gelu: nd.gelu,
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  silu: (x) => x * nd.sigmoid(x), sigmoid: nd.sigmoid, tanh: Math.tanh,
  softplus: (x, o) => { const b = o.beta as number; return b * x > (o.threshold as number) ? x : Math.log1p(Math.exp(b * x)) / b; },
  clamp: (x, o) => Math.min(Math.max(x, o.min as number), o.max as number), powScalar: (x, o) => x ** (o.exponent as number),
  square: (x) => x * x, sin: Math.sin, cos: Math.cos, reciprocal: (x) => 1 / x, sign: Math.sign,
  floor: Math.floor, ceil: Math.ceil, round: (x) => { const r = Math.round(x); return Math.abs(x % 1) === 0.5 && r % 2 ? r - 1 : r; },
  affine: (x, o) => f32(x * (o.scale as number)) + (o.shift as number), log1p: Math.log1p, expm1: Math.expm1,
  logicalNot: (x) => Number(x === 0),
};
for (const [name, f] of Object.entries(UNARY_F)) {
  OP_REFERENCES[name] = ([x], o) => nd.unary(x!, (v) => f(v, o));
}
