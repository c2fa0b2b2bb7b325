/**
 * Classification metrics on tensors: predictions are class indices [N] or scores/logits
 * [N, C] (argmax over dim 1); targets are integer class indices [N]. Counting runs as native
 * ops (argmax, compare, one-hot matmul for the confusion matrix); only the small C x C table
 * is read back.
 */
import { Tensor, tidy } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { checkOptions } from '../options';
import { checkTensor } from '../ops/util';
import { where } from '../ops/elementwise';
import { zeros } from '../ops/creation';
import { oneHot } from '../data/preprocessing';

/**
 * How per-class scores combine: 'macro' (plain mean), 'micro' (global counts), 'weighted' (by support), 'none' (per class).
 * @example
 * const avg: metrics.Average = 'micro';
 * const p = metrics.precision(randint(0, 3, [50]), randint(0, 3, [50]), { average: avg });
 */
export type Average = 'macro' | 'micro' | 'weighted' | 'none';

/**
 * The class count option of the classification metrics.
 * @example
 * const opts: metrics.ClassOptions = { numClasses: 10 };
 * const cm = metrics.confusionMatrix(tensor([1, 2], { dtype: 'int32' }), tensor([1, 3], { dtype: 'int32' }), opts);   // [10, 10]
 */
export interface ClassOptions {
  /** Number of classes (default: 1 + the largest label seen in pred or target). */
  numClasses?: number;
}

/** Class indices (int32 [N]) from labels [N] or scores [N, C]. */
export function toLabels(op: string, pred: Tensor): Tensor {
  checkTensor(op, pred, 'pred');
  if (pred.ndim === 2) return pred.argmax(1);
  if (pred.ndim !== 1) throw rangeError(op, `pred must be class indices [N] or scores [N, C], got ${fmtShape(pred.shape)}`);
  if (pred.dtype === 'float32') {
    const nonInt = tidy(() => pred.ne(pred.round()).sum().item());
    if (nonInt) throw typeError(op, 'pred is a float32 vector with non-integer values; pass class indices [N] or scores [N, C]');
  }
  return pred.dtype === 'int32' ? pred : pred.to('int32');
}

function checkTarget(op: string, target: Tensor, n: number): Tensor {
  checkTensor(op, target, 'target');
  if (target.ndim !== 1 || target.shape[0] !== n) throw rangeError(op, `target must be class indices [${n}], got ${fmtShape(target.shape)}`);
  if (target.dtype === 'float32') {
    const nonInt = tidy(() => target.ne(target.round()).sum().item());
    if (nonInt) throw typeError(op, 'target must hold integer class indices');
  }
  return target.dtype === 'int32' ? target : target.to('int32');
}

/**
 * Fraction of samples whose predicted class equals the target.
 * @example
 * const logits = tensor([[2, 0], [0, 1], [3, 1]]), y = tensor([0, 1, 1], { dtype: 'int32' });
 * console.log(metrics.accuracy(logits, y));   // 0.6666...
 */
export function accuracy(pred: Tensor, target: Tensor): number {
  return tidy(() => {
    const p = toLabels('accuracy', pred);
    const t = checkTarget('accuracy', target, p.shape[0]);
    if (p.shape[0] === 0) return NaN;
    return p.eq(t).to('int32').sum().item() / p.shape[0];
  });
}

/** Number of correct predictions among the k highest scores (ties count in the target's favour). */
export function topKCorrect(scores: Tensor, target: Tensor, k: number): number {
  const op = 'topKAccuracy';
  checkTensor(op, scores, 'scores');
  if (scores.ndim !== 2) throw rangeError(op, `scores must be [N, C], got ${fmtShape(scores.shape)}`);
  if (!Number.isInteger(k) || k < 1) throw rangeError(op, `k must be a positive integer, got ${k}`);
  return tidy(() => {
    const t = checkTarget(op, target, scores.shape[0]);
    const c = scores.shape[1];
    const mask = oneHot(t, c).gt(0);
    const s = scores.to('float32');
    const own = where(mask, s, 0).sum(1, true);
    // rank = number of classes scoring strictly higher than the target's class.
    const rank = s.gt(own).to('int32').sum(1);
    return rank.lt(k).to('int32').sum().item();
  });
}

