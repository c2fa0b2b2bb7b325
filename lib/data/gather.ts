/** Row gather used to assemble batches and splits: one native copy per call. */
import { native, args } from '../native';
import { Tensor, tidy } from '../tensor';
import { fmtShape, rangeError } from '../errors';
import { checkTensor } from '../ops/util';
import { tensor } from '../ops/creation';

/**
 * Rows `indices` of x along dim 0, as a new contiguous tensor (any dtype, no autograd).
 * @example const batch = gatherRows(x, [3, 0, 7]);  // x[3], x[0], x[7] stacked
 */
export function gatherRows(xIn: Tensor, indices: ArrayLike<number> | Tensor): Tensor {
  const x0 = checkTensor('gatherRows', xIn, 'input');
  if (x0.ndim === 0) throw rangeError('gatherRows', `input must have at least one dim, got shape ${fmtShape(x0.shape)}`);
  if (indices instanceof Tensor && indices.ndim !== 1) throw rangeError('gatherRows', `indices must be 1-D, got shape ${fmtShape(indices.shape)}`);
  return tidy(() => {
    const idx = indices instanceof Tensor ? indices.to('int32').contiguous()
      : tensor(indices instanceof Int32Array ? indices : Int32Array.from(indices), { dtype: 'int32' });
    const x = x0.contiguous();
    const out = Tensor.empty([idx.shape[0], ...x.shape.slice(1)], x.dtype);
    args.reset().view(out).view(x).view(idx);
    native.gatherRows(out.handle('gatherRows'), x.handle('gatherRows'), idx.handle('gatherRows'));
    return out;
  });
}
