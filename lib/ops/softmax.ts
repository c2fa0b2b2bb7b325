/** softmax / logSoftmax along a dim and the fused softmax + cross-entropy loss, on the
 * native kernels of native/cpu/softmax.cpp (numerically stable; backward in one pass). */
import { native, args } from '../native';
import { Tensor, contiguousCopy, numelOf } from '../tensor';
import { fmtShape, normDim, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { checkTensor, sameShape } from './util';

declare module '../tensor' {
  interface Tensor {
    /** Softmax along `dim` (default: last). */
    softmax(dim?: number): Tensor;
    /** log(softmax(x)) along `dim`, computed stably in one pass. */
    logSoftmax(dim?: number): Tensor;
  }
}

/** Reduction of a loss over its samples (PyTorch's `reduction`). */
export type Reduction = 'mean' | 'sum' | 'none';
const REDUCTION_CODE: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };  // cpu::LossReduction

export function checkReduction(op: string, r: unknown): Reduction {
  if (r === undefined) return 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw typeError(op, `reduction must be 'mean', 'sum' or 'none', got ${String(r)}`);
  return r;
}

function contig(t: Tensor): Tensor { return t.isContiguous() ? t : contiguousCopy(t); }

function softmaxOp(name: 'softmax' | 'logSoftmax', xIn: Tensor, dim: number): Tensor {
  const x = checkTensor(name, xIn, 'input');
  if (x.dtype !== 'float32') throw typeError(name, `input must be float32, got ${x.dtype} (shape ${fmtShape(x.shape)})`);
  const d = normDim(name, dim, x.ndim);
  const log = name === 'logSoftmax' ? 1 : 0;
  const xc = contig(x);
  const out = Tensor.empty(x.shape, 'float32', x.device);
  if (out.numel) {
    args.reset().num(log).num(d).view(out).view(xc);
    x.kernels.softmax(out.handle(name), xc.handle(name));
  }
  if (xc !== x) xc.dispose();
  if (isGradEnabled() && x.requiresGrad) {
    record(name, out, [x], (g) => {
      const gc = contig(g);
      const dx = Tensor.empty(x.shape, 'float32', x.device);
      if (dx.numel) {
        args.reset().num(log).num(d).view(dx).view(gc).view(out);
        x.kernels.softmaxBackward(dx.handle(name), gc.handle(name), out.handle(name));
      }
      return [dx];
    });
  }
  return out;
}

/**
 * Softmax along `dim`: exp(x) / sum(exp(x)), with the row max subtracted first.
 * @example softmax(tensor([[1, 2, 3]]), -1)  // [[0.090, 0.245, 0.665]]
 */
export function softmax(x: Tensor, dim = -1): Tensor { return softmaxOp('softmax', x, dim); }

/**
 * log(softmax(x)) along `dim`, as x - max - log(sum(exp(x - max))).
 * @example logSoftmax(randn([4, 10]), 1).exp().sum(1)  // ones
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor { return softmaxOp('logSoftmax', x, dim); }

export interface CrossEntropyOptions {
  /** Per-class weights [C] (float32). */
  weight?: Tensor | null;
  /** Class-index targets equal to this contribute nothing (and are left out of the mean). */
  ignoreIndex?: number;
  reduction?: Reduction;
  /** Mixes the target with the uniform distribution: (1 - s) * target + s / C. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between softmax(input) over dim 1 and the target, like
 * torch.nn.functional.cross_entropy: input [N, C] or [N, C, d...] (or [C]); target int32
 * class indices [N, d...] or float32 probabilities shaped like input (differentiable too).
 * One fused kernel for the forward and for the gradient of the logits.
 * @example crossEntropy(randn([8, 10]), randint(0, 10, [8]))  // scalar loss
 */
