/** dtype conversion: `t.to('int32')`, `t.cast('float32')`. */
import { dispatch } from './kernels';
import { Tensor } from '../tensor';
import { isDType, type DType } from '../dtype';
import { typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';

/** A copy of x converted to dtype (float→int truncates toward zero, saturating). */
export function castTo(x: Tensor, dtype: DType): Tensor {
  if (!isDType(dtype)) throw typeError('cast', `unknown dtype ${String(dtype)} (expected float32, int32, uint8 or bool)`);
  const out = Tensor.empty(x.shape, dtype, x.device);
  if (out.numel) {
    dispatch('cast').t(out).t(x).run();
  }
  if (dtype === 'float32' && isGradEnabled() && x.requiresGrad) record('cast', out, [x], (g) => [g]);
  return out;
}
