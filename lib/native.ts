/**
 * The typed interface of the native addon (see native/binding/). Tensor metadata travels
 * through one shared Float64Array: callers write it with `args` (an ArgWriter), then call
 * the binding with storage handles only. The layout of a view is
 * `[dtype, ndim, offset, ...shape, ...strides]` (native/binding/args.cpp reads it back).
 */
import * as path from 'path';

/** A handle to native storage: slot + generation in one number (native/binding/instance.h). */
export type NativeHandle = number & { readonly __brand: 'NativeHandle' };

export interface NativeMemoryStats {
  storages: number;
  liveBytes: number;
  cachedBytes: number;
  osAllocs: number;
}

export interface NativeBackendInfo {
  isa: 'generic' | 'avx2' | 'avx512';
  supportedIsas: string[];
  threads: number;
}

/** Bindings of the CPU addon. Argument comments give what the arg buffer must hold. */
export interface NativeAddon {
  setArgBuffer(buf: Float64Array): void;
  alloc(nbytes: number): NativeHandle;
  free(h: NativeHandle): void;
  write(h: NativeHandle, byteOffset: number, src: ArrayBufferView): void;
  read(h: NativeHandle, byteOffset: number, dst: ArrayBufferView): void;
  memoryStats(): NativeMemoryStats;
  emptyCache(): number;
  backendInfo(): NativeBackendInfo;
  setNumThreads(n: number): void;
  setIsa(name: string): void;
  /** args: [op, view y, view a, view b] */
  binary(y: NativeHandle, a: NativeHandle, b: NativeHandle): void;
  /** args: [op, p0, p1, view y, view x] */
  unary(y: NativeHandle, x: NativeHandle): void;
  /** args: [op, p0, p1, view dx, view dy, view x, view y] */
  unaryBackward(dx: NativeHandle, dy: NativeHandle, x: NativeHandle, y: NativeHandle): void;
  /** args: [view y, view cond, view a, view b] */
  where(y: NativeHandle, c: NativeHandle, a: NativeHandle, b: NativeHandle): void;
  /** args: [view y, view x] */
  cast(y: NativeHandle, x: NativeHandle): void;
  /** args: [value, view y] */
  fill(y: NativeHandle): void;
  /** args: [kind, p0, p1, view y] */
  randomFill(y: NativeHandle): void;
  manualSeed(seed: number): void;
  rngState(): number[];
  setRngState(state: number[]): void;
  /** args: [op, nkept, view y, view x]; x is permuted so its last ndim-nkept dims are reduced. */
  reduce(y: NativeHandle, x: NativeHandle): void;
  /**
   * One recurrent layer, one direction (native/cpu/rnn.h). args: [mode (0 rnnTanh, 1 rnnRelu,
   * 2 lstm, 3 gru), reverse, hasBias, impl (0 fast, 1 naive reference), then the views of
   * the non-null tensors in argument order]. cn/c0 are null unless LSTM; biases null when
   * hasBias is 0. Shapes: y [T,B,H], hn/cn/h0/c0 [B,H], reserve [T,B,S] (S = 5H LSTM, 4H GRU,
   * 0 RNN), x [T,B,I], weightIh [G*H,I], weightHh [G*H,H], biases [G*H].
   */
  rnnForward(y: NativeHandle, hn: NativeHandle, cn: NativeHandle | null, reserve: NativeHandle,
    x: NativeHandle, h0: NativeHandle, c0: NativeHandle | null, weightIh: NativeHandle,
    weightHh: NativeHandle, biasIh: NativeHandle | null, biasHh: NativeHandle | null): void;
  /**
   * Gradients of rnnForward (written, not accumulated). args: [mode, reverse, hasBias, impl,
   * hasDx, then views as rnnForward's]. dx null when hasDx is 0; dc0/dcn/c0 null unless
   * LSTM; dbiasIh/dbiasHh null when hasBias is 0.
   */
  rnnBackward(dx: NativeHandle | null, dh0: NativeHandle, dc0: NativeHandle | null, dweightIh: NativeHandle,
    dweightHh: NativeHandle, dbiasIh: NativeHandle | null, dbiasHh: NativeHandle | null,
    dy: NativeHandle, dhn: NativeHandle, dcn: NativeHandle | null, x: NativeHandle, h0: NativeHandle,
    c0: NativeHandle | null, weightIh: NativeHandle, weightHh: NativeHandle, y: NativeHandle,
    reserve: NativeHandle): void;
  /**
   * args: [act, biasKind, view y, view a, view b, (view bias when biasKind != 0)].
   * y[..., M, N] = a[..., M, K] @ b[..., K, N] (+ bias, then relu when act = 1); batch dims
   * broadcast by the caller (stride 0), y contiguous; a and b need unit stride in one of
   * their last two dims (transposed views pass without copies). biasKind: 0 none,
   * 1 bias[N] per column (the `hasBias` = 1 of the interim binding), 2 bias[M] per row (codes of GemmBias/GemmAct in gemm.h).
   */
  matmul(y: NativeHandle, a: NativeHandle, b: NativeHandle, bias?: NativeHandle): void;

