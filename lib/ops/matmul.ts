/**
 * Matrix products on the packed native GEMM (native/cpu/gemm): matmul with PyTorch's rules
 * (1-D, 2-D, batched with broadcast batch dims; float32, or int32 wrapping modulo 2^32 as
 * PyTorch's integer matmul) and linear with the bias (and optionally relu) fused into the GEMM
 * epilogue. Transposed views reach the kernel as transpose flags,
 * without copies; gradients are matmuls on transposed views.
 */
import { dispatch } from './kernels';
import { Tensor, contiguousCopy } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled, noGrad } from '../autograd/grad_mode';
import { GemmAct, GemmBias } from './codes';
import { broadcastShapes, checkTensor, expandedView } from './util';
import { sumTo } from './reduce';
import { where } from './elementwise';
import './views';
import { declareKernels, BOTH, CPU, type KernelsOf } from './kernels';
import { autocastDtype, withAutocastDtype } from '../autocast';

// ---- the native bindings of this family (native/binding/matmul.cpp): see KERNELS in ./kernels ----
const MATMUL_KERNELS = declareKernels({
  matmul: { params: ['act', 'biasKind', 'precision'], tensors: ['y', 'a', 'b', 'bias?'], devices: BOTH },
  /** int32 GEMM (native/cpu/gemm/gemm_i32.cpp): products and sums wrap modulo 2^32. */
  matmulInt32: { params: [], tensors: ['y', 'a', 'b'], devices: CPU },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof MATMUL_KERNELS> {} }


declare module '../tensor' {
  interface Tensor {
    /** Matrix product with PyTorch's matmul rules; see {@link matmul}. */
    matmul(other: Tensor): Tensor;
  }
}

function checkFloat(op: string, x: unknown, arg: string): Tensor {
  const t = checkTensor(op, x, arg);
  if (t.dtype !== 'float32') throw typeError(op, `${arg} must be float32, got ${t.dtype} (shape ${fmtShape(t.shape)})`);
  return t;
}

/** One operand of matmul: a float32 or int32 tensor, else a TypeError naming `arg`. */
function checkMatmulOperand(op: string, x: unknown, arg: string): Tensor {
  const t = checkTensor(op, x, arg);
  if (t.dtype !== 'float32' && t.dtype !== 'int32') {
    throw typeError(op, `${arg} must be float32 or int32, got ${t.dtype} (shape ${fmtShape(t.shape)})`);
  }
  return t;
}

/**
 * The operands of matmul: both float32 or both int32 (PyTorch requires one dtype; an int32
 * product wraps modulo 2^32). Anything else is a TypeError naming both dtypes.
 */
function checkSameDtype(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw typeError(op, `expected both operands to have the same dtype, got input ${a.dtype} (shape ${fmtShape(a.shape)}) ` +
      `and other ${b.dtype} (shape ${fmtShape(b.shape)}); cast one with .to('${a.dtype}') or .to('${b.dtype}')`);
  }
}

// A GEMM operand needs unit stride in one of its last two dims; anything else is copied.
function gemmOperand(t: Tensor): Tensor {
  const n = t.ndim, rows = t.shape[n - 2], cols = t.shape[n - 1];
  const ok = t.strides[n - 1] === 1 || cols <= 1 || t.strides[n - 2] === 1 || rows <= 1;
  return ok ? t : contiguousCopy(t);
}

/**
 * y[..., M, N] = act(a[..., M, K] @ b[..., K, N] + bias): the one native call. Batch dims
 * broadcast; bias is [N] (PerCol) or [M] (PerRow). Inside autocast('bfloat16') the GEMM
 * rounds a and b to bf16 (fp32 accumulation), and so do the gradient matmuls of the recorded
 * backward. Records the backward when needed. int32 operands (no bias, no activation) take
 * the int32 GEMM: exact modulo 2^32, CPU only, never autocast, no gradient.
 */
