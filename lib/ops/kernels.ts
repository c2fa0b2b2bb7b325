/**
 * The kernel table: every native op binding, once, with its argument protocol and the
 * devices that have a kernel for it — and `dispatch()`, the one place that chooses a backend
 * and writes the argument buffer (lib/native.ts ArgWriter ↔ native/include/tensorforge/
 * arg_decode.h). The typed addon interfaces (`NativeAddon` in lib/native.ts, `CudaAddon` in
 * lib/cuda.ts) are derived from this table, so a kernel's name is written here and in its
 * binding file (native/binding/<family>.cpp), nowhere else.
 *
 * Protocol of a call: the numbers of `params` in order, then the view of every tensor that
 * is present, in `tensors` order; the binding receives the storage handles in `tensors`
 * order (an absent optional slot, marked `?`, is passed as undefined). Slots marked `*` are
 * variadic: only the present ones are passed, packed (rmspropStep's optional state).
 *
 * @example
 * // y = a + b on whatever device a lives on:
 * dispatch('binary').num(BinaryOp.Add).t(y).t(a).t(b).run();
 */
import { native, args, type NativeHandle, type ViewLike } from '../native';
import { cudaAddon } from '../cuda';
import type { Tensor, Device } from '../tensor';

export type DeviceType = 'cpu' | 'cuda';

export interface KernelDef {
  /** Numbers written first (a name per number; `...name` for a variable count). */
  readonly params: readonly string[];
  /** Tensor slots in handle order: outputs, then inputs. `name?` optional, `name*` packed. */
  readonly tensors: readonly string[];
  /** Devices whose addon has a kernel for this binding. */
  readonly devices: readonly DeviceType[];
  /** What the binding returns (a number for conv algorithms and cross-entropy's denominator). */
  readonly returns?: 'number' | 'indexHit';
}

const BOTH = ['cpu', 'cuda'] as const;
const CPU = ['cpu'] as const;
const CONV = ['algo', 'strideH', 'strideW', 'padTop', 'padBottom', 'padLeft', 'padRight', 'dilH', 'dilW', 'groups'] as const;
const CONVT = ['algo', 'strideH', 'strideW', 'padH', 'padW', 'outPadH', 'outPadW', 'dilH', 'dilW', 'groups'] as const;
const AVGPOOL = ['kH', 'kW', 'strideH', 'strideW', 'padH', 'padW', 'ceilMode', 'countIncludePad', 'divisorOverride'] as const;
const RNN = ['mode', 'reverse', 'hasBias', 'impl'] as const;
const CE = ['reduction', 'ignoreIndex', 'smoothing', 'isProbs', 'hasWeight'] as const;

/**
 * Every native op binding. Shapes and semantics of each are documented at the binding
 * (native/binding/<family>.cpp) and its kernel (native/cpu/<family>.h).
 */
