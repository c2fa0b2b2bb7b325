/** Convolutions on the native kernels (native/cpu/conv): conv1d, conv2d, convTranspose2d,
 * with PyTorch's argument names and semantics; each backward is two native calls. */
import { native, args } from '../native';
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { checkTensor } from './util';
import { where } from './elementwise';

/** An int or a [height, width] pair, as PyTorch's `_pair` arguments. */
export type IntPair = number | [number, number];

/** Kernel choices (NOTE: codes shared with native/cpu/conv.h ConvAlgo). */
export type ConvAlgorithm = 'auto' | 'gemm1x1' | 'im2col' | 'depthwise' | 'reference' | 'implicit' | 'winograd';
const ALGO_CODE: Record<ConvAlgorithm, number> = { auto: -1, gemm1x1: 0, im2col: 1, depthwise: 2, reference: 3, implicit: 4, winograd: 5 };
const ALGO_NAME: ConvAlgorithm[] = ['gemm1x1', 'im2col', 'depthwise', 'reference', 'implicit', 'winograd'];

export interface ConvAlgorithmsUsed { forward?: ConvAlgorithm; backwardInput?: ConvAlgorithm; backwardWeight?: ConvAlgorithm }
let lastUsed: ConvAlgorithmsUsed = {};
/** The kernels the most recent convolution forward / backward calls ran (for tests and tuning). */
export function lastConvAlgorithms(): ConvAlgorithmsUsed { return { ...lastUsed }; }

export interface Conv2dOptions {
  stride?: IntPair;
  /** Zero padding per side, or 'valid' (none) or 'same' (output size = input size; stride 1). */
  padding?: IntPair | 'same' | 'valid';
  dilation?: IntPair;
  groups?: number;
  /** tensorforge extension: 'relu' fuses a ReLU into the kernel's epilogue. */
  activation?: 'none' | 'relu';
  /** Forces a kernel ('auto' lets the chooser pick); for tests and benchmarks. */
  algorithm?: ConvAlgorithm;
}

export interface ConvTranspose2dOptions {
  stride?: IntPair;
  padding?: IntPair;
  outputPadding?: IntPair;
  groups?: number;
  dilation?: IntPair;
  algorithm?: ConvAlgorithm;
}

