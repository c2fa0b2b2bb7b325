/** The few raw tensor operations the autograd engine needs, without going through the op
 * table (so the engine does not import lib/ops and there is no import cycle). */
import { args } from '../native';
import { Tensor, contiguousCopy } from '../tensor';

const ADD = 0;  // cpu::kAdd

export function onesLike(t: Tensor): Tensor {
  const out = Tensor.empty(t.shape, t.dtype, t.device);
  if (out.numel) { args.reset().num(1).view(out); out.kernels.fill(out.handle('onesLike')); }
  return out;
}

/** dst += src (same shape). */
export function addInPlace(dst: Tensor, src: Tensor): void {
  if (!dst.numel) return;
  args.reset().num(ADD).view(dst).view(dst).view(src);
  dst.kernels.binary(dst.handle('accumulateGrad'), dst.handle('accumulateGrad'), src.handle('accumulateGrad'));
}

export function cloneTensor(t: Tensor): Tensor { return contiguousCopy(t); }
