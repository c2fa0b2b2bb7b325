/** Batch, layer and group norm on the fused native kernels (native/cpu/norm), with
 * PyTorch's argument names and semantics. */
import { native, args } from '../native';
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { checkFloat, checkInt } from './conv';

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Batch statistics (and running-stat updates) when true; running statistics when false. */
  training?: boolean;
  /** running = (1 - momentum) * running + momentum * batch statistic. */
  momentum?: number;
  eps?: number;
}

export interface LayerNormOptions { weight?: Tensor | null; bias?: Tensor | null; eps?: number }

const contig = (t: Tensor): Tensor => (t.isContiguous() ? t : t.contiguous());

function finiteNumber(op: string, arg: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(op, `${arg} must be a finite number, got ${String(v)}`);
  if (v < min) throw rangeError(op, `${arg} must be >= ${min}, got ${v}`);
  return v;
}

/** An optional float32 parameter of exactly `shape`. */
function param(op: string, arg: string, t: Tensor | null | undefined, shape: readonly number[]): Tensor | null {
  if (t === null || t === undefined) return null;
  const p = checkFloat(op, t, arg);
  if (p.shape.length !== shape.length || p.shape.some((s, i) => s !== shape[i])) {
    throw rangeError(op, `${arg} must have shape ${fmtShape(shape)}, got ${fmtShape(p.shape)}`);
  }
  return contig(p);
}

/**
 * Batch normalization over the channel dim (1) of x [N, C, ...], like
 * torch.nn.functional.batch_norm. In training mode the running statistics (when given)
 * are updated in place; they must be contiguous float32 [C] tensors.
 * @example const y = batchNorm(x, runningMean, runningVar, { weight, bias, training: true });
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  const op = 'batchNorm';
  const x = contig(checkFloat(op, input, 'input'));
  if (x.ndim < 2) throw rangeError(op, `input must have at least 2 dims (N, C, ...), got ${fmtShape(x.shape)}`);
  const C = x.shape[1], training = opts.training ?? false;
  if (typeof training !== 'boolean') throw typeError(op, `training must be a boolean, got ${typeof training}`);
  const momentum = finiteNumber(op, 'momentum', opts.momentum ?? 0.1), eps = finiteNumber(op, 'eps', opts.eps ?? 1e-5, 0);
  if ((runningMean === null) !== (runningVar === null)) throw typeError(op, 'runningMean and runningVar must both be given or both be null');
  const rm = param(op, 'runningMean', runningMean, [C]), rv = param(op, 'runningVar', runningVar, [C]);
  if (rm && (rm !== runningMean || rv !== runningVar)) throw rangeError(op, 'runningMean and runningVar must be contiguous (they are updated in place)');
  if ((rm && rm.requiresGrad) || (rv && rv.requiresGrad)) throw rangeError(op, 'running statistics must not require grad');
  if (!training && !rm) throw rangeError(op, 'runningMean and runningVar are required when training is false');
  const spatial = x.shape.slice(2).reduce((a, b) => a * b, 1);
  if (training && x.shape[0] * spatial <= 1) {
    throw rangeError(op, `expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
  }
  const w = param(op, 'weight', opts.weight, [C]), b = param(op, 'bias', opts.bias, [C]);
  const out = Tensor.empty(x.shape, 'float32', x.device), saveMean = Tensor.empty([C], 'float32', x.device), saveInvstd = Tensor.empty([C], 'float32', x.device);
  args.reset().num(training ? 1 : 0).num(momentum).num(eps).num(w ? 1 : 0).num(b ? 1 : 0).num(rm ? 1 : 0)
    .view(out).view(saveMean).view(saveInvstd).view(x);
  if (w) args.view(w);
  if (b) args.view(b);
  if (rm && rv) args.view(rm).view(rv);
  x.kernels.batchNormForward(out.handle(op), saveMean.handle(op), saveInvstd.handle(op), x.handle(op),
    w?.handle(op), b?.handle(op), rm?.handle(op), rv?.handle(op));
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    record(op, out, inputs, (g) => {
      const dy = contig(g);
      const dx = x.requiresGrad ? Tensor.empty(x.shape, 'float32', x.device) : null;
      const dw = w && w.requiresGrad ? Tensor.empty([C], 'float32', x.device) : null, db = b && b.requiresGrad ? Tensor.empty([C], 'float32', x.device) : null;
      args.reset().num(training ? 1 : 0).num(dx ? 1 : 0).num(dw ? 1 : 0).num(db ? 1 : 0).num(w ? 1 : 0);
      if (dx) args.view(dx);
      if (dw) args.view(dw);
      if (db) args.view(db);
      args.view(dy).view(x).view(saveMean).view(saveInvstd);
      if (w) args.view(w);
      x.kernels.batchNormBackward(dx?.handle(op), dw?.handle(op), db?.handle(op), dy.handle(op), x.handle(op),
        saveMean.handle(op), saveInvstd.handle(op), w?.handle(op));
      return [dx, ...(w ? [dw] : []), ...(b ? [db] : [])];
    });
  }
  return out;
}

/**
 * Layer normalization over the trailing `normalizedShape` dims, like
 * torch.nn.functional.layer_norm.
 * @example const y = layerNorm(randn([4, 10, 32]), [32], { weight: ones([32]), bias: zeros([32]) });
 */
