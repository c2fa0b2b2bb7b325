/** Indexing ops with int32 indices: gather / scatterAdd along a dim and indexSelect (whole
 * slices). Indices are range-checked natively: a bad one is a RangeError naming the value. */
import { native, args } from '../native';
import { Tensor, contiguousCopy } from '../tensor';
import { fmtShape, normDim, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { checkTensor, sameShape } from './util';
import { copyInPlace, fillInPlace } from './elementwise';
import { slice } from './views';

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

function checkIndex(op: string, indexIn: Tensor): Tensor {
  const index = checkTensor(op, indexIn, 'index');
  if (index.dtype !== 'int32') throw typeError(op, `index must be int32, got ${index.dtype} (shape ${fmtShape(index.shape)})`);
  return index;
}

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

function zerosRaw(shape: readonly number[]): Tensor {
  const z = Tensor.empty(shape, 'float32');
  return fillInPlace(z, 0);
}

/** out += src scattered along d (no autograd); out must be fresh. */
function scatterAddRaw(out: Tensor, d: number, index: Tensor, src: Tensor): Tensor {
  if (index.numel) {
    args.reset().num(d).view(out).view(index).view(src);
    native.scatterAdd(out.handle('scatterAdd'), index.handle('scatterAdd'), src.handle('scatterAdd'));
  }
  return out;
}

/**
 * Values along `dim` picked by `index` (torch.gather): out[i][j] = x[i][index[i][j]] for dim 1.
 * @example tensor([[1, 2], [3, 4]]).gather(1, tensor([[1], [0]], { dtype: 'int32' }))  // [[2], [3]]
 */
export function gather(xIn: Tensor, dim: number, indexIn: Tensor): Tensor {
  const x = checkTensor('gather', xIn, 'input'), index = checkIndex('gather', indexIn);
  if (x.ndim === 0) throw rangeError('gather', 'input must have at least 1 dim, got a 0-d tensor');
  const d = normDim('gather', dim, x.ndim);
  checkIndexShape('gather', x, index, d, 'input');
  const out = Tensor.empty(index.shape, x.dtype);
  if (out.numel) {
    args.reset().num(d).view(out).view(x).view(index);
    native.gather(out.handle('gather'), x.handle('gather'), index.handle('gather'));
  }
  if (isGradEnabled() && x.requiresGrad) {
    record('gather', out, [x], (g) => [scatterAddRaw(zerosRaw(x.shape), d, index, g)]);
  }
  return out;
}

/**
 * A copy of x with src added at the positions `index` names along `dim` (torch.scatter_add):
 * out[index[i][j]][j] += src[i][j] for dim 0. Only the leading index-shaped part of src is used.
 * @example zeros([3]).scatterAdd(0, tensor([0, 2, 0], { dtype: 'int32' }), ones([3]))  // [2, 0, 1]
 */
export function scatterAdd(xIn: Tensor, dim: number, indexIn: Tensor, srcIn: Tensor): Tensor {
  const op = 'scatterAdd';
  const x = checkTensor(op, xIn, 'input'), index = checkIndex(op, indexIn), src = checkTensor(op, srcIn, 'src');
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw typeError(op, `input must be float32 or int32, got ${x.dtype}`);
  if (src.dtype !== x.dtype) throw typeError(op, `src must have the input's dtype ${x.dtype}, got ${src.dtype}`);
  if (x.ndim === 0) throw rangeError(op, 'input must have at least 1 dim, got a 0-d tensor');
  const d = normDim(op, dim, x.ndim);
  checkIndexShape(op, x, index, d, 'input');
  if (src.ndim !== index.ndim || index.shape.some((s, i) => s > src.shape[i])) {
    throw rangeError(op, `index ${fmtShape(index.shape)} must not be larger than src ${fmtShape(src.shape)} in any dim`);
  }
  const out = scatterAddRaw(contiguousCopy(x), d, index, src);
  if (isGradEnabled() && (x.requiresGrad || src.requiresGrad)) {
    record(op, out, [x, src], (g) => {
      let gsrc: Tensor | null = null;
      if (src.requiresGrad) {
        gsrc = gather(g, d, index);
        if (!sameShape(gsrc.shape, src.shape)) {
          const padded = zerosRaw(src.shape);
          let part = padded;
          index.shape.forEach((s, i) => { part = slice(part, i, 0, s); });
          copyInPlace(part, gsrc);
          gsrc = padded;
        }
      }
      return [x.requiresGrad ? g : null, gsrc];
    });
  }
  return out;
}

/**
 * Whole slices of x along `dim` picked by a 1-D int32 index (torch.index_select); the
 * lookup behind embeddings.
 * @example randn([10, 4]).indexSelect(0, tensor([3, 3, 7], { dtype: 'int32' }))  // [3, 4]
 */
export function indexSelect(xIn: Tensor, dim: number, indexIn: Tensor): Tensor {
  const op = 'indexSelect';
  const x = checkTensor(op, xIn, 'input'), index0 = checkIndex(op, indexIn);
  if (x.ndim === 0) throw rangeError(op, 'input must have at least 1 dim, got a 0-d tensor');
  if (index0.ndim > 1) throw rangeError(op, `index must be 1-D, got shape ${fmtShape(index0.shape)}`);
  const d = normDim(op, dim, x.ndim);
  const index = index0.ndim === 0 || !index0.isContiguous() ? contiguousCopy(index0).view_([index0.numel], [1], 0) : index0;
  const xc = x.isContiguous() ? x : contiguousCopy(x);
  const shape = x.shape.slice();
  shape[d] = index.numel;
  const out = Tensor.empty(shape, x.dtype);
  args.reset().num(d).view(out).view(xc).view(index);
  native.indexSelect(out.handle(op), xc.handle(op), index.handle(op));
  if (xc !== x) xc.dispose();
  if (isGradEnabled() && x.requiresGrad) {
    record(op, out, [x], (g) => {
      const gc = g.isContiguous() ? g : contiguousCopy(g);
      const dx = zerosRaw(x.shape);
      args.reset().num(d).view(dx).view(gc).view(index);
      native.indexSelectBackward(dx.handle(op), gc.handle(op), index.handle(op));
      return [dx];
    });
  }
  return out;
}

const P = Tensor.prototype;
P.gather = function (this: Tensor, dim: number, index: Tensor) { return gather(this, dim, index); };
P.indexSelect = function (this: Tensor, dim: number, index: Tensor) { return indexSelect(this, dim, index); };
P.scatterAdd = function (this: Tensor, dim: number, index: Tensor, src: Tensor) { return scatterAdd(this, dim, index, src); };
