/** Loss modules: thin wrappers over nn.functional with PyTorch's options. Class weights
 * (and BCEWithLogits' posWeight) are buffers, as in PyTorch's state dicts. */
import type { Tensor } from '../../tensor';
import { zeros } from '../../ops/creation';
import { Module } from '../module';
import { positionalOptions } from '../../options';
import * as F from '../functional';
import type { Reduction } from '../functional';
import { registerLayer, type LayerConfig, type ParamShapes } from '../../io/registry';

/**
 * A loss constructor's options: one object checked against `allowed`, or (for weighted
 * losses) PyTorch's positional class weight: new nn.CrossEntropyLoss(weights).
 */
function lossOptions<O>(op: string, args: unknown[], allowed: readonly string[]): O {
  return positionalOptions(op, args, allowed.includes('weight') ? ['weight'] : [], allowed) as O;
}

abstract class Loss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;
  constructor(opts: { reduction?: Reduction } | null = {}) {
    super();
    this.reduction = opts?.reduction ?? 'mean';
  }
  override extraRepr(): string { return this.reduction === 'mean' ? '' : `reduction='${this.reduction}'`; }
  /** Constructor options as JSON (for io.saveModel). */
  override getConfig(): LayerConfig { return { reduction: this.reduction }; }
}

/** A placeholder tensor of a saved buffer's shape (loadStateDict fills it). */
const placeholder = (shape: unknown): Tensor | null => (Array.isArray(shape) ? zeros(shape as number[]) : null);

type Weighted = { reduction?: Reduction; weight?: Tensor | null };

abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;
  constructor(opts: Weighted = {}) {
    super(opts);
    this.registerBuffer('weight', opts.weight ?? null);
  }
  /** Constructor options as JSON (for io.saveModel). */
  override getConfig(): LayerConfig { return { ...super.getConfig(), weightShape: this.weight ? this.weight.shape.slice() : null }; }
}

/**
 * Cross-entropy of logits [N, C, ...] against class indices (int32 [N, ...]) or class
 * probabilities (float32, the input's shape); fused log-softmax + NLL.
 * @example
 * const logits = randn([4, 3]), labels = tensor([0, 2, 1, 1], { dtype: 'int32' });
 * const l = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(logits, labels);
 */
export class CrossEntropyLoss extends WeightedLoss {
  readonly ignoreIndex: number; readonly labelSmoothing: number;
  constructor(optsIn: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } | Tensor = {}, ...more: unknown[]) {
    const opts = lossOptions<Weighted & { ignoreIndex?: number; labelSmoothing?: number }>('CrossEntropyLoss', [optsIn, ...more],
      ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing']);
    super(opts);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
  /** Constructor options as JSON (for io.saveModel). */
  override getConfig(): LayerConfig { return { ...super.getConfig(), ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): CrossEntropyLoss {
    return new CrossEntropyLoss({ weight: placeholder(c.weightShape), ignoreIndex: c.ignoreIndex as number,
      reduction: c.reduction as Reduction, labelSmoothing: c.labelSmoothing as number });
  }
}

/**
 * Negative log-likelihood of log-probabilities [N, C, ...] at int32 targets.
 * @example
 * const loss = new nn.NLLLoss();
 * const l = loss.forward(randn([4, 3]).logSoftmax(1), tensor([0, 2, 1, 1], { dtype: 'int32' }));
 */
export class NLLLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  constructor(optsIn: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } | Tensor = {}, ...more: unknown[]) {
    const opts = lossOptions<Weighted & { ignoreIndex?: number }>('NLLLoss', [optsIn, ...more], ['weight', 'ignoreIndex', 'reduction']);
    super(opts);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
  /** Constructor options as JSON (for io.saveModel). */
  override getConfig(): LayerConfig { return { ...super.getConfig(), ignoreIndex: this.ignoreIndex }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): NLLLoss {
    return new NLLLoss({ weight: placeholder(c.weightShape), ignoreIndex: c.ignoreIndex as number, reduction: c.reduction as Reduction });
  }
}

/**
 * Mean squared error.
 * @example
 * const l = new nn.MSELoss().forward(tensor([1, 2]), tensor([1, 4]));
 * console.log(l.item());   // 2
 */
export class MSELoss extends Loss {
  constructor(opts: { reduction?: Reduction } = {}, ...more: unknown[]) { super(lossOptions('MSELoss', [opts, ...more], ['reduction'])); }
  override forward(input: Tensor, target: Tensor): Tensor { return F.mseLoss(input, target, { reduction: this.reduction }); }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): MSELoss { return new MSELoss({ reduction: c.reduction as Reduction }); }
}

