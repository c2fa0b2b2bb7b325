/** softmax / logSoftmax along a dim and the fused softmax + cross-entropy loss, on the
 * native kernels of native/cpu/softmax.cpp (numerically stable; backward in one pass). */
import { Tensor, contiguousCopy, numelOf } from '../tensor';
import { fmtShape, normDim, rangeError, typeError } from '../errors';
import { sameShape } from './util';
import { dispatch } from './kernels';
import { defineOp, raw } from './table';
import { rand, randint, randn, tensor } from './creation';
import { declareKernels, BOTH, type KernelsOf } from './kernels';

// ---- the native bindings of this family (native/binding/softmax.cpp): see KERNELS in ./kernels ----
const CE = ['reduction', 'ignoreIndex', 'smoothing', 'isProbs', 'hasWeight'] as const;
const SOFTMAX_KERNELS = declareKernels({
  softmax: { params: ['log', 'dim'], tensors: ['y', 'x'], devices: BOTH },
  softmaxBackward: { params: ['log', 'dim'], tensors: ['dx', 'dy', 'y'], devices: BOTH },
  /** Returns the mean's denominator (the summed weight of the counted targets). */
  crossEntropy: { params: CE, tensors: ['out', 'lse', 'logits', 'target', 'weight?'], devices: BOTH, returns: 'number' },
  crossEntropyBackward: { params: [...CE, 'scale'], tensors: ['dlogits', 'dloss', 'logits', 'lse', 'target', 'weight?'], devices: BOTH },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof SOFTMAX_KERNELS> {} }


declare module '../tensor' {
  interface Tensor {
    /** Softmax along `dim` (default: last). */
    softmax(dim?: number): Tensor;
    /** log(softmax(x)) along `dim`, computed stably in one pass. */
    logSoftmax(dim?: number): Tensor;
  }
}

/**
 * Reduction of a loss over its samples (PyTorch's `reduction`).
 * @example
 * const r: nn.functional.Reduction = 'none';
 * const perSample = nn.functional.mseLoss(randn([4]), zeros([4]), { reduction: r });   // [4]
 */
export type Reduction = 'mean' | 'sum' | 'none';
const REDUCTION_CODE: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };  // cpu::LossReduction

export function checkReduction(op: string, r: unknown): Reduction {
  if (r === undefined) return 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw typeError(op, `reduction must be 'mean', 'sum' or 'none', got ${String(r)}`);
  return r;
}

function contig(t: Tensor): Tensor { return t.isContiguous() ? t : contiguousCopy(t); }

interface SoftmaxSaved { out: Tensor; log: number; d: number }
const softmaxEntry = (name: 'softmax' | 'logSoftmax') => defineOp<{ dim: number }, SoftmaxSaved>({
  name,
  kernels: ['softmax', 'softmaxBackward'],
  inputs: [{ name: 'input', dtypes: ['float32'] }],
  options: { dim: raw(-1) },
  forward(ctx, [x], { dim }) {
    const d = normDim(name, dim, x!.ndim);
    const log = name === 'logSoftmax' ? 1 : 0;
    const xc = contig(x!);
    const out = Tensor.empty(x!.shape, 'float32', x!.device);
    if (out.numel) dispatch('softmax').num(log).num(d).t(out).t(xc).run();
    if (xc !== x) xc.dispose();
    ctx.saved = { out, log, d };
    return out;
  },
  backward({ saved: { out, log, d } }, g) {
    const gc = contig(g);
    const dx = Tensor.empty(out.shape, 'float32', out.device);
    if (dx.numel) dispatch('softmaxBackward').num(log).num(d).t(dx).t(gc).t(out).run();
    return [dx];
  },
  samples: () => [
    { note: 'last dim', inputs: [randn([3, 7]).mul(3)], options: {} },
    { note: 'middle dim, non-contiguous', inputs: [randn([4, 3, 5]).transpose(0, 2)], options: { dim: 1 } },
    { note: 'dim 0, 1-D', inputs: [randn([9])], options: { dim: 0 } },
    { note: 'size 1 and empty', inputs: [randn([0, 1, 3])], options: { dim: 1 } },
    { note: '0-d', inputs: [randn([])], options: { dim: 0 } },
  ],
});
const softmaxOp = softmaxEntry('softmax'), logSoftmaxOp = softmaxEntry('logSoftmax');

