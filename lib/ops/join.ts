/** Joining and splitting: cat/concat, stack, split, chunk. cat copies each input into a
 * slice of the output with the native strided copy; split/chunk return views. */
import { Tensor } from '../tensor';
import { promoteTypes } from '../dtype';
import { fmtShape, normDim, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { checkTensor, sameShape } from './util';
import { copyInPlace } from './elementwise';
import { slice, unsqueeze } from './views';

declare module '../tensor' {
  interface Tensor {
    /** cat([this, ...others], dim). */
    concat(others: Tensor | readonly Tensor[], dim?: number): Tensor;
    /** Views of consecutive pieces along dim: of size `splitSize` (the last may be smaller)
     * or of the listed sizes. */
    split(splitSizeOrSections: number | readonly number[], dim?: number): Tensor[];
    /** split into `chunks` pieces of size ceil(size / chunks) (fewer if they run out). */
    chunk(chunks: number, dim?: number): Tensor[];
  }
}

function checkList(op: string, tensors: unknown): Tensor[] {
  if (!Array.isArray(tensors)) throw typeError(op, `tensors must be an array of Tensors, got ${typeof tensors}`);
  if (tensors.length === 0) throw rangeError(op, 'expected a non-empty list of tensors');
  return tensors.map((t, i) => checkTensor(op, t, `tensors[${i}]`));
}

/**
 * Concatenates tensors along an existing dim (torch.cat); dtypes are promoted.
 * @example cat([ones([2, 3]), zeros([1, 3])])  // [3, 3]
 */
export function cat(tensorsIn: readonly Tensor[], dim = 0): Tensor {
  const ts = checkList('cat', tensorsIn);
  const first = ts[0];
  if (first.ndim === 0) throw rangeError('cat', 'zero-dimensional tensors cannot be concatenated; use stack');
  const d = normDim('cat', dim, first.ndim);
  let dtype = first.dtype, size = 0;
  ts.forEach((t, i) => {
    const same = t.ndim === first.ndim && t.shape.every((s, k) => k === d || s === first.shape[k]);
    if (!same) {
      throw rangeError('cat', `tensors[${i}] has shape ${fmtShape(t.shape)} but tensors[0] has ${fmtShape(first.shape)}; all dims except dim ${d} must match`);
    }
    if (t.device !== first.device) throw typeError('cat', `tensors are on different devices: ${first.device} and ${t.device} (tensors[${i}])`);
    dtype = promoteTypes(dtype, t.dtype);
    size += t.shape[d];
  });
  const shape = first.shape.slice();
  shape[d] = size;
  const out = Tensor.empty(shape, dtype);
  const offsets: number[] = [];
  let off = 0;
  for (const t of ts) {
    offsets.push(off);
    if (t.numel) {
      const part = slice(out, d, off, off + t.shape[d]);
      copyInPlace(part, t);
      part.dispose();
    }
    off += t.shape[d];
  }
  if (isGradEnabled() && ts.some((t) => t.requiresGrad)) {
    record('cat', out, ts, (g) => ts.map((t, i) => (t.requiresGrad ? slice(g, d, offsets[i], offsets[i] + t.shape[d]) : null)));
  }
  return out;
}

/**
 * Alias of cat.
 * @example
 * console.log(concat([tensor([1, 2]), tensor([3])]).toArray());   // [1, 2, 3]
 */
export const concat = cat;

/**
 * Joins same-shaped tensors along a new dim (torch.stack).
 * @example stack([ones([3]), zeros([3])], 1)  // [3, 2]
 */
export function stack(tensorsIn: readonly Tensor[], dim = 0): Tensor {
  const ts = checkList('stack', tensorsIn);
  ts.forEach((t, i) => {
    if (!sameShape(t.shape, ts[0].shape)) {
      throw rangeError('stack', `all tensors must have one shape: tensors[0] is ${fmtShape(ts[0].shape)}, tensors[${i}] is ${fmtShape(t.shape)}`);
    }
  });
  const d = normDim('stack', dim, ts[0].ndim + 1);
  return cat(ts.map((t) => unsqueeze(t, d)), d);
}

/**
 * Splits into views along dim (torch.split): pieces of `splitSize` (the last may be
 * smaller), or of the listed sizes (which must add up to the dim's size).
 * @example split(arange(5), 2)  // [0, 1], [2, 3], [4]
 */
export function split(xIn: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const x = checkTensor('split', xIn, 'input');
  if (x.ndim === 0) throw rangeError('split', 'cannot split a 0-d tensor');
  const d = normDim('split', dim, x.ndim);
  const n = x.shape[d];
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && n > 0)) {
      throw rangeError('split', `splitSize must be a positive integer, got ${s} (shape ${fmtShape(x.shape)}, dim ${d})`);
    }
    sizes = [];
    for (let o = 0; o < n; o += s) sizes.push(Math.min(s, n - o));
    if (n === 0) sizes.push(0);
  } else if (Array.isArray(splitSizeOrSections)) {
    sizes = splitSizeOrSections.slice();
    if (sizes.some((s) => !Number.isInteger(s) || s < 0)) throw rangeError('split', `sections must be non-negative integers, got ${JSON.stringify(sizes)}`);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) throw rangeError('split', `sections ${JSON.stringify(sizes)} add up to ${total}, but dim ${d} of ${fmtShape(x.shape)} has size ${n}`);
  } else {
    throw typeError('split', `splitSizeOrSections must be a number or an array of numbers, got ${typeof splitSizeOrSections}`);
  }
  let off = 0;
  return sizes.map((s) => { const v = slice(x, d, off, off + s); off += s; return v; });
}

/**
 * Splits into at most `chunks` views of size ceil(size / chunks) along dim (torch.chunk).
 * @example chunk(arange(6), 3)  // [0, 1], [2, 3], [4, 5]
 */
export function chunk(xIn: Tensor, chunks: number, dim = 0): Tensor[] {
  const x = checkTensor('chunk', xIn, 'input');
  if (!Number.isInteger(chunks) || chunks < 1) throw rangeError('chunk', `chunks must be a positive integer, got ${chunks}`);
  if (x.ndim === 0) throw rangeError('chunk', 'cannot chunk a 0-d tensor');
  const d = normDim('chunk', dim, x.ndim);
  return split(x, Math.ceil(x.shape[d] / chunks), d);
}

const P = Tensor.prototype;
P.concat = function (this: Tensor, others: Tensor | readonly Tensor[], dim = 0) {
  return cat([this, ...(Array.isArray(others) ? others : [others as Tensor])], dim);
};
P.split = function (this: Tensor, s: number | readonly number[], dim = 0) { return split(this, s, dim); };
P.chunk = function (this: Tensor, chunks: number, dim = 0) { return chunk(this, chunks, dim); };
