/** Convolutions on the native kernels (native/cpu/conv): conv1d, conv2d, convTranspose2d,
 * with PyTorch's argument names and semantics, as op-table entries; each backward is two native calls.
 * Inside autocast('bfloat16') (CPU) they run the GEMM kernels (gemm1x1, im2col) on the bf16
 * GEMM: bf16 operands, fp32 accumulation, fp32 tensors; the backward of a convolution recorded
 * there uses the bf16 GEMM too (the precision travels in the saved geometry). */
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { checkTensor, sameShape } from './util';
import { where } from './elementwise';
import { dispatch } from './kernels';
import { defineOp, oneOf, raw } from './table';
import { randn } from './creation';
import { declareKernels, BOTH, CPU, type KernelsOf } from './kernels';
import { autocastDtype } from '../autocast';

// ---- the native bindings of this family (native/binding/conv.cpp): see KERNELS in ./kernels ----
const CONV = ['algo', 'strideH', 'strideW', 'padTop', 'padBottom', 'padLeft', 'padRight', 'dilH', 'dilW', 'groups', 'precision'] as const;
const CONVT = ['algo', 'strideH', 'strideW', 'padH', 'padW', 'outPadH', 'outPadW', 'dilH', 'dilW', 'groups', 'precision'] as const;
const CONV_KERNELS = declareKernels({
  conv2dForward: { params: [...CONV, 'act', 'hasBias'], tensors: ['y', 'x', 'w', 'bias?'], devices: BOTH, returns: 'number' },
  conv2dBackwardInput: { params: CONV, tensors: ['dx', 'dy', 'w'], devices: BOTH, returns: 'number' },
  conv2dBackwardWeight: { params: [...CONV, 'hasBias'], tensors: ['dw', 'dy', 'x', 'dbias?'], devices: BOTH, returns: 'number' },
  convTranspose2dForward: { params: [...CONVT, 'hasBias'], tensors: ['y', 'x', 'w', 'bias?'], devices: CPU, returns: 'number' },
  convTranspose2dBackwardInput: { params: CONVT, tensors: ['dx', 'dy', 'w'], devices: CPU, returns: 'number' },
  convTranspose2dBackwardWeight: { params: [...CONVT, 'hasBias'], tensors: ['dw', 'dy', 'x', 'dbias?'], devices: CPU, returns: 'number' },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof CONV_KERNELS> {} }


/**
 * An int or a [height, width] pair, as PyTorch's `_pair` arguments.
 * @example
 * const k: IntPair = [3, 5];
 * const y = maxPool2d(randn([1, 1, 9, 10]), k);
 */
export type IntPair = number | [number, number];

/**
 * Kernel choices (NOTE: codes shared with native/cpu/conv.h ConvAlgo).
 * @example
 * const algo: ConvAlgorithm = 'im2col';
 * const y = conv2d(randn([1, 3, 8, 8]), randn([4, 3, 3, 3]), null, { algorithm: algo });
 */
export type ConvAlgorithm = 'auto' | 'gemm1x1' | 'im2col' | 'depthwise' | 'reference' | 'implicit' | 'winograd';
const ALGO_CODE: Record<ConvAlgorithm, number> = { auto: -1, gemm1x1: 0, im2col: 1, depthwise: 2, reference: 3, implicit: 4, winograd: 5 };
const ALGO_NAME: ConvAlgorithm[] = ['gemm1x1', 'im2col', 'depthwise', 'reference', 'implicit', 'winograd'];

export interface ConvAlgorithmsUsed { forward?: ConvAlgorithm; backwardInput?: ConvAlgorithm; backwardWeight?: ConvAlgorithm }
let lastUsed: ConvAlgorithmsUsed = {};
/**
 * The kernels the most recent convolution forward / backward calls ran (for tests and tuning).
 * @example
 * conv2d(randn([1, 3, 32, 32]), randn([8, 3, 3, 3]), null, { padding: 1 });
 * console.log(lastConvAlgorithms().forward);   // e.g. 'winograd'
 */
export function lastConvAlgorithms(): ConvAlgorithmsUsed { return { ...lastUsed }; }

/**
 * Options of `conv2d` (and `conv1d` with single numbers).
 * @example
 * const opts: Conv2dOptions = { stride: 2, padding: [1, 1], dilation: 1, groups: 1 };
 * const y = conv2d(randn([1, 3, 32, 32]), randn([16, 3, 3, 3]), null, opts);   // [1, 16, 16, 16]
 */
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

/**
 * Options of `convTranspose2d`.
 * @example
 * const opts: ConvTranspose2dOptions = { stride: 2, padding: 1, outputPadding: 1 };
 * const y = convTranspose2d(randn([1, 16, 8, 8]), randn([16, 8, 3, 3]), null, opts);   // [1, 8, 16, 16]
 */
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

/** A float32 tensor argument (TypeError otherwise). */
export function checkFloat(op: string, x: unknown, arg: string): Tensor {
  const t = checkTensor(op, x, arg);
  if (t.dtype !== 'float32') throw typeError(op, `${arg} must be float32, got ${t.dtype}`);
  return t;
}

const contig = (t: Tensor): Tensor => (t.isContiguous() ? t : t.contiguous());

interface Geometry { stride: [number, number]; pad: [number, number, number, number]; dilation: [number, number]; groups: number; algo: number }

function algoOf(op: string, a: unknown): number {
  const code = ALGO_CODE[(a ?? 'auto') as ConvAlgorithm];
  if (code === undefined) throw rangeError(op, `algorithm must be one of ${Object.keys(ALGO_CODE).join(', ')}, got ${String(a)}`);
  return code;
}

/**
 * The precision code the conv bindings read (0 fp32, 1 bf16 under autocast), checked against
 * the device and the forced algorithm: only the GEMM kernels have a bf16 variant.
 */
function precisionOf(op: string, x: Tensor, algo: number): number {
  const cast = autocastDtype();
  if (!cast) return 0;
  if (x.device !== 'cpu') throw typeError(op, `autocast('${cast}') has no ${x.device} kernel yet (CPU only)`);
  if (algo !== ALGO_CODE.auto && algo !== ALGO_CODE.gemm1x1 && algo !== ALGO_CODE.im2col) {
    throw rangeError(op, `algorithm '${ALGO_NAME[algo]}' has no bfloat16 kernel: inside autocast('${cast}') use 'auto', 'gemm1x1' or 'im2col'`);
  }
  return 1;
}

function checkBias(op: string, b: Tensor | null, n: number): Tensor | null {
  if (b === null) return null;
  if (b.shape[0] !== n) throw rangeError(op, `bias must have shape [${n}], got ${fmtShape(b.shape)}`);
  return contig(b);
}

/** out only with a fused relu (its mask); the gradient needs just its shape otherwise. */
interface ConvSaved { x: Tensor; w: Tensor; out: Tensor | null; outShape: number[]; params: number[]; transposed: boolean }

/**
 * The kernel calls of a batched 4-D convolution (or its transpose): forward here, the
 * gradients in convBackward. `params` is the geometry the conv bindings read first.
 */
function convForward(transposed: boolean, x: Tensor, w: Tensor, b: Tensor | null, outShape: number[], params: number[], relu: boolean): Tensor {
  const out = Tensor.empty(outShape, 'float32', x.device);
  const call = dispatch(transposed ? 'convTranspose2dForward' : 'conv2dForward');
  for (const p of params) call.num(p);
  if (!transposed) call.num(relu ? 1 : 0);
  lastUsed = { forward: ALGO_NAME[call.num(b ? 1 : 0).t(out).t(x).t(w).t(b).run()] };
  return out;
}

function convBackward(s: ConvSaved, gradIn: Tensor, needDx: boolean, needDw: boolean, needDb: boolean): [Tensor | null, Tensor | null, Tensor | null] {
  const { x, w, params } = s;
  const g4 = gradIn.reshape(s.outShape);
  const dy = contig(s.out ? where(s.out.gt(0), g4, 0) : g4);
  let dx: Tensor | null = null, dw: Tensor | null = null, db: Tensor | null = null;
  if (needDx) {
    dx = Tensor.empty(x.shape, 'float32', x.device);
    const call = dispatch(s.transposed ? 'convTranspose2dBackwardInput' : 'conv2dBackwardInput');
    for (const p of params) call.num(p);
    lastUsed.backwardInput = ALGO_NAME[call.t(dx).t(dy).t(w).run()];
  }
  if (needDw) {
    dw = Tensor.empty(w.shape, 'float32', x.device);
    db = needDb ? Tensor.empty([s.outShape[1]], 'float32', x.device) : null;
    const call = dispatch(s.transposed ? 'convTranspose2dBackwardWeight' : 'conv2dBackwardWeight');
    for (const p of params) call.num(p);
    lastUsed.backwardWeight = ALGO_NAME[call.num(db ? 1 : 0).t(dw).t(dy).t(x).t(db).run()];
  } else if (needDb) {
    db = dy.sum([0, 2, 3]);
  }
  return [dx, dw, db];
}

/** The conv ops' backward: the 4-D gradients reshaped to the caller's (unbatched, 1-D) shapes. */
function convGrads(ctx: { saved: ConvSaved }, g: Tensor, [input, weight, bias]: (Tensor | null)[]): (Tensor | null)[] {
  const [dx, dw, db] = convBackward(ctx.saved, g, input!.requiresGrad, weight!.requiresGrad, !!bias && bias.requiresGrad);
  // NOTE: the batched 4-D case returns dw itself, not a view of it: a view would share the
  // storage, and the engine then copies it before making it the weight's .grad.
  const as = (t: Tensor | null, shape: readonly number[]) => (t && !sameShape(t.shape, shape) ? t.reshape(shape) : t);
  return [as(dx, input!.shape), as(dw, weight!.shape), db];
}

/** Forward of conv1d/conv2d on a batched 4-D input with checked geometry. */
function conv2dCore(op: string, ctx: { saved: ConvSaved }, xIn: Tensor, wIn: Tensor, bias: Tensor | null, g: Geometry, relu: boolean): Tensor {
  const x = contig(xIn), w = contig(wIn);
  const [N, , H, W] = x.shape, [OC, , KH, KW] = w.shape;
  const OH = Math.floor((H + g.pad[0] + g.pad[1] - g.dilation[0] * (KH - 1) - 1) / g.stride[0]) + 1;
  const OW = Math.floor((W + g.pad[2] + g.pad[3] - g.dilation[1] * (KW - 1) - 1) / g.stride[1]) + 1;
  if (OH < 1 || OW < 1) {
    throw rangeError(op, `input ${fmtShape(x.shape)} (padded by ${fmtShape(g.pad)}) is smaller than the kernel ` +
      `${fmtShape([KH, KW])} with dilation ${fmtShape(g.dilation)}`);
  }
  const params = [g.algo, g.stride[0], g.stride[1], g.pad[0], g.pad[1], g.pad[2], g.pad[3], g.dilation[0], g.dilation[1], g.groups,
    precisionOf(op, x, g.algo)];
  const out = convForward(false, x, w, bias, [N, OC, OH, OW], params, relu);
  ctx.saved = { x, w, out: relu ? out : null, outShape: out.shape.slice(), params, transposed: false };
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

const F32 = ['float32'] as const;
const convInputs = (spatial: 1 | 2) => [
  { name: 'input', dtypes: F32, ranks: [spatial + 1, spatial + 2], layouts: spatial === 2 ? ['(C, H, W)', '(N, C, H, W)'] : ['(C, L)', '(N, C, L)'] },
  { name: 'weight', dtypes: F32, ranks: [spatial + 2] },
  { name: 'bias', dtypes: F32, ranks: [1], optional: true },
] as const;
type ConvOpts = Required<Omit<Conv2dOptions, 'padding'>> & { padding: IntPair | 'same' | 'valid' };
const convOptions = {
  stride: raw<IntPair>(1), padding: raw<IntPair | 'same' | 'valid'>(0), dilation: raw<IntPair>(1), groups: raw(1),
  activation: oneOf('activation', ['none', 'relu'], 'none'), algorithm: raw<ConvAlgorithm>('auto'),
};

/** conv1d and conv2d: one entry shape, run as a batched 2-D convolution (height 1 for 1-D). */
const convEntry = (spatial: 1 | 2) => {
  const name = spatial === 2 ? 'conv2d' : 'conv1d';
  return {
    name,
    kernels: ['conv2dForward', 'conv2dBackwardInput', 'conv2dBackwardWeight'] as const,
    inputs: convInputs(spatial),
    options: convOptions,
    forward(ctx: { saved: ConvSaved }, [x, w, b0]: (Tensor | null)[], opts: ConvOpts): Tensor {
      const g = convArgs(name, x!, w!, spatial, opts);
      const b = checkBias(name, b0, w!.shape[0]);
      const batched = x!.ndim === spatial + 2;
      let x4 = batched ? x! : x!.unsqueeze(0), w4 = w!;
      if (spatial === 1) { x4 = x4.unsqueeze(2); w4 = w4.unsqueeze(2); }
      let out = conv2dCore(name, ctx, x4, w4, b, g, opts.activation === 'relu');
      if (spatial === 1) out = out.squeeze(2);
      return batched ? out : out.squeeze(0);
    },
    backward: convGrads,
  };
};

const conv2dOp = defineOp<ConvOpts, ConvSaved>({
  ...convEntry(2),
  samples: () => [
    { note: '3x3 pad 1 bias', inputs: [randn([2, 3, 7, 6]), randn([4, 3, 3, 3]), randn([4])], options: { padding: 1 } },
    { note: 'stride 2, dilation 2, groups 2, unbatched', inputs: [randn([4, 9, 8]), randn([6, 2, 3, 2]), null], options: { stride: 2, dilation: [2, 1], groups: 2 } },
    { note: "padding 'same', relu, non-contiguous input", inputs: [randn([1, 6, 5, 2]).permute([0, 3, 1, 2]), randn([3, 2, 2, 3]), randn([3])], options: { padding: 'same', activation: 'relu' }, noGradcheck: true },
    { note: '1x1 and the reference kernel', inputs: [randn([2, 5, 3, 3]), randn([7, 5, 1, 1]), null], options: { algorithm: 'reference' } },
    { note: 'winograd', inputs: [randn([1, 16, 6, 6]), randn([16, 16, 3, 3]), randn([16])], options: { padding: 1, algorithm: 'winograd' }, noGradcheck: true },
    { note: 'empty batch', inputs: [randn([0, 2, 4, 4]), randn([3, 2, 3, 3]), randn([3])], options: {} },
  ],
});

/**
 * 2-D convolution over x [N, C, H, W] (or unbatched [C, H, W]) with weight
 * [outChannels, C/groups, kH, kW], like torch.nn.functional.conv2d.
 * @example const y = conv2d(randn([8, 3, 32, 32]), randn([16, 3, 3, 3]), null, { padding: 1 });  // [8, 16, 32, 32]
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  return conv2dOp([input, weight, bias], opts);
}

const conv1dOp = defineOp<ConvOpts, ConvSaved>({
  ...convEntry(1),
  samples: () => [
    { note: "k5 padding 'same' bias", inputs: [randn([2, 2, 11]), randn([3, 2, 5]), randn([3])], options: { padding: 'same' } },
    { note: 'stride 2, groups 3, unbatched', inputs: [randn([6, 9]), randn([3, 2, 3]), null], options: { stride: 2, groups: 3 } },
    { note: 'non-contiguous, dilation 2', inputs: [randn([7, 2, 3]).permute([1, 2, 0]), randn([2, 3, 2]), randn([2])], options: { dilation: 2 } },
  ],
});

/**
 * 1-D convolution over x [N, C, L] (or [C, L]) with weight [outChannels, C/groups, k],
 * like torch.nn.functional.conv1d (run as a 2-D convolution of height 1).
 * @example const y = conv1d(randn([4, 2, 50]), randn([6, 2, 5]), null, { padding: 'same' });  // [4, 6, 50]
 */
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Omit<Conv2dOptions, 'stride' | 'padding' | 'dilation'> & {
  stride?: number; padding?: number | 'same' | 'valid'; dilation?: number;
} = {}): Tensor {
  return conv1dOp([input, weight, bias], opts);
}

type ConvTOpts = Required<ConvTranspose2dOptions>;
const convTranspose2dOp = defineOp<ConvTOpts, ConvSaved>({
  name: 'convTranspose2d',
  kernels: ['convTranspose2dForward', 'convTranspose2dBackwardInput', 'convTranspose2dBackwardWeight'],
  inputs: convInputs(2),
  options: { stride: raw<IntPair>(1), padding: raw<IntPair>(0), outputPadding: raw<IntPair>(0), dilation: raw<IntPair>(1), groups: raw(1), algorithm: raw<ConvAlgorithm>('auto') },
  forward(ctx, [x0, w0, b0], opts) {
    const op = 'convTranspose2d';
    const w = contig(w0!);
    const groups = checkInt(op, 'groups', opts.groups, 1);
    const x = contig(x0!.ndim === 4 ? x0! : x0!.unsqueeze(0));
    const [N, Cin, H, W] = x.shape, [wIn, wOut, KH, KW] = w.shape;
    if (wIn !== Cin) throw rangeError(op, `input ${fmtShape(x0!.shape)} has ${Cin} channels but weight ${fmtShape(w.shape)} expects ${wIn}`);
    if (Cin % groups !== 0) throw rangeError(op, `in_channels ${Cin} must be divisible by groups=${groups}`);
    if (w.numel === 0) throw rangeError(op, `weight must not be empty, got ${fmtShape(w.shape)}`);
    const stride = intPair(op, 'stride', opts.stride, 1), pad = intPair(op, 'padding', opts.padding, 0);
    const outPad = intPair(op, 'outputPadding', opts.outputPadding, 0), dil = intPair(op, 'dilation', opts.dilation, 1);
    for (const i of [0, 1]) {
      if (outPad[i] >= stride[i] && outPad[i] >= dil[i]) {
        throw rangeError(op, `outputPadding ${fmtShape(outPad)} must be smaller than stride ${fmtShape(stride)} or dilation ${fmtShape(dil)}`);
      }
    }
    const OH = (H - 1) * stride[0] - 2 * pad[0] + dil[0] * (KH - 1) + outPad[0] + 1;
    const OW = (W - 1) * stride[1] - 2 * pad[1] + dil[1] * (KW - 1) + outPad[1] + 1;
    if (OH < 1 || OW < 1 || H < 1 || W < 1) throw rangeError(op, `output size ${fmtShape([OH, OW])} for input ${fmtShape(x0!.shape)} is too small`);
    const Cout = wOut * groups;
    const b = checkBias(op, b0, Cout);
    const algo = algoOf(op, opts.algorithm);
    const params = [algo, stride[0], stride[1], pad[0], pad[1], outPad[0], outPad[1], dil[0], dil[1], groups, precisionOf(op, x, algo)];
    const out = convForward(true, x, w, b, [N, Cout, OH, OW], params, false);
    ctx.saved = { x, w, out: null, outShape: out.shape.slice(), params, transposed: true };
    return x0!.ndim === 4 ? out : out.squeeze(0);
  },
  backward: convGrads,
  samples: () => [
    { note: 'stride 2 pad 1 outputPadding 1', inputs: [randn([2, 4, 3, 3]), randn([4, 3, 3, 3]), randn([3])], options: { stride: 2, padding: 1, outputPadding: 1 } },
    { note: 'groups 2, dilation 2, unbatched', inputs: [randn([4, 3, 2]), randn([4, 1, 2, 2]), null], options: { groups: 2, dilation: 2 } },
    { note: 'non-contiguous', inputs: [randn([1, 3, 2, 2]).transpose(2, 3), randn([2, 3, 1, 3]).transpose(0, 1), null], options: {} },
  ],
});

/**
 * Transposed 2-D convolution ("deconvolution") of x [N, Cin, H, W] with weight
 * [Cin, Cout/groups, kH, kW], like torch.nn.functional.conv_transpose2d. Output size:
 * (H - 1) * stride - 2 * padding + dilation * (kH - 1) + outputPadding + 1.
 * @example const y = convTranspose2d(randn([2, 8, 7, 7]), randn([8, 4, 3, 3]), null, { stride: 2, padding: 1, outputPadding: 1 });  // [2, 4, 14, 14]
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvTranspose2dOptions = {}): Tensor {
  return convTranspose2dOp([input, weight, bias], opts);
}
