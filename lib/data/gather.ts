/** Row gather used to assemble batches and splits: one native copy (indexSelect) per call. */
import { Tensor, tidy } from '../tensor';
import { fmtShape, rangeError } from '../errors';
import { checkTensor } from '../ops/util';
import { tensor } from '../ops/creation';
import { indexSelect } from '../ops/index';
import { noGrad } from '../autograd/grad_mode';

/**
 * Rows `indices` of x along dim 0, as a new contiguous tensor (any dtype, not recorded for
 * autograd): `indexSelect(x, 0, indices)` taking plain arrays too.
 * @example
 * const x = arange(12).reshape([4, 3]);
 * console.log(data.gatherRows(x, [3, 0]).toArray());   // [[9, 10, 11], [0, 1, 2]]
 */
export function gatherRows(xIn: Tensor, indices: ArrayLike<number> | Tensor): Tensor {
  const x = checkTensor('gatherRows', xIn, 'input');
  if (x.ndim === 0) throw rangeError('gatherRows', `input must have at least one dim, got shape ${fmtShape(x.shape)}`);
  if (indices instanceof Tensor && indices.ndim !== 1) throw rangeError('gatherRows', `indices must be 1-D, got shape ${fmtShape(indices.shape)}`);
  return noGrad(() => tidy(() => {
    const idx = indices instanceof Tensor ? indices.to('int32')
      : tensor(indices instanceof Int32Array ? indices : Int32Array.from(indices), { dtype: 'int32' });
    return indexSelect(x, 0, idx);
  }));
}
