/**
 * Image transforms on NCHW float32 batches, as native kernels (native/cpu/image.cpp). Random
 * transforms draw their per-sample parameters from the global generator (`manualSeed`
 * makes them reproducible) and apply them in one kernel call per batch. A 3-D [C, H, W]
 * image is treated as a batch of one.
 * @example
 * const aug = new data.transforms.Compose([new data.transforms.RandomCrop(28, { padding: 2 }), new data.transforms.RandomRotation(10)]);
 * const norm = new data.transforms.Normalize([0.1307], [0.3081]);
 * const xb = norm.apply(aug.apply(rand([32, 1, 28, 28])));
 */
import { tidy, type Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { affine, crop, flip, normalize, onBatch } from '../ops/image';
import { checkOptions } from '../options';
import { checkTensor } from '../ops/util';
import { bernoulli, rand, randn, tensor } from '../ops/creation';

export { affine, crop, flip, normalize };

/**
 * An image-batch transform: [N, C, H, W] in, [N, C, H', W'] out.
 * @example
 * const invert: data.Transform = { apply: (x) => x.neg().add(1) };
 * const aug = new data.Compose([invert, new data.RandomHorizontalFlip()]);
 */
export interface Transform {
  /** Transforms a batch [N, C, H, W]. */
  apply(x: Tensor): Tensor;
}

function checkProb(op: string, p: number): number {
  if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw rangeError(op, `p must be in [0, 1], got ${p}`);
  return p;
}

function range2(op: string, name: string, v: number | [number, number], symmetric: boolean): [number, number] {
  const r: [number, number] = typeof v === 'number' ? (symmetric ? [-Math.abs(v), Math.abs(v)] : [v, v]) : v;
  if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || r[0] > r[1]) {
    throw rangeError(op, `${name} must be a number or [min, max] with min <= max, got ${JSON.stringify(v)}`);
  }
  return r;
}

/**
 * Per-channel normalisation (mean and std per channel).
 * @example
 * const norm = new data.Normalize([0.1307], [0.3081]);   // MNIST's mean and std
 * const x = norm.apply(rand([8, 1, 28, 28]));
 */
export class Normalize implements Transform {
  constructor(readonly mean: number[], readonly std: number[]) {
    if (!Array.isArray(mean) || !Array.isArray(std) || mean.length !== std.length) throw typeError('Normalize', 'mean and std must be arrays of equal length');
    if (std.some((s) => !(Number.isFinite(s) && s !== 0))) throw rangeError('Normalize', `std must be finite and non-zero, got ${JSON.stringify(std)}`);
  }
  apply(x: Tensor): Tensor { return normalize(x, this.mean, this.std); }
}

/**
 * Mirrors each sample left-right with probability p.
 * @example
 * const aug = new data.RandomHorizontalFlip(0.5);
 * const x = aug.apply(rand([8, 3, 32, 32]));
 */
export class RandomHorizontalFlip implements Transform {
  constructor(readonly p = 0.5) { checkProb('RandomHorizontalFlip', p); }
  apply(x: Tensor): Tensor {
    return onBatch('RandomHorizontalFlip', x, (xb) => flip(xb, bernoulli([xb.shape[0]], this.p), true));
  }
}

/**
 * Mirrors each sample top-bottom with probability p.
 * @example
 * const x = new data.RandomVerticalFlip(0.5).apply(rand([8, 1, 28, 28]));
 */
export class RandomVerticalFlip implements Transform {
  constructor(readonly p = 0.5) { checkProb('RandomVerticalFlip', p); }
  apply(x: Tensor): Tensor {
    return onBatch('RandomVerticalFlip', x, (xb) => flip(xb, bernoulli([xb.shape[0]], this.p), false));
  }
}

/**
 * Options of `RandomAffine`.
 * @example
 * const opts: data.AffineOptions = { degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1], shear: 5, fill: 0 };
 * const aug = new data.RandomAffine(opts);
 */
