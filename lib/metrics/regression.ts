/** Regression metrics: pred and target of one shape; [N] or [N, k] (k outputs). */
import { Tensor, tidy } from '../tensor';
import { fmtShape, rangeError } from '../errors';
import { checkTensor } from '../ops/util';

function pair(op: string, pred: Tensor, target: Tensor): [Tensor, Tensor] {
  checkTensor(op, pred, 'pred'); checkTensor(op, target, 'target');
  if (pred.shape.length !== target.shape.length || pred.shape.some((s, i) => s !== target.shape[i])) {
    throw rangeError(op, `pred ${fmtShape(pred.shape)} and target ${fmtShape(target.shape)} must have the same shape`);
  }
  return [pred.to('float32'), target.to('float32')];
}

/**
 * Mean squared error over all elements.
 * @example
 * console.log(metrics.mse(tensor([1, 2]), tensor([1, 4])));   // 2
 */
export function mse(pred: Tensor, target: Tensor): number {
  return tidy(() => { const [p, t] = pair('mse', pred, target); return p.sub(t).square().mean().item(); });
}

/**
 * Mean absolute error over all elements.
 * @example
 * console.log(metrics.mae(tensor([1, 2]), tensor([0, 4])));   // 1.5
 */
export function mae(pred: Tensor, target: Tensor): number {
  return tidy(() => { const [p, t] = pair('mae', pred, target); return p.sub(t).abs().mean().item(); });
}

/** R^2 of one output from its sums; a constant target gives 1 if predicted exactly, else 0. */
export function r2FromSums(ssRes: number, ssTot: number): number {
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/**
 * Coefficient of determination 1 - SS_res / SS_tot; for [N, k] the uniform average over the
 * k outputs (scikit-learn's default).
 * @example
 * console.log(metrics.r2Score(tensor([1, 2, 3]), tensor([1, 2, 3])));   // 1
 */
export function r2Score(pred: Tensor, target: Tensor): number {
  return tidy(() => {
    const [p, t] = pair('r2Score', pred, target);
    if (p.ndim === 0 || p.ndim > 2 || p.shape[0] < 2) throw rangeError('r2Score', `needs [N] or [N, k] with N >= 2, got ${fmtShape(p.shape)}`);
    const res = Array.from(p.sub(t).square().sum(0).reshape([-1]).dataSync());
    const tot = Array.from(t.sub(t.mean(0, true)).square().sum(0).reshape([-1]).dataSync());
    return res.reduce((a, r, i) => a + r2FromSums(r, tot[i]), 0) / res.length;
  });
}
