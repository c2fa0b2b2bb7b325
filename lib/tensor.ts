/**
 * Tensor: a strided view (shape, strides, offset, dtype) over native storage. Ops live
 * in lib/ops/ and add their methods to Tensor.prototype (see the `declare module` blocks
 * there); this file holds storage ownership, scopes (`tidy`) and reading data out.
 */
import { native, type CoreBindings, type NativeHandle } from './native';
import { dispatch, type KernelBindings } from './ops/kernels';
import { cudaAddon } from './cuda';
import { DTYPE_BYTES, DTYPE_CODE, typedArrayFor, type AnyTypedArray, type DType } from './dtype';
import { fmtShape, typeError } from './errors';
import type { Node } from './autograd/node';

export type Device = 'cpu' | `cuda` | `cuda:${number}`;

/** The bindings both addons provide: the core and every declared op kernel (lib/ops/kernels.ts). */
export type Kernels = CoreBindings & KernelBindings & { alloc(nbytes: number, device?: number): NativeHandle };

/** 'cuda' -> 'cuda:0'; throws a RangeError for anything but 'cpu' / 'cuda' / 'cuda:N'. */
export function normalizeDevice(device: string): Device {
  if (device === 'cpu') return 'cpu';
  const m = /^cuda(?::(\d+))?$/.exec(device);
  if (!m) throw new RangeError(`device must be 'cpu', 'cuda' or 'cuda:N', got '${device}'`);
  return `cuda:${m[1] === undefined ? 0 : Number(m[1])}`;
}

/** The addon that owns storage on `device` (throws naming the reason when CUDA is off). */
export function kernelsFor(device: Device): Kernels {
  return device === 'cpu' ? native : cudaAddon();
}

/** Native storage shared by a tensor and its views; freed when the last one lets go. */
export class Storage {
  private refs = 0;
  /**
   * Bumped by every in-place write (add_, copy_, optimizer steps, running statistics): the
   * tape remembers the version of each tensor a backward formula saved and refuses to run
   * that formula on overwritten data. Views share their storage's counter.
   */
  version = 0;
  constructor(public handle: NativeHandle | null, readonly nbytes: number, readonly kernels: Kernels = native) {}
  retain(): void { this.refs++; }
  release(): void {
    if (--this.refs === 0 && this.handle !== null) {
      this.kernels.free(this.handle);
      this.handle = null;
      liveBytes -= this.nbytes;
    }
  }
  get freed(): boolean { return this.handle === null; }
  /** Number of live tensors viewing this storage. */
  get refCount(): number { return this.refs; }
}

let liveTensors = 0;
let liveBytes = 0;
let nextId = 1;

// GC fallback: a tensor the user never disposed releases its storage reference when collected.
const finalizer = new FinalizationRegistry<Storage>((s) => { liveTensors--; s.release(); });

// tidy() scopes: every tensor created while a scope is open is tracked by the innermost one.
const scopes: Set<Tensor>[] = [];

/** The id the next tensor created will get (ids only grow): lets autograd tell which
 * tensors a backward pass created. */
export function nextTensorId(): number { return nextId; }

