/**
 * nn.functional: stateless activations, dropout, embedding and losses with PyTorch's
 * semantics (camelCase names, options objects). The nn modules are thin wrappers over these.
 * @example
 * const F = nn.functional;
 * const logits = randn([4, 3]), labels = tensor([0, 2, 1, 1], { dtype: 'int32' });
 * const loss = F.crossEntropy(F.dropout(logits, 0.1, true), labels);
 */
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled, noGrad } from '../autograd/grad_mode';
import { checkTensor, sameShape } from '../ops/util';
import { where } from '../ops/elementwise';
import { bernoulli } from '../ops/creation';
import { checkReduction, type Reduction } from '../ops/softmax';
import { firstBadIndex, gather, indexSelect } from '../ops/index';
import { checkOptions } from '../options';

export { softmax, logSoftmax, crossEntropy, type CrossEntropyOptions, type Reduction } from '../ops/softmax';
export { linear } from '../ops/matmul';
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from '../ops/attention';
export { conv1d, conv2d, convTranspose2d, type Conv2dOptions, type ConvTranspose2dOptions } from '../ops/conv';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from '../ops/pool';
export { batchNorm, layerNorm, groupNorm, type BatchNormOptions, type LayerNormOptions } from '../ops/norm';
export { interpolate, type InterpolateOptions, type InterpolateMode } from '../ops/interpolate';
export { pixelShuffle, pixelUnshuffle } from '../ops/pixel_shuffle';

// ---- activations (thin wrappers over the elementwise kernels) ----

/**
 * max(x, 0) elementwise.
 * @example
 * console.log(nn.functional.relu(tensor([-1, 3])).toArray());   // [0, 3]
 */
export const relu = (x: Tensor): Tensor => checkTensor('relu', x, 'input').relu();
/**
 * x where x > 0, negativeSlope * x elsewhere.
 * @example
 * console.log(nn.functional.leakyRelu(tensor([-10, 3]), 0.1).toArray());   // [-1, 3]
 */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => checkTensor('leakyRelu', x, 'input').leakyRelu(negativeSlope);
/**
 * x where x > 0, alpha * (exp(x) - 1) elsewhere.
 * @example
 * const y = nn.functional.elu(randn([4]), 1);
 */
export const elu = (x: Tensor, alpha = 1): Tensor => checkTensor('elu', x, 'input').elu(alpha);
/**
 * Gaussian error linear unit (exact, or the tanh approximation).
 * @example
 * const y = nn.functional.gelu(randn([4]), 'tanh');
 */
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => checkTensor('gelu', x, 'input').gelu(approximate);
/**
 * x * sigmoid(x).
 * @example
 * const y = nn.functional.silu(randn([4]));
 */
export const silu = (x: Tensor): Tensor => checkTensor('silu', x, 'input').silu();
/**
 * log(1 + exp(beta * x)) / beta, linear above `threshold`.
 * @example
 * const y = nn.functional.softplus(randn([4]), 1, 20);
 */
export const softplus = (x: Tensor, beta = 1, threshold = 20): Tensor => checkTensor('softplus', x, 'input').softplus(beta, threshold);
/**
 * 1 / (1 + exp(-x)).
 * @example
 * console.log(nn.functional.sigmoid(tensor([0])).toArray());   // [0.5]
 */
export const sigmoid = (x: Tensor): Tensor => checkTensor('sigmoid', x, 'input').sigmoid();
/**
 * tanh(x) elementwise.
 * @example
 * const y = nn.functional.tanh(randn([4]));
 */
export const tanh = (x: Tensor): Tensor => checkTensor('tanh', x, 'input').tanh();

/**
 * Zeroes each element with probability p (seeded generator, see manualSeed) and scales the
 * rest by 1 / (1 - p); the identity when not training or p = 0.
 * @example
 * const y = nn.functional.dropout(randn([4, 8]), 0.5, true);   // training: zeroes ~half, doubles the rest
 */
export function dropout(xIn: Tensor, p = 0.5, training = true): Tensor {
  return dropoutWithMask('dropout', xIn, p, training, (x) => x.shape);
}

/**
 * Zeroes whole channels (every element of x[n, c]) with probability p and scales the rest by
 * 1 / (1 - p), as torch.nn.functional.dropout2d: input (N, C, H, W) or unbatched (C, H, W).
 * @example nn.functional.dropout2d(ones([2, 8, 4, 4]), 0.5, true)  // each [4, 4] plane all 0 or all 2
 */