/**
 * Fraction of samples whose target class is among the k highest scores.
 * @example
 * const scores = tensor([[0.1, 0.5, 0.4], [0.8, 0.15, 0.05]]);
 * console.log(metrics.topKAccuracy(scores, tensor([2, 1], { dtype: 'int32' }), 2));   // 1
 */
export function topKAccuracy(scores: Tensor, target: Tensor, k = 5): number {
  const n = scores?.shape?.[0];
  const correct = topKCorrect(scores, target, k);
  return n ? correct / n : NaN;
}

function inferClasses(p: Tensor, t: Tensor, numClasses?: number): number {
  const [lo, hi] = tidy(() => {
    if (p.shape[0] === 0) return [0, -1];
    return [Math.min(p.min().item(), t.min().item()), Math.max(p.max().item(), t.max().item())];
  });
  if (lo < 0) throw rangeError('confusionMatrix', `labels must be non-negative, got ${lo}`);
  const c = numClasses ?? hi + 1;
  if (!Number.isInteger(c) || c < 1) throw rangeError('confusionMatrix', `numClasses must be a positive integer, got ${numClasses}`);
  if (hi >= c) throw rangeError('confusionMatrix', `label ${hi} is out of range for ${c} classes`);
  return c;
}

/**
 * Confusion matrix as int32 [C, C]: row = true class, column = predicted class (as in
 * scikit-learn). Computed as onehot(target)^T @ onehot(pred) in chunks exact in float32.
 * @example
 * const pred = tensor([0, 1, 1, 2], { dtype: 'int32' }), y = tensor([0, 1, 2, 2], { dtype: 'int32' });
 * console.log(metrics.confusionMatrix(pred, y).toArray());   // [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
 */
export function confusionMatrix(pred: Tensor, target: Tensor, optsIn: ClassOptions | number = {}): Tensor {
  // NOTE: a number is the class count: confusionMatrix(pred, y, 10).
  const opts = typeof optsIn === 'number' ? { numClasses: optsIn } : optsIn ?? {};
  checkOptions('confusionMatrix', opts, ['numClasses']);
  return tidy(() => {
    const p = toLabels('confusionMatrix', pred);
    const t = checkTarget('confusionMatrix', target, p.shape[0]);
    const c = inferClasses(p, t, opts.numClasses);
    const n = p.shape[0], chunk = 1 << 23;  // NOTE: keeps every cell count exact in float32
    let cm = zeros([c, c], { dtype: 'int32' });
    for (let a = 0; a < n; a += chunk) {
      const b = Math.min(a + chunk, n);
      cm = cm.add(oneHot(t.slice(0, a, b), c).transpose().matmul(oneHot(p.slice(0, a, b), c)).to('int32'));
    }
    return cm;
  });
}

/**
 * Per-class statistics from a confusion matrix (rows true, columns predicted).
 * @example
 * const s: metrics.ClassStats = metrics.classStats([5, 1, 2, 2]);   // a 2x2 confusion matrix, row-major
 * console.log(s.recall, s.total);   // [0.8333..., 0.5] 10
 */
export interface ClassStats {
  precision: number[];
  recall: number[];
  f1: number[];
  /** Number of true samples of each class. */
  support: number[];
  /** Number of predictions of each class. */
  predicted: number[];
  truePositives: number[];
  total: number;
}

/**
 * Per-class precision, recall, F1 and counts from a confusion matrix [C, C] (rows: true class).
 * @example
 * const cm = metrics.confusionMatrix(tensor([0, 1, 1], { dtype: 'int32' }), tensor([0, 1, 0], { dtype: 'int32' }));
 * const s = metrics.classStats(cm);
 * console.log(s.precision, s.support);   // [1, 0.5] [2, 1]
 */
