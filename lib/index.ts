/**
 * tensorforge: tensors, autograd and neural networks for Node.js on native kernels.
 * @example
 * import { randn, tensor } from 'tensorforge';
 * const x = randn([2, 3], { requiresGrad: true });
 * x.mul(x).sum().backward();  // x.grad == 2x
 */
import './ops/methods';
import './ops/matmul';
import './ops/device';
import { cudaStatus } from './cuda';
import './ops/softmax';
import './ops/index';
import './ops/join';
import { native } from './native';

export { Tensor, tidy, keep, memory, emptyCache, setCacheLimit, type MemoryInfo, type Device, type NestedArray } from './tensor';
export { type DType } from './dtype';
export { type TensorLike } from './ops/util';
export { setExecutionMode, getExecutionMode, synchronize, whenIdle, streamStats, type ExecutionMode } from './exec';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad_mode';
export { autocast, autocastDtype, type AutocastDtype, type AutocastOptions } from './autocast';
export { type BackwardOptions } from './autograd/engine';
export * as autograd from './autograd';
export {
  tensor, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye, rand, randn, randint,
  bernoulli, manualSeed, type CreateOptions,
} from './ops/creation';
export { where } from './ops/elementwise';
export { matmul, linear, type LinearOptions } from './ops/matmul';
export { cuda, cudaAvailable, setMatmulPrecision, getMatmulPrecision, type CudaMemoryStats, type MatmulPrecision } from './cuda';
export { sum, mean, max, min, argmax, argmin, variance, std, prod, type Dims, type ReduceOptions, type VarOptions } from './ops/reduce';
export {
  conv1d, conv2d, convTranspose2d, lastConvAlgorithms, type Conv2dOptions, type ConvTranspose2dOptions,
  type ConvAlgorithm, type IntPair,
} from './ops/conv';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './ops/pool';
export { batchNorm, layerNorm, groupNorm, type BatchNormOptions, type LayerNormOptions } from './ops/norm';
export { interpolate, type InterpolateOptions, type InterpolateMode } from './ops/interpolate';
export * as nn from './nn';
export * as optim from './optim';
export { reshape, view, permute, transpose, squeeze, unsqueeze, expand, slice, flatten, contiguous, clone } from './ops/views';
export {
  rnnLayer, lstmLayer, gruLayer, type RnnLayerParams, type RnnLayerOptions, type RnnLayerResult, type LstmLayerResult,
} from './ops/rnn';
export { softmax, logSoftmax } from './ops/softmax';
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from './ops/attention';
export { gather, indexSelect, scatterAdd } from './ops/index';
export { cat, concat, stack, split, chunk } from './ops/join';
export * as data from './data';
export * as metrics from './metrics';
export * as io from './io';

/**
 * What `backendInfo()` reports.
 * @example
 * const info: BackendInfo = backendInfo();
 * if (info.supportedIsas.includes('avx512')) console.log('AVX-512 kernels available');
 */
export interface BackendInfo {
  /** The CPU kernel variant in use: 'avx512', 'avx2' or 'generic'. */
  isa: 'generic' | 'avx2' | 'avx512';
  supportedIsas: string[];
  threads: number;
  /**
   * How `autocast('bfloat16', ...)` GEMMs run with the current ISA: 'amx' (AMX-BF16 tiles,
   * avx512 variant), 'avx512bf16' (VDPBF16PS) or 'rounded-fp32' (operands rounded to bf16,
   * fp32 GEMM): the same function, up to the order of the fp32 sums.
   */
  bf16Gemm: 'amx' | 'avx512bf16' | 'rounded-fp32';
  /**
   * AMX for the bf16 GEMM: available (the CPU has AMX-BF16 and the OS granted this process
   * the tile state) and enabled (see {@link setAmx}); it runs when both hold and isa is avx512.
   */
  amx: { available: boolean; enabled: boolean };
  /** Whether the CUDA backend is usable, and why not when it is not. */
  cuda: { available: boolean; reason: string };
}

/**
 * Which kernels and how many threads this process uses.
 * @example
 * const info = backendInfo();
 * console.log(info.isa, info.threads, info.cuda.available ? 'cuda on' : info.cuda.reason);
 */
export function backendInfo(): BackendInfo {
  const b = native.backendInfo();
  const c = cudaStatus();
  return { ...b, cuda: { available: c.available, reason: c.reason } };
}

/**
 * Sets the native thread pool size (also env TENSORFORGE_NUM_THREADS).
 * @example
 * setNumThreads(4);
 * console.log(backendInfo().threads);  // 4
 */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number') throw new TypeError(`setNumThreads: n must be a number, got ${typeof n}`);
  native.setNumThreads(n);
}

/**
 * Forces a CPU kernel variant (tests use this to check every ISA); throws if unsupported.
 * @example
 * const prev = backendInfo().isa;
 * setIsa('avx2');          // e.g. to compare variants; throws where the CPU lacks AVX2
 * setIsa(prev);
 */
export function setIsa(isa: 'generic' | 'avx2' | 'avx512'): void { native.setIsa(isa); }

/**
 * Allows (the default) or forbids AMX tiles in the bf16 GEMM behind `autocast('bfloat16')`
 * (env `TENSORFORGE_AMX=0` forbids them from the start). Forbidden, or where the CPU or OS has
 * no AMX, the avx512 variant uses VDPBF16PS when the CPU has AVX512-BF16; results agree up to
 * the order of the fp32 sums. Tests use it to check both paths.
 * @example
 * setAmx(false);
 * console.log(backendInfo().bf16Gemm);  // 'avx512bf16' on a CPU with AVX512-BF16
 * setAmx(true);
 */
export function setAmx(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw new TypeError(`setAmx: enabled must be a boolean, got ${typeof enabled}`);
  native.setAmx(enabled);
}
export * as train from './train';
export * as dist from './dist';
export * as serve from './serve';