/**
 * Softmax along `dim`: exp(x) / sum(exp(x)), with the row max subtracted first.
 * @example softmax(tensor([[1, 2, 3]]), -1)  // [[0.090, 0.245, 0.665]]
 */
export function softmax(x: Tensor, dim = -1): Tensor { return softmaxOp([x], { dim }); }

/**
 * log(softmax(x)) along `dim`, as x - max - log(sum(exp(x - max))).
 * @example logSoftmax(randn([4, 10]), 1).exp().sum(1)  // ones
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor { return logSoftmaxOp([x], { dim }); }

/**
 * Options of `nn.functional.crossEntropy` (and `nn.CrossEntropyLoss`).
 * @example
 * const opts: nn.functional.CrossEntropyOptions = { ignoreIndex: -100, labelSmoothing: 0.1, reduction: 'mean' };
 * const l = nn.functional.crossEntropy(randn([4, 5]), tensor([1, 0, 4, -100], { dtype: 'int32' }), opts);
 */
export interface CrossEntropyOptions {
  /** Per-class weights [C] (float32). */
  weight?: Tensor | null;
  /** Class-index targets equal to this contribute nothing (and are left out of the mean). */
  ignoreIndex?: number;
  reduction?: Reduction;
  /** Mixes the target with the uniform distribution: (1 - s) * target + s / C. */
  labelSmoothing?: number;
}

interface CeOpts { ignoreIndex: number; reduction: Reduction; labelSmoothing: number }
interface CeSaved { logits: Tensor; tgt: Tensor; w: Tensor | null; lse: Tensor; params: number[]; scale: number; lead: number[] }

