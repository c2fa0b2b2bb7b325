/** Pooling modules over lib/ops/pool. */
import type { Tensor } from '../../tensor';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type AvgPool2dOptions, type MaxPool2dOptions } from '../../ops/pool';
import type { IntPair } from '../../ops/conv';
import { Module } from '../module';
import { positionalOptions } from '../../options';
import { typeError } from '../../errors';
import { registerLayer, type JsonValue, type LayerConfig, type ParamShapes } from '../../io/registry';

const json = (v: unknown): JsonValue => JSON.parse(JSON.stringify(v ?? null)) as JsonValue;

const show = (v: IntPair | null | undefined): string => (Array.isArray(v) ? `(${v.join(', ')})` : String(v));

/**
 * Max over kH x kW windows (stride defaults to the kernel size).
 * @example
 * const pool = new nn.MaxPool2d(2);
 * console.log(pool.forward(randn([1, 3, 28, 28])).shape);   // [1, 3, 14, 14]
 */
export class MaxPool2d extends Module {
  readonly opts: MaxPool2dOptions;
  /** PyTorch's order: MaxPool2d(kernelSize, stride, padding, dilation, returnIndices, ceilMode), or an options object. */
  constructor(readonly kernelSize: IntPair, opts: MaxPool2dOptions | IntPair | null = {}, ...more: unknown[]) {
    super();
    const o = positionalOptions('MaxPool2d', [opts, ...more], ['stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'],
      ['stride', 'padding', 'dilation', 'ceilMode']);
    if (o.returnIndices) throw typeError('MaxPool2d', 'returnIndices is not supported by the module; call nn.functional.maxPool2d(x, k, { returnIndices: true })');
    delete o.returnIndices;
    this.opts = o as MaxPool2dOptions;
  }
  override forward(x: Tensor): Tensor { return maxPool2d(x, this.kernelSize, { ...this.opts, returnIndices: false }); }
  override getConfig(): LayerConfig { return { kernelSize: json(this.kernelSize), options: json(this.opts) }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): MaxPool2d { return new MaxPool2d(c.kernelSize as IntPair, (c.options ?? {}) as MaxPool2dOptions); }
  override extraRepr(): string {
    const o = this.opts;
    return `kernel_size=${show(this.kernelSize)}, stride=${show(o.stride ?? this.kernelSize)}, padding=${show(o.padding ?? 0)}, ` +
      `dilation=${show(o.dilation ?? 1)}, ceil_mode=${o.ceilMode ? 'True' : 'False'}`;
  }
}

/**
 * Mean over kH x kW windows.
 * @example
 * const pool = new nn.AvgPool2d(3, { stride: 1, padding: 1 });
 * console.log(pool.forward(randn([1, 3, 8, 8])).shape);   // [1, 3, 8, 8]
 */
export class AvgPool2d extends Module {
  readonly opts: AvgPool2dOptions;
  /** PyTorch's order: AvgPool2d(kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride), or an options object. */
  constructor(readonly kernelSize: IntPair, opts: AvgPool2dOptions | IntPair | null = {}, ...more: unknown[]) {
    super();
    this.opts = positionalOptions('AvgPool2d', [opts, ...more], ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']) as AvgPool2dOptions;
  }
  override forward(x: Tensor): Tensor { return avgPool2d(x, this.kernelSize, this.opts); }
  override getConfig(): LayerConfig { return { kernelSize: json(this.kernelSize), options: json(this.opts) }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): AvgPool2d { return new AvgPool2d(c.kernelSize as IntPair, (c.options ?? {}) as AvgPool2dOptions); }
  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.opts.stride ?? this.kernelSize)}, padding=${show(this.opts.padding ?? 0)}`;
  }
}

/**
 * Mean pooling to a fixed output size (e.g. 1 for global average pooling).
 * @example
 * const gap = new nn.AdaptiveAvgPool2d(1);   // global average pooling
 * console.log(gap.forward(randn([2, 64, 7, 7])).shape);   // [2, 64, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | [number | null, number | null]) { super(); }
  override forward(x: Tensor): Tensor { return adaptiveAvgPool2d(x, this.outputSize); }
  override getConfig(): LayerConfig { return { outputSize: json(this.outputSize) }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): AdaptiveAvgPool2d { return new AdaptiveAvgPool2d(c.outputSize as number | [number | null, number | null]); }
  override extraRepr(): string { return `output_size=${show(this.outputSize as IntPair)}`; }
}

for (const [name, cls] of Object.entries({ MaxPool2d, AvgPool2d, AdaptiveAvgPool2d })) registerLayer(name, cls, { paramShapes: (): ParamShapes => [] });
