/**
 * Random op chains: a base tensor (random shape, dtype, values) and up to six steps, each a
 * view, an elementwise op (with a broadcast operand), a reduction, matmul or softmax. A step
 * is drawn as plain numbers (fast-check shrinks them) and planned against the current tensor:
 * either the float64 result it must give or the op whose TypeError/RangeError it must throw.
 */
import * as fc from 'fast-check';
import { tf } from '../helpers';
import type { Tensor } from '../../lib';
import type { Nd } from '../reference/ndarray';
import { pick, prng } from './seeds';
import {
  UNARY_REF, binaryFn, broadcastTo, matmulRef, numel, permute, promote, reduceRef, sliceRef, softmaxRef,
  storeAs, unaryTol, binaryTol, zerosTol, type Expected, type FuzzDType,
} from './op_reference';

export interface Step { op: string; a: number; b: number; c: number; d: number; bad: boolean }

/** A planned step: run() is checked against `expect`, or must throw naming `errorOp`. */
export interface Planned {
  desc: string;
  run: () => Tensor;
  expect?: Expected;
  errorOp?: string;
}

const STEP_OPS = ['transpose', 'permute', 'slice', 'expand', 'unsqueeze', 'reshape', 'unary', 'binary', 'binary', 'reduce', 'matmul', 'softmax'];
/** Largest tensor a chain may build (keeps one case well under a millisecond of kernel time). */
const MAX_NUMEL = 20000;

export const stepArb: fc.Arbitrary<Step> = fc.record({
  op: fc.constantFrom(...STEP_OPS), a: fc.nat(1000), b: fc.nat(1000), c: fc.nat(1000), d: fc.nat(2 ** 30),
  bad: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))).chain((b) => (b ? fc.boolean() : fc.constant(false))),
});

export interface Base { shape: number[]; dtype: FuzzDType; seed: number }

const DIMS = [1, 1, 2, 2, 3, 3, 5, 7, 0];
export const baseArb: fc.Arbitrary<Base> = fc.record({
  dims: fc.array(fc.constantFrom(...DIMS), { maxLength: 4 }),
  big: fc.option(fc.record({ at: fc.nat(3), size: fc.integer({ min: 100, max: 300 }) }), { freq: 6 }),
  dtype: fc.constantFrom<FuzzDType>('float32', 'float32', 'int32', 'bool'),
  seed: fc.nat(2 ** 30),
}).map(({ dims, big, dtype, seed }) => {
  const shape = dims.slice();
  // "A few hundred" along one dim, when the whole stays small.
  if (big && shape.length && numel(shape) * big.size / Math.max(shape[big.at % shape.length], 1) <= 6000) shape[big.at % shape.length] = big.size;
  return { shape, dtype, seed };
});

/** Values of a dtype: floats mostly in [-4, 4) plus exact specials, ints in [-50, 50]. */
export function randomValues(dtype: FuzzDType, n: number, seed: number): Float64Array {
  const r = prng(seed), out = new Float64Array(n);
  const specials = [0, -0, 1, -1, 0.5, 3, -2];
  for (let i = 0; i < n; i++) {
    if (dtype === 'bool') out[i] = r() < 0.5 ? 1 : 0;
    else if (dtype === 'int32') out[i] = pick(r, 101) - 50;
    else out[i] = r() < 0.15 ? specials[pick(r, specials.length)] : Math.fround(r() * 8 - 4);
  }
  return out;
}

export function makeTensor(shape: number[], dtype: FuzzDType, data: Float64Array): Tensor {
  const typed = dtype === 'float32' ? Float32Array.from(data) : dtype === 'int32' ? Int32Array.from(data) : Uint8Array.from(data);
  return tf.tensor(typed, { shape, dtype });
}

const exact = (shape: number[], dtype: FuzzDType, data: Float64Array): Expected => ({ shape, dtype, data, tol: zerosTol(data.length) });
const err = (desc: string, op: string, run: () => Tensor): Planned => ({ desc, run, errorOp: op });

