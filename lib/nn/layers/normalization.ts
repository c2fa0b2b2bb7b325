/** BatchNorm1d/2d (running statistics, momentum or cumulative average, eval mode),
 * LayerNorm and GroupNorm over lib/ops/norm. Buffers are named as PyTorch's: running_mean, running_var,
 * num_batches_tracked (int32 here; PyTorch stores int64). */
import { Tensor } from '../../tensor';
import { noGrad } from '../../autograd/grad_mode';
import { ones, zeros } from '../../ops/creation';
import { batchNorm, groupNorm, layerNorm } from '../../ops/norm';
import { fmtShape, rangeError, typeError } from '../../errors';
import { positionalOptions } from '../../options';
import { Module, type Parameter } from '../module';
import { configInt, registerLayer, type LayerConfig, type ParamShapes } from '../../io/registry';

/**
 * Options of `nn.BatchNorm1d` / `nn.BatchNorm2d` (PyTorch's, camelCase).
 * @example
 * const opts: nn.BatchNormModuleOptions = { eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true };
 * const bn = new nn.BatchNorm2d(32, opts);
 */
export interface BatchNormModuleOptions {
  eps?: number;
  /** Weight of the new batch statistic in the running average; null: cumulative average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** eps must be a positive finite number; flags booleans (or absent). */
function checkNormOptions(op: string, eps: unknown, flags: Record<string, unknown>): void {
  if (eps !== undefined && !(typeof eps === 'number' && Number.isFinite(eps) && eps > 0)) throw rangeError(op, `eps must be a positive finite number, got ${JSON.stringify(eps)}`);
  for (const [k, v] of Object.entries(flags)) {
    if (v !== undefined && typeof v !== 'boolean') throw typeError(op, `${k} must be a boolean, got ${JSON.stringify(v)}`);
  }
}

abstract class BatchNormBase extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly eps: number; readonly momentum: number | null; readonly affine: boolean; readonly trackRunningStats: boolean;

  constructor(readonly numFeatures: number, optsIn: BatchNormModuleOptions | number = {}, ...more: unknown[]) {
    super();
    // PyTorch's positional order: BatchNorm2d(16, 1e-5, 0.1, true, true).
    const opts = positionalOptions(this.constructor.name, [optsIn, ...more], ['eps', 'momentum', 'affine', 'trackRunningStats']) as BatchNormModuleOptions;
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw rangeError(this.constructor.name, `numFeatures must be a positive integer, got ${numFeatures}`);
    checkNormOptions(this.constructor.name, opts.eps, { affine: opts.affine, trackRunningStats: opts.trackRunningStats });
    const m = opts.momentum;
    if (m !== undefined && m !== null && !(typeof m === 'number' && m >= 0 && m <= 1)) {
      throw rangeError(this.constructor.name, `momentum must be a number in [0, 1] or null (cumulative average), got ${JSON.stringify(m)}`);
    }
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.registerParameter('weight', this.affine ? ones([numFeatures]) : null);
    this.registerParameter('bias', this.affine ? zeros([numFeatures]) : null);
    this.registerBuffer('running_mean', this.trackRunningStats ? zeros([numFeatures]) : null);
    this.registerBuffer('running_var', this.trackRunningStats ? ones([numFeatures]) : null);
    this.registerBuffer('num_batches_tracked', this.trackRunningStats ? zeros([], { dtype: 'int32' }) : null);
  }

  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static *paramShapes(c: LayerConfig): ParamShapes {
    const n = configInt('BatchNorm', c, 'numFeatures', 1);
    if (c.affine !== false) { yield ['weight', [n]]; yield ['bias', [n]]; }
    if (c.trackRunningStats !== false) { yield ['running_mean', [n]]; yield ['running_var', [n]]; yield ['num_batches_tracked', []]; }
  }

  get runningMean(): Tensor | null { return this.running_mean; }
  get runningVar(): Tensor | null { return this.running_var; }
  get numBatchesTracked(): Tensor | null { return this.num_batches_tracked; }

  /** Zeroes the running statistics (mean 0, var 1, count 0). */
  resetRunningStats(): void {
    noGrad(() => {
      this.running_mean?.fill_(0);
      this.running_var?.fill_(1);
      this.num_batches_tracked?.fill_(0);
    });
  }

  protected abstract checkInput(x: Tensor): void;

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      const n = this.num_batches_tracked;
      noGrad(() => n.add_(1));
      if (this.momentum === null) factor = 1 / n.item();
    }
    // Batch statistics in training, or always when no running statistics are kept.
    const useBatch = this.training || !this.running_mean;
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.running_mean : null, track ? this.running_var : null,
      { weight: this.weight, bias: this.bias, training: useBatch, momentum: factor, eps: this.eps });
  }

  override getConfig(): LayerConfig {
    return { numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum, affine: this.affine, trackRunningStats: this.trackRunningStats };
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum ?? 'None'}, affine=${this.affine ? 'True' : 'False'}, ` +
      `track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}

/**
 * Batch norm over [N, C] or [N, C, L] (statistics per channel C).
 * @example
 * const bn = new nn.BatchNorm1d(16, { momentum: 0.1 });
 * const y = bn.forward(randn([32, 16]));   // training: batch statistics, running ones updated
 * bn.eval();                               // evaluation: running statistics
 */
export class BatchNorm1d extends BatchNormBase {
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): BatchNorm1d { const { numFeatures, ...o } = c; return new BatchNorm1d(numFeatures as number, o as BatchNormModuleOptions); }
  /** Throws a RangeError naming the layer when the input does not have the rank and channels the layer expects. */
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw rangeError('BatchNorm1d', `expected 2D or 3D input (got ${x.ndim}D input ${fmtShape(x.shape)})`);
  }
}

