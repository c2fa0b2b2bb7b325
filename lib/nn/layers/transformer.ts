/**
 * Transformer encoder and decoder layers and stacks, shaped like torch.nn.TransformerEncoderLayer,
 * TransformerEncoder, TransformerDecoderLayer and TransformerDecoder: the same arguments
 * (camelCase), the same post-norm / pre-norm (normFirst) computation and the same state-dict
 * keys (self_attn.in_proj_weight, linear1.weight, norm1.bias, layers.0...), so weights move
 * between the two through safetensors.
 */
import { Tensor } from '../../tensor';
import { rangeError, typeError } from '../../errors';
import { tensor } from '../../ops/creation';
import { Module, type AnyModule } from '../module';
import { Linear, Dropout } from './linear';
import { LayerNorm } from './normalization';
import { ModuleList } from './container';
import { MultiheadAttention } from './attention';
import { gelu, relu } from '../functional';
import { checkOptions } from '../../options';
import { layerFromJSON, layerToJSON, registerLayer, type JsonValue, type LayerConfig, type LayerJSON } from '../../io/registry';

/**
 * The feed-forward activation of a transformer layer: a name or a function.
 * @example
 * const act: nn.TransformerActivation = (x) => x.mul(nn.functional.sigmoid(x));  // SiLU
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, activation: act });
 */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

/**
 * Options of TransformerEncoderLayer and TransformerDecoderLayer.
 * @example
 * const opts: nn.TransformerLayerOptions = { dimFeedforward: 256, dropout: 0.1, activation: 'gelu', batchFirst: true, normFirst: true };
 * const layer = new nn.TransformerEncoderLayer(64, 4, opts);
 */
export interface TransformerLayerOptions {
  /** Width of the feed-forward block. Default 2048. */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block. Default 0.1. */
  dropout?: number;
  /** 'relu' (default), 'gelu' or a function. */
  activation?: TransformerActivation;
  /** LayerNorm eps. Default 1e-5. */
  layerNormEps?: number;
  /** (N, L, E) instead of (L, N, E). Default false. */
  batchFirst?: boolean;
  /** Pre-norm: normalize before attention and feed-forward (default false: after). */
  normFirst?: boolean;
}

const LAYER_KEYS = ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst'];

interface LayerSettings { dimFeedforward: number; dropout: number; activation: TransformerActivation; layerNormEps: number; batchFirst: boolean; normFirst: boolean }

