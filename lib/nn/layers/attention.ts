/** MultiheadAttention, shaped like torch.nn.MultiheadAttention (same arguments, masks and
 * state-dict keys: in_proj_weight / in_proj_bias / out_proj.*, or q_proj_weight, k_proj_weight,
 * v_proj_weight when kdim or vdim differ from embedDim). */
import { Tensor } from '../../tensor';
import { fmtShape, rangeError, typeError } from '../../errors';
import { linear } from '../../ops/matmul';
import { where } from '../../ops/elementwise';
import { full } from '../../ops/creation';
import { scaledDotProductAttention } from '../../ops/attention';
import { Module, Parameter } from '../module';
import { Linear } from './linear';
import * as init from '../init';
import { dropout } from '../functional';
import { checkOptions } from '../../options';
import { registerLayer, type LayerConfig } from '../../io/registry';

/**
 * Options of {@link MultiheadAttention}.
 * @example
 * const opts: nn.MultiheadAttentionOptions = { dropout: 0.1, bias: true, kdim: 32, vdim: 16, batchFirst: true };
 * const mha = new nn.MultiheadAttention(64, 8, opts);
 * const [y] = mha.forward(randn([2, 10, 64]), randn([2, 7, 32]), randn([2, 7, 16]));  // y [2, 10, 64]
 */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights while training. Default 0. */
  dropout?: number;
  /** Biases on the input and output projections. Default true. */
  bias?: boolean;
  /** Feature size of key (default embedDim). */
  kdim?: number;
  /** Feature size of value (default embedDim). */
  vdim?: number;
  /** Inputs and output are (N, L, E) instead of (L, N, E). Default false. */
  batchFirst?: boolean;
}

/**
 * Options of MultiheadAttention.forward.
 * @example
 * const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const x = randn([2, 5, 16]);
 * const padding = tensor([[false, false, false, true, true], [false, false, false, false, false]], { dtype: 'bool' });
 * const opts: nn.MultiheadAttentionForwardOptions = { keyPaddingMask: padding, averageAttnWeights: false };
 * const [y, w] = mha.forward(x, x, x, opts);  // y [2, 5, 16], w [2, 4, 5, 5]
 */
export interface MultiheadAttentionForwardOptions {
  /** (N, S) or (S): bool true = ignore that key (PyTorch's convention), or float added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (PyTorch's default: true). False takes the fused kernel. */
  needWeights?: boolean;
  /** (L, S) or (N * numHeads, L, S): bool true = may not attend, or float added to the scores. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true), else one set per head. */
  averageAttnWeights?: boolean;
}

const OP = 'MultiheadAttention';
const FORWARD_KEYS = ['keyPaddingMask', 'needWeights', 'attnMask', 'averageAttnWeights'];

/** A mask as float to add to scores: bool true (= masked out, PyTorch's nn convention) gives -inf. */
function additive(mask: Tensor, what: string): Tensor {
  if (mask.dtype === 'bool') return where(mask, full([], -Infinity, { device: mask.device }), full([], 0, { device: mask.device }));
  if (mask.dtype !== 'float32') throw typeError(OP, `${what} must be bool or float32, got ${mask.dtype} (shape ${fmtShape(mask.shape)})`);
  return mask;
}

