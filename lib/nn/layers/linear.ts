/** Linear, Identity, Flatten, Dropout. */
import { Tensor } from '../../tensor';
import { linear } from '../../ops/matmul';
import { flatten } from '../../ops/views';
import { rangeError, typeError } from '../../errors';
import { Module, Parameter } from '../module';
import * as init from '../init';
import { dropout } from '../functional';
import { positionalOptions } from '../../options';
import { configInt, registerLayer, type LayerConfig, type ParamShapes } from '../../io/registry';

function checkFeatures(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw rangeError(op, `${name} must be a non-negative integer, got ${v}`);
}

/**
 * y = x Wᵀ + b with weight [outFeatures, inFeatures] and bias [outFeatures], initialised as
 * PyTorch does: W ~ kaimingUniform(a=√5) = U(±1/√inFeatures), b ~ U(±1/√inFeatures).
 * @example const fc = new nn.Linear(784, 10);  fc.forward(randn([32, 784]));  // [32, 10]
 */
export class Linear extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, optsIn: { bias?: boolean } | boolean = {}, ...more: unknown[]) {
    super();
    // NOTE: a boolean is PyTorch's positional bias: new nn.Linear(4, 8, false).
    const opts = positionalOptions('Linear', [optsIn, ...more], ['bias']) as { bias?: boolean };
    checkFeatures('Linear', 'inFeatures', inFeatures);
    checkFeatures('Linear', 'outFeatures', outFeatures);
    if (opts.bias !== undefined && typeof opts.bias !== 'boolean') throw typeError('Linear', `bias must be a boolean, got ${JSON.stringify(opts.bias)}`);
    this.registerParameter('weight', Tensor.empty([outFeatures, inFeatures]));
    this.registerParameter('bias', opts.bias === false ? null : Tensor.empty([outFeatures]));
    this.resetParameters();
  }

  /** Re-initialises the parameters as PyTorch's `reset_parameters` does. */
  resetParameters(): void {
    init.kaimingUniform(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform(this.bias, -bound, bound);
    }
  }

  override forward(x: Tensor): Tensor { return linear(x, this.weight, this.bias); }

  override getConfig(): LayerConfig { return { inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null }; }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static *paramShapes(c: LayerConfig): ParamShapes {
    const i = configInt('Linear', c, 'inFeatures', 0), o = configInt('Linear', c, 'outFeatures', 0);
    yield ['weight', [o, i]];
    if (c.bias !== false) yield ['bias', [o]];
  }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): Linear {
    return new Linear(c.inFeatures as number, c.outFeatures as number, { bias: c.bias as boolean });
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`;
  }
}

/**
 * Returns its input.
 * @example
 * const skip = new nn.Identity();
 * console.log(skip.forward(tensor([1, 2])).toArray());   // [1, 2]
 */
export class Identity extends Module {
  override forward(x: Tensor): Tensor { return x; }
  override getConfig(): LayerConfig { return {}; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(): Identity { return new Identity(); }
}

/**
 * Flattens dims startDim..endDim (default: all but the batch dim).
 * @example
 * const f = new nn.Flatten();                     // keeps dim 0 (the batch)
 * console.log(f.forward(randn([8, 3, 4, 4])).shape);   // [8, 48]
 */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    for (const [k, v] of [['startDim', startDim], ['endDim', endDim]] as const) {
      if (!Number.isSafeInteger(v)) throw typeError('Flatten', `${k} must be an integer, got ${JSON.stringify(v)}`);
    }
  }
  override forward(x: Tensor): Tensor { return flatten(x, this.startDim, this.endDim); }
  override extraRepr(): string { return `start_dim=${this.startDim}, end_dim=${this.endDim}`; }
  override getConfig(): LayerConfig { return { startDim: this.startDim, endDim: this.endDim }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): Flatten { return new Flatten(c.startDim as number, c.endDim as number); }
}

/**
 * During training zeroes each element with probability p and scales the rest by 1/(1-p);
 * in eval mode returns the input unchanged.
 * @example
 * const drop = new nn.Dropout(0.25);
 * const y = drop.forward(randn([4, 10]));   // training: zeroes ~25%, scales the rest by 1/0.75
 * drop.eval();
 * const same = drop.forward(randn([4, 10]));   // evaluation: the identity
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw rangeError(this.constructor.name, `p must be in [0, 1], got ${JSON.stringify(p)}`);
  }
  override forward(x: Tensor): Tensor { return dropout(x, this.p, this.training); }
  override extraRepr(): string { return `p=${this.p}, inplace=False`; }
  override getConfig(): LayerConfig { return { p: this.p }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): Dropout { return new Dropout(c.p as number); }
}

registerLayer('Linear', Linear);
for (const [name, cls] of Object.entries({ Identity, Flatten, Dropout })) registerLayer(name, cls, { paramShapes: (): ParamShapes => [] });