/** Plans one step against the current tensor x (with its verified values xr). Null = skip. */
export function planStep(s: Step, x: Tensor, xr: Nd, dtype: FuzzDType): Planned | null {
  const nd = x.ndim, shape = x.shape.slice();
  // A dim in range, negative about half the time.
  const dimOf = (v: number): number => (nd ? (v % nd) - ((v >> 4) % 2 ? nd : 0) : 0);
  const norm = (d: number): number => (d < 0 ? d + nd : d);
  switch (s.op) {
    case 'transpose': {
      if (s.bad) {
        const d0 = nd + (nd === 0 ? 1 : s.a % 2);
        return err(`transpose(${d0}, 0)`, 'transpose', () => x.transpose(d0, 0));
      }
      const d0 = dimOf(s.a), d1 = dimOf(s.b);
      const p = shape.map((_, i) => i);
      if (nd) [p[norm(d0)], p[norm(d1)]] = [p[norm(d1)], p[norm(d0)]];
      return { desc: `transpose(${d0}, ${d1})`, run: () => x.transpose(d0, d1), expect: exact(p.map((i) => shape[i]), dtype, permute(xr, p).data) };
    }
    case 'permute': {
      const r = prng(s.d), p = shape.map((_, i) => i);
      for (let i = nd - 1; i > 0; i--) { const j = pick(r, i + 1); [p[i], p[j]] = [p[j], p[i]]; }
      if (s.bad) {
        const q = nd >= 2 ? [p[0], ...p.slice(0, -1)] : [...p, 0];  // a repeated dim or one too many
        return err(`permute(${JSON.stringify(q)})`, 'permute', () => x.permute(q));
      }
      return { desc: `permute(${JSON.stringify(p)})`, run: () => x.permute(p), expect: exact(p.map((i) => shape[i]), dtype, permute(xr, p).data) };
    }
    case 'slice': {
      if (nd === 0) return err('slice(0) of a 0-d tensor', 'slice', () => x.slice(0, 0, 1));
      const d = dimOf(s.a), n = shape[norm(d)];
      const start = (s.b % (n + 4)) - 2, end = (s.c % (n + 4)) - 1, step = 1 + (s.d % 3);
      if (s.bad) return err(`slice(${d}, ${start}, ${end}, ${-(s.d % 2)})`, 'slice', () => x.slice(d, start, end, -(s.d % 2)));
      const y = sliceRef(xr, norm(d), start, end, step);
      return { desc: `slice(${d}, ${start}, ${end}, ${step})`, run: () => x.slice(d, start, end, step), expect: exact(y.shape, dtype, y.data) };
    }
    case 'expand': {
      const r = prng(s.d);
      const lead = pick(r, 3) === 0 ? [1 + pick(r, 3)] : [];
      const target = [...lead, ...shape.map((v) => (v === 1 ? pick(r, 4) : pick(r, 3) === 0 ? -1 : v))];
      if (s.bad) {
        const i = shape.findIndex((v) => v > 1);
        if (i < 0) return null;
        const t = target.slice();
        t[lead.length + i] = shape[i] + 1;
        return err(`expand(${JSON.stringify(t)})`, 'expand', () => x.expand(t));
      }
      const outShape = target.map((v, i) => (v === -1 ? shape[i - lead.length] : v));
      if (numel(outShape) > MAX_NUMEL) return null;
      return { desc: `expand(${JSON.stringify(target)})`, run: () => x.expand(target), expect: exact(outShape, dtype, broadcastTo(xr, outShape).data) };
    }
    case 'unsqueeze': {
      const d = (s.a % (nd + 1)) - (s.b % 2 ? nd + 1 : 0);
      if (s.bad) return err(`unsqueeze(${nd + 2})`, 'unsqueeze', () => x.unsqueeze(nd + 2));
      const out = shape.slice();
      out.splice(d < 0 ? d + nd + 1 : d, 0, 1);
      return { desc: `unsqueeze(${d})`, run: () => x.unsqueeze(d), expect: exact(out, dtype, xr.data) };
    }
    case 'reshape': {
      if (s.bad) return err(`reshape([${x.numel + 1}])`, 'reshape', () => x.reshape([x.numel + 1]));
      const out = nd >= 2 && s.a % 2 ? [shape[0] * shape[1], ...shape.slice(2)] : [-1];
      const outShape = out[0] === -1 ? [x.numel] : out;
      return { desc: `reshape(${JSON.stringify(out)})`, run: () => x.reshape(out), expect: exact(outShape, dtype, xr.data) };
    }
    case 'unary': return planUnary(s, x, xr, dtype);
    case 'binary': return planBinary(s, x, xr, dtype);
    case 'reduce': return planReduce(s, x, xr, dtype, dimOf);
    case 'matmul': return planMatmul(s, x, xr, dtype);
    case 'softmax': {
      const log = s.b % 2 === 1, name = log ? 'logSoftmax' : 'softmax';
      const d = nd ? dimOf(s.a) : (s.a % 2) - 1;
      const run = (): Tensor => (log ? x.logSoftmax(d) : x.softmax(d));
      if (s.bad) return err(`${name}(${nd + 1})`, name, () => (log ? x.logSoftmax(nd + 1) : x.softmax(nd + 1)));
      if (dtype !== 'float32') return err(`${name}(${d}) on ${dtype}`, name, run);
      const { v, tol } = softmaxRef(xr, nd ? norm(d) : 0, log);
      return { desc: `${name}(${d})`, run, expect: { shape, dtype, data: storeAs('float32', v.data), tol } };
    }
    default: throw new Error(`unknown step ${s.op}`);
  }
}

