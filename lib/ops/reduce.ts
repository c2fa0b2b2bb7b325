/** Reductions over any dims with keepdim: sum mean max min argmax argmin var std prod. */
import { dispatch } from './kernels';
import { Tensor } from '../tensor';
import { fmtShape, normDim, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { ReduceOp } from './codes';
import { broadcastReduceDims, checkTensor } from './util';
import { castTo } from './cast';
import { checkOptions, describeValue, isPlainObject } from '../options';
import { declareKernels, BOTH, type KernelsOf } from './kernels';

// ---- the native bindings of this family (native/binding/reduce.cpp): see KERNELS in ./kernels ----
const REDUCE_KERNELS = declareKernels({
  reduce: { params: ['op', 'nkept', 'correction'], tensors: ['y', 'x'], devices: BOTH },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof REDUCE_KERNELS> {} }


/**
 * One dimension or a list of them (negative counts from the end).
 * @example
 * const dims: Dims = [0, -1];
 * const s = randn([2, 3, 4]).sum(dims);   // shape [3]
 */
export type Dims = number | number[];

/**
 * The `{ dim, keepdim }` form of a reduction's arguments (`x.sum({ dim: 1, keepdim: true })`).
 * @example
 * const opts: ReduceOptions = { dim: 1, keepdim: true };
 * const centred = randn([4, 3]).sub(randn([4, 3]).mean(opts));
 */
export interface ReduceOptions { dim?: Dims; keepdim?: boolean }

/**
 * Reads (dim, keepdim) given positionally as in PyTorch (`sum(x, 1, true)`) or as one
 * options object (`sum(x, { dim: 1, keepdim: true })`); anything else is a TypeError.
 */
function reduceArgs(op: string, dim: Dims | ReduceOptions | undefined | null, keepdim: unknown): { dim?: Dims; keepdim: boolean } {
  let d: unknown = dim ?? undefined, k: unknown = keepdim;
  if (isPlainObject(dim)) {
    checkOptions(op, dim, ['dim', 'keepdim']);
    if (keepdim !== undefined) throw typeError(op, 'keepdim given both in the options object and as a second argument');
    d = dim.dim; k = dim.keepdim;
  }
  if (d !== undefined && typeof d !== 'number' && !Array.isArray(d)) {
    throw typeError(op, `dim must be an integer, an array of integers or { dim, keepdim }, got ${describeValue(d)}`);
  }
  if (k !== undefined && typeof k !== 'boolean') throw typeError(op, `keepdim must be a boolean, got ${describeValue(k)}`);
  return { dim: d as Dims | undefined, keepdim: k ?? false };
}

export function normDims(op: string, dim: Dims | undefined, ndim: number): number[] {
  if (dim === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = Array.isArray(dim) ? dim : [dim];
  const out = list.map((d) => normDim(op, d, ndim));
  if (new Set(out).size !== out.length) throw typeError(op, `dim ${JSON.stringify(dim)} repeats a dimension`);
  return out.filter((d) => d < ndim).sort((a, b) => a - b);
}

function keepShape(shape: readonly number[], dims: number[]): number[] {
  return shape.map((s, i) => (dims.includes(i) ? 1 : s));
}

/** Runs a native reduction; returns the result with kept dims only (no keepdim). */
function reduceRaw(op: string, code: ReduceOp, x: Tensor, dims: number[], correction = 0): Tensor {
  const kept = x.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const perm = [...kept, ...dims];
  const outDtype = code === ReduceOp.Argmax || code === ReduceOp.Argmin ? 'int32'
    : code === ReduceOp.Mean || code === ReduceOp.Var ? 'float32' : x.dtype;
  const out = Tensor.empty(kept.map((i) => x.shape[i]), outDtype, x.device);
  if (out.numel) {
    const permuted = { dtypeCode: x.dtypeCode, shape: perm.map((i) => x.shape[i]), strides: perm.map((i) => x.strides[i]), offset: x.offset };
    dispatch('reduce').num(code).num(kept.length).num(correction).t(out).t(x, permuted).run();
  }
  return out;
}

function prepInput(op: string, x: Tensor, needFloat: boolean): Tensor {
  checkTensor(op, x, 'input');
  if (x.dtype === 'float32' || (x.dtype === 'int32' && !needFloat)) return x;
  return castTo(x, needFloat ? 'float32' : 'int32');
}

function finish(out: Tensor, x: Tensor, dims: number[], keepdim: boolean): Tensor {
  return keepdim ? out.reshape(keepShape(x.shape, dims)) : out;
}

/**
 * Sum over `dim` (all elements when omitted), optionally keeping the reduced dims as size 1.
 * @example
 * const x = tensor([[1, 2], [3, 4]]);
 * console.log(sum(x).item(), sum(x, 0).toArray(), sum(x, { dim: 1, keepdim: true }).shape);  // 10 [4, 6] [2, 1]
 */
export function sum(xIn: Tensor, dimOrOpts?: Dims | ReduceOptions, keepdimArg?: boolean): Tensor {
  const { dim, keepdim } = reduceArgs('sum', dimOrOpts, keepdimArg);
  const x = prepInput('sum', xIn, false);
  const dims = normDims('sum', dim, x.ndim);
  const out = finish(reduceRaw('sum', ReduceOp.Sum, x, dims), x, dims, keepdim);
  if (isGradEnabled() && x.requiresGrad) {
    record('sum', out, [x], (g) => [g.reshape(keepShape(x.shape, dims)).expand(x.shape)]);
  }
  return out;
}

/**
 * Mean over `dim` (all elements when omitted).
 * @example
 * const x = tensor([[1, 2], [3, 4]]);
 * console.log(mean(x, 1).toArray());   // [1.5, 3.5]
 */
export function mean(xIn: Tensor, dimOrOpts?: Dims | ReduceOptions, keepdimArg?: boolean): Tensor {
  const { dim, keepdim } = reduceArgs('mean', dimOrOpts, keepdimArg);
  const x = prepInput('mean', xIn, true);
  const dims = normDims('mean', dim, x.ndim);
  const out = finish(reduceRaw('mean', ReduceOp.Mean, x, dims), x, dims, keepdim);
  if (isGradEnabled() && x.requiresGrad) {
    const n = dims.reduce((p, d) => p * x.shape[d], 1);
    record('mean', out, [x], (g) => [g.reshape(keepShape(x.shape, dims)).div(n).expand(x.shape)]);
  }
  return out;
}

function extremum(op: 'max' | 'min', xIn: Tensor, dimOrOpts?: Dims | ReduceOptions, keepdimArg?: boolean): Tensor {
  const { dim, keepdim } = reduceArgs(op, dimOrOpts, keepdimArg);
  const x = prepInput(op, xIn, false);
  const dims = normDims(op, dim, x.ndim);
  checkNonEmptyReduction(op, x, dims);
  const out = finish(reduceRaw(op, op === 'max' ? ReduceOp.Max : ReduceOp.Min, x, dims), x, dims, keepdim);
  if (isGradEnabled() && x.requiresGrad) {
    // Like torch.amax: the gradient is shared evenly between tied extrema.
    record(op, out, [x], (g) => {
      const ks = keepShape(x.shape, dims);
      const mask = x.eq(out.reshape(ks)).to('float32');
      return [mask.div(mask.sum(dims, true)).mul(g.reshape(ks))];
    });
  }
  return out;
}

/**
 * Maximum over `dim` (all elements when omitted).
 * @example
 * const x = tensor([[1, 5], [7, 2]]);
 * console.log(max(x).item(), max(x, 1).toArray());   // 7 [5, 7]
 */
export const max = (x: Tensor, dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor => extremum('max', x, dim, keepdim);
/**
 * Minimum over `dim` (all elements when omitted).
 * @example
 * const x = tensor([[1, 5], [7, 2]]);
 * console.log(min(x, 0).toArray());   // [1, 2]
 */
export const min = (x: Tensor, dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor => extremum('min', x, dim, keepdim);

/**
 * max/min/argmax/argmin have no identity: reducing over a dim of size 0 is an error (as in
 * PyTorch), while reducing a non-empty dim of an empty tensor gives an empty result.
 */
function checkNonEmptyReduction(op: string, x: Tensor, dims: readonly number[]): void {
  if (x.numel !== 0) return;
  if (dims.some((d) => x.shape[d] === 0)) {
    throw rangeError(op, `cannot reduce over an empty dim of input ${fmtShape(x.shape)} (dims ${JSON.stringify(dims)}): there is no identity`);
  }
}

function argExtremum(op: 'argmax' | 'argmin', xIn: Tensor, dim?: number, keepdim = false): Tensor {
  const x = prepInput(op, xIn, false);
  checkNonEmptyReduction(op, x, dim === undefined ? x.shape.map((_, i) => i) : [normDim(op, dim, x.ndim)]);
  if (dim === undefined) {  // index into the flattened tensor, like PyTorch
    const flat = x.reshape([x.numel]);
    return reduceRaw(op, op === 'argmax' ? ReduceOp.Argmax : ReduceOp.Argmin, flat, [0]);
  }
  const dims = normDims(op, dim, x.ndim);
  return finish(reduceRaw(op, op === 'argmax' ? ReduceOp.Argmax : ReduceOp.Argmin, x, dims), x, dims, keepdim);
}

/**
 * Index (int32) of the maximum along `dim` (of the flattened tensor when omitted).
 * @example
 * const logits = tensor([[0.1, 2.0, -1], [3, 0, 0]]);
 * console.log(argmax(logits, 1).toArray());   // [1, 0]
 */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtremum('argmax', x, dim, keepdim);
/**
 * Index (int32) of the minimum along `dim` (of the flattened tensor when omitted).
 * @example
 * console.log(argmin(tensor([3, -1, 2])).item());   // 1
 */
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtremum('argmin', x, dim, keepdim);

/**
 * Options of `variance` and `std`.
 * @example
 * const opts: VarOptions = { dim: 0, correction: 0 };   // population variance per column
 * const v = variance(randn([100, 3]), opts);
 */
export interface VarOptions { dim?: Dims; keepdim?: boolean; /** Bessel's correction (default 1, unbiased). */ correction?: number }

/**
 * Reads var/std arguments in PyTorch's forms: `(opts)`, `(dim)`, `(dim, opts)` with opts
 * `{ keepdim, correction }`, and the positional `(dim, unbiased, keepdim)` overload.
 */
function varArgs(op: string, a?: Dims | VarOptions | null, b?: boolean | VarOptions, c?: boolean): Required<Omit<VarOptions, 'dim'>> & { dim?: Dims } {
  let o: VarOptions = {};
  if (isPlainObject(a)) {
    checkOptions(op, a, ['dim', 'keepdim', 'correction']);
    if (b !== undefined || c !== undefined) throw typeError(op, 'takes (dim, options) or (options), not options followed by more arguments');
    o = a;
  } else {
    if (a !== undefined && a !== null && typeof a !== 'number' && !Array.isArray(a)) {
      throw typeError(op, `dim must be an integer, an array of integers or { dim, keepdim, correction }, got ${describeValue(a)}`);
    }
    o.dim = a ?? undefined;
    if (typeof b === 'boolean') {  // PyTorch's var(dim, unbiased, keepdim)
      o.correction = b ? 1 : 0;
      if (c !== undefined && typeof c !== 'boolean') throw typeError(op, `keepdim must be a boolean, got ${describeValue(c)}`);
      o.keepdim = c;
    } else if (b !== undefined && b !== null) {
      checkOptions(op, b, ['keepdim', 'correction']);
      if (c !== undefined) throw typeError(op, 'takes (dim, options), not options followed by more arguments');
      o = { ...b, dim: o.dim };
    }
  }
  if (o.keepdim !== undefined && typeof o.keepdim !== 'boolean') throw typeError(op, `keepdim must be a boolean, got ${describeValue(o.keepdim)}`);
  const correction = o.correction ?? 1;
  if (typeof correction !== 'number' || !Number.isFinite(correction)) throw typeError(op, `correction must be a finite number, got ${describeValue(correction)}`);
  return { dim: o.dim, keepdim: o.keepdim ?? false, correction };
}

/**
 * Variance over `dim` (all elements when omitted) with Bessel's correction, PyTorch's forms.
 * @example
 * const x = tensor([[1, 2, 3], [4, 6, 8]]);
 * console.log(variance(x, 1).toArray());   // [1, 4]
 */
export function variance(xIn: Tensor, dimOrOpts?: Dims | VarOptions, unbiasedOrOpts?: boolean | VarOptions, keepdimArg?: boolean): Tensor {
  const opts = varArgs('var', dimOrOpts, unbiasedOrOpts, keepdimArg);
  const x = prepInput('var', xIn, true);
  const dims = normDims('var', opts.dim, x.ndim), corr = opts.correction;
  const out = finish(reduceRaw('var', ReduceOp.Var, x, dims, corr), x, dims, opts.keepdim);
  if (isGradEnabled() && x.requiresGrad) {
    const n = dims.reduce((p, d) => p * x.shape[d], 1);
    record('var', out, [x], (g) => {
      const ks = keepShape(x.shape, dims);
      return [x.sub(x.mean(dims, true)).mul(2 / (n - corr)).mul(g.reshape(ks))];
    });
  }
  return out;
}

/**
 * Standard deviation: sqrt of variance(), same argument forms.
 * @example
 * const x = tensor([[1, 2, 3], [4, 6, 8]]);
 * console.log(std(x, { dim: 1, correction: 0 }).shape);   // [2]
 */
export function std(x: Tensor, dimOrOpts?: Dims | VarOptions, unbiasedOrOpts?: boolean | VarOptions, keepdim?: boolean): Tensor {
  return variance(x, varArgs('std', dimOrOpts, unbiasedOrOpts, keepdim)).sqrt();
}

/**
 * Product over `dim` (all elements when omitted).
 * @example
 * console.log(prod(tensor([[1, 2], [3, 4]]), 1).toArray());   // [2, 12]
 */
export function prod(xIn: Tensor, dimOrOpts?: Dims | ReduceOptions, keepdimArg?: boolean): Tensor {
  const { dim, keepdim } = reduceArgs('prod', dimOrOpts, keepdimArg);
  const x = prepInput('prod', xIn, false);
  const dims = normDims('prod', dim, x.ndim);
  const out = finish(reduceRaw('prod', ReduceOp.Prod, x, dims), x, dims, keepdim);
  if (isGradEnabled() && x.requiresGrad) {
    // NOTE: out / x is exact away from zeros; a zero entry gets a NaN-free product of the others only if unique.
    record('prod', out, [x], (g) => {
      const ks = keepShape(x.shape, dims);
      return [g.reshape(ks).mul(out.reshape(ks)).div(x)];
    });
  }
  return out;
}

/** Sums a broadcast gradient back to `shape`. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const dims = broadcastReduceDims(g.shape, shape);
  return sum(g, dims, true).reshape(shape);
}
