/**
 * RNN, LSTM, GRU modules: stacks of lib/ops/rnn layers (numLayers, bidirectional,
 * inter-layer dropout, batchFirst, initial state in, final state out). Parameter names,
 * shapes, order and initialisation are PyTorch's: weight_ih_l{k}[_reverse] [G*H, in],
 * weight_hh_l{k}[_reverse] [G*H, H], bias_ih/bias_hh [G*H], all U(±1/√H).
 */
import { Tensor } from '../../tensor';
import { gruLayer, lstmLayer, rnnLayer, type RnnLayerParams } from '../../ops/rnn';
import { cat, stack } from '../../ops/join';
import { fmtShape, rangeError, typeError } from '../../errors';
import { positionalOptions } from '../../options';
import { Module, type Parameter } from '../module';
import { dropout } from '../functional';
import * as init from '../init';
import { configInt, registerLayer, type LayerConfig, type ParamShapes } from '../../io/registry';

/**
 * Options of `nn.RNN`, `nn.LSTM` and `nn.GRU` (PyTorch's, in camelCase).
 * @example
 * const opts: nn.RNNOptions = { numLayers: 2, batchFirst: true, dropout: 0.1, bidirectional: true };
 * const lstm = new nn.LSTM(8, 16, opts);
 */
export interface RNNOptions {
  numLayers?: number;
  bias?: boolean;
  /** Input and output are [B, T, *] instead of [T, B, *] (states stay [L*D, B, H]). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last (training only). */
  dropout?: number;
  bidirectional?: boolean;
}

/** PyTorch's positional order after hidden_size (RNN puts nonlinearity after numLayers). */
const RNN_NAMES = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional'];

type Kind = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';
const GATES: Record<Kind, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

abstract class RNNBase<In extends unknown[], Out> extends Module<In, Out> {
  readonly numLayers: number; readonly bias: boolean; readonly batchFirst: boolean;
  readonly dropout: number; readonly bidirectional: boolean;

