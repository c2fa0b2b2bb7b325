/** 2-D pooling on the native kernels (native/cpu/pool): maxPool2d (with indices),
 * avgPool2d and adaptiveAvgPool2d, with PyTorch's argument names and output sizes. */
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { checkInt, intPair, type IntPair } from './conv';
import { dispatch } from './kernels';
import { defineOp, bool, raw, type OpSample } from './table';
import { rand, tensor } from './creation';
import { declareKernels, BOTH, type KernelsOf } from './kernels';

// ---- the native bindings of this family (native/binding/pool.cpp): see KERNELS in ./kernels ----
const AVGPOOL = ['kH', 'kW', 'strideH', 'strideW', 'padH', 'padW', 'ceilMode', 'countIncludePad', 'divisorOverride'] as const;
const POOL_KERNELS = declareKernels({
  maxPool2dForward: { params: ['kH', 'kW', 'strideH', 'strideW', 'padH', 'padW', 'dilH', 'dilW', 'ceilMode'], tensors: ['y', 'idx', 'x'], devices: BOTH },
  maxPool2dBackward: { params: [], tensors: ['dx', 'dy', 'idx'], devices: BOTH },
  avgPool2dForward: { params: AVGPOOL, tensors: ['y', 'x'], devices: BOTH },
  avgPool2dBackward: { params: AVGPOOL, tensors: ['dx', 'dy'], devices: BOTH },
  adaptiveAvgPool2dForward: { params: [], tensors: ['y', 'x'], devices: BOTH },
  adaptiveAvgPool2dBackward: { params: [], tensors: ['dx', 'dy'], devices: BOTH },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof POOL_KERNELS> {} }


/**
 * Options of `maxPool2d`.
 * @example
 * const opts: MaxPool2dOptions = { stride: 2, padding: 1 };
 * const y = maxPool2d(randn([1, 4, 8, 8]), 3, opts);   // [1, 4, 4, 4]
 */
export interface MaxPool2dOptions {
  /** Defaults to kernelSize. */
  stride?: IntPair | null;
  padding?: IntPair;
  dilation?: IntPair;
  ceilMode?: boolean;
}

/**
 * Options of `avgPool2d`.
 * @example
 * const opts: AvgPool2dOptions = { stride: 2 };
 * const y = avgPool2d(randn([1, 4, 8, 8]), 2, opts);   // [1, 4, 4, 4]
 */
export interface AvgPool2dOptions {
  stride?: IntPair | null;
  padding?: IntPair;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (PyTorch's default: true). */
  countIncludePad?: boolean;
  /** When set, the divisor of every window. */
  divisorOverride?: number | null;
}

const contig = (t: Tensor): Tensor => (t.isContiguous() ? t : t.contiguous());
const F32 = ['float32'] as const;
const INPUT = [{ name: 'input', dtypes: F32, ranks: [3, 4], layouts: ['(C, H, W)', '(N, C, H, W)'] }] as const;

/** PyTorch's pooling output size (the last window must start inside input or left padding). */
function poolOut(i: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const num = i + 2 * p - d * (k - 1) - 1;
  let o = Math.floor((ceil ? num + s - 1 : num) / s) + 1;
  if (ceil && (o - 1) * s >= i + p) o--;
  return o;
}

interface Window { k: [number, number]; s: [number, number]; p: [number, number]; d: [number, number]; ceil: boolean; OH: number; OW: number }

interface WindowOptions { kernelSize: IntPair; stride: IntPair | null; padding: IntPair; dilation: IntPair; ceilMode: boolean }

function window(op: string, x: Tensor, o: WindowOptions): Window {
  const k = intPair(op, 'kernelSize', o.kernelSize, 1);
  const s = o.stride === null ? k : intPair(op, 'stride', o.stride, 1);
  const p = intPair(op, 'padding', o.padding, 0), d = intPair(op, 'dilation', o.dilation, 1);
  if (p[0] > k[0] >> 1 || p[1] > k[1] >> 1) {
    throw rangeError(op, `padding ${fmtShape(p)} must be at most half of kernelSize ${fmtShape(k)}`);
  }
  const H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1];
  const OH = poolOut(H, k[0], s[0], p[0], d[0], o.ceilMode), OW = poolOut(W, k[1], s[1], p[1], d[1], o.ceilMode);
  if (OH < 1 || OW < 1) {
    throw rangeError(op, `input ${fmtShape(x.shape)} is too small for kernelSize ${fmtShape(k)} (output size ${fmtShape([OH, OW])})`);
  }
  return { k, s, p, d, ceil: o.ceilMode, OH, OW };
}

const batched = (x: Tensor): Tensor => contig(x.ndim === 4 ? x : x.unsqueeze(0));
const unbatch = (x: Tensor, like: Tensor): Tensor => (like.ndim === 4 ? x : x.squeeze(0));
const windowOptions = {
  kernelSize: raw<IntPair>(1), stride: raw<IntPair | null>(null), padding: raw<IntPair>(0), dilation: raw<IntPair>(1),
  ceilMode: bool('ceilMode', false),
};
/**
 * Values 0.1 apart in random order (a max is then never a near-tie, so finite differences
 * with steps below 0.05 see the same argmax).
 */
function distinct(shape: number[]): Tensor {
  const keys = rand([shape.reduce((a, b) => a * b, 1)]).dataSync();
  const order = Array.from(keys.keys()).sort((i, j) => keys[i] - keys[j]);
  const vals = new Float32Array(order.length);
  order.forEach((k, rank) => { vals[k] = (rank - order.length / 2) * 0.1; });
  return tensor(vals, { shape });
}

/** Pooling samples: odd sizes, unbatched, a strided view, an empty batch, padding, ceil mode. */
const poolSamples = (extra: Record<string, unknown> = {}): OpSample[] => [
  { note: 'k2', inputs: [distinct([2, 3, 6, 7])], options: { kernelSize: 2, ...extra } },
  { note: 'k3 s2 p1 ceil, unbatched', inputs: [distinct([3, 9, 8])], options: { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, ...extra } },
  { note: 'non-contiguous', inputs: [distinct([2, 5, 4, 3]).transpose(1, 3)], options: { kernelSize: [2, 1], ...extra } },
  { note: 'empty batch', inputs: [distinct([0, 2, 4, 4])], options: { kernelSize: 2, ...extra } },
  { note: '1x1', inputs: [distinct([1, 1, 1, 1])], options: { kernelSize: 1, ...extra } },
];

interface MaxPoolSaved { x: Tensor; idx: Tensor }
const maxPool2dOp = defineOp<WindowOptions, MaxPoolSaved>({
  name: 'maxPool2d',
  kernels: ['maxPool2dForward', 'maxPool2dBackward'],
  inputs: INPUT,
  options: windowOptions,
  forward(ctx, [x0], o) {
    const w = window('maxPool2d', x0!, o), x = batched(x0!);
    const [N, C] = x.shape;
    const out = Tensor.empty([N, C, w.OH, w.OW], 'float32', x.device), idx = Tensor.empty([N, C, w.OH, w.OW], 'int32', x.device);
    dispatch('maxPool2dForward').num(w.k[0]).num(w.k[1]).num(w.s[0]).num(w.s[1]).num(w.p[0]).num(w.p[1]).num(w.d[0]).num(w.d[1])
      .num(w.ceil ? 1 : 0).t(out).t(idx).t(x).run();
    ctx.saved = { x, idx };
    ctx.aux.push(x0!.ndim === 4 ? idx.detach() : idx.squeeze(0));
    return unbatch(out, x0!);
  },
  backward({ saved: { x, idx } }, g, [x0]) {
    const dx = Tensor.empty(x.shape, 'float32', x.device), dy = contig(g.ndim === 4 ? g : g.unsqueeze(0));
    dispatch('maxPool2dBackward').t(dx).t(dy).t(idx).run();
    return [unbatch(dx, x0!)];
  },
  samples: () => [...poolSamples(), { note: 'dilation 2', inputs: [distinct([1, 2, 7, 7])], options: { kernelSize: 2, dilation: 2 } }],
});

/**
 * Max pooling over x [N, C, H, W] (or [C, H, W]) like torch.nn.functional.max_pool2d.
 * With `returnIndices`, also returns the int32 position of each maximum in its input
 * plane (h * W + w).
 * @example const y = maxPool2d(randn([8, 16, 32, 32]), 2);  // [8, 16, 16, 16]
 */
export function maxPool2d(input: Tensor, kernelSize: IntPair, opts?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(input: Tensor, kernelSize: IntPair, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: IntPair, opts: MaxPool2dOptions & { returnIndices?: boolean } = {}): Tensor | [Tensor, Tensor] {
  if (opts === null || typeof opts !== 'object') throw typeError('maxPool2d', `options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  const { returnIndices, ...rest } = opts;
  const aux: Tensor[] = [];
  const y = maxPool2dOp([input], { ...rest, kernelSize }, aux);
  if (returnIndices) return [y, aux[0]];
  aux[0].dispose();
  return y;
}

interface AvgPoolOptions extends Omit<WindowOptions, 'dilation'> { countIncludePad: boolean; divisorOverride: number | null }
interface AvgPoolSaved { x: Tensor; params: number[] }
const avgPool2dOp = defineOp<AvgPoolOptions, AvgPoolSaved>({
  name: 'avgPool2d',
  kernels: ['avgPool2dForward', 'avgPool2dBackward'],
  inputs: INPUT,
  options: {
    kernelSize: windowOptions.kernelSize, stride: windowOptions.stride, padding: windowOptions.padding,
    ceilMode: windowOptions.ceilMode, countIncludePad: bool('countIncludePad', true),
    divisorOverride: (op, v) => (v === undefined || v === null ? null : checkInt(op, 'divisorOverride', v, 1)),
  },
  forward(ctx, [x0], o) {
    const w = window('avgPool2d', x0!, { ...o, dilation: 1 }), x = batched(x0!);
    const params = [w.k[0], w.k[1], w.s[0], w.s[1], w.p[0], w.p[1], w.ceil ? 1 : 0, o.countIncludePad ? 1 : 0, o.divisorOverride ?? 0];
    const out = Tensor.empty([x.shape[0], x.shape[1], w.OH, w.OW], 'float32', x.device);
    const call = dispatch('avgPool2dForward');
    for (const p of params) call.num(p);
    call.t(out).t(x).run();
    ctx.saved = { x, params };
    return unbatch(out, x0!);
  },
  backward({ saved: { x, params } }, g, [x0]) {
    const dx = Tensor.empty(x.shape, 'float32', x.device), dy = contig(g.ndim === 4 ? g : g.unsqueeze(0));
    const call = dispatch('avgPool2dBackward');
    for (const p of params) call.num(p);
    call.t(dx).t(dy).run();
    return [unbatch(dx, x0!)];
  },
  samples: () => [...poolSamples(), ...poolSamples({ countIncludePad: false }).slice(1, 2),
    { note: 'divisorOverride', inputs: [distinct([2, 2, 5, 5])], options: { kernelSize: 3, padding: 1, divisorOverride: 4 } }],
});

/**
 * Average pooling over x [N, C, H, W] (or [C, H, W]) like torch.nn.functional.avg_pool2d.
 * @example const y = avgPool2d(randn([8, 16, 32, 32]), 3, { stride: 2, padding: 1 });  // [8, 16, 16, 16]
 */
export function avgPool2d(input: Tensor, kernelSize: IntPair, opts: AvgPool2dOptions = {}): Tensor {
  if (opts === null || typeof opts !== 'object') throw typeError('avgPool2d', `options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  return avgPool2dOp([input], { ...opts, kernelSize });
}

type OutputSize = number | [number | null, number | null];
const adaptiveAvgPool2dOp = defineOp<{ outputSize: OutputSize }, Tensor>({
  name: 'adaptiveAvgPool2d',
  kernels: ['adaptiveAvgPool2dForward', 'adaptiveAvgPool2dBackward'],
  inputs: INPUT,
  options: { outputSize: raw<OutputSize>(1) },
  forward(ctx, [x0], { outputSize }) {
    const op = 'adaptiveAvgPool2d';
    const H = x0!.shape[x0!.ndim - 2], W = x0!.shape[x0!.ndim - 1];
    const sizes = typeof outputSize === 'number' ? [outputSize, outputSize] : Array.isArray(outputSize) && outputSize.length === 2 ? outputSize : null;
    if (!sizes) throw typeError(op, `outputSize must be an integer or a pair, got ${JSON.stringify(outputSize)}`);
    const OH = sizes[0] === null ? H : checkInt(op, 'outputSize', sizes[0], 1);
    const OW = sizes[1] === null ? W : checkInt(op, 'outputSize', sizes[1], 1);
    if (H < 1 || W < 1) throw rangeError(op, `input ${fmtShape(x0!.shape)} must have non-empty spatial dims`);
    const x = batched(x0!);
    const out = Tensor.empty([x.shape[0], x.shape[1], OH, OW], 'float32', x.device);
    dispatch('adaptiveAvgPool2dForward').t(out).t(x).run();
    ctx.saved = x;
    return unbatch(out, x0!);
  },
  backward({ saved: x }, g, [x0]) {
    const dx = Tensor.empty(x.shape, 'float32', x.device), dy = contig(g.ndim === 4 ? g : g.unsqueeze(0));
    dispatch('adaptiveAvgPool2dBackward').t(dx).t(dy).run();
    return [unbatch(dx, x0!)];
  },
  samples: () => [
    { note: 'to 1', inputs: [distinct([2, 3, 5, 7])], options: { outputSize: 1 } },
    { note: 'to 3x2, overlapping windows', inputs: [distinct([2, 3, 7, 5])], options: { outputSize: [3, 2] } },
    { note: 'keep width, unbatched, non-contiguous', inputs: [distinct([6, 4, 3]).transpose(1, 2)], options: { outputSize: [2, null] } },
    { note: 'empty batch', inputs: [distinct([0, 2, 4, 4])], options: { outputSize: 2 } },
  ],
});

/**
 * Adaptive average pooling to a fixed output size, like
 * torch.nn.functional.adaptive_avg_pool2d (a null size keeps that input dimension).
 * @example const y = adaptiveAvgPool2d(randn([8, 512, 7, 7]), 1);  // [8, 512, 1, 1]
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: OutputSize): Tensor {
  return adaptiveAvgPool2dOp([input], { outputSize });
}
