/** Indexing ops with int32 indices: gather / scatterAdd along a dim and indexSelect (whole
 * slices). Indices are range-checked natively: a bad one is a RangeError naming the value. */
import { Tensor, contiguousCopy, type Device } from '../tensor';
import { fmtShape, normDim, rangeError, typeError } from '../errors';
import { sameShape } from './util';
import { copyInPlace, fillInPlace } from './elementwise';
import { slice } from './views';
import { dispatch } from './kernels';
import { defineOp, raw } from './table';
import { randint, randn } from './creation';
import { declareKernels, CPU, type KernelsOf } from './kernels';

// ---- the native bindings of this family (native/binding/index.cpp): see KERNELS in ./kernels ----
const INDEX_KERNELS = declareKernels({
  gather: { params: ['dim'], tensors: ['y', 'x', 'index'], devices: CPU },
  scatterAdd: { params: ['dim'], tensors: ['y', 'index', 'src'], devices: CPU },
  indexSelect: { params: ['dim'], tensors: ['y', 'x', 'index'], devices: CPU },
  indexSelectBackward: { params: ['dim'], tensors: ['dx', 'dy', 'index'], devices: CPU },
  /** The first index outside [0, limit) other than `allowed`, or null. */
  indexCheck: { params: ['limit', 'allowed'], tensors: ['index'], devices: CPU, returns: 'indexHit' },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof INDEX_KERNELS> {} }


declare module '../tensor' {
  interface Tensor {
    /** out[p] = this[p with p[dim] = index[p]]; index has this tensor's rank. */
    gather(dim: number, index: Tensor): Tensor;
    /** The slices this[..., index[k], ...] along dim, for a 1-D index. */
    indexSelect(dim: number, index: Tensor): Tensor;
    /** A copy of this with src added at out[p with p[dim] = index[p]] (duplicates accumulate). */
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
  }
}

const INDEX = { name: 'index', dtypes: ['int32'], noGrad: true } as const;

/** Checks the gather/scatter shape rule: index.shape[d] <= shape[d] for d != dim. */
function checkIndexShape(op: string, x: Tensor, index: Tensor, d: number, what: string): void {
  if (index.ndim !== x.ndim) {
    throw rangeError(op, `index ${fmtShape(index.shape)} must have the same number of dims as ${what} ${fmtShape(x.shape)}`);
  }
  index.shape.forEach((s, i) => {
    if (i !== d && s > x.shape[i]) {
      throw rangeError(op, `index ${fmtShape(index.shape)} is larger than ${what} ${fmtShape(x.shape)} at dim ${i} (dim is ${d})`);
    }
  });
}

function zerosRaw(shape: readonly number[], device: Device): Tensor {
  return fillInPlace(Tensor.empty(shape, 'float32', device), 0);
}

/** out += src scattered along d (no autograd); out must be fresh. */
function scatterAddRaw(out: Tensor, d: number, index: Tensor, src: Tensor): Tensor {
  if (index.numel) dispatch('scatterAdd').num(d).t(out).t(index).t(src).run();
  return out;
}

/** A random int32 index of `shape` with values in [0, n). */
const idx = (n: number, shape: number[]): Tensor => randint(0, n, shape);

const gatherOp = defineOp<{ dim: number }, { d: number; index: Tensor }>({
  name: 'gather',
  kernels: ['gather', 'scatterAdd'],
  inputs: [{ name: 'input', dtypes: ['float32', 'int32', 'uint8', 'bool'] }, INDEX],
  options: { dim: raw(0) },
  forward(ctx, [x, index], { dim }) {
    if (x!.ndim === 0) throw rangeError('gather', 'input must have at least 1 dim, got a 0-d tensor');
    const d = normDim('gather', dim, x!.ndim);
    checkIndexShape('gather', x!, index!, d, 'input');
    const out = Tensor.empty(index!.shape, x!.dtype, x!.device);
    if (out.numel) dispatch('gather').num(d).t(out).t(x).t(index).run();
    ctx.saved = { d, index: index! };
    return out;
  },
  backward({ saved: { d, index } }, g, [x]) { return [scatterAddRaw(zerosRaw(x!.shape, x!.device), d, index, g), null]; },
  samples: () => [
    { note: 'dim 1', inputs: [randn([3, 5]), idx(5, [3, 4])], options: { dim: 1 } },
    { note: 'dim 0, smaller index, repeats', inputs: [randn([4, 3]), idx(4, [6, 2])], options: { dim: 0 } },
    { note: 'non-contiguous input, negative dim', inputs: [randn([2, 3, 4]).transpose(0, 2), idx(2, [4, 3, 5])], options: { dim: -1 } },
    { note: 'empty index', inputs: [randn([3]), idx(3, [0])], options: { dim: 0 } },
  ],
});

/**
 * Values along `dim` picked by `index` (torch.gather): out[i][j] = x[i][index[i][j]] for dim 1.
 * @example tensor([[1, 2], [3, 4]]).gather(1, tensor([[1], [0]], { dtype: 'int32' }))  // [[2], [3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor { return gatherOp([x, index], { dim }); }

const scatterAddOp = defineOp<{ dim: number }, { d: number; index: Tensor }>({
  name: 'scatterAdd',
  kernels: ['scatterAdd', 'gather'],
  inputs: [{ name: 'input', dtypes: ['float32', 'int32'] }, INDEX, { name: 'src', dtypes: ['float32', 'int32'] }],
  options: { dim: raw(0) },
  forward(ctx, [x, index, src], { dim }) {
    const op = 'scatterAdd';
    if (src!.dtype !== x!.dtype) throw typeError(op, `src must have the input's dtype ${x!.dtype}, got ${src!.dtype}`);
    if (x!.ndim === 0) throw rangeError(op, 'input must have at least 1 dim, got a 0-d tensor');
    const d = normDim(op, dim, x!.ndim);
    checkIndexShape(op, x!, index!, d, 'input');
    if (src!.ndim !== index!.ndim || index!.shape.some((s, i) => s > src!.shape[i])) {
      throw rangeError(op, `index ${fmtShape(index!.shape)} must not be larger than src ${fmtShape(src!.shape)} in any dim`);
    }
    ctx.saved = { d, index: index! };
    return scatterAddRaw(contiguousCopy(x!), d, index!, src!);
  },
  backward({ saved: { d, index } }, g, [x, , src]) {
    let gsrc: Tensor | null = null;
    if (src!.requiresGrad) {
      gsrc = gather(g, d, index);
      if (!sameShape(gsrc.shape, src!.shape)) {
        const padded = zerosRaw(src!.shape, src!.device);
        let part = padded;
        index.shape.forEach((s, i) => { part = slice(part, i, 0, s); });
        copyInPlace(part, gsrc);
        gsrc = padded;
      }
    }
    return [x!.requiresGrad ? g : null, null, gsrc];
  },
  samples: () => [
    { note: 'dim 0 with duplicates', inputs: [randn([3, 4]), idx(3, [5, 4]), randn([5, 4])], options: { dim: 0 } },
    { note: 'src larger than index', inputs: [randn([4, 3]), idx(3, [2, 2]), randn([3, 3])], options: { dim: 1 } },
    { note: 'non-contiguous src', inputs: [randn([2, 5]), idx(5, [2, 3]), randn([3, 2]).transpose(0, 1)], options: { dim: -1 } },
  ],
});

/**
 * A copy of x with src added at the positions `index` names along `dim` (torch.scatter_add):
 * out[index[i][j]][j] += src[i][j] for dim 0. Only the leading index-shaped part of src is used.
 * @example zeros([3]).scatterAdd(0, tensor([0, 2, 0], { dtype: 'int32' }), ones([3]))  // [2, 0, 1]
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return scatterAddOp([x, index, src], { dim });
}

const indexSelectOp = defineOp<{ dim: number }, { d: number; index: Tensor }>({
  name: 'indexSelect',
  kernels: ['indexSelect', 'indexSelectBackward'],
  inputs: [{ name: 'input', dtypes: ['float32', 'int32', 'uint8', 'bool'] }, { ...INDEX, ranks: [0, 1] }],
  options: { dim: raw(0) },
  forward(ctx, [x, index0], { dim }) {
    const op = 'indexSelect';
    if (x!.ndim === 0) throw rangeError(op, 'input must have at least 1 dim, got a 0-d tensor');
    const d = normDim(op, dim, x!.ndim);
    const index = index0!.ndim === 0 || !index0!.isContiguous() ? contiguousCopy(index0!).view_([index0!.numel], [1], 0) : index0!;
    const xc = x!.isContiguous() ? x! : contiguousCopy(x!);
    const shape = x!.shape.slice();
    shape[d] = index.numel;
    const out = Tensor.empty(shape, x!.dtype, x!.device);
    dispatch('indexSelect').num(d).t(out).t(xc).t(index).run();
    if (xc !== x) xc.dispose();
    ctx.saved = { d, index };
    return out;
  },
  backward({ saved: { d, index } }, g, [x]) {
    const gc = g.isContiguous() ? g : contiguousCopy(g);
    const dx = zerosRaw(x!.shape, x!.device);
    dispatch('indexSelectBackward').num(d).t(dx).t(gc).t(index).run();
    return [dx, null];
  },
  samples: () => [
    { note: 'rows with repeats', inputs: [randn([6, 3]), idx(6, [8])], options: { dim: 0 } },
    { note: 'middle dim, non-contiguous input', inputs: [randn([4, 5, 2]).transpose(0, 1), idx(4, [3])], options: { dim: 1 } },
    { note: 'empty index', inputs: [randn([3, 2]), idx(3, [0])], options: { dim: 0 } },
  ],
});

/**
 * Whole slices of x along `dim` picked by a 1-D int32 index (torch.index_select); the
 * lookup behind embeddings.
 * @example randn([10, 4]).indexSelect(0, tensor([3, 3, 7], { dtype: 'int32' }))  // [3, 4]
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor { return indexSelectOp([x, index], { dim }); }

/**
 * The first entry of an int32 index outside [0, limit) other than `allowed` (an ignored
 * padding index), or null when all are valid; for layers that report a bad index by value.
 * @example firstBadIndex(tensor([0, 7], { dtype: 'int32' }), 5)  // { position: 1, value: 7 }
 */
export function firstBadIndex(index: Tensor, limit: number, allowed?: number): { position: number; value: number } | null {
  if (!index.numel) return null;
  return dispatch('indexCheck').num(limit).num(allowed ?? -(2 ** 31) - 1).t(index).runValue();
}

const P = Tensor.prototype;
P.gather = function (this: Tensor, dim: number, index: Tensor) { return gather(this, dim, index); };
P.indexSelect = function (this: Tensor, dim: number, index: Tensor) { return indexSelect(this, dim, index); };
P.scatterAdd = function (this: Tensor, dim: number, index: Tensor, src: Tensor) { return scatterAdd(this, dim, index, src); };
