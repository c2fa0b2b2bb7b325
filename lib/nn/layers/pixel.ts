/** PixelShuffle, PixelUnshuffle and Dropout2d as modules (torch.nn names and arguments). */
import type { Tensor } from '../../tensor';
import { rangeError } from '../../errors';
import { pixelShuffle, pixelUnshuffle } from '../../ops/pixel_shuffle';
import { dropout2d } from '../functional';
import { Module } from '../module';
import { Dropout } from './linear';
import { registerLayer, type LayerConfig, type ParamShapes } from '../../io/registry';

/** A parameter-free rearrangement by an integer factor (PyTorch's config key names it). */
abstract class Rearrange extends Module {
  protected constructor(readonly factor: number, private readonly key: string, private readonly fn: (x: Tensor, r: number) => Tensor) {
    super();
    if (!Number.isInteger(factor) || factor < 1) throw rangeError(this.constructor.name, `${key} must be a positive integer, got ${JSON.stringify(factor)}`);
  }
  override forward(x: Tensor): Tensor { return this.fn(x, this.factor); }
  override extraRepr(): string { return `${this.key.replace('F', '_f')}=${this.factor}`; }
  override getConfig(): LayerConfig { return { [this.key]: this.factor }; }
}

/**
 * (*, C * r^2, H, W) -> (*, C, H * r, W * r), the sub-pixel convolution upsampler.
 * @example new nn.PixelShuffle(3).forward(randn([1, 9, 4, 4]))  // [1, 1, 12, 12]
 */
export class PixelShuffle extends Rearrange {
  constructor(upscaleFactor: number) { super(upscaleFactor, 'upscaleFactor', pixelShuffle); }
  get upscaleFactor(): number { return this.factor; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): PixelShuffle { return new PixelShuffle(c.upscaleFactor as number); }
}

/**
 * (*, C, H * r, W * r) -> (*, C * r^2, H, W), the inverse of PixelShuffle.
 * @example new nn.PixelUnshuffle(2).forward(randn([1, 1, 4, 4]))  // [1, 4, 2, 2]
 */
export class PixelUnshuffle extends Rearrange {
  constructor(downscaleFactor: number) { super(downscaleFactor, 'downscaleFactor', pixelUnshuffle); }
  get downscaleFactor(): number { return this.factor; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): PixelUnshuffle { return new PixelUnshuffle(c.downscaleFactor as number); }
}

/**
 * Channel dropout: while training, zeroes each channel of (N, C, H, W) (or (C, H, W)) with
 * probability p and scales the rest by 1/(1-p); the identity in eval mode.
 * @example new nn.Dropout2d(0.2).forward(randn([8, 16, 5, 5]))
 */
export class Dropout2d extends Dropout {
  override forward(x: Tensor): Tensor { return dropout2d(x, this.p, this.training); }
  static override fromConfig(c: LayerConfig): Dropout2d { return new Dropout2d(c.p as number); }
}

for (const [name, cls] of Object.entries({ PixelShuffle, PixelUnshuffle, Dropout2d })) registerLayer(name, cls, { paramShapes: (): ParamShapes => [] });
