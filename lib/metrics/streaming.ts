/**
 * Streaming metrics: update(pred, target) per batch, compute() at the end, reset() between
 * epochs. Batch statistics are computed natively, kept on the device until compute() (so an
 * update never waits for the batch to be computed), and summed in float64.
 * @example
 * const acc = new Accuracy();
 * for (const [xb, yb] of loader) acc.update(model.forward(xb), yb);
 * console.log(acc.compute());
 */
import { Tensor, tidy } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { checkOptions } from '../options';
import { checkTensor } from '../ops/util';
import { cat } from '../ops/join';
import {
  aucFromArrays, averageScore, classStats, confusionMatrix, formatConfusionMatrix, formatReport, toLabels, topKCorrect,
  type Average, type ClassStats,
} from './classification';
import { r2FromSums } from './regression';
import { DeviceSum } from './accumulate';

export interface Metric<R = number> {
  readonly name: string;
  update(pred: Tensor, target: Tensor): void;
  compute(): R;
  reset(): void;
}

export class Accuracy implements Metric {
  readonly name = 'accuracy';
  private readonly correct = new DeviceSum(1);
  private total = 0;
  update(pred: Tensor, target: Tensor): void {
    tidy(() => {
      const p = toLabels('Accuracy.update', pred);
      checkTensor('Accuracy.update', target, 'target');
      if (target.ndim !== 1 || target.shape[0] !== p.shape[0]) throw rangeError('Accuracy.update', `target must be [${p.shape[0]}], got ${fmtShape(target.shape)}`);
      this.correct.add(p.eq(target.to('int32')).to('int32').sum());
      this.total += p.shape[0];
    });
  }
  compute(): number { return this.total ? this.correct.values()[0] / this.total : NaN; }
  reset(): void { this.correct.reset(); this.total = 0; }
}

export class TopKAccuracy implements Metric {
  readonly name: string;
  private correct = 0;
  private total = 0;
  constructor(readonly k = 5) { this.name = `top${k}Accuracy`; }
  update(pred: Tensor, target: Tensor): void {
    this.correct += topKCorrect(pred, target, this.k);
    this.total += pred.shape[0];
  }
  compute(): number { return this.total ? this.correct / this.total : NaN; }
  reset(): void { this.correct = 0; this.total = 0; }
}

/** Accumulates a confusion matrix; compute() returns it as rows (true) of columns (predicted). */
export class ConfusionMatrix implements Metric<number[][]> {
  readonly name: string = 'confusionMatrix';
  private readonly sums: DeviceSum;
  constructor(readonly numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw rangeError('ConfusionMatrix', `numClasses must be a positive integer, got ${numClasses}`);
    this.sums = new DeviceSum(numClasses * numClasses);
  }
  /** The accumulated counts, row-major [true][predicted]. */
  protected get counts(): Float64Array { return this.sums.values(); }
  update(pred: Tensor, target: Tensor): void {
    tidy(() => this.sums.add(confusionMatrix(pred, target, { numClasses: this.numClasses })));
  }
  compute(): number[][] {
    const c = this.numClasses;
    return Array.from({ length: c }, (_, i) => Array.from(this.counts.subarray(i * c, (i + 1) * c)));
  }
  stats(zeroDivision = 0): ClassStats { return classStats(this.counts, this.numClasses, zeroDivision); }
  /** sklearn-style report of the accumulated predictions. */
  report(opts: { targetNames?: string[]; digits?: number } = {}): string { return formatReport(this.stats(), opts); }
  /** The accumulated matrix as an aligned text table. */
  format(labels?: string[]): string { return formatConfusionMatrix(this.compute(), { labels }); }
  reset(): void { this.sums.reset(); }
}

abstract class ClassScore implements Metric<number | number[]> {
  abstract readonly name: string;
  protected abstract readonly which: 'precision' | 'recall' | 'f1';
  /** The accumulated confusion matrix the score is computed from. */
  readonly matrix: ConfusionMatrix;
  readonly average: Average;
  readonly zeroDivision: number;
  constructor(numClasses: number, opts: { average?: Average; zeroDivision?: number } = {}) {
    checkOptions(this.constructor.name, opts, ['average', 'zeroDivision']);
    this.matrix = new ConfusionMatrix(numClasses);
    this.average = opts.average ?? 'macro';
    this.zeroDivision = opts.zeroDivision ?? 0;
    if (!['macro', 'micro', 'weighted', 'none'].includes(this.average)) throw typeError('metric', `average must be macro, micro, weighted or none, got ${String(this.average)}`);
  }
  update(pred: Tensor, target: Tensor): void { this.matrix.update(pred, target); }
  compute(): number | number[] { return averageScore(this.matrix.stats(this.zeroDivision), this.which, this.average, this.zeroDivision); }
  reset(): void { this.matrix.reset(); }
}

export class Precision extends ClassScore { readonly name = 'precision'; protected readonly which = 'precision' as const; }
export class Recall extends ClassScore { readonly name = 'recall'; protected readonly which = 'recall' as const; }
export class F1Score extends ClassScore { readonly name = 'f1'; protected readonly which = 'f1' as const; }

