/**
 * The typed interface of the native addon (see native/binding/). Tensor metadata travels
 * through one shared Float64Array: callers write it with `args` (an ArgWriter), then call
 * the binding with storage handles only. The layout of a view is
 * `[dtype, ndim, offset, ...shape, ...strides]` (native/binding/args.cpp reads it back).
 */
import * as path from 'path';
import type { KernelBindings } from './ops/kernels';

/** A handle to native storage: slot + generation in one number (native/binding/instance.h). */
export type NativeHandle = number & { readonly __brand: 'NativeHandle' };

export interface NativeMemoryStats {
  storages: number;
  liveBytes: number;
  cachedBytes: number;
  osAllocs: number;
  osFrees: number;
  cacheLimit: number;
  scratchBytes: number;
}

export interface NativeBackendInfo {
  isa: 'generic' | 'avx2' | 'avx512';
  supportedIsas: string[];
  threads: number;
  bf16Gemm: 'amx' | 'avx512bf16' | 'rounded-fp32';
  amx: { available: boolean; enabled: boolean };
}

/**
 * The bindings every addon has that are not ops: memory, reading and writing data, settings,
 * the generator. The op bindings (`KernelBindings`) come from the kernel
 * registry (lib/ops/kernels.ts), filled by each op family's declarations with the protocols.
 */
export interface CoreBindings {
  setArgBuffer(buf: Float64Array): void;
  free(h: NativeHandle): void;
  write(h: NativeHandle, byteOffset: number, src: ArrayBufferView): void;
  read(h: NativeHandle, byteOffset: number, dst: ArrayBufferView): void;
  /** Resolves once `dst` holds the bytes, without blocking the event loop (see lib/exec.ts). */
  /** `signal` (an Int32Array over dst's ArrayBuffer): signal[0] = 1 (2 on failure) right after
   * the copy, on the stream thread, with a futex wake (the process group's worker waits on it). */
  readAsync(h: NativeHandle, byteOffset: number, dst: ArrayBufferView, signal?: Int32Array): Promise<void>;
  manualSeed(seed: number): void;
  /** The value randint(low, high, [1]) would draw, without a storage (CPU addon). */
  drawInt(low: number, high: number): number;
  rngState(): number[];
  setRngState(state: number[]): void;
}

/** Bindings of the CPU addon: the core, the CPU settings, and every op of the kernel table. */
export interface NativeAddon extends CoreBindings, KernelBindings {
  alloc(nbytes: number): NativeHandle;
  memoryStats(): NativeMemoryStats;
  emptyCache(): number;
  setCacheLimit(bytes: number): number;
  backendInfo(): NativeBackendInfo;
  setNumThreads(n: number): void;
  setIsa(name: string): void;
  setAmx(enabled: boolean): void;
  setAsync(on: boolean): void;
  synchronize(): void;
  whenIdle(): Promise<void>;
  streamStats(): NativeStreamStats;
  injectKernelFault(name: string): void;
}

export interface NativeStreamStats {
  async: boolean;
  queued: number;
  enqueued: number;
  completed: number;
  pendingFrees: number;
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
