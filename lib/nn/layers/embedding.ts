/** Embedding: a lookup table of numEmbeddings vectors. */
import { Tensor } from '../../tensor';
import { where } from '../../ops/elementwise';
import { rangeError } from '../../errors';
import { positionalOptions } from '../../options';
import { Module, type Parameter } from '../module';
import { embedding } from '../functional';
import * as init from '../init';
import { configInt, registerLayer, type LayerConfig, type ParamShapes } from '../../io/registry';

/**
 * Rows of weight [numEmbeddings, embeddingDim] for int32 indices; weight ~ N(0, 1). The
 * row paddingIdx starts at zero and receives no gradient.
 * @example const emb = new nn.Embedding(1000, 64);  emb.forward(tensor([[1, 5]], { dtype: 'int32' }));  // [1, 2, 64]
 */
export class Embedding extends Module {
  declare weight: Parameter;
  readonly paddingIdx: number | null;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, optsIn: { paddingIdx?: number | null } | number = {}, ...more: unknown[]) {
    super();
    // NOTE: a number is PyTorch's positional padding_idx: new nn.Embedding(10, 4, 0).
    const opts = positionalOptions('Embedding', [optsIn, ...more], ['paddingIdx']) as { paddingIdx?: number | null };
    for (const [n, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 1) throw rangeError('Embedding', `${n} must be a positive integer, got ${v}`);
    }
    let pad = opts.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings) {
        throw rangeError('Embedding', `paddingIdx must be within numEmbeddings (${numEmbeddings}), got ${pad}`);
      }
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.registerParameter('weight', Tensor.empty([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  /** Re-initialises the parameters as PyTorch's `reset_parameters` does. */
  resetParameters(): void {
    init.normal(this.weight);
    if (this.paddingIdx !== null) init.zeros(this.weight.slice(0, this.paddingIdx, this.paddingIdx + 1));
  }

  override forward(input: Tensor): Tensor {
    const out = embedding(input, this.weight);
    if (this.paddingIdx === null || !out.requiresGrad) return out;
    // Same values; positions holding paddingIdx pass no gradient to the weight.
    return where(input.ne(this.paddingIdx).unsqueeze(-1), out, out.detach());
  }

  override getConfig(): LayerConfig {
    return { numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim, paddingIdx: this.paddingIdx };
  }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static *paramShapes(c: LayerConfig): ParamShapes {
    yield ['weight', [configInt('Embedding', c, 'numEmbeddings', 0), configInt('Embedding', c, 'embeddingDim', 0)]];
  }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): Embedding {
    return new Embedding(c.numEmbeddings as number, c.embeddingDim as number, { paddingIdx: c.paddingIdx as number | null });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}

registerLayer('Embedding', Embedding);