export function dropout2d(xIn: Tensor, p = 0.5, training = true): Tensor {
  return dropoutWithMask('dropout2d', xIn, p, training, (x) => {
    if (x.ndim !== 3 && x.ndim !== 4) throw rangeError('dropout2d', `input must be (N, C, H, W) or (C, H, W), got ${fmtShape(x.shape)}`);
    return x.shape.map((s, i) => (i < x.ndim - 2 ? s : 1));
  });
}

/** x * bernoulli(maskShape(x), 1 - p) / (1 - p) while training (the mask broadcasts). */
function dropoutWithMask(op: string, xIn: Tensor, p: number, training: boolean, maskShape: (x: Tensor) => readonly number[]): Tensor {
  const x = checkTensor(op, xIn, 'input');
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw rangeError(op, `p must be in [0, 1], got ${p}`);
  if (x.dtype !== 'float32') throw typeError(op, `input must be float32, got ${x.dtype}`);
  const shape = maskShape(x);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  return x.mul(bernoulli(shape, 1 - p, { device: x.device }).mul(1 / (1 - p)));
}

/** Throws a RangeError naming `op` unless every index is in [0, limit) (or equals `allowed`). */
function checkIndices(op: string, what: string, index: Tensor, limit: number, allowed?: number): void {
  const bad = firstBadIndex(index, limit, allowed);
  if (bad) {
    throw rangeError(op, `${what} ${bad.value} at position ${bad.position} is out of range for size ${limit}` +
      (allowed !== undefined ? ` (ignoreIndex ${allowed})` : '') + ` (${what} shape ${fmtShape(index.shape)})`);
  }
}

/**
 * Rows of `weight` [numEmbeddings, dim] for each int32 index (torch.nn.functional.embedding).
 * Entries equal to `paddingIdx` (negative counts from the end) get no gradient.
 * @example
 * const table = randn([10, 4]);
 * console.log(nn.functional.embedding(tensor([[1, 2], [3, 9]], { dtype: 'int32' }), table).shape);   // [2, 2, 4]
 */
export function embedding(inputIn: Tensor, weightIn: Tensor, opts: { paddingIdx?: number | null } = {}): Tensor {
  const op = 'embedding';
  const input = checkTensor(op, inputIn, 'input'), weight = checkTensor(op, weightIn, 'weight');
  if (input.dtype !== 'int32') throw typeError(op, `input must be int32 indices, got ${input.dtype}`);
  if (weight.ndim !== 2) throw rangeError(op, `weight must be 2-D [numEmbeddings, embeddingDim], got ${fmtShape(weight.shape)}`);
  const [V, D] = weight.shape;
  checkOptions(op, opts, ['paddingIdx']);
  let pad = opts?.paddingIdx ?? null;
  if (pad !== null) {
    if (!Number.isInteger(pad) || pad < -V || pad >= V) throw rangeError(op, `paddingIdx must be an integer in [${-V}, ${V - 1}], got ${pad}`);
    if (pad < 0) pad += V;
  }
  checkIndices(op, 'index', input, V);
  const flat = input.reshape([-1]);
  let rows = indexSelect(weight, 0, flat);
  if (pad !== null && rows.requiresGrad) {
    // Same values; the padding rows come from the detached weight, so they carry no gradient.
    rows = where(flat.eq(pad).unsqueeze(1), indexSelect(weight.detach(), 0, flat), rows);
  }
  return rows.reshape([...input.shape, D]);
}

// ---- losses ----

function reduce(l: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? l : reduction === 'sum' ? l.sum() : l.mean();
}

/** Checks a loss's options object against `extra` and 'reduction'; null reads as {}. */
function checkOpts<T extends object>(op: string, opts: T | null, extra: readonly string[] = []): T {
  checkOptions(op, opts, ['reduction', ...extra]);
  return opts ?? ({} as T);
}

/** input and target: float32 tensors of one shape. */
function checkPair(op: string, inputIn: Tensor, targetIn: Tensor): [Tensor, Tensor] {
  const input = checkTensor(op, inputIn, 'input'), target = checkTensor(op, targetIn, 'target');
  if (input.dtype !== 'float32' || target.dtype !== 'float32') {
    throw typeError(op, `input and target must be float32, got ${input.dtype} and ${target.dtype}`);
  }
  if (!sameShape(input.shape, target.shape)) {
    throw rangeError(op, `input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`);
  }
  return [input, target];
}

