/**
 * nn.init: in-place parameter initialisers, as torch.nn.init (camelCase; each also under
 * PyTorch's trailing-underscore name, e.g. `xavierUniform_`). All run under noGrad, draw
 * from the global generator (`manualSeed`) and return the tensor they filled.
 * @example
 * const layer = new nn.Linear(128, 64);
 * nn.init.kaimingUniform(layer.weight, { nonlinearity: 'relu' });
 * nn.init.zeros(layer.bias!);
 */
import { Tensor, tidy } from '../tensor';
import { noGrad } from '../autograd/grad_mode';
import { rand, randn, tensor } from '../ops/creation';
import { fmtShape, rangeError, typeError } from '../errors';
import { checkOptions } from '../options';

/**
 * The activations `calculateGain` knows (PyTorch's names, and camelCase forms).
 * @example
 * const act: nn.init.Nonlinearity = 'leakyRelu';
 * const gain = nn.init.calculateGain(act, 0.2);
 */
export type Nonlinearity = 'linear' | 'identity' | 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' |
  'convTranspose2d' | 'convTranspose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu' |
  'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d' | 'leaky_relu';

/**
 * Which fan Kaiming initialisation scales by.
 * @example
 * const mode: nn.init.FanMode = 'fanIn';
 * const w = nn.init.kaimingUniform(zeros([16, 8]), { mode });
 */
export type FanMode = 'fanIn' | 'fanOut' | 'fan_in' | 'fan_out';

/**
 * The recommended gain for a nonlinearity (PyTorch's table): 1 for linear/conv/sigmoid,
 * 5/3 for tanh, √2 for relu, √(2/(1+slope²)) for leakyRelu (param = slope, default 0.01),
 * 3/4 for selu.
 * @example
 * console.log(nn.init.calculateGain('relu'), nn.init.calculateGain('tanh'));   // 1.414... 1.666...
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'sigmoid':
    case 'conv1d': case 'conv2d': case 'conv3d':
    case 'convTranspose1d': case 'convTranspose2d': case 'convTranspose3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw typeError('calculateGain', `negative slope ${slope} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw typeError('calculateGain', `unsupported nonlinearity ${String(nonlinearity)}`);
  }
}

/**
 * [fanIn, fanOut] of a weight: dims 1 and 0 times the receptive field (dims 2+).
 * @example
 * console.log(nn.init.calculateFanInAndFanOut(zeros([16, 3, 5, 5])));   // [75, 400]
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) throw rangeError('init', `fan in and fan out need a tensor with at least 2 dims, got ${fmtShape(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fill(op: string, t: Tensor, make: () => Tensor): Tensor {
  if (!(t instanceof Tensor)) throw typeError(op, `expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.dtype !== 'float32') throw typeError(op, `expected a float32 tensor, got ${t.dtype}`);
  if (t.numel === 0) return t;
  noGrad(() => tidy(() => { t.copy_(make()); }));
  return t;
}

/**
 * Fills with U(a, b).
 * @example
 * const w = nn.init.uniform(zeros([4, 4]), -0.1, 0.1);   // fills in place and returns w
 */
export function uniform(t: Tensor, a = 0, b = 1): Tensor {
  if (!(b >= a)) throw rangeError('uniform', `need a <= b, got ${a}, ${b}`);
  return fill('uniform', t, () => (b > a ? rand(t.shape, { low: a, high: b }) : tensor(a)));
}

/**
 * Fills with N(mean, std²).
 * @example
 * const layer = new nn.Linear(8, 8);
 * nn.init.normal(layer.weight, 0, 0.02);
 */
export function normal(t: Tensor, mean = 0, std = 1): Tensor {
  if (!(std >= 0)) throw rangeError('normal', `std must be non-negative, got ${std}`);
  return fill('normal', t, () => randn(t.shape, { mean, std }));
}

/**
 * Fills t with `value` in place (no autograd record) and returns it.
 * @example
 * const layer = new nn.Linear(8, 8);
 * nn.init.constant(layer.bias!, 0.1);
 */
export function constant(t: Tensor, value: number): Tensor {
  if (typeof value !== 'number') throw typeError('constant', `value must be a number, got ${typeof value}`);
  return fill('constant', t, () => tensor(value));
}
/**
 * Fills t with zeros in place and returns it.
 * @example
 * const b = nn.init.zeros(new nn.Linear(2, 2).bias!);
 */
export const zeros = (t: Tensor): Tensor => constant(t, 0);
/**
 * Fills t with ones in place and returns it.
 * @example
 * const g = nn.init.ones(new nn.LayerNorm(8).weight!);
 */
export const ones = (t: Tensor): Tensor => constant(t, 1);

/**
 * Glorot uniform: U(-a, a) with a = gain·√(6/(fanIn+fanOut)).
 * @example
 * const layer = new nn.Linear(64, 32);
 * nn.init.xavierUniform(layer.weight, nn.init.calculateGain('tanh'));
 */
export function xavierUniform(t: Tensor, gain = 1): Tensor {
  const [fi, fo] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fi + fo));
  return uniform(t, -a, a);
}

/**
 * Glorot normal: N(0, std²) with std = gain·√(2/(fanIn+fanOut)).
 * @example
 * const w = nn.init.xavierNormal(zeros([32, 64]));
 */
export function xavierNormal(t: Tensor, gain = 1): Tensor {
  const [fi, fo] = calculateFanInAndFanOut(t);
  return normal(t, 0, gain * Math.sqrt(2 / (fi + fo)));
}

