/**
 * The CUDA backend's loader and typed interface. The addon `tensorforge_cuda.node` compiles
 * the CPU addon's binding sources (native/binding/) with the CUDA kernels, so it exports the
 * same op bindings with the same protocol, plus the device extras of native/binding/cuda/.
 * It is built separately (`npm run build:cuda`, needs nvcc) and loaded
 * lazily on first use: importing this module never throws and never touches the GPU. When
 * CUDA is off, `cudaAvailable()` is false and `cudaUnavailableReason()` says why
 * ("CUDA addon not built …", "no CUDA driver …", "driver too old: found 12.4, need 13.0", …).
 *
 * Calls use the CPU addon's shared argument buffer (lib/native.ts `args`): write the
 * metadata through `dispatch()` (lib/ops/kernels.ts), which calls the binding with storage handles.
 *
 * @example
 * import { cuda, cudaAvailable } from './cuda';
 * if (cudaAvailable()) { cuda.setMemoryLimit(4 * 2 ** 30); console.log(cuda.memory()); }
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CoreBindings, NativeHandle } from './native';
import type { KernelBindings } from './ops/kernels';

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

/**
 * What `cuda.memory()` reports for one device (bytes, and allocation counts).
 * @example
 * if (cudaAvailable()) {
 *   const s: CudaMemoryStats = cuda.memory(0);
 *   console.log(`${s.liveBytes} live, ${s.cachedBytes} cached of ${s.deviceTotalBytes}`);
 * }
 */
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

/**
 * How float32 matmuls may run on CUDA: 'highest' (full fp32), 'high'/'medium' (TF32 tensor cores).
 * @example
 * const p: MatmulPrecision = 'highest';
 * setMatmulPrecision(p);
 */
export type MatmulPrecision = 'highest' | 'high' | 'medium';

/**
 * Bindings of tensorforge_cuda.node: the core and every op of the kernel
 * registry (lib/ops/kernels.ts) with the CPU addon's argument protocol — an op on a CUDA tensor goes
 * through `dispatch()` exactly as on the CPU — plus the device controls below.
 */
export interface CudaAddon extends CoreBindings, KernelBindings {
  status(): Omit<CudaStatus, 'addonPath'>;
  /** Uninitialised memory on cuda:device (default 0). */
  alloc(nbytes: number, device?: number): NativeHandle;
  // write: host -> device, returns once staged (ordered before later ops); read: device ->
  // host, synchronizes with the queued work.
  copy(dst: NativeHandle, dstByteOffset: number, src: NativeHandle, srcByteOffset: number, nbytes: number): void;
  synchronize(device?: number): void;
  memory(device?: number): CudaMemoryStats & { storages: number };
  setMemoryLimit(bytes: number): void;
  memoryLimit(): number;
  /** Returns cached blocks of one device (or of all, with the CPU cache, when omitted). */
  emptyCache(device?: number): number;
  setMatmulPrecision(p: MatmulPrecision): void;
  getMatmulPrecision(): 'highest' | 'high';
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

/**
 * True when the CUDA addon is built, loads, and found a driver and at least one GPU.
 * @example
 * const device = cudaAvailable() ? 'cuda' : 'cpu';
 * const x = randn([1024, 1024]).to(device);
 */
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

/**
 * The current matmul precision ('highest' unless set).
 * @example
 * setMatmulPrecision('high');
 * console.log(getMatmulPrecision());   // 'high'
 */
export function getMatmulPrecision(): 'highest' | 'high' {
  return pendingPrecision === 'highest' ? 'highest' : 'high';
}

function checkDevice(fn: string, device: number | undefined): number {
  const d = device ?? 0;
  if (!Number.isInteger(d) || d < 0) throw new RangeError(`cuda.${fn}: device must be a non-negative integer, got ${d}`);
  return d;
}

/**
 * Device-memory controls (PyTorch's torch.cuda.*).
 * @example
 * if (cuda.isAvailable()) {
 *   console.log(cuda.deviceCount(), cuda.memory().liveBytes);
 *   cuda.emptyCache();
 * }
 */
export const cuda = {
  /** Whether the CUDA backend is usable (see `cudaAvailable`). */
  isAvailable: cudaAvailable,
  /** Number of visible CUDA devices (0 without CUDA). */
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
  /** The cap set by setMemoryLimit (bytes; 0: none). */
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