export function contiguousStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) { st[i] = s; s *= shape[i]; }
  return st;
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export class Tensor {
  readonly id = nextId++;
  /** Set by autograd: the node that produced this tensor (null for leaves). */
  gradFn: Node | null = null;
  /** Accumulated gradient (leaves, or non-leaves after `retainGrad()`). */
  grad: Tensor | null = null;
  requiresGrad = false;
  /** @internal non-leaf tensors that keep their .grad */
  retainsGrad = false;
  private disposedFlag = false;

  /** @internal use the creation functions (tensor, zeros, ...) instead. */
  constructor(
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
    readonly dtype: DType,
    readonly device: Device = 'cpu',
  ) {
    storage.retain();
    liveTensors++;
    finalizer.register(this, storage, this);
    if (scopes.length) scopes[scopes.length - 1].add(this);
  }

  /** Allocates an uninitialised contiguous tensor on `device` (default 'cpu'). */
  static empty(shape: readonly number[], dtype: DType = 'float32', device: Device = 'cpu'): Tensor {
    const dev = device === 'cpu' ? 'cpu' : normalizeDevice(device);
    const nbytes = numelOf(shape) * DTYPE_BYTES[dtype];
    const k = kernelsFor(dev);
    const st = new Storage(k.alloc(nbytes, dev === 'cpu' ? 0 : Number(dev.slice(5))), nbytes, k);
    liveBytes += nbytes;
    return new Tensor(st, shape.slice(), contiguousStrides(shape), 0, dtype, dev);
  }

  /** @internal the bindings of the addon that owns this tensor's storage. */
  get kernels(): Kernels { return this.storage.kernels; }

  /** @internal a view sharing this tensor's storage. */
  view_(shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    this.assertAlive('view');
    return new Tensor(this.storage, shape, strides, offset, this.dtype, this.device);
  }

  get dtypeCode(): number { return DTYPE_CODE[this.dtype]; }
  get ndim(): number { return this.shape.length; }
  get numel(): number { return numelOf(this.shape); }
  get isDisposed(): boolean { return this.disposedFlag; }
  /** True when created by the user (not by an op on tensors that require grad). */
  get isLeaf(): boolean { return this.gradFn === null; }
  /** Size of one dim, or the whole shape. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    if (dim === undefined) return this.shape.slice();
    const d = dim < 0 ? dim + this.ndim : dim;
    if (!Number.isInteger(d) || d < 0 || d >= this.ndim) {
      throw new RangeError(`size: dim ${dim} is out of range for shape ${fmtShape(this.shape)}`);
    }
    return this.shape[d];
  }

  isContiguous(): boolean {
    let s = 1;
    for (let i = this.ndim - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== s) return false;
      s *= this.shape[i];
    }
    return true;
  }

  /** The in-place version of this tensor's storage (shared with its views). */
  get version(): number { return this.storage.version; }

  /** @internal marks an in-place write: the storage's version moves on. */
  bumpVersion_(): void { this.storage.version++; }

  /** @internal the native handle, throwing if this tensor was disposed. */
  handle(op: string): NativeHandle {
    if (this.disposedFlag || this.storage.handle === null) {
      throw new Error(`${op}: tensor ${fmtShape(this.shape)} ${this.dtype} was disposed`);
    }
    return this.storage.handle;
  }
  assertAlive(op: string): void { this.handle(op); }

  /** Frees this tensor's reference to its storage now (views keep the storage alive). */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    finalizer.unregister(this);
    liveTensors--;
    this.storage.release();
    if (this.grad) { this.grad.dispose(); this.grad = null; }
    this.gradFn = null;
  }

  /**
   * Copies the elements out, in row-major order, as a typed array. Blocks until the queued
   * kernels writing this tensor have run (async execution); `await data()` does not.
   */
  dataSync(): AnyTypedArray {
    const src = this.isContiguous() ? this : contiguousCopy(this);
    const out = typedArrayFor(this.dtype, this.numel);
    if (out.length) src.kernels.read(src.handle('dataSync'), src.offset * DTYPE_BYTES[this.dtype], out);
    if (src !== this) src.dispose();
    return out;
  }

  /**
   * The elements, in row-major order, once the kernels writing this tensor have run,
   * without blocking the event loop. Rejects with the failing kernel's error (op name and
   * message) when a kernel this tensor depends on failed.
   * @example const [a, b] = await tensor([1, 2]).mul(2).data();  // 2, 4
   */
  async data(): Promise<AnyTypedArray> {
    const src = this.isContiguous() ? this : contiguousCopy(this);
    const out = typedArrayFor(this.dtype, this.numel);
    try {
      if (out.length) await src.kernels.readAsync(src.handle('data'), src.offset * DTYPE_BYTES[this.dtype], out);
    } finally {
      // NOTE: safe while the read is queued: the native side keeps the block until it ran.
      if (src !== this) src.dispose();
    }
    return out;
  }

  /**
   * The single value of a one-element tensor, without blocking the event loop.
   * @example const loss = await model.forward(x).mean().itemAsync();
   */
  async itemAsync(): Promise<number> {
    if (this.numel !== 1) {
      throw new RangeError(`itemAsync: tensor must have exactly one element, got shape ${fmtShape(this.shape)}`);
    }
    return (await this.data())[0];
  }

  /** Nested arrays like toArray(), without blocking the event loop. */
  async array(): Promise<NestedArray> { return nestFlat(await this.data(), this.shape, this.dtype); }

  /** The single value of a one-element tensor (blocks until it is computed; see itemAsync). */
  item(): number {
    if (this.numel !== 1) {
      throw new RangeError(`item: tensor must have exactly one element, got shape ${fmtShape(this.shape)}`);
    }
    return this.dataSync()[0];
  }

  /**
   * Nested arrays (booleans for bool tensors); a number/boolean for 0-d tensors. Blocks
   * until the tensor is computed (see `array()`).
   */
  toArray(): NestedArray { return nestFlat(this.dataSync(), this.shape, this.dtype); }

  /** PyTorch-style printout with shape and dtype; large tensors are elided. */
  toString(): string {
    if (this.disposedFlag) return `tensor(<disposed>, shape=${fmtShape(this.shape)}, dtype=${this.dtype})`;
    return formatTensor(this);
  }

  /** Marks this tensor as a leaf that accumulates gradients. */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf && !flag) {
      throw new Error('requiresGrad_: cannot turn off requiresGrad on a non-leaf tensor; use detach()');
    }
    if (flag && this.dtype !== 'float32') {
      throw typeError('requiresGrad_', `only float32 tensors can require gradients, got ${this.dtype}`);
    }
    this.requiresGrad = flag;
    return this;
  }

  /** Keeps .grad on this non-leaf tensor during backward(). */
  retainGrad(): this { this.retainsGrad = true; return this; }

  /** A view of the same data that is cut from the graph. */
  detach(): Tensor { return this.view_(this.shape, this.strides, this.offset); }
}

