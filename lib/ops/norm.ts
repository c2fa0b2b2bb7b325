/** Batch norm and layer norm on the fused native kernels (native/cpu/norm), with
 * PyTorch's argument names and semantics. */
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { dispatch } from './kernels';
import { defineOp, bool, finite, raw } from './table';
import { checkInt } from './conv';
import { rand, randn } from './creation';
import { declareKernels, BOTH, CPU, type KernelsOf } from './kernels';

// ---- the native bindings of this family (native/binding/norm.cpp): see KERNELS in ./kernels ----
const NORM_KERNELS = declareKernels({
  batchNormForward: {
    params: ['training', 'momentum', 'eps', 'hasWeight', 'hasBias', 'hasRunningStats'],
    tensors: ['y', 'saveMean', 'saveInvstd', 'x', 'weight?', 'bias?', 'runningMean?', 'runningVar?'], devices: BOTH,
  },
  batchNormBackward: {
    params: ['training', 'hasDx', 'hasDweight', 'hasDbias', 'hasWeight'],
    tensors: ['dx?', 'dweight?', 'dbias?', 'dy', 'x', 'saveMean', 'saveInvstd', 'weight?'], devices: BOTH,
  },
  layerNormForward: { params: ['D', 'eps', 'hasWeight', 'hasBias'], tensors: ['y', 'mean', 'rstd', 'x', 'weight?', 'bias?'], devices: CPU },
  layerNormBackward: {
    params: ['D', 'hasDx', 'hasDweight', 'hasDbias', 'hasWeight'],
    tensors: ['dx?', 'dweight?', 'dbias?', 'dy', 'x', 'mean', 'rstd', 'weight?'], devices: CPU,
  },
  groupNormForward: { params: ['G', 'eps', 'hasWeight', 'hasBias'], tensors: ['y', 'mean', 'rstd', 'x', 'weight?', 'bias?'], devices: BOTH },
  groupNormBackward: {
    params: ['G', 'hasDx', 'hasDweight', 'hasDbias', 'hasWeight'],
    tensors: ['dx?', 'dweight?', 'dbias?', 'dy', 'x', 'mean', 'rstd', 'weight?'], devices: BOTH,
  },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof NORM_KERNELS> {} }


/**
 * Options of `batchNorm`.
 * @example
 * const opts: BatchNormOptions = { weight: ones([3]), bias: zeros([3]), training: true, momentum: 0.1, eps: 1e-5 };
 * const y = batchNorm(randn([8, 3, 4, 4]), zeros([3]), ones([3]), opts);
 */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Batch statistics (and running-stat updates) when true; running statistics when false. */
  training?: boolean;
  /** running = (1 - momentum) * running + momentum * batch statistic. */
  momentum?: number;
  eps?: number;
}

/**
 * Options of `layerNorm`.
 * @example
 * const opts: LayerNormOptions = { weight: ones([16]), bias: zeros([16]), eps: 1e-5 };
 * const y = layerNorm(randn([4, 16]), [16], opts);
 */
export interface LayerNormOptions { weight?: Tensor | null; bias?: Tensor | null; eps?: number }

const contig = (t: Tensor): Tensor => (t.isContiguous() ? t : t.contiguous());
const F32 = ['float32'] as const;

