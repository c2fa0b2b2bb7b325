/** Upsample: the module form of lib/ops/interpolate. */
import type { Tensor } from '../../tensor';
import { interpolate, type InterpolateOptions } from '../../ops/interpolate';
import { Module } from '../module';
import { registerLayer, type JsonValue, type LayerConfig, type ParamShapes } from '../../io/registry';

/**
 * Resamples [N, C, H, W] inputs to a fixed size or by a scale factor (like torch.nn.Upsample;
 * modes 'nearest' and 'bilinear').
 * @example
 * const up = new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' });
 * console.log(up.forward(randn([1, 3, 8, 8])).shape);   // [1, 3, 16, 16]
 */
export class Upsample extends Module {
  readonly opts: InterpolateOptions;
  constructor(opts: InterpolateOptions) {
    super();
    this.opts = { ...opts };
  }
  override forward(x: Tensor): Tensor { return interpolate(x, this.opts); }
  override getConfig(): LayerConfig { return { options: JSON.parse(JSON.stringify(this.opts)) as JsonValue }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): Upsample { return new Upsample((c.options ?? {}) as InterpolateOptions); }
  override extraRepr(): string {
    const o = this.opts, show = (v: unknown): string => (Array.isArray(v) ? `(${v.join(', ')})` : String(v ?? 'None'));
    return `size=${show(o.size)}, scale_factor=${show(o.scaleFactor)}, mode='${o.mode ?? 'nearest'}'` +
      (o.alignCorners !== undefined ? `, align_corners=${o.alignCorners ? 'True' : 'False'}` : '');
  }
}

registerLayer('Upsample', Upsample, { paramShapes: (): ParamShapes => [] });
