/** The few raw tensor operations the autograd engine needs, straight on the kernels (the
 * engine imports no op module, so there is no import cycle). */
import { dispatch } from '../ops/kernels';
import { Tensor, contiguousCopy } from '../tensor';

const ADD = 0;  // cpu::kAdd

export function onesLike(t: Tensor): Tensor {
  const out = Tensor.empty(t.shape, t.dtype, t.device);
  if (out.numel) dispatch('fill').num(1).t(out).run();
  return out;
}

/** dst += src (same shape). */
export function addInPlace(dst: Tensor, src: Tensor): void {
  if (!dst.numel) return;
  dispatch('binary').num(ADD).t(dst).t(dst).t(src).run();
  dst.bumpVersion_();
}

export function cloneTensor(t: Tensor): Tensor { return contiguousCopy(t); }