abstract class ErrorSum implements Metric {
  abstract readonly name: string;
  private readonly sum = new DeviceSum(1);
  private count = 0;
  protected abstract batch(diff: Tensor): Tensor;
  update(pred: Tensor, target: Tensor): void {
    checkTensor(this.name, pred, 'pred'); checkTensor(this.name, target, 'target');
    if (pred.shape.join() !== target.shape.join()) throw rangeError(this.name, `pred ${fmtShape(pred.shape)} and target ${fmtShape(target.shape)} must have the same shape`);
    tidy(() => this.sum.add(this.batch(pred.to('float32').sub(target.to('float32'))).sum()));
    this.count += pred.numel;
  }
  compute(): number { return this.count ? this.sum.values()[0] / this.count : NaN; }
  reset(): void { this.sum.reset(); this.count = 0; }
}

export class MeanSquaredError extends ErrorSum {
  readonly name = 'mse';
  protected batch(d: Tensor): Tensor { return d.square(); }
}
export class MeanAbsoluteError extends ErrorSum {
  readonly name = 'mae';
  protected batch(d: Tensor): Tensor { return d.abs(); }
}

/** R^2 over all batches (per output for [N, k], then averaged), from running sums. */
export class R2Score implements Metric {
  readonly name = 'r2';
  private n = 0;
  private sums: DeviceSum | null = null;  // [Σy, Σy², Σ(p - y)²] per output
  update(pred: Tensor, target: Tensor): void {
    checkTensor('R2Score', pred, 'pred'); checkTensor('R2Score', target, 'target');
    if (pred.shape.join() !== target.shape.join() || pred.ndim < 1 || pred.ndim > 2) throw rangeError('R2Score', `pred ${fmtShape(pred.shape)} and target ${fmtShape(target.shape)} must be one [N] or [N, k] shape`);
    const k = pred.ndim === 2 ? pred.shape[1] : 1;
    if (this.sums && this.sums.width !== 3 * k) throw rangeError('R2Score', `got ${k} outputs, earlier batches had ${this.sums.width / 3}`);
    const sums = this.sums ??= new DeviceSum(3 * k);
    tidy(() => {
      const t = target.to('float32').reshape([-1, k]), p = pred.to('float32').reshape([-1, k]);
      sums.add(cat([t.sum(0), t.square().sum(0), p.sub(t).square().sum(0)], 0));
    });
    this.n += pred.shape[0];
  }
  compute(): number {
    if (this.n < 2 || !this.sums) return NaN;
    const v = this.sums.values(), k = v.length / 3;
    const r = Array.from({ length: k }, (_, i) => r2FromSums(v[2 * k + i], Math.max(v[k + i] - (v[i] * v[i]) / this.n, 0)));
    return r.reduce((a, b) => a + b, 0) / r.length;
  }
  reset(): void { this.n = 0; this.sums?.reset(); this.sums = null; }
}

/** Binary ROC-AUC over all batches (keeps the scores and labels). */
export class RocAuc implements Metric {
  readonly name = 'rocAuc';
  private scores: number[] = [];
  private labels: number[] = [];
  update(pred: Tensor, target: Tensor): void {
    checkTensor('RocAuc', pred, 'scores'); checkTensor('RocAuc', target, 'target');
    const s = pred.ndim === 2 && pred.shape[1] === 2 ? tidy(() => pred.slice(1, 1, 2).to('float32').dataSync()) : pred.to('float32').dataSync();
    if (s.length !== target.numel) throw rangeError('RocAuc', `target has ${target.numel} entries, scores ${s.length}`);
    for (const v of s) this.scores.push(v);
    for (const v of target.dataSync()) this.labels.push(v);
  }
  compute(): number { return aucFromArrays(Float64Array.from(this.scores), this.labels); }
  reset(): void { this.scores = []; this.labels = []; }
}

/**
 * A scalar streaming metric by name (what train.fit's `metrics: ['accuracy']` resolves):
 * 'accuracy', 'top5Accuracy' (any k), 'mse', 'mae', 'r2', 'rocAuc'; 'precision', 'recall',
 * 'f1' need numClasses (macro average unless `average` says otherwise).
 */
export function createMetric(name: string, opts: { numClasses?: number; average?: Exclude<Average, 'none'> } = {}): Metric<number> {
  checkOptions('createMetric', opts, ['numClasses', 'average']);
  const topk = /^top(\d+)Accuracy$/.exec(name);
  if (topk) return new TopKAccuracy(Number(topk[1]));
  switch (name) {
    case 'accuracy': case 'acc': return new Accuracy();
    case 'mse': return new MeanSquaredError();
    case 'mae': return new MeanAbsoluteError();
    case 'r2': return new R2Score();
    case 'rocAuc': case 'auc': return new RocAuc();
    case 'precision': case 'recall': case 'f1': {
      if (!opts.numClasses) throw typeError('createMetric', `${name} needs numClasses`);
      if ((opts.average as string) === 'none') throw typeError('createMetric', `createMetric makes scalar metrics; for per-class values use new metrics.${name === 'f1' ? 'F1Score' : name[0].toUpperCase() + name.slice(1)}(numClasses, { average: 'none' })`);
      const C = name === 'precision' ? Precision : name === 'recall' ? Recall : F1Score;
      return new C(opts.numClasses, { average: opts.average }) as Metric<number | number[]> as Metric<number>;
    }
    default: throw typeError('createMetric', `unknown metric ${JSON.stringify(name)} (accuracy, topKAccuracy, precision, recall, f1, mse, mae, r2, rocAuc)`);
  }
}
