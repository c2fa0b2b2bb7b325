/**
 * ONNX converters for the built-in layers (inference semantics: Dropout is the identity,
 * BatchNorm uses its running statistics), their registry and shared helpers; containers,
 * Linear, Flatten, activations and Embedding here, conv/pool/resampling in ./spatial,
 * normalisation in ./norm, recurrent layers in ./rnn. Each converter checks its input's
 * shape as the module's forward would and states its output shape.
 */
import type { Tensor } from '../../tensor';
import { tidy } from '../../tensor';
import { noGrad } from '../../autograd/grad_mode';
import type { AnyModule } from '../../nn/module';
import { Sequential, ModuleList, ModuleDict } from '../../nn/layers/container';
import { Linear, Identity, Flatten, Dropout } from '../../nn/layers/linear';
import { ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax } from '../../nn/layers/activation';
import { Embedding } from '../../nn/layers/embedding';
import { fmtDims, type OnnxConverter, type OnnxGraph, type OnnxValue } from './graph';
import { checkDim, checkRank, dimProduct, reshape } from './ops';

/** Converters by exact constructor (a subclass may override forward, so it is not matched). */
export type ModuleClass<M extends AnyModule = AnyModule> = abstract new (...a: never[]) => M;
export const BUILTIN = new Map<ModuleClass, OnnxConverter>();
export function def<M extends AnyModule>(cls: ModuleClass<M>, conv: OnnxConverter<M>): void {
  BUILTIN.set(cls, conv as OnnxConverter);
}

/** The one input of a single-input layer. */
export function one(g: OnnxGraph, inputs: OnnxValue[]): OnnxValue {
  if (inputs.length !== 1) throw g.error(`takes one input, got ${inputs.length}`);
  return inputs[0];
}

/**
 * The converter `body` on a batched input: an unbatched one (one dim fewer, which forward()
 * also takes) gets a batch dim of 1 added before and removed after.
 */
export function withBatch(g: OnnxGraph, inputs: OnnxValue[], rank: number, layout: string, body: (x: OnnxValue) => OnnxValue): OnnxValue {
  const x = one(g, inputs);
  checkRank(g, x, [rank - 1, rank], layout);
  if (x.shape.length === rank) return body(x);
  const axis0 = g.int64s(`${g.path}.axis0`, [0]);
  const y = body(g.op('Unsqueeze', [x, axis0], [1, ...x.shape]));
  return g.op('Squeeze', [y, axis0], y.shape.slice(1));
}
export const IMAGE = '[C, H, W] or [N, C, H, W]';

export const pname = (g: OnnxGraph, n: string): string => (g.path ? `${g.path}.${n}` : n);

/** A parameter as an initializer named by its module path, optionally reshaped (e.g. [C] -> [C, 1, 1]). */
export function param(g: OnnxGraph, name: string, t: Tensor, shape?: number[]): OnnxValue {
  return tidy(() => noGrad(() => g.weight(pname(g, name), shape ? t.reshape(shape) : t)));
}

/** A per-channel [C] tensor as [C, 1, ...] to broadcast over x [N, C, ...]. */
export const perChannel = (g: OnnxGraph, name: string, t: Tensor | null, x: OnnxValue): OnnxValue | null =>
  (t ? param(g, name, t, [t.shape[0], ...Array<number>(x.shape.length - 2).fill(1)]) : null);

const unary = (op: string, attrs: (m: AnyModule) => Record<string, number | { float: number } | string> = () => ({})): OnnxConverter =>
  (g, m, inputs) => { const x = one(g, inputs); return g.op(op, [x], x.shape, attrs(m)); };

// ---- containers ------------------------------------------------------------------------------

def(Sequential, (g, m, inputs) => {
  let y = one(g, inputs);
  for (const child of m.children()) y = g.call1(child, y);
  return y;
});
for (const cls of [ModuleList, ModuleDict] as ModuleClass[]) {
  def(cls, (g) => { throw g.error('has no forward of its own; export the module that calls its items (with a converter for it)'); });
}

// ---- linear, identity, flatten -----------------------------------------------------------------

def(Linear, (g, m, inputs) => {
  const x = one(g, inputs);
  if (x.shape.length < 1) throw g.error(`expected an input [*, ${m.inFeatures}], got a scalar '${x.name}'`);
  checkDim(g, x, -1, m.inFeatures, 'inFeatures');
  const out = [...x.shape.slice(0, -1), m.outFeatures];
  const b = m.bias ? param(g, 'bias', m.bias) : null;
  if (x.shape.length === 2) return g.op('Gemm', [x, param(g, 'weight', m.weight), b], out, { transB: 1 });
  // NOTE: MatMul broadcasts over leading dims; the weight is stored transposed, [in, out].
  const wt = tidy(() => noGrad(() => g.weight(pname(g, 'weight'), m.weight.transpose(0, 1))));
  const y = g.op('MatMul', [x, wt], out);
  return b ? g.op('Add', [y, b], out) : y;
});

