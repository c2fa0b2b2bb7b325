/** 2-D pooling on the native kernels (native/cpu/pool): maxPool2d (with indices),
 * avgPool2d and adaptiveAvgPool2d, with PyTorch's argument names and output sizes. */
import { native, args } from '../native';
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { checkFloat, checkInt, intPair, type IntPair } from './conv';

export interface MaxPool2dOptions {
  /** Defaults to kernelSize. */
  stride?: IntPair | null;
  padding?: IntPair;
  dilation?: IntPair;
  ceilMode?: boolean;
}

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

/** PyTorch's pooling output size (the last window must start inside input or left padding). */
function poolOut(i: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const num = i + 2 * p - d * (k - 1) - 1;
  let o = Math.floor((ceil ? num + s - 1 : num) / s) + 1;
  if (ceil && (o - 1) * s >= i + p) o--;
  return o;
}

interface Window { k: [number, number]; s: [number, number]; p: [number, number]; d: [number, number]; ceil: boolean; OH: number; OW: number }

function window(op: string, x: Tensor, kernelSize: IntPair, stride: IntPair | null | undefined, padding: IntPair | undefined,
  dilation: IntPair | undefined, ceilMode: boolean | undefined): Window {
  if (x.ndim !== 4 && x.ndim !== 3) throw rangeError(op, `input must be 3-D (C, H, W) or 4-D (N, C, H, W), got ${fmtShape(x.shape)}`);
  const k = intPair(op, 'kernelSize', kernelSize, 1);
  const s = stride === undefined || stride === null ? k : intPair(op, 'stride', stride, 1);
  const p = intPair(op, 'padding', padding ?? 0, 0), d = intPair(op, 'dilation', dilation ?? 1, 1);
  if (ceilMode !== undefined && typeof ceilMode !== 'boolean') throw typeError(op, `ceilMode must be a boolean, got ${typeof ceilMode}`);
  if (p[0] > k[0] >> 1 || p[1] > k[1] >> 1) {
    throw rangeError(op, `padding ${fmtShape(p)} must be at most half of kernelSize ${fmtShape(k)}`);
  }
  const H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1], ceil = ceilMode ?? false;
  const OH = poolOut(H, k[0], s[0], p[0], d[0], ceil), OW = poolOut(W, k[1], s[1], p[1], d[1], ceil);
  if (OH < 1 || OW < 1) {
    throw rangeError(op, `input ${fmtShape(x.shape)} is too small for kernelSize ${fmtShape(k)} (output size ${fmtShape([OH, OW])})`);
  }
  return { k, s, p, d, ceil, OH, OW };
}

const batched = (x: Tensor): Tensor => contig(x.ndim === 4 ? x : x.unsqueeze(0));
const unbatch = (x: Tensor, like: Tensor): Tensor => (like.ndim === 4 ? x : x.squeeze(0));

/**
 * Max pooling over x [N, C, H, W] (or [C, H, W]) like torch.nn.functional.max_pool2d.
 * With `returnIndices`, also returns the int32 position of each maximum in its input
 * plane (h * W + w).
 * @example const y = maxPool2d(randn([8, 16, 32, 32]), 2);  // [8, 16, 16, 16]
 */