function checkWeight(op: string, name: string, w: Tensor | null | undefined, shape: readonly number[]): Tensor | null {
  if (!w) return null;
  const t = checkTensor(op, w, name);
  if (t.dtype !== 'float32') throw typeError(op, `${name} must be float32, got ${t.dtype}`);
  const n = shape.length, m = t.ndim;
  if (m > n || t.shape.some((s, i) => s !== 1 && s !== shape[n - m + i])) {
    throw rangeError(op, `${name} ${fmtShape(t.shape)} cannot be broadcast to input ${fmtShape(shape)}`);
  }
  return t;
}

/**
 * The `{ reduction }` option of the losses: 'mean' (default), 'sum' or 'none'.
 * @example
 * const opts: nn.functional.ReductionOptions = { reduction: 'sum' };
 * const l = nn.functional.l1Loss(randn([3]), zeros([3]), opts);
 */
export interface ReductionOptions { reduction?: Reduction }

/**
 * Negative log-likelihood of log-probabilities input [N, C, d...] (or [C]) at int32 class
 * targets [N, d...]; the weighted mean divides by the sum of the targets' weights.
 * @example
 * const logits = randn([4, 3]), labels = tensor([0, 2, 1, 1], { dtype: 'int32' });
 * const l = nn.functional.nllLoss(logSoftmax(logits, 1), labels);
 */
export function nllLoss(inputIn: Tensor, targetIn: Tensor, opts: ReductionOptions & { weight?: Tensor | null; ignoreIndex?: number } = {}): Tensor {
  const op = 'nllLoss';
  const input = checkTensor(op, inputIn, 'input'), target = checkTensor(op, targetIn, 'target');
  const reduction = checkReduction(op, checkOpts(op, opts, ['weight', 'ignoreIndex']).reduction);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex) || Math.abs(ignoreIndex) > 2 ** 31 - 1) throw typeError(op, `ignoreIndex must be an int32 integer, got ${ignoreIndex}`);
  if (input.dtype !== 'float32') throw typeError(op, `input must be float32 log-probabilities, got ${input.dtype}`);
  if (target.dtype !== 'int32') throw typeError(op, `target must be int32 class indices, got ${target.dtype} (shape ${fmtShape(target.shape)})`);
  if (input.ndim === 0) throw rangeError(op, 'input must be [C] or [N, C, ...], got a 0-d tensor');
  if (input.ndim === 1) {
    if (target.ndim !== 0) throw rangeError(op, `target ${fmtShape(target.shape)} does not match unbatched input ${fmtShape(input.shape)} (expected [])`);
    const out = nllLoss(input.unsqueeze(0), target.unsqueeze(0), opts);
    return reduction === 'none' ? out.squeeze(0) : out;
  }
  const C = input.shape[1];
  const want = [input.shape[0], ...input.shape.slice(2)];
  if (!sameShape(target.shape, want)) throw rangeError(op, `target ${fmtShape(target.shape)} does not match input ${fmtShape(input.shape)} (expected ${fmtShape(want)})`);
  const weight = opts.weight ? checkTensor(op, opts.weight, 'weight') : null;
  if (weight && weight.dtype !== 'float32') throw typeError(op, `weight must be float32, got ${weight.dtype}`);
  if (weight && !sameShape(weight.shape, [C])) throw rangeError(op, `weight must have shape [${C}] (one per class), got ${fmtShape(weight.shape)}`);
  checkIndices(op, 'target', target, C, ignoreIndex);
  const keep = target.ne(ignoreIndex);
  const safe = where(keep, target, 0);
  const picked = gather(input, 1, safe.unsqueeze(1)).squeeze(1);
  let w = keep.to('float32');
  if (weight) w = w.mul(indexSelect(weight, 0, safe.reshape([-1])).reshape(safe.shape));
  const l = picked.mul(w).neg();
  return reduction === 'mean' ? l.sum().div(w.sum()) : reduce(l, reduction);
}