export function crossEntropy(inputIn: Tensor, targetIn: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const input = checkTensor(op, inputIn, 'input'), target = checkTensor(op, targetIn, 'target');
  if (opts === null || typeof opts !== 'object') throw typeError(op, `options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  const reduction = checkReduction(op, opts.reduction);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const smoothing = opts.labelSmoothing ?? 0;
  if (!Number.isInteger(ignoreIndex) || Math.abs(ignoreIndex) > 2 ** 31 - 1) throw typeError(op, `ignoreIndex must be an int32 integer, got ${ignoreIndex}`);
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) throw rangeError(op, `labelSmoothing must be in [0, 1], got ${smoothing}`);
  if (input.dtype !== 'float32') throw typeError(op, `input must be float32 logits, got ${input.dtype}`);
  if (target.dtype !== 'int32' && target.dtype !== 'float32') {
    throw typeError(op, `target must be int32 class indices or float32 probabilities, got ${target.dtype} (shape ${fmtShape(target.shape)})`);
  }
  const probs = target.dtype === 'float32';
  if (input.ndim === 0) throw rangeError(op, `input must be [C] or [N, C, ...], got a 0-d tensor`);
  if (input.ndim === 1) {
    // Unbatched: [C] with a 0-d class index or [C] probabilities.
    const want = probs ? input.shape : [];
    if (!sameShape(target.shape, want)) throw rangeError(op, `target ${fmtShape(target.shape)} does not match unbatched input ${fmtShape(input.shape)} (expected ${fmtShape(want)})`);
    const out = crossEntropy(input.unsqueeze(0), target.unsqueeze(0), opts);
    return reduction === 'none' ? out.squeeze(0) : out;
  }
  const C = input.shape[1];
  const wantTarget = probs ? input.shape : [input.shape[0], ...input.shape.slice(2)];
  if (!sameShape(target.shape, wantTarget)) {
    throw rangeError(op, `target ${fmtShape(target.shape)} does not match input ${fmtShape(input.shape)} (expected ${probs ? 'probabilities' : 'class indices'} of shape ${fmtShape(wantTarget)})`);
  }
  const weight = opts.weight ? checkTensor(op, opts.weight, 'weight') : null;
  if (weight && weight.dtype !== 'float32') throw typeError(op, `weight must be float32, got ${weight.dtype}`);
  if (weight && !sameShape(weight.shape, [C])) throw rangeError(op, `weight must have shape [${C}] (one per class), got ${fmtShape(weight.shape)}`);
  const logits = contig(input), tgt = contig(target), w = weight ? contig(weight) : null;
  const M = input.shape[0] * numelOf(input.shape.slice(2));
  const lse = Tensor.empty([M], 'float32');
  const out = Tensor.empty(reduction === 'none' ? [input.shape[0], ...input.shape.slice(2)] : [], 'float32');
  const code = REDUCTION_CODE[reduction];
  const head = (): typeof args => args.reset().num(code).num(ignoreIndex).num(smoothing).num(probs ? 1 : 0).num(w ? 1 : 0);
  head().view(out).view(lse).view(logits).view(tgt);
  if (w) args.view(w);
  const wsum = native.crossEntropy(out.handle(op), lse.handle(op), logits.handle(op), tgt.handle(op), w ? w.handle(op) : undefined);
  const soft = probs && target.requiresGrad;
  if (isGradEnabled() && (input.requiresGrad || soft)) {
    const scale = reduction === 'mean' ? 1 / wsum : 1;
    record(op, out, probs ? [input, target] : [input], (g) => {
      const gc = contig(g);
      let dlogits: Tensor | null = null, dtarget: Tensor | null = null;
      if (input.requiresGrad) {
        dlogits = Tensor.empty(input.shape, 'float32');
        head().num(scale).view(dlogits).view(gc).view(logits).view(lse).view(tgt);
        if (w) args.view(w);
        native.crossEntropyBackward(dlogits.handle(op), gc.handle(op), logits.handle(op), lse.handle(op), tgt.handle(op), w ? w.handle(op) : undefined);
      }
      if (soft) {
        // d loss / d target[n, c] = -g[n] * scale * (1 - smoothing) * weight[c] * logSoftmax(logits)[n, c]
        const ones = input.shape.slice(2).map(() => 1);
        const logp = logits.sub(lse.reshape([input.shape[0], 1, ...input.shape.slice(2)]));
        const gn = reduction === 'none' ? gc.reshape([input.shape[0], 1, ...input.shape.slice(2)]) : gc;
        dtarget = logp.mul(gn).mul(-scale * (1 - smoothing));
        if (w) dtarget = dtarget.mul(w.reshape([1, C, ...ones]));
      }
      return [dlogits, dtarget];
    });
  } else {
    lse.dispose();
    for (const t of [logits, tgt, w]) if (t && t !== input && t !== target && t !== weight) t.dispose();
  }
  return out;
}

Tensor.prototype.softmax = function (this: Tensor, dim = -1) { return softmax(this, dim); };
Tensor.prototype.logSoftmax = function (this: Tensor, dim = -1) { return logSoftmax(this, dim); };