def(Identity, unary('Identity'));
def(Dropout, unary('Identity'));

def(Flatten, (g, m, inputs) => {
  const x = one(g, inputs), r = x.shape.length;
  const s = m.startDim < 0 ? m.startDim + r : m.startDim, e = m.endDim < 0 ? m.endDim + r : m.endDim;
  if (r === 0) return g.op('Reshape', [x, g.int64s(`${g.path}.shape`, [1])], [1]);
  if (s < 0 || s >= r || e < 0 || e >= r || s > e) throw g.error(`startDim ${m.startDim} and endDim ${m.endDim} do not fit input '${x.name}' ${fmtDims(x.shape)}`);
  const out = [...x.shape.slice(0, s), dimProduct(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  if (s === 1 && e === r - 1) return g.op('Flatten', [x], out, { axis: 1 });
  return reshape(g, x, out);
});

// ---- activations ---------------------------------------------------------------------------

def(ReLU, unary('Relu'));
def(LeakyReLU, unary('LeakyRelu', (m) => ({ alpha: { float: (m as LeakyReLU).negativeSlope } })));
def(ELU, unary('Elu', (m) => ({ alpha: { float: (m as ELU).alpha } })));
def(Sigmoid, unary('Sigmoid'));
def(Tanh, unary('Tanh'));
for (const [cls, op] of [[Softmax, 'Softmax'], [LogSoftmax, 'LogSoftmax']] as const) {
  def(cls, (g, m, inputs) => {
    const x = one(g, inputs), r = x.shape.length;
    if (m.dim < -Math.max(r, 1) || m.dim >= Math.max(r, 1)) throw g.error(`dim ${m.dim} is out of range for input '${x.name}' ${fmtDims(x.shape)}`);
    return g.op(op, [x], x.shape, { axis: m.dim });
  });
}
def(SiLU, (g, m, inputs) => { const x = one(g, inputs); return g.op('Mul', [x, g.op('Sigmoid', [x], x.shape)], x.shape); });

def(GELU, (g, m, inputs) => {
  const x = one(g, inputs), s = x.shape, c = (n: string, v: number): OnnxValue => g.floats(`${g.path}.${n}`, [v], []);
  if (g.opset >= 20) return g.op('Gelu', [x], s, { approximate: m.approximate });
  // Before opset 20: 0.5 x (1 + erf(x / √2)), or 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
  let inner: OnnxValue;
  if (m.approximate === 'tanh') {
    const cube = g.op('Mul', [g.op('Mul', [x, x], s), x], s);
    const arg = g.op('Mul', [g.op('Add', [x, g.op('Mul', [cube, c('k', 0.044715)], s)], s), c('sqrt_2_over_pi', Math.sqrt(2 / Math.PI))], s);
    inner = g.op('Tanh', [arg], s);
  } else {
    inner = g.op('Erf', [g.op('Mul', [x, c('inv_sqrt2', Math.SQRT1_2)], s)], s);
  }
  return g.op('Mul', [g.op('Mul', [x, c('half', 0.5)], s), g.op('Add', [inner, c('one', 1)], s)], s);
});

def(Softplus, (g, m, inputs) => {
  // PyTorch: x where beta x > threshold, else log(1 + exp(beta x)) / beta.
  const x = one(g, inputs), s = x.shape;
  const beta = m.beta === 1 ? null : g.floats(`${g.path}.beta`, [m.beta], []);
  const bx = beta ? g.op('Mul', [x, beta], s) : x;
  let sp = g.op('Softplus', [bx], s);
  if (beta) sp = g.op('Div', [sp, beta], s);
  const big = g.op('Greater', [bx, g.floats(`${g.path}.threshold`, [m.threshold], [])], s, {}, 'bool');
  return g.op('Where', [big, x, sp], s, {}, 'float32');
});

// ---- embedding -----------------------------------------------------------------------------

def(Embedding, (g, m, inputs) => {
  const idx = one(g, inputs);
  if (idx.dtype === 'float32') throw g.error(`expects int32 or int64 indices, got float32 input '${idx.name}' (give the input dtype: 'int32')`);
  return g.op('Gather', [param(g, 'weight', m.weight), idx], [...idx.shape, m.embeddingDim], { axis: 0 }, 'float32');
});

/** A size or pair option as a pair (`dflt` when absent). */
export const pair = (v: number | number[] | null | undefined, dflt: number[]): number[] =>
  (v === null || v === undefined ? dflt : Array.isArray(v) ? [v[0], v[1]] : [v, v]);
