/**
 * Datasets: anything with a length and an item getter (PyTorch's map-style Dataset).
 * A dataset that can also hand out a whole batch at once (`getBatch`) lets the DataLoader
 * build each batch with one native gather instead of one copy per sample.
 */
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { checkTensor } from '../ops/util';
import { gatherRows } from './gather';
import { checkSeed, IndexRng, permutation } from './random';
import { checkOptions } from '../options';

/**
 * What a DataLoader reads from: a length and sample access by index (plus an optional batched fast path).
 * @example
 * // A dataset computed on demand: sample i is ([i, i²], i mod 2).
 * const squares: data.Dataset<Tensor[]> = {
 *   length: 100,
 *   get: (i) => [tensor([i, i * i]), tensor(i % 2, { dtype: 'int32' })],
 * };
 * const loader = new data.DataLoader(squares, { batchSize: 10 });
 */
export interface Dataset<T = Tensor[]> {
  /** Number of samples. */
  readonly length: number;
  /** Sample i (0 <= i < length). */
  get(index: number): T;
  /** Optional fast path: the samples at `indices`, already batched. */
  getBatch?(indices: Int32Array): T;
}

function checkIndex(op: string, i: number, n: number): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw rangeError(op, `index ${i} is out of range for a dataset of ${n} samples`);
  return i < 0 ? i + n : i;
}

/**
 * Samples are the i-th rows of the given tensors (which share their first dim).
 * @example
 * const x = randn([100, 4]), y = randint(0, 3, [100]);
 * const ds = new data.TensorDataset(x, y);
 * const [xi, yi] = ds.get(0);   // [4] and a scalar
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw typeError('TensorDataset', 'needs at least one tensor');
    tensors.forEach((t, i) => {
      checkTensor('TensorDataset', t, `tensor ${i}`);
      if (t.ndim === 0) throw rangeError('TensorDataset', `tensor ${i} is 0-d; every tensor needs a sample dim`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw rangeError('TensorDataset', `size mismatch between tensors: ${fmtShape(tensors[0].shape)} and ${fmtShape(t.shape)} (dim 0 must match)`);
      }
    });
    this.tensors = tensors;
  }
  get length(): number { return this.tensors[0].shape[0]; }
  /** Views of row i of each tensor (no copy). */
  get(index: number): Tensor[] {
    const i = checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => {
      const row = t.slice(0, i, i + 1);
      const v = row.squeeze(0);
      row.dispose();
      return v;
    });
  }
  /** Rows `indices` of each tensor: one native gather per tensor. */
  getBatch(indices: Int32Array): Tensor[] {
    return this.tensors.map((t) => gatherRows(t, indices));
  }
}

/**
 * The samples of `dataset` at `indices`, in that order.
 * @example
 * const ds = new data.TensorDataset(randn([10, 2]));
 * const firstHalf = new data.Subset(ds, [0, 1, 2, 3, 4]);
 * console.log(firstHalf.length);   // 5
 */
export class Subset<T> implements Dataset<T> {
  readonly indices: Int32Array;
  constructor(readonly dataset: Dataset<T>, indices: ArrayLike<number>) {
    const n = dataset.length;
    this.indices = Int32Array.from(indices, (i) => checkIndex('Subset', i, n));
  }
  get length(): number { return this.indices.length; }
  get(index: number): T { return this.dataset.get(this.indices[checkIndex('Subset.get', index, this.length)]); }
  get getBatch(): ((indices: Int32Array) => T) | undefined {
    const inner = this.dataset.getBatch?.bind(this.dataset);
    if (!inner) return undefined;
    return (indices: Int32Array) => inner(indices.map((i) => this.indices[i]));
  }
}

/** Turns fractions summing to 1 (or exact lengths summing to n) into lengths. */
function splitLengths(op: string, n: number, sizes: readonly number[]): number[] {
  if (!Array.isArray(sizes) || sizes.length === 0) throw typeError(op, 'sizes must be a non-empty array of fractions or lengths');
  const total = sizes.reduce((a, b) => a + b, 0);
  if (sizes.every((s) => Number.isInteger(s) && s >= 0) && total === n) return sizes.slice();
  if (sizes.some((s) => !(s >= 0 && s <= 1)) || Math.abs(total - 1) > 1e-6) {
    throw rangeError(op, `sizes must be lengths summing to ${n} or fractions summing to 1, got ${JSON.stringify(sizes)}`);
  }
  // Largest remainder: floors first, then one more to the largest fractional parts.
  const exact = sizes.map((f) => f * n);
  const lens = exact.map(Math.floor);
  let left = n - lens.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) lens[order[k][1]]++;
  return lens;
}

/**
 * Splits a dataset into non-overlapping random subsets of the given lengths or fractions.
 * @example
 * const ds = new data.TensorDataset(randn([100, 4]));
 * const [trainSet, valSet] = data.randomSplit(ds, [80, 20], 0);
 */