/**
 * Mean absolute error.
 * @example
 * const l = new nn.L1Loss({ reduction: 'sum' }).forward(tensor([1, 2]), tensor([0, 4]));
 * console.log(l.item());   // 3
 */
export class L1Loss extends Loss {
  constructor(opts: { reduction?: Reduction } = {}, ...more: unknown[]) { super(lossOptions('L1Loss', [opts, ...more], ['reduction'])); }
  override forward(input: Tensor, target: Tensor): Tensor { return F.l1Loss(input, target, { reduction: this.reduction }); }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): L1Loss { return new L1Loss({ reduction: c.reduction as Reduction }); }
}

/**
 * Huber loss: quadratic within delta, linear outside.
 * @example
 * const l = new nn.HuberLoss({ delta: 1 }).forward(randn([8]), randn([8]));
 */
export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(optsIn: { reduction?: Reduction; delta?: number } = {}, ...more: unknown[]) {
    const opts = lossOptions<{ reduction?: Reduction; delta?: number }>('HuberLoss', [optsIn, ...more], ['reduction', 'delta']);
    super(opts);
    this.delta = opts.delta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor { return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
  /** Constructor options as JSON (for io.saveModel). */
  override getConfig(): LayerConfig { return { ...super.getConfig(), delta: this.delta }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): HuberLoss { return new HuberLoss({ reduction: c.reduction as Reduction, delta: c.delta as number }); }
}

/**
 * Binary cross-entropy of probabilities.
 * @example
 * const probs = randn([4]).sigmoid();
 * const l = new nn.BCELoss().forward(probs, tensor([0, 1, 1, 0]));
 */
export class BCELoss extends WeightedLoss {
  constructor(opts: { weight?: Tensor | null; reduction?: Reduction } | Tensor = {}, ...more: unknown[]) {
    super(lossOptions('BCELoss', [opts, ...more], ['weight', 'reduction']));
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): BCELoss {
    return new BCELoss({ weight: placeholder(c.weightShape), reduction: c.reduction as Reduction });
  }
}

/**
 * Binary cross-entropy of logits (sigmoid fused, numerically stable), optional posWeight.
 * @example
 * const l = new nn.BCEWithLogitsLoss({ posWeight: tensor([3]) }).forward(randn([4, 1]), tensor([[0], [1], [1], [0]]));
 */
export class BCEWithLogitsLoss extends WeightedLoss {
  declare pos_weight: Tensor | null;
  constructor(optsIn: { weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null } | Tensor = {}, ...more: unknown[]) {
    const opts = lossOptions<Weighted & { posWeight?: Tensor | null }>('BCEWithLogitsLoss', [optsIn, ...more], ['weight', 'reduction', 'posWeight']);
    super(opts);
    this.registerBuffer('pos_weight', opts.posWeight ?? null);
  }
  get posWeight(): Tensor | null { return this.pos_weight; }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
  /** Constructor options as JSON (for io.saveModel). */
  override getConfig(): LayerConfig { return { ...super.getConfig(), posWeightShape: this.pos_weight ? this.pos_weight.shape.slice() : null }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): BCEWithLogitsLoss {
    return new BCEWithLogitsLoss({ weight: placeholder(c.weightShape), posWeight: placeholder(c.posWeightShape), reduction: c.reduction as Reduction });
  }
}

for (const [name, cls] of Object.entries({ CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss })) registerLayer(name, cls, { paramShapes: (): ParamShapes => [] });
