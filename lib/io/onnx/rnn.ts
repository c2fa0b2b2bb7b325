/**
 * RNN, LSTM and GRU as ONNX RNN/LSTM/GRU nodes, one per layer (both directions in one node).
 *
 * Gate orders differ: ours (PyTorch's) stack LSTM gates as i, f, g, o and GRU gates as
 * r, z, n; ONNX wants LSTM as i, o, f, c (c = our g) and GRU as z, r, h. Our GRU applies
 * the reset gate after the recurrent matmul (n = tanh(W_in x + b_in + r * (W_hn h + b_hn))),
 * which is ONNX's linear_before_reset = 1. ONNX B is [Wb, Rb] concatenated per direction.
 *
 * Shapes: x [T, B, I] ([B, T, I] with batchFirst, transposed in and out); a node gives
 * Y [T, D, B, H] and Y_h (Y_c) [D, B, H]; Y becomes [T, B, D*H] for the next layer, and the
 * layers' Y_h are concatenated to hn [L*D, B, H].
 * Inputs: x, and optionally h0 (and c0 for LSTM) [L*D, B, H] (zeros when absent), sliced
 * per layer. Outputs: RNN/GRU -> [output, hn], LSTM -> [output, hn, cn].
 */
import { tidy, type Tensor } from '../../tensor';
import { noGrad } from '../../autograd/grad_mode';
import { cat, stack } from '../../ops/join';
import { RNN, LSTM, GRU } from '../../nn/layers/rnn';
import { fmtDims, sameDim, type OnnxGraph, type OnnxValue } from './graph';
import { checkDim, checkRank, reshape, transpose } from './ops';
import { def, type ModuleClass } from './layers';

type Recurrent = RNN | LSTM | GRU;

/** ONNX gate order as indices of our gate blocks. */
const ORDER = { LSTM: [0, 3, 1, 2], GRU: [1, 0, 2], RNN: [0] } as const;

const opOf = (m: Recurrent): 'LSTM' | 'GRU' | 'RNN' => (m instanceof LSTM ? 'LSTM' : m instanceof GRU ? 'GRU' : 'RNN');

/** t [G*H, ...] with its G gate blocks of H rows put in `order`. */
function reorder(t: Tensor, order: readonly number[], H: number): Tensor {
  return cat(order.map((k) => t.slice(0, k * H, (k + 1) * H)), 0);
}

function convert(g: OnnxGraph, m: Recurrent, inputs: OnnxValue[]): OnnxValue[] {
  const op = opOf(m), order = ORDER[op], most = op === 'LSTM' ? 3 : 2;
  if (inputs.length < 1 || inputs.length > most) {
    throw g.error(`takes the input sequence${op === 'LSTM' ? ', optionally h0 and c0' : ' and optionally h0'}, got ${inputs.length} inputs`);
  }
  const xIn = inputs[0];
  checkRank(g, xIn, [3], m.batchFirst ? '[B, T, inputSize]' : '[T, B, inputSize]');
  checkDim(g, xIn, -1, m.inputSize, 'inputSize');
  const H = m.hiddenSize, D = m.bidirectional ? 2 : 1, L = m.numLayers;
  const params = m as unknown as Record<string, Tensor>;
  let x = m.batchFirst ? transpose(g, xIn, [1, 0, 2]) : xIn;  // [T, B, I]
  const [T, B] = x.shape;
  const [h0, c0] = inputs.slice(1).map((s, i) => {
    const want = [L * D, B, H];
    if (s.shape.length !== 3 || !s.shape.every((d, j) => sameDim(d, want[j]))) {
      throw g.error(`expected ${i ? 'c0' : 'h0'} of shape ${fmtDims(want)} for input '${xIn.name}' ${fmtDims(xIn.shape)}, got '${s.name}' ${fmtDims(s.shape)}`);
    }
    return s;
  });
  /** Layer l's [D, B, H] part of an initial state [L*D, B, H]. */
  const part = (s: OnnxValue | undefined, l: number): OnnxValue | null => {
    if (!s) return null;
    if (L === 1) return s;
    const at = (n: string, v: number): OnnxValue => g.int64s(`${g.path}.${n}`, [v]);
    return g.op('Slice', [s, at('start', l * D), at('end', (l + 1) * D), at('axis0', 0)], [D, B, H]);
  };
  const hs: OnnxValue[] = [], cs: OnnxValue[] = [];
  for (let l = 0; l < L; l++) {
    const sfx = D === 2 ? ['', '_reverse'] : [''];
    const get = (n: string): Tensor[] => sfx.map((s) => params[`${n}_l${l}${s}`]);
    const name = (n: string): string => `${g.path ? `${g.path}.` : ''}${n}_l${l}`;
    const [W, R, Bias] = tidy(() => noGrad(() => [
      g.weight(name('W'), stack(get('weight_ih').map((w) => reorder(w, order, H)), 0)),
      g.weight(name('R'), stack(get('weight_hh').map((w) => reorder(w, order, H)), 0)),
      m.bias ? g.weight(name('B'), stack(sfx.map((s) => cat([reorder(params[`bias_ih_l${l}${s}`], order, H), reorder(params[`bias_hh_l${l}${s}`], order, H)], 0)), 0)) : null,
    ]));
    const attrs = {
      hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward',
      ...(op === 'GRU' ? { linear_before_reset: 1 } : {}),
      ...(op === 'RNN' ? { activations: Array<string>(D).fill(m.getConfig().nonlinearity === 'relu' ? 'Relu' : 'Tanh') } : {}),
    };
    const outShapes = [[T, D, B, H], [D, B, H], ...(op === 'LSTM' ? [[D, B, H]] : [])];
    // Inputs: X, W, R, B, sequence_lens (all full length here), initial_h, initial_c.
    const [Y, Yh, Yc] = g.node(op, [x, W, R, Bias, null, part(h0, l), part(c0, l)], outShapes, attrs);
    hs.push(Yh);
    if (Yc) cs.push(Yc);
    // [T, D, B, H] -> [T, B, D*H]
    x = D === 1 ? g.op('Squeeze', [Y, g.int64s(`${g.path}.axis1`, [1])], [T, B, H]) : reshape(g, transpose(g, Y, [0, 2, 1, 3]), [T, B, D * H]);
  }
  const join = (vs: OnnxValue[]): OnnxValue => (vs.length === 1 ? vs[0] : g.op('Concat', vs, [L * D, B, H], { axis: 0 }));
  const output = m.batchFirst ? transpose(g, x, [1, 0, 2]) : x;
  return op === 'LSTM' ? [output, join(hs), join(cs)] : [output, join(hs)];
}

for (const cls of [RNN, LSTM, GRU] as ModuleClass<Recurrent>[]) def(cls, convert);