const crossEntropyOp = defineOp<CeOpts, CeSaved>({
  name: 'crossEntropy',
  kernels: ['crossEntropy', 'crossEntropyBackward'],
  inputs: [
    { name: 'input', dtypes: ['float32'] },
    { name: 'target', dtypes: ['int32', 'float32'], kind: 'int32 class indices or float32 probabilities' },
    { name: 'weight', dtypes: ['float32'], ranks: [1], optional: true, option: true, noGrad: true },
  ],
  options: {
    ignoreIndex: (op, v) => {
      if (v === undefined) return -100;
      if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) throw typeError(op, `ignoreIndex must be an int32 integer, got ${String(v)}`);
      return v;
    },
    reduction: (op, v) => checkReduction(op, v),
    labelSmoothing: (op, v) => {
      if (v === undefined) return 0;
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw rangeError(op, `labelSmoothing must be in [0, 1], got ${String(v)}`);
      return v;
    },
  },
  forward(ctx, [input0, target0, weight], { ignoreIndex, reduction, labelSmoothing }) {
    const op = 'crossEntropy';
    const probs = target0!.dtype === 'float32';
    let input = input0!, target = target0!;
    if (input.ndim === 0) throw rangeError(op, `input must be [C] or [N, C, ...], got a 0-d tensor`);
    if (input.ndim === 1) {
      // Unbatched: [C] with a 0-d class index or [C] probabilities.
      const want = probs ? input.shape : [];
      if (!sameShape(target.shape, want)) throw rangeError(op, `target ${fmtShape(target.shape)} does not match unbatched input ${fmtShape(input.shape)} (expected ${fmtShape(want)})`);
      input = input.unsqueeze(0); target = target.unsqueeze(0);
    }
    const C = input.shape[1];
    const wantTarget = probs ? input.shape : [input.shape[0], ...input.shape.slice(2)];
    if (!sameShape(target.shape, wantTarget)) {
      throw rangeError(op, `target ${fmtShape(target.shape)} does not match input ${fmtShape(input.shape)} (expected ${probs ? 'probabilities' : 'class indices'} of shape ${fmtShape(wantTarget)})`);
    }
    if (weight && !sameShape(weight.shape, [C])) throw rangeError(op, `weight must have shape [${C}] (one per class), got ${fmtShape(weight.shape)}`);
    const logits = contig(input), tgt = contig(target), w = weight ? contig(weight) : null;
    const lead = [input.shape[0], ...input.shape.slice(2)];
    const lse = Tensor.empty([numelOf(lead)], 'float32', input.device);
    const unbatched = input0!.ndim === 1;
    const out = Tensor.empty(reduction !== 'none' ? [] : unbatched ? [] : lead, 'float32', input.device);
    const params = [REDUCTION_CODE[reduction], ignoreIndex, labelSmoothing, probs ? 1 : 0, w ? 1 : 0];
    const call = dispatch('crossEntropy');
    for (const p of params) call.num(p);
    const wsum = call.t(out).t(lse).t(logits).t(tgt).t(w).run();
    ctx.saved = { logits, tgt, w, lse, params, scale: reduction === 'mean' ? 1 / wsum : 1, lead };
    return out;
  },
  backward({ saved: { logits, tgt, w, lse, params, scale, lead } }, g, [input, target]) {
    const [reductionCode, , smoothing] = params;
    const gc = contig(reductionCode === REDUCTION_CODE.none ? g.reshape(lead) : g);
    let dlogits: Tensor | null = null, dtarget: Tensor | null = null;
    if (input!.requiresGrad) {
      dlogits = Tensor.empty(logits.shape, 'float32', logits.device);
      const call = dispatch('crossEntropyBackward');
      for (const p of params) call.num(p);
      call.num(scale).t(dlogits).t(gc).t(logits).t(lse).t(tgt).t(w).run();
      dlogits = dlogits.reshape(input!.shape);
    }
    if (target!.dtype === 'float32' && target!.requiresGrad) {
      // d loss / d target[n, c] = -g[n] * scale * (1 - smoothing) * weight[c] * logSoftmax(logits)[n, c]
      const [N, C, ...rest] = logits.shape;
      const ones = rest.map(() => 1);
      const logp = logits.sub(lse.reshape([N, 1, ...rest]));
      const gn = reductionCode === REDUCTION_CODE.none ? gc.reshape([N, 1, ...rest]) : gc;
      dtarget = logp.mul(gn).mul(-scale * (1 - smoothing));
      if (w) dtarget = dtarget.mul(w.reshape([1, C, ...ones]));
      dtarget = dtarget.reshape(target!.shape);
    }
    return [dlogits, dtarget, null];
  },
  samples: () => [
    { note: 'class indices', inputs: [randn([5, 4]), randint(0, 4, [5]), null], options: {} },
    { note: 'sum, weights, ignoreIndex, smoothing', inputs: [randn([6, 3]), tensorOf([0, 2, 1, 1, 2, 0]), rand([3])], options: { reduction: 'sum', ignoreIndex: 1, labelSmoothing: 0.1 } },
    { note: 'spatial, none', inputs: [randn([2, 3, 4]), randint(0, 3, [2, 4]), null], options: { reduction: 'none' } },
    { note: 'probabilities, non-contiguous', inputs: [randn([3, 4]).transpose(0, 1), softmax(randn([4, 3]), 1), null], options: {} },
    { note: 'unbatched', inputs: [randn([5]), tensorOf(3), null], options: {} },
  ],
});

/**
 * Cross-entropy between softmax(input) over dim 1 and the target, like
 * torch.nn.functional.cross_entropy: input [N, C] or [N, C, d...] (or [C]); target int32
 * class indices [N, d...] or float32 probabilities shaped like input (differentiable too).
 * One fused kernel for the forward and for the gradient of the logits.
 * @example
 * const logits = randn([4, 3], { requiresGrad: true });
 * const l = nn.functional.crossEntropy(logits, tensor([0, 2, 1, 1], { dtype: 'int32' }));
 * l.backward();
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  return crossEntropyOp([input, target], opts);
}

const tensorOf = (v: number | number[]): Tensor => tensor(v, { dtype: 'int32' });

Tensor.prototype.softmax = function (this: Tensor, dim = -1) { return softmax(this, dim); };
Tensor.prototype.logSoftmax = function (this: Tensor, dim = -1) { return logSoftmax(this, dim); };
