/**
 * DataLoader: batches of a Dataset, optionally shuffled (seeded, a new order each epoch),
 * iterable with `for...of` or `for await...of`. A TensorDataset batch is made with one
 * native gather per tensor; other datasets go through `collate`.
 */
import { Tensor } from '../tensor';
import { rangeError, typeError } from '../errors';
import { tensor } from '../ops/creation';
import { copyInPlace } from '../ops/elementwise';
import type { Dataset } from './dataset';
import { checkSeed, IndexRng } from './random';
import { checkOptions } from '../options';

/**
 * Options of `data.DataLoader`.
 * @example
 * const opts: data.DataLoaderOptions<Tensor[], Tensor[]> = { batchSize: 64, shuffle: true, seed: 1, dropLast: true };
 * const loader = new data.DataLoader(new data.TensorDataset(randn([256, 4])), opts);
 */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the sample order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Seed of the shuffle; epoch e uses seed + e. Default: drawn from the global generator. */
  seed?: number;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Where the sample indices come from, e.g. a `dist.DistributedSampler` (each iteration is
   * an epoch's order); excludes `shuffle`. */
  sampler?: Iterable<number> & { readonly length: number };
  /** Builds a batch from a list of samples (default: `defaultCollate`). */
  collate?: (samples: T[]) => B;
  /** Applied to every batch, e.g. augmentation: `(b) => [aug.apply(b[0]), b[1]]`. Tensors of
   * the incoming batch that the result does not contain are disposed. */
  transform?: (batch: B) => B;
}

const LOADER_KEYS = ['batchSize', 'shuffle', 'seed', 'dropLast', 'sampler', 'collate', 'transform'];

/**
 * Stacks samples field by field: tensors into a tensor with a new leading dim, numbers into
 * a float32 (or int32 when all are integers) vector; arrays and objects recursively.
 * @example
 * const batch = data.defaultCollate([[tensor([1, 2]), tensor(0)], [tensor([3, 4]), tensor(1)]]);   // [x [2, 2], y [2]]
 */
export function defaultCollate(samples: unknown[]): unknown {
  if (samples.length === 0) throw rangeError('defaultCollate', 'cannot collate an empty list of samples');
  const first = samples[0];
  if (first instanceof Tensor) return stack(samples as Tensor[]);
  if (typeof first === 'number') {
    const nums = samples as number[];
    return tensor(nums, { dtype: nums.every(Number.isInteger) ? 'int32' : 'float32' });
  }
  if (Array.isArray(first)) return first.map((_, k) => defaultCollate(samples.map((s) => (s as unknown[])[k])));
  if (first && typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = defaultCollate(samples.map((s) => (s as Record<string, unknown>)[key]));
    return out;
  }
  throw typeError('defaultCollate', `cannot collate samples of type ${typeof first}; pass a collate function`);
}

/** Collects the tensors in a batch (tensors, arrays and plain objects, any depth). */
function tensorsIn(x: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 8 || x === null || typeof x !== 'object') return;
  if (x instanceof Tensor) { out.add(x); return; }
  for (const v of Array.isArray(x) ? x : Object.values(x as Record<string, unknown>)) tensorsIn(v, out, depth + 1);
}

function stack(ts: Tensor[]): Tensor {
  const s0 = ts[0].shape;
  for (const t of ts) {
    if (t.dtype !== ts[0].dtype || t.shape.length !== s0.length || t.shape.some((d, i) => d !== s0[i])) {
      throw rangeError('defaultCollate', `samples must share shape and dtype, got [${s0}] ${ts[0].dtype} and [${t.shape}] ${t.dtype}`);
    }
  }
  const out = Tensor.empty([ts.length, ...s0], ts[0].dtype);
  ts.forEach((t, i) => {
    const sl = out.slice(0, i, i + 1), row = sl.reshape(s0 as number[]);
    copyInPlace(row, t);
    row.dispose(); sl.dispose();
  });
  return out;
}

/**
 * Batches of a dataset, in order or reshuffled every epoch (seeded), with an optional
 * per-batch transform; iterable with `for` or (yielding to the event loop between batches)
 * `for await`. A number as the second argument is the batch size, as in PyTorch.
 * @example
 * const ds = new data.TensorDataset(randn([1000, 1, 28, 28]), randint(0, 10, [1000]));
 * const aug = new data.RandomRotation(10);
 * const loader = new data.DataLoader(ds, { batchSize: 64, shuffle: true, seed: 0, transform: (b) => [aug.apply(b[0]), b[1]] });
 * for await (const [xb, yb] of loader) {
 *   // ... a training step on xb [64, 1, 28, 28], yb [64] ...
 * }
 */
