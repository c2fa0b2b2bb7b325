/**
 * Seeded index permutations for shuffling and splitting. Index bookkeeping happens in JS
 * (a few ints per sample); tensor data is only ever moved by native gathers.
 */
import { native } from '../native';
import { rangeError } from '../errors';

/** A Weyl sequence through the murmur3 finaliser: small, fast, fully determined by its seed. */
export class IndexRng {
  private s: number;
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0) throw rangeError('IndexRng', `seed must be a non-negative integer, got ${seed}`);
    this.s = (seed ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < 4; i++) this.next();
  }
  /** Uniform 32-bit unsigned integer. */
  next(): number {
    let z = (this.s = (this.s + 0x9e3779b9) >>> 0);
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** Uniform integer in [0, n) without modulo bias. */
  below(n: number): number {
    const limit = Math.floor(0x100000000 / n) * n;
    let x = this.next();
    while (x >= limit) x = this.next();
    return x % n;
  }
  /** Fisher-Yates shuffle of `a` in place. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }
}

/** A random permutation of 0..n-1. */
export function permutation(n: number, seed: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return new IndexRng(seed).shuffle(p);
}

/**
 * A seed drawn from the global generator, so `manualSeed` makes unseeded shuffles and
 * splits reproducible (it advances the generator like any random op).
 */
export function drawSeed(): number {
  // NOTE: drawn natively without a tensor: a tensor's read would wait for queued kernels.
  return native.drawInt(0, 2 ** 31);
}

export function checkSeed(op: string, seed: unknown): number {
  if (seed === undefined) return drawSeed();
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw rangeError(op, `seed must be an integer in [0, 2^32), got ${String(seed)}`);
  }
  return seed;
}