function gemm(op: string, a: Tensor, b: Tensor, bias: Tensor | null, biasKind: GemmBias, act: GemmAct, bT: Tensor | null = null): Tensor {
  const M = a.shape[a.ndim - 2], K = a.shape[a.ndim - 1], N = b.shape[b.ndim - 1];
  if (b.shape[b.ndim - 2] !== K) {
    throw rangeError(op, `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${K} != ${b.shape[b.ndim - 2]})`);
  }
  if (a.device !== b.device || (bias && bias.device !== a.device)) {
    throw typeError(op, `tensors are on different devices: ${a.device} and ${b.device}`);
  }
  const int = a.dtype === 'int32';
  if (int && a.device !== 'cpu') throw typeError(op, `int32 operands have no ${a.device} kernel yet (CPU only)`);
  const cast = int ? null : autocastDtype();
  if (cast && a.device !== 'cpu') throw typeError(op, `autocast('${cast}') has no ${a.device} kernel yet (CPU only)`);
  // NOTE: 2-D operands (the common case) skip the batch shapes and views: no arrays built per
  // call (per-op overhead is a third of tf.matmul n=64).
  const flat = a.ndim === 2 && b.ndim === 2;
  const batch = flat ? [] : broadcastShapes(op, a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = Tensor.empty(flat ? [M, N] : [...batch, M, N], a.dtype, a.device);
  if (out.numel) {
    const A = gemmOperand(a), B = gemmOperand(b);
    const C = bias && !bias.isContiguous() ? contiguousCopy(bias) : bias;
    const viewA = flat ? A : expandedView(A, [...batch, M, K]), viewB = flat ? B : expandedView(B, [...batch, K, N]);
    if (int) dispatch('matmulInt32').t(out).t(A, viewA).t(B, viewB).run();
    else dispatch('matmul').num(act).num(biasKind).num(cast === 'bfloat16' ? 1 : 0).t(out).t(A, viewA).t(B, viewB).t(C).run();
    if (A !== a) A.dispose();
    if (B !== b) B.dispose();
    if (C && C !== bias) C.dispose();
  }
  // NOTE: bT (linear's weight, b = bT transposed) takes b's gradient directly, computed as
  // gᵀ·a: contiguous [N, K], so it becomes the weight's .grad without a copy.
  const bIn = bT ?? b;
  if (!int && isGradEnabled() && (a.requiresGrad || bIn.requiresGrad || (bias?.requiresGrad ?? false))) {
    const inputs = bias ? [a, bIn, bias] : [a, bIn];
    record(op, out, inputs, (gOut) => withAutocastDtype(cast, () => {
      const g = act === GemmAct.Relu ? where(out.gt(0), gOut, 0) : gOut;
      const ga = a.requiresGrad ? sumTo(g.matmul(b.transpose(-1, -2)), a.shape) : null;
      const gb = !bIn.requiresGrad ? null
        : bT ? sumTo(g.transpose(-1, -2).matmul(a), bT.shape) : sumTo(a.transpose(-1, -2).matmul(g), b.shape);
      if (!bias) return [ga, gb];
      const keep = biasKind === GemmBias.PerCol ? g.ndim - 1 : g.ndim - 2;
      const dims = g.shape.map((_, i) => i).filter((i) => i !== keep);
      return [ga, gb, bias.requiresGrad ? g.sum(dims) : null];
    }), act === GemmAct.Relu ? [a, b, out] : [a, b]);
  }
  return out;
}

/**
 * Raw GEMM without autograd: a [..., M, K] @ b [..., K, N] (+ bias [N]) (then relu), batch
 * dims broadcast. For kernels that write their own backward (conv, rnn).
 */
export function gemmRaw(op: string, a: Tensor, b: Tensor, bias: Tensor | null = null, relu = false): Tensor {
  return noGrad(() => gemm(op, a, b, bias, bias ? GemmBias.PerCol : GemmBias.None, relu ? GemmAct.Relu : GemmAct.None));
}

/**
 * Matrix product with PyTorch's rules: 1-D x 1-D is a dot product (0-d result); a 1-D
 * first argument is a row vector and a 1-D second argument a column vector (the added dim
 * is removed again); otherwise the last two dims multiply and the batch dims broadcast.
 * Both operands float32, or both int32: the int32 product wraps modulo 2^32 like PyTorch's
 * (CPU, no gradient); mixed dtypes are a TypeError, as in PyTorch.
 * @example
 * const y = randn([8, 3, 4]).matmul(randn([4, 5]));  // [8, 3, 5]
 * const n = tensor([[1, 2]], { dtype: 'int32' }).matmul(tensor([[3], [4]], { dtype: 'int32' }));  // [[11]] int32
 */
export function matmul(aIn: Tensor, bIn: Tensor): Tensor {
  const a = checkMatmulOperand('matmul', aIn, 'input'), b = checkMatmulOperand('matmul', bIn, 'other');
  checkSameDtype('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw rangeError('matmul', `both arguments need at least 1 dim, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const K = a.shape[a.ndim - 1], Kb = b.shape[b.ndim === 1 ? 0 : b.ndim - 2];
  if (K !== Kb) throw rangeError('matmul', `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${K} != ${Kb})`);
  if (a.ndim === 1 && b.ndim === 1) {
    return gemm('matmul', a.unsqueeze(0), b.unsqueeze(1), null, GemmBias.None, GemmAct.None).reshape([]);
  }
  if (a.ndim === 1) return gemm('matmul', a.unsqueeze(0), b, null, GemmBias.None, GemmAct.None).squeeze(-2);
  if (b.ndim === 1) return gemm('matmul', a, b.unsqueeze(1), null, GemmBias.None, GemmAct.None).squeeze(-1);
  return gemm('matmul', a, b, null, GemmBias.None, GemmAct.None);
}

/**
 * Options of `linear`.
 * @example
 * const x = randn([8, 16]), w = randn([32, 16]), b = zeros([32]);
 * const opts: LinearOptions = { activation: 'relu' };
 * const h = linear(x, w, b, opts);   // relu(x wᵀ + b) in one GEMM
 */
export interface LinearOptions {
  /** Fuse an activation into the GEMM epilogue (tensorforge extension). */
  activation?: 'relu';
}

/**
 * y = x @ weight^T + bias, as torch.nn.functional.linear: x [..., in], weight [out, in],
 * bias [out]. The bias (and `activation: 'relu'`) is applied inside the GEMM while each
 * output tile is in registers.
 * @example
 * const y = linear(randn([32, 784]), randn([256, 784]), zeros([256]), { activation: 'relu' });
 */
export function linear(xIn: Tensor, weightIn: Tensor, biasIn?: Tensor | null, opts: LinearOptions = {}): Tensor {
  const x = checkFloat('linear', xIn, 'input'), w = checkFloat('linear', weightIn, 'weight');
  const bias = biasIn == null ? null : checkFloat('linear', biasIn, 'bias');
  if (x.ndim < 1) throw rangeError('linear', `input must have at least 1 dim, got shape ${fmtShape(x.shape)}`);
  if (w.ndim !== 2 || w.shape[1] !== x.shape[x.ndim - 1]) {
    throw rangeError('linear', `weight ${fmtShape(w.shape)} must be [out, ${x.shape[x.ndim - 1]}] for input ${fmtShape(x.shape)}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== w.shape[0])) {
    throw rangeError('linear', `bias ${fmtShape(bias.shape)} must be [${w.shape[0]}] for weight ${fmtShape(w.shape)}`);
  }
  if (opts.activation !== undefined && opts.activation !== 'relu') {
    throw typeError('linear', `activation must be 'relu' or undefined, got ${String(opts.activation)}`);
  }
  const act = opts.activation === 'relu' ? GemmAct.Relu : GemmAct.None;
  const inF = w.shape[1], outF = w.shape[0];
  const lead = x.shape.slice(0, -1);
  const x2 = x.ndim === 2 ? x : x.reshape([-1, inF]);
  const y = gemm('linear', x2, w.transpose(0, 1), bias, bias ? GemmBias.PerCol : GemmBias.None, act, w);
  return x.ndim === 2 ? y : y.reshape([...lead, outF]);
}

Tensor.prototype.matmul = function (this: Tensor, other: Tensor) { return matmul(this, other); };
