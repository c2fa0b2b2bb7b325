/**
 * Image ops on NCHW float32 batches (native/cpu/image.cpp): per-channel normalisation,
 * flips, affine warps with bilinear sampling, and crops of a padded image, each one kernel
 * call per batch with per-sample parameters. A 3-D [C, H, W] image is a batch of one. The
 * random transforms of lib/data/transforms.ts draw the parameters and call these.
 */
import { Tensor, tidy } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { checkTensor } from './util';
import { dispatch } from './kernels';
import { declareKernels, CPU, type KernelsOf } from './kernels';

// ---- the native bindings of this family (native/binding/image.cpp): see KERNELS in ./kernels ----
const IMAGE_KERNELS = declareKernels({
  imageNormalize: { params: ['C', '...mean', '...std'], tensors: ['y', 'x'], devices: CPU },
  imageFlip: { params: ['horizontal'], tensors: ['y', 'x', 'flip'], devices: CPU },
  imageAffine: { params: ['fill'], tensors: ['y', 'x', 'params'], devices: CPU },
  imageCrop: { params: ['pad', 'fill'], tensors: ['y', 'x', 'offsets'], devices: CPU },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof IMAGE_KERNELS> {} }


/** Runs fn on a contiguous float32 NCHW view of x (3-D input becomes a batch of one). */
export function onBatch(op: string, xIn: Tensor, fn: (x: Tensor) => Tensor): Tensor {
  const x0 = checkTensor(op, xIn, 'input');
  if (x0.ndim !== 4 && x0.ndim !== 3) throw rangeError(op, `expected an image batch [N, C, H, W] or an image [C, H, W], got shape ${fmtShape(x0.shape)}`);
  if (x0.dtype !== 'float32') throw typeError(op, `expected a float32 image, got ${x0.dtype} (convert with .to('float32').div(255))`);
  return tidy(() => {
    const x = (x0.ndim === 3 ? x0.unsqueeze(0) : x0).contiguous();
    const y = fn(x);
    return x0.ndim === 3 ? y.squeeze(0) : y;
  });
}

/**
 * (x - mean[c]) / std[c] per channel.
 * @example
 * const x = data.transforms.normalize(rand([4, 3, 32, 32]), [0.49, 0.48, 0.45], [0.25, 0.24, 0.26]);
 */
export function normalize(x: Tensor, mean: number[], std: number[]): Tensor {
  if (!Array.isArray(mean) || !Array.isArray(std) || mean.length !== std.length || mean.length === 0) {
    throw typeError('normalize', `mean and std must be arrays of one number per channel, got ${mean?.length} and ${std?.length}`);
  }
  return onBatch('normalize', x, (xb) => {
    if (xb.shape[1] !== mean.length) throw rangeError('normalize', `mean/std have ${mean.length} channels, input ${fmtShape(xb.shape)} has ${xb.shape[1]}`);
    const y = Tensor.empty(xb.shape, 'float32', xb.device);
    const call = dispatch('imageNormalize').num(mean.length);
    for (const m of mean) call.num(m);
    for (const s of std) call.num(s);
    call.t(y).t(xb).run();
    return y;
  });
}

/**
 * Mirrors the samples whose flag is nonzero (flags: [N]); horizontal = left-right.
 * @example
 * const flipped = data.transforms.flip(rand([2, 1, 8, 8]), tensor([1, 0]), true);   // only image 0, left-right
 */
export function flip(x: Tensor, flags: Tensor, horizontal: boolean): Tensor {
  return onBatch('flip', x, (xb) => {
    const f = flags.to('float32').contiguous();
    const y = Tensor.empty(xb.shape, 'float32', xb.device);
    dispatch('imageFlip').num(horizontal ? 1 : 0).t(y).t(xb).t(f).run();
    return y;
  });
}

/**
 * Affine warp with bilinear sampling. params: float32 [N, 5] per sample {angle (radians,
 * counter-clockwise), tx, ty (pixels), scale, shear (radians)}, about the image centre;
 * pixels from outside the image take `fill`.
 * @example
 * // Rotate a batch of 2 images by 90° (params per image: a 2x3 matrix in pixels, see RandomAffine).
 * const params = tensor([[0, -1, 27, 1, 0, 0], [0, -1, 27, 1, 0, 0]]);
 * const rotated = data.transforms.affine(rand([2, 1, 28, 28]), params);
 */
export function affine(x: Tensor, params: Tensor, fill = 0): Tensor {
  if (!Number.isFinite(fill)) throw rangeError('affine', `fill must be finite, got ${fill}`);
  return onBatch('affine', x, (xb) => {
    const p = params.contiguous();
    const y = Tensor.empty(xb.shape, 'float32', xb.device);
    dispatch('imageAffine').num(fill).t(y).t(xb).t(p).run();
    return y;
  });
}

/**
 * Crops [N, C, size[0], size[1]] at offsets (int32 [N, 2] {top, left}) of x padded by `padding`.
 * @example
 * // Crop 24x24 windows at per-image offsets (y, x) from images padded by 2.
 * const out = data.transforms.crop(rand([2, 3, 28, 28]), tensor([[0, 0], [4, 4]], { dtype: 'int32' }), [24, 24], 2);
 */
export function crop(x: Tensor, offsets: Tensor, size: [number, number], padding = 0, fill = 0): Tensor {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => Number.isInteger(s) && s >= 0)) {
    throw rangeError('crop', `size must be [h, w] non-negative integers, got ${JSON.stringify(size)}`);
  }
  if (!Number.isInteger(padding) || padding < 0) throw rangeError('crop', `padding must be a non-negative integer, got ${padding}`);
  if (!Number.isFinite(fill)) throw rangeError('crop', `fill must be finite, got ${fill}`);
  return onBatch('crop', x, (xb) => {
    const o = offsets.to('int32').contiguous();
    const y = Tensor.empty([xb.shape[0], xb.shape[1], size[0], size[1]], 'float32', xb.device);
    dispatch('imageCrop').num(padding).num(fill).t(y).t(xb).t(o).run();
    return y;
  });
}
