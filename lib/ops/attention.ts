/**
 * Fused scaled dot-product attention on the native kernels of native/cpu/attention.cpp:
 * softmax(q k^T * scale + mask) v with an online softmax over blocks of keys (the L x S
 * weights are never stored) and a backward that recomputes them from the saved logsumexp.
 */
import { Tensor, contiguousCopy } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { broadcastShapes, expandedView, sameShape } from './util';
import { sumTo } from './reduce';
import { where } from './elementwise';
import { bernoulli, full, rand, randn, tensor } from './creation';
import { dispatch, declareKernels, CPU, type KernelsOf } from './kernels';
import { bool, defineOp, raw } from './table';

// ---- the native bindings of this family (native/binding/attention.cpp): see KERNELS in ./kernels ----
const ATTENTION_KERNELS = declareKernels({
  attention: { params: ['causal', 'scale', 'hasMask'], tensors: ['out', 'lse', 'q', 'k', 'v', 'mask?'], devices: CPU },
  attentionBackward: {
    params: ['causal', 'scale', 'hasMask', 'wantMaskGrad'],
    tensors: ['dq', 'dk', 'dv', 'dmask?', 'dout', 'q', 'k', 'v', 'out', 'lse', 'mask?'], devices: CPU,
  },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof ATTENTION_KERNELS> {} }

const OP = 'scaledDotProductAttention';

/**
 * Options of {@link scaledDotProductAttention}.
 * @example
 * const q = randn([2, 4, 8, 16]), k = randn([2, 4, 8, 16]), v = randn([2, 4, 8, 16]);
 * const opts: ScaledDotProductAttentionOptions = { attnMask: nn.generateSquareSubsequentMask(8), scale: 0.25 };
 * const y = scaledDotProductAttention(q, k, v, opts);  // [2, 4, 8, 16]
 */
export interface ScaledDotProductAttentionOptions {
  /** [..., L, S] broadcastable to the batch: bool (true = may attend, as PyTorch) or float (added to the scores). */
  attnMask?: Tensor | null;
  /** Query i attends to keys j <= i (top-left aligned when L != S, as PyTorch). Not with attnMask. */
  isCausal?: boolean;
  /** Dropout on the attention weights (apply only while training). Default 0. */
  dropoutP?: number;
  /** Multiplies q k^T; default 1 / sqrt(E). */
  scale?: number | null;
}

/** The last dim of q, k, v must be contiguous for the kernel's GEMMs (other strides are read as they are). */
function rowsContiguous(t: Tensor): Tensor {
  return t.shape[t.ndim - 1] <= 1 || t.strides[t.ndim - 1] === 1 ? t : contiguousCopy(t);
}

/** A bool mask as an additive float mask (0 where true, -inf where false), at the mask's own size. */
function additiveMask(mask: Tensor): Tensor {
  if (mask.dtype !== 'bool') return mask;
  const o = { device: mask.device };
  return where(mask, full([], 0, o), full([], -Infinity, o));
}

interface Shapes { batch: number[]; L: number; S: number; E: number; Ev: number }

/** Checks the shapes of q, k, v and the mask; returns the common batch shape and sizes. */
function attentionShapes(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null): Shapes {
  for (const [t, name] of [[q, 'query'], [k, 'key'], [v, 'value']] as const) {
    if (t.ndim < 2) throw rangeError(OP, `${name} must have at least 2 dims (..., seq, features), got ${fmtShape(t.shape)}`);
  }
  const L = q.shape[q.ndim - 2], E = q.shape[q.ndim - 1], S = k.shape[k.ndim - 2], Ev = v.shape[v.ndim - 1];
  if (k.shape[k.ndim - 1] !== E) throw rangeError(OP, `key ${fmtShape(k.shape)} must have query's feature size ${E} (query ${fmtShape(q.shape)})`);
  if (v.shape[v.ndim - 2] !== S) throw rangeError(OP, `value ${fmtShape(v.shape)} must have key's sequence length ${S} (key ${fmtShape(k.shape)})`);
  let batch = broadcastShapes(OP, broadcastShapes(OP, q.shape.slice(0, -2), k.shape.slice(0, -2)), v.shape.slice(0, -2));
  if (mask) {
    const full = [...batch, L, S];
    let shape: number[];
    try { shape = broadcastShapes(OP, mask.shape, full); } catch {
      throw rangeError(OP, `attnMask ${fmtShape(mask.shape)} cannot be broadcast to [..., L, S] = ${fmtShape(full)}`);
    }
    if (shape[shape.length - 2] !== L || shape[shape.length - 1] !== S) {
      throw rangeError(OP, `attnMask ${fmtShape(mask.shape)} cannot be broadcast to [..., L, S] = ${fmtShape(full)}`);
    }
    batch = shape.slice(0, -2);
  }
  return { batch, L, S, E, Ev };
}

interface AttnSaved { q: Tensor; k: Tensor; v: Tensor; m: Tensor | null; out: Tensor; lse: Tensor; sh: Shapes; causal: number; scale: number }

const sdpaOp = defineOp<{ isCausal: boolean; scale: number | null }, AttnSaved>({
  name: OP,
  kernels: ['attention', 'attentionBackward'],
  inputs: [
    { name: 'query', dtypes: ['float32'] },
    { name: 'key', dtypes: ['float32'] },
    { name: 'value', dtypes: ['float32'] },
    { name: 'attnMask', dtypes: ['float32', 'bool'], kind: 'a bool or float32 mask', optional: true, option: true },
  ],
  options: {
    isCausal: bool('isCausal', false),
    scale: (op, v) => {
      if (v === undefined || v === null) return null;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(op, `scale must be a finite number or null, got ${String(v)}`);
      return v;
    },
  },
  forward(ctx, [q0, k0, v0, mask0], { isCausal, scale }) {
    if (mask0 && isCausal) throw typeError(OP, `attnMask ${fmtShape(mask0.shape)} and isCausal cannot both be given (put the causal cut into the mask)`);
    const sh = attentionShapes(q0!, k0!, v0!, mask0);
    const { batch, L, S, E, Ev } = sh;
    const s = scale ?? 1 / Math.sqrt(E);
    const q = rowsContiguous(q0!), k = rowsContiguous(k0!), v = rowsContiguous(v0!);
    const m = mask0 ? additiveMask(mask0) : null;
    const out = Tensor.empty([...batch, L, Ev], 'float32', q.device);
    const lse = Tensor.empty([...batch, L], 'float32', q.device);
    const causal = isCausal ? 1 : 0;
    if (out.numel) {
      dispatch('attention').num(causal).num(s).num(m ? 1 : 0).t(out).t(lse)
        .t(q, expandedView(q, [...batch, L, E])).t(k, expandedView(k, [...batch, S, E]))
        .t(v, expandedView(v, [...batch, S, Ev])).t(m, m ? expandedView(m, [...batch, L, S]) : undefined).run();
    }
    ctx.saved = { q, k, v, m, out, lse, sh, causal, scale: s };
    return out;
  },
  backward({ saved: { q, k, v, m, out, lse, sh, causal, scale } }, g, [q0, k0, v0, mask0]) {
    const { batch, L, S, E, Ev } = sh;
    const dout = g.isContiguous() ? g : contiguousCopy(g);
    const dq = Tensor.empty([...batch, L, E], 'float32', q.device);
    const dk = Tensor.empty([...batch, S, E], 'float32', q.device);
    const dv = Tensor.empty([...batch, S, Ev], 'float32', q.device);
    const wantMask = mask0 !== null && mask0.dtype === 'float32' && mask0.requiresGrad;
    const dm = wantMask ? Tensor.empty([...batch, L, S], 'float32', q.device) : null;
    if (dq.numel + dk.numel + dv.numel + (dm?.numel ?? 0) > 0) {
      dispatch('attentionBackward').num(causal).num(scale).num(m ? 1 : 0).num(dm ? 1 : 0)
        .t(dq).t(dk).t(dv).t(dm).t(dout)
        .t(q, expandedView(q, [...batch, L, E])).t(k, expandedView(k, [...batch, S, E]))
        .t(v, expandedView(v, [...batch, S, Ev])).t(out).t(lse)
        .t(m, m ? expandedView(m, [...batch, L, S]) : undefined).run();
    }
    const back = (d: Tensor, t: Tensor): Tensor => (sameShape(d.shape, t.shape) ? d : sumTo(d, t.shape));
    return [back(dq, q0!), back(dk, k0!), back(dv, v0!), dm ? back(dm, mask0!) : null];
  },
  samples: () => [
    { note: '4-D, odd sizes', inputs: [randn([2, 3, 5, 7]), randn([2, 3, 6, 7]), randn([2, 3, 6, 3]), null] },
    { note: 'L = 1, S = 1, 2-D', inputs: [randn([1, 4]), randn([1, 4]), randn([1, 5]), null] },
    { note: 'causal, L < S', inputs: [randn([2, 3, 4]), randn([2, 6, 4]), randn([2, 6, 4]), null], options: { isCausal: true } },
    { note: 'causal, L > S, scale', inputs: [randn([2, 7, 3]), randn([2, 4, 3]), randn([2, 4, 2]), null], options: { isCausal: true, scale: 0.7 } },
    { note: 'bool mask broadcast over batch and heads', inputs: [randn([2, 2, 3, 4]), randn([2, 2, 5, 4]), randn([2, 2, 5, 4]), keepOneTrue(rand([3, 5]).gt(0.4))] },
    { note: 'float mask per batch, broadcast over heads', inputs: [randn([2, 3, 4, 5]), randn([2, 3, 6, 5]), randn([2, 3, 6, 5]), randn([2, 1, 4, 6])] },
    { note: 'batch broadcast (k, v shared), non-contiguous q', inputs: [randn([3, 5, 2, 4]).transpose(1, 2), randn([1, 6, 4]), randn([6, 3]), null] },
    { note: 'long rows (several key blocks)', inputs: [randn([1, 70, 8]), randn([1, 300, 8]), randn([1, 300, 5]), null], noGradcheck: true },
  ],
});

/** A bool mask with at least the first key of every row allowed (no fully masked rows in samples). */
function keepOneTrue(m: Tensor): Tensor {
  const d = m.dataSync();
  const S = m.shape[m.ndim - 1];
  const out = Uint8Array.from(d, (x, i) => (i % S === 0 ? 1 : Number(x)));
  return tensor(out, { dtype: 'bool', shape: m.shape.slice() });
}

/**
 * Scaled dot-product attention as torch.nn.functional.scaled_dot_product_attention:
 * softmax(query key^T * scale + mask) value, with query [..., L, E], key [..., S, E],
 * value [..., S, Ev] (batch dims broadcast) giving [..., L, Ev]. A bool `attnMask` marks the
 * keys each query may attend to (true = attend); a float one is added to the scores; both
 * broadcast over batch and heads. A row whose keys are all masked gives NaN, as in PyTorch.
 * One fused CPU kernel (online softmax, nothing of size L x S stored) with a fused backward;
 * `dropoutP` > 0 takes the composed path (matmul, softmax, dropout, matmul).
 * @example
 * const q = randn([2, 8, 16, 64]), k = randn([2, 8, 32, 64]), v = randn([2, 8, 32, 64]);
 * const y = scaledDotProductAttention(q, k, v, { isCausal: true });  // [2, 8, 16, 64]
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor,
  opts: ScaledDotProductAttentionOptions = {}): Tensor {
  const { dropoutP = 0, ...rest } = opts ?? {};
  if (typeof dropoutP !== 'number' || !(dropoutP >= 0 && dropoutP <= 1)) {
    throw rangeError(OP, `dropoutP must be a number in [0, 1], got ${String(dropoutP)}`);
  }
  if (dropoutP === 0) return sdpaOp([query, key, value], rest);
  // NOTE: dropout needs the exact weights of the forward in the backward; rather than a
  // seeded in-kernel mask, the weights are materialized and autograd runs through the ops.
  return composedAttention(query, key, value, rest, dropoutP);
}

/** The unfused reference path (also what the benchmark compares against). */
export function composedAttention(q: Tensor, k: Tensor, v: Tensor,
  opts: Omit<ScaledDotProductAttentionOptions, 'dropoutP'>, dropoutP = 0): Tensor {
  const mask = opts.attnMask ?? null;
  if (mask && opts.isCausal) throw typeError(OP, `attnMask ${fmtShape(mask.shape)} and isCausal cannot both be given`);
  const { L, S, E } = attentionShapes(q, k, v, mask);
  let scores = q.matmul(k.transpose(-2, -1)).mul(opts.scale ?? 1 / Math.sqrt(E));
  if (mask) scores = scores.add(additiveMask(mask));
  if (opts.isCausal) {
    const keep = tensor(Uint8Array.from({ length: L * S }, (_, i) => Number(i % S <= Math.floor(i / S))), { dtype: 'bool', shape: [L, S], device: q.device });
    scores = scores.add(additiveMask(keep));
  }
  let w = scores.softmax(-1);
  if (dropoutP > 0) w = dropoutP === 1 ? w.mul(0) : w.mul(bernoulli(w.shape, 1 - dropoutP, { device: w.device }).mul(1 / (1 - dropoutP)));
  return w.matmul(v);
}
