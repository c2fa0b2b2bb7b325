/** Float64 reference implementations: the oracle every kernel is tested against. Plain
 * loops over row-major Float64Arrays, written for clarity, never for speed. */
export interface Nd { shape: number[]; data: Float64Array; /** Set by readers of bool tensors (0/1 data). */ bool?: boolean }

export const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
export const nd = (shape: number[], data: ArrayLike<number>): Nd => ({ shape: shape.slice(), data: Float64Array.from(data) });

export function stridesOf(shape: readonly number[]): number[] {
  const st: number[] = new Array(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) { st[i] = s; s *= shape[i]; }
  return st;
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[i - (n - a.length)] ?? 1, y = b[i - (n - b.length)] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error('ref: not broadcastable');
    return Math.max(x, y) === 0 || Math.min(x, y) === 0 ? 0 : Math.max(x, y);
  });
}

/** Index into `x` for the output coordinate `coord` of a broadcast result. */
function bIndex(x: Nd, coord: number[]): number {
  const lead = coord.length - x.shape.length;
  let idx = 0, s = 1;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    const c = x.shape[i] === 1 ? 0 : coord[i + lead];
    idx += c * s;
    s *= x.shape[i];
  }
  return idx;
}

function* coords(shape: readonly number[]): Generator<number[]> {
  const n = numel(shape);
  const c = new Array(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    yield c;
    for (let d = shape.length - 1; d >= 0; d--) { if (++c[d] < shape[d]) break; c[d] = 0; }
  }
}

export function binary(a: Nd, b: Nd, f: (x: number, y: number) => number): Nd {
  const shape = broadcastShape(a.shape, b.shape);
  const out = new Float64Array(numel(shape));
  let k = 0;
  for (const c of coords(shape)) out[k++] = f(a.data[bIndex(a, c)], b.data[bIndex(b, c)]);
  return { shape, data: out };
}

export function unary(a: Nd, f: (x: number) => number): Nd {
  return { shape: a.shape.slice(), data: a.data.map(f) };
}

/** Reduce over `dims` (sorted, unique) with keepdim; f gets the reduced values. */
export function reduce(a: Nd, dims: number[], keepdim: boolean, f: (vals: number[]) => number): Nd {
  const outShapeKeep = a.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const groups = new Map<number, number[]>();
  const ost = stridesOf(outShapeKeep);
  let k = 0;
  for (const c of coords(a.shape)) {
    let o = 0;
    c.forEach((v, i) => { if (!dims.includes(i)) o += v * ost[i]; });
    if (!groups.has(o)) groups.set(o, []);
    groups.get(o)!.push(a.data[k++]);
  }
  const n = numel(outShapeKeep);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = f(groups.get(i) ?? []);
  return { shape: keepdim ? outShapeKeep : a.shape.filter((_, i) => !dims.includes(i)), data };
}

export function permute(a: Nd, p: number[]): Nd {
  const shape = p.map((d) => a.shape[d]);
  const ast = stridesOf(a.shape);
  const out = new Float64Array(a.data.length);
  let k = 0;
  for (const c of coords(shape)) {
    let idx = 0;
    c.forEach((v, i) => { idx += v * ast[p[i]]; });
    out[k++] = a.data[idx];
  }
  return { shape, data: out };
}

/** The values of the view a.slice(dim, start, end, step): every step-th index in [start, end). */
export function slice(a: Nd, dim: number, start: number, end: number, step = 1): Nd {
  const keep: number[] = [];
  for (let i = start; i < Math.min(end, a.shape[dim]); i += step) keep.push(i);
  const shape = a.shape.map((s, d) => (d === dim ? keep.length : s));
  const ast = stridesOf(a.shape);
  const out = new Float64Array(numel(shape));
  let k = 0;
  for (const c of coords(shape)) {
    let idx = 0;
    c.forEach((v, d) => { idx += (d === dim ? keep[v] : v) * ast[d]; });
    out[k++] = a.data[idx];
  }
  return { shape, data: out };
}

/** The values of the view a.expand(shape) (NumPy broadcasting of a to shape). */
export function expand(a: Nd, shape: number[]): Nd {
  const out = new Float64Array(numel(shape));
  let k = 0;
  for (const c of coords(shape)) out[k++] = a.data[bIndex(a, c)];
  return { shape: shape.slice(), data: out };
}

export const erf = (x: number): number => {
  // Abramowitz-Stegun 7.1.26 is too coarse for a reference; use a series/continued fraction.
  const t = Math.abs(x);
  if (t < 2.5) {
    let sum = 0, term = t, n = 0;
    while (Math.abs(term) > 1e-17 * Math.abs(sum) || n < 3) {
      sum += term / (2 * n + 1);
      n++;
      term *= -t * t / n;
      if (n > 200) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction for large |x|
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (t + f);
  const erfc = Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f);
  return Math.sign(x) * (1 - erfc);
};

/** erfc(x) = 1 - erf(x), accurate in the upper tail (continued fraction from 2.5 on). */
export const erfc = (x: number): number => {
  if (x < 2.5) return 1 - erf(x);
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
};
/** Standard normal CDF, accurate relative to the result in both tails. */
export const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2);

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));
