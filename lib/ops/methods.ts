/** Tensor methods for the core op families (each family file could add its own the same way). */
import { Tensor, type Device } from '../tensor';
import { isDType, type DType } from '../dtype';
import { typeError } from '../errors';
import { backward, type BackwardOptions } from '../autograd/engine';
import { binary, binaryInPlace, copyInPlace, fillInPlace, unary, where } from './elementwise';
import { castTo } from './cast';
import { argmax, argmin, max, mean, min, prod, std, sum, variance, type Dims, type ReduceOptions, type VarOptions } from './reduce';
import { clone, contiguous, expand, flatten, permute, reshape, slice, squeeze, transpose, unsqueeze, view } from './views';
import type { TensorLike } from './util';

declare module '../tensor' {
  interface Tensor {
    add(other: TensorLike): Tensor; sub(other: TensorLike): Tensor; mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor; pow(exponent: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor; minimum(other: TensorLike): Tensor; atan2(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor; ne(other: TensorLike): Tensor; lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor; gt(other: TensorLike): Tensor; ge(other: TensorLike): Tensor;
    logicalAnd(other: TensorLike): Tensor; logicalOr(other: TensorLike): Tensor; logicalNot(): Tensor;
    neg(): Tensor; abs(): Tensor; exp(): Tensor; log(): Tensor; sqrt(): Tensor; rsqrt(): Tensor;
    relu(): Tensor; leakyRelu(negativeSlope?: number): Tensor; elu(alpha?: number): Tensor;
    gelu(approximate?: 'none' | 'tanh'): Tensor; silu(): Tensor; sigmoid(): Tensor; tanh(): Tensor;
    softplus(beta?: number, threshold?: number): Tensor; clamp(min?: number, max?: number): Tensor;
    square(): Tensor; sin(): Tensor; cos(): Tensor; reciprocal(): Tensor; sign(): Tensor;
    floor(): Tensor; ceil(): Tensor; round(): Tensor; log1p(): Tensor; expm1(): Tensor;
    where(condition: Tensor, other: TensorLike): Tensor;
    sum(dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor; mean(dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor;
    max(dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor; min(dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor;
    argmax(dim?: number, keepdim?: boolean): Tensor; argmin(dim?: number, keepdim?: boolean): Tensor;
    var(dim?: Dims | VarOptions, unbiasedOrOpts?: boolean | VarOptions, keepdim?: boolean): Tensor;
    std(dim?: Dims | VarOptions, unbiasedOrOpts?: boolean | VarOptions, keepdim?: boolean): Tensor;
    prod(dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor;
    reshape(shape: readonly number[]): Tensor; view(shape: readonly number[]): Tensor;
    transpose(dim0?: number, dim1?: number): Tensor; t(): Tensor; permute(dims: readonly number[]): Tensor;
    squeeze(dim?: number | number[]): Tensor; unsqueeze(dim: number): Tensor;
    expand(shape: readonly number[]): Tensor; slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor; contiguous(): Tensor; clone(): Tensor;
    /** Converts dtype (a copy), or moves to a device. */
    to(target: DType | Device): Tensor; cast(dtype: DType): Tensor;
    add_(other: TensorLike): Tensor; sub_(other: TensorLike): Tensor; mul_(other: TensorLike): Tensor;
    div_(other: TensorLike): Tensor; fill_(value: number): Tensor; zero_(): Tensor; copy_(src: Tensor): Tensor;
    backward(gradOrOpts?: Tensor | BackwardOptions): void;
  }
}

const P = Tensor.prototype;
for (const name of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'atan2', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'] as const) {
  P[name] = function (this: Tensor, other: TensorLike) {
    if (name === 'pow' && typeof other === 'number' && this.dtype === 'float32') return unary('powScalar', this, other);
    return binary(name, this, other);
  };
}
for (const name of ['neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'relu', 'silu', 'sigmoid', 'tanh', 'square', 'sin', 'cos', 'reciprocal', 'sign', 'floor', 'ceil', 'round', 'log1p', 'expm1', 'logicalNot'] as const) {
  P[name] = function (this: Tensor) { return unary(name, this); };
}
P.leakyRelu = function (this: Tensor, slope = 0.01) { return unary('leakyRelu', this, slope); };
P.elu = function (this: Tensor, alpha = 1) { return unary('elu', this, alpha); };
P.gelu = function (this: Tensor, approximate: 'none' | 'tanh' = 'none') {
  return unary(approximate === 'tanh' ? 'geluTanh' : 'gelu', this);
};
P.softplus = function (this: Tensor, beta = 1, threshold = 20) { return unary('softplus', this, beta, threshold); };
P.clamp = function (this: Tensor, lo = -Infinity, hi = Infinity) {
  if (Number.isNaN(lo) || Number.isNaN(hi)) throw typeError('clamp', 'min/max must not be NaN');
  return unary('clamp', this, lo, hi);
};
P.where = function (this: Tensor, condition: Tensor, other: TensorLike) { return where(condition, this, other); };
P.sum = function (this: Tensor, dim?: Dims | ReduceOptions, keepdim?: boolean) { return sum(this, dim, keepdim); };
P.mean = function (this: Tensor, dim?: Dims | ReduceOptions, keepdim?: boolean) { return mean(this, dim, keepdim); };
P.max = function (this: Tensor, dim?: Dims | ReduceOptions, keepdim?: boolean) { return max(this, dim, keepdim); };
P.min = function (this: Tensor, dim?: Dims | ReduceOptions, keepdim?: boolean) { return min(this, dim, keepdim); };
P.argmax = function (this: Tensor, dim?: number, keepdim?: boolean) { return argmax(this, dim, keepdim); };
P.argmin = function (this: Tensor, dim?: number, keepdim?: boolean) { return argmin(this, dim, keepdim); };
P.var = function (this: Tensor, d?: Dims | VarOptions, u?: boolean | VarOptions, k?: boolean) { return variance(this, d, u, k); };
P.std = function (this: Tensor, d?: Dims | VarOptions, u?: boolean | VarOptions, k?: boolean) { return std(this, d, u, k); };
P.prod = function (this: Tensor, dim?: Dims | ReduceOptions, keepdim?: boolean) { return prod(this, dim, keepdim); };
P.reshape = function (this: Tensor, shape: readonly number[]) { return reshape(this, shape); };
P.view = function (this: Tensor, shape: readonly number[]) { return view(this, shape); };
P.transpose = function (this: Tensor, d0?: number, d1?: number) { return transpose(this, d0, d1); };
P.t = function (this: Tensor) {
  if (this.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dims, got ${this.ndim}; use transpose(dim0, dim1)`);
  return transpose(this);
};
P.permute = function (this: Tensor, dims: readonly number[]) { return permute(this, dims); };
P.squeeze = function (this: Tensor, dim?: number | number[]) { return squeeze(this, dim); };
P.unsqueeze = function (this: Tensor, dim: number) { return unsqueeze(this, dim); };
P.expand = function (this: Tensor, shape: readonly number[]) { return expand(this, shape); };
P.slice = function (this: Tensor, dim: number, start?: number, end?: number, step?: number) { return slice(this, dim, start, end, step); };
P.flatten = function (this: Tensor, s?: number, e?: number) { return flatten(this, s, e); };
P.contiguous = function (this: Tensor) { return contiguous(this); };
P.clone = function (this: Tensor) { return clone(this); };
P.to = function (this: Tensor, target: DType | Device) {
  if (isDType(target)) return target === this.dtype ? this : castTo(this, target);
  if (target === 'cpu' && this.device === 'cpu') return this;
  if (typeof target === 'string' && (target === 'cpu' || target.startsWith('cuda'))) return toDevice(this, target);
  throw typeError('to', `expected a dtype or a device ('cpu', 'cuda', 'cuda:N'), got ${String(target)}`);
};
P.cast = function (this: Tensor, dtype: DType) { return castTo(this, dtype); };
P.add_ = function (this: Tensor, o: TensorLike) { return binaryInPlace('add', this, o); };
P.sub_ = function (this: Tensor, o: TensorLike) { return binaryInPlace('sub', this, o); };
P.mul_ = function (this: Tensor, o: TensorLike) { return binaryInPlace('mul', this, o); };
P.div_ = function (this: Tensor, o: TensorLike) { return binaryInPlace('div', this, o); };
P.fill_ = function (this: Tensor, v: number) { return fillInPlace(this, v); };
P.zero_ = function (this: Tensor) { return fillInPlace(this, 0); };
P.copy_ = function (this: Tensor, src: Tensor) { return copyInPlace(this, src); };
P.backward = function (this: Tensor, gradOrOpts?: Tensor | BackwardOptions) {
  backward(this, gradOrOpts instanceof Tensor ? { grad: gradOrOpts } : gradOrOpts ?? {});
};

/** Device transfer hook; the CUDA backend installs its implementation here. */
export let toDevice = (t: Tensor, device: Device): Tensor => {
  throw new Error(`to: cannot move tensor to ${device}: tensorforge was not built with CUDA or no GPU is available`);
};
export function setDeviceTransfer(fn: (t: Tensor, device: Device) => Tensor): void { toDevice = fn; }