  // ---- convolution (native/binding/conv.cpp); each returns the ConvAlgo it ran ----
  /** args: [algo, strideH, strideW, padTop, padBottom, padLeft, padRight, dilH, dilW, groups,
   *  act, hasBias, view y, view x, view w, (view bias)] */
  conv2dForward(y: NativeHandle, x: NativeHandle, w: NativeHandle, bias?: NativeHandle): number;
  /** args: [algo, strideH, strideW, padTop, padBottom, padLeft, padRight, dilH, dilW, groups,
   *  view dx, view dy, view w] */
  conv2dBackwardInput(dx: NativeHandle, dy: NativeHandle, w: NativeHandle): number;
  /** args: [algo, strideH, strideW, padTop, padBottom, padLeft, padRight, dilH, dilW, groups,
   *  hasBias, view dw, view dy, view x, (view dbias)] */
  conv2dBackwardWeight(dw: NativeHandle, dy: NativeHandle, x: NativeHandle, dbias?: NativeHandle): number;
  /** args: [algo, strideH, strideW, padH, padW, outPadH, outPadW, dilH, dilW, groups, hasBias,
   *  view y, view x, view w, (view bias)]; w: [Cin, Cout/groups, KH, KW] */
  convTranspose2dForward(y: NativeHandle, x: NativeHandle, w: NativeHandle, bias?: NativeHandle): number;
  /** args: [algo, strideH, strideW, padH, padW, outPadH, outPadW, dilH, dilW, groups,
   *  view dx, view dy, view w] */
  convTranspose2dBackwardInput(dx: NativeHandle, dy: NativeHandle, w: NativeHandle): number;
  /** args: [algo, strideH, strideW, padH, padW, outPadH, outPadW, dilH, dilW, groups, hasBias,
   *  view dw, view dy, view x, (view dbias)] */
  convTranspose2dBackwardWeight(dw: NativeHandle, dy: NativeHandle, x: NativeHandle, dbias?: NativeHandle): number;

  // ---- pooling (native/binding/pool.cpp) ----
  /** args: [kH, kW, strideH, strideW, padH, padW, dilH, dilW, ceilMode, view y, view idx (int32), view x] */
  maxPool2dForward(y: NativeHandle, idx: NativeHandle, x: NativeHandle): void;
  /** args: [view dx, view dy, view idx] */
  maxPool2dBackward(dx: NativeHandle, dy: NativeHandle, idx: NativeHandle): void;
  /** args: [kH, kW, strideH, strideW, padH, padW, ceilMode, countIncludePad, divisorOverride (0 = none),
   *  view y, view x] */
  avgPool2dForward(y: NativeHandle, x: NativeHandle): void;
  /** args: as avgPool2dForward with view dx, view dy */
  avgPool2dBackward(dx: NativeHandle, dy: NativeHandle): void;
  /** args: [view y, view x] (the output size is y's) */
  adaptiveAvgPool2dForward(y: NativeHandle, x: NativeHandle): void;
  /** args: [view dx, view dy] */
  adaptiveAvgPool2dBackward(dx: NativeHandle, dy: NativeHandle): void;