export interface AffineOptions {
  /** Rotation in degrees: d means uniform in [-d, d]; or [min, max]. Counter-clockwise positive. */
  degrees?: number | [number, number];
  /** Maximum shift as fractions of width and height: uniform in [-fx*W, fx*W] x [-fy*H, fy*H]. */
  translate?: [number, number];
  /** Scale factor range [min, max] (default [1, 1]). */
  scale?: [number, number];
  /** Shear along x in degrees: d means uniform in [-d, d]; or [min, max]. */
  shear?: number | [number, number];
  /** Value for pixels that come from outside the image (default 0). */
  fill?: number;
}

/**
 * Random rotation, translation, scale and shear about the centre, one draw per sample,
 * bilinear interpolation (torchvision's RandomAffine, with sub-pixel translations).
 * @example
 * const aug = new data.RandomAffine({ degrees: 15, translate: [0.1, 0.1], scale: [0.9, 1.1] });
 * const x = aug.apply(rand([16, 1, 28, 28]));
 */
export class RandomAffine implements Transform {
  private readonly lo: number[];
  private readonly span: number[];
  private readonly translate: [number, number];
  readonly fill: number;
  constructor(opts: AffineOptions = {}) {
    const op = 'RandomAffine';
    checkOptions(op, opts, ['degrees', 'translate', 'scale', 'shear', 'fill']);
    const deg = range2(op, 'degrees', opts.degrees ?? 0, true);
    const sc = range2(op, 'scale', opts.scale ?? [1, 1], false);
    if (!(sc[0] > 0)) throw rangeError(op, `scale must be positive, got ${JSON.stringify(opts.scale)}`);
    const sh = range2(op, 'shear', opts.shear ?? 0, true);
    const tr = opts.translate ?? [0, 0];
    if (!Array.isArray(tr) || tr.length !== 2 || !tr.every((v) => v >= 0 && v <= 1)) throw rangeError(op, `translate must be [fx, fy] fractions in [0, 1], got ${JSON.stringify(tr)}`);
    this.translate = [tr[0], tr[1]];
    this.fill = opts.fill ?? 0;
    if (!Number.isFinite(this.fill)) throw rangeError(op, `fill must be finite, got ${this.fill}`);
    const rad = Math.PI / 180;
    // Column k of the [N, 5] params is lo[k] + span[k] * u, u uniform on [0, 1).
    this.lo = [deg[0] * rad, 0, 0, sc[0], sh[0] * rad];
    this.span = [(deg[1] - deg[0]) * rad, 0, 0, sc[1] - sc[0], (sh[1] - sh[0]) * rad];
  }
  /** The [N, 5] parameters for a batch of N images of size H x W (drawn from the generator). */
  sampleParams(n: number, h: number, w: number): Tensor {
    const lo = this.lo.slice(), span = this.span.slice();
    lo[1] = -this.translate[0] * w; span[1] = 2 * this.translate[0] * w;
    lo[2] = -this.translate[1] * h; span[2] = 2 * this.translate[1] * h;
    return tidy(() => rand([n, 5]).mul(tensor(span)).add(tensor(lo)));
  }
  apply(x: Tensor): Tensor {
    return onBatch('RandomAffine', x, (xb) => affine(xb, this.sampleParams(xb.shape[0], xb.shape[2], xb.shape[3]), this.fill));
  }
}

/**
 * Random rotation by an angle in [-degrees, degrees] (or [min, max]), bilinear.
 * @example
 * const x = new data.RandomRotation(10).apply(rand([16, 1, 28, 28]));
 */
export class RandomRotation extends RandomAffine {
  constructor(degrees: number | [number, number], opts: { fill?: number } = {}) {
    checkOptions('RandomRotation', opts, ['fill']);
    super({ degrees, fill: opts.fill });
  }
}

