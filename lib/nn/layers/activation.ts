/** Activation modules over the elementwise and softmax ops. */
import type { Tensor } from '../../tensor';
import { Module } from '../module';
import { logSoftmax, softmax } from '../../ops/softmax';
import { registerLayer, type LayerConfig, type ParamShapes } from '../../io/registry';
import { typeError } from '../../errors';
import { describeValue, positionalOptions } from '../../options';

/**
 * An activation's arguments: PyTorch's positional values (`new nn.LeakyReLU(0.2)`) or one
 * options object (`{ negativeSlope: 0.2 }`), each checked to be a finite number (or an
 * integer dim). PyTorch's `inplace` is refused rather than ignored: tensors here are never
 * modified in place by a module, so drop it (the output is the same).
 */
function activationArgs(op: string, args: unknown[], names: readonly string[]): Record<string, number> {
  const o = positionalOptions(op, args, [...names, 'inplace']);
  if (o.inplace !== undefined && o.inplace !== false) throw typeError(op, 'inplace is not supported (a module never overwrites its input); drop it, the output is the same');
  delete o.inplace;
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    const ok = k === 'dim' ? Number.isInteger(v) : typeof v === 'number' && Number.isFinite(v);
    if (!ok) throw typeError(op, `${k} must be ${k === 'dim' ? 'an integer' : 'a finite number'}, got ${describeValue(v)}`);
  }
  return o as Record<string, number>;
}

/**
 * max(x, 0) elementwise.
 * @example
 * console.log(new nn.ReLU().forward(tensor([-1, 2])).toArray());   // [0, 2]
 */
export class ReLU extends Module {
  constructor(...args: unknown[]) { super(); activationArgs('ReLU', args, []); }
  override forward(x: Tensor): Tensor { return x.relu(); }
  override getConfig(): LayerConfig { return {}; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(): ReLU { return new ReLU(); }
}

/**
 * x where x > 0, negativeSlope * x elsewhere (default slope 0.01).
 * @example
 * console.log(new nn.LeakyReLU(0.1).forward(tensor([-10, 2])).toArray());   // [-1, 2]
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(negativeSlope: number | { negativeSlope?: number } = 0.01, ...more: unknown[]) {
    super();
    this.negativeSlope = activationArgs('LeakyReLU', [negativeSlope, ...more], ['negativeSlope']).negativeSlope ?? 0.01;
  }
  override forward(x: Tensor): Tensor { return x.leakyRelu(this.negativeSlope); }
  override extraRepr(): string { return `negative_slope=${this.negativeSlope}`; }
  override getConfig(): LayerConfig { return { negativeSlope: this.negativeSlope }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): LeakyReLU { return new LeakyReLU(c.negativeSlope as number); }
}

/**
 * x where x > 0, alpha * (exp(x) - 1) elsewhere.
 * @example
 * const act = new nn.ELU({ alpha: 1 });
 * const y = act.forward(randn([4]));
 */
export class ELU extends Module {
  readonly alpha: number;
  constructor(alpha: number | { alpha?: number } = 1, ...more: unknown[]) {
    super();
    this.alpha = activationArgs('ELU', [alpha, ...more], ['alpha']).alpha ?? 1;
  }
  override forward(x: Tensor): Tensor { return x.elu(this.alpha); }
  override extraRepr(): string { return `alpha=${this.alpha}`; }
  override getConfig(): LayerConfig { return { alpha: this.alpha }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): ELU { return new ELU(c.alpha as number); }
}

/**
 * GELU, exact (erf) by default or the tanh approximation.
 * @example
 * const act = new nn.GELU('tanh');   // the tanh approximation; default 'none' (exact erf)
 * const y = act.forward(randn([2, 8]));
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(approximate: 'none' | 'tanh' | { approximate?: 'none' | 'tanh' } = 'none', ...more: unknown[]) {
    super();
    const o = positionalOptions('GELU', [approximate, ...more], ['approximate']);
    this.approximate = (o.approximate ?? 'none') as 'none' | 'tanh';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') throw typeError('GELU', `approximate must be 'none' or 'tanh', got ${describeValue(o.approximate)}`);
  }
  override forward(x: Tensor): Tensor { return x.gelu(this.approximate); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
  override getConfig(): LayerConfig { return { approximate: this.approximate }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): GELU { return new GELU(c.approximate as 'none' | 'tanh'); }
}

/**
 * x * sigmoid(x) (swish).
 * @example
 * const y = new nn.SiLU().forward(randn([3]));
 */
export class SiLU extends Module {
  constructor(...args: unknown[]) { super(); activationArgs('SiLU', args, []); }
  override forward(x: Tensor): Tensor { return x.silu(); }
  override getConfig(): LayerConfig { return {}; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(): SiLU { return new SiLU(); }
}

/**
 * 1 / (1 + exp(-x)) elementwise.
 * @example
 * console.log(new nn.Sigmoid().forward(tensor([0])).toArray());   // [0.5]
 */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor { return x.sigmoid(); }
  override getConfig(): LayerConfig { return {}; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(): Sigmoid { return new Sigmoid(); }
}

/**
 * tanh(x) elementwise.
 * @example
 * const y = new nn.Tanh().forward(randn([3]));
 */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor { return x.tanh(); }
  override getConfig(): LayerConfig { return {}; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(): Tanh { return new Tanh(); }
}

/**
 * log(1 + exp(beta * x)) / beta, linear above `threshold`.
 * @example
 * const y = new nn.Softplus({ beta: 2, threshold: 20 }).forward(randn([5]));
 */
export class Softplus extends Module {
  readonly beta: number; readonly threshold: number;
  constructor(beta: number | { beta?: number; threshold?: number } = 1, ...more: unknown[]) {
    super();
    const o = activationArgs('Softplus', [beta, ...more], ['beta', 'threshold']);
    this.beta = o.beta ?? 1;
    this.threshold = o.threshold ?? 20;
  }
  override forward(x: Tensor): Tensor { return x.softplus(this.beta, this.threshold); }
  override extraRepr(): string { return `beta=${this.beta}, threshold=${this.threshold}`; }
  override getConfig(): LayerConfig { return { beta: this.beta, threshold: this.threshold }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): Softplus { return new Softplus(c.beta as number, c.threshold as number); }
}

/**
 * Softmax along dim (default: the last).
 * @example
 * const probs = new nn.Softmax(1).forward(randn([2, 5]));   // rows sum to 1
 */
export class Softmax extends Module {
  readonly dim: number;
  constructor(dim: number | { dim?: number } = -1, ...more: unknown[]) { super(); this.dim = activationArgs('Softmax', [dim, ...more], ['dim']).dim ?? -1; }
  override forward(x: Tensor): Tensor { return softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
  override getConfig(): LayerConfig { return { dim: this.dim }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): Softmax { return new Softmax(c.dim as number); }
}

/**
 * log(softmax(x)) along dim (default: the last), computed stably.
 * @example
 * const logp = new nn.LogSoftmax(1).forward(randn([2, 5]));
 */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(dim: number | { dim?: number } = -1, ...more: unknown[]) { super(); this.dim = activationArgs('LogSoftmax', [dim, ...more], ['dim']).dim ?? -1; }
  override forward(x: Tensor): Tensor { return logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
  override getConfig(): LayerConfig { return { dim: this.dim }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): LogSoftmax { return new LogSoftmax(c.dim as number); }
}

for (const [name, cls] of Object.entries({ ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax })) registerLayer(name, cls, { paramShapes: (): ParamShapes => [] });