/**
 * Batch norm over [N, C, H, W] (statistics per channel C).
 * @example
 * const bn = new nn.BatchNorm2d(8);
 * console.log(bn.forward(randn([4, 8, 5, 5])).shape);   // [4, 8, 5, 5]
 */
export class BatchNorm2d extends BatchNormBase {
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): BatchNorm2d { const { numFeatures, ...o } = c; return new BatchNorm2d(numFeatures as number, o as BatchNormModuleOptions); }
  /** Throws a RangeError naming the layer when the input does not have the rank and channels the layer expects. */
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw rangeError('BatchNorm2d', `expected 4D input (got ${x.ndim}D input ${fmtShape(x.shape)})`);
  }
}

/**
 * Layer norm over the trailing normalizedShape dims, with elementwise affine weight/bias.
 * @example
 * const ln = new nn.LayerNorm(64);
 * const y = ln.forward(randn([2, 10, 64]));   // normalised over the last dim
 */
export class LayerNorm extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  constructor(normalizedShape: number | number[], optsIn: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } | number = {}, ...more: unknown[]) {
    super();
    const opts = positionalOptions('LayerNorm', [optsIn, ...more], ['eps', 'elementwiseAffine', 'bias']) as { eps?: number; elementwiseAffine?: boolean; bias?: boolean };
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    if (!this.normalizedShape.length || !this.normalizedShape.every((s) => Number.isInteger(s) && s >= 1)) {
      throw rangeError('LayerNorm', `normalizedShape must be positive integers, got ${JSON.stringify(normalizedShape)}`);
    }
    checkNormOptions('LayerNorm', opts.eps, { elementwiseAffine: opts.elementwiseAffine, bias: opts.bias });
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.registerParameter('weight', this.elementwiseAffine ? ones(this.normalizedShape) : null);
    this.registerParameter('bias', this.elementwiseAffine && opts.bias !== false ? zeros(this.normalizedShape) : null);
  }
  override forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
  override getConfig(): LayerConfig {
    return { normalizedShape: this.normalizedShape.slice(), eps: this.eps, elementwiseAffine: this.elementwiseAffine, bias: this.bias !== null };
  }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static *paramShapes(c: LayerConfig): ParamShapes {
    const s = typeof c.normalizedShape === 'number' ? [c.normalizedShape] : c.normalizedShape;
    if (!Array.isArray(s) || !s.length || !s.every((v) => Number.isSafeInteger(v) && (v as number) >= 1)) {
      throw rangeError('LayerNorm', `config field normalizedShape must be positive integers, got ${JSON.stringify(c.normalizedShape)}`);
    }
    if (c.elementwiseAffine === false) return;
    yield ['weight', s as number[]];
    if (c.bias !== false) yield ['bias', s as number[]];
  }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): LayerNorm {
    return new LayerNorm(c.normalizedShape as number[], { eps: c.eps as number, elementwiseAffine: c.elementwiseAffine as boolean, bias: c.bias as boolean });
  }
  override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}${this.normalizedShape.length === 1 ? ',' : ''}), eps=${this.eps}, ` +
      `elementwise_affine=${this.elementwiseAffine ? 'True' : 'False'}`;
  }
}

/**
 * Group norm over [N, C, ...]: numChannels split into numGroups groups, with per-channel
 * affine weight/bias (like torch.nn.GroupNorm).
 * @example
 * const gn = new nn.GroupNorm(4, 16);
 * console.log(gn.forward(randn([2, 16, 8, 8])).shape);   // [2, 16, 8, 8]
 */
export class GroupNorm extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  readonly eps: number;
  readonly affine: boolean;
  constructor(readonly numGroups: number, readonly numChannels: number, opts: { eps?: number; affine?: boolean } = {}) {
    super();
    if (!Number.isInteger(numGroups) || numGroups < 1) throw rangeError('GroupNorm', `numGroups must be a positive integer, got ${numGroups}`);
    if (!Number.isInteger(numChannels) || numChannels < 1) throw rangeError('GroupNorm', `numChannels must be a positive integer, got ${numChannels}`);
    if (numChannels % numGroups !== 0) throw rangeError('GroupNorm', `numChannels ${numChannels} must be divisible by numGroups ${numGroups}`);
    checkNormOptions('GroupNorm', opts.eps, { affine: opts.affine });
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    this.registerParameter('weight', this.affine ? ones([numChannels]) : null);
    this.registerParameter('bias', this.affine ? zeros([numChannels]) : null);
  }
  override forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw rangeError('GroupNorm', `expected input [N, ${this.numChannels}, ...], got ${fmtShape(x.shape)}`);
    }
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
  override getConfig(): LayerConfig { return { numGroups: this.numGroups, numChannels: this.numChannels, eps: this.eps, affine: this.affine }; }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static *paramShapes(c: LayerConfig): ParamShapes {
    const n = configInt('GroupNorm', c, 'numChannels', 1);
    if (c.affine !== false) { yield ['weight', [n]]; yield ['bias', [n]]; }
  }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): GroupNorm {
    return new GroupNorm(c.numGroups as number, c.numChannels as number, { eps: c.eps as number, affine: c.affine as boolean });
  }
  override extraRepr(): string { return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine ? 'True' : 'False'}`; }
}

registerLayer('BatchNorm1d', BatchNorm1d);
registerLayer('BatchNorm2d', BatchNorm2d);
registerLayer('LayerNorm', LayerNorm);
registerLayer('GroupNorm', GroupNorm);