/**
 * Random shift by up to translate = [fx, fy] of the width and height, bilinear.
 * @example
 * const x = new data.RandomTranslation([0.1, 0.1]).apply(rand([16, 1, 28, 28]));
 */
export class RandomTranslation extends RandomAffine {
  constructor(translate: [number, number], opts: { fill?: number } = {}) {
    checkOptions('RandomTranslation', opts, ['fill']);
    super({ translate, fill: opts.fill });
  }
}

/**
 * Pads by `padding` (with fill) and crops a random size x size window per sample.
 * @example
 * const x = new data.RandomCrop(32, { padding: 4 }).apply(rand([16, 3, 32, 32]));
 */
export class RandomCrop implements Transform {
  readonly size: [number, number];
  readonly padding: number;
  readonly fill: number;
  constructor(size: number | [number, number], opts: { padding?: number; fill?: number } = {}) {
    checkOptions('RandomCrop', opts, ['padding', 'fill']);
    this.size = typeof size === 'number' ? [size, size] : size;
    if (!Array.isArray(this.size) || !this.size.every((s) => Number.isInteger(s) && s > 0)) throw rangeError('RandomCrop', `size must be a positive integer or [h, w], got ${JSON.stringify(size)}`);
    this.padding = opts.padding ?? 0;
    if (!Number.isInteger(this.padding) || this.padding < 0) throw rangeError('RandomCrop', `padding must be a non-negative integer, got ${opts.padding}`);
    this.fill = opts.fill ?? 0;
  }
  apply(x: Tensor): Tensor {
    return onBatch('RandomCrop', x, (xb) => {
      const [n, , h, w] = xb.shape, p = this.padding;
      const rh = h + 2 * p - this.size[0], rw = w + 2 * p - this.size[1];
      if (rh < 0 || rw < 0) throw rangeError('RandomCrop', `crop size ${fmtShape(this.size)} is larger than the padded input ${h + 2 * p}x${w + 2 * p}`);
      // offsets uniform on {0..rh} x {0..rw}: floor(u * (r + 1)), clamped against rounding up.
      const lim = tensor([rh, rw]);
      const offsets = rand([n, 2]).mul(tensor([rh + 1, rw + 1])).floor().minimum(lim).to('int32');
      return crop(xb, offsets, this.size, p, this.fill);
    });
  }
}

/**
 * Adds N(0, std^2) noise to every pixel (optionally clamped to [min, max]).
 * @example
 * const x = new data.GaussianNoise(0.05, { clip: [0, 1] }).apply(rand([16, 1, 28, 28]));
 */
export class GaussianNoise implements Transform {
  constructor(readonly std: number, readonly opts: { clip?: [number, number] } = {}) {
    checkOptions('GaussianNoise', opts, ['clip']);
    if (!(std >= 0 && Number.isFinite(std))) throw rangeError('GaussianNoise', `std must be finite and >= 0, got ${std}`);
  }
  apply(x: Tensor): Tensor {
    return onBatch('GaussianNoise', x, (xb) => {
      const y = xb.add(randn(xb.shape, { std: this.std }));
      return this.opts.clip ? y.clamp(this.opts.clip[0], this.opts.clip[1]) : y;
    });
  }
}

/**
 * Applies transforms in order.
 * @example
 * const aug = new data.Compose([new data.RandomCrop(28, { padding: 2 }), new data.RandomRotation(10), new data.Normalize([0.5], [0.5])]);
 * const x = aug.apply(rand([16, 1, 28, 28]));
 */
export class Compose implements Transform {
  constructor(readonly transforms: Transform[]) {
    if (!Array.isArray(transforms) || transforms.some((t) => !t || typeof t.apply !== 'function')) {
      throw typeError('Compose', 'expects an array of transforms (objects with apply(x))');
    }
  }
  apply(x: Tensor): Tensor {
    return tidy(() => this.transforms.reduce((acc, t) => t.apply(acc), x));
  }
}
