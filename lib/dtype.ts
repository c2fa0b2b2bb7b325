/**
 * Element types. `bool` is stored as one byte (0/1).
 * @example
 * const dt: DType = 'int32';
 * const labels = tensor([0, 2, 1], { dtype: dt });
 */
export type DType = 'float32' | 'int32' | 'uint8' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'int32', 'uint8', 'bool'];

/** Codes shared with native/include/tensorforge/view.h (enum DType). */
export const DTYPE_CODE: Readonly<Record<DType, number>> = { float32: 0, int32: 1, uint8: 2, bool: 3 };

export const DTYPE_BYTES: Readonly<Record<DType, number>> = { float32: 4, int32: 4, uint8: 1, bool: 1 };

export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array
  : D extends 'int32' ? Int32Array : Uint8Array;
export type AnyTypedArray = Float32Array | Int32Array | Uint8Array;

export function typedArrayFor(dtype: DType, n: number): AnyTypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'int32': return new Int32Array(n);
    default: return new Uint8Array(n);
  }
}

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

/** Type promotion like PyTorch's for our dtypes: bool < uint8 < int32 < float32. */
const PROMOTION_RANK: Record<DType, number> = { bool: 0, uint8: 1, int32: 2, float32: 3 };

export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  return PROMOTION_RANK[a] >= PROMOTION_RANK[b] ? a : b;
}

export function isFloating(d: DType): boolean { return d === 'float32'; }