  constructor(protected readonly kind: Kind, readonly inputSize: number, readonly hiddenSize: number, opts: RNNOptions) {
    super();
    const name = this.constructor.name;
    for (const [n, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize], ['numLayers', opts.numLayers ?? 1]] as const) {
      if (!Number.isInteger(v) || v < 1) throw rangeError(name, `${n} must be a positive integer, got ${v}`);
    }
    for (const k of ['bias', 'batchFirst', 'bidirectional'] as const) {
      if (opts[k] !== undefined && typeof opts[k] !== 'boolean') throw typeError(name, `${k} must be a boolean, got ${JSON.stringify(opts[k])}`);
    }
    this.numLayers = opts.numLayers ?? 1;
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout <= 1)) throw rangeError(name, `dropout must be in [0, 1], got ${this.dropout}`);
    this.bidirectional = opts.bidirectional ?? false;
    const G = GATES[kind], H = hiddenSize, D = this.bidirectional ? 2 : 1;
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? inputSize : H * D;
      for (const sfx of D === 2 ? ['', '_reverse'] : ['']) {
        this.registerParameter(`weight_ih_l${l}${sfx}`, Tensor.empty([G * H, inSize]));
        this.registerParameter(`weight_hh_l${l}${sfx}`, Tensor.empty([G * H, H]));
        if (this.bias) {
          this.registerParameter(`bias_ih_l${l}${sfx}`, Tensor.empty([G * H]));
          this.registerParameter(`bias_hh_l${l}${sfx}`, Tensor.empty([G * H]));
        }
      }
    }
    this.resetParameters();
  }

  /** The parameters' names and shapes for a config, in the constructor's order, lazily. */
  protected static *shapesOf(kind: Kind, c: LayerConfig): ParamShapes {
    const I = configInt(kind, c, 'inputSize', 1), H = configInt(kind, c, 'hiddenSize', 1), L = configInt(kind, c, 'numLayers', 1, 1);
    const G = GATES[kind] * H, D = c.bidirectional === true ? 2 : 1;
    for (let l = 0; l < L; l++) {
      for (const sfx of D === 2 ? ['', '_reverse'] : ['']) {
        yield [`weight_ih_l${l}${sfx}`, [G, l === 0 ? I : H * D]];
        yield [`weight_hh_l${l}${sfx}`, [G, H]];
        if (c.bias !== false) { yield [`bias_ih_l${l}${sfx}`, [G]]; yield [`bias_hh_l${l}${sfx}`, [G]]; }
      }
    }
  }

  /** Re-initialises the parameters as PyTorch's `reset_parameters` does. */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform(p, -stdv, stdv);
  }

  private layerParams(l: number, reverse: boolean): RnnLayerParams {
    const sfx = `_l${l}${reverse ? '_reverse' : ''}`;
    const get = (n: string): Parameter => (this as unknown as Record<string, Parameter>)[n + sfx];
    return { weightIh: get('weight_ih'), weightHh: get('weight_hh'), biasIh: this.bias ? get('bias_ih') : null, biasHh: this.bias ? get('bias_hh') : null };
  }

  /** Checks a state [L*D, B, H] (or [L*D, H] unbatched) and returns it batched. */
  private checkState(x: Tensor, s: Tensor | null | undefined, what: string, batched: boolean, B: number): Tensor | null {
    if (s === null || s === undefined) return null;
    if (!(s instanceof Tensor)) throw typeError(this.constructor.name, `${what} must be a Tensor, got ${typeof s}`);
    const want = batched ? [this.numLayers * (this.bidirectional ? 2 : 1), B, this.hiddenSize] : [this.numLayers * (this.bidirectional ? 2 : 1), this.hiddenSize];
    if (s.shape.join() !== want.join()) {
      throw rangeError(this.constructor.name, `expected ${what} of shape ${fmtShape(want)} for input ${fmtShape(x.shape)}, got ${fmtShape(s.shape)}`);
    }
    return batched ? s : s.unsqueeze(1);
  }

  /** Runs the stack. x: [T, B, I] / [B, T, I] / unbatched [T, I]. */
  protected run(xIn: Tensor, h0In: Tensor | null | undefined, c0In: Tensor | null | undefined): { output: Tensor; hn: Tensor; cn: Tensor | null } {
    const name = this.constructor.name;
    if (!(xIn instanceof Tensor)) throw typeError(name, `input must be a Tensor, got ${typeof xIn}`);
    if (xIn.ndim !== 2 && xIn.ndim !== 3) throw rangeError(name, `input must be 2-D (unbatched) or 3-D, got ${fmtShape(xIn.shape)}`);
    const batched = xIn.ndim === 3;
    let x = batched ? (this.batchFirst ? xIn.transpose(0, 1) : xIn) : xIn.unsqueeze(1);  // [T, B, I]
    if (x.shape[2] !== this.inputSize) {
      throw rangeError(name, `input ${fmtShape(xIn.shape)} must have inputSize ${this.inputSize} in its last dim`);
    }
    const B = x.shape[1], D = this.bidirectional ? 2 : 1, lstm = this.kind === 'LSTM';
    const h0 = this.checkState(xIn, h0In, 'h0', batched, B), c0 = lstm ? this.checkState(xIn, c0In, 'c0', batched, B) : null;
    const hs: Tensor[] = [], cs: Tensor[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const k = l * D + d, p = this.layerParams(l, d === 1), opts = { reverse: d === 1 };
        const h = h0 ? h0.slice(0, k, k + 1).squeeze(0) : null;
        if (lstm) {
          const c = c0 ? c0.slice(0, k, k + 1).squeeze(0) : null;
          const r = lstmLayer(x, h, c, p, opts);
          outs.push(r.output); hs.push(r.hn); cs.push(r.cn);
        } else if (this.kind === 'GRU') {
          const r = gruLayer(x, h, p, opts);
          outs.push(r.output); hs.push(r.hn);
        } else {
          const r = rnnLayer(x, h, p, { ...opts, nonlinearity: this.kind === 'RNN_RELU' ? 'relu' : 'tanh' });
          outs.push(r.output); hs.push(r.hn);
        }
      }
      x = D === 2 ? cat(outs, 2) : outs[0];
      if (l < this.numLayers - 1 && this.dropout > 0) x = dropout(x, this.dropout, this.training);
    }
    let output = x, hn = stack(hs, 0), cn = lstm ? stack(cs, 0) : null;
    if (!batched) { output = output.squeeze(1); hn = hn.squeeze(1); cn = cn ? cn.squeeze(1) : null; }
    else if (this.batchFirst) output = output.transpose(0, 1);
    return { output, hn, cn };
  }

  override getConfig(): LayerConfig {
    return { inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: this.numLayers, bias: this.bias,
      batchFirst: this.batchFirst, dropout: this.dropout, bidirectional: this.bidirectional,
      ...(this.kind.startsWith('RNN') ? { nonlinearity: this.kind === 'RNN_RELU' ? 'relu' : 'tanh' } : {}) };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (this.kind === 'RNN_RELU') s += `, nonlinearity='relu'`;
    if (!this.bias) s += ', bias=False';
    if (this.batchFirst) s += ', batch_first=True';
    if (this.dropout) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += ', bidirectional=True';
    return s;
  }
}

