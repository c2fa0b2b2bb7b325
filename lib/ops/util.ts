/** Shared helpers for op definitions: scalar conversion, broadcasting, gradient reduction. */
import type { ViewLike } from '../native';
import { dispatch } from './kernels';
import { Tensor, type Device } from '../tensor';
import { DTYPE_CODE, type DType } from '../dtype';
import { fmtShape, typeError, rangeError } from '../errors';

export type Scalar = number | boolean;
/**
 * A tensor or a plain number/boolean, which binary ops broadcast like a 0-d tensor.
 * @example
 * const x = tensor([1, 2, 3]);
 * const y: TensorLike = 2;
 * console.log(x.mul(y).toArray(), where(x.gt(1), x, 0).toArray());   // [2, 4, 6] [0, 2, 3]
 */
export type TensorLike = Tensor | number | boolean;

export function checkTensor(op: string, x: unknown, arg: string): Tensor {
  if (!(x instanceof Tensor)) {
    throw typeError(op, `${arg} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
  x.assertAlive(op);
  return x;
}

/** A 0-d tensor holding a scalar. */
export function scalarTensor(v: Scalar, dtype: DType, device: Device = 'cpu'): Tensor {
  const t = Tensor.empty([], dtype, device);
  dispatch('fill').num(Number(v)).t(t).run();
  return t;
}

export function scalarDType(v: Scalar): DType {
  return typeof v === 'boolean' ? 'bool' : Number.isInteger(v) ? 'int32' : 'float32';
}

export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw rangeError(op, `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (dim ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** View metadata of t broadcast to `shape` (stride 0 on broadcast dims); no Tensor created. */
export function expandedView(t: Tensor, shape: readonly number[]): ViewLike {
  if (sameShape(t.shape, shape)) return t;
  const n = shape.length, lead = n - t.ndim;
  const strides = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    strides[i] = i < lead || t.shape[i - lead] === 1 ? 0 : t.strides[i - lead];
  }
  return { dtypeCode: DTYPE_CODE[t.dtype], shape, strides, offset: t.offset };
}

/** Dims (of `gradShape`) to sum so a broadcast gradient gets back to `shape`. */
export function broadcastReduceDims(gradShape: readonly number[], shape: readonly number[]): number[] {
  const lead = gradShape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < gradShape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && gradShape[i] !== 1)) dims.push(i);
  }
  return dims;
}

// NOTE: a plain loop, not a.every(...): this runs several times per op (per-op overhead).
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
