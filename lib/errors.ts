/** Helpers that build the error messages every public function throws. */
import type { DType } from './dtype';

export function fmtShape(shape: readonly number[]): string { return `[${shape.join(', ')}]`; }

export function typeError(op: string, msg: string): TypeError { return new TypeError(`${op}: ${msg}`); }
export function rangeError(op: string, msg: string): RangeError { return new RangeError(`${op}: ${msg}`); }

/** Normalises a possibly negative dim against ndim, throwing a RangeError naming the op. */
export function normDim(op: string, dim: number, ndim: number, arg = 'dim'): number {
  if (!Number.isInteger(dim)) throw typeError(op, `${arg} must be an integer, got ${String(dim)}`);
  const lo = ndim === 0 ? -1 : -ndim, hi = ndim === 0 ? 0 : ndim - 1;
  if (dim < lo || dim > hi) {
    throw rangeError(op, `${arg} ${dim} is out of range for a tensor of ${ndim} dims (expected ${lo}..${hi})`);
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** The most dims a tensor may have (native/include/tensorforge/view.h kMaxDims). */
export const MAX_DIMS = 12;
/** The most elements a shape may span, counting only its non-zero dims (native view bound). */
export const MAX_ELEMENTS = 2 ** 50;

export function checkShapeArg(op: string, shape: unknown, arg = 'shape'): number[] {
  if (!Array.isArray(shape)) throw typeError(op, `${arg} must be an array of integers, got ${typeof shape}`);
  if (shape.length > MAX_DIMS) throw rangeError(op, `${arg} has ${shape.length} dims; at most ${MAX_DIMS} are supported`);
  for (const s of shape) {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) {
      throw rangeError(op, `${arg} must contain non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Number.isSafeInteger(s)) throw rangeError(op, `${arg} ${JSON.stringify(shape)}: size ${s} is larger than 2^53 - 1`);
  }
  // NOTE: like PyTorch, an empty tensor may have huge sizes, but its strides (products of the
  // trailing sizes, zeros counted as ones) must still be representable, and a non-empty one
  // is bounded by what storage can address.
  let stride = 1, numel = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    numel *= shape[i];
    if (i > 0) stride *= Math.max(shape[i], 1);
    if (stride > Number.MAX_SAFE_INTEGER) throw rangeError(op, `${arg} ${JSON.stringify(shape)}: its strides overflow`);
  }
  if (numel > MAX_ELEMENTS) throw rangeError(op, `${arg} ${JSON.stringify(shape)} is too large (${numel} elements, at most 2^50)`);
  return shape.slice() as number[];
}

export function dtypeMismatch(op: string, arg: string, got: DType, want: string): TypeError {
  return typeError(op, `${arg} must be ${want}, got ${got}`);
}
