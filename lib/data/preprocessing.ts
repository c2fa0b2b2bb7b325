/**
 * Tabular preprocessing in the style of scikit-learn: scalers fitted on training data only
 * (statistics per feature = over dim 0), encoders for labels and categories, and imputation
 * of missing values (NaN). Transforms run as native tensor ops; fitted state serialises
 * with toJSON()/fromJSON() so it can be saved next to a model.
 */
import { Tensor, keep, tidy } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { checkOptions } from '../options';
import { checkTensor } from '../ops/util';
import { arange, tensor } from '../ops/creation';
import { where } from '../ops/elementwise';

function checkFeatures(op: string, x: Tensor, nFeatures?: number): Tensor {
  checkTensor(op, x, 'x');
  if (x.ndim < 1) throw rangeError(op, `x must have a sample dim, got shape ${fmtShape(x.shape)}`);
  if (nFeatures !== undefined && x.numel / Math.max(x.shape[0], 1) !== nFeatures && x.shape[0] > 0) {
    throw rangeError(op, `x ${fmtShape(x.shape)} has ${x.numel / x.shape[0]} features per sample, the scaler was fitted on ${nFeatures}`);
  }
  return x;
}

function notFitted(op: string): Error { return new Error(`${op}: call fit() first`); }

function rowTensor(vals: number[], featShape: readonly number[]): Tensor {
  return keep(tensor(Float32Array.from(vals), { shape: featShape.slice() }));
}

function toFloat(x: Tensor): Tensor { return x.dtype === 'float32' ? x : x.to('float32'); }

function checkNoNan(op: string, vals: number[]): void {
  if (vals.some(Number.isNaN)) throw rangeError(op, 'x contains NaN; fill missing values first (SimpleImputer)');
}

/**
 * Standardises features to zero mean and unit variance: (x - mean) / std (population std;
 * a constant feature keeps scale 1).
 * @example
 * const xTrain = randn([100, 3], { mean: 5, std: 2 }), xTest = randn([20, 3], { mean: 5, std: 2 });
 * const scaler = new data.StandardScaler().fit(xTrain);
 * const zTest = scaler.transform(xTest);   // with the training statistics
 */
export class StandardScaler {
  mean: number[] | null = null;
  scale: number[] | null = null;
  featureShape: number[] = [];
  private tMean: Tensor | null = null;
  private tScale: Tensor | null = null;
  constructor(readonly opts: { withMean?: boolean; withStd?: boolean } = {}) { checkOptions('StandardScaler', opts, ['withMean', 'withStd']); }

  /** Learns the statistics from training data. Returns this. */
  fit(x: Tensor): this {
    checkFeatures('StandardScaler.fit', x);
    if (x.shape[0] === 0) throw rangeError('StandardScaler.fit', 'x has no samples');
    const [m, v] = tidy(() => {
      const xf = toFloat(x);
      return [Array.from(xf.mean(0).dataSync()), Array.from(xf.var({ dim: 0, correction: 0 }).dataSync())];
    });
    checkNoNan('StandardScaler.fit', m);
    this.setState(x.shape.slice(1), this.opts.withMean === false ? m.map(() => 0) : m,
      this.opts.withStd === false ? v.map(() => 1) : v.map((s) => (s > 0 ? Math.sqrt(s) : 1)));
    return this;
  }
  private setState(featureShape: number[], mean: number[], scale: number[]): void {
    this.dispose();
    this.featureShape = featureShape; this.mean = mean; this.scale = scale;
    this.tMean = rowTensor(mean, featureShape); this.tScale = rowTensor(scale, featureShape);
  }
  /** Applies the fitted transformation (throws if not fitted). */
  transform(x: Tensor): Tensor {
    if (!this.tMean || !this.tScale || !this.mean) throw notFitted('StandardScaler.transform');
    checkFeatures('StandardScaler.transform', x, this.mean.length);
    const m = this.tMean, s = this.tScale;
    return tidy(() => toFloat(x).sub(m).div(s));
  }
  /** fit(x) then transform(x). */
  fitTransform(x: Tensor): Tensor { return this.fit(x).transform(x); }
  /** Maps transformed values back to the original scale or categories. */
  inverseTransform(x: Tensor): Tensor {
    if (!this.tMean || !this.tScale || !this.mean) throw notFitted('StandardScaler.inverseTransform');
    checkFeatures('StandardScaler.inverseTransform', x, this.mean.length);
    const m = this.tMean, s = this.tScale;
    return tidy(() => toFloat(x).mul(s).add(m));
  }
  /** The fitted state as JSON (save it next to the model). */
  toJSON(): { type: 'StandardScaler'; featureShape: number[]; mean: number[]; scale: number[] } {
    if (!this.mean || !this.scale) throw notFitted('StandardScaler.toJSON');
    return { type: 'StandardScaler', featureShape: this.featureShape, mean: this.mean, scale: this.scale };
  }
  /** Restores a transformer saved with toJSON(). */
  static fromJSON(obj: unknown): StandardScaler {
    const o = checkState('StandardScaler.fromJSON', obj, 'StandardScaler', ['mean', 'scale']);
    const s = new StandardScaler();
    s.setState(o.featureShape, o.mean, o.scale);
    return s;
  }
  /** Frees the cached statistic tensors. */
  dispose(): void { this.tMean?.dispose(); this.tScale?.dispose(); this.tMean = this.tScale = null; }
}

