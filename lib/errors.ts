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
  let span = 1;
  for (const s of shape) {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || !Number.isFinite(s)) {
      throw rangeError(op, `${arg} must contain non-negative integers, got ${JSON.stringify(shape)}`);
    }
    // NOTE: zero dims do not excuse the others: strides of [0, 1e20] would still overflow.
    span *= Math.max(s, 1);
    if (span > MAX_ELEMENTS) throw rangeError(op, `${arg} ${JSON.stringify(shape)} is too large (more than 2^50 elements per dim product)`);
  }
  return shape.slice() as number[];
}

export function dtypeMismatch(op: string, arg: string, got: DType, want: string): TypeError {
  return typeError(op, `${arg} must be ${want}, got ${got}`);
}