function planUnary(s: Step, x: Tensor, xr: Nd, dtype: FuzzDType): Planned | null {
  if (dtype === 'bool' && s.a % 3 === 0) {
    const data = xr.data.map((v) => +!v);
    return { desc: 'logicalNot()', run: () => x.logicalNot(), expect: exact(x.shape.slice(), 'bool', data) };
  }
  const names = dtype === 'float32' ? Object.keys(UNARY_REF) : ['neg', 'abs', 'square', 'exp', 'sigmoid', 'tanh'];
  const name = dtype === 'bool' ? ['exp', 'sigmoid', 'tanh'][s.a % 3] : names[s.a % names.length];
  // Integer neg/abs/square stay int32 (PyTorch); everything else computes in float32.
  const outDtype: FuzzDType = dtype === 'int32' && ['neg', 'abs', 'square'].includes(name) ? 'int32' : 'float32';
  const { f, approx } = UNARY_REF[name];
  const raw = xr.data.map((v) => (outDtype === 'int32' ? (name === 'square' ? Math.imul(v, v) : f(v) | 0) : f(Math.fround(v))));
  const data = storeAs(outDtype, raw);
  const tol = outDtype === 'int32' ? zerosTol(data.length) : unaryTol(approx, data);
  const run = (): Tensor => (x as unknown as Record<string, () => Tensor>)[name]();
  return { desc: `${name}()`, run, expect: { shape: x.shape.slice(), dtype: outDtype, data, tol } };
}

const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'floorDivide', 'remainder', 'maximum', 'minimum', 'eq', 'lt', 'gt'];
/** Integer floor division and remainder refuse a zero divisor (PyTorch's ZeroDivisionError); bool // bool is undefined. */
const refusesDivisor = (op: string, cd: FuzzDType, divisor: ArrayLike<number>): boolean =>
  (op === 'floorDivide' || op === 'remainder') && (cd === 'bool' || (cd === 'int32' && Array.prototype.some.call(divisor, (v: number) => v === 0)));
const SCALARS = [2, -1, 0, 3, 0.5, -2.5, 1e-3];