/**
 * Scales each feature linearly to featureRange (default [0, 1]) using the min and max seen
 * in fit(); a constant feature maps to the range's low end.
 * @example
 * const x = tensor([[0, 10], [5, 20], [10, 30]]);
 * const scaler = new data.MinMaxScaler({ featureRange: [0, 1] }).fit(x);
 * console.log(scaler.transform(x).toArray());   // [[0, 0], [0.5, 0.5], [1, 1]]
 */
export class MinMaxScaler {
  dataMin: number[] | null = null;
  dataMax: number[] | null = null;
  featureShape: number[] = [];
  readonly featureRange: [number, number];
  private tScale: Tensor | null = null;
  private tShift: Tensor | null = null;
  constructor(readonly opts: { featureRange?: [number, number]; clip?: boolean } = {}) {
    checkOptions('MinMaxScaler', opts, ['featureRange', 'clip']);
    this.featureRange = opts.featureRange ?? [0, 1];
    const [lo, hi] = this.featureRange;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw rangeError('MinMaxScaler', `featureRange must be [low, high] with low < high, got ${JSON.stringify(opts.featureRange)}`);
  }
  /** Learns the statistics from training data. Returns this. */
  fit(x: Tensor): this {
    checkFeatures('MinMaxScaler.fit', x);
    if (x.shape[0] === 0) throw rangeError('MinMaxScaler.fit', 'x has no samples');
    const [mn, mx] = tidy(() => {
      const xf = toFloat(x);
      return [Array.from(xf.min(0).dataSync()), Array.from(xf.max(0).dataSync())];
    });
    checkNoNan('MinMaxScaler.fit', [...mn, ...mx]);
    this.setState(x.shape.slice(1), mn, mx);
    return this;
  }
  private scaleShift(): [number[], number[]] {
    const [lo, hi] = this.featureRange;
    const mn = this.dataMin as number[], mx = this.dataMax as number[];
    const scale = mn.map((m, i) => (mx[i] > m ? (hi - lo) / (mx[i] - m) : 1));
    return [scale, mn.map((m, i) => lo - m * scale[i])];
  }
  private setState(featureShape: number[], mn: number[], mx: number[]): void {
    this.dispose();
    this.featureShape = featureShape; this.dataMin = mn; this.dataMax = mx;
    const [scale, shift] = this.scaleShift();
    this.tScale = rowTensor(scale, featureShape); this.tShift = rowTensor(shift, featureShape);
  }
  /** Applies the fitted transformation (throws if not fitted). */
  transform(x: Tensor): Tensor {
    if (!this.tScale || !this.tShift || !this.dataMin) throw notFitted('MinMaxScaler.transform');
    checkFeatures('MinMaxScaler.transform', x, this.dataMin.length);
    const s = this.tScale, b = this.tShift, [lo, hi] = this.featureRange;
    return tidy(() => {
      const y = toFloat(x).mul(s).add(b);
      return this.opts.clip ? y.clamp(lo, hi) : y;
    });
  }
  /** fit(x) then transform(x). */
  fitTransform(x: Tensor): Tensor { return this.fit(x).transform(x); }
  /** Maps transformed values back to the original scale or categories. */
  inverseTransform(x: Tensor): Tensor {
    if (!this.tScale || !this.tShift || !this.dataMin) throw notFitted('MinMaxScaler.inverseTransform');
    checkFeatures('MinMaxScaler.inverseTransform', x, this.dataMin.length);
    const s = this.tScale, b = this.tShift;
    return tidy(() => toFloat(x).sub(b).div(s));
  }
  /** The fitted state as JSON (save it next to the model). */
  toJSON(): { type: 'MinMaxScaler'; featureShape: number[]; featureRange: [number, number]; dataMin: number[]; dataMax: number[]; clip: boolean } {
    if (!this.dataMin || !this.dataMax) throw notFitted('MinMaxScaler.toJSON');
    return { type: 'MinMaxScaler', featureShape: this.featureShape, featureRange: this.featureRange, dataMin: this.dataMin, dataMax: this.dataMax, clip: !!this.opts.clip };
  }
  /** Restores a transformer saved with toJSON(). */
  static fromJSON(obj: unknown): MinMaxScaler {
    const o = checkState('MinMaxScaler.fromJSON', obj, 'MinMaxScaler', ['dataMin', 'dataMax']);
    const r = (obj as { featureRange?: [number, number]; clip?: boolean });
    const s = new MinMaxScaler({ featureRange: r.featureRange, clip: r.clip });
    s.setState(o.featureShape, o.dataMin, o.dataMax);
    return s;
  }
  /** Frees the tensors holding the fitted statistics. */
  dispose(): void { this.tScale?.dispose(); this.tShift?.dispose(); this.tScale = this.tShift = null; }
}