function checkDim(name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw rangeError(OP, `${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

/**
 * Multi-head attention: the query, key and value are projected, split into numHeads heads of
 * embedDim / numHeads features, attended with scaled dot products, merged and projected
 * again. Inputs (L, N, E) (or (N, L, E) with batchFirst, or unbatched (L, E)); returns
 * [output, weights], weights (N, L, S) averaged over heads, (N, numHeads, L, S), or null
 * when needWeights is false. With needWeights false the heads run on the fused
 * scaledDotProductAttention kernel.
 * @example
 * const mha = new nn.MultiheadAttention(64, 8, { batchFirst: true });
 * const x = randn([2, 10, 64]);
 * const [y, w] = mha.forward(x, x, x);  // y [2, 10, 64], w [2, 10, 10]
 */
export class MultiheadAttention extends Module<[Tensor, Tensor, Tensor, MultiheadAttentionForwardOptions?], [Tensor, Tensor | null]> {
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: Linear;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;

  constructor(readonly embedDim: number, readonly numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    checkOptions(OP, opts, ['dropout', 'bias', 'kdim', 'vdim', 'batchFirst']);
    checkDim('embedDim', embedDim);
    checkDim('numHeads', numHeads);
    if (embedDim % numHeads !== 0) throw rangeError(OP, `embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    this.headDim = embedDim / numHeads;
    this.kdim = opts.kdim === undefined ? embedDim : checkDim('kdim', opts.kdim);
    this.vdim = opts.vdim === undefined ? embedDim : checkDim('vdim', opts.vdim);
    const p = opts.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw rangeError(OP, `dropout must be in [0, 1], got ${JSON.stringify(p)}`);
    this.dropout = p;
    for (const k of ['bias', 'batchFirst'] as const) {
      if (opts[k] !== undefined && typeof opts[k] !== 'boolean') throw typeError(OP, `${k} must be a boolean, got ${JSON.stringify(opts[k])}`);
    }
    this.batchFirst = opts.batchFirst ?? false;
    const bias = opts.bias ?? true;
    const E = embedDim;
    if (this.sameEmbedDim) {
      this.registerParameter('in_proj_weight', Tensor.empty([3 * E, E]));
    } else {
      this.registerParameter('q_proj_weight', Tensor.empty([E, E]));
      this.registerParameter('k_proj_weight', Tensor.empty([E, this.kdim]));
      this.registerParameter('v_proj_weight', Tensor.empty([E, this.vdim]));
    }
    this.registerParameter('in_proj_bias', bias ? Tensor.empty([3 * E]) : null);
    this.registerModule('out_proj', new Linear(E, E, { bias }));
    this.resetParameters();
  }

  /** True when key and value have embedDim features (one packed in_proj_weight). */
  get sameEmbedDim(): boolean { return this.kdim === this.embedDim && this.vdim === this.embedDim; }

  /** PyTorch's _reset_parameters: Xavier-uniform projections, zero biases. */
  resetParameters(): void {
    for (const w of [this.in_proj_weight, this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) if (w) init.xavierUniform(w);
    if (this.in_proj_bias) init.constant(this.in_proj_bias, 0);
    if (this.out_proj.bias) init.constant(this.out_proj.bias, 0);
  }

  override forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    checkOptions(OP, opts, FORWARD_KEYS);
    const E = this.embedDim, H = this.numHeads, hd = this.headDim;
    for (const [t, name, width] of [[query, 'query', E], [key, 'key', this.kdim], [value, 'value', this.vdim]] as const) {
      if (!(t instanceof Tensor)) throw typeError(OP, `${name} must be a Tensor, got ${typeof t}`);
      if ((t.ndim !== 2 && t.ndim !== 3) || t.shape[t.ndim - 1] !== width) {
        throw rangeError(OP, `${name} must be (L, N, ${width})${this.batchFirst ? ' batch-first' : ''} or unbatched (L, ${width}), got ${fmtShape(t.shape)}`);
      }
    }
    const batched = query.ndim === 3;
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw rangeError(OP, `query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must all be batched or all unbatched`);
    }
    // To (N, L, E).
    const toNLE = (t: Tensor): Tensor => (!batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const q0 = toNLE(query), k0 = toNLE(key), v0 = toNLE(value);
    const N = q0.shape[0], L = q0.shape[1], S = k0.shape[1];
    if (k0.shape[0] !== N || v0.shape[0] !== N || v0.shape[1] !== S) {
      throw rangeError(OP, `batch and sequence sizes do not match: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`);
    }
    const [q, k, v] = this.project(q0, k0, v0, query === key && key === value);
    // (N, len, E) -> (N, H, len, hd)
    const heads = (t: Tensor, len: number): Tensor => t.reshape([N, len, H, hd]).transpose(1, 2);
    const mask = this.mergedMask(opts.attnMask ?? null, opts.keyPaddingMask ?? null, N, L, S, batched);
    const p = this.training ? this.dropout : 0;
    const needWeights = opts.needWeights ?? true;
    let out: Tensor, weights: Tensor | null = null;
    if (needWeights) {
      let scores = heads(q, L).matmul(heads(k, S).transpose(-2, -1)).mul(1 / Math.sqrt(hd));
      if (mask) scores = scores.add(mask);
      let w = scores.softmax(-1);
      // NOTE: as PyTorch, the weights returned are the ones applied (after dropout).
      if (p > 0) w = dropout(w, p, true);
      out = w.matmul(heads(v, S));
      weights = (opts.averageAttnWeights ?? true) ? w.mean(1) : w;
      if (!batched) weights = weights.squeeze(0);
    } else {
      out = scaledDotProductAttention(heads(q, L), heads(k, S), heads(v, S), { attnMask: mask, dropoutP: p });
    }
    // (N, H, L, hd) -> (N, L, E) -> output layout
    let y = this.out_proj.forward(out.transpose(1, 2).reshape([N, L, E]));
    y = !batched ? y.squeeze(0) : this.batchFirst ? y : y.transpose(0, 1);
    return [y, weights];
  }

  /** The input projections of (N, len, features) query, key and value. */
  private project(q: Tensor, k: Tensor, v: Tensor, selfAttention: boolean): [Tensor, Tensor, Tensor] {
    const E = this.embedDim, b = this.in_proj_bias;
    const bias = (i: number): Tensor | null => (b ? b.slice(0, i * E, (i + 1) * E) : null);
    if (this.in_proj_weight) {
      const w = this.in_proj_weight;
      if (selfAttention) {
        const qkv = linear(q, w, b);
        return [qkv.slice(-1, 0, E), qkv.slice(-1, E, 2 * E), qkv.slice(-1, 2 * E, 3 * E)];
      }
      return [0, 1, 2].map((i) => linear([q, k, v][i], w.slice(0, i * E, (i + 1) * E), bias(i))) as [Tensor, Tensor, Tensor];
    }
    return [linear(q, this.q_proj_weight!, bias(0)), linear(k, this.k_proj_weight!, bias(1)), linear(v, this.v_proj_weight!, bias(2))];
  }

  /** attnMask and keyPaddingMask as one additive float mask broadcastable to (N, H, L, S), or null. */
  private mergedMask(attnMask: Tensor | null, kpm: Tensor | null, N: number, L: number, S: number, batched: boolean): Tensor | null {
    let mask: Tensor | null = null;
    if (attnMask) {
      if (!(attnMask instanceof Tensor)) throw typeError(OP, `attnMask must be a Tensor, got ${typeof attnMask}`);
      const H = this.numHeads;
      if (attnMask.ndim === 2 && attnMask.shape[0] === L && attnMask.shape[1] === S) {
        mask = additive(attnMask, 'attnMask');
      } else if (attnMask.ndim === 3 && attnMask.shape[0] === N * H && attnMask.shape[1] === L && attnMask.shape[2] === S) {
        mask = additive(attnMask, 'attnMask').reshape([N, H, L, S]);
      } else {
        throw rangeError(OP, `attnMask must be (L, S) = (${L}, ${S}) or (N * numHeads, L, S) = (${N * H}, ${L}, ${S}), got ${fmtShape(attnMask.shape)}`);
      }
    }
    if (kpm) {
      if (!(kpm instanceof Tensor)) throw typeError(OP, `keyPaddingMask must be a Tensor, got ${typeof kpm}`);
      const want = batched ? [N, S] : [S];
      if (kpm.ndim !== want.length || kpm.shape.some((s, i) => s !== want[i])) {
        throw rangeError(OP, `keyPaddingMask must be ${fmtShape(want)} (${batched ? 'N, S' : 'S'}), got ${fmtShape(kpm.shape)}`);
      }
      const pad = additive(kpm, 'keyPaddingMask').reshape([N, 1, 1, S]);
      mask = mask ? mask.add(pad) : pad;
    }
    return mask;
  }

  override getConfig(): LayerConfig {
    return { embedDim: this.embedDim, numHeads: this.numHeads, dropout: this.dropout, bias: this.in_proj_bias !== null,
      kdim: this.kdim, vdim: this.vdim, batchFirst: this.batchFirst };
  }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): MultiheadAttention {
    return new MultiheadAttention(c.embedDim as number, c.numHeads as number, { dropout: c.dropout as number,
      bias: c.bias as boolean, kdim: c.kdim as number, vdim: c.vdim as number, batchFirst: c.batchFirst as boolean });
  }
  override extraRepr(): string { return `embed_dim=${this.embedDim}, num_heads=${this.numHeads}, dropout=${this.dropout}, batch_first=${this.batchFirst ? 'True' : 'False'}`; }
}

registerLayer('MultiheadAttention', MultiheadAttention);
