/** matmul (1-D, 2-D and batched with broadcast batch dims) and linear, on the native GEMM.
 * Transposed operands are passed as flags, not copied. */
import { args, type ViewLike } from '../native';
import { Tensor } from '../tensor';
import { DTYPE_CODE } from '../dtype';
import { fmtShape, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { broadcastShapes, checkTensor } from './util';
import { sumTo } from './reduce';

declare module '../tensor' {
  interface Tensor {
    /** Matrix product with PyTorch's rules for 1-D, 2-D and batched operands. */
    matmul(other: Tensor): Tensor;
  }
}

/** True when GEMM can read the last two dims of t directly (unit stride in one of them). */
function gemmReadable(t: Tensor): boolean {
  const n = t.ndim, rows = t.shape[n - 2], cols = t.shape[n - 1], rs = t.strides[n - 2], cs = t.strides[n - 1];
  if (cs === 1 || cols === 1) return rows <= 1 || rs >= cols;
  if (rs === 1 || rows === 1) return cols <= 1 || cs >= rows;
  return false;
}

function batchView(t: Tensor, batch: number[]): ViewLike {
  const n = t.ndim, lead = batch.length - (n - 2);
  const shape = [...batch, t.shape[n - 2], t.shape[n - 1]];
  const strides = shape.map((s, i) => {
    if (i >= batch.length) return t.strides[n - 2 + (i - batch.length)];
    const j = i - lead;
    return j < 0 || t.shape[j] === 1 ? 0 : t.strides[j];
  });
  return { dtypeCode: DTYPE_CODE[t.dtype], shape, strides, offset: t.offset };
}

/** Raw 2-D+ GEMM: a [..., M, K] @ b [..., K, N] (+ bias [N]) (relu), no autograd. */
export function gemmRaw(op: string, a: Tensor, b: Tensor, bias: Tensor | null = null, relu = false): Tensor {
  const A = gemmReadable(a) ? a : a.contiguous(), B = gemmReadable(b) ? b : b.contiguous();
  const batch = broadcastShapes(op, A.shape.slice(0, -2), B.shape.slice(0, -2));
  const M = A.shape[A.ndim - 2], K = A.shape[A.ndim - 1], N = B.shape[B.ndim - 1];
  const out = Tensor.empty([...batch, M, N], 'float32', A.device);
  if (out.numel) {
    args.reset().num(relu ? 1 : 0).num(bias ? 1 : 0).view(out).view(batchView(A, batch)).view(batchView(B, batch));
    if (bias) args.view(bias);
    out.kernels.matmul(out.handle(op), A.handle(op), B.handle(op), bias ? bias.handle(op) : undefined);
    if (K === 0 && (bias || relu)) {
      const fixed = bias ? out.add(bias) : out;
      return relu ? fixed.relu() : fixed;
    }
  }
  return out;
}

/**
 * Matrix product like torch.matmul.
 * @example const y = randn([8, 3, 4]).matmul(randn([4, 5]));  // [8, 3, 5]
 */
export function matmul(aIn: Tensor, bIn: Tensor): Tensor {
  const a0 = checkTensor('matmul', aIn, 'input'), b0 = checkTensor('matmul', bIn, 'other');
  if (a0.dtype !== 'float32' || b0.dtype !== 'float32') throw typeError('matmul', `expected float32 operands, got ${a0.dtype} and ${b0.dtype}`);
  if (a0.device !== b0.device) throw typeError('matmul', `tensors are on different devices: ${a0.device} and ${b0.device}`);
  if (a0.ndim === 0 || b0.ndim === 0) throw rangeError('matmul', `both arguments need at least 1 dim, got ${fmtShape(a0.shape)} and ${fmtShape(b0.shape)}`);
  const a = a0.ndim === 1 ? a0.unsqueeze(0) : a0, b = b0.ndim === 1 ? b0.unsqueeze(1) : b0;
  if (a.shape[a.ndim - 1] !== b.shape[b.ndim - 2]) {
    throw rangeError('matmul', `shapes ${fmtShape(a0.shape)} and ${fmtShape(b0.shape)} cannot be multiplied (${a.shape[a.ndim - 1]} vs ${b.shape[b.ndim - 2]})`);
  }
  let out = gemmRaw('matmul', a, b);
  if (isGradEnabled() && (a.requiresGrad || b.requiresGrad)) {
    record('matmul', out, [a, b], (g) => [
      a.requiresGrad ? sumTo(gemmRaw('matmul', g, b.transpose(-2, -1)), a.shape) : null,
      b.requiresGrad ? sumTo(gemmRaw('matmul', a.transpose(-2, -1), g), b.shape) : null,
    ]);
  }
  if (a0.ndim === 1) out = out.squeeze(-2);
  if (b0.ndim === 1) out = out.squeeze(-1);
  return out;
}

/** y = x @ weight^T + bias, with weight [out, in] as in torch.nn.functional.linear. */
export function linear(xIn: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const x = checkTensor('linear', xIn, 'input');
  checkTensor('linear', weight, 'weight');
  if (weight.ndim !== 2) throw rangeError('linear', `weight must be 2-D [out, in], got ${fmtShape(weight.shape)}`);
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw rangeError('linear', `input ${fmtShape(x.shape)} does not end in in_features=${weight.shape[1]} (weight ${fmtShape(weight.shape)})`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw rangeError('linear', `bias must be [${weight.shape[0]}], got ${fmtShape(bias.shape)}`);
  }
  const x2 = x.ndim === 2 ? x : x.reshape([-1, weight.shape[1]]);
  const b = bias && !bias.isContiguous() ? bias.contiguous() : bias;
  const out2 = gemmRaw('linear', x2, weight.t(), b);
  const inputs = b ? [x2, weight, b] : [x2, weight];
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
    record('linear', out2, inputs, (g) => [
      x2.requiresGrad ? gemmRaw('linear', g, weight) : null,
      weight.requiresGrad ? gemmRaw('linear', g.t(), x2) : null,
      b && b.requiresGrad ? g.sum(0) : null,
    ]);
  }
  return x.ndim === 2 ? out2 : out2.reshape([...x.shape.slice(0, -1), weight.shape[0]]);
}

Tensor.prototype.matmul = function (this: Tensor, other: Tensor) { return matmul(this, other); };
