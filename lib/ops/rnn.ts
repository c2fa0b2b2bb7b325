/**
 * Recurrent layers as ops: one layer, one direction per call (Elman RNN, LSTM, GRU), each
 * a single autograd node over the native forward/backward-through-time kernels
 * (native/cpu/rnn.h). Semantics and weight layouts are PyTorch's: weightIh [G*H, I],
 * weightHh [G*H, H], biasIh/biasHh [G*H]; LSTM gate rows i,f,g,o; GRU rows r,z,n with
 * n = tanh(W_in x + b_in + r * (W_hn h + b_hn)). nn.RNN/LSTM/GRU stack these per layer and
 * direction.
 *
 * NOTE: the node's output is one packed tensor [T*B*H + B*H (+ B*H)] holding output, hn
 * (and cn); the returned tensors are views of it, so the gradients of all three reach the
 * one backward call through the ordinary view ops.
 */
import { dispatch } from './kernels';
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { checkTensor } from './util';
import { contiguous, reshape, slice, transpose } from './views';
import { zeros } from './creation';
import { declareKernels, BOTH, type KernelsOf } from './kernels';

// ---- the native bindings of this family (native/binding/rnn.cpp): see KERNELS in ./kernels ----
const RNN = ['mode', 'reverse', 'hasBias', 'impl'] as const;
const RNN_KERNELS = declareKernels({
  rnnForward: {
    params: RNN,
    tensors: ['y', 'hn', 'cn?', 'reserve', 'x', 'h0', 'c0?', 'weightIh', 'weightHh', 'biasIh?', 'biasHh?'], devices: BOTH,
  },
  rnnBackward: {
    params: [...RNN, 'hasDx'],
    tensors: ['dx?', 'dh0', 'dc0?', 'dweightIh', 'dweightHh', 'dbiasIh?', 'dbiasHh?', 'dy', 'dhn', 'dcn?', 'x', 'h0',
      'c0?', 'weightIh', 'weightHh', 'y', 'reserve'],
    devices: BOTH,
  },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof RNN_KERNELS> {} }


// NOTE: codes shared with native/cpu/rnn.h (RnnMode).
export const enum RnnMode { RnnTanh = 0, RnnRelu = 1, Lstm = 2, Gru = 3 }
const GATES = [1, 1, 4, 3];
const RESERVE_PER_H = [0, 0, 5, 4];

/**
 * The weights of one layer and direction, named and shaped as PyTorch's.
 * @example
 * const H = 4;
 * const params: RnnLayerParams = { weightIh: randn([H, 3]), weightHh: randn([H, H]), biasIh: zeros([H]), biasHh: zeros([H]) };
 * const { hn } = rnnLayer(randn([5, 2, 3]), null, params);
 */
export interface RnnLayerParams {
  /** [G*H, I] (G = 1 RNN, 4 LSTM, 3 GRU) */
  weightIh: Tensor;
  /** [G*H, H] */
  weightHh: Tensor;
  /** [G*H]; pass both biases or neither. */
  biasIh?: Tensor | null;
  biasHh?: Tensor | null;
}

/**
 * Options of `rnnLayer`, `lstmLayer` and `gruLayer`.
 * @example
 * const opts: RnnLayerOptions = { batchFirst: true, reverse: true };
 * const { output } = gruLayer(randn([2, 5, 3]), null, { weightIh: randn([12, 3]), weightHh: randn([12, 4]) }, opts);   // [2, 5, 4]
 */
export interface RnnLayerOptions {
  /** Run from the last time step to the first (the reverse half of a bidirectional layer). */
  reverse?: boolean;
  /** x is [B, T, I] and output [B, T, H] (default: sequence-major [T, B, *]). */
  batchFirst?: boolean;
  /** @internal run the naive native reference kernel (tests). */
  reference?: boolean;
}

/**
 * What `rnnLayer` and `gruLayer` return.
 * @example
 * const r: RnnLayerResult = rnnLayer(randn([5, 2, 3]), null, { weightIh: randn([4, 3]), weightHh: randn([4, 4]) });
 * console.log(r.output.shape, r.hn.shape);   // [5, 2, 4] [2, 4]
 */
export interface RnnLayerResult {
  /** Hidden state at every position: [T, B, H] ([B, T, H] with batchFirst). */
  output: Tensor;
  /** Final hidden state [B, H] (after position 0 when reverse). */
  hn: Tensor;
}
/**
 * What `lstmLayer` returns.
 * @example
 * const r: LstmLayerResult = lstmLayer(randn([5, 2, 3]), null, null, { weightIh: randn([16, 3]), weightHh: randn([16, 4]) });
 * console.log(r.cn.shape);   // [2, 4]
 */
export interface LstmLayerResult extends RnnLayerResult {
  /** Final cell state [B, H]. */
  cn: Tensor;
}

/**
 * One Elman RNN layer: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act tanh or relu.
 * h0 [B, H] (null: zeros).
 * @example
 * const x = randn([5, 2, 3]), H = 4;
 * const { output, hn } = rnnLayer(x, null, { weightIh: randn([H, 3]), weightHh: randn([H, H]) });
 */
export function rnnLayer(x: Tensor, h0: Tensor | null, params: RnnLayerParams,
  opts: RnnLayerOptions & { nonlinearity?: 'tanh' | 'relu' } = {}): RnnLayerResult {
  const nl = opts.nonlinearity ?? 'tanh';
  if (nl !== 'tanh' && nl !== 'relu') throw typeError('rnnLayer', `nonlinearity must be 'tanh' or 'relu', got ${String(nl)}`);
  const r = recurrent('rnnLayer', nl === 'tanh' ? RnnMode.RnnTanh : RnnMode.RnnRelu, x, h0, null, params, opts);
  return { output: r.output, hn: r.hn };
}

/**
 * One LSTM layer (gates i,f,g,o): c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t).
 * h0, c0 [B, H] (null: zeros).
 * @example
 * const H = 8, x = randn([10, 4, 3]);
 * const { output, hn, cn } = lstmLayer(x, null, null, { weightIh: randn([4 * H, 3]), weightHh: randn([4 * H, H]) });
 */
export function lstmLayer(x: Tensor, h0: Tensor | null, c0: Tensor | null, params: RnnLayerParams,
  opts: RnnLayerOptions = {}): LstmLayerResult {
  const r = recurrent('lstmLayer', RnnMode.Lstm, x, h0, c0, params, opts);
  return { output: r.output, hn: r.hn, cn: r.cn as Tensor };
}

/**
 * One GRU layer (gates r,z,n): n = tanh(W_in x + b_in + r*(W_hn h + b_hn)),
 * h_t = (1-z)*n + z*h_{t-1}. h0 [B, H] (null: zeros).
 * @example
 * const H = 8, x = randn([10, 4, 3]);
 * const { output, hn } = gruLayer(x, null, { weightIh: randn([3 * H, 3]), weightHh: randn([3 * H, H]) });
 */
export function gruLayer(x: Tensor, h0: Tensor | null, params: RnnLayerParams, opts: RnnLayerOptions = {}): RnnLayerResult {
  const r = recurrent('gruLayer', RnnMode.Gru, x, h0, null, params, opts);
  return { output: r.output, hn: r.hn };
}

function checkFloat(op: string, t: unknown, arg: string): Tensor {
  const x = checkTensor(op, t, arg);
  if (x.dtype !== 'float32') throw typeError(op, `${arg} must be float32, got ${x.dtype}`);
  return x;
}

function expectShape(op: string, t: Tensor, arg: string, want: number[], what: string): void {
  if (t.ndim !== want.length || t.shape.some((s, i) => s !== want[i])) {
    throw rangeError(op, `${arg} must have shape ${fmtShape(want)} (${what}), got ${fmtShape(t.shape)}`);
  }
}

function recurrent(op: string, mode: RnnMode, xIn: Tensor, h0In: Tensor | null, c0In: Tensor | null,
  params: RnnLayerParams, opts: RnnLayerOptions): { output: Tensor; hn: Tensor; cn: Tensor | null } {
  const lstm = mode === RnnMode.Lstm, G = GATES[mode];
  let x = checkFloat(op, xIn, 'x');
  if (params === null || typeof params !== 'object') throw typeError(op, 'params must be an object { weightIh, weightHh, biasIh?, biasHh? }');
  const wIh = checkFloat(op, params.weightIh, 'weightIh'), wHh = checkFloat(op, params.weightHh, 'weightHh');
  const hasBias = params.biasIh != null || params.biasHh != null;
  if (hasBias && (params.biasIh == null || params.biasHh == null)) {
    throw typeError(op, 'pass both biasIh and biasHh, or neither');
  }
  if (x.ndim !== 3) {
    throw rangeError(op, `x must be ${opts.batchFirst ? '[B, T, I]' : '[T, B, I]'}, got ${fmtShape(x.shape)}`);
  }
  if (opts.batchFirst) x = transpose(x, 0, 1);
  const [T, B, I] = x.shape;
  if (wHh.ndim !== 2 || wHh.shape[0] !== G * wHh.shape[1]) {
    throw rangeError(op, `weightHh must be [${G === 1 ? '' : `${G}*`}H, H], got ${fmtShape(wHh.shape)}`);
  }
  const H = wHh.shape[1];
  expectShape(op, wIh, 'weightIh', [G * H, I], `input size ${I} from x ${fmtShape(xIn.shape)}, hidden size ${H} from weightHh`);
  const bIh = hasBias ? checkFloat(op, params.biasIh, 'biasIh') : null;
  const bHh = hasBias ? checkFloat(op, params.biasHh, 'biasHh') : null;
  if (bIh) expectShape(op, bIh, 'biasIh', [G * H], `hidden size ${H}`);
  if (bHh) expectShape(op, bHh, 'biasHh', [G * H], `hidden size ${H}`);
  const dev = x.device;
  const h0 = h0In == null ? zeros([B, H], { device: dev }) : checkFloat(op, h0In, 'h0');
  expectShape(op, h0, 'h0', [B, H], `batch ${B}, hidden ${H}`);
  let c0: Tensor | null = null;
  if (lstm) {
    c0 = c0In == null ? zeros([B, H], { device: dev }) : checkFloat(op, c0In, 'c0');
    expectShape(op, c0, 'c0', [B, H], `batch ${B}, hidden ${H}`);
  }

  // Kernel operands: contiguous (copies stay in the graph, so gradients reach the originals).
  const inputs = [x, h0, c0, wIh, wHh, bIh, bHh].map((t) => (t ? contiguous(t) : null));
  const [xc, h0c, c0c, wIhc, wHhc, bIhc, bHhc] = inputs;
  const TBH = T * B * H, BH = B * H;
  const packed = Tensor.empty([TBH + BH + (lstm ? BH : 0)], 'float32', dev);
  const y = packed.view_([T, B, H], [B * H, H, 1], 0);
  const hn = packed.view_([B, H], [H, 1], TBH);
  const cn = lstm ? packed.view_([B, H], [H, 1], TBH + BH) : null;
  const reserve = Tensor.empty([T, B, RESERVE_PER_H[mode] * H], 'float32', dev);
  const impl = opts.reference ? 1 : 0, rev = opts.reverse ? 1 : 0;
  const fwd = dispatch('rnnForward').num(mode).num(rev).num(hasBias ? 1 : 0).num(impl);
  for (const t of [y, hn, cn, reserve, ...inputs]) fwd.t(t);
  fwd.run();
  y.dispose(); hn.dispose(); cn?.dispose();

  const nodeInputs = inputs.filter((t): t is Tensor => t !== null);
  if (isGradEnabled() && nodeInputs.some((t) => t.requiresGrad)) {
    const saved = packed.view_([T, B, H], [B * H, H, 1], 0);  // y, read by backward
    record(op, packed, nodeInputs, (gIn) => {
      const g = contiguous(gIn);
      const dy = g.view_([T, B, H], [B * H, H, 1], g.offset), dhn = g.view_([B, H], [H, 1], g.offset + TBH);
      const dcn = lstm ? g.view_([B, H], [H, 1], g.offset + TBH + BH) : null;
      const xg = xc as Tensor, needDx = xg.requiresGrad;
      const dx = needDx ? Tensor.empty(xg.shape, 'float32', dev) : null;
      const dh0 = Tensor.empty([B, H], 'float32', dev), dc0 = lstm ? Tensor.empty([B, H], 'float32', dev) : null;
      const dwIh = Tensor.empty([G * H, I], 'float32', dev), dwHh = Tensor.empty([G * H, H], 'float32', dev);
      const dbIh = hasBias ? Tensor.empty([G * H], 'float32', dev) : null, dbHh = hasBias ? Tensor.empty([G * H], 'float32', dev) : null;
      const bwd = dispatch('rnnBackward').num(mode).num(rev).num(hasBias ? 1 : 0).num(impl).num(needDx ? 1 : 0);
      for (const t of [dx, dh0, dc0, dwIh, dwHh, dbIh, dbHh, dy, dhn, dcn, ...inputs.slice(0, 5), saved, reserve]) bwd.t(t);
      bwd.run();
      return [dx, dh0, dc0, dwIh, dwHh, dbIh, dbHh].filter((_, i) => inputs[i] !== null);
    });
  } else {
    // Nothing will read the saved state: free it and the operand copies now.
    reserve.dispose();
    const originals = [x, h0, c0, wIh, wHh, bIh, bHh];
    inputs.forEach((t, i) => { if (t && t !== originals[i]) t.dispose(); });
    if (x !== xIn) x.dispose();
    if (h0 !== h0In) h0.dispose();
    if (c0 && c0 !== c0In) c0.dispose();
  }
  let output = reshape(slice(packed, 0, 0, TBH), [T, B, H]);
  if (opts.batchFirst) output = transpose(output, 0, 1);
  return {
    output,
    hn: reshape(slice(packed, 0, TBH, TBH + BH), [B, H]),
    cn: lstm ? reshape(slice(packed, 0, TBH + BH, TBH + 2 * BH), [B, H]) : null,
  };
}
