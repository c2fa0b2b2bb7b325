/**
 * The CUDA backend's loader and typed interface (see native/cuda/binding/). The addon
 * `tensorforge_cuda.node` is built separately (`npm run build:cuda`, needs nvcc) and loaded
 * lazily on first use: importing this module never throws and never touches the GPU. When
 * CUDA is off, `cudaAvailable()` is false and `cudaUnavailableReason()` says why
 * ("CUDA addon not built …", "no CUDA driver …", "driver too old: found 12.4, need 13.0", …).
 *
 * Calls use the CPU addon's shared argument buffer (lib/native.ts `args`): write the
 * metadata with `args.reset().num(..).view(..)`, then call the binding with storage handles.
 *
 * @example
 * import { cuda, cudaAvailable } from './cuda';
 * if (cudaAvailable()) { cuda.setMemoryLimit(4 * 2 ** 30); console.log(cuda.memory()); }
 */
import * as fs from 'fs';
import * as path from 'path';
import type { NativeHandle } from './native';

export interface CudaDeviceInfo { index: number; name: string; capability: string }

export interface CudaStatus {
  available: boolean;
  /** Why CUDA is off; '' when available. */
  reason: string;
  driverVersion: string;
  runtimeVersion: string;
  deviceCount: number;
  devices: CudaDeviceInfo[];
  /** The addon file that was loaded, or '' when none was found. */
  addonPath: string;
}

export interface CudaMemoryStats {
  liveBytes: number;
  cachedBytes: number;
  reservedBytes: number;
  peakReservedBytes: number;
  limitBytes: number;
  deviceFreeBytes: number;
  deviceTotalBytes: number;
  mallocs: number;
}

export type MatmulPrecision = 'highest' | 'high' | 'medium';

/** Bindings of tensorforge_cuda.node. Comments give what the arg buffer must hold. */
export interface CudaAddon {
  status(): Omit<CudaStatus, 'addonPath'>;
  setArgBuffer(buf: Float64Array): void;
  alloc(nbytes: number, device?: number): NativeHandle;
  free(h: NativeHandle): void;
  /** Host -> device; returns once staged (ordered before later ops). */
  write(h: NativeHandle, byteOffset: number, src: ArrayBufferView): void;
  /** Device -> host; synchronizes with queued work. */
  read(h: NativeHandle, byteOffset: number, dst: ArrayBufferView): void;
  copy(dst: NativeHandle, dstByteOffset: number, src: NativeHandle, srcByteOffset: number, nbytes: number): void;
  synchronize(device?: number): void;
  memory(device?: number): CudaMemoryStats & { storages: number };
  setMemoryLimit(bytes: number): void;
  memoryLimit(): number;
  emptyCache(device?: number): number;
  setMatmulPrecision(p: MatmulPrecision): void;
  getMatmulPrecision(): 'highest' | 'high';
  manualSeed(seed: number): void;
  rngState(): number[];
  setRngState(state: number[]): void;
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
  /** args: [op, nkept, correction, view y, view x] (codes: lib/ops/codes.ts ReduceOp) */
  reduce(y: NativeHandle, x: NativeHandle): void;
  /** args: [kind, p0, p1, view y] */
  randomFill(y: NativeHandle): void;
  /** args: [act, hasBias, view y, view a, view b, (view bias)] (the CPU addon's protocol) */
  matmul(y: NativeHandle, a: NativeHandle, b: NativeHandle, bias?: NativeHandle): void;
  /** args: [sh, sw, ph, pw, dh, dw, groups, view y, view x, view w, (view bias)] */
  conv2d(y: NativeHandle, x: NativeHandle, w: NativeHandle, bias?: NativeHandle | null): void;
  /** args: [conv params, view dx, view dy, view w] */
  conv2dBackwardInput(dx: NativeHandle, dy: NativeHandle, w: NativeHandle): void;
  /** args: [conv params, view dw, view dy, view x] */
  conv2dBackwardWeight(dw: NativeHandle, dy: NativeHandle, x: NativeHandle): void;
  /** args: [view db, view dy] */
  conv2dBackwardBias(db: NativeHandle, dy: NativeHandle): void;
  /** args: [KH, KW, sh, sw, ph, pw, view y, view idx, view x] */
  maxPool2d(y: NativeHandle, idx: NativeHandle, x: NativeHandle): void;
  /** args: [KH, KW, sh, sw, ph, pw, view dx, view dy, view idx] */
  maxPool2dBackward(dx: NativeHandle, dy: NativeHandle, idx: NativeHandle): void;
  /** args: [KH, KW, sh, sw, ph, pw, countIncludePad, view y, view x] */
  avgPool2d(y: NativeHandle, x: NativeHandle): void;
  /** args: [KH, KW, sh, sw, ph, pw, countIncludePad, view dx, view dy] */
  avgPool2dBackward(dx: NativeHandle, dy: NativeHandle): void;
  /** args: [view y, view x] */
  adaptiveAvgPool2d(y: NativeHandle, x: NativeHandle): void;
  /** args: [view dx, view dy] */
  adaptiveAvgPool2dBackward(dx: NativeHandle, dy: NativeHandle): void;
  /** args: [training, momentum, eps, views of the non-null handles in order] */
  batchNorm(y: NativeHandle, saveMean: NativeHandle | null, saveInvstd: NativeHandle | null,
            runningMean: NativeHandle | null, runningVar: NativeHandle | null, x: NativeHandle,
            gamma: NativeHandle | null, beta: NativeHandle | null): void;
  /** args: [views of the non-null handles in order] */
  batchNormBackward(dx: NativeHandle, dgamma: NativeHandle | null, dbeta: NativeHandle | null, dy: NativeHandle,
                    x: NativeHandle, saveMean: NativeHandle, saveInvstd: NativeHandle, gamma: NativeHandle | null): void;
  lstmCell(h: NativeHandle, c: NativeHandle, act: NativeHandle, gates: NativeHandle, cPrev: NativeHandle | null): void;
  lstmCellBackward(dgates: NativeHandle, dcPrev: NativeHandle, dh: NativeHandle, dc: NativeHandle | null,
                   act: NativeHandle, cPrev: NativeHandle | null, c: NativeHandle): void;
  gruCell(h: NativeHandle, act: NativeHandle, gx: NativeHandle, gh: NativeHandle, hPrev: NativeHandle): void;
  gruCellBackward(dgx: NativeHandle, dgh: NativeHandle, dhPrev: NativeHandle, dh: NativeHandle, act: NativeHandle,
                  hPrev: NativeHandle): void;
  lstmLayer(hs: NativeHandle, cs: NativeHandle, gates: NativeHandle, x: NativeHandle, wIh: NativeHandle,
            wHh: NativeHandle, bias: NativeHandle | null, h0: NativeHandle | null, c0: NativeHandle | null): void;
  /** args: [log, view y, view x] */
  softmax(y: NativeHandle, x: NativeHandle): void;
  /** args: [log, view dx, view dy, view y] */
  softmaxBackward(dx: NativeHandle, dy: NativeHandle, y: NativeHandle): void;
  /** args: [ignoreIndex, view loss, view lse, view logits, view target] */
  crossEntropy(loss: NativeHandle, lse: NativeHandle, logits: NativeHandle, target: NativeHandle): void;
  /** args: [ignoreIndex, view dlogits, view dloss, view logits, view lse, view target] */
  crossEntropyBackward(dlogits: NativeHandle, dloss: NativeHandle, logits: NativeHandle, lse: NativeHandle,
                       target: NativeHandle): void;
  /** args: [p, view y, view mask, view x] */
  dropout(y: NativeHandle, mask: NativeHandle, x: NativeHandle): void;
  /** args: [p, view dx, view dy, view mask] */
  dropoutBackward(dx: NativeHandle, dy: NativeHandle, mask: NativeHandle): void;
  /** args: [lr, beta1, beta2, eps, weightDecay, step, decoupled, views] */
  adam(param: NativeHandle, m: NativeHandle, v: NativeHandle, grad: NativeHandle): void;
  /** args: [lr, momentum, dampening, weightDecay, nesterov, first, views] */
  sgd(param: NativeHandle, buf: NativeHandle | null, grad: NativeHandle): void;
}