export function randomSplit<T>(dataset: Dataset<T>, sizes: readonly number[], seed?: number): Subset<T>[] {
  const lens = splitLengths('randomSplit', dataset.length, sizes);
  const perm = permutation(dataset.length, checkSeed('randomSplit', seed));
  const out: Subset<T>[] = [];
  let at = 0;
  for (const len of lens) { out.push(new Subset(dataset, perm.subarray(at, at + len))); at += len; }
  return out;
}

/**
 * Options of `trainValTestSplit`.
 * @example
 * const opts: data.SplitOptions = { val: 0.15, test: 0.15, seed: 7, stratify: true };
 * const { train } = data.trainValTestSplit(randn([100, 3]), randint(0, 2, [100]), opts);
 */
export interface SplitOptions {
  /** Fraction of samples for validation (default 0.1). */
  val?: number;
  /** Fraction of samples for test (default 0.1). */
  test?: number;
  seed?: number;
  /** Keep each class's proportion in every split (needs integer labels y; default true when y is int32). */
  stratify?: boolean;
}

/**
 * Inputs and targets of one split.
 * @example
 * const { val }: { val: data.XY } = data.trainValTestSplit(randn([50, 3]), randint(0, 2, [50]));
 * console.log(val.x.shape, val.y.shape);   // [5, 3] [5]
 */
export interface XY { x: Tensor; y: Tensor }

/**
 * Shuffles (x, y) and splits it into train / validation / test tensors, stratified by label
 * by default: each class is split in the same proportions (rounded so the split sizes are
 * exactly round(val * n) and round(test * n)).
 * @example
 * const x = randn([100, 4]), y = randint(0, 3, [100]);
 * const { train, val, test } = data.trainValTestSplit(x, y, { val: 0.1, test: 0.2, seed: 1 });
 */
export function trainValTestSplit(x: Tensor, y: Tensor, optsIn?: SplitOptions): { train: XY; val: XY; test: XY } {
  const op = 'trainValTestSplit';
  checkOptions(op, optsIn, ['val', 'test', 'seed', 'stratify']);
  const opts = optsIn ?? {};
  checkTensor(op, x, 'x'); checkTensor(op, y, 'y');
  if (x.ndim === 0 || y.ndim === 0 || x.shape[0] !== y.shape[0]) {
    throw rangeError(op, `x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)} must have the same number of samples (dim 0)`);
  }
  const valF = opts.val ?? 0.1, testF = opts.test ?? 0.1;
  if (!(valF >= 0 && testF >= 0 && valF + testF <= 1)) throw rangeError(op, `val (${valF}) and test (${testF}) must be fractions summing to at most 1`);
  const n = x.shape[0];
  const nTest = Math.round(testF * n), nVal = Math.min(Math.round(valF * n), n - nTest);
  const rng = new IndexRng(checkSeed(op, opts.seed));
  const stratify = opts.stratify ?? (y.dtype !== 'float32' && y.ndim === 1);
  let groups: number[][];
  if (stratify) {
    if (y.ndim !== 1 || y.dtype === 'float32') throw typeError(op, `stratify needs integer class labels of shape [N], got ${y.dtype} ${fmtShape(y.shape)}`);
    const labels = y.dataSync();
    const byLabel = new Map<number, number[]>();
    labels.forEach((l, i) => { let g = byLabel.get(l); if (!g) byLabel.set(l, (g = [])); g.push(i); });
    groups = [...byLabel.keys()].sort((a, b) => a - b).map((k) => byLabel.get(k) as number[]);
  } else {
    groups = [Array.from({ length: n }, (_, i) => i)];
  }
  for (const g of groups) rng.shuffle(g);
  const counts = groups.map((g) => g.length);
  const testC = apportion(counts, nTest);
  const valC = apportion(counts.map((c, i) => c - testC[i]), nVal, counts);
  const tr: number[] = [], va: number[] = [], te: number[] = [];
  groups.forEach((g, i) => {
    // NOTE: element by element: push(...g) overflows the argument limit for large groups.
    g.forEach((v, k) => (k < testC[i] ? te : k < testC[i] + valC[i] ? va : tr).push(v));
  });
  const take = (idx: number[]): XY => {
    const p = Int32Array.from(rng.shuffle(idx));
    return { x: gatherRows(x, p), y: gatherRows(y, p) };
  };
  return { train: take(tr), val: take(va), test: take(te) };
}

/**
 * Splits `total` over groups in proportion to `weights` (default: the capacities), never
 * giving a group more than its capacity; the sum is exactly `total`.
 */
function apportion(capacity: number[], total: number, weights: number[] = capacity): number[] {
  const wsum = weights.reduce((a, b) => a + b, 0);
  if (wsum === 0 || total === 0) return capacity.map(() => 0);
  const exact = weights.map((w) => (w / wsum) * total);
  const out = exact.map((e, i) => Math.min(Math.floor(e), capacity[i]));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => i).sort((a, b) => (exact[b] - Math.floor(exact[b])) - (exact[a] - Math.floor(exact[a])) || a - b);
  while (left > 0) {
    let moved = false;
    for (const i of order) {
      if (left === 0) break;
      if (out[i] < capacity[i]) { out[i]++; left--; moved = true; }
    }
    if (!moved) break;
  }
  return out;
}
