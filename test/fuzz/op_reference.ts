/**
 * Float64 references the op-chain fuzzer checks each step against, with the float32 error
 * bound of each op family (see TOLERANCES below). Values travel as Nd (row-major Float64Array).
 */
import { binary, numel, permute, reduce, stridesOf, type Nd } from '../reference/ndarray';
import { matmul as matmul2d } from '../reference/matmul';

export type FuzzDType = 'float32' | 'int32' | 'bool';

/** What a step must produce: shape, dtype, values and a per-element error bound. */
export interface Expected { shape: number[]; dtype: FuzzDType; data: Float64Array; tol: Float64Array }

/**
 * TOLERANCES. EPS = 2^-23 is one float32 ulp at 1 (twice the unit roundoff u = 2^-24).
 * - + - * / max min: IEEE single ops are correctly rounded and rounding the float64 result
 *   to float32 is innocuous for these (float64 has more than 2*24+2 bits), so the bound is
 *   one ulp (EPS*|e|), slack for kernels that use reciprocal-multiply.
 * - exp/log/tanh/sigmoid/sin/sqrt and softmax: SIMD polynomial approximations are good to a
 *   few ulp relative, plus ~1 ulp absolute near zero (tanh(x) = (e^2x - 1)/(e^2x + 1) loses
 *   relative accuracy there): 16*EPS*|e| + 2*EPS.
 * - sum/mean over n terms: naive or blocked float32 accumulation errs by at most
 *   (n - 1)*u*sum|x| (Higham 4.2); we allow n*EPS*sum|x| (twice that) + the final rounding.
 * - prod over n terms: n roundings of relative u each: 2*n*EPS*|e|.
 * - matmul: a K-term dot product per element, the sum bound with sum|a_ik*b_kj|.
 * - integer and bool results are exact (int32 arithmetic wraps like PyTorch's).
 * - Below the normal range the relative model fails: a product or quotient that underflows
 *   errs by up to half the subnormal spacing TINY = 2^-149 absolutely (sums of floats never
 *   round there), so each bound with products or quotients adds TINY per such rounding (a
 *   matmul of softmax outputs: 1.5350146e-39 against 1.5350160e-39, one TINY apart, failed
 *   a bound of 7.3e-46).
 */
export const EPS = 2 ** -23;
export const TINY = 2 ** -149;

export const zerosTol = (n: number): Float64Array => new Float64Array(n);

/** Rounds reference values to the dtype the kernel stores (float32 rounding, int32 wrap). */
export function storeAs(dtype: FuzzDType, data: Float64Array): Float64Array {
  if (dtype === 'float32') return data.map((v) => Math.fround(v));
  if (dtype === 'int32') return data.map((v) => v | 0);
  return data.map((v) => (v ? 1 : 0));
}

export function promote(a: FuzzDType, b: FuzzDType): FuzzDType {
  if (a === 'float32' || b === 'float32') return 'float32';
  return a === 'int32' || b === 'int32' ? 'int32' : 'bool';
}

/** The float64 function of each binary op; int32 arithmetic wraps. */
export function binaryFn(op: string, dtype: FuzzDType): (x: number, y: number) => number {
  const int = dtype !== 'float32';
  switch (op) {
    // bool + bool is logical or (PyTorch); mul, maximum and minimum of 0/1 are already and/or.
    case 'add': return dtype === 'bool' ? (x, y) => +(x !== 0 || y !== 0) : int ? (x, y) => (x + y) | 0 : (x, y) => x + y;
    case 'sub': return int ? (x, y) => (x - y) | 0 : (x, y) => x - y;
    case 'mul': return int ? (x, y) => Math.imul(x, y) : (x, y) => x * y;
    case 'div': return (x, y) => x / y;
    // Python's // and % (PyTorch's floor_divide and remainder); JS % is the exact fmod. Integer
    // quotients of int32 values are exact in float64; INT_MIN // -1 wraps.
    case 'floorDivide': return int ? (x, y) => Math.floor(x / y) | 0 : floorDivide;
    case 'remainder': return (x, y) => { const m = x % y; return m !== 0 && (y < 0) !== (m < 0) ? m + y : m; };
    // NaN propagates through maximum/minimum (torch.maximum).
    case 'maximum': return (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y));
    case 'minimum': return (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y));
    case 'eq': return (x, y) => +(x === y);
    case 'lt': return (x, y) => +(x < y);
    case 'gt': return (x, y) => +(x > y);
    default: throw new Error(`no reference for binary ${op}`);
  }
}

