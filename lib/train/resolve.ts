/** Names accepted by fit for losses and metrics, mapped to nn.functional and lib/metrics. */
import type { Tensor } from '../tensor';
import { typeError } from '../errors';
import * as F from '../nn/functional';
import { createMetric } from '../metrics/streaming';
import type { LossFn, StreamingMetric } from './types';

const LOSSES: Record<string, LossFn> = {
  crossEntropy: (p, t) => F.crossEntropy(p, t),
  nll: (p, t) => F.nllLoss(p, t),
  mse: (p, t) => F.mseLoss(p, t),
  l1: (p, t) => F.l1Loss(p, t),
  huber: (p, t) => F.huberLoss(p, t),
  bce: (p, t) => F.binaryCrossEntropy(p, t),
  bceWithLogits: (p, t) => F.binaryCrossEntropyWithLogits(p, t),
};

export function resolveLoss(op: string, loss: string | LossFn): LossFn {
  if (typeof loss === 'function') return loss;
  const fn = LOSSES[loss];
  if (!fn) throw typeError(op, `unknown loss ${JSON.stringify(loss)} (expected ${Object.keys(LOSSES).join(', ')} or a function)`);
  return fn;
}

/** precision/recall/f1 need the class count: taken from the predictions' last dim on first use. */
class LazyClassMetric implements StreamingMetric {
  private inner: StreamingMetric | null = null;
  constructor(readonly name: string) {}
  update(pred: Tensor, target: Tensor): void {
    if (!this.inner) {
      const numClasses = pred.ndim >= 2 ? pred.shape[pred.ndim - 1] : 2;
      this.inner = createMetric(this.name, { numClasses, average: 'macro' }) as StreamingMetric;
    }
    this.inner.update(pred, target);
  }
  compute(): number { return this.inner ? this.inner.compute() : NaN; }
  reset(): void { this.inner?.reset(); }
}

export function resolveMetric(op: string, m: string | StreamingMetric): StreamingMetric {
  if (typeof m !== 'string') {
    if (!m || typeof m.update !== 'function' || typeof m.compute !== 'function') throw typeError(op, 'a metric must be a name or have update/compute/reset');
    return m;
  }
  if (m === 'precision' || m === 'recall' || m === 'f1') return new LazyClassMetric(m);
  return createMetric(m) as StreamingMetric;
}
