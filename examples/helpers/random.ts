// Seeded plain-number randomness for the examples (environment noise, action sampling, pixel picks).
import { IndexRng } from '../../lib/data/random';

/** A seeded uniform generator on [0, 1). */
export function uniform(seed: number): () => number {
  const r = new IndexRng(seed);
  return () => r.next() / 4294967296;
}
