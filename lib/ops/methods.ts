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
    /** Elementwise sum with broadcasting: `x.add(1)`, `x.add(y)`. */
    add(other: TensorLike): Tensor;
    /** Elementwise difference with broadcasting. */
    sub(other: TensorLike): Tensor;
    /** Elementwise product with broadcasting. */
    mul(other: TensorLike): Tensor;
    /** Elementwise quotient with broadcasting (float result). */
    div(other: TensorLike): Tensor;
    /** Elementwise power: `x.pow(2)`, `x.pow(y)`. */
    pow(exponent: TensorLike): Tensor;
    /** Elementwise floor division (Python's //, torch.floor_divide): `x.floorDivide(2)`; an integer zero divisor throws. */
    floorDivide(other: TensorLike): Tensor;
    /** Elementwise remainder with the divisor's sign (Python's %, torch.remainder); an integer zero divisor throws. */
    remainder(other: TensorLike): Tensor;
    /** Elementwise maximum of two tensors (broadcast). */
    maximum(other: TensorLike): Tensor;
    /** Elementwise minimum of two tensors (broadcast). */
    minimum(other: TensorLike): Tensor;
    /** Elementwise atan2(this, other), the angle of the point (other, this). */
    atan2(other: TensorLike): Tensor;
    /** Elementwise `==`; a bool tensor. */
    eq(other: TensorLike): Tensor;
    /** Elementwise `!=`; a bool tensor. */
    ne(other: TensorLike): Tensor;
    /** Elementwise `<`; a bool tensor. */
    lt(other: TensorLike): Tensor;
    /** Elementwise `<=`; a bool tensor. */
    le(other: TensorLike): Tensor;
    /** Elementwise `>`; a bool tensor. */
    gt(other: TensorLike): Tensor;
    /** Elementwise `>=`; a bool tensor. */
    ge(other: TensorLike): Tensor;
    /** Elementwise logical and (nonzero is true); a bool tensor. */
    logicalAnd(other: TensorLike): Tensor;
    /** Elementwise logical or (nonzero is true); a bool tensor. */
    logicalOr(other: TensorLike): Tensor;
    /** Elementwise logical not (nonzero is true); a bool tensor. */
    logicalNot(): Tensor;
    /** -x elementwise. */
    neg(): Tensor;
    /** |x| elementwise. */
    abs(): Tensor;
    /** e^x elementwise. */
    exp(): Tensor;
    /** Natural logarithm elementwise. */
    log(): Tensor;
    /** Square root elementwise. */
    sqrt(): Tensor;
    /** 1 / sqrt(x) elementwise. */
    rsqrt(): Tensor;
    /** max(x, 0) elementwise. */
    relu(): Tensor;
    /** x where x > 0, negativeSlope * x elsewhere (default 0.01). */
    leakyRelu(negativeSlope?: number): Tensor;
    /** x where x > 0, alpha * (e^x - 1) elsewhere (default alpha 1). */
    elu(alpha?: number): Tensor;
    /** Gaussian error linear unit: exact (erf, default) or the tanh approximation. */
    gelu(approximate?: 'none' | 'tanh'): Tensor;
    /** x * sigmoid(x) elementwise. */
    silu(): Tensor;
    /** 1 / (1 + e^-x) elementwise. */
    sigmoid(): Tensor;
    /** Hyperbolic tangent elementwise. */
    tanh(): Tensor;
    /** log(1 + e^(beta x)) / beta elementwise, x itself above `threshold` (defaults 1, 20). */
    softplus(beta?: number, threshold?: number): Tensor;
    /** Clips to [min, max] (either bound may be omitted). */
    clamp(min?: number, max?: number): Tensor;
    /** x² elementwise. */
    square(): Tensor;
    /** Sine elementwise. */
    sin(): Tensor;
    /** Cosine elementwise. */
    cos(): Tensor;
    /** 1 / x elementwise. */
    reciprocal(): Tensor;
    /** -1, 0 or 1 by the sign of each element. */
    sign(): Tensor;
    /** Rounds down elementwise. */
    floor(): Tensor;
    /** Rounds up elementwise. */
    ceil(): Tensor;
    /** Rounds to the nearest integer elementwise (halves to even, as PyTorch). */
    round(): Tensor;
    /** log(1 + x) elementwise, accurate near 0. */
    log1p(): Tensor;
    /** e^x - 1 elementwise, accurate near 0. */
    expm1(): Tensor;
    /** This tensor where `condition` is true, `other` elsewhere (broadcast). */
    where(condition: Tensor, other: TensorLike): Tensor;
    /** Sum over `dim` (all elements when omitted); see the `sum` function. */
    sum(dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor;
    /** Mean over `dim` (all elements when omitted). */
    mean(dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor;
    /** Maximum over `dim` (all elements when omitted). */
    max(dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor;
    /** Minimum over `dim` (all elements when omitted). */
    min(dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor;
    /** Index of the maximum along `dim` (of the flattened tensor when omitted), int32. */
    argmax(dim?: number, keepdim?: boolean): Tensor;
    /** Index of the minimum along `dim` (of the flattened tensor when omitted), int32. */
    argmin(dim?: number, keepdim?: boolean): Tensor;
    /** Variance over `dim` (unbiased by default); see the `variance` function. */
    var(dim?: Dims | VarOptions, unbiasedOrOpts?: boolean | VarOptions, keepdim?: boolean): Tensor;
    /** Standard deviation over `dim` (unbiased by default). */
    std(dim?: Dims | VarOptions, unbiasedOrOpts?: boolean | VarOptions, keepdim?: boolean): Tensor;
    /** Product over `dim` (all elements when omitted). */
    prod(dim?: Dims | ReduceOptions, keepdim?: boolean): Tensor;
    /** A tensor of a new shape (-1 inferred) with the same elements; a view when the strides allow. */
    reshape(shape: readonly number[]): Tensor;
    /** Like reshape, but always a view (throws when the strides make one impossible). */
    view(shape: readonly number[]): Tensor;
    /** Swaps two dims (the last two by default); a view. */
    transpose(dim0?: number, dim1?: number): Tensor;
    /** The transpose of a 2-D tensor (a view). */
    t(): Tensor;
    /** Reorders the dims; a view. */
    permute(dims: readonly number[]): Tensor;
    /** Removes size-1 dims (all, or those in `dim`); a view. */
    squeeze(dim?: number | number[]): Tensor;
    /** Inserts a size-1 dim at `dim`; a view. */
    unsqueeze(dim: number): Tensor;
    /** Repeats size-1 dims to `shape` (-1 keeps a dim) without copying. */
    expand(shape: readonly number[]): Tensor;
    /** Elements start, start+step, ... below end along `dim`; a view. */
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    /** Merges dims startDim..endDim (all by default) into one. */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** This tensor if contiguous, else a contiguous copy. */
    contiguous(): Tensor;
    /** A copy with its own storage (gradients flow through it). */
    clone(): Tensor;
    /** Converts dtype (a copy), or moves to a device. */
    to(target: DType | Device): Tensor;
    /** Converts to `dtype` (a copy). */
    cast(dtype: DType): Tensor;
    /** In place: this += other. Returns this. */
    add_(other: TensorLike): Tensor;
    /** In place: this -= other. Returns this. */
    sub_(other: TensorLike): Tensor;
    /** In place: this *= other. Returns this. */
    mul_(other: TensorLike): Tensor;
    /** In place: this /= other. Returns this. */
    div_(other: TensorLike): Tensor;
    /** In place: every element set to `value`. Returns this. */
    fill_(value: number): Tensor;
    /** In place: every element set to 0. Returns this. */
    zero_(): Tensor;
    /** In place: copies `src` (broadcast) into this. Returns this. */
    copy_(src: Tensor): Tensor;
    /** Computes the gradients of this tensor (a scalar, or with `grad`) with respect to every leaf that requires grad, accumulating into their `.grad`. */
    backward(gradOrOpts?: Tensor | BackwardOptions): void;
  }
}

const P = Tensor.prototype;
for (const name of ['add', 'sub', 'mul', 'div', 'pow', 'floorDivide', 'remainder', 'maximum', 'minimum', 'atan2', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'] as const) {
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