const ROOT = path.join(__dirname, '..', '..');

/** Where tensorforge_cuda.node may live, first match wins. */
export function cudaAddonCandidates(): string[] {
  const env = process.env.TENSORFORGE_CUDA_ADDON;
  const name = 'tensorforge_cuda.node';
  return [
    ...(env ? [path.resolve(env)] : []),
    path.join(ROOT, 'build-cmake', 'Release', name),
    path.join(ROOT, 'build', 'Release', name),
    path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`, name),
  ];
}

interface LoadState { addon: CudaAddon | null; status: CudaStatus }
let state: LoadState | null = null;
let pendingPrecision: MatmulPrecision = 'highest';

function off(reason: string, addonPath = ''): LoadState {
  return {
    addon: null,
    status: { available: false, reason, driverVersion: '', runtimeVersion: '', deviceCount: 0, devices: [], addonPath },
  };
}

function load(): LoadState {
  if (process.env.TENSORFORGE_DISABLE_CUDA === '1') return off('disabled by TENSORFORGE_DISABLE_CUDA=1');
  const file = cudaAddonCandidates().find((f) => fs.existsSync(f));
  if (!file) {
    return off('CUDA addon not built (tensorforge_cuda.node not found; run `npm run build:cuda` where nvcc is installed)');
  }
  let addon: CudaAddon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    addon = require(file) as CudaAddon;
  } catch (e) {
    return off(`failed to load ${file}: ${(e as Error).message}`, file);
  }
  let st: Omit<CudaStatus, 'addonPath'>;
  try {
    st = addon.status();
  } catch (e) {
    return off(`CUDA status check failed: ${(e as Error).message}`, file);
  }
  if (!st.available) return { addon: null, status: { ...st, addonPath: file } };
  try {
    // The CPU addon's argument buffer is shared, so one ArgWriter serves both backends.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { args } = require('./native') as typeof import('./native');
    addon.setArgBuffer(args.buf);
  } catch (e) {
    return off(`cannot share the argument buffer with the CPU addon: ${(e as Error).message}`, file);
  }
  if (pendingSeed !== null) addon.manualSeed(pendingSeed);
  if (pendingPrecision !== 'highest') addon.setMatmulPrecision(pendingPrecision);
  return { addon, status: { ...st, addonPath: file } };
}

let pendingSeed: number | null = null;

/** Seeds the CUDA generator too (manualSeed calls this); applied at load if not loaded yet. */
export function seedCuda(seed: number): void {
  pendingSeed = seed;
  if (state?.addon) state.addon.manualSeed(seed);
}

function loaded(): LoadState {
  if (!state) state = load();
  return state;
}

/** True when the CUDA addon is built, loads, and found a driver and at least one GPU. */
export function cudaAvailable(): boolean { return loaded().status.available; }

/** Why CUDA is off ('' when it is on). */
export function cudaUnavailableReason(): string { return loaded().status.reason; }

/** Full status for `backendInfo().cuda`. Never throws. */
export function cudaStatus(): CudaStatus {
  const s = loaded().status;
  return { ...s, devices: s.devices.map((d) => ({ ...d })) };
}

/** The CUDA addon; throws an Error naming the reason when CUDA is off. */
export function cudaAddon(): CudaAddon {
  const s = loaded();
  if (!s.addon) throw new Error(`CUDA is not available: ${s.status.reason}`);
  return s.addon;
}

/** A parsed device string: 'cpu', 'cuda' (= 'cuda:0') or 'cuda:N'. */
export interface Device { readonly type: 'cpu' | 'cuda'; readonly index: number }

/**
 * Parses 'cpu' | 'cuda' | 'cuda:N'; throws a RangeError for anything else.
 * @example parseDevice('cuda:1') // { type: 'cuda', index: 1 }
 */
export function parseDevice(device: string): Device {
  if (device === 'cpu') return { type: 'cpu', index: 0 };
  const m = /^cuda(?::(\d+))?$/.exec(device);
  if (!m) throw new RangeError(`device must be 'cpu', 'cuda' or 'cuda:N', got '${device}'`);
  return { type: 'cuda', index: m[1] === undefined ? 0 : Number(m[1]) };
}

/** Formats a device back to its string form ('cpu', 'cuda:0', …). */
export function deviceString(d: Device): string { return d.type === 'cpu' ? 'cpu' : `cuda:${d.index}`; }

/**
 * Selects fp32 ('highest') or TF32 tensor-core ('high' / 'medium') matmul and convolution
 * on CUDA, like torch.set_float32_matmul_precision. No effect on CPU.
 * @example setMatmulPrecision('high');
 */
export function setMatmulPrecision(p: MatmulPrecision): void {
  if (p !== 'highest' && p !== 'high' && p !== 'medium') {
    throw new RangeError(`setMatmulPrecision: expected 'highest', 'high' or 'medium', got '${String(p)}'`);
  }
  pendingPrecision = p;
  if (state?.addon) state.addon.setMatmulPrecision(p);
}

/** The current matmul precision ('highest' unless set). */
export function getMatmulPrecision(): 'highest' | 'high' {
  return pendingPrecision === 'highest' ? 'highest' : 'high';
}

function checkDevice(fn: string, device: number | undefined): number {
  const d = device ?? 0;
  if (!Number.isInteger(d) || d < 0) throw new RangeError(`cuda.${fn}: device must be a non-negative integer, got ${d}`);
  return d;
}

/** Device-memory controls (PyTorch's torch.cuda.*). */
export const cuda = {
  isAvailable: cudaAvailable,
  deviceCount(): number { return loaded().status.deviceCount; },
  /**
   * Caps what the caching allocator may hold per device (bytes; 0 removes the cap), instead
   * of growing until the card is full. Also settable with env TENSORFORGE_CUDA_MEMORY_LIMIT
   * (bytes, or with a K/M/G/T suffix) before the first CUDA call.
   * @example cuda.setMemoryLimit(8 * 2 ** 30);
   */
  setMemoryLimit(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`cuda.setMemoryLimit: bytes must be a non-negative integer, got ${bytes}`);
    }
    cudaAddon().setMemoryLimit(bytes);
  },
  memoryLimit(): number { return cudaAddon().memoryLimit(); },
  /** Returns cached blocks to the driver; returns the bytes freed. */
  emptyCache(device?: number): number {
    return device === undefined ? cudaAddon().emptyCache() : cudaAddon().emptyCache(checkDevice('emptyCache', device));
  },
  /** Allocator statistics of one device. */
  memory(device?: number): CudaMemoryStats { return cudaAddon().memory(checkDevice('memory', device)); },
  /** Waits for all queued work on the device's stream. */
  synchronize(device?: number): void { cudaAddon().synchronize(checkDevice('synchronize', device)); },
};