function checkState(op: string, obj: unknown, type: string, arrays: string[]): Record<string, number[]> & { featureShape: number[] } {
  const o = obj as Record<string, unknown>;
  if (!o || typeof o !== 'object' || o.type !== type) throw typeError(op, `expected an object with type '${type}'`);
  const len = (o[arrays[0]] as unknown[] | undefined)?.length;
  for (const k of arrays) {
    const a = o[k];
    if (!Array.isArray(a) || a.length !== len || a.some((v) => typeof v !== 'number')) throw typeError(op, `${k} must be an array of ${len} numbers`);
  }
  const fs = (o.featureShape ?? [len]) as number[];
  if (!Array.isArray(fs) || fs.reduce((a, b) => a * b, 1) !== len) throw typeError(op, `featureShape ${JSON.stringify(fs)} does not match ${len} features`);
  return { ...(o as Record<string, number[]>), featureShape: fs };
}

/**
 * One-hot encoding of integer class labels: float32 [...labels.shape, numClasses].
 * @example
 * console.log(data.oneHot(tensor([0, 2], { dtype: 'int32' }), 3).toArray());   // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(labels: Tensor, numClasses?: number): Tensor {
  checkTensor('oneHot', labels, 'labels');
  if (labels.dtype === 'float32' || labels.dtype === 'bool') throw typeError('oneHot', `labels must be an integer tensor, got ${labels.dtype}`);
  const [lo, hi] = labels.numel ? tidy(() => [labels.min().item(), labels.max().item()]) : [0, -1];
  const c = numClasses ?? hi + 1;
  if (!Number.isInteger(c) || c < 0) throw rangeError('oneHot', `numClasses must be a non-negative integer, got ${numClasses}`);
  if (lo < 0 || hi >= c) throw rangeError('oneHot', `labels must be in [0, ${c}), got values from ${lo} to ${hi}`);
  return tidy(() => labels.unsqueeze(-1).eq(arange(0, c, 1, { dtype: labels.dtype })).to('float32'));
}

/**
 * Per-class weights for a loss on imbalanced labels, scikit-learn's "balanced" rule:
 * n / (numClasses * count_c), so each class contributes the same total weight. float32
 * [numClasses]; a class with no samples throws (its weight would be infinite).
 * @example
 * const y = tensor([0, 0, 0, 1], { dtype: 'int32' });
 * const w = data.classWeights(y);  // [0.667, 2]
 * const logits = randn([4, 2]);
 * const loss = nn.functional.crossEntropy(logits, y, { weight: w });
 */
export function classWeights(labels: Tensor, numClasses?: number): Tensor {
  const op = 'classWeights';
  checkTensor(op, labels, 'labels');
  if (labels.dtype === 'float32' || labels.dtype === 'bool' || labels.ndim !== 1) {
    throw typeError(op, `labels must be integer class labels of shape [N], got ${labels.dtype} ${fmtShape(labels.shape)}`);
  }
  const counts = tidy(() => oneHot(labels, numClasses).sum(0).dataSync());
  const n = labels.shape[0], k = counts.length;
  const empty = counts.findIndex((c) => c === 0);
  if (empty >= 0) throw rangeError(op, `class ${empty} has no samples among the ${n} labels (numClasses ${k})`);
  return tensor(Float32Array.from(counts, (c) => n / (k * c)));
}