export const KERNELS = {
  // ---- elementwise (native/binding/elementwise.cpp); views broadcast by the caller ----
  binary: { params: ['op'], tensors: ['y', 'a', 'b'], devices: BOTH },
  unary: { params: ['op', 'p0', 'p1'], tensors: ['y', 'x'], devices: BOTH },
  unaryBackward: { params: ['op', 'p0', 'p1'], tensors: ['dx', 'dy', 'x', 'y'], devices: BOTH },
  where: { params: [], tensors: ['y', 'cond', 'a', 'b'], devices: BOTH },
  /** Strided copy with dtype conversion (also `contiguous()` and `copy_`). */
  cast: { params: [], tensors: ['y', 'x'], devices: BOTH },
  fill: { params: ['value'], tensors: ['y'], devices: BOTH },
  /** kind: RandomKind; uniform [p0, p1), normal (mean p0, std p1), bernoulli(p0), randint [p0, p1). */
  randomFill: { params: ['kind', 'p0', 'p1'], tensors: ['y'], devices: BOTH },
  // ---- reductions: x permuted so its last ndim - nkept dims are reduced ----
  reduce: { params: ['op', 'nkept', 'correction'], tensors: ['y', 'x'], devices: BOTH },
  // ---- GEMM: y[..., M, N] = act(a @ b + bias); biasKind 0 none, 1 per column, 2 per row ----
  matmul: { params: ['act', 'biasKind'], tensors: ['y', 'a', 'b', 'bias?'], devices: BOTH },
  // ---- convolution; each returns the ConvAlgo it ran ----
  conv2dForward: { params: [...CONV, 'act', 'hasBias'], tensors: ['y', 'x', 'w', 'bias?'], devices: BOTH, returns: 'number' },
  conv2dBackwardInput: { params: CONV, tensors: ['dx', 'dy', 'w'], devices: BOTH, returns: 'number' },
  conv2dBackwardWeight: { params: [...CONV, 'hasBias'], tensors: ['dw', 'dy', 'x', 'dbias?'], devices: BOTH, returns: 'number' },
  convTranspose2dForward: { params: [...CONVT, 'hasBias'], tensors: ['y', 'x', 'w', 'bias?'], devices: CPU, returns: 'number' },
  convTranspose2dBackwardInput: { params: CONVT, tensors: ['dx', 'dy', 'w'], devices: CPU, returns: 'number' },
  convTranspose2dBackwardWeight: { params: [...CONVT, 'hasBias'], tensors: ['dw', 'dy', 'x', 'dbias?'], devices: CPU, returns: 'number' },
  // ---- pooling ----
  maxPool2dForward: { params: ['kH', 'kW', 'strideH', 'strideW', 'padH', 'padW', 'dilH', 'dilW', 'ceilMode'], tensors: ['y', 'idx', 'x'], devices: BOTH },
  maxPool2dBackward: { params: [], tensors: ['dx', 'dy', 'idx'], devices: BOTH },
  avgPool2dForward: { params: AVGPOOL, tensors: ['y', 'x'], devices: BOTH },
  avgPool2dBackward: { params: AVGPOOL, tensors: ['dx', 'dy'], devices: BOTH },
  adaptiveAvgPool2dForward: { params: [], tensors: ['y', 'x'], devices: BOTH },
  adaptiveAvgPool2dBackward: { params: [], tensors: ['dx', 'dy'], devices: BOTH },
  // ---- normalization ----
  batchNormForward: {
    params: ['training', 'momentum', 'eps', 'hasWeight', 'hasBias', 'hasRunningStats'],
    tensors: ['y', 'saveMean', 'saveInvstd', 'x', 'weight?', 'bias?', 'runningMean?', 'runningVar?'], devices: BOTH,
  },
  batchNormBackward: {
    params: ['training', 'hasDx', 'hasDweight', 'hasDbias', 'hasWeight'],
    tensors: ['dx?', 'dweight?', 'dbias?', 'dy', 'x', 'saveMean', 'saveInvstd', 'weight?'], devices: BOTH,
  },
  layerNormForward: { params: ['D', 'eps', 'hasWeight', 'hasBias'], tensors: ['y', 'mean', 'rstd', 'x', 'weight?', 'bias?'], devices: CPU },
  layerNormBackward: {
    params: ['D', 'hasDx', 'hasDweight', 'hasDbias', 'hasWeight'],
    tensors: ['dx?', 'dweight?', 'dbias?', 'dy', 'x', 'mean', 'rstd', 'weight?'], devices: CPU,
  },
  groupNormForward: { params: ['G', 'eps', 'hasWeight', 'hasBias'], tensors: ['y', 'mean', 'rstd', 'x', 'weight?', 'bias?'], devices: BOTH },
  groupNormBackward: {
    params: ['G', 'hasDx', 'hasDweight', 'hasDbias', 'hasWeight'],
    tensors: ['dx?', 'dweight?', 'dbias?', 'dy', 'x', 'mean', 'rstd', 'weight?'], devices: BOTH,
  },
  // ---- resampling; mode 0 nearest, 1 bilinear; scale factors 0 when a size was given ----
  interpolateForward: { params: ['mode', 'alignCorners', 'scaleFactorH', 'scaleFactorW'], tensors: ['y', 'x'], devices: BOTH },
  interpolateBackward: { params: ['mode', 'alignCorners', 'scaleFactorH', 'scaleFactorW'], tensors: ['dx', 'dy'], devices: BOTH },
  // ---- softmax and cross-entropy (contiguous float32) ----
  softmax: { params: ['log', 'dim'], tensors: ['y', 'x'], devices: BOTH },
  softmaxBackward: { params: ['log', 'dim'], tensors: ['dx', 'dy', 'y'], devices: BOTH },
  /** Returns the mean's denominator (the summed weight of the counted targets). */
  crossEntropy: { params: CE, tensors: ['out', 'lse', 'logits', 'target', 'weight?'], devices: BOTH, returns: 'number' },
  crossEntropyBackward: { params: [...CE, 'scale'], tensors: ['dlogits', 'dloss', 'logits', 'lse', 'target', 'weight?'], devices: BOTH },
  // ---- recurrent layers, one direction (native/cpu/rnn.h) ----
  rnnForward: {
    params: RNN,
    tensors: ['y', 'hn', 'cn?', 'reserve', 'x', 'h0', 'c0?', 'weightIh', 'weightHh', 'biasIh?', 'biasHh?'], devices: BOTH,
  },
  rnnBackward: {
    params: [...RNN, 'hasDx'],
    tensors: ['dx?', 'dh0', 'dc0?', 'dweightIh', 'dweightHh', 'dbiasIh?', 'dbiasHh?', 'dy', 'dhn', 'dcn?', 'x', 'h0',
      'c0?', 'weightIh', 'weightHh', 'y', 'reserve'],
    devices: BOTH,
  },
  // ---- indexing (int32 indices, range-checked natively) ----
  gather: { params: ['dim'], tensors: ['y', 'x', 'index'], devices: CPU },
  scatterAdd: { params: ['dim'], tensors: ['y', 'index', 'src'], devices: CPU },
  indexSelect: { params: ['dim'], tensors: ['y', 'x', 'index'], devices: CPU },
  indexSelectBackward: { params: ['dim'], tensors: ['dx', 'dy', 'index'], devices: CPU },
  /** The first index outside [0, limit) other than `allowed`, or null. */
  indexCheck: { params: ['limit', 'allowed'], tensors: ['index'], devices: CPU, returns: 'indexHit' },
  // ---- optimizer steps, in place on p and the state ----
  sgdStep: { params: ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'first', 'maximize'], tensors: ['p', 'g', 'buf?'], devices: BOTH },
  adamStep: {
    params: ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'decoupled', 'amsgrad', 'stepSize', 'bc2Sqrt', 'maximize'],
    tensors: ['p', 'g', 'expAvg', 'expAvgSq', 'maxExpAvgSq?'], devices: BOTH,
  },
  rmspropStep: {
    params: ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'],
    tensors: ['p', 'g', 'squareAvg', 'gradAvg*', 'buf*'], devices: CPU,
  },
  adagradStep: { params: ['clr', 'eps', 'weightDecay', 'maximize'], tensors: ['p', 'g', 'sum'], devices: CPU },
  // ---- image transforms on NCHW float32 batches ----
  imageNormalize: { params: ['C', '...mean', '...std'], tensors: ['y', 'x'], devices: CPU },
  imageFlip: { params: ['horizontal'], tensors: ['y', 'x', 'flip'], devices: CPU },
  imageAffine: { params: ['fill'], tensors: ['y', 'x', 'params'], devices: CPU },
  imageCrop: { params: ['pad', 'fill'], tensors: ['y', 'x', 'offsets'], devices: CPU },
} as const satisfies Record<string, KernelDef>;

