/** ONNX converters for convolution, pooling and resampling (Conv, ConvTranspose, MaxPool,
 * AveragePool, GlobalAveragePool, Resize). */
import { Conv1d, Conv2d, ConvTranspose2d } from '../../nn/layers/conv';
import { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from '../../nn/layers/pooling';
import { Upsample } from '../../nn/layers/upsampling';
import { fmtDims, type Dim, type OnnxGraph, type OnnxValue } from './graph';
import { checkDim, checkRank, staticDim } from './ops';
import { def, IMAGE, one, pair, param, withBatch } from './layers';

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