type Category = string | number;

function uniqueSorted(values: Category[]): Category[] {
  const u = [...new Set(values)];
  return u.sort((a, b) => (typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a === 'number' ? -1 : 1));
}

function valuesOf(op: string, v: Tensor | ArrayLike<Category>): Category[] {
  if (v instanceof Tensor) {
    if (v.ndim !== 1) throw rangeError(op, `expected a 1-D tensor, got shape ${fmtShape(v.shape)}`);
    return Array.from(v.dataSync());
  }
  if (v === null || typeof v !== 'object' || typeof (v as ArrayLike<Category>).length !== 'number') throw typeError(op, 'values must be an array or a 1-D tensor');
  const a = Array.from(v as ArrayLike<Category>);
  for (const x of a) if (typeof x !== 'string' && typeof x !== 'number') throw typeError(op, `values must be strings or numbers, got ${typeof x}`);
  return a;
}

/**
 * Maps labels (strings or numbers) to 0..K-1 in sorted order and back.
 * @example
 * const enc = new data.LabelEncoder().fit(['cat', 'dog', 'cat', 'bird']);
 * console.log(enc.transform(['dog', 'bird']).toArray(), enc.classes);   // [2, 0] ['bird', 'cat', 'dog']
 */
export class LabelEncoder {
  classes: Category[] | null = null;
  private index = new Map<Category, number>();
  /** Learns the statistics from training data. Returns this. */
  fit(values: Tensor | ArrayLike<Category>): this {
    this.setClasses(uniqueSorted(valuesOf('LabelEncoder.fit', values)));
    return this;
  }
  private setClasses(c: Category[]): void { this.classes = c; this.index = new Map(c.map((v, i) => [v, i])); }
  /** int32 tensor of class indices; unseen labels throw. */
  transform(values: Tensor | ArrayLike<Category>): Tensor {
    if (!this.classes) throw notFitted('LabelEncoder.transform');
    const v = valuesOf('LabelEncoder.transform', values);
    const out = new Int32Array(v.length);
    v.forEach((x, i) => {
      const k = this.index.get(x);
      if (k === undefined) throw rangeError('LabelEncoder.transform', `unseen label ${JSON.stringify(x)} at position ${i}`);
      out[i] = k;
    });
    return tensor(out, { dtype: 'int32' });
  }
  /** fit(x) then transform(x). */
  fitTransform(values: Tensor | ArrayLike<Category>): Tensor { return this.fit(values).transform(values); }
  /** Maps transformed values back to the original scale or categories. */
  inverseTransform(indices: Tensor | ArrayLike<number>): Category[] {
    if (!this.classes) throw notFitted('LabelEncoder.inverseTransform');
    const c = this.classes;
    return Array.from(indices instanceof Tensor ? indices.dataSync() : indices, (k, i) => {
      if (!Number.isInteger(k) || k < 0 || k >= c.length) throw rangeError('LabelEncoder.inverseTransform', `index ${k} at position ${i} is not in [0, ${c.length})`);
      return c[k];
    });
  }
  /** The fitted state as JSON (save it next to the model). */
  toJSON(): { type: 'LabelEncoder'; classes: Category[] } {
    if (!this.classes) throw notFitted('LabelEncoder.toJSON');
    return { type: 'LabelEncoder', classes: this.classes };
  }
  /** Restores a transformer saved with toJSON(). */
  static fromJSON(obj: unknown): LabelEncoder {
    const o = obj as { type?: string; classes?: unknown };
    if (!o || o.type !== 'LabelEncoder' || !Array.isArray(o.classes)) throw typeError('LabelEncoder.fromJSON', "expected { type: 'LabelEncoder', classes: [...] }");
    const e = new LabelEncoder();
    e.setClasses(valuesOf('LabelEncoder.fromJSON', o.classes as Category[]));
    return e;
  }
}

/**
 * One-hot encodes one categorical column (strings or numbers) into float32 [N, K];
 * unseen categories throw, or become all-zero rows with handleUnknown: 'ignore'.
 * @example
 * const enc = new data.OneHotEncoder().fit(['red', 'green', 'red']);
 * console.log(enc.transform(['green', 'red']).toArray());   // [[1, 0], [0, 1]]
 */