export class DataLoader<T = Tensor[], B = T> implements Iterable<B>, AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly seed: number;
  private readonly collate?: (samples: T[]) => B;
  private readonly sampler?: Iterable<number> & { readonly length: number };
  private readonly transform?: (batch: B) => B;
  /** Epochs started so far (each iteration is an epoch). */
  epoch = 0;

  constructor(readonly dataset: Dataset<T>, optsIn?: DataLoaderOptions<T, B> | number, ...extra: unknown[]) {
    if (!dataset || typeof dataset.get !== 'function' || !Number.isInteger(dataset.length)) {
      throw typeError('DataLoader', 'dataset must have an integer length and a get(index) method');
    }
    if (extra.length > 0) throw typeError('DataLoader', `takes (dataset, options); got ${2 + extra.length} arguments. Pass the rest by name: { ${LOADER_KEYS.join(', ')} }`);
    // NOTE: a number is PyTorch's positional batch_size: new DataLoader(ds, 32).
    const opts: DataLoaderOptions<T, B> = typeof optsIn === 'number' ? { batchSize: optsIn } : optsIn ?? {};
    checkOptions('DataLoader', opts, LOADER_KEYS);
    this.batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw rangeError('DataLoader', `batchSize must be a positive integer, got ${opts.batchSize}`);
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.seed = checkSeed('DataLoader', opts.seed);
    this.collate = opts.collate;
    this.transform = opts.transform;
    if (opts.sampler !== undefined) {
      const sm = opts.sampler as Partial<Iterable<number>> & { length?: unknown };
      if (!sm || typeof sm[Symbol.iterator] !== 'function' || !Number.isInteger(sm.length)) {
        throw typeError('DataLoader', 'sampler must be an iterable of indices with an integer length');
      }
      if (this.shuffle) throw typeError('DataLoader', 'sampler and shuffle are mutually exclusive (the sampler decides the order)');
      this.sampler = opts.sampler;
    }
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.sampler ? this.sampler.length : this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample order of the next epoch's batches (advances the epoch counter). */
  private nextOrder(): Int32Array {
    if (this.sampler) {
      this.epoch++;
      const order = Int32Array.from(this.sampler);
      for (const i of order) {
        if (i < 0 || i >= this.dataset.length) throw rangeError('DataLoader', `sampler gave index ${i}, outside the dataset of ${this.dataset.length}`);
      }
      return order;
    }
    const n = this.dataset.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.shuffle) new IndexRng((this.seed + this.epoch) >>> 0).shuffle(order);
    this.epoch++;
    return order;
  }

  private makeBatch(indices: Int32Array): B {
    let batch: B;
    if (!this.collate && this.dataset.getBatch) {
      batch = this.dataset.getBatch(indices) as unknown as B;
    } else {
      const samples = Array.from(indices, (i) => this.dataset.get(i));
      batch = this.collate ? this.collate(samples) : (defaultCollate(samples) as B);
    }
    if (!this.transform) return batch;
    const out = this.transform(batch);
    // NOTE: the loader made the pre-transform batch; free what the transform replaced.
    const kept = new Set<Tensor>();
    tensorsIn(out, kept);
    const made = new Set<Tensor>();
    tensorsIn(batch, made);
    for (const t of made) if (!kept.has(t)) t.dispose();
    return out;
  }

  /** Batches of one epoch, synchronously (`for (const [x, y] of loader)`). */
  *[Symbol.iterator](): Iterator<B> {
    const order = this.nextOrder();
    const nb = this.length;
    for (let b = 0; b < nb; b++) yield this.makeBatch(order.subarray(b * this.batchSize, (b + 1) * this.batchSize));
  }

  /** Batches of one epoch, yielding to the event loop between batches (`for await`). */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const order = this.nextOrder();
    const nb = this.length;
    for (let b = 0; b < nb; b++) {
      // NOTE: let timers and I/O run between batches so a long epoch never starves the loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
      yield this.makeBatch(order.subarray(b * this.batchSize, (b + 1) * this.batchSize));
    }
  }
}