/** An optional float32 parameter of exactly `shape`, contiguous for the kernel. */
function param(op: string, arg: string, t: Tensor | null, shape: readonly number[]): Tensor | null {
  if (t === null) return null;
  if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    throw rangeError(op, `${arg} must have shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
  }
  return contig(t);
}

interface BatchNormOpts { training: boolean; momentum: number; eps: number }
interface NormSaved { x: Tensor; w: Tensor | null; mean: Tensor; rstd: Tensor; params: number[] }

const batchNormOp = defineOp<BatchNormOpts, NormSaved>({
  name: 'batchNorm',
  kernels: ['batchNormForward', 'batchNormBackward'],
  inputs: [
    { name: 'input', dtypes: F32 },
    { name: 'runningMean', dtypes: F32, ranks: [1], optional: true, noGrad: true },
    { name: 'runningVar', dtypes: F32, ranks: [1], optional: true, noGrad: true },
    { name: 'weight', dtypes: F32, ranks: [1], optional: true, option: true },
    { name: 'bias', dtypes: F32, ranks: [1], optional: true, option: true },
  ],
  options: { training: bool('training', false), momentum: finite('momentum', 0.1), eps: finite('eps', 1e-5, 0) },
  forward(ctx, [x0, runningMean, runningVar, weight, bias], { training, momentum, eps }) {
    const op = 'batchNorm';
    if (x0!.ndim < 2) throw rangeError(op, `input must have at least 2 dims (N, C, ...), got ${fmtShape(x0!.shape)}`);
    const x = contig(x0!), C = x.shape[1];
    if ((runningMean === null) !== (runningVar === null)) throw typeError(op, 'runningMean and runningVar must both be given or both be null');
    const rm = param(op, 'runningMean', runningMean, [C]), rv = param(op, 'runningVar', runningVar, [C]);
    if (rm && (rm !== runningMean || rv !== runningVar)) throw rangeError(op, 'runningMean and runningVar must be contiguous (they are updated in place)');
    if ((rm && rm.requiresGrad) || (rv && rv.requiresGrad)) throw rangeError(op, 'running statistics must not require grad');
    if (!training && !rm) throw rangeError(op, 'runningMean and runningVar are required when training is false');
    const spatial = x.shape.slice(2).reduce((a, b) => a * b, 1);
    if (training && x.shape[0] * spatial <= 1) {
      throw rangeError(op, `expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
    }
    const w = param(op, 'weight', weight, [C]), b = param(op, 'bias', bias, [C]);
    const out = Tensor.empty(x.shape, 'float32', x.device);
    const mean = Tensor.empty([C], 'float32', x.device), rstd = Tensor.empty([C], 'float32', x.device);
    dispatch('batchNormForward').num(training ? 1 : 0).num(momentum).num(eps).num(w ? 1 : 0).num(b ? 1 : 0).num(rm ? 1 : 0)
      .t(out).t(mean).t(rstd).t(x).t(w).t(b).t(rm).t(rv).run();
    if (training && rm && rv) { rm.bumpVersion_(); rv.bumpVersion_(); }
    ctx.saved = { x, w, mean, rstd, params: [training ? 1 : 0] };
    return out;
  },
  backward({ saved: { x, w, mean, rstd, params } }, g, [input, , , weight, bias]) {
    return normBackward('batchNormBackward', params, x, w, mean, rstd, g, input!, weight, bias, [x.shape[1]]);
  },
  samples: () => {
    const stats = (C: number): Tensor[] => [randn([C]), rand([C], { low: 0.5, high: 2 })];
    return [
      { note: 'training, affine', inputs: [randn([4, 3, 5, 5]), ...stats(3), randn([3]), randn([3])], options: { training: true, momentum: 0.2, eps: 1e-3 } },
      { note: 'training, 2-D, no stats', inputs: [randn([7, 6]).mul(3).add(5), null, null, null, null], options: { training: true } },
      { note: 'eval, non-contiguous', inputs: [randn([3, 4, 2, 5]).transpose(2, 3), ...stats(4), randn([4]), null], options: {} },
      { note: 'eval, empty batch', inputs: [randn([0, 2, 3]), ...stats(2), null, null], options: {} },
    ];
  },
});