function settings(op: string, dModel: number, nhead: number, opts: TransformerLayerOptions): LayerSettings {
  checkOptions(op, opts, LAYER_KEYS);
  for (const [k, v] of [['dModel', dModel], ['nhead', nhead], ['dimFeedforward', opts.dimFeedforward ?? 2048]] as const) {
    if (!Number.isInteger(v) || v < 1) throw rangeError(op, `${k} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  const act = opts.activation ?? 'relu';
  if (act !== 'relu' && act !== 'gelu' && typeof act !== 'function') throw typeError(op, `activation must be 'relu', 'gelu' or a function, got ${JSON.stringify(act)}`);
  const eps = opts.layerNormEps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps >= 0)) throw rangeError(op, `layerNormEps must be a non-negative number, got ${JSON.stringify(eps)}`);
  for (const k of ['batchFirst', 'normFirst'] as const) {
    if (opts[k] !== undefined && typeof opts[k] !== 'boolean') throw typeError(op, `${k} must be a boolean, got ${JSON.stringify(opts[k])}`);
  }
  return { dimFeedforward: opts.dimFeedforward ?? 2048, dropout: opts.dropout ?? 0.1, activation: act, layerNormEps: eps,
    batchFirst: opts.batchFirst ?? false, normFirst: opts.normFirst ?? false };
}

/** The shared parts of both layers: the feed-forward block and the config. */
abstract class TransformerLayerBase<In extends unknown[]> extends Module<In, Tensor> {
  declare linear1: Linear;
  declare linear2: Linear;
  declare dropout: Dropout;
  /** The options with their defaults filled in. */
  readonly cfg: LayerSettings;

  protected constructor(op: string, readonly dModel: number, readonly nhead: number, opts: TransformerLayerOptions) {
    super();
    this.cfg = settings(op, dModel, nhead, opts);
    const s = this.cfg;
    this.registerModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout: s.dropout, batchFirst: s.batchFirst }));
  }

  /** Registers linear1, dropout, linear2 and the norms/dropouts numbered 1..n (PyTorch's order). */
  protected addFeedForward(n: number): void {
    const s = this.cfg;
    this.registerModule('linear1', new Linear(this.dModel, s.dimFeedforward));
    this.registerModule('dropout', new Dropout(s.dropout));
    this.registerModule('linear2', new Linear(s.dimFeedforward, this.dModel));
    for (let i = 1; i <= n; i++) this.registerModule(`norm${i}`, new LayerNorm(this.dModel, { eps: s.layerNormEps }));
    for (let i = 1; i <= n; i++) this.registerModule(`dropout${i}`, new Dropout(s.dropout));
  }

  /** The submodule registered as `name` (norm1, dropout2, ...). */
  protected sub(name: string): AnyModule { return (this as unknown as Record<string, AnyModule>)[name]; }
  /** LayerNorm number i applied to x. */
  protected norm(i: number, x: Tensor): Tensor { return (this.sub(`norm${i}`) as LayerNorm).forward(x); }
  /** Dropout number i applied to x. */
  protected drop(i: number, x: Tensor): Tensor { return (this.sub(`dropout${i}`) as Dropout).forward(x); }

  /** The feed-forward activation (cfg.activation) applied to x. */
  protected activate(x: Tensor): Tensor {
    const a = this.cfg.activation;
    return a === 'relu' ? relu(x) : a === 'gelu' ? gelu(x) : a(x);
  }

  /** dropout_k(linear2(dropout(activation(linear1(x))))). */
  protected feedForward(x: Tensor, k: number): Tensor {
    return this.drop(k, this.linear2.forward(this.dropout.forward(this.activate(this.linear1.forward(x)))));
  }

  /** dropout_k(attention(q, kv, kv)) without weights (the fused kernel). */
  protected attend(attn: MultiheadAttention, q: Tensor, kv: Tensor, attnMask: Tensor | null | undefined, kpm: Tensor | null | undefined, k: number): Tensor {
    return this.drop(k, attn.forward(q, kv, kv, { attnMask, keyPaddingMask: kpm, needWeights: false })[0]);
  }

  /** x + block(norm(x)) (normFirst) or norm(x + block(x)). */
  protected residual(x: Tensor, i: number, block: (y: Tensor) => Tensor): Tensor {
    return this.cfg.normFirst ? x.add(block(this.norm(i, x))) : this.norm(i, x.add(block(x)));
  }

  override getConfig(): LayerConfig {
    const s = this.cfg;
    if (typeof s.activation === 'function') throw typeError('getConfig', `${this.constructor.name} with a function activation cannot be saved as a config (use 'relu' or 'gelu')`);
    return { dModel: this.dModel, nhead: this.nhead, dimFeedforward: s.dimFeedforward, dropout: s.dropout, activation: s.activation,
      layerNormEps: s.layerNormEps, batchFirst: s.batchFirst, normFirst: s.normFirst };
  }
}

const optionsOf = (c: LayerConfig): TransformerLayerOptions => ({ dimFeedforward: c.dimFeedforward as number, dropout: c.dropout as number,
  activation: c.activation as 'relu' | 'gelu', layerNormEps: c.layerNormEps as number, batchFirst: c.batchFirst as boolean, normFirst: c.normFirst as boolean });

/**
 * Options of TransformerEncoderLayer.forward.
 * @example
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64 });
 * const opts: nn.EncoderLayerForwardOptions = { srcMask: nn.generateSquareSubsequentMask(6) };
 * const y = layer.forward(randn([6, 2, 32]), opts);  // causal self-attention, [6, 2, 32]
 */
export interface EncoderLayerForwardOptions {
  /** (L, L) or (N * nhead, L, L): bool true = may not attend, or float added. */
  srcMask?: Tensor | null;
  /** (N, L): bool true = padding (ignored as a key), or float added. */
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * One encoder block: self-attention and a feed-forward network, each with a residual
 * connection, LayerNorm and dropout (torch.nn.TransformerEncoderLayer).
 * @example
 * const layer = new nn.TransformerEncoderLayer(64, 4, { dimFeedforward: 128, batchFirst: true });
 * const y = layer.forward(randn([2, 10, 64]));  // [2, 10, 64]
 */
export class TransformerEncoderLayer extends TransformerLayerBase<[Tensor, EncoderLayerForwardOptions?]> {
  declare self_attn: MultiheadAttention;
  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) {
    super('TransformerEncoderLayer', dModel, nhead, opts);
    this.addFeedForward(2);
  }

  override forward(src: Tensor, opts: EncoderLayerForwardOptions = {}): Tensor {
    checkOptions('TransformerEncoderLayer', opts, ['srcMask', 'srcKeyPaddingMask']);
    const x = this.residual(src, 1, (y) => this.attend(this.self_attn, y, y, opts.srcMask, opts.srcKeyPaddingMask, 1));
    return this.residual(x, 2, (y) => this.feedForward(y, 2));
  }

  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): TransformerEncoderLayer { return new TransformerEncoderLayer(c.dModel as number, c.nhead as number, optionsOf(c)); }
}

/**
 * Options of TransformerDecoderLayer.forward (and TransformerDecoder.forward).
 * @example
 * const layer = new nn.TransformerDecoderLayer(32, 4, { dimFeedforward: 64 });
 * const opts: nn.DecoderLayerForwardOptions = {
 *   tgtMask: nn.generateSquareSubsequentMask(7),
 *   memoryKeyPaddingMask: zeros([2, 9], { dtype: 'bool' }),
 * };
 * const y = layer.forward(randn([7, 2, 32]), randn([9, 2, 32]), opts);  // [7, 2, 32]
 */
export interface DecoderLayerForwardOptions {
  /** (T, T) or (N * nhead, T, T) mask of the target self-attention (see generateSquareSubsequentMask). */
  tgtMask?: Tensor | null;
  /** (T, S) or (N * nhead, T, S) mask of the attention to memory. */
  memoryMask?: Tensor | null;
  /** (N, T): bool true = target padding. */
  tgtKeyPaddingMask?: Tensor | null;
  /** (N, S): bool true = memory padding. */
  memoryKeyPaddingMask?: Tensor | null;
}
const DECODER_KEYS = ['tgtMask', 'memoryMask', 'tgtKeyPaddingMask', 'memoryKeyPaddingMask'];

/**
 * One decoder block: self-attention over the target, attention to the encoder's memory and
 * a feed-forward network, each with a residual connection, LayerNorm and dropout
 * (torch.nn.TransformerDecoderLayer).
 * @example
 * const layer = new nn.TransformerDecoderLayer(32, 4, { dimFeedforward: 64 });
 * const y = layer.forward(randn([7, 2, 32]), randn([9, 2, 32]), { tgtMask: nn.generateSquareSubsequentMask(7) });
 */
export class TransformerDecoderLayer extends TransformerLayerBase<[Tensor, Tensor, DecoderLayerForwardOptions?]> {
  declare self_attn: MultiheadAttention;
  declare multihead_attn: MultiheadAttention;
  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) {
    super('TransformerDecoderLayer', dModel, nhead, opts);
    this.registerModule('multihead_attn', new MultiheadAttention(dModel, nhead, { dropout: this.cfg.dropout, batchFirst: this.cfg.batchFirst }));
    this.addFeedForward(3);
  }

  override forward(tgt: Tensor, memory: Tensor, opts: DecoderLayerForwardOptions = {}): Tensor {
    checkOptions('TransformerDecoderLayer', opts, DECODER_KEYS);
    let x = this.residual(tgt, 1, (y) => this.attend(this.self_attn, y, y, opts.tgtMask, opts.tgtKeyPaddingMask, 1));
    x = this.residual(x, 2, (y) => this.attend(this.multihead_attn, y, memory, opts.memoryMask, opts.memoryKeyPaddingMask, 2));
    return this.residual(x, 3, (y) => this.feedForward(y, 3));
  }

  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): TransformerDecoderLayer { return new TransformerDecoderLayer(c.dModel as number, c.nhead as number, optionsOf(c)); }
}

/** numLayers independent copies of `layer` (same initial weights, as PyTorch's deepcopy). */
function clones<L extends AnyModule>(op: string, layer: L, numLayers: number): L[] {
  if (!Number.isInteger(numLayers) || numLayers < 1) throw rangeError(op, `numLayers must be a positive integer, got ${JSON.stringify(numLayers)}`);
  const json = layerToJSON(layer);
  return Array.from({ length: numLayers }, () => {
    const c = layerFromJSON(json) as L;
    c.loadStateDict(layer.stateDict());
    c.train(layer.training);
    return c;
  });
}

/** What both stacks share: the cloned layers (keys layers.0...), the optional final norm, the config. */
abstract class TransformerStack<In extends unknown[], L extends AnyModule> extends Module<In, Tensor> {
  declare layers: ModuleList<L>;
  declare norm: LayerNorm | null;
  protected constructor(op: string, cls: abstract new (...a: never[]) => L, layer: L, readonly numLayers: number, norm: LayerNorm | null) {
    super();
    if (!(layer instanceof cls)) throw typeError(op, `the layer must be a ${cls.name}, got ${(layer as object)?.constructor?.name ?? typeof layer}`);
    this.registerModule('layers', new ModuleList(clones(op, layer, numLayers)));
    this.registerModule('norm', norm);
  }
  /** Runs step through every layer, then the norm. */
  protected stack(x: Tensor, step: (layer: L, x: Tensor) => Tensor): Tensor {
    for (const layer of this.layers.children()) x = step(layer as L, x);
    return this.norm ? this.norm.forward(x) : x;
  }
  override getConfig(): LayerConfig {
    const json = (l: AnyModule): JsonValue => layerToJSON(l) as unknown as JsonValue;
    return { layer: json(this.layers.at(0)), numLayers: this.layers.length, norm: this.norm ? json(this.norm) : null };
  }
  /** The constructor arguments a config describes: [layer, numLayers, norm]. */
  protected static args<L>(c: LayerConfig): [L, number, LayerNorm | null] {
    const norm = c.norm ? layerFromJSON(c.norm as unknown as LayerJSON) as LayerNorm : null;
    return [layerFromJSON(c.layer as unknown as LayerJSON) as L, c.numLayers as number, norm];
  }
}

/**
 * Options of TransformerEncoder.forward.
 * @example
 * const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64 }), 2);
 * const opts: nn.TransformerEncoderForwardOptions = { mask: nn.generateSquareSubsequentMask(10) };
 * const y = enc.forward(randn([10, 3, 32]), opts);  // [10, 3, 32]
 */
export interface TransformerEncoderForwardOptions {
  /** Passed to every layer as srcMask. */
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * numLayers copies of an encoder layer applied in turn, then an optional LayerNorm
 * (torch.nn.TransformerEncoder; state-dict keys layers.0..., norm...).
 * @example
 * const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64 }), 2);
 * const y = enc.forward(randn([10, 3, 32]), { srcKeyPaddingMask: zeros([3, 10], { dtype: 'bool' }) });
 */
export class TransformerEncoder extends TransformerStack<[Tensor, TransformerEncoderForwardOptions?], TransformerEncoderLayer> {
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, norm: LayerNorm | null = null) {
    super('TransformerEncoder', TransformerEncoderLayer, encoderLayer, numLayers, norm);
  }
  override forward(src: Tensor, opts: TransformerEncoderForwardOptions = {}): Tensor {
    checkOptions('TransformerEncoder', opts, ['mask', 'srcKeyPaddingMask']);
    return this.stack(src, (l, x) => l.forward(x, { srcMask: opts.mask, srcKeyPaddingMask: opts.srcKeyPaddingMask }));
  }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): TransformerEncoder { return new TransformerEncoder(...TransformerStack.args<TransformerEncoderLayer>(c)); }
}

/**
 * numLayers copies of a decoder layer applied in turn, then an optional LayerNorm
 * (torch.nn.TransformerDecoder).
 * @example
 * const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(32, 4, { dimFeedforward: 64 }), 2);
 * const y = dec.forward(randn([7, 2, 32]), randn([9, 2, 32]), { tgtMask: nn.generateSquareSubsequentMask(7) });
 */
export class TransformerDecoder extends TransformerStack<[Tensor, Tensor, DecoderLayerForwardOptions?], TransformerDecoderLayer> {
  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, norm: LayerNorm | null = null) {
    super('TransformerDecoder', TransformerDecoderLayer, decoderLayer, numLayers, norm);
  }
  override forward(tgt: Tensor, memory: Tensor, opts: DecoderLayerForwardOptions = {}): Tensor {
    checkOptions('TransformerDecoder', opts, DECODER_KEYS);
    return this.stack(tgt, (l, x) => l.forward(x, memory, opts));
  }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): TransformerDecoder { return new TransformerDecoder(...TransformerStack.args<TransformerDecoderLayer>(c)); }
}

/**
 * The causal mask of size (sz, sz) as PyTorch's nn.Transformer.generate_square_subsequent_mask:
 * float, 0 on and below the diagonal, -inf above (position i may attend to j <= i).
 * @example nn.generateSquareSubsequentMask(3)  // [[0, -inf, -inf], [0, 0, -inf], [0, 0, 0]]
 */
export function generateSquareSubsequentMask(sz: number): Tensor {
  if (!Number.isInteger(sz) || sz < 0) throw rangeError('generateSquareSubsequentMask', `sz must be a non-negative integer, got ${JSON.stringify(sz)}`);
  return tensor(Float32Array.from({ length: sz * sz }, (_, i) => (i % sz > Math.floor(i / sz) ? -Infinity : 0)), { shape: [sz, sz] });
}

for (const [name, cls] of Object.entries({ TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder })) registerLayer(name, cls);