/** float floor division as PyTorch computes it: the exact fmod gives the quotient; a zero
 * divisor gives IEEE x / y. */
export function floorDivide(x: number, y: number): number {
  if (y === 0) return x / y;
  const m = x % y, q = (x - m) / y - (m !== 0 && (y < 0) !== (m < 0) ? 1 : 0);
  return q === 0 ? (x / y < 0 || Object.is(x / y, -0) ? -0 : 0) : Math.floor(q);
}

/** Unary references and whether they are "transcendental" (looser bound). */
export const UNARY_REF: Record<string, { f: (x: number) => number; approx: boolean }> = {
  neg: { f: (x) => -x, approx: false }, abs: { f: Math.abs, approx: false },
  square: { f: (x) => x * x, approx: false }, relu: { f: (x) => (Number.isNaN(x) ? NaN : Math.max(x, 0)), approx: false },
  floor: { f: Math.floor, approx: false }, reciprocal: { f: (x) => 1 / x, approx: false },
  exp: { f: Math.exp, approx: true }, log: { f: Math.log, approx: true }, sqrt: { f: Math.sqrt, approx: true },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)), approx: true }, tanh: { f: Math.tanh, approx: true },
  sin: { f: Math.sin, approx: true },
};

export function unaryTol(approx: boolean, e: Float64Array): Float64Array {
  return e.map((v) => (Number.isFinite(v) ? (approx ? 16 * EPS * Math.abs(v) + 2 * EPS : EPS * Math.abs(v) + TINY) : 0));
}

/**
 * A binary op's bound on float32 results: one ulp (unaryTol), and for floorDivide one more
 * where the float32 quotient's own rounding (EPS*|q|) reaches half an integer step: the kernel,
 * like PyTorch's, snaps a quotient within 0.5 of an integer to it, and past that the floor can
 * land one off (-7857248 for -7857247 from an exp output divided by a scalar).
 */
export function binaryTol(op: string, e: Float64Array): Float64Array {
  const t = unaryTol(false, e);
  return op === 'floorDivide' ? t.map((v, i) => (EPS * Math.abs(e[i]) >= 0.5 ? v + 1 : v)) : t;
}

export function broadcastTo(a: Nd, shape: number[]): Nd {
  return binary(a, { shape, data: new Float64Array(numel(shape)) }, (x) => x);
}

/** x.slice(dim, start, end, step) with PyTorch's clamping of start/end. */
export function sliceRef(a: Nd, dim: number, start: number, end: number, step: number): Nd {
  const n = a.shape[dim];
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = clamp(start), e = Math.max(clamp(end), s);
  const idx: number[] = [];
  for (let i = s; i < e; i += step) idx.push(i);
  const shape = a.shape.slice();
  shape[dim] = idx.length;
  const outer = numel(a.shape.slice(0, dim)), inner = numel(a.shape.slice(dim + 1));
  const out = new Float64Array(numel(shape));
  let k = 0;
  for (let o = 0; o < outer; o++) for (const i of idx) for (let j = 0; j < inner; j++) out[k++] = a.data[(o * n + i) * inner + j];
  return { shape, data: out };
}

export { permute, reduce, stridesOf, numel };

