/**
 * DistributedSampler: the sample indices of one rank, a disjoint shard of the dataset, as in
 * PyTorch. With `shuffle` (default) every rank draws the same permutation from seed + epoch
 * (call `setEpoch(e)` at the start of each epoch for a new order) and takes every
 * worldSize-th index starting at its rank. Without `dropLast` the index list is padded by
 * repeating its head so every rank gets ceil(n / worldSize) samples; with it, the tail that
 * does not divide evenly is dropped.
 *
 * @example
 * const sampler = new data.DistributedSampler(ds, { shuffle: true, seed: 0 });
 * const loader = new data.DataLoader(ds, { batchSize: 64, sampler });
 * for (let e = 0; e < epochs; e++) { sampler.setEpoch(e); for (const [x, y] of loader) { ... } }
 */
import { rangeError, typeError } from '../errors';
import { checkOptions } from '../options';
import { IndexRng } from '../data/random';
import { isInitialized, getRank, getWorldSize } from './process_group';

/**
 * Options of {@link DistributedSampler}.
 * @example
 * const ds = new data.TensorDataset(randn([10, 2]));
 * const opts: data.DistributedSamplerOptions = { numReplicas: 2, rank: 1, shuffle: false, dropLast: true };
 * console.log([...new data.DistributedSampler(ds, opts)]);   // [1, 3, 5, 7, 9]
 */
export interface DistributedSamplerOptions {
  /** Number of ranks (default: the process group's world size, else env WORLD_SIZE). */
  numReplicas?: number;
  /** This rank (default: the process group's rank, else env RANK). */
  rank?: number;
  /** Default true. */
  shuffle?: boolean;
  /** Default 0; must be the same on every rank. */
  seed?: number;
  /** Drop the tail instead of padding (default false). */
  dropLast?: boolean;
}

function fromEnv(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
}

/**
 * The indices of this rank's shard of a dataset (torch.utils.data.DistributedSampler): every
 * rank sees numSamples indices per epoch, the shards disjoint (padded by wrapping around
 * unless dropLast), shuffled the same way on every rank for a given seed and epoch.
 * @example
 * const ds = new data.TensorDataset(randn([100, 4]), randint(0, 2, [100]));
 * const sampler = new data.DistributedSampler(ds, { numReplicas: 4, rank: 0, seed: 0 });
 * const loader = new data.DataLoader(ds, { batchSize: 5, sampler });   // 25 samples per epoch
 * for (let epoch = 0; epoch < 2; epoch++) {
 *   sampler.setEpoch(epoch);
 *   for (const [x, y] of loader) console.log(epoch, x.shape, y.shape);   // [5, 4] [5]
 * }
 */
export class DistributedSampler implements Iterable<number> {
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Samples this rank yields per epoch. */
  readonly numSamples: number;
  private epoch = 0;

  constructor(readonly dataset: { readonly length: number }, opts: DistributedSamplerOptions = {}) {
    checkOptions('DistributedSampler', opts, ['numReplicas', 'rank', 'shuffle', 'seed', 'dropLast']);
    if (!dataset || !Number.isInteger(dataset.length)) throw typeError('DistributedSampler', 'dataset must have an integer length');
    const ws = opts.numReplicas ?? (isInitialized() ? getWorldSize() : fromEnv('WORLD_SIZE'));
    const rank = opts.rank ?? (isInitialized() ? getRank() : fromEnv('RANK'));
    if (!Number.isInteger(ws) || (ws as number) < 1) throw rangeError('DistributedSampler', `numReplicas must be a positive integer (or a process group / env WORLD_SIZE), got ${ws}`);
    if (!Number.isInteger(rank) || (rank as number) < 0 || (rank as number) >= (ws as number)) {
      throw rangeError('DistributedSampler', `rank must be an integer in [0, ${ws}), got ${rank}`);
    }
    this.numReplicas = ws as number;
    this.rank = rank as number;
    this.shuffle = opts.shuffle ?? true;
    this.seed = opts.seed ?? 0;
    if (!Number.isInteger(this.seed) || this.seed < 0) throw rangeError('DistributedSampler', `seed must be a non-negative integer, got ${opts.seed}`);
    this.dropLast = opts.dropLast ?? false;
    const n = dataset.length;
    this.numSamples = this.dropLast ? Math.floor(n / this.numReplicas) : Math.ceil(n / this.numReplicas);
  }

  get length(): number { return this.numSamples; }

  /** Selects the permutation of the next iteration (use the epoch number). */
  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw rangeError('DistributedSampler.setEpoch', `epoch must be a non-negative integer, got ${epoch}`);
    this.epoch = epoch;
  }

  /** This rank's indices for the current epoch. */
  indices(): Int32Array {
    const n = this.dataset.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.shuffle) new IndexRng((this.seed + this.epoch) >>> 0).shuffle(order);
    const out = new Int32Array(this.numSamples);
    // Index k of the padded (or truncated) list; padding repeats the list from its start.
    for (let j = 0; j < this.numSamples; j++) {
      const k = this.rank + j * this.numReplicas;
      out[j] = n === 0 ? 0 : order[k < n ? k : (k - n) % n];
    }
    return out;
  }

  /** Iterates indices() of the current epoch. */
  [Symbol.iterator](): Iterator<number> { return this.indices()[Symbol.iterator](); }
}