/** Validates an int or pair argument (each value >= min). */
export function intPair(op: string, arg: string, v: unknown, min: number): [number, number] {
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (!p || !p.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    throw typeError(op, `${arg} must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
  }
  if (p[0] < min || p[1] < min) throw rangeError(op, `${arg} must be >= ${min}, got ${JSON.stringify(v)}`);
  return [p[0], p[1]];
}

export function checkInt(op: string, arg: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(op, `${arg} must be an integer, got ${JSON.stringify(v)}`);
  if (v < min) throw rangeError(op, `${arg} must be >= ${min}, got ${v}`);
  return v;
}

/** A float32 CPU tensor argument (TypeError otherwise). */
export function checkFloat(op: string, x: unknown, arg: string): Tensor {
  const t = checkTensor(op, x, arg);
  if (t.dtype !== 'float32') throw typeError(op, `${arg} must be float32, got ${t.dtype}`);
  if (t.device !== 'cpu') throw typeError(op, `${arg} is on ${t.device}; these kernels run on cpu`);
  return t;
}

const contig = (t: Tensor): Tensor => (t.isContiguous() ? t : t.contiguous());

interface Geometry { stride: [number, number]; pad: [number, number, number, number]; dilation: [number, number]; groups: number; algo: number }

function writeGeometry(g: Geometry): void {
  args.num(g.algo).num(g.stride[0]).num(g.stride[1]).num(g.pad[0]).num(g.pad[1]).num(g.pad[2]).num(g.pad[3])
    .num(g.dilation[0]).num(g.dilation[1]).num(g.groups);
}

function algoOf(op: string, a: unknown): number {
  const code = ALGO_CODE[(a ?? 'auto') as ConvAlgorithm];
  if (code === undefined) throw rangeError(op, `algorithm must be one of ${Object.keys(ALGO_CODE).join(', ')}, got ${String(a)}`);
  return code;
}

function checkBias(op: string, bias: Tensor | null | undefined, n: number): Tensor | null {
  if (bias === null || bias === undefined) return null;
  const b = checkFloat(op, bias, 'bias');
  if (b.ndim !== 1 || b.shape[0] !== n) throw rangeError(op, `bias must have shape [${n}], got ${fmtShape(b.shape)}`);
  return contig(b);
}

/** 2-D convolution of a 4-D input (batched); shapes already checked by the callers. */
function conv2dCore(op: string, xIn: Tensor, wIn: Tensor, bias: Tensor | null, g: Geometry, relu: boolean): Tensor {
  const x = contig(xIn), w = contig(wIn);
  const [N, , H, W] = x.shape, [OC, , KH, KW] = w.shape;
  const OH = Math.floor((H + g.pad[0] + g.pad[1] - g.dilation[0] * (KH - 1) - 1) / g.stride[0]) + 1;
  const OW = Math.floor((W + g.pad[2] + g.pad[3] - g.dilation[1] * (KW - 1) - 1) / g.stride[1]) + 1;
  if (OH < 1 || OW < 1) {
    throw rangeError(op, `input ${fmtShape(x.shape)} (padded by ${fmtShape(g.pad)}) is smaller than the kernel ` +
      `${fmtShape([KH, KW])} with dilation ${fmtShape(g.dilation)}`);
  }
  const out = Tensor.empty([N, OC, OH, OW], 'float32', x.device);
  args.reset();
  writeGeometry(g);
  args.num(relu ? 1 : 0).num(bias ? 1 : 0).view(out).view(x).view(w);
  if (bias) args.view(bias);
  lastUsed = { forward: ALGO_NAME[x.kernels.conv2dForward(out.handle(op), x.handle(op), w.handle(op), bias ? bias.handle(op) : undefined)] };
  const inputs = bias ? [x, w, bias] : [x, w];
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    record(op, out, inputs, (gradIn) => {
      const dy = contig(relu ? where(out.gt(0), gradIn, 0) : gradIn);
      let dx: Tensor | null = null, dw: Tensor | null = null, db: Tensor | null = null;
      if (x.requiresGrad) {
        dx = Tensor.empty(x.shape, 'float32', x.device);
        args.reset();
        writeGeometry(g);
        args.view(dx).view(dy).view(w);
        lastUsed.backwardInput = ALGO_NAME[x.kernels.conv2dBackwardInput(dx.handle(op), dy.handle(op), w.handle(op))];
      }
      if (w.requiresGrad) {
        dw = Tensor.empty(w.shape, 'float32', x.device);
        db = bias && bias.requiresGrad ? Tensor.empty([OC], 'float32', x.device) : null;
        args.reset();
        writeGeometry(g);
        args.num(db ? 1 : 0).view(dw).view(dy).view(x);
        if (db) args.view(db);
        lastUsed.backwardWeight = ALGO_NAME[x.kernels.conv2dBackwardWeight(dw.handle(op), dy.handle(op), x.handle(op), db ? db.handle(op) : undefined)];
      } else if (bias && bias.requiresGrad) {
        db = dy.sum([0, 2, 3]);
      }
      return [dx, dw, db];
    });
  }
  return out;
}

/** Shared argument checks of conv1d/conv2d; returns the geometry for the 2-D kernel. */
function convArgs(op: string, x: Tensor, w: Tensor, spatial: 1 | 2, opts: Conv2dOptions): Geometry {
  const nd = spatial + 2;
  if (x.ndim !== nd && x.ndim !== nd - 1) {
    throw rangeError(op, `input must be ${nd - 1}-D (unbatched) or ${nd}-D (batched), got shape ${fmtShape(x.shape)}`);
  }
  if (w.ndim !== nd) throw rangeError(op, `weight must be ${nd}-D [out_channels, in_channels/groups, ...kernel], got ${fmtShape(w.shape)}`);
  const groups = checkInt(op, 'groups', opts.groups ?? 1, 1);
  const C = x.shape[x.ndim - spatial - 1];
  if (w.shape[1] * groups !== C) {
    throw rangeError(op, `input ${fmtShape(x.shape)} has ${C} channels but weight ${fmtShape(w.shape)} with groups=${groups} expects ${w.shape[1] * groups}`);
  }
  if (w.shape[0] % groups !== 0) throw rangeError(op, `out_channels ${w.shape[0]} (weight ${fmtShape(w.shape)}) must be divisible by groups=${groups}`);
  if (w.numel === 0) throw rangeError(op, `weight must not be empty, got ${fmtShape(w.shape)}`);
  const expand = (arg: string, v: unknown, min: number): [number, number] =>
    spatial === 2 ? intPair(op, arg, v, min) : [min === 1 ? 1 : 0, checkInt(op, arg, Array.isArray(v) && v.length === 1 ? v[0] : v, min)];
  const stride = expand('stride', opts.stride ?? 1, 1), dilation = expand('dilation', opts.dilation ?? 1, 1);
  const k = spatial === 2 ? [w.shape[2], w.shape[3]] : [1, w.shape[2]];
  let pad: [number, number, number, number];
  if (opts.padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw rangeError(op, `padding='same' needs stride 1, got ${JSON.stringify(opts.stride)}`);
    // PyTorch: total = dilation * (k - 1); the extra odd pixel goes to the bottom/right.
    const th = dilation[0] * (k[0] - 1), tw = dilation[1] * (k[1] - 1);
    pad = [th >> 1, th - (th >> 1), tw >> 1, tw - (tw >> 1)];
  } else if (opts.padding === 'valid') {
    pad = [0, 0, 0, 0];
  } else {
    const p = expand('padding', opts.padding ?? 0, 0);
    pad = [p[0], p[0], p[1], p[1]];
  }
  if (opts.activation !== undefined && opts.activation !== 'none' && opts.activation !== 'relu') {
    throw rangeError(op, `activation must be 'none' or 'relu', got ${String(opts.activation)}`);
  }
  return { stride, pad, dilation, groups, algo: algoOf(op, opts.algorithm) };
}

/**
 * 2-D convolution over x [N, C, H, W] (or unbatched [C, H, W]) with weight
 * [outChannels, C/groups, kH, kW], like torch.nn.functional.conv2d.
 * @example const y = conv2d(randn([8, 3, 32, 32]), randn([16, 3, 3, 3]), null, { padding: 1 });  // [8, 16, 32, 32]
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  const x = checkFloat(op, input, 'input'), w = checkFloat(op, weight, 'weight');
  const g = convArgs(op, x, w, 2, opts);
  const b = checkBias(op, bias, w.shape[0]);
  const batched = x.ndim === 4;
  const out = conv2dCore(op, batched ? x : x.unsqueeze(0), w, b, g, opts.activation === 'relu');
  return batched ? out : out.squeeze(0);
}

/**
 * 1-D convolution over x [N, C, L] (or [C, L]) with weight [outChannels, C/groups, k],
 * like torch.nn.functional.conv1d (run as a 2-D convolution of height 1).
 * @example const y = conv1d(randn([4, 2, 50]), randn([6, 2, 5]), null, { padding: 'same' });  // [4, 6, 50]
 */
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Omit<Conv2dOptions, 'stride' | 'padding' | 'dilation'> & {
  stride?: number; padding?: number | 'same' | 'valid'; dilation?: number;
} = {}): Tensor {
  const op = 'conv1d';
  const x = checkFloat(op, input, 'input'), w = checkFloat(op, weight, 'weight');
  const g = convArgs(op, x, w, 1, opts);
  const b = checkBias(op, bias, w.shape[0]);
  const batched = x.ndim === 3;
  const x4 = (batched ? x : x.unsqueeze(0)).unsqueeze(2);
  const out = conv2dCore(op, x4, w.unsqueeze(2), b, g, opts.activation === 'relu').squeeze(2);
  return batched ? out : out.squeeze(0);
}

/**
 * Transposed 2-D convolution ("deconvolution") of x [N, Cin, H, W] with weight
 * [Cin, Cout/groups, kH, kW], like torch.nn.functional.conv_transpose2d. Output size:
 * (H - 1) * stride - 2 * padding + dilation * (kH - 1) + outputPadding + 1.
 * @example const y = convTranspose2d(randn([2, 8, 7, 7]), randn([8, 4, 3, 3]), null, { stride: 2, padding: 1, outputPadding: 1 });  // [2, 4, 14, 14]
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  const x0 = checkFloat(op, input, 'input'), w = contig(checkFloat(op, weight, 'weight'));
  if (x0.ndim !== 4 && x0.ndim !== 3) throw rangeError(op, `input must be 3-D (unbatched) or 4-D (batched), got shape ${fmtShape(x0.shape)}`);
  if (w.ndim !== 4) throw rangeError(op, `weight must be 4-D [in_channels, out_channels/groups, kH, kW], got ${fmtShape(w.shape)}`);
  const groups = checkInt(op, 'groups', opts.groups ?? 1, 1);
  const x = contig(x0.ndim === 4 ? x0 : x0.unsqueeze(0));
  const [N, Cin, H, W] = x.shape, [wIn, wOut, KH, KW] = w.shape;
  if (wIn !== Cin) throw rangeError(op, `input ${fmtShape(x0.shape)} has ${Cin} channels but weight ${fmtShape(w.shape)} expects ${wIn}`);
  if (Cin % groups !== 0) throw rangeError(op, `in_channels ${Cin} must be divisible by groups=${groups}`);
  if (w.numel === 0) throw rangeError(op, `weight must not be empty, got ${fmtShape(w.shape)}`);
  const stride = intPair(op, 'stride', opts.stride ?? 1, 1), pad = intPair(op, 'padding', opts.padding ?? 0, 0);
  const outPad = intPair(op, 'outputPadding', opts.outputPadding ?? 0, 0), dil = intPair(op, 'dilation', opts.dilation ?? 1, 1);
  for (const i of [0, 1]) {
    if (outPad[i] >= stride[i] && outPad[i] >= dil[i]) {
      throw rangeError(op, `outputPadding ${fmtShape(outPad)} must be smaller than stride ${fmtShape(stride)} or dilation ${fmtShape(dil)}`);
    }
  }
  const OH = (H - 1) * stride[0] - 2 * pad[0] + dil[0] * (KH - 1) + outPad[0] + 1;
  const OW = (W - 1) * stride[1] - 2 * pad[1] + dil[1] * (KW - 1) + outPad[1] + 1;
  if (OH < 1 || OW < 1 || H < 1 || W < 1) throw rangeError(op, `output size ${fmtShape([OH, OW])} for input ${fmtShape(x0.shape)} is too small`);
  const Cout = wOut * groups;
  const b = checkBias(op, bias, Cout);
  const algo = algoOf(op, opts.algorithm);
  const geom = (): void => {
    args.num(algo).num(stride[0]).num(stride[1]).num(pad[0]).num(pad[1]).num(outPad[0]).num(outPad[1])
      .num(dil[0]).num(dil[1]).num(groups);
  };
  const out = Tensor.empty([N, Cout, OH, OW]);
  args.reset();
  geom();
  args.num(b ? 1 : 0).view(out).view(x).view(w);
  if (b) args.view(b);
  lastUsed = { forward: ALGO_NAME[native.convTranspose2dForward(out.handle(op), x.handle(op), w.handle(op), b ? b.handle(op) : undefined)] };
  const inputs = b ? [x, w, b] : [x, w];
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    record(op, out, inputs, (gradIn) => {
      const dy = contig(gradIn);
      let dx: Tensor | null = null, dw: Tensor | null = null, db: Tensor | null = null;
      if (x.requiresGrad) {
        dx = Tensor.empty(x.shape, 'float32', x.device);
        args.reset();
        geom();
        args.view(dx).view(dy).view(w);
        lastUsed.backwardInput = ALGO_NAME[native.convTranspose2dBackwardInput(dx.handle(op), dy.handle(op), w.handle(op))];
      }
      if (w.requiresGrad || (b && b.requiresGrad)) {
        dw = Tensor.empty(w.shape, 'float32', x.device);
        db = b && b.requiresGrad ? Tensor.empty([Cout]) : null;
        args.reset();
        geom();
        args.num(db ? 1 : 0).view(dw).view(dy).view(x);
        if (db) args.view(db);
        lastUsed.backwardWeight = ALGO_NAME[native.convTranspose2dBackwardWeight(dw.handle(op), dy.handle(op), x.handle(op), db ? db.handle(op) : undefined)];
        if (!w.requiresGrad) { dw.dispose(); dw = null; }
      }
      return [dx, dw, db];
    });
  }
  return x0.ndim === 4 ? out : out.squeeze(0);
}
