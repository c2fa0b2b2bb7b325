/**
 * RNNCell, LSTMCell, GRUCell: one time step of torch.nn.RNNCell / LSTMCell / GRUCell
 * (parameters weight_ih [G*H, I], weight_hh [G*H, H], bias_ih, bias_hh [G*H]; initialised
 * U(±1/√H)). Each step runs the recurrent kernels of lib/ops/rnn.ts on a one-step sequence,
 * so the gate math and its backward are the fused native ones.
 */
import { Tensor } from '../../tensor';
import { fmtShape, rangeError, typeError } from '../../errors';
import { gruLayer, lstmLayer, rnnLayer, type RnnLayerParams } from '../../ops/rnn';
import { Module, type Parameter } from '../module';
import * as init from '../init';
import { checkOptions } from '../../options';
import { registerLayer, type LayerConfig } from '../../io/registry';

/**
 * Options of RNNCell, LSTMCell and GRUCell.
 * @example
 * const opts: nn.RNNCellOptions = { bias: false, nonlinearity: 'relu' };
 * const cell = new nn.RNNCell(10, 20, opts);
 */
export interface RNNCellOptions {
  /** Biases b_ih and b_hh. Default true. */
  bias?: boolean;
  /** RNNCell only: 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

abstract class CellBase<In extends unknown[], Out> extends Module<In, Out> {
  declare weight_ih: Parameter;
  declare weight_hh: Parameter;
  declare bias_ih: Parameter | null;
  declare bias_hh: Parameter | null;
  readonly bias: boolean;

  protected constructor(protected readonly gates: number, readonly inputSize: number, readonly hiddenSize: number, opts: RNNCellOptions, keys: string[]) {
    super();
    const name = this.constructor.name;
    checkOptions(name, opts, keys);
    for (const [n, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize]] as const) {
      if (!Number.isInteger(v) || v < 1) throw rangeError(name, `${n} must be a positive integer, got ${JSON.stringify(v)}`);
    }
    if (opts.bias !== undefined && typeof opts.bias !== 'boolean') throw typeError(name, `bias must be a boolean, got ${JSON.stringify(opts.bias)}`);
    this.bias = opts.bias ?? true;
    const G = gates * hiddenSize;
    this.registerParameter('weight_ih', Tensor.empty([G, inputSize]));
    this.registerParameter('weight_hh', Tensor.empty([G, hiddenSize]));
    this.registerParameter('bias_ih', this.bias ? Tensor.empty([G]) : null);
    this.registerParameter('bias_hh', this.bias ? Tensor.empty([G]) : null);
    this.resetParameters();
  }

  /** PyTorch's reset_parameters: every weight and bias uniform in ±1/sqrt(hiddenSize). */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform(p, -stdv, stdv);
  }

  protected get params(): RnnLayerParams {
    return { weightIh: this.weight_ih, weightHh: this.weight_hh, biasIh: this.bias_ih, biasHh: this.bias_hh };
  }

  /** x [B, I] or [I] as a one-step sequence [1, B, I]; whether it was batched. */
  protected step(x: Tensor): { seq: Tensor; batched: boolean } {
    const name = this.constructor.name;
    if (!(x instanceof Tensor)) throw typeError(name, `input must be a Tensor, got ${typeof x}`);
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw rangeError(name, `input must be [N, ${this.inputSize}] or [${this.inputSize}], got ${fmtShape(x.shape)}`);
    }
    const batched = x.ndim === 2;
    return { seq: batched ? x.unsqueeze(0) : x.unsqueeze(0).unsqueeze(0), batched };
  }

  /** A state [B, H] ([H] unbatched) as [B, H], or null. */
  protected state(s: Tensor | null | undefined, what: string, batched: boolean, B: number): Tensor | null {
    if (s === null || s === undefined) return null;
    const name = this.constructor.name;
    if (!(s instanceof Tensor)) throw typeError(name, `${what} must be a Tensor, got ${typeof s}`);
    const want = batched ? [B, this.hiddenSize] : [this.hiddenSize];
    if (s.ndim !== want.length || s.shape.some((d, i) => d !== want[i])) throw rangeError(name, `${what} must be ${fmtShape(want)}, got ${fmtShape(s.shape)}`);
    return batched ? s : s.unsqueeze(0);
  }

  /** The state as returned: [N, H], or [H] for an unbatched input (the recurrence ran on a batch of 1). */
  protected out(h: Tensor, batched: boolean): Tensor { return batched ? h : h.squeeze(0); }

  /** The constructor arguments, for io.saveModel. */
  override getConfig(): LayerConfig { return { inputSize: this.inputSize, hiddenSize: this.hiddenSize, bias: this.bias }; }
  override extraRepr(): string { return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : ', bias=False'}`; }
}

/**
 * One Elman RNN step: h' = act(W_ih x + b_ih + W_hh h + b_hh) (torch.nn.RNNCell).
 * @example
 * const cell = new nn.RNNCell(10, 20);
 * let h = zeros([3, 20]);
 * for (const x of [randn([3, 10]), randn([3, 10])]) h = cell.forward(x, h);
 */
export class RNNCell extends CellBase<[Tensor, (Tensor | null)?], Tensor> {
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    super(1, inputSize, hiddenSize, opts, ['bias', 'nonlinearity']);
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw typeError('RNNCell', `nonlinearity must be 'tanh' or 'relu', got ${JSON.stringify(nl)}`);
    this.nonlinearity = nl;
  }
  override forward(x: Tensor, h: Tensor | null = null): Tensor {
    const { seq, batched } = this.step(x);
    const h0 = this.state(h, 'hx', batched, seq.shape[1]);
    return this.out(rnnLayer(seq, h0, this.params, { nonlinearity: this.nonlinearity }).hn, batched);
  }
  /** The constructor arguments, for io.saveModel. */
  override getConfig(): LayerConfig { return { ...super.getConfig(), nonlinearity: this.nonlinearity }; }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): RNNCell {
    return new RNNCell(c.inputSize as number, c.hiddenSize as number, { bias: c.bias as boolean, nonlinearity: c.nonlinearity as 'tanh' | 'relu' });
  }
}

/**
 * One LSTM step (gates i, f, g, o): returns [h', c'] (torch.nn.LSTMCell).
 * @example
 * const cell = new nn.LSTMCell(10, 20);
 * const [h, c] = cell.forward(randn([3, 10]));  // zero initial state
 */
export class LSTMCell extends CellBase<[Tensor, ([Tensor, Tensor] | null)?], [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, opts: Omit<RNNCellOptions, 'nonlinearity'> = {}) {
    super(4, inputSize, hiddenSize, opts, ['bias']);
  }
  override forward(x: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const { seq, batched } = this.step(x);
    if (hx !== null && hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) throw typeError('LSTMCell', 'hx must be [h, c] or null');
    const B = seq.shape[1];
    const h0 = this.state(hx?.[0], 'h', batched, B), c0 = this.state(hx?.[1], 'c', batched, B);
    const { hn, cn } = lstmLayer(seq, h0, c0, this.params);
    return [this.out(hn, batched), this.out(cn, batched)];
  }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): LSTMCell { return new LSTMCell(c.inputSize as number, c.hiddenSize as number, { bias: c.bias as boolean }); }
}

/**
 * One GRU step (gates r, z, n): h' = (1 - z) * n + z * h (torch.nn.GRUCell).
 * @example
 * const cell = new nn.GRUCell(10, 20);
 * const h = cell.forward(randn([3, 10]), zeros([3, 20]));  // [3, 20]
 */
export class GRUCell extends CellBase<[Tensor, (Tensor | null)?], Tensor> {
  constructor(inputSize: number, hiddenSize: number, opts: Omit<RNNCellOptions, 'nonlinearity'> = {}) {
    super(3, inputSize, hiddenSize, opts, ['bias']);
  }
  override forward(x: Tensor, h: Tensor | null = null): Tensor {
    const { seq, batched } = this.step(x);
    return this.out(gruLayer(seq, this.state(h, 'hx', batched, seq.shape[1]), this.params).hn, batched);
  }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): GRUCell { return new GRUCell(c.inputSize as number, c.hiddenSize as number, { bias: c.bias as boolean }); }
}

for (const [name, cls] of Object.entries({ RNNCell, LSTMCell, GRUCell })) registerLayer(name, cls);