export type KernelName = keyof typeof KERNELS;

type Handle = NativeHandle | null | undefined;
type KernelReturn<K extends KernelName> = (typeof KERNELS)[K] extends { returns: 'number' } ? number
  : (typeof KERNELS)[K] extends { returns: 'indexHit' } ? { position: number; value: number } | null : void;

/** The op bindings of an addon, typed from the table (lib/native.ts, lib/cuda.ts). */
export type KernelBindings = { [K in KernelName]: (...handles: Handle[]) => KernelReturn<K> };

/** True when `device` has a kernel for `name`. */
export function hasKernel(name: KernelName, device: Device): boolean {
  const devices: readonly DeviceType[] = KERNELS[name].devices;
  return devices.includes(device === 'cpu' ? 'cpu' : 'cuda');
}

const MAX_SLOTS = 24;

/**
 * One native call being assembled: `.num()` the params, `.t()` each tensor slot, `.run()`.
 * A single instance is reused (calls never nest: the argument buffer is shared).
 */
export class KernelCall {
  private name: KernelName = 'binary';
  private device: Device | null = null;
  private first: Tensor | null = null;
  private n = 0;
  private readonly h: Handle[] = new Array<Handle>(MAX_SLOTS).fill(undefined);

  /** @internal use dispatch(). */
  begin(name: KernelName): this {
    this.name = name;
    this.device = null;
    this.first = null;
    this.n = 0;
    args.reset();
    return this;
  }

  num(x: number): this { args.num(x); return this; }

  /**
   * The next tensor slot: t's view (or `view`, e.g. a broadcast of t) and handle; null or
   * undefined for an absent optional slot. All tensors of a call must share one device.
   */
  t(t: Tensor | null | undefined, view?: ViewLike): this {
    if (t === null || t === undefined) { this.h[this.n++] = undefined; return this; }
    if (this.device === null) { this.device = t.device; this.first = t; } else if (t.device !== this.device) {
      throw new TypeError(`${this.name}: tensors are on different devices: ${this.device} and ${t.device} ` +
        `(shapes ${JSON.stringify(this.first!.shape)} and ${JSON.stringify(t.shape)})`);
    }
    args.view(view ?? t);
    this.h[this.n++] = t.handle(this.name);
    return this;
  }

  /** Calls the binding of the tensors' device; returns what it returns. */
  run(): number {
    const name = this.name, device = this.device ?? 'cpu';
    if (device !== 'cpu' && !hasKernel(name, device)) {
      throw new Error(`${name}: no kernel for device ${device} (available on: ${KERNELS[name].devices.join(', ')})`);
    }
    const fn = (device === 'cpu' ? native : cudaAddon())[name] as (...h: Handle[]) => number;
    const h = this.h;
    // NOTE: a switch on arity instead of fn(...h.slice(0, n)): no array per call (per-op overhead).
    switch (this.n) {
      case 1: return fn(h[0]);
      case 2: return fn(h[0], h[1]);
      case 3: return fn(h[0], h[1], h[2]);
      case 4: return fn(h[0], h[1], h[2], h[3]);
      case 5: return fn(h[0], h[1], h[2], h[3], h[4]);
      case 6: return fn(h[0], h[1], h[2], h[3], h[4], h[5]);
      default: return fn(...h.slice(0, this.n));
    }
  }

  /** Like run() for a binding that returns an object (indexCheck). */
  runValue<T>(): T { return this.run() as unknown as T; }
}

const call = new KernelCall();

/**
 * Starts a native call of kernel `name`: the only way lib/ reaches an op binding.
 * @example dispatch('fill').num(0).t(y).run();
 */
export function dispatch(name: KernelName): KernelCall { return call.begin(name); }