/**
 * Mean squared error (input - target)^2.
 * @example
 * console.log(nn.functional.mseLoss(tensor([1, 2]), tensor([1, 4])).item());   // 2
 */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const reduction = checkReduction('mseLoss', checkOpts('mseLoss', opts).reduction);
  const [x, y] = checkPair('mseLoss', input, target);
  return reduce(x.sub(y).square(), reduction);
}

/**
 * Mean absolute error |input - target|.
 * @example
 * console.log(nn.functional.l1Loss(tensor([1, 2]), tensor([0, 4])).item());   // 1.5
 */
export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const reduction = checkReduction('l1Loss', checkOpts('l1Loss', opts).reduction);
  const [x, y] = checkPair('l1Loss', input, target);
  return reduce(x.sub(y).abs(), reduction);
}

/**
 * Huber loss: 0.5 d^2 where |d| < delta, else delta * (|d| - 0.5 delta), d = input - target.
 * @example
 * const l = nn.functional.huberLoss(randn([8]), randn([8]), { delta: 1 });
 */
export function huberLoss(input: Tensor, target: Tensor, opts: ReductionOptions & { delta?: number } = {}): Tensor {
  const reduction = checkReduction('huberLoss', checkOpts('huberLoss', opts, ['delta']).reduction);
  const delta = opts.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta)) throw rangeError('huberLoss', `delta must be a positive number, got ${delta}`);
  const [x, y] = checkPair('huberLoss', input, target);
  const d = x.sub(y), ad = d.abs();
  return reduce(where(ad.lt(delta), d.square().mul(0.5), ad.sub(0.5 * delta).mul(delta)), reduction);
}

/**
 * Binary cross-entropy of probabilities input in [0, 1] against target, each log clamped at
 * -100 as in PyTorch (so input 0 or 1 gives a finite loss and gradient).
 * @example
 * const z = randn([4]), y = tensor([0, 1, 1, 0]);
 * const l = nn.functional.binaryCrossEntropy(z.sigmoid(), y);
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: ReductionOptions & { weight?: Tensor | null } = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const reduction = checkReduction(op, checkOpts(op, opts, ['weight']).reduction);
  const [x, y] = checkPair(op, input, target);
  const weight = checkWeight(op, 'weight', opts.weight, x.shape);
  if (x.numel && noGrad(() => x.min().item() < 0 || x.max().item() > 1)) {
    throw rangeError(op, `input values must be probabilities in [0, 1] (shape ${fmtShape(x.shape)}); use binaryCrossEntropyWithLogits for logits`);
  }
  const [l, logx, log1mx] = noGrad(() => {
    const lx = x.log().clamp(-100), l1x = x.neg().add(1).log().clamp(-100);
    return [y.mul(lx).add(y.neg().add(1).mul(l1x)).neg(), lx, l1x];
  });
  if (isGradEnabled() && (x.requiresGrad || y.requiresGrad)) {
    record(op, l, [x, y], (g) => [
      // PyTorch's backward: (x - y) / max(x (1 - x), 1e-12)
      x.requiresGrad ? g.mul(x.sub(y)).div(x.mul(x.neg().add(1)).clamp(1e-12)) : null,
      y.requiresGrad ? g.mul(log1mx.sub(logx)) : null,
    ]);
  }
  return reduce(weight ? l.mul(weight) : l, reduction);
}

/**
 * Binary cross-entropy on logits, stable for any magnitude:
 * (1 - y) x + (1 + (posWeight - 1) y) softplus(-x), times weight.
 * @example
 * const z = randn([4]), y = tensor([0, 1, 1, 0]);
 * const l = nn.functional.binaryCrossEntropyWithLogits(z, y);   // stabler than sigmoid + binaryCrossEntropy
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor,
  opts: ReductionOptions & { weight?: Tensor | null; posWeight?: Tensor | null } = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const reduction = checkReduction(op, checkOpts(op, opts, ['weight', 'posWeight']).reduction);
  const [x, y] = checkPair(op, input, target);
  const weight = checkWeight(op, 'weight', opts.weight, x.shape);
  const posWeight = checkWeight(op, 'posWeight', opts.posWeight, x.shape);
  const sp = x.neg().softplus();
  const logWeight = posWeight ? posWeight.sub(1).mul(y).add(1) : null;
  const l = y.neg().add(1).mul(x).add(logWeight ? logWeight.mul(sp) : sp);
  return reduce(weight ? l.mul(weight) : l, reduction);
}