  // ---- normalization (native/binding/norm.cpp); absent optional slots are undefined ----
  /** args: [training, momentum, eps, hasWeight, hasBias, hasRunningStats, view y, view saveMean,
   *  view saveInvstd, view x, (view weight), (view bias), (view runningMean, view runningVar)] */
  batchNormForward(y: NativeHandle, saveMean: NativeHandle, saveInvstd: NativeHandle, x: NativeHandle,
    weight: NativeHandle | undefined, bias: NativeHandle | undefined,
    runningMean: NativeHandle | undefined, runningVar: NativeHandle | undefined): void;
  /** args: [training, hasDx, hasDweight, hasDbias, hasWeight, (view dx), (view dweight), (view dbias),
   *  view dy, view x, view saveMean, view saveInvstd, (view weight)] */
  batchNormBackward(dx: NativeHandle | undefined, dweight: NativeHandle | undefined, dbias: NativeHandle | undefined,
    dy: NativeHandle, x: NativeHandle, saveMean: NativeHandle, saveInvstd: NativeHandle,
    weight: NativeHandle | undefined): void;
  /** args: [D, eps, hasWeight, hasBias, view y, view mean, view rstd, view x, (view weight), (view bias)] */
  layerNormForward(y: NativeHandle, mean: NativeHandle, rstd: NativeHandle, x: NativeHandle,
    weight: NativeHandle | undefined, bias: NativeHandle | undefined): void;
  /** args: [D, hasDx, hasDweight, hasDbias, hasWeight, (view dx), (view dweight), (view dbias), view dy,
   *  view x, view mean, view rstd, (view weight)] */
  layerNormBackward(dx: NativeHandle | undefined, dweight: NativeHandle | undefined, dbias: NativeHandle | undefined,
    dy: NativeHandle, x: NativeHandle, mean: NativeHandle, rstd: NativeHandle,
    weight: NativeHandle | undefined): void;
  /** args: [G, eps, hasWeight, hasBias, view y, view mean, view rstd, view x, (view weight), (view bias)];
   *  x, y: [N, C, ...] with G dividing C; mean, rstd: [N, G]; weight, bias: [C] */
  groupNormForward(y: NativeHandle, mean: NativeHandle, rstd: NativeHandle, x: NativeHandle,
    weight: NativeHandle | undefined, bias: NativeHandle | undefined): void;
  /** args: [G, hasDx, hasDweight, hasDbias, hasWeight, (view dx), (view dweight), (view dbias), view dy,
   *  view x, view mean, view rstd, (view weight)] */
  groupNormBackward(dx: NativeHandle | undefined, dweight: NativeHandle | undefined, dbias: NativeHandle | undefined,
    dy: NativeHandle, x: NativeHandle, mean: NativeHandle, rstd: NativeHandle,
    weight: NativeHandle | undefined): void;