/** Reduction of `a` over `dims` (sorted) with each op's float64 definition and error bound. */
export function reduceRef(op: string, a: Nd, dims: number[], keepdim: boolean, dtype: FuzzDType): { v: Nd; tol: Float64Array } {
  const red = (f: (v: number[]) => number): Nd => reduce(a, dims, keepdim, f);
  const nanOr = (f: (v: number[]) => number) => (v: number[]): number => (v.some(Number.isNaN) ? NaN : f(v));
  const absSum = red((v) => v.reduce((s, x) => s + Math.abs(x), 0)).data;
  const count = red((v) => v.length).data;
  let v: Nd;
  let tol = zerosTol(absSum.length);
  switch (op) {
    case 'sum':
      v = red((vals) => vals.reduce((s, x) => (dtype === 'int32' ? (s + x) | 0 : s + x), 0));
      if (dtype === 'float32') tol = absSum.map((s, i) => count[i] * EPS * s + EPS * Math.abs(v.data[i]));
      break;
    case 'mean':
      v = red((vals) => vals.reduce((s, x) => s + x, 0) / vals.length);
      tol = absSum.map((s, i) => (count[i] + 1) * EPS * s / count[i] + EPS * Math.abs(v.data[i]) + TINY);
      break;
    case 'prod':
      v = red((vals) => vals.reduce((s, x) => (dtype === 'int32' ? Math.imul(s, x) : s * x), 1));
      if (dtype === 'float32') tol = v.data.map((e, i) => 2 * (count[i] + 1) * EPS * Math.abs(e) + (count[i] + 1) * TINY);
      break;
    case 'max': v = red(nanOr((vals) => Math.max(...vals))); break;
    case 'min': v = red(nanOr((vals) => Math.min(...vals))); break;
    case 'argmax':
      // First index of the maximum; a NaN counts as the maximum (PyTorch).
      v = red((vals) => {
        let best = 0;
        for (let i = 0; i < vals.length; i++) {
          if (Number.isNaN(vals[i])) return i;
          if (vals[i] > vals[best]) best = i;
        }
        return best;
      });
      break;
    default: throw new Error(`no reference for reduction ${op}`);
  }
  return { v, tol: tol.map((t) => (Number.isFinite(t) ? t : 0)) };
}

/** PyTorch matmul for 1-D and >= 2-D operands, with the dot-product error bound. */
export function matmulRef(a: Nd, b: Nd): { v: Nd; tol: Float64Array } {
  const a2 = a.shape.length === 1 ? { shape: [1, a.shape[0]], data: a.data } : a;
  const b2 = b.shape.length === 1 ? { shape: [b.shape[0], 1], data: b.data } : b;
  const y = matmul2d(a2, b2);
  const abs = (x: Nd): Nd => ({ shape: x.shape, data: x.data.map(Math.abs) });
  const bound = matmul2d(abs(a2), abs(b2)).data;
  const K = a.shape[a.shape.length - 1];
  let shape = y.shape.slice();
  if (a.shape.length === 1) shape.splice(shape.length - 2, 1);
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  const tol = bound.map((s, i) => (K + 1) * EPS * s + EPS * Math.abs(y.data[i]) + (K + 1) * TINY);
  return { v: { shape, data: y.data }, tol: tol.map((t) => (Number.isFinite(t) ? t : 0)) };
}

/** softmax / logSoftmax along `dim` (max-subtracted, as every stable kernel computes it). */
export function softmaxRef(a: Nd, dim: number, log: boolean): { v: Nd; tol: Float64Array } {
  if (a.shape.length === 0) {
    const r = softmaxRef({ shape: [1], data: a.data }, 0, log);
    return { v: { shape: [], data: r.v.data }, tol: r.tol };
  }
  const n = a.shape[dim], inner = numel(a.shape.slice(dim + 1)), outer = numel(a.shape.slice(0, dim));
  const out = new Float64Array(a.data.length), tol = new Float64Array(a.data.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const at = (i: number): number => (o * n + i) * inner + j;
      let m = -Infinity, hasNaN = false;
      for (let i = 0; i < n; i++) { m = Math.max(m, a.data[at(i)]); hasNaN ||= Number.isNaN(a.data[at(i)]); }
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(a.data[at(i)] - m);
      for (let i = 0; i < n; i++) {
        const x = a.data[at(i)];
        const y = hasNaN ? NaN : log ? x - m - Math.log(s) : Math.exp(x - m) / s;
        out[at(i)] = y;
        const scale = log ? Math.abs(x) + Math.abs(m) + Math.abs(Math.log(s)) + 1 : Math.abs(y);
        tol[at(i)] = Number.isFinite(y) ? (16 + 2 * n) * EPS * scale + 2 * EPS : 0;
      }
    }
  }
  return { v: { shape: a.shape.slice(), data: out }, tol };
}
