/** Byte-level and header-level mutations of files, all driven by one seeded PRNG. */
import { pick } from './seeds';

export type Rng = () => number;

/** Flips 1-4 random bits, at `from` or later (e.g. only in the header). */
export function flipBits(r: Rng, buf: Buffer, from = 0, to = buf.length): Buffer {
  const out = Buffer.from(buf);
  if (to <= from) return out;
  for (let k = 1 + pick(r, 4); k > 0; k--) {
    const i = from + pick(r, to - from);
    out[i] ^= 1 << pick(r, 8);
  }
  return out;
}

/** Cuts the file at a random length (possibly 0). */
export const truncate = (r: Rng, buf: Buffer): Buffer => buf.subarray(0, pick(r, buf.length));

/** Appends 1-64 random bytes. */
export function appendJunk(r: Rng, buf: Buffer): Buffer {
  const junk = Buffer.alloc(1 + pick(r, 64));
  for (let i = 0; i < junk.length; i++) junk[i] = pick(r, 256);
  return Buffer.concat([buf, junk]);
}

/** Sizes a corrupted header might declare: edge values, overflows and "huge". */
export const HUGE_SIZES = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, 1e15, 1e20, 1e300, -1, 1.5];

/** Replaces one number somewhere in a JSON value (recursively) with a hostile one. */
export function mutateJsonNumber(r: Rng, v: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (x: unknown, p: (string | number)[]): void => {
    if (typeof x === 'number') paths.push(p);
    else if (Array.isArray(x)) x.forEach((y, i) => walk(y, [...p, i]));
    else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, [...p, k]);
  };
  walk(v, []);
  if (!paths.length) return v;
  const p = paths[pick(r, paths.length)];
  const choices: unknown[] = [...HUGE_SIZES, '3', null, [], {}, true];
  return setAt(v, p, choices[pick(r, choices.length)]);
}

/** Deletes a random key or replaces a random value with a wrong-typed one. */
export function mutateJsonStructure(r: Rng, v: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (x: unknown, p: (string | number)[]): void => {
    if (p.length) paths.push(p);
    if (Array.isArray(x)) x.forEach((y, i) => walk(y, [...p, i]));
    else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, [...p, k]);
  };
  walk(v, []);
  if (!paths.length) return v;
  const p = paths[pick(r, paths.length)];
  const choices: unknown[] = [undefined, null, 'x', '__proto__', 'constructor', -3, { __proto__: 1 }, [[[[]]]], 'F64', 'BOOL'];
  return setAt(v, p, choices[pick(r, choices.length)]);
}

/** A copy of v with the value at path p replaced (undefined deletes an object key). */
function setAt(v: unknown, p: (string | number)[], value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(v)) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const k of p.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = p[p.length - 1];
  if (value === undefined && !Array.isArray(at)) delete at[last];
  else Object.defineProperty(at, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** A JSON array nested `depth` deep (deeply nested input for recursive readers). */
export const deepNesting = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