export function classStats(cm: Tensor | ArrayLike<number>, numClasses?: number, zeroDivision = 0): ClassStats {
  const flat = cm instanceof Tensor ? cm.dataSync() : cm;
  const c = numClasses ?? Math.round(Math.sqrt(flat.length));
  if (c * c !== flat.length) throw rangeError('classStats', `confusion matrix must be square, got ${flat.length} entries`);
  const tp: number[] = [], support: number[] = [], predicted: number[] = [];
  for (let i = 0; i < c; i++) {
    let row = 0, col = 0;
    for (let j = 0; j < c; j++) { row += flat[i * c + j]; col += flat[j * c + i]; }
    tp.push(flat[i * c + i]); support.push(row); predicted.push(col);
  }
  const div = (a: number, b: number): number => (b === 0 ? zeroDivision : a / b);
  const precision = tp.map((v, i) => div(v, predicted[i]));
  const recall = tp.map((v, i) => div(v, support[i]));
  const f1 = tp.map((v, i) => div(2 * v, support[i] + predicted[i]));
  return { precision, recall, f1, support, predicted, truePositives: tp, total: support.reduce((a, b) => a + b, 0) };
}

/** Averages one per-class score: macro over classes present in target or pred, weighted by support, or micro. */
export function averageScore(s: ClassStats, which: 'precision' | 'recall' | 'f1', average: Average, zeroDivision = 0): number | number[] {
  const per = s[which];
  switch (average) {
    case 'none': return per.slice();
    case 'micro': {
      // Single-label multiclass: micro precision = recall = F1 = accuracy.
      const tp = s.truePositives.reduce((a, b) => a + b, 0);
      return s.total ? tp / s.total : zeroDivision;
    }
    case 'macro': {
      const present = per.filter((_, i) => s.support[i] > 0 || s.predicted[i] > 0);
      return present.length ? present.reduce((a, b) => a + b, 0) / present.length : zeroDivision;
    }
    case 'weighted': {
      if (!s.total) return zeroDivision;
      return per.reduce((a, v, i) => a + v * s.support[i], 0) / s.total;
    }
    default: throw typeError(which, `average must be macro, micro, weighted or none, got ${String(average)}`);
  }
}

/**
 * Options of `precision`, `recall` and `f1Score`.
 * @example
 * const opts: metrics.ScoreOptions = { numClasses: 3, average: 'weighted', zeroDivision: 0 };
 * const r = metrics.recall(randint(0, 3, [20]), randint(0, 3, [20]), opts);
 */
export interface ScoreOptions extends ClassOptions {
  /** 'macro' (default), 'micro', 'weighted', or 'none' for one value per class. */
  average?: Average;
  /** Value used when a ratio is 0/0 (default 0, as scikit-learn). */
  zeroDivision?: number;
}

function score(which: 'precision' | 'recall' | 'f1', pred: Tensor, target: Tensor, optsIn: ScoreOptions): number | number[] {
  checkOptions(which === 'f1' ? 'f1Score' : which, optsIn, ['numClasses', 'average', 'zeroDivision']);
  const opts = optsIn ?? {};
  const cm = confusionMatrix(pred, target, { numClasses: opts.numClasses });
  const s = classStats(cm, undefined, opts.zeroDivision ?? 0);
  cm.dispose();
  return averageScore(s, which, opts.average ?? 'macro', opts.zeroDivision ?? 0);
}

/**
 * Precision tp / (tp + fp), per class or averaged.
 * @example
 * const pred = tensor([0, 1, 1, 0], { dtype: 'int32' }), y = tensor([0, 1, 0, 0], { dtype: 'int32' });
 * console.log(metrics.precision(pred, y, { average: 'none' }));   // [1, 0.5]
 */