export class OneHotEncoder {
  private readonly labels = new LabelEncoder();
  constructor(readonly opts: { handleUnknown?: 'error' | 'ignore' } = {}) { checkOptions('OneHotEncoder', opts, ['handleUnknown']); }
  get categories(): Category[] | null { return this.labels.classes; }
  /** Learns the statistics from training data. Returns this. */
  fit(values: Tensor | ArrayLike<Category>): this { this.labels.fit(values); return this; }
  /** Applies the fitted transformation (throws if not fitted). */
  transform(values: Tensor | ArrayLike<Category>): Tensor {
    const cats = this.categories;
    if (!cats) throw notFitted('OneHotEncoder.transform');
    const v = valuesOf('OneHotEncoder.transform', values);
    const known = new Set(cats);
    const unknown = v.findIndex((x) => !known.has(x));
    if (unknown >= 0 && this.opts.handleUnknown !== 'ignore') {
      throw rangeError('OneHotEncoder.transform', `unseen category ${JSON.stringify(v[unknown])} at position ${unknown} (use handleUnknown: 'ignore')`);
    }
    // Unknown values map to index K, whose column is then dropped.
    const idx = tensor(Int32Array.from(v, (x) => (known.has(x) ? cats.indexOf(x) : cats.length)), { dtype: 'int32' });
    return tidy(() => oneHot(idx, cats.length + 1).slice(1, 0, cats.length).contiguous());
  }
  /** fit(x) then transform(x). */
  fitTransform(values: Tensor | ArrayLike<Category>): Tensor { return this.fit(values).transform(values); }
  /** Maps transformed values back to the original scale or categories. */
  inverseTransform(x: Tensor): (Category | null)[] {
    const cats = this.categories;
    if (!cats) throw notFitted('OneHotEncoder.inverseTransform');
    if (x.ndim !== 2 || x.shape[1] !== cats.length) throw rangeError('OneHotEncoder.inverseTransform', `expected [N, ${cats.length}], got ${fmtShape(x.shape)}`);
    const [arg, mx] = tidy(() => [x.argmax(1).dataSync(), x.max(1).dataSync()]);
    return Array.from(arg, (k, i) => (mx[i] > 0 ? cats[k] : null));
  }
  /** The fitted state as JSON (save it next to the model). */
  toJSON(): { type: 'OneHotEncoder'; categories: Category[]; handleUnknown: string } {
    return { type: 'OneHotEncoder', categories: this.labels.toJSON().classes, handleUnknown: this.opts.handleUnknown ?? 'error' };
  }
  /** Restores a transformer saved with toJSON(). */
  static fromJSON(obj: unknown): OneHotEncoder {
    const o = obj as { type?: string; categories?: Category[]; handleUnknown?: 'error' | 'ignore' };
    if (!o || o.type !== 'OneHotEncoder' || !Array.isArray(o.categories)) throw typeError('OneHotEncoder.fromJSON', "expected { type: 'OneHotEncoder', categories: [...] }");
    const e = new OneHotEncoder({ handleUnknown: o.handleUnknown });
    e.labels.fit(o.categories);
    return e;
  }
}

/**
 * Bool mask of the NaN entries of x (missing values in tabular data).
 * @example
 * console.log(data.isNan(tensor([1, NaN])).toArray());   // [false, true]
 */
export function isNan(x: Tensor): Tensor {
  checkTensor('isNan', x, 'x');
  return x.ne(x);
}

/**
 * Number of NaN entries per feature (over dim 0), as a plain array.
 * @example
 * console.log(data.countMissing(tensor([[1, NaN], [NaN, NaN]])));   // [1, 2]
 */
export function countMissing(x: Tensor): number[] {
  checkFeatures('countMissing', x);
  return tidy(() => Array.from(isNan(toFloat(x)).to('int32').sum(0).reshape([-1]).dataSync()));
}

/**
 * How `SimpleImputer` fills missing values, per feature.
 * @example
 * const strategy: data.ImputeStrategy = 'median';
 * const imp = new data.SimpleImputer({ strategy });
 */
export type ImputeStrategy = 'mean' | 'median' | 'mostFrequent' | 'constant';

/**
 * Replaces NaN entries of each feature by the feature's mean, median, most frequent value
 * (all computed over the non-missing training values) or a constant.
 * @example
 * const xTrain = tensor([[1, NaN], [3, 4], [NaN, 8]]), xTest = tensor([[NaN, NaN]]);
 * const imputer = new data.SimpleImputer({ strategy: 'mean' }).fit(xTrain);
 * console.log(imputer.transform(xTest).toArray());   // [[2, 6]]
 */