/**
 * Elman RNN. forward(x, h0?) → [output, hn]: output [T, B, D*H] ([B, T, D*H] with
 * batchFirst), hn [numLayers*D, B, H].
 * @example const rnn = new nn.RNN(10, 20, { numLayers: 2 });  const [out, hn] = rnn.forward(randn([5, 3, 10]));
 */
export class RNN extends RNNBase<[Tensor, (Tensor | null)?], [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, optsIn: RNNOptions & { nonlinearity?: 'tanh' | 'relu' } | number = {}, ...more: unknown[]) {
    const opts = positionalOptions('RNN', [optsIn, ...more], ['numLayers', 'nonlinearity', ...RNN_NAMES.slice(1)]) as RNNOptions & { nonlinearity?: 'tanh' | 'relu' };
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw typeError('RNN', `nonlinearity must be 'tanh' or 'relu', got ${String(nl)}`);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, opts);
  }
  override forward(x: Tensor, h0: Tensor | null = null): [Tensor, Tensor] {
    const r = this.run(x, h0, null);
    return [r.output, r.hn];
  }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static paramShapes(c: LayerConfig): ParamShapes { return RNNBase.shapesOf('RNN_TANH', c); }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): RNN {
    const { inputSize, hiddenSize, ...o } = c;
    return new RNN(inputSize as number, hiddenSize as number, o as RNNOptions & { nonlinearity?: 'tanh' | 'relu' });
  }
}

/**
 * LSTM. forward(x, [h0, c0]?) → [output, [hn, cn]].
 * @example const lstm = new nn.LSTM(8, 16, { batchFirst: true, bidirectional: true });
 * const [out, [hn, cn]] = lstm.forward(randn([4, 12, 8]));  // out [4, 12, 32]
 */
export class LSTM extends RNNBase<[Tensor, ([Tensor, Tensor] | null)?], [Tensor, [Tensor, Tensor]]> {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions | number = {}, ...more: unknown[]) {
    super('LSTM', inputSize, hiddenSize, positionalOptions('LSTM', [opts, ...more], RNN_NAMES));
  }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static paramShapes(c: LayerConfig): ParamShapes { return RNNBase.shapesOf('LSTM', c); }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): LSTM { const { inputSize, hiddenSize, ...o } = c; return new LSTM(inputSize as number, hiddenSize as number, o as RNNOptions); }
  override forward(x: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    if (hx !== null && (!Array.isArray(hx) || hx.length !== 2)) throw typeError('LSTM', 'hx must be [h0, c0]');
    const r = this.run(x, hx ? hx[0] : null, hx ? hx[1] : null);
    return [r.output, [r.hn, r.cn as Tensor]];
  }
}

/**
 * GRU. forward(x, h0?) → [output, hn].
 * @example
 * const gru = new nn.GRU(10, 20, { numLayers: 2, batchFirst: true });
 * const [out, hn] = gru.forward(randn([3, 5, 10]));   // [3, 5, 20] and [2, 3, 20]
 */
export class GRU extends RNNBase<[Tensor, (Tensor | null)?], [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions | number = {}, ...more: unknown[]) {
    super('GRU', inputSize, hiddenSize, positionalOptions('GRU', [opts, ...more], RNN_NAMES));
  }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static paramShapes(c: LayerConfig): ParamShapes { return RNNBase.shapesOf('GRU', c); }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): GRU { const { inputSize, hiddenSize, ...o } = c; return new GRU(inputSize as number, hiddenSize as number, o as RNNOptions); }
  override forward(x: Tensor, h0: Tensor | null = null): [Tensor, Tensor] {
    const r = this.run(x, h0, null);
    return [r.output, r.hn];
  }
}

registerLayer('RNN', RNN);
registerLayer('LSTM', LSTM);
registerLayer('GRU', GRU);