/**
 * Options of `kaimingUniform` / `kaimingNormal` (or just the negative slope `a` as a number).
 * @example
 * const opts: nn.init.KaimingOptions = { a: 0.2, mode: 'fanIn', nonlinearity: 'leakyRelu' };
 * const w = nn.init.kaimingNormal(zeros([32, 16]), opts);
 */
export interface KaimingOptions {
  /** Negative slope of the leaky relu after this layer (0 = relu). */
  a?: number;
  /** 'fanIn' (default) preserves the forward variance, 'fanOut' the backward one. */
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

/** Kaiming options, or a number: PyTorch's positional `a` (kaiming_uniform_(w, a=math.sqrt(5))). */
function kaimingStd(op: string, t: Tensor, optsIn: KaimingOptions | number): number {
  const opts: KaimingOptions = typeof optsIn === 'number' ? { a: optsIn } : optsIn ?? {};
  checkOptions(op, opts, ['a', 'mode', 'nonlinearity']);
  const mode = opts.mode ?? 'fanIn';
  if (!['fanIn', 'fanOut', 'fan_in', 'fan_out'].includes(mode)) throw typeError(op, `mode must be 'fanIn' or 'fanOut', got ${String(mode)}`);
  const [fi, fo] = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' || mode === 'fan_in' ? fi : fo;
  if (fan === 0) throw rangeError(op, `cannot initialise a tensor with a zero fan (${fmtShape(t.shape)})`);
  return calculateGain(opts.nonlinearity ?? 'leakyRelu', opts.a ?? 0) / Math.sqrt(fan);
}

/**
 * He uniform: U(-b, b) with b = gain·√(3/fan).
 * @example
 * const w = zeros([64, 32]);
 * nn.init.kaimingUniform(w, { a: 0, mode: 'fanIn', nonlinearity: 'relu' });
 */
export function kaimingUniform(t: Tensor, opts: KaimingOptions | number = {}): Tensor {
  const b = Math.sqrt(3) * kaimingStd('kaimingUniform', t, opts);
  return uniform(t, -b, b);
}

/**
 * He normal: N(0, (gain/√fan)²).
 * @example
 * const conv = new nn.Conv2d(3, 16, 3);
 * nn.init.kaimingNormal(conv.weight, { mode: 'fanOut', nonlinearity: 'relu' });
 */
export function kaimingNormal(t: Tensor, opts: KaimingOptions | number = {}): Tensor {
  return normal(t, 0, kaimingStd('kaimingNormal', t, opts));
}

/**
 * A (semi-)orthogonal matrix (the tensor viewed as [shape[0], rest]) scaled by gain: the Q
 * of a QR decomposition of a Gaussian matrix, signs fixed by R's diagonal, as PyTorch does.
 * NOTE: the QR is modified Gram-Schmidt in float64 in JS; fine at init time.
 * @example
 * const lstm = new nn.LSTM(8, 8);
 * for (const [name, p] of lstm.namedParameters()) if (name.startsWith('weight_hh')) nn.init.orthogonal(p);
 */
export function orthogonal(t: Tensor, gain = 1): Tensor {
  if (t.ndim < 2) throw rangeError('orthogonal', `only tensors with 2 or more dims are supported, got ${fmtShape(t.shape)}`);
  if (t.numel === 0) return t;
  const rows = t.shape[0], cols = t.numel / rows;
  const g = randn([rows, cols]);
  const flat = Float64Array.from(g.dataSync());
  g.dispose();
  // Work on A = flat (rows x cols) or its transpose so A is tall: m >= n.
  const tall = rows >= cols, m = tall ? rows : cols, n = tall ? cols : rows;
  const A = new Float64Array(m * n);  // column-major columns of length m
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    const [r, c] = tall ? [i, j] : [j, i];
    A[c * m + r] = flat[i * cols + j];
  }
  for (let c = 0; c < n; c++) {
    const col = A.subarray(c * m, (c + 1) * m);
    for (let k = 0; k < c; k++) {
      const q = A.subarray(k * m, (k + 1) * m);
      let dot = 0;
      for (let r = 0; r < m; r++) dot += q[r] * col[r];
      for (let r = 0; r < m; r++) col[r] -= dot * q[r];
    }
    let nrm = 0;
    for (let r = 0; r < m; r++) nrm += col[r] * col[r];
    nrm = Math.sqrt(nrm);
    // R[c][c] = nrm > 0, so the sign fix q *= sign(diag(R)) keeps q as is.
    for (let r = 0; r < m; r++) col[r] = nrm > 0 ? col[r] / nrm : 0;
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    const [r, c] = tall ? [i, j] : [j, i];
    out[i * cols + j] = gain * A[c * m + r];
  }
  return fill('orthogonal', t, () => tensor(out, { shape: t.shape.slice() }));
}

/**
 * Identity matrix for a 2-D tensor (as torch.nn.init.eye_).
 * @example
 * console.log(nn.init.eye(zeros([2, 3])).toArray());   // [[1, 0, 0], [0, 1, 0]]
 */
export function eye(t: Tensor): Tensor {
  if (t.ndim !== 2) throw rangeError('eye', `only 2-D tensors are supported, got ${fmtShape(t.shape)}`);
  const [r, c] = t.shape;
  const v = new Float32Array(r * c);
  for (let i = 0; i < Math.min(r, c); i++) v[i * c + i] = 1;
  return fill('eye', t, () => tensor(v, { shape: [r, c] }));
}

// PyTorch's in-place names.
export {
  uniform as uniform_, normal as normal_, constant as constant_, zeros as zeros_, ones as ones_,
  xavierUniform as xavierUniform_, xavierNormal as xavierNormal_, kaimingUniform as kaimingUniform_,
  kaimingNormal as kaimingNormal_, orthogonal as orthogonal_, eye as eye_,
};