export function layerNorm(input: Tensor, normalizedShape: number | readonly number[], opts: LayerNormOptions = {}): Tensor {
  const op = 'layerNorm';
  const x = contig(checkFloat(op, input, 'input'));
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(ns) || ns.length === 0 || !ns.every((s) => Number.isInteger(s) && s >= 1)) {
    throw typeError(op, `normalizedShape must be a positive integer or a non-empty array of them, got ${JSON.stringify(normalizedShape)}`);
  }
  const tail = x.shape.slice(x.ndim - ns.length);
  if (x.ndim < ns.length || tail.some((s, i) => s !== ns[i])) {
    throw rangeError(op, `input ${fmtShape(x.shape)} does not end in normalizedShape ${fmtShape(ns)}`);
  }
  const eps = finiteNumber(op, 'eps', opts.eps ?? 1e-5, 0);
  const w = param(op, 'weight', opts.weight, ns), b = param(op, 'bias', opts.bias, ns);
  const D = ns.reduce((a, c) => a * c, 1), M = x.numel / D;
  const out = Tensor.empty(x.shape), mean = Tensor.empty([M]), rstd = Tensor.empty([M]);
  args.reset().num(D).num(eps).num(w ? 1 : 0).num(b ? 1 : 0).view(out).view(mean).view(rstd).view(x);
  if (w) args.view(w);
  if (b) args.view(b);
  native.layerNormForward(out.handle(op), mean.handle(op), rstd.handle(op), x.handle(op), w?.handle(op), b?.handle(op));
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    record(op, out, inputs, (g) => {
      const dy = contig(g);
      const dx = x.requiresGrad ? Tensor.empty(x.shape) : null;
      const dw = w && w.requiresGrad ? Tensor.empty(ns) : null, db = b && b.requiresGrad ? Tensor.empty(ns) : null;
      args.reset().num(D).num(dx ? 1 : 0).num(dw ? 1 : 0).num(db ? 1 : 0).num(w ? 1 : 0);
      if (dx) args.view(dx);
      if (dw) args.view(dw);
      if (db) args.view(db);
      args.view(dy).view(x).view(mean).view(rstd);
      if (w) args.view(w);
      native.layerNormBackward(dx?.handle(op), dw?.handle(op), db?.handle(op), dy.handle(op), x.handle(op),
        mean.handle(op), rstd.handle(op), w?.handle(op));
      return [dx, ...(w ? [dw] : []), ...(b ? [db] : [])];
    });
  }
  return out;
}

/**
 * Group normalization of x [N, C, ...] like torch.nn.functional.group_norm: the channels
 * split into `numGroups` groups, each (sample, group) normalized over its channels and
 * spatial positions (biased variance), then scaled and shifted per channel by weight/bias [C].
 * @example const y = groupNorm(randn([2, 6, 4, 4]), 3, ones([6]), zeros([6]));  // [2, 6, 4, 4]
 */
export function groupNorm(input: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const op = 'groupNorm';
  const x = contig(checkFloat(op, input, 'input'));
  if (x.ndim < 2) throw rangeError(op, `input must have at least 2 dims (N, C, ...), got ${fmtShape(x.shape)}`);
  const G = checkInt(op, 'numGroups', numGroups, 1), [N, C] = x.shape;
  if (C % G !== 0) throw rangeError(op, `numGroups ${G} must divide the number of channels ${C} of input ${fmtShape(x.shape)}`);
  const e = finiteNumber(op, 'eps', eps, 0);
  const w = param(op, 'weight', weight, [C]), b = param(op, 'bias', bias, [C]);
  const out = Tensor.empty(x.shape), mean = Tensor.empty([N, G]), rstd = Tensor.empty([N, G]);
  args.reset().num(G).num(e).num(w ? 1 : 0).num(b ? 1 : 0).view(out).view(mean).view(rstd).view(x);
  if (w) args.view(w);
  if (b) args.view(b);
  native.groupNormForward(out.handle(op), mean.handle(op), rstd.handle(op), x.handle(op), w?.handle(op), b?.handle(op));
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    record(op, out, inputs, (g) => {
      const dy = contig(g);
      const dx = x.requiresGrad ? Tensor.empty(x.shape) : null;
      const dw = w && w.requiresGrad ? Tensor.empty([C]) : null, db = b && b.requiresGrad ? Tensor.empty([C]) : null;
      args.reset().num(G).num(dx ? 1 : 0).num(dw ? 1 : 0).num(db ? 1 : 0).num(w ? 1 : 0);
      if (dx) args.view(dx);
      if (dw) args.view(dw);
      if (db) args.view(db);
      args.view(dy).view(x).view(mean).view(rstd);
      if (w) args.view(w);
      native.groupNormBackward(dx?.handle(op), dw?.handle(op), db?.handle(op), dy.handle(op), x.handle(op),
        mean.handle(op), rstd.handle(op), w?.handle(op));
      return [dx, ...(w ? [dw] : []), ...(b ? [db] : [])];
    });
  }
  return out;
}