export class SimpleImputer {
  readonly strategy: ImputeStrategy;
  readonly fillValue: number;
  statistics: number[] | null = null;
  featureShape: number[] = [];
  constructor(opts: { strategy?: ImputeStrategy; fillValue?: number } = {}) {
    checkOptions('SimpleImputer', opts, ['strategy', 'fillValue']);
    this.strategy = opts.strategy ?? 'mean';
    if (!['mean', 'median', 'mostFrequent', 'constant'].includes(this.strategy)) {
      throw typeError('SimpleImputer', `strategy must be mean, median, mostFrequent or constant, got ${String(this.strategy)}`);
    }
    this.fillValue = opts.fillValue ?? 0;
    if (!Number.isFinite(this.fillValue)) throw rangeError('SimpleImputer', `fillValue must be finite, got ${this.fillValue}`);
  }
  /** Learns the statistics from training data. Returns this. */
  fit(x: Tensor): this {
    checkFeatures('SimpleImputer.fit', x);
    const n = x.shape[0], f = n ? x.numel / n : 0;
    this.featureShape = x.shape.slice(1);
    if (this.strategy === 'constant') { this.statistics = new Array(f).fill(this.fillValue); return this; }
    if (this.strategy === 'mean') {
      this.statistics = tidy(() => {
        const xf = toFloat(x), miss = isNan(xf);
        const cnt = miss.logicalNot().to('float32').sum(0);
        return Array.from(where(miss, 0, xf).sum(0).div(cnt).reshape([-1]).dataSync());
      });
    } else {
      // NOTE: median and mode need the sorted column; computed in JS at fit time only.
      const data = x.dataSync();
      const stats: number[] = [];
      for (let j = 0; j < f; j++) {
        const col: number[] = [];
        for (let i = 0; i < n; i++) { const v = data[i * f + j]; if (!Number.isNaN(v)) col.push(v); }
        stats.push(this.strategy === 'median' ? median(col) : mostFrequent(col));
      }
      this.statistics = stats;
    }
    const empty = this.statistics.findIndex(Number.isNaN);
    if (empty >= 0) throw rangeError('SimpleImputer.fit', `feature ${empty} has no non-missing values; use strategy 'constant'`);
    return this;
  }
  /** Applies the fitted transformation (throws if not fitted). */
  transform(x: Tensor): Tensor {
    if (!this.statistics) throw notFitted('SimpleImputer.transform');
    checkFeatures('SimpleImputer.transform', x, this.statistics.length);
    const stats = this.statistics, fs = this.featureShape;
    return tidy(() => {
      const xf = toFloat(x);
      return where(isNan(xf), tensor(Float32Array.from(stats), { shape: fs.slice() }), xf);
    });
  }
  /** fit(x) then transform(x). */
  fitTransform(x: Tensor): Tensor { return this.fit(x).transform(x); }
  /** The fitted state as JSON (save it next to the model). */
  toJSON(): { type: 'SimpleImputer'; strategy: ImputeStrategy; featureShape: number[]; statistics: number[] } {
    if (!this.statistics) throw notFitted('SimpleImputer.toJSON');
    return { type: 'SimpleImputer', strategy: this.strategy, featureShape: this.featureShape, statistics: this.statistics };
  }
  /** Restores a transformer saved with toJSON(). */
  static fromJSON(obj: unknown): SimpleImputer {
    const o = obj as { type?: string; strategy?: ImputeStrategy; statistics?: number[]; featureShape?: number[] };
    if (!o || o.type !== 'SimpleImputer' || !Array.isArray(o.statistics)) throw typeError('SimpleImputer.fromJSON', "expected { type: 'SimpleImputer', statistics: [...] }");
    const imp = new SimpleImputer({ strategy: o.strategy });
    imp.statistics = o.statistics.slice();
    imp.featureShape = o.featureShape ?? [o.statistics.length];
    return imp;
  }
}

function median(v: number[]): number {
  if (!v.length) return NaN;
  const s = Float64Array.from(v).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The most frequent value; ties go to the smallest, as in scikit-learn. */
function mostFrequent(v: number[]): number {
  if (!v.length) return NaN;
  const counts = new Map<number, number>();
  for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best = NaN, bestN = 0;
  for (const [x, c] of counts) if (c > bestN || (c === bestN && x < best)) { best = x; bestN = c; }
  return best;
}