  // ---- upsampling (native/binding/upsample.cpp) ----
  /** args: [mode (0 nearest, 1 bilinear), alignCorners, scaleFactorH, scaleFactorW (0 = none, a size was
   *  given), view y, view x]; x [N, C, H, W], y [N, C, OH, OW] (the output size is y's) */
  interpolateForward(y: NativeHandle, x: NativeHandle): void;
  /** args: as interpolateForward with view dx, view dy; dx [N, C, H, W] is overwritten */
  interpolateBackward(dx: NativeHandle, dy: NativeHandle): void;
  /** args: [log, dim, view y, view x]; contiguous float32 */
  softmax(y: NativeHandle, x: NativeHandle): void;
  /** args: [log, dim, view dx, view dy, view y] */
  softmaxBackward(dx: NativeHandle, dy: NativeHandle, y: NativeHandle): void;
  /** args: [reduction, ignoreIndex, smoothing, isProbs, hasWeight, view out, view lse, view logits,
   * view target, (view weight)]; returns the mean's denominator. */
  crossEntropy(out: NativeHandle, lse: NativeHandle, logits: NativeHandle, target: NativeHandle, weight?: NativeHandle): number;
  /** args: [reduction, ignoreIndex, smoothing, isProbs, hasWeight, scale, view dlogits, view dloss,
   * view logits, view lse, view target, (view weight)] */
  crossEntropyBackward(dlogits: NativeHandle, dloss: NativeHandle, logits: NativeHandle, lse: NativeHandle,
    target: NativeHandle, weight?: NativeHandle): void;
  /** args: [dim, view y, view x, view index] */
  gather(y: NativeHandle, x: NativeHandle, index: NativeHandle): void;
  /** args: [dim, view y, view index, view src]; y += src scattered along dim, in place */
  scatterAdd(y: NativeHandle, index: NativeHandle, src: NativeHandle): void;
  /** args: [dim, view y, view x, view index]; contiguous, index 1-D */
  indexSelect(y: NativeHandle, x: NativeHandle, index: NativeHandle): void;
  /** args: [dim, view dx, view dy, view index]; dx += index-add of dy */
  indexSelectBackward(dx: NativeHandle, dy: NativeHandle, index: NativeHandle): void;
  /** args: [limit, allowed, view index]; the first index outside [0, limit) other than `allowed` */
  indexCheck(index: NativeHandle): { position: number; value: number } | null;
  /** args: [lr, momentum, dampening, weightDecay, nesterov, first, maximize, view p, view g, (view buf if momentum != 0)] */
  sgdStep(p: NativeHandle, g: NativeHandle, buf?: NativeHandle): void;
  /** args: [lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad, stepSize, bc2Sqrt, maximize,
   * view p, view g, view expAvg, view expAvgSq, (view maxExpAvgSq if amsgrad)] */
  adamStep(p: NativeHandle, g: NativeHandle, m: NativeHandle, v: NativeHandle, vmax?: NativeHandle): void;
  /** args: [lr, alpha, eps, weightDecay, momentum, centered, maximize, view p, view g,
   * view squareAvg, (view gradAvg if centered), (view buf if momentum > 0)] */
  rmspropStep(p: NativeHandle, g: NativeHandle, sq: NativeHandle, ...rest: NativeHandle[]): void;
  /** args: [clr, eps, weightDecay, maximize, view p, view g, view sum] */
  adagradStep(p: NativeHandle, g: NativeHandle, sum: NativeHandle): void;
  /** args: [C, mean[C], std[C], view y, view x]; NCHW float32 contiguous. */
  imageNormalize(y: NativeHandle, x: NativeHandle): void;
  /** args: [horizontal, view y, view x, view flip]; flip: float32 [N], nonzero = mirror. */
  imageFlip(y: NativeHandle, x: NativeHandle, flip: NativeHandle): void;
  /** args: [fill, view y, view x, view params]; params: float32 [N, 5] {angle, tx, ty, scale, shear}. */
  imageAffine(y: NativeHandle, x: NativeHandle, params: NativeHandle): void;
  /** args: [pad, fill, view y, view x, view offsets]; offsets: int32 [N, 2] {top, left}. */
  imageCrop(y: NativeHandle, x: NativeHandle, offsets: NativeHandle): void;
}

/** Anything with storage + view metadata (a Tensor). */
export interface ViewLike {
  readonly dtypeCode: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

const ARG_CAPACITY = 4096;

/** Writes call arguments into the shared buffer; `reset()` before each call. */
export class ArgWriter {
  readonly buf = new Float64Array(ARG_CAPACITY);
  private pos = 0;
  reset(): this { this.pos = 0; return this; }
  num(x: number): this {
    if (this.pos >= ARG_CAPACITY) throw new RangeError('native: argument buffer overflow');
    this.buf[this.pos++] = x;
    return this;
  }
  view(t: ViewLike): this {
    const n = t.shape.length;
    if (this.pos + 3 + 2 * n > ARG_CAPACITY) throw new RangeError('native: argument buffer overflow');
    const b = this.buf;
    let p = this.pos;
    b[p++] = t.dtypeCode; b[p++] = n; b[p++] = t.offset;
    for (let i = 0; i < n; i++) b[p++] = t.shape[i];
    for (let i = 0; i < n; i++) b[p++] = t.strides[i];
    this.pos = p;
    return this;
  }
}

function loadAddon(): NativeAddon {
  // node-gyp-build picks prebuilds/<platform>-<arch>/ first, then build/Release.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const load = require('node-gyp-build') as (dir: string) => unknown;
  return load(path.join(__dirname, '..', '..')) as NativeAddon;
}

export const native: NativeAddon = loadAddon();
export const args = new ArgWriter();
native.setArgBuffer(args.buf);
