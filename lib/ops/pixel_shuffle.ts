/** pixelShuffle / pixelUnshuffle (torch.nn.functional.pixel_shuffle / pixel_unshuffle):
 * rearrangements between channels and space written as reshape + permute, so the gradient
 * is the inverse rearrangement through the view ops. */
import type { Tensor } from '../tensor';
import { fmtShape, rangeError } from '../errors';
import { checkTensor } from './util';

function checkFactor(op: string, name: string, r: unknown): number {
  if (!Number.isInteger(r) || (r as number) < 1) throw rangeError(op, `${name} must be a positive integer, got ${JSON.stringify(r)}`);
  return r as number;
}

/** Dims of (*, C, H, W): the leading dims and C, H, W. */
function dims(op: string, x: Tensor): [number[], number, number, number] {
  if (x.ndim < 3) throw rangeError(op, `input must be (*, C, H, W) with at least 3 dims, got ${fmtShape(x.shape)}`);
  const n = x.ndim;
  return [x.shape.slice(0, n - 3), x.shape[n - 3], x.shape[n - 2], x.shape[n - 1]];
}

/** [0, 1, ..., k - 1] followed by k + p[i]: a permutation of the last dims after k leading ones. */
const after = (k: number, p: number[]): number[] => [...Array.from({ length: k }, (_, i) => i), ...p.map((d) => d + k)];

/**
 * (*, C * r^2, H, W) -> (*, C, H * r, W * r): out[c, h*r + i, w*r + j] = x[c*r^2 + i*r + j, h, w].
 * @example nn.functional.pixelShuffle(randn([1, 8, 3, 3]), 2)  // [1, 2, 6, 6]
 */
export function pixelShuffle(xIn: Tensor, upscaleFactor: number): Tensor {
  const op = 'pixelShuffle';
  const x = checkTensor(op, xIn, 'input'), r = checkFactor(op, 'upscaleFactor', upscaleFactor);
  const [lead, C, H, W] = dims(op, x);
  if (C % (r * r) !== 0) throw rangeError(op, `channels ${C} of input ${fmtShape(x.shape)} must be divisible by upscaleFactor^2 = ${r * r}`);
  const c = C / (r * r), k = lead.length;
  // [*, c, r_i, r_j, H, W] -> [*, c, H, r_i, W, r_j]
  return x.reshape([...lead, c, r, r, H, W]).permute(after(k, [0, 3, 1, 4, 2])).reshape([...lead, c, H * r, W * r]);
}

/**
 * The inverse of pixelShuffle: (*, C, H * r, W * r) -> (*, C * r^2, H, W).
 * @example nn.functional.pixelUnshuffle(randn([1, 2, 6, 6]), 2)  // [1, 8, 3, 3]
 */
export function pixelUnshuffle(xIn: Tensor, downscaleFactor: number): Tensor {
  const op = 'pixelUnshuffle';
  const x = checkTensor(op, xIn, 'input'), r = checkFactor(op, 'downscaleFactor', downscaleFactor);
  const [lead, C, H, W] = dims(op, x);
  if (H % r !== 0 || W % r !== 0) throw rangeError(op, `height ${H} and width ${W} of input ${fmtShape(x.shape)} must be divisible by downscaleFactor ${r}`);
  const h = H / r, w = W / r, k = lead.length;
  // [*, C, h, r_i, w, r_j] -> [*, C, r_i, r_j, h, w]
  return x.reshape([...lead, C, h, r, w, r]).permute(after(k, [0, 2, 4, 1, 3])).reshape([...lead, C * r * r, h, w]);
}
