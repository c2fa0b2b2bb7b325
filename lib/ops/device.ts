/**
 * Device transfer: `t.to('cuda')`, `t.to('cuda:1')`, `t.to('cpu')`. The data goes through
 * host memory (CPU storage or a typed array) into pinned staging on the CUDA side; the
 * result is a new contiguous tensor, and the gradient flows back to the source device.
 * Installed into Tensor.prototype.to through setDeviceTransfer (lib/ops/methods.ts).
 */
import { Tensor, normalizeDevice, type Device } from '../tensor';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { setDeviceTransfer } from './methods';
import { cudaAvailable, cudaUnavailableReason } from '../cuda';

/**
 * A copy of t on `device` (t itself when it is already there).
 * @example const g = randn([64, 784]).to('cuda'); const back = g.relu().to('cpu');
 */
export function toDevice(t: Tensor, device: Device): Tensor {
  const dev = normalizeDevice(device);
  t.assertAlive('to');
  if (dev === t.device) return t;
  if (dev !== 'cpu' && !cudaAvailable()) {
    throw new Error(`to: cannot move tensor to ${dev}: ${cudaUnavailableReason()}`);
  }
  const src = t.isContiguous() ? t : t.contiguous();
  const out = Tensor.empty(t.shape, t.dtype, dev);
  if (out.numel) {
    // NOTE: reading a CUDA tensor synchronizes its stream; writing stages through pinned memory.
    const host = src.dataSync();
    out.kernels.write(out.handle('to'), 0, host);
  }
  if (src !== t) src.dispose();
  if (isGradEnabled() && t.requiresGrad) record('to', out, [t], (g) => [toDevice(g, t.device)]);
  return out;
}

setDeviceTransfer(toDevice);