export function precision(pred: Tensor, target: Tensor, opts: ScoreOptions = {}): number | number[] { return score('precision', pred, target, opts); }
/**
 * Recall tp / (tp + fn), per class or averaged.
 * @example
 * const pred = tensor([0, 1, 1, 0], { dtype: 'int32' }), y = tensor([0, 1, 0, 0], { dtype: 'int32' });
 * console.log(metrics.recall(pred, y, { average: 'macro' }));   // (2/3 + 1) / 2
 */
export function recall(pred: Tensor, target: Tensor, opts: ScoreOptions = {}): number | number[] { return score('recall', pred, target, opts); }
/**
 * F1 = 2 tp / (2 tp + fp + fn), per class or averaged.
 * @example
 * const logits = randn([100, 4]), y = randint(0, 4, [100]);
 * const f1 = metrics.f1Score(logits, y, { average: 'weighted' });   // logits are argmax'ed
 */
export function f1Score(pred: Tensor, target: Tensor, opts: ScoreOptions = {}): number | number[] { return score('f1', pred, target, opts); }

/**
 * The confusion matrix as an aligned text table with row/column labels.
 * @example
 * const pred = tensor([0, 1, 1], { dtype: 'int32' }), y = tensor([0, 1, 0], { dtype: 'int32' });
 * console.log(metrics.formatConfusionMatrix(metrics.confusionMatrix(pred, y), { labels: ['cat', 'dog'] }));
 */
export function formatConfusionMatrix(cm: Tensor | number[][], opts: { labels?: string[] } = {}): string {
  checkOptions('formatConfusionMatrix', opts, ['labels']);
  const rows: number[][] = cm instanceof Tensor ? (cm.toArray() as number[][]) : cm;
  const c = rows.length;
  if (!rows.every((r) => Array.isArray(r) && r.length === c)) throw rangeError('formatConfusionMatrix', 'confusion matrix must be square');
  const labels = opts.labels ?? rows.map((_, i) => String(i));
  if (labels.length !== c) throw rangeError('formatConfusionMatrix', `got ${labels.length} labels for ${c} classes`);
  const corner = 'true \\ pred';
  const lw = Math.max(corner.length, ...labels.map((l) => l.length));
  const cw = Math.max(...labels.map((l) => l.length), ...rows.flat().map((v) => String(v).length));
  const lines = [`${corner.padEnd(lw)} | ${labels.map((l) => l.padStart(cw)).join(' ')}`];
  lines.push(`${'-'.repeat(lw)}-+-${'-'.repeat(c * (cw + 1) - 1)}`);
  rows.forEach((r, i) => lines.push(`${labels[i].padEnd(lw)} | ${r.map((v) => String(v).padStart(cw)).join(' ')}`));
  return lines.join('\n');
}

/**
 * Per-class precision, recall, F1 and support with accuracy, macro and weighted averages,
 * formatted like scikit-learn's classification_report.
 * @example
 * const pred = tensor([0, 1, 1, 0], { dtype: 'int32' }), y = tensor([0, 1, 0, 0], { dtype: 'int32' });
 * console.log(metrics.classificationReport(pred, y, { targetNames: ['cat', 'dog'], digits: 3 }));
 */
export function classificationReport(pred: Tensor, target: Tensor, opts: ClassOptions & { targetNames?: string[]; digits?: number; zeroDivision?: number } = {}): string {
  checkOptions('classificationReport', opts, ['numClasses', 'targetNames', 'digits', 'zeroDivision']);
  const cm = confusionMatrix(pred, target, { numClasses: opts.numClasses });
  const s = classStats(cm, undefined, opts.zeroDivision ?? 0);
  cm.dispose();
  return formatReport(s, { targetNames: opts.targetNames, digits: opts.digits, zeroDivision: opts.zeroDivision });
}