export type NestedArray = number | boolean | NestedArray[];

function nestFlat(flat: AnyTypedArray, shape: readonly number[], dtype: DType): NestedArray {
  const conv = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  const build = (dim: number, off: number): NestedArray => {
    if (dim === shape.length) return conv(flat[off]);
    const n = shape[dim];
    const step = numelOf(shape.slice(dim + 1));
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = build(dim + 1, off + i * step);
    return out;
  };
  return build(0, 0);
}

/** @internal a contiguous copy via the native strided copy (no autograd). */
export function contiguousCopy(t: Tensor, dtype: DType = t.dtype): Tensor {
  const out = Tensor.empty(t.shape, dtype, t.device);
  if (out.numel) {
    dispatch('cast').t(out).t(t).run();
  }
  return out;
}

function formatTensor(t: Tensor): string {
  const maxItems = 1000, edge = 3;
  const elide = t.numel > maxItems;
  const flat = t.dataSync();
  const fmtNum = numberFormatter(t.dtype, flat);
  const strides = contiguousStrides(t.shape);
  const render = (dim: number, off: number, indent: number): string => {
    if (dim === t.ndim) return fmtNum(flat[off]);
    const n = t.shape[dim];
    const idx: (number | null)[] = [];
    if (elide && n > 2 * edge) {
      for (let i = 0; i < edge; i++) idx.push(i);
      idx.push(null);
      for (let i = n - edge; i < n; i++) idx.push(i);
    } else {
      for (let i = 0; i < n; i++) idx.push(i);
    }
    const parts = idx.map((i) => (i === null ? '...' : render(dim + 1, off + i * strides[dim], indent + 1)));
    if (dim === t.ndim - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(t.ndim - dim - 1) + ' '.repeat(indent + 1);
    return `[${parts.join(sep)}]`;
  };
  const body = t.numel === 0 ? '[]' : render(0, 0, 7);
  const extra = t.requiresGrad ? (t.gradFn ? `, gradFn=<${t.gradFn.name}>` : ', requiresGrad=true') : '';
  return `tensor(${body}, shape=${fmtShape(t.shape)}, dtype=${t.dtype}${extra})`;
}

function numberFormatter(dtype: DType, flat: AnyTypedArray): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'true' : 'false');
  if (dtype !== 'float32') {
    let w = 1;
    for (const v of flat) w = Math.max(w, String(v).length);
    return (v) => String(v).padStart(w);
  }
  let maxAbs = 0, allInt = true;
  for (const v of flat) {
    if (Number.isFinite(v)) { maxAbs = Math.max(maxAbs, Math.abs(v)); if (!Number.isInteger(v)) allInt = false; }
  }
  const sci = maxAbs >= 1e8 || (maxAbs > 0 && maxAbs < 1e-4);
  const f = (v: number): string => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (sci) return v.toExponential(4);
    return allInt ? `${v.toFixed(0)}.` : v.toFixed(4);
  };
  let w = 1;
  for (const v of flat) w = Math.max(w, f(v).length);
  return (v) => f(v).padStart(w);
}

