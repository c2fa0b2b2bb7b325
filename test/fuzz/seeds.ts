/**
 * Seeds for the fuzz suite: a fixed set that every run checks, plus a few fresh ones printed
 * at the start so a failure seen once can be replayed:
 *
 *   TENSORFORGE_FUZZ_SEED=12345 npx mocha dist/test/96.fuzz.test.js   # that seed only
 *   TENSORFORGE_FUZZ_FRESH=10 ...                                      # more fresh seeds
 *   TENSORFORGE_FUZZ_KNOWN=1 ...                                       # also run the pending known-bug checks
 */
export const FIXED_SEEDS = [1, 7, 42, 1234, 20261206];

export interface SeedPlan { seeds: number[]; fresh: number[]; replay: boolean }

/** The seeds this run uses (env TENSORFORGE_FUZZ_SEED replays a comma-separated list only). */
export function seedPlan(env: NodeJS.ProcessEnv = process.env): SeedPlan {
  const given = env.TENSORFORGE_FUZZ_SEED;
  if (given) {
    const seeds = given.split(',').map((s) => Number(s.trim()));
    if (!seeds.every((s) => Number.isSafeInteger(s))) throw new RangeError(`TENSORFORGE_FUZZ_SEED must list integers, got ${given}`);
    return { seeds, fresh: [], replay: true };
  }
  const nFresh = Number(env.TENSORFORGE_FUZZ_FRESH ?? 2);
  // NOTE: fresh seeds come from Math.random on purpose: each CI run explores new inputs.
  const fresh = Array.from({ length: Number.isInteger(nFresh) && nFresh >= 0 ? nFresh : 2 }, () => Math.floor(Math.random() * 2 ** 31));
  return { seeds: [...FIXED_SEEDS, ...fresh], fresh, replay: false };
}

/**
 * Deterministic 32-bit PRNG (a Weyl sequence through the murmur3 finalizer): the same seed
 * gives the same stream on every machine.
 */
export function prng(seed: number): () => number {
  let w = seed >>> 0;
  return () => {
    w = (w + 0x9e3779b9) >>> 0;
    let z = Math.imul(w ^ (w >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n) from a PRNG. */
export const pick = (r: () => number, n: number): number => Math.floor(r() * n);

/** The message a failing seed adds so it can be replayed. */
export const replayHint = (seed: number): string => `replay with TENSORFORGE_FUZZ_SEED=${seed}`;
