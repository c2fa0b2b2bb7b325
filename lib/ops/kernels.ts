/**
 * The kernel registry and `dispatch()`, the one place that chooses a backend and writes the
 * argument buffer (lib/native.ts ArgWriter ↔ native/include/tensorforge/arg_decode.h).
 * Each op family declares its native bindings next to its op-table entries
 * (lib/ops/<family>.ts: `declareKernels`), with the argument protocol and the devices that
 * have a kernel; the typed addon interfaces (`NativeAddon` in lib/native.ts, `CudaAddon` in
 * lib/cuda.ts) are derived from those declarations, so a kernel's name is written in its
 * family's op file and in its binding (native/binding/<family>.cpp), nowhere else.
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

export const BOTH = ['cpu', 'cuda'] as const;
export const CPU = ['cpu'] as const;

/**
 * The kernel registry, filled by each op family next to its table entries (lib/ops/<family>.ts:
 * `declareKernels({...})` plus an augmentation of this interface, so the names are typed).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface KernelRegistry {}
/** The registry entries contributed by one family's declarations (for `interface KernelRegistry extends`). */
export type KernelsOf<T> = { [K in keyof T]: T[K] };

/** Every native op binding by name, at run time. */
export const KERNELS: Record<string, KernelDef> = Object.create(null) as Record<string, KernelDef>;

/**
 * Declares a family's native bindings (name = the binding's export; protocol and devices).
 * A name declared twice is a programming error.
 * @example const K = declareKernels({ fill: { params: ['value'], tensors: ['y'], devices: BOTH } } as const);
 */
export function declareKernels<T extends Record<string, KernelDef>>(defs: T): T {
  for (const [name, def] of Object.entries(defs)) {
    if (KERNELS[name]) throw new Error(`declareKernels: kernel ${name} is declared twice`);
    KERNELS[name] = def;
  }
  return defs;
}

export type KernelName = keyof KernelRegistry & string;

type Handle = NativeHandle | null | undefined;
type KernelReturn<K extends KernelName> = KernelRegistry[K] extends { returns: 'number' } ? number
  : KernelRegistry[K] extends { returns: 'indexHit' } ? { position: number; value: number } | null : void;

/** The op bindings of an addon, typed from the registry (lib/native.ts, lib/cuda.ts). */
export type KernelBindings = { [K in KernelName]: (...handles: Handle[]) => KernelReturn<K> };

/** True when `device` has a kernel for `name`. */
export function hasKernel(name: KernelName, device: Device): boolean {
  const devices: readonly DeviceType[] = KERNELS[name]?.devices ?? [];
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
