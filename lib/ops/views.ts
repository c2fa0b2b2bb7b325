/** View ops (share storage): reshape/view, transpose, permute, squeeze, unsqueeze, expand,
 * slice, flatten; plus contiguous/clone which copy. Each has its backward beside it. */
import { Tensor, contiguousCopy, contiguousStrides, numelOf } from '../tensor';
import { checkShapeArg, fmtShape, normDim, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { checkTensor, sameShape } from './util';
import { sumTo } from './reduce';
import { copyInPlace } from './elementwise';

function track(name: string, out: Tensor, x: Tensor, bw: (g: Tensor) => Tensor): Tensor {
  if (isGradEnabled() && x.requiresGrad) record(name, out, [x], (g) => [bw(g)]);
  return out;
}

/** Strides for viewing x as `shape` without copying, or null if impossible (PyTorch's
 * computeStride: map the new shape onto chunks of x's dims that are contiguous together). */
function viewStrides(x: Tensor, shape: number[]): number[] | null {
  if (x.isContiguous() || x.numel === 0) return contiguousStrides(shape);
  const os = x.shape, ost = x.strides;
  const out = new Array<number>(shape.length);
  let vd = shape.length - 1, chunkBase = ost[ost.length - 1], tensorNumel = 1, viewNumel = 1;
  for (let td = os.length - 1; td >= 0; td--) {
    tensorNumel *= os[td];
    if (td === 0 || (os[td - 1] !== 1 && ost[td - 1] !== tensorNumel * chunkBase)) {
      while (vd >= 0 && (viewNumel < tensorNumel || shape[vd] === 1)) {
        out[vd] = viewNumel * chunkBase;
        viewNumel *= shape[vd];
        vd--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (td > 0) { chunkBase = ost[td - 1]; tensorNumel = 1; viewNumel = 1; }
    }
  }
  return vd === -1 ? out : null;
}

function inferShape(op: string, x: Tensor, shapeIn: readonly number[]): number[] {
  if (!Array.isArray(shapeIn)) throw typeError(op, `shape must be an array, got ${typeof shapeIn}`);
  let infer = -1, known = 1;
  const shape = shapeIn.map((s, i) => {
    if (s === -1) {
      if (infer >= 0) throw rangeError(op, `only one dimension can be -1, got ${fmtShape(shapeIn)}`);
      infer = i;
      return 1;
    }
    if (!Number.isInteger(s) || s < 0) throw rangeError(op, `invalid size ${s} in shape ${fmtShape(shapeIn)}`);
    known *= s;
    return s;
  });
  if (infer >= 0) {
    if (known === 0 || x.numel % known !== 0) throw rangeError(op, `shape ${fmtShape(shapeIn)} is invalid for input of size ${x.numel}`);
    shape[infer] = x.numel / known;
  }
  if (numelOf(shape) !== x.numel) throw rangeError(op, `shape ${fmtShape(shapeIn)} is invalid for input of size ${x.numel} (shape ${fmtShape(x.shape)})`);
  return shape;
}

/**
 * A view with a new shape (-1 inferred); copies only when the strides make a view impossible.
 * @example
 * const x = arange(6);
 * console.log(reshape(x, [2, -1]).shape);   // [2, 3]
 */
export function reshape(xIn: Tensor, shapeIn: readonly number[]): Tensor {
  const x = checkTensor('reshape', xIn, 'input');
  const shape = inferShape('reshape', x, shapeIn);
  const st = viewStrides(x, shape);
  const out = st ? x.view_(shape, st, x.offset) : contiguousCopy(x).view_(shape, contiguousStrides(shape), 0);
  return track('reshape', out, x, (g) => g.reshape(x.shape));
}

/**
 * Like reshape but never copies (throws when the strides make it impossible).
 * @example
 * const v = view(arange(12), [3, 4]);   // shares storage with the input
 */
export function view(xIn: Tensor, shapeIn: readonly number[]): Tensor {
  const x = checkTensor('view', xIn, 'input');
  const shape = inferShape('view', x, shapeIn);
  const st = viewStrides(x, shape);
  if (!st) throw rangeError('view', `view ${fmtShape(shape)} is not compatible with the strides of ${fmtShape(x.shape)}; use reshape()`);
  return track('view', x.view_(shape, st, x.offset), x, (g) => g.reshape(x.shape));
}

/**
 * Reorders the dimensions (a view, no copy).
 * @example
 * const nhwc = randn([2, 3, 8, 8]);
 * console.log(permute(nhwc, [0, 2, 3, 1]).shape);   // [2, 8, 8, 3]
 */
export function permute(xIn: Tensor, dims: readonly number[]): Tensor {
  const x = checkTensor('permute', xIn, 'input');
  if (!Array.isArray(dims) || dims.length !== x.ndim) {
    throw rangeError('permute', `dims ${JSON.stringify(dims)} must list each of the ${x.ndim} dims of ${fmtShape(x.shape)} once`);
  }
  const p = dims.map((d) => normDim('permute', d, x.ndim));
  if (new Set(p).size !== p.length) throw rangeError('permute', `dims ${JSON.stringify(dims)} repeat a dimension`);
  const out = x.view_(p.map((d) => x.shape[d]), p.map((d) => x.strides[d]), x.offset);
  const inv = new Array<number>(p.length);
  p.forEach((d, i) => { inv[d] = i; });
  return track('permute', out, x, (g) => g.permute(inv));
}

/**
 * Swaps two dimensions (the last two by default); a view, no copy.
 * @example
 * const x = randn([2, 3, 4]);
 * console.log(transpose(x).shape, transpose(x, 0, 1).shape);   // [2, 4, 3] [3, 2, 4]
 */
export function transpose(xIn: Tensor, dim0 = -2, dim1 = -1): Tensor {
  const x = checkTensor('transpose', xIn, 'input');
  if (x.ndim < 2 && dim0 === -2 && dim1 === -1) return track('transpose', x.view_(x.shape, x.strides, x.offset), x, (g) => g);
  const a = normDim('transpose', dim0, x.ndim, 'dim0'), b = normDim('transpose', dim1, x.ndim, 'dim1');
  // A 0-d tensor has one nameable dim (0 or -1), so transpose(0, 0) is the tensor itself.
  if (x.ndim === 0) return track('transpose', x.view_(x.shape, x.strides, x.offset), x, (g) => g);
  const p = x.shape.map((_, i) => i);
  p[a] = b; p[b] = a;
  return permute(x, p);
}

/**
 * Removes size-1 dimensions (all of them, or those in `dim`).
 * @example
 * console.log(squeeze(zeros([1, 3, 1])).shape, squeeze(zeros([1, 3, 1]), 0).shape);   // [3] [3, 1]
 */
export function squeeze(xIn: Tensor, dim?: number | number[]): Tensor {
  const x = checkTensor('squeeze', xIn, 'input');
  const dims = dim === undefined ? x.shape.map((_, i) => i) : (Array.isArray(dim) ? dim : [dim]).map((d) => normDim('squeeze', d, x.ndim));
  const keep = x.shape.map((s, i) => !(dims.includes(i) && s === 1));
  const out = x.view_(x.shape.filter((_, i) => keep[i]), x.strides.filter((_, i) => keep[i]), x.offset);
  return track('squeeze', out, x, (g) => g.reshape(x.shape));
}

/**
 * Inserts a size-1 dimension at `dim`.
 * @example
 * console.log(unsqueeze(zeros([3]), 0).shape);   // [1, 3]
 */
export function unsqueeze(xIn: Tensor, dim: number): Tensor {
  const x = checkTensor('unsqueeze', xIn, 'input');
  const d = normDim('unsqueeze', dim, x.ndim + 1);
  const shape = x.shape.slice(), strides = x.strides.slice();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  return track('unsqueeze', x.view_(shape, strides, x.offset), x, (g) => g.reshape(x.shape));
}

/**
 * Broadcasts to `shape` without copying (-1 keeps a dim).
 * @example
 * const row = tensor([1, 2, 3]);
 * const grid = expand(row, [4, -1]);   // [4, 3], no copy
 */
export function expand(xIn: Tensor, shapeIn: readonly number[]): Tensor {
  const x = checkTensor('expand', xIn, 'input');
  const shape = checkShapeArg('expand', shapeIn.map((s, i) => {
    const j = i - (shapeIn.length - x.ndim);
    return s === -1 && j >= 0 ? x.shape[j] : s;
  }));
  if (shape.length < x.ndim) throw rangeError('expand', `cannot expand ${fmtShape(x.shape)} to fewer dims ${fmtShape(shapeIn)}`);
  const lead = shape.length - x.ndim;
  const strides = shape.map((s, i) => {
    if (i < lead) return 0;
    const xs = x.shape[i - lead];
    if (xs === s) return x.strides[i - lead];
    if (xs === 1) return 0;
    throw rangeError('expand', `cannot expand ${fmtShape(x.shape)} to ${fmtShape(shapeIn)} (dim ${i}: ${xs} vs ${s})`);
  });
  if (sameShape(shape, x.shape)) return track('expand', x.view_(shape, x.strides, x.offset), x, (g) => g);
  return track('expand', x.view_(shape, strides, x.offset), x, (g) => sumTo(g, x.shape));
}

/**
 * Elements start..end (exclusive, negative counts from the end, clamped like Python) with
 * a positive step along dim, as a view.
 * @example
 * const x = arange(10);
 * console.log(slice(x, 0, 2, 8, 3).toArray());   // [2, 5]
 */
export function slice(xIn: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  const x = checkTensor('slice', xIn, 'input');
  // NOTE: normDim accepts dim 0 of a 0-d tensor (as reductions do); slicing has no dim to cut.
  if (x.ndim === 0) throw rangeError('slice', 'cannot slice a 0-d tensor (shape []); unsqueeze it first');
  const d = normDim('slice', dim, x.ndim);
  for (const [nm, v] of [['start', start], ['end', end ?? 0], ['step', step]] as const) {
    if (!Number.isInteger(v)) throw typeError('slice', `${nm} must be an integer, got ${v}`);
  }
  if (step < 1) throw rangeError('slice', `step must be positive, got ${step}`);
  const n = x.shape[d];
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = clamp(start), e = Math.max(clamp(end ?? n), s);
  const len = Math.ceil((e - s) / step);
  const shape = x.shape.slice(), strides = x.strides.slice();
  shape[d] = len;
  strides[d] = x.strides[d] * step;
  const out = x.view_(shape, strides, x.offset + (len > 0 ? s * x.strides[d] : 0));
  return track('slice', out, x, (g) => {
    const gx = Tensor.empty(x.shape, 'float32', x.device);
    gx.fill_(0);
    copyInPlace(slice(gx, d, s, e, step), g);
    return gx;
  });
}

/**
 * Merges dimensions startDim..endDim into one (all of them by default).
 * @example
 * const x = randn([8, 3, 4, 4]);
 * console.log(flatten(x, 1).shape);   // [8, 48]
 */
export function flatten(xIn: Tensor, startDim = 0, endDim = -1): Tensor {
  const x = checkTensor('flatten', xIn, 'input');
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim('flatten', startDim, x.ndim, 'startDim'), e = normDim('flatten', endDim, x.ndim, 'endDim');
  if (s > e) throw rangeError('flatten', `startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/**
 * This tensor if already contiguous, else a contiguous copy.
 * @example
 * const t = randn([3, 4]).t();
 * console.log(t.isContiguous(), contiguous(t).isContiguous());   // false true
 */
export function contiguous(xIn: Tensor): Tensor {
  const x = checkTensor('contiguous', xIn, 'input');
  if (x.isContiguous()) return x;
  return track('contiguous', contiguousCopy(x), x, (g) => g);
}

/**
 * A contiguous copy that stays in the graph.
 * @example
 * const a = tensor([1, 2]);
 * const b = clone(a);
 * b.add_(1);        // a is unchanged
 */
export function clone(xIn: Tensor): Tensor {
  const x = checkTensor('clone', xIn, 'input');
  return track('clone', contiguousCopy(x), x, (g) => g);
}