export function maxPool2d(input: Tensor, kernelSize: IntPair, opts?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(input: Tensor, kernelSize: IntPair, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: IntPair, opts: MaxPool2dOptions & { returnIndices?: boolean } = {}): Tensor | [Tensor, Tensor] {
  const op = 'maxPool2d';
  const x0 = checkFloat(op, input, 'input');
  const w = window(op, x0, kernelSize, opts.stride, opts.padding, opts.dilation, opts.ceilMode);
  const x = batched(x0);
  const [N, C] = x.shape;
  const out = Tensor.empty([N, C, w.OH, w.OW], 'float32', x.device), idx = Tensor.empty([N, C, w.OH, w.OW], 'int32', x.device);
  args.reset().num(w.k[0]).num(w.k[1]).num(w.s[0]).num(w.s[1]).num(w.p[0]).num(w.p[1]).num(w.d[0]).num(w.d[1])
    .num(w.ceil ? 1 : 0).view(out).view(idx).view(x);
  x.kernels.maxPool2dForward(out.handle(op), idx.handle(op), x.handle(op));
  if (isGradEnabled() && x.requiresGrad) {
    record(op, out, [x], (g) => {
      const dx = Tensor.empty(x.shape, 'float32', x.device), dy = contig(g);
      args.reset().view(dx).view(dy).view(idx);
      x.kernels.maxPool2dBackward(dx.handle(op), dy.handle(op), idx.handle(op));
      return [dx];
    });
  }
  const y = unbatch(out, x0);
  return opts.returnIndices ? [y, unbatch(idx, x0)] : y;
}

/**
 * Average pooling over x [N, C, H, W] (or [C, H, W]) like torch.nn.functional.avg_pool2d.
 * @example const y = avgPool2d(randn([8, 16, 32, 32]), 3, { stride: 2, padding: 1 });  // [8, 16, 16, 16]
 */
export function avgPool2d(input: Tensor, kernelSize: IntPair, opts: AvgPool2dOptions = {}): Tensor {
  const op = 'avgPool2d';
  const x0 = checkFloat(op, input, 'input');
  const w = window(op, x0, kernelSize, opts.stride, opts.padding, 1, opts.ceilMode);
  const cip = opts.countIncludePad ?? true;
  if (typeof cip !== 'boolean') throw typeError(op, `countIncludePad must be a boolean, got ${typeof cip}`);
  const div = opts.divisorOverride === undefined || opts.divisorOverride === null ? 0 : checkInt(op, 'divisorOverride', opts.divisorOverride, 1);
  const x = batched(x0);
  const [N, C] = x.shape;
  const params = (): void => {
    args.reset().num(w.k[0]).num(w.k[1]).num(w.s[0]).num(w.s[1]).num(w.p[0]).num(w.p[1]).num(w.ceil ? 1 : 0)
      .num(cip ? 1 : 0).num(div);
  };
  const out = Tensor.empty([N, C, w.OH, w.OW], 'float32', x.device);
  params();
  args.view(out).view(x);
  x.kernels.avgPool2dForward(out.handle(op), x.handle(op));
  if (isGradEnabled() && x.requiresGrad) {
    record(op, out, [x], (g) => {
      const dx = Tensor.empty(x.shape, 'float32', x.device), dy = contig(g);
      params();
      args.view(dx).view(dy);
      x.kernels.avgPool2dBackward(dx.handle(op), dy.handle(op));
      return [dx];
    });
  }
  return unbatch(out, x0);
}

/**
 * Adaptive average pooling to a fixed output size, like
 * torch.nn.functional.adaptive_avg_pool2d (a null size keeps that input dimension).
 * @example const y = adaptiveAvgPool2d(randn([8, 512, 7, 7]), 1);  // [8, 512, 1, 1]
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | [number | null, number | null]): Tensor {
  const op = 'adaptiveAvgPool2d';
  const x0 = checkFloat(op, input, 'input');
  if (x0.ndim !== 4 && x0.ndim !== 3) throw rangeError(op, `input must be 3-D (C, H, W) or 4-D (N, C, H, W), got ${fmtShape(x0.shape)}`);
  const H = x0.shape[x0.ndim - 2], W = x0.shape[x0.ndim - 1];
  const sizes = typeof outputSize === 'number' ? [outputSize, outputSize] : Array.isArray(outputSize) && outputSize.length === 2 ? outputSize : null;
  if (!sizes) throw typeError(op, `outputSize must be an integer or a pair, got ${JSON.stringify(outputSize)}`);
  const OH = sizes[0] === null ? H : checkInt(op, 'outputSize', sizes[0], 1);
  const OW = sizes[1] === null ? W : checkInt(op, 'outputSize', sizes[1], 1);
  if (H < 1 || W < 1) throw rangeError(op, `input ${fmtShape(x0.shape)} must have non-empty spatial dims`);
  const x = batched(x0);
  const out = Tensor.empty([x.shape[0], x.shape[1], OH, OW], 'float32', x.device);
  args.reset().view(out).view(x);
  x.kernels.adaptiveAvgPool2dForward(out.handle(op), x.handle(op));
  if (isGradEnabled() && x.requiresGrad) {
    record(op, out, [x], (g) => {
      const dx = Tensor.empty(x.shape, 'float32', x.device), dy = contig(g);
      args.reset().view(dx).view(dy);
      x.kernels.adaptiveAvgPool2dBackward(dx.handle(op), dy.handle(op));
      return [dx];
    });
  }
  return unbatch(out, x0);
}
