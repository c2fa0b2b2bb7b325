/**
 * ONNX converters for the built-in layers (inference semantics: Dropout is the identity,
 * BatchNorm uses its running statistics). Each checks its input's shape as the module's
 * forward would and states its output shape. The recurrent layers are in ./rnn.
 */
import type { Tensor } from '../../tensor';
import { tidy } from '../../tensor';
import { noGrad } from '../../autograd/grad_mode';
import type { AnyModule } from '../../nn/module';
import { Sequential, ModuleList, ModuleDict } from '../../nn/layers/container';
import { Linear, Identity, Flatten, Dropout } from '../../nn/layers/linear';
import { ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax } from '../../nn/layers/activation';
import { Embedding } from '../../nn/layers/embedding';
import { Conv1d, Conv2d, ConvTranspose2d } from '../../nn/layers/conv';
import { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from '../../nn/layers/pooling';
import { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm } from '../../nn/layers/normalization';
import { Upsample } from '../../nn/layers/upsampling';
import { fmtDims, isStatic, type Dim, type OnnxConverter, type OnnxGraph, type OnnxValue } from './graph';
import { channelAffine, checkDim, checkRank, dimProduct, normalize, reshape, staticDim } from './ops';

/** Converters by exact constructor (a subclass may override forward, so it is not matched). */
export type ModuleClass<M extends AnyModule = AnyModule> = abstract new (...a: never[]) => M;
export const BUILTIN = new Map<ModuleClass, OnnxConverter>();
export function def<M extends AnyModule>(cls: ModuleClass<M>, conv: OnnxConverter<M>): void {
  BUILTIN.set(cls, conv as OnnxConverter);
}

/** The one input of a single-input layer. */
function one(g: OnnxGraph, inputs: OnnxValue[]): OnnxValue {
  if (inputs.length !== 1) throw g.error(`takes one input, got ${inputs.length}`);
  return inputs[0];
}

/**
 * The converter `body` on a batched input: an unbatched one (one dim fewer, which forward()
 * also takes) gets a batch dim of 1 added before and removed after.
 */
function withBatch(g: OnnxGraph, inputs: OnnxValue[], rank: number, layout: string, body: (x: OnnxValue) => OnnxValue): OnnxValue {
  const x = one(g, inputs);
  checkRank(g, x, [rank - 1, rank], layout);
  if (x.shape.length === rank) return body(x);
  const axis0 = g.int64s(`${g.path}.axis0`, [0]);
  const y = body(g.op('Unsqueeze', [x, axis0], [1, ...x.shape]));
  return g.op('Squeeze', [y, axis0], y.shape.slice(1));
}
const IMAGE = '[C, H, W] or [N, C, H, W]';

const pname = (g: OnnxGraph, n: string): string => (g.path ? `${g.path}.${n}` : n);

/** A parameter as an initializer named by its module path, optionally reshaped (e.g. [C] -> [C, 1, 1]). */
function param(g: OnnxGraph, name: string, t: Tensor, shape?: number[]): OnnxValue {
  return tidy(() => noGrad(() => g.weight(pname(g, name), shape ? t.reshape(shape) : t)));
}

/** A per-channel [C] tensor as [C, 1, ...] to broadcast over x [N, C, ...]. */
const perChannel = (g: OnnxGraph, name: string, t: Tensor | null, x: OnnxValue): OnnxValue | null =>
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

// ---- convolution ---------------------------------------------------------------------------

/** Output size of a conv/pool window along one dim. */
const windowOut = (i: number, k: number, s: number, pl: number, pr: number, d: number): number =>
  Math.floor((i + pl + pr - d * (k - 1) - 1) / s) + 1;

/** Begin/end pads [b0, b1, ..., e0, e1, ...] for PyTorch padding (a size, 'same' or 'valid'). */
function convPads(g: OnnxGraph, padding: number[] | 'same' | 'valid', k: number[], d: number[], s: number[]): number[] {
  if (padding === 'valid') return k.map(() => 0).concat(k.map(() => 0));
  if (padding === 'same') {
    if (s.some((v) => v !== 1)) throw g.error(`padding='same' needs stride 1, got ${fmtDims(s)}`);
    // PyTorch: total = dilation * (k - 1); the extra odd pixel goes to the end.
    const total = k.map((kk, i) => d[i] * (kk - 1));
    return total.map((t) => t >> 1).concat(total.map((t) => t - (t >> 1)));
  }
  return padding.concat(padding);
}

function conv(g: OnnxGraph, x: OnnxValue, m: Conv1d | Conv2d, k: number[], s: number[], padding: number[] | 'same' | 'valid', d: number[]): OnnxValue {
  const nd = k.length, layout = nd === 1 ? '[N, C, L]' : '[N, C, H, W]';
  checkRank(g, x, [nd + 2], layout);
  checkDim(g, x, 1, m.inChannels, 'inChannels');
  const pads = convPads(g, padding, k, d, s);
  const spatial = k.map((_, i) => staticDim(g, x, 2 + i, 'a spatial size'));
  const out = spatial.map((i, j) => windowOut(i, k[j], s[j], pads[j], pads[nd + j], d[j]));
  if (out.some((o) => o < 1)) throw g.error(`input '${x.name}' ${fmtDims(x.shape)} is smaller than the kernel ${fmtDims(k)} (with padding and dilation)`);
  return g.op('Conv', [x, param(g, 'weight', m.weight), m.bias ? param(g, 'bias', m.bias) : null], [x.shape[0], m.outChannels, ...out],
    { kernel_shape: k, strides: s, pads, dilations: d, group: m.groups });
}

def(Conv2d, (g, m, inputs) => withBatch(g, inputs, 4, IMAGE, (x) => conv(g, x, m, m.kernelSize, m.stride, m.padding, m.dilation)));
def(Conv1d, (g, m, inputs) => withBatch(g, inputs, 3, '[C, L] or [N, C, L]',
  (x) => conv(g, x, m, [m.kernelSize], [m.stride], typeof m.padding === 'string' ? m.padding : [m.padding], [m.dilation])));

def(ConvTranspose2d, (g, m, inputs) => withBatch(g, inputs, 4, IMAGE, (x) => {
  checkDim(g, x, 1, m.inChannels, 'inChannels');
  const [k, s, p, op, d] = [m.kernelSize, m.stride, m.padding, m.outputPadding, m.dilation];
  const out = [0, 1].map((j) => (staticDim(g, x, 2 + j, 'a spatial size') - 1) * s[j] - 2 * p[j] + d[j] * (k[j] - 1) + op[j] + 1);
  if (out.some((o) => o < 1)) throw g.error(`input '${x.name}' ${fmtDims(x.shape)} gives an empty output ${fmtDims(out)}`);
  return g.op('ConvTranspose', [x, param(g, 'weight', m.weight), m.bias ? param(g, 'bias', m.bias) : null], [x.shape[0], m.outChannels, ...out],
    { kernel_shape: k, strides: s, pads: [...p, ...p], output_padding: op, dilations: d, group: m.groups });
}));

// ---- pooling ---------------------------------------------------------------------------------

const pair = (v: number | number[] | null | undefined, dflt: number[]): number[] =>
  (v === null || v === undefined ? dflt : Array.isArray(v) ? [v[0], v[1]] : [v, v]);

/** PyTorch's pooled size (with ceilMode the last window must start inside input or left padding). */
function poolOut(i: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const num = i + 2 * p - d * (k - 1) - 1;
  let o = Math.floor((ceil ? num + s - 1 : num) / s) + 1;
  if (ceil && (o - 1) * s >= i + p) o--;
  return o;
}

/**
 * A pooling window's output shape (PyTorch's sizes) and ONNX pads [top, left, bottom, right].
 * NOTE: ceilMode is written as floor mode with the bottom/right pads grown to give PyTorch's
 * size: ONNX's ceil_mode keeps a last window that starts in the right padding, PyTorch drops
 * it, and onnxruntime's kernel and the spec's shape inference disagree on that case.
 */
function poolWindow(g: OnnxGraph, x: OnnxValue, k: number[], s: number[], p: number[], d: number[], ceil: boolean): { shape: Dim[]; pads: number[]; HW: number[] } {
  checkRank(g, x, [4], '[N, C, H, W]');
  const HW = [0, 1].map((j) => staticDim(g, x, 2 + j, 'a spatial size'));
  const out = HW.map((i, j) => poolOut(i, k[j], s[j], p[j], d[j], ceil));
  if (out.some((o) => o < 1)) throw g.error(`input '${x.name}' ${fmtDims(x.shape)} is smaller than the window ${fmtDims(k)}`);
  const end = out.map((o, j) => Math.max(p[j], (o - 1) * s[j] + d[j] * (k[j] - 1) + 1 - HW[j] - p[j]));
  return { shape: [x.shape[0], x.shape[1], ...out], pads: [...p, ...end], HW };
}

def(MaxPool2d, (g, m, inputs) => withBatch(g, inputs, 4, IMAGE, (x) => {
  const o = m.opts, k = pair(m.kernelSize, []);
  const s = pair(o.stride, k), p = pair(o.padding, [0, 0]), d = pair(o.dilation, [1, 1]);
  const { shape, pads } = poolWindow(g, x, k, s, p, d, o.ceilMode === true);
  return g.op('MaxPool', [x], shape, { kernel_shape: k, strides: s, pads, dilations: d });
}));

/** Per output position along one dim: [real elements in the window, PyTorch's divisor share]. */
function avgCounts(o: number, i: number, k: number, s: number, p: number, inclPad: boolean): [number, number] {
  const start = o * s - p, real = Math.min(start + k, i) - Math.max(start, 0);
  return [real, inclPad ? Math.min(start + k, i + p) - start : real];
}

def(AvgPool2d, (g, m, inputs) => withBatch(g, inputs, 4, IMAGE, (x) => {
  const o = m.opts, k = pair(m.kernelSize, []);
  const s = pair(o.stride, k), p = pair(o.padding, [0, 0]), inclPad = o.countIncludePad !== false, div = o.divisorOverride ?? null;
  const { shape, pads, HW } = poolWindow(g, x, k, s, p, [1, 1], o.ceilMode === true);
  const grown = pads[2] !== p[0] || pads[3] !== p[1];
  if (!grown && div === null) return g.op('AveragePool', [x], shape, { kernel_shape: k, strides: s, pads, count_include_pad: inclPad ? 1 : 0 });
  // PyTorch's divisor is not ONNX's here (a divisorOverride, or windows clipped at the grown
  // pads): average the real elements only, then rescale each position by real / divisor.
  const y = g.op('AveragePool', [x], shape, { kernel_shape: k, strides: s, pads, count_include_pad: 0 });
  const [OH, OW] = shape.slice(2) as number[], ratio: number[] = [];
  for (let oh = 0; oh < OH; oh++) {
    const [rh, dh] = avgCounts(oh, HW[0], k[0], s[0], p[0], inclPad);
    for (let ow = 0; ow < OW; ow++) {
      const [rw, dw] = avgCounts(ow, HW[1], k[1], s[1], p[1], inclPad);
      ratio.push((rh * rw) / (div ?? dh * dw));
    }
  }
  return g.op('Mul', [y, g.floats(`${g.path}.divisor`, ratio, [OH, OW])], shape);
}));

def(AdaptiveAvgPool2d, (g, m, inputs) => withBatch(g, inputs, 4, IMAGE, (x) => {
  const H = staticDim(g, x, 2, 'the height'), W = staticDim(g, x, 3, 'the width');
  const [oh, ow] = pair(m.outputSize as number | number[], []).map((v, i) => (v === null ? [H, W][i] : v));
  if (oh === 1 && ow === 1) return g.op('GlobalAveragePool', [x], [x.shape[0], x.shape[1], 1, 1]);
  if (H % oh !== 0 || W % ow !== 0) {
    throw g.error(`output size [${oh}, ${ow}] does not divide the input size [${H}, ${W}]; ONNX has no adaptive pooling with uneven windows`);
  }
  const k = [H / oh, W / ow];
  return g.op('AveragePool', [x], [x.shape[0], x.shape[1], oh, ow], { kernel_shape: k, strides: k });
}));

// ---- normalisation ---------------------------------------------------------------------------

function batchNorm(g: OnnxGraph, m: BatchNorm1d | BatchNorm2d, x: OnnxValue): OnnxValue {
  checkDim(g, x, 1, m.numFeatures, 'numFeatures');
  if (!m.running_mean || !m.running_var) {
    // No running statistics: inference uses the batch's own, as forward() does.
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    return channelAffine(g, normalize(g, x, axes, m.eps), perChannel(g, 'weight', m.weight, x), perChannel(g, 'bias', m.bias, x));
  }
  const C = m.numFeatures;
  const scale = m.weight ? param(g, 'weight', m.weight) : g.floats(pname(g, 'weight'), Array<number>(C).fill(1));
  const bias = m.bias ? param(g, 'bias', m.bias) : g.floats(pname(g, 'bias'), Array<number>(C).fill(0));
  return g.op('BatchNormalization', [x, scale, bias, param(g, 'running_mean', m.running_mean), param(g, 'running_var', m.running_var)],
    x.shape, { epsilon: { float: m.eps } });
}
def(BatchNorm1d, (g, m, inputs) => { const x = one(g, inputs); checkRank(g, x, [2, 3], '[N, C] or [N, C, L]'); return batchNorm(g, m, x); });
def(BatchNorm2d, (g, m, inputs) => { const x = one(g, inputs); checkRank(g, x, [4], '[N, C, H, W]'); return batchNorm(g, m, x); });

def(LayerNorm, (g, m, inputs) => {
  const x = one(g, inputs), k = m.normalizedShape.length;
  const tail = x.shape.slice(-k);
  if (x.shape.length < k || tail.join() !== m.normalizedShape.join()) {
    throw g.error(`input '${x.name}' ${fmtDims(x.shape)} must end in normalizedShape ${fmtDims(m.normalizedShape)}`);
  }
  const n = m.normalizedShape.reduce((a, b) => a * b, 1);
  const scale = m.weight ? param(g, 'weight', m.weight) : g.floats(pname(g, 'weight'), Array<number>(n).fill(1), m.normalizedShape);
  return g.op('LayerNormalization', [x, scale, m.bias ? param(g, 'bias', m.bias) : null], x.shape, { axis: -k, epsilon: { float: m.eps } });
});

def(GroupNorm, (g, m, inputs) => {
  const x = one(g, inputs), C = m.numChannels, G = m.numGroups;
  if (x.shape.length < 2) throw g.error(`expected an input [N, ${C}, ...], got '${x.name}' ${fmtDims(x.shape)}`);
  checkDim(g, x, 1, C, 'numChannels');
  if (g.opset >= 21) {
    // GroupNormalization-21: per-channel scale and bias [C].
    const scale = m.weight ? param(g, 'weight', m.weight) : g.floats(pname(g, 'weight'), Array<number>(C).fill(1));
    const bias = m.bias ? param(g, 'bias', m.bias) : g.floats(pname(g, 'bias'), Array<number>(C).fill(0));
    return g.op('GroupNormalization', [x, scale, bias], x.shape, { num_groups: G, epsilon: { float: m.eps } });
  }
  let y: OnnxValue;
  if (g.opset >= 18) {
    // NOTE: GroupNormalization-18 takes scale and bias per group ([G]); PyTorch's are per
    // channel, so the op normalises only and the affine follows as Mul/Add.
    y = g.op('GroupNormalization', [x, g.floats(`${g.path}.ones`, Array<number>(G).fill(1)), g.floats(`${g.path}.zeros`, Array<number>(G).fill(0))],
      x.shape, { num_groups: G, epsilon: { float: m.eps } });
  } else {
    // Opset 17: [N, G, C/G * spatial], normalised over the last axis, back to x's shape.
    const rest = dimProduct(x.shape.slice(1));
    const grouped = reshape(g, x, [x.shape[0], G, isStatic(rest) ? rest / G : `${rest}/${G}`]);
    const normed = normalize(g, grouped, [2], m.eps);
    y = g.op('Reshape', [normed, g.op('Shape', [x], [x.shape.length], {}, 'int64')], x.shape);
  }
  return channelAffine(g, y, perChannel(g, 'weight', m.weight, x), perChannel(g, 'bias', m.bias, x));
});

// ---- resampling ------------------------------------------------------------------------------

def(Upsample, (g, m, inputs) => {
  const x = one(g, inputs), o = m.opts, mode = o.mode ?? 'nearest';
  checkRank(g, x, [4], '[N, C, H, W]');
  const H = staticDim(g, x, 2, 'the height'), W = staticDim(g, x, 3, 'the width');
  const attrs = mode === 'nearest'
    ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
    : { mode: 'linear', coordinate_transformation_mode: o.alignCorners ? 'align_corners' : 'pytorch_half_pixel' };
  if (o.size === undefined && o.scaleFactor !== undefined && !o.recomputeScaleFactor) {
    // The given factors set both the output size (floor(H * s)) and the sampling grid, as in PyTorch.
    const [sh, sw] = pair(o.scaleFactor, []);
    const shape = [x.shape[0], x.shape[1], Math.floor(H * sh), Math.floor(W * sw)];
    return g.op('Resize', [x, null, g.floats(`${g.path}.scales`, [1, 1, sh, sw])], shape, attrs);
  }
  const [oh, ow] = o.size !== undefined ? pair(o.size, []) : pair(o.scaleFactor, []).map((f, i) => Math.floor([H, W][i] * f));
  // sizes = [N, C] of the input (N may be symbolic) followed by [OH, OW].
  const nc = g.op('Shape', [x], [2], { start: 0, end: 2 }, 'int64');
  const sizes = g.op('Concat', [nc, g.int64s(`${g.path}.size`, [oh, ow])], [4], { axis: 0 }, 'int64');
  return g.op('Resize', [x, null, null, sizes], [x.shape[0], x.shape[1], oh, ow], attrs);
});