/**
 * Runs fn and disposes every tensor created inside it except those it returns (in an
 * array or object, any depth) and those passed to `keep()`. When fn throws, every tensor it
 * created except those passed to `keep()` is disposed before the error propagates.
 * @example const y = tidy(() => x.mul(2).add(1));  // the temporary x.mul(2) is freed
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    // NOTE: a failing training step must not leak what it made (500 failing steps once
    // kept 1 GiB alive); only keep() lets a tensor escape a throwing scope.
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TypeError('tidy: fn must be synchronous (it returned a Promise)');
  }
  const kept = new Set<Tensor>();
  collectTensors(result, kept);
  const parent = scopes.length ? scopes[scopes.length - 1] : null;
  for (const t of scope) {
    if (kept.has(t)) { if (parent) parent.add(t); } else t.dispose();
  }
  return result;
}

/** Excludes t from the enclosing tidy() scopes so it survives them. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collectTensors(x: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 8 || x === null || typeof x !== 'object') return;
  if (x instanceof Tensor) { out.add(x); if (x.grad) out.add(x.grad); return; }
  if (Array.isArray(x)) { for (const v of x) collectTensors(v, out, depth + 1); return; }
  if (x instanceof Map) { for (const v of x.values()) collectTensors(v, out, depth + 1); return; }
  for (const v of Object.values(x as Record<string, unknown>)) collectTensors(v, out, depth + 1);
}

export interface MemoryInfo {
  /** Tensors alive (not disposed, not yet garbage collected). */
  numTensors: number;
  /** Bytes of storage referenced by live tensors. */
  numBytes: number;
  /** Bytes held by the native allocator: in use, and cached for reuse. */
  nativeLiveBytes: number;
  nativeCachedBytes: number;
  /** The cache's limit (see setCacheLimit): past it, freed blocks go back to the OS. */
  cacheLimitBytes: number;
  /** Blocks obtained from the OS since start (flat in a steady training loop). */
  osAllocs: number;
  /** Blocks given back to the OS since start (past the limit, emptyCache, setCacheLimit). */
  osFrees: number;
  /** Bytes of kernel scratch (im2col, Winograd, GEMM packing) held by all threads. */
  scratchBytes: number;
}

/**
 * Native memory: live tensors, the allocator's cache and its limit, kernel scratch.
 * @example const { nativeCachedBytes, cacheLimitBytes } = memory();
 */
export function memory(): MemoryInfo {
  const s = native.memoryStats();
  return { numTensors: liveTensors, numBytes: liveBytes, nativeLiveBytes: s.liveBytes,
    nativeCachedBytes: s.cachedBytes, cacheLimitBytes: s.cacheLimit, osAllocs: s.osAllocs,
    osFrees: s.osFrees, scratchBytes: s.scratchBytes };
}

/** Releases cached native blocks back to the OS; returns the bytes released. */
export function emptyCache(): number { return native.emptyCache(); }

/**
 * Sets how many bytes of freed blocks the CPU allocator keeps for reuse (default: 1/8 of
 * physical memory, at most 2 GiB; env TENSORFORGE_CACHE_LIMIT). A block freed while the
 * cache is full goes back to the OS at once; lowering the limit frees cached blocks, largest
 * first, until the cache fits. 0 caches nothing. Returns the bytes given back to the OS.
 * @example setCacheLimit(256 * 2 ** 20);  // keep at most 256 MiB of freed blocks
 */
export function setCacheLimit(bytes: number): number {
  if (typeof bytes !== 'number') throw new TypeError(`setCacheLimit: bytes must be a number, got ${typeof bytes}`);
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`setCacheLimit: bytes must be a non-negative integer, got ${bytes}`);
  return native.setCacheLimit(bytes);
}

/** Parses a byte count with an optional binary suffix: '1073741824', '512M', '2G', '64k'. */
export function parseByteSize(name: string, text: string): number {
  const m = /^\s*(\d+)\s*([kmg]i?b?)?\s*$/i.exec(text);
  const mult = m?.[2] ? 1024 ** ('kmg'.indexOf(m[2][0].toLowerCase()) + 1) : 1;
  const n = m ? Number(m[1]) * mult : NaN;
  if (!Number.isSafeInteger(n)) throw new RangeError(`${name}: expected a byte count such as 1073741824, 512M or 2G, got '${text}'`);
  return n;
}

// NOTE: read once at load, like TENSORFORGE_NUM_THREADS; a bad value throws here rather than
// being ignored, so a typo does not silently leave the default in place.
const envCacheLimit = process.env.TENSORFORGE_CACHE_LIMIT;
if (envCacheLimit !== undefined && envCacheLimit !== '') setCacheLimit(parseByteSize('TENSORFORGE_CACHE_LIMIT', envCacheLimit));
