/**
 * Mixed precision scope, modelled on torch.autocast(device_type='cpu', dtype=torch.bfloat16):
 * inside `autocast('bfloat16', fn)`, matmul, linear and the convolutions (conv1d, conv2d,
 * convTranspose2d) on CPU tensors round their GEMM operands to bfloat16 and accumulate in
 * float32 (native/cpu/gemm/: AMX tiles in gemm_bf16_amx.cpp where the CPU has them, else
 * gemm_bf16.cpp; see backendInfo().bf16Gemm); inputs, outputs and weights stay float32 (the
 * fp32 master weights). Convolutions then run their GEMM kernels (gemm1x1 or im2col, whatever
 * the geometry: stride, padding, dilation and groups included) instead of Winograd, implicit
 * GEMM or the depthwise loops; forcing one of those inside the scope is a RangeError. The
 * backward of an op recorded inside the scope uses the same bf16 GEMM (for a convolution: the
 * input and the weight gradient), wherever backward() is called. Other ops are unaffected.
 */
import { typeError } from './errors';

/**
 * The reduced-precision dtypes autocast knows (bfloat16 only, for now).
 * @example
 * const dtype: AutocastDtype = 'bfloat16';
 * const y = autocast(dtype, () => matmul(randn([4, 8]), randn([8, 2])));
 */
export type AutocastDtype = 'bfloat16';

/**
 * Options of {@link autocast}.
 * @example
 * const opts: AutocastOptions = { enabled: false };  // e.g. a numerically sensitive part at full precision
 * const y = autocast('bfloat16', () => matmul(randn([4, 8]), randn([8, 2])), opts);
 */
export interface AutocastOptions {
  /** false runs fn at full precision, also inside an outer autocast (default true). */
  enabled?: boolean;
}

let active: AutocastDtype | null = null;

/**
 * The dtype GEMMs use right now: 'bfloat16' inside an enabled autocast scope, else null.
 * @example
 * autocastDtype();                                // null
 * autocast('bfloat16', () => autocastDtype());   // 'bfloat16'
 */
export function autocastDtype(): AutocastDtype | null { return active; }

/**
 * Runs fn with matmul/linear and convolutions in bf16 precision (bf16 operands, fp32
 * accumulation, fp32 results). Synchronous like noGrad: ops queued by a promise fn returns run after the scope.
 * @example
 * const model = new nn.Linear(8, 3);
 * const x = randn([4, 8]), y = tensor([0, 2, 1, 0], { dtype: 'int32' });
 * const loss = autocast('bfloat16', () => nn.functional.crossEntropy(model.forward(x), y));
 * loss.backward();  // the recorded matmuls' gradients use the bf16 GEMM too
 */
export function autocast<T>(dtype: AutocastDtype, fn: () => T, opts: AutocastOptions = {}): T {
  if (dtype !== 'bfloat16') throw typeError('autocast', `dtype must be 'bfloat16', got ${String(dtype)}`);
  if (typeof fn !== 'function') throw typeError('autocast', `fn must be a function, got ${typeof fn}`);
  const enabled = opts.enabled ?? true;
  if (typeof enabled !== 'boolean') throw typeError('autocast', `opts.enabled must be a boolean, got ${typeof enabled}`);
  return withAutocastDtype(enabled ? dtype : null, fn);
}

/** Runs fn with the autocast dtype set to dtype (null: full precision); restores it after. */
export function withAutocastDtype<T>(dtype: AutocastDtype | null, fn: () => T): T {
  const prev = active;
  active = dtype;
  try { return fn(); } finally { active = prev; }
}
