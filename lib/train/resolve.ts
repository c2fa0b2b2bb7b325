/** Turns fit's `loss` and `metrics` options (names or objects) into functions and streaming
 * metrics: losses from nn.functional, metrics from lib/metrics. */
import type { Tensor } from '../tensor';
import { typeError } from '../errors';
import * as F from '../nn/functional';
import { createMetric } from '../metrics/streaming';
import type { LossFn, StreamingMetric } from './types';

const LOSSES: Record<string, LossFn> = {
  crossEntropy: (p: Tensor, t: Tensor) => F.crossEntropy(p, t),
  nll: (p: Tensor, t: Tensor) => F.nllLoss(p, t),
  mse: (p: Tensor, t: Tensor) => F.mseLoss(p, t),
  l1: (p: Tensor, t: Tensor) => F.l1Loss(p, t),
  huber: (p: Tensor, t: Tensor) => F.huberLoss(p, t),
  bce: (p: Tensor, t: Tensor) => F.binaryCrossEntropy(p, t),
  bceWithLogits: (p: Tensor, t: Tensor) => F.binaryCrossEntropyWithLogits(p, t),
};
const ALIASES: Record<string, string> = {
  cross_entropy: 'crossEntropy', nllLoss: 'nll', mseLoss: 'mse', l1Loss: 'l1', mae: 'l1', huberLoss: 'huber',
  binaryCrossEntropy: 'bce', binaryCrossEntropyWithLogits: 'bceWithLogits',
};

/** A loss function from a name (crossEntropy, nll, mse, l1, huber, bce, bceWithLogits) or a function. */
export function resolveLoss(op: string, loss: string | LossFn): LossFn {
  if (typeof loss === 'function') return loss;
  const fn = typeof loss === 'string' ? LOSSES[ALIASES[loss] ?? loss] : undefined;
  if (!fn) throw typeError(op, `unknown loss ${JSON.stringify(loss)} (expected one of ${Object.keys(LOSSES).join(', ')}, or a function)`);
  return fn;
}

/** A fresh streaming metric from a name (see metrics.createMetric), or the object given. */
export function resolveMetric(op: string, m: string | StreamingMetric): StreamingMetric {
  if (typeof m === 'string') {
    try {
      return createMetric(m);
    } catch (e) {
      throw typeError(op, (e as Error).message);
    }
  }
  if (!m || typeof m.update !== 'function' || typeof m.compute !== 'function' || typeof m.reset !== 'function') {
    throw typeError(op, 'a metric must be a name or an object with update(pred, target), compute() and reset()');
  }
  return m;
}