/** Formats ClassStats as a classification report (used by the streaming metric too). */
export function formatReport(s: ClassStats, opts: { targetNames?: string[]; digits?: number; zeroDivision?: number } = {}): string {
  checkOptions('classificationReport', opts, ['targetNames', 'digits', 'zeroDivision']);
  const c = s.support.length, digits = opts.digits ?? 2, zd = opts.zeroDivision ?? 0;
  const names = opts.targetNames ?? s.support.map((_, i) => String(i));
  if (names.length !== c) throw rangeError('classificationReport', `got ${names.length} target names for ${c} classes`);
  const width = Math.max(...names.map((n) => n.length), 'weighted avg'.length, digits);
  const num = (v: number): string => v.toFixed(digits).padStart(9);
  const row = (name: string, p: number, r: number, f: number, sup: number): string =>
    `${name.padStart(width)}  ${num(p)} ${num(r)} ${num(f)} ${String(sup).padStart(9)}\n`;
  let out = `${''.padStart(width)}  ${['precision', 'recall', 'f1-score', 'support'].map((h) => h.padStart(9)).join(' ')}\n\n`;
  for (let i = 0; i < c; i++) out += row(names[i], s.precision[i], s.recall[i], s.f1[i], s.support[i]);
  out += '\n';
  const acc = averageScore(s, 'f1', 'micro', zd) as number;
  out += `${'accuracy'.padStart(width)}  ${''.padStart(9)} ${''.padStart(9)} ${num(acc)} ${String(s.total).padStart(9)}\n`;
  const avg = (a: Average): number[] => (['precision', 'recall', 'f1'] as const).map((w) => averageScore(s, w, a, zd) as number);
  out += row('macro avg', ...(avg('macro') as [number, number, number]), s.total);
  out += row('weighted avg', ...(avg('weighted') as [number, number, number]), s.total);
  return out;
}

/**
 * Area under the ROC curve for binary targets (0/1) and scores (higher = more positive),
 * by the Mann-Whitney statistic with average ranks, so tied scores count one half.
 * @example
 * console.log(metrics.rocAuc(tensor([0.1, 0.4, 0.35, 0.8]), tensor([0, 0, 1, 1], { dtype: 'int32' })));   // 0.75
 */
export function rocAuc(scores: Tensor, target: Tensor): number {
  const op = 'rocAuc';
  checkTensor(op, scores, 'scores'); checkTensor(op, target, 'target');
  let s: Float32Array | Int32Array | Uint8Array;
  if (scores.ndim === 2 && scores.shape[1] === 2) s = tidy(() => scores.slice(1, 1, 2).to('float32').dataSync());
  else if (scores.ndim === 1 || (scores.ndim === 2 && scores.shape[1] === 1)) s = scores.to('float32').dataSync();
  else throw rangeError(op, `scores must be [N], [N, 1] or [N, 2], got ${fmtShape(scores.shape)}`);
  if (target.numel !== s.length) throw rangeError(op, `target has ${target.numel} entries, scores ${s.length}`);
  return aucFromArrays(Float64Array.from(s), Array.from(target.dataSync()));
}

/** ROC-AUC from plain arrays (shared with the streaming metric). */
export function aucFromArrays(s: Float64Array, t: number[]): number {
  for (const v of t) if (v !== 0 && v !== 1) throw rangeError('rocAuc', `target must be binary (0/1), got ${v}`);
  for (const v of s) if (Number.isNaN(v)) throw rangeError('rocAuc', 'scores contain NaN');
  const nPos = t.reduce((a, b) => a + b, 0), nNeg = t.length - nPos;
  if (nPos === 0 || nNeg === 0) throw rangeError('rocAuc', `only one class present in target (${nPos} positive, ${nNeg} negative); ROC AUC is undefined`);
  // NOTE: sorting needs the values in JS; O(N log N), fine for evaluation-sized N.
  const order = Array.from(s.keys()).sort((a, b) => s[a] - s[b]);
  let rankSum = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && s[order[j + 1]] === s[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (t[order[k]] === 1) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