function planBinary(s: Step, x: Tensor, xr: Nd, dtype: FuzzDType): Planned | null {
  const op = BINARY_OPS[s.a % BINARY_OPS.length], r = prng(s.d), shape = x.shape.slice();
  const compare = ['eq', 'lt', 'gt'].includes(op);
  const call = (o: Tensor | number): Tensor => (x as unknown as Record<string, (o: Tensor | number) => Tensor>)[op](o);
  if (s.b % 4 === 0 && !s.bad) {
    // A scalar operand: an integral one keeps an int32 tensor int32 (bool becomes int32),
    // a fractional one makes the result float32 (PyTorch's rules for Python scalars).
    const nonFinite = s.c % 16 === 0;
    const k = nonFinite ? [NaN, Infinity, -Infinity][s.c % 3] : SCALARS[s.c % SCALARS.length];
    const sd: FuzzDType = Number.isInteger(k) ? (dtype === 'bool' ? 'int32' : dtype) : 'float32';
    const cd: FuzzDType = op === 'div' ? 'float32' : compare ? promote(sd, dtype === 'bool' && Number.isInteger(k) ? 'int32' : sd) : sd;
    const desc = `${op}(${k})`;
    if ((cd === 'bool' && op === 'sub') || refusesDivisor(op, cd, [k])) return err(desc, op, () => call(k));
    const f = binaryFn(op, cd);
    const raw = xr.data.map((v) => f(cd === 'float32' ? Math.fround(v) : v, cd === 'float32' ? Math.fround(k) : k));
    const outD: FuzzDType = compare ? 'bool' : cd;
    const data = storeAs(outD, raw);
    return { desc, run: () => call(k), expect: { shape, dtype: outD, data, tol: outD === 'float32' ? binaryTol(op, data) : zerosTol(data.length) } };
  }
  // A tensor operand whose shape broadcasts against x's: drop leading dims, set some to 1,
  // sometimes add a leading dim (so x broadcasts too).
  let oshape = shape.slice(pick(r, shape.length + 1)).map((v) => (pick(r, 3) === 0 ? 1 : v));
  if (pick(r, 4) === 0 && oshape.length === shape.length) oshape = [1 + pick(r, 3), ...oshape];
  const od = (['float32', 'int32', 'bool'] as const)[s.c % 3];
  const ov = randomValues(od, numel(oshape), s.d);
  const other = makeTensor(oshape, od, ov);
  if (s.bad) {
    const i = shape.findIndex((v) => v !== 1);
    if (i < 0) return null;
    const bshape = shape.slice(i);
    bshape[0] = shape[i] + 2;
    const bo = makeTensor(bshape, od, randomValues(od, numel(bshape), s.d));
    return err(`${op}(${od} ${JSON.stringify(bshape)})`, op, () => call(bo));
  }
  const cd: FuzzDType = op === 'div' ? 'float32' : promote(dtype, od);
  const desc = `${op}(${od} ${JSON.stringify(oshape)})`;
  if ((cd === 'bool' && op === 'sub') || refusesDivisor(op, cd, ov)) return err(desc, op, () => call(other));  // as PyTorch
  const f = binaryFn(op, cd);
  const cast = (v: number): number => (cd === 'float32' ? Math.fround(v) : v);
  const y = broadcastPair(xr, { shape: oshape, data: ov }, (p, q) => f(cast(p), cast(q)));
  if (numel(y.shape) > MAX_NUMEL) return null;
  const outD: FuzzDType = compare ? 'bool' : cd;
  const data = storeAs(outD, y.data);
  return { desc, run: () => call(other), expect: { shape: y.shape, dtype: outD, data, tol: outD === 'float32' ? binaryTol(op, data) : zerosTol(data.length) } };
}

function broadcastPair(a: Nd, b: Nd, f: (x: number, y: number) => number): Nd {
  const n = Math.max(a.shape.length, b.shape.length);
  const pad = (s: number[]): number[] => [...new Array(n - s.length).fill(1), ...s];
  const shape = pad(a.shape).map((v, i) => (v === 1 ? pad(b.shape)[i] : v));
  const A = broadcastTo(a, shape), B = broadcastTo(b, shape);
  return { shape, data: A.data.map((v, i) => f(v, B.data[i])) };
}

const REDUCE_OPS = ['sum', 'mean', 'max', 'min', 'prod', 'argmax'];

