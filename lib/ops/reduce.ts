/** Reductions over any dims with keepdim: sum mean max min argmax argmin var std prod. */
import { dispatch } from './kernels';
import { Tensor } from '../tensor';
import { fmtShape, normDim, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { ReduceOp } from './codes';
import { broadcastReduceDims, checkTensor } from './util';
import { castTo } from './cast';

export type Dims = number | number[];

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

export function sum(xIn: Tensor, dim?: Dims, keepdim = false): Tensor {
  const x = prepInput('sum', xIn, false);
  const dims = normDims('sum', dim, x.ndim);
  const out = finish(reduceRaw('sum', ReduceOp.Sum, x, dims), x, dims, keepdim);
  if (isGradEnabled() && x.requiresGrad) {
    record('sum', out, [x], (g) => [g.reshape(keepShape(x.shape, dims)).expand(x.shape)]);
  }
  return out;
}

export function mean(xIn: Tensor, dim?: Dims, keepdim = false): Tensor {
  const x = prepInput('mean', xIn, true);
  const dims = normDims('mean', dim, x.ndim);
  const out = finish(reduceRaw('mean', ReduceOp.Mean, x, dims), x, dims, keepdim);
  if (isGradEnabled() && x.requiresGrad) {
    const n = dims.reduce((p, d) => p * x.shape[d], 1);
    record('mean', out, [x], (g) => [g.reshape(keepShape(x.shape, dims)).div(n).expand(x.shape)]);
  }
  return out;
}

function extremum(op: 'max' | 'min', xIn: Tensor, dim?: Dims, keepdim = false): Tensor {
  const x = prepInput(op, xIn, false);
  const dims = normDims(op, dim, x.ndim);
  if (x.numel === 0) throw new RangeError(`${op}: cannot reduce an empty tensor of shape ${fmtShape(x.shape)}`);
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

export const max = (x: Tensor, dim?: Dims, keepdim = false): Tensor => extremum('max', x, dim, keepdim);
export const min = (x: Tensor, dim?: Dims, keepdim = false): Tensor => extremum('min', x, dim, keepdim);

function argExtremum(op: 'argmax' | 'argmin', xIn: Tensor, dim?: number, keepdim = false): Tensor {
  const x = prepInput(op, xIn, false);
  if (x.numel === 0) throw new RangeError(`${op}: cannot reduce an empty tensor of shape ${fmtShape(x.shape)}`);
  if (dim === undefined) {  // index into the flattened tensor, like PyTorch
    const flat = x.reshape([x.numel]);
    return reduceRaw(op, op === 'argmax' ? ReduceOp.Argmax : ReduceOp.Argmin, flat, [0]);
  }
  const dims = normDims(op, dim, x.ndim);
  return finish(reduceRaw(op, op === 'argmax' ? ReduceOp.Argmax : ReduceOp.Argmin, x, dims), x, dims, keepdim);
}

export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtremum('argmax', x, dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtremum('argmin', x, dim, keepdim);

export interface VarOptions { dim?: Dims; keepdim?: boolean; /** Bessel's correction (default 1, unbiased). */ correction?: number }

export function variance(xIn: Tensor, opts: VarOptions = {}): Tensor {
  const x = prepInput('var', xIn, true);
  const dims = normDims('var', opts.dim, x.ndim), corr = opts.correction ?? 1;
  const out = finish(reduceRaw('var', ReduceOp.Var, x, dims, corr), x, dims, opts.keepdim ?? false);
  if (isGradEnabled() && x.requiresGrad) {
    const n = dims.reduce((p, d) => p * x.shape[d], 1);
    record('var', out, [x], (g) => {
      const ks = keepShape(x.shape, dims);
      return [x.sub(x.mean(dims, true)).mul(2 / (n - corr)).mul(g.reshape(ks))];
    });
  }
  return out;
}

export function std(x: Tensor, opts: VarOptions = {}): Tensor { return variance(x, opts).sqrt(); }

export function prod(xIn: Tensor, dim?: Dims, keepdim = false): Tensor {
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