/** The shared backward of batch and layer norm: dx, dweight, dbias where needed. */
function normBackward(kernel: 'batchNormBackward' | 'layerNormBackward' | 'groupNormBackward', params: number[], x: Tensor, w: Tensor | null,
  mean: Tensor, rstd: Tensor, g: Tensor, input: Tensor, weight: Tensor | null, bias: Tensor | null, pshape: number[]): (Tensor | null)[] {
  const dy = contig(g);
  const dx = input.requiresGrad ? Tensor.empty(x.shape, 'float32', x.device) : null;
  const dw = weight && weight.requiresGrad ? Tensor.empty(pshape, 'float32', x.device) : null;
  const db = bias && bias.requiresGrad ? Tensor.empty(pshape, 'float32', x.device) : null;
  const call = dispatch(kernel);
  for (const p of params) call.num(p);
  call.num(dx ? 1 : 0).num(dw ? 1 : 0).num(db ? 1 : 0).num(w ? 1 : 0)
    .t(dx).t(dw).t(db).t(dy).t(x).t(mean).t(rstd).t(w).run();
  return kernel === 'batchNormBackward' ? [dx, null, null, dw, db] : [dx, dw, db];
}

/**
 * Batch normalization over the channel dim (1) of x [N, C, ...], like
 * torch.nn.functional.batch_norm. In training mode the running statistics (when given)
 * are updated in place; they must be contiguous float32 [C] tensors.
 * @example
 * const x = randn([8, 3, 4, 4]);
 * const runningMean = zeros([3]), runningVar = ones([3]);
 * const y = batchNorm(x, runningMean, runningVar, { weight: ones([3]), bias: zeros([3]), training: true });
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  return batchNormOp([input, runningMean, runningVar], opts);
}

interface LayerNormOpts { normalizedShape: number | readonly number[]; eps: number }

const layerNormOp = defineOp<LayerNormOpts, NormSaved>({
  name: 'layerNorm',
  kernels: ['layerNormForward', 'layerNormBackward'],
  inputs: [
    { name: 'input', dtypes: F32 },
    { name: 'weight', dtypes: F32, optional: true, option: true },
    { name: 'bias', dtypes: F32, optional: true, option: true },
  ],
  options: { normalizedShape: raw<number | readonly number[]>([]), eps: finite('eps', 1e-5, 0) },
  forward(ctx, [x0, weight, bias], { normalizedShape, eps }) {
    const op = 'layerNorm';
    const x = contig(x0!);
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(ns) || ns.length === 0 || !ns.every((s) => Number.isInteger(s) && s >= 1)) {
      throw typeError(op, `normalizedShape must be a positive integer or a non-empty array of them, got ${JSON.stringify(normalizedShape)}`);
    }
    const tail = x.shape.slice(x.ndim - ns.length);
    if (x.ndim < ns.length || tail.some((s, i) => s !== ns[i])) {
      throw rangeError(op, `input ${fmtShape(x.shape)} does not end in normalizedShape ${fmtShape(ns)}`);
    }
    const w = param(op, 'weight', weight, ns), b = param(op, 'bias', bias, ns);
    const D = ns.reduce((a, c) => a * c, 1), M = x.numel / D;
    const out = Tensor.empty(x.shape, 'float32', x.device);
    const mean = Tensor.empty([M], 'float32', x.device), rstd = Tensor.empty([M], 'float32', x.device);
    dispatch('layerNormForward').num(D).num(eps).num(w ? 1 : 0).num(b ? 1 : 0).t(out).t(mean).t(rstd).t(x).t(w).t(b).run();
    ctx.saved = { x, w, mean, rstd, params: [D] };
    return out;
  },
  backward({ saved: { x, w, mean, rstd, params } }, g, [input, weight, bias]) {
    const pshape = x.shape.slice(x.ndim - (w ?? bias ?? x).ndim);
    return normBackward('layerNormBackward', params, x, w, mean, rstd, g, input!, weight, bias, pshape);
  },
  samples: () => [
    { note: 'affine', inputs: [randn([4, 10, 6]), randn([6]), randn([6])], options: { normalizedShape: [6] } },
    { note: 'two dims, no affine, offset mean', inputs: [randn([3, 4, 5]).add(10), null, null], options: { normalizedShape: [4, 5], eps: 1e-3 } },
    { note: 'non-contiguous, weight only', inputs: [randn([5, 3]).transpose(0, 1), randn([5]), null], options: { normalizedShape: 5 } },
    { note: 'empty batch', inputs: [randn([0, 7]), randn([7]), randn([7])], options: { normalizedShape: 7 } },
    { note: 'one element', inputs: [randn([2, 1]), null, null], options: { normalizedShape: 1 } },
  ],
});

/**
 * Layer normalization over the trailing `normalizedShape` dims, like
 * torch.nn.functional.layer_norm.
 * @example const y = layerNorm(randn([4, 10, 32]), [32], { weight: ones([32]), bias: zeros([32]) });
 */
