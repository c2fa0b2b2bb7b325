/** Activation modules over the elementwise and softmax ops. */
import type { Tensor } from '../../tensor';
import { Module } from '../module';
import { logSoftmax, softmax } from '../../ops/softmax';
import { registerLayer, type LayerConfig } from '../../io/registry';

export class ReLU extends Module {
  override forward(x: Tensor): Tensor { return x.relu(); }
  override getConfig(): LayerConfig { return {}; }
  static fromConfig(): ReLU { return new ReLU(); }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  override forward(x: Tensor): Tensor { return x.leakyRelu(this.negativeSlope); }
  override extraRepr(): string { return `negative_slope=${this.negativeSlope}`; }
  override getConfig(): LayerConfig { return { negativeSlope: this.negativeSlope }; }
  static fromConfig(c: LayerConfig): LeakyReLU { return new LeakyReLU(c.negativeSlope as number); }
}

export class ELU extends Module {
  constructor(readonly alpha = 1) { super(); }
  override forward(x: Tensor): Tensor { return x.elu(this.alpha); }
  override extraRepr(): string { return `alpha=${this.alpha}`; }
  override getConfig(): LayerConfig { return { alpha: this.alpha }; }
  static fromConfig(c: LayerConfig): ELU { return new ELU(c.alpha as number); }
}

/** GELU, exact (erf) by default or the tanh approximation. */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') { super(); }
  override forward(x: Tensor): Tensor { return x.gelu(this.approximate); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
  override getConfig(): LayerConfig { return { approximate: this.approximate }; }
  static fromConfig(c: LayerConfig): GELU { return new GELU(c.approximate as 'none' | 'tanh'); }
}

export class SiLU extends Module {
  override forward(x: Tensor): Tensor { return x.silu(); }
  override getConfig(): LayerConfig { return {}; }
  static fromConfig(): SiLU { return new SiLU(); }
}

export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor { return x.sigmoid(); }
  override getConfig(): LayerConfig { return {}; }
  static fromConfig(): Sigmoid { return new Sigmoid(); }
}

export class Tanh extends Module {
  override forward(x: Tensor): Tensor { return x.tanh(); }
  override getConfig(): LayerConfig { return {}; }
  static fromConfig(): Tanh { return new Tanh(); }
}

export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) { super(); }
  override forward(x: Tensor): Tensor { return x.softplus(this.beta, this.threshold); }
  override extraRepr(): string { return `beta=${this.beta}, threshold=${this.threshold}`; }
  override getConfig(): LayerConfig { return { beta: this.beta, threshold: this.threshold }; }
  static fromConfig(c: LayerConfig): Softplus { return new Softplus(c.beta as number, c.threshold as number); }
}

/** Softmax along dim (default: the last). */
export class Softmax extends Module {
  constructor(readonly dim = -1) { super(); }
  override forward(x: Tensor): Tensor { return softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
  override getConfig(): LayerConfig { return { dim: this.dim }; }
  static fromConfig(c: LayerConfig): Softmax { return new Softmax(c.dim as number); }
}

/** log(softmax(x)) along dim (default: the last), computed stably. */
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) { super(); }
  override forward(x: Tensor): Tensor { return logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
  override getConfig(): LayerConfig { return { dim: this.dim }; }
  static fromConfig(c: LayerConfig): LogSoftmax { return new LogSoftmax(c.dim as number); }
}

for (const [name, cls] of Object.entries({ ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax })) registerLayer(name, cls);