function planReduce(s: Step, x: Tensor, xr: Nd, dtype: FuzzDType, dimOf: (v: number) => number): Planned | null {
  const op = REDUCE_OPS[s.a % REDUCE_OPS.length], nd = x.ndim, shape = x.shape.slice();
  if (dtype === 'bool' && ['max', 'min', 'argmax'].includes(op)) return null;
  const form = s.b % 3;  // 0: all dims, 1: one dim, 2: a list of dims
  let dim: number | number[] | undefined;
  if (form === 1 || (op === 'argmax' && form === 2)) dim = dimOf(s.c);
  else if (form === 2) {
    const list = shape.map((_, i) => i).filter((i) => (s.c >> i) & 1).map((i) => (s.d % 2 ? i - nd : i));
    // NOTE: an empty list means "all dims" in PyTorch but "none" to some APIs; not drawn.
    dim = list.length ? list : undefined;
  }
  const keepdim = dim !== undefined && s.d % 3 === 0;
  const call = (d: number | number[] | undefined): Tensor => {
    const m = (x as unknown as Record<string, (d?: number | number[], k?: boolean) => Tensor>)[op];
    return d === undefined ? m.call(x) : m.call(x, d, keepdim);
  };
  if (s.bad) {
    const d = Math.max(nd, 1) + (s.c % 3);
    return err(`${op}(${d})`, op, () => call(d));
  }
  const dims = dim === undefined ? shape.map((_, i) => i) : (Array.isArray(dim) ? dim : [dim]).map((d) => (nd === 0 ? 0 : d < 0 ? d + nd : d)).filter((d) => d < nd).sort((a, b) => a - b);
  const desc = `${op}(${JSON.stringify(dim)}${dim === undefined ? '' : `, ${keepdim}`})`;
  const reducesEmpty = dims.some((d) => shape[d] === 0) || (nd === 0 ? false : dim === undefined && x.numel === 0);
  // PyTorch: max/min/argmax over an empty reduced dim is an error; over other dims of an empty tensor it is empty.
  if (reducesEmpty && ['max', 'min', 'argmax'].includes(op)) return err(desc, op, () => call(dim));
  const rd: FuzzDType = dtype === 'bool' ? 'int32' : dtype;
  const outD: FuzzDType = op === 'argmax' ? 'int32' : op === 'mean' ? 'float32' : rd;
  // argmax without dim indexes the flattened tensor.
  const src = op === 'argmax' && dim === undefined ? { shape: [x.numel], data: xr.data } : xr;
  const rdims = op === 'argmax' && dim === undefined ? [0] : dims;
  const { v, tol } = reduceRef(op, src, rdims, keepdim, rd);
  return { desc, run: () => call(dim), expect: { shape: v.shape, dtype: outD, data: storeAs(outD, v.data), tol } };
}

function planMatmul(s: Step, x: Tensor, xr: Nd, dtype: FuzzDType): Planned | null {
  const nd = x.ndim, shape = x.shape.slice(), r = prng(s.d);
  const K = nd ? shape[nd - 1] : 1, N = pick(r, 7);
  let oshape: number[];
  const form = nd === 0 ? 1 : s.b % 3;
  if (form === 0) oshape = [K];
  else if (form === 1 || nd < 3) oshape = [K, N];
  else oshape = [...shape.slice(0, -2).map((v) => (pick(r, 2) ? 1 : v)), K, N];
  if (s.bad && nd >= 1) oshape[oshape.length - (form === 0 ? 1 : 2)] = K + 1;
  // int32 @ int32 is exact (PyTorch wraps modulo 2^32; these values stay far below that);
  // mixed dtypes and bool operands are refused.
  const od: FuzzDType = dtype === 'int32' ? (s.c % 4 === 0 ? 'float32' : 'int32') : s.c % 8 === 0 ? 'int32' : 'float32';
  const ov = randomValues(od, numel(oshape), s.d);
  const other = makeTensor(oshape, od, ov);
  const desc = `matmul(${od} ${JSON.stringify(oshape)})`;
  if (s.bad || nd === 0 || dtype === 'bool' || dtype !== od) return err(desc, 'matmul', () => x.matmul(other));
  const { v, tol } = matmulRef(xr, { shape: oshape, data: ov });
  if (numel(v.shape) > MAX_NUMEL || K * numel(v.shape) > 200000) return null;
  const data = storeAs(od, v.data);
  return { desc, run: () => x.matmul(other), expect: { shape: v.shape, dtype: od, data, tol: od === 'int32' ? zerosTol(data.length) : tol } };
}