export function layerNorm(input: Tensor, normalizedShape: number | readonly number[], opts: LayerNormOptions = {}): Tensor {
  if (opts === null || typeof opts !== 'object') throw typeError('layerNorm', `options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  return layerNormOp([input], { ...opts, normalizedShape });
}

interface GroupNormOpts { numGroups: number; eps: number }

const groupNormOp = defineOp<GroupNormOpts, NormSaved>({
  name: 'groupNorm',
  kernels: ['groupNormForward', 'groupNormBackward'],
  inputs: [
    { name: 'input', dtypes: F32 },
    { name: 'weight', dtypes: F32, ranks: [1], optional: true, option: true },
    { name: 'bias', dtypes: F32, ranks: [1], optional: true, option: true },
  ],
  options: { numGroups: (op, v) => checkInt(op, 'numGroups', v ?? 1, 1), eps: finite('eps', 1e-5, 0) },
  forward(ctx, [x0, weight, bias], { numGroups: G, eps }) {
    const op = 'groupNorm';
    if (x0!.ndim < 2) throw rangeError(op, `input must have at least 2 dims (N, C, ...), got ${fmtShape(x0!.shape)}`);
    const x = contig(x0!), [N, C] = x.shape;
    if (C % G !== 0) throw rangeError(op, `numGroups ${G} must divide the number of channels ${C} of input ${fmtShape(x.shape)}`);
    const w = param(op, 'weight', weight, [C]), b = param(op, 'bias', bias, [C]);
    const out = Tensor.empty(x.shape, 'float32', x.device);
    const mean = Tensor.empty([N, G], 'float32', x.device), rstd = Tensor.empty([N, G], 'float32', x.device);
    dispatch('groupNormForward').num(G).num(eps).num(w ? 1 : 0).num(b ? 1 : 0).t(out).t(mean).t(rstd).t(x).t(w).t(b).run();
    ctx.saved = { x, w, mean, rstd, params: [G] };
    return out;
  },
  backward({ saved: { x, w, mean, rstd, params } }, g, [input, weight, bias]) {
    return normBackward('groupNormBackward', params, x, w, mean, rstd, g, input!, weight, bias, [x.shape[1]]);
  },
  samples: () => [
    { note: '3 groups of 2, affine', inputs: [randn([2, 6, 4, 3]), randn([6]), randn([6])], options: { numGroups: 3 } },
    { note: 'one group (layer norm over C, H, W), offset mean', inputs: [randn([3, 4, 5]).add(20), null, randn([4])], options: { numGroups: 1, eps: 1e-3 } },
    { note: 'instance norm (G = C), non-contiguous', inputs: [randn([4, 3, 2]).permute([2, 1, 0]), randn([3]), null], options: { numGroups: 3 } },
    { note: 'empty batch', inputs: [randn([0, 4, 2]), null, null], options: { numGroups: 2 } },
  ],
});

/**
 * Group normalization over groups of channels of x [N, C, ...], like
 * torch.nn.functional.group_norm: statistics per (sample, group of C / numGroups channels).
 * @example const y = groupNorm(randn([2, 6, 4, 4]), 3, ones([6]), zeros([6]));  // [2, 6, 4, 4]
 */
export function groupNorm(input: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  return groupNormOp([input], { numGroups, weight, bias, eps });
}
