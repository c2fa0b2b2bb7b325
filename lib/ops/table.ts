/**
 * The op table (in the spirit of ATen's native_functions.yaml + derivatives.yaml + OpInfo):
 * one entry per op with its name, argument schema (tensor arguments with their dtypes and
 * ranks, options with defaults and checks), shape inference and cross-argument checks, the
 * native kernels it calls (so the devices that can run it), the tensors it saves and its
 * backward formula, and sample inputs that drive the generated tests
 * (test/25.optable.test.ts: forward against the float64 reference on every ISA and CUDA,
 * gradcheck, bad input).
 *
 * `defineOp` registers an entry and returns the function that runs it: argument checks
 * once, then `forward` (which reaches the kernels through `dispatch()`), then the tape.
 *
 * @example
 * const relu6 = defineOp({ name: 'relu6', kernels: ['unary'], inputs: [{ name: 'input', dtypes: ['float32'] }],
 *   options: {}, forward: (ctx, [x]) => ..., backward: (ctx, g) => [...], samples: () => [...] });
 */
import { Tensor, type Device } from '../tensor';
import type { DType } from '../dtype';
import { fmtShape, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { checkOptions } from '../options';
import { KERNELS, hasKernel, type DeviceType, type KernelName } from './kernels';

/** A tensor argument: its API name, the dtypes and ranks (ndim) it accepts. */
export interface TensorArg {
  readonly name: string;
  readonly dtypes: readonly DType[];
  /** The dtypes in words for error messages ('int32 class indices or float32 probabilities'). */
  readonly kind?: string;
  /** Accepted ndims; any when absent. */
  readonly ranks?: readonly number[];
  /** May be null/undefined. */
  readonly optional?: boolean;
  /** Never differentiated (indices, running statistics). */
  readonly noGrad?: boolean;
  /** What the dims mean, one per rank, for error messages: ['(C, H, W)', '(N, C, H, W)']. */
  readonly layouts?: readonly string[];
  /** Passed in the options object under its name (PyTorch keyword tensors: weight, bias). */
  readonly option?: boolean;
}

/** Checks an option value and fills its default (`v` is undefined when the caller left it out). */
export type OptionCheck<T> = (op: string, v: unknown) => T;

/** One sample call for the generated tests: inputs in the entry's order and the options. */
export interface OpSample {
  readonly note: string;
  readonly inputs: readonly (Tensor | null)[];
  readonly options?: Record<string, unknown>;
  /** Skip the gradient check (e.g. non-smooth points are likely, or no input needs grad). */
  readonly noGradcheck?: boolean;
}

/** What forward leaves for backward (the tensors and values it saved), and extra
 * non-differentiable outputs (maxPool2d's indices) for callers that ask for them. */
export interface OpContext<S> { saved: S; aux: Tensor[] }

export interface OpDef<O extends object, S> {
  /** The op's public name (also the key the generated tests and references use). */
  readonly name: string;
  /** The native kernels forward and backward call (the op runs on the devices that have all). */
  readonly kernels: readonly KernelName[];
  readonly inputs: readonly TensorArg[];
  /** Every option key with its check and default; any other key is rejected. */
  readonly options: { readonly [K in keyof O]-?: OptionCheck<O[K]> };
  /**
   * Shape inference, cross-argument checks and the kernel calls. Inputs arrive checked
   * against `inputs` (dtype, rank, one device). Saves what backward needs in ctx.saved.
   */
  forward(ctx: OpContext<S>, inputs: (Tensor | null)[], opts: O): Tensor;
  /** The gradient of each input (null where not needed), from the output gradient. */
  backward?(ctx: OpContext<S>, grad: Tensor, inputs: (Tensor | null)[], out: Tensor): (Tensor | null)[];
  /** Sample calls for the generated tests (drawn from the seeded generator). */
  samples(): OpSample[];
}

/** A registered entry, as the tests and tools see it. */
export interface OpInfo {
  readonly name: string;
  readonly kernels: readonly KernelName[];
  readonly inputs: readonly TensorArg[];
  readonly optionKeys: readonly string[];
  readonly differentiable: boolean;
  /** Devices with a kernel for every kernel the op calls. */
  readonly devices: readonly DeviceType[];
  /** Runs the op on inputs (in the entry's order, option tensors included) and options. */
  readonly call: (inputs: readonly (Tensor | null)[], opts?: Record<string, unknown>) => Tensor;
  readonly samples: () => OpSample[];
}

/** Every op of the table, by name. */
export const OPS = new Map<string, OpInfo>();

function checkInput(op: string, spec: TensorArg, v: unknown): Tensor | null {
  if (v === null || v === undefined) {
    if (spec.optional) return null;
    throw typeError(op, `${spec.name} must be a Tensor, got ${v === null ? 'null' : 'undefined'}`);
  }
  if (!(v instanceof Tensor)) throw typeError(op, `${spec.name} must be a Tensor, got ${typeof v}`);
  v.assertAlive(op);
  if (!spec.dtypes.includes(v.dtype)) {
    throw typeError(op, `${spec.name} must be ${spec.kind ?? spec.dtypes.join(' or ')}, got ${v.dtype} (shape ${fmtShape(v.shape)})`);
  }
  if (spec.ranks && !spec.ranks.includes(v.ndim)) {
    const want = spec.ranks.map((r, i) => `${r}-D${spec.layouts ? ` ${spec.layouts[i]}` : ''}`).join(' or ');
    throw rangeError(op, `${spec.name} must be ${want}, got shape ${fmtShape(v.shape)}`);
  }
  return v;
}

/**
 * Checks the inputs of `op` against their specs and that they share one device; returns
 * that device ('cpu' when every input is absent).
 */
export function checkInputs(op: string, specs: readonly TensorArg[], values: readonly unknown[]): { inputs: (Tensor | null)[]; device: Device } {
  const inputs = specs.map((s, i) => checkInput(op, s, values[i]));
  let device: Device | null = null, first = -1;
  inputs.forEach((t, i) => {
    if (!t) return;
    if (device === null) { device = t.device; first = i; } else if (t.device !== device) {
      throw typeError(op, `${specs[first].name} is on ${device} but ${specs[i].name} is on ${t.device}; move them to one device with .to()`);
    }
  });
  return { inputs, device: device ?? 'cpu' };
}

/** The tensors among the values forward saved (their in-place versions are checked at backward). */
function savedTensors(saved: unknown): Tensor[] {
  if (saved instanceof Tensor) return [saved];
  if (saved === null || typeof saved !== 'object') return [];
  return Object.values(saved as Record<string, unknown>).filter((v): v is Tensor => v instanceof Tensor);
}

/**
 * Registers an op whose hot path stays hand-written (the elementwise, reduction and matmul
 * families, where per-op overhead matters): its schema and samples join the table so the
 * generated tests cover it; `call` runs the public function.
 */
export function registerOp(info: Omit<OpInfo, 'devices'>): void {
  OPS.set(info.name, { ...info, devices: devicesOf(info.kernels) });
}

/** The devices that have every kernel of the list. */
export function devicesOf(kernels: readonly KernelName[]): DeviceType[] {
  return (['cpu', 'cuda'] as const).filter((d) => kernels.every((k) => (KERNELS[k].devices as readonly string[]).includes(d)));
}

/**
 * Registers an op and returns its runner: `run(inputs, opts)` checks the inputs and options,
 * runs forward, and records backward on the tape when grad mode is on and an input needs it.
 */
/** Runs an op: positional tensors, then options (option tensors such as weight under their names). */
// NOTE: opts is checked key by key at run time (the public functions type it precisely).
export type OpRunner<O> = (inputs: readonly unknown[], opts?: Partial<O> | object | null, aux?: Tensor[]) => Tensor;

export function defineOp<O extends object, S>(def: OpDef<O, S>): OpRunner<O> {
  const optionKeys = Object.keys(def.options) as (keyof O & string)[];
  const tensorOptions = def.inputs.filter((s) => s.option).map((s) => s.name);
  const allowed = [...optionKeys, ...tensorOptions];
  const run: OpRunner<O> = (positional, optsIn, aux) => {
    const op = def.name;
    checkOptions(op, optsIn, allowed);
    const given = (optsIn ?? {}) as Record<string, unknown>;
    let pos = 0;
    const values = def.inputs.map((s) => (s.option ? given[s.name] : positional[pos++]));
    const { inputs, device } = checkInputs(op, def.inputs, values);
    if (device !== 'cpu') {
      for (const k of def.kernels) {
        if (!hasKernel(k, device)) throw new Error(`${op}: no kernel for device ${device} (${k} runs on ${KERNELS[k].devices.join(', ')})`);
      }
    }
    const opts = {} as O;
    for (const k of optionKeys) opts[k] = def.options[k](op, given[k]);
    const ctx: OpContext<S> = { saved: undefined as unknown as S, aux: [] };
    const out = def.forward(ctx, inputs, opts);
    if (aux) aux.push(...ctx.aux);
    const backward = def.backward;
    if (backward && isGradEnabled()) {
      const diff = inputs.filter((t, i): t is Tensor => t !== null && !def.inputs[i].noGrad);
      if (diff.some((t) => t.requiresGrad)) {
        record(op, out, diff, (g) => {
          const grads = backward(ctx, g, inputs, out);
          return inputs.flatMap((t, i) => (t !== null && !def.inputs[i].noGrad ? [grads[i]] : []));
        }, savedTensors(ctx.saved));
      }
    }
    return out;
  };
  OPS.set(def.name, {
    name: def.name, kernels: def.kernels, inputs: def.inputs, optionKeys, differentiable: def.backward !== undefined,
    devices: devicesOf(def.kernels), samples: def.samples,
    call: (inputs, opts) => {
      const named = Object.fromEntries(def.inputs.flatMap((s, i) => (s.option && inputs[i] ? [[s.name, inputs[i]]] : [])));
      return run(inputs.filter((_, i) => !def.inputs[i].option), { ...opts, ...named } as Partial<O>);
    },
  });
  return run;
}

// ---- option checks shared by entries ----

/** A boolean option with a default. */
export function bool(name: string, dflt: boolean): OptionCheck<boolean> {
  return (op, v) => {
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') throw typeError(op, `${name} must be a boolean, got ${typeof v} ${JSON.stringify(v)}`);
    return v;
  };
}

/** A finite number >= min (default dflt). */
export function finite(name: string, dflt: number, min = -Infinity): OptionCheck<number> {
  return (op, v) => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(op, `${name} must be a finite number, got ${String(v)}`);
    if (v < min) throw rangeError(op, `${name} must be >= ${min}, got ${v}`);
    return v;
  };
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(name: string, values: readonly T[], dflt: T): OptionCheck<T> {
  return (op, v) => {
    if (v === undefined) return dflt;
    if (!values.includes(v as T)) throw rangeError(op, `${name} must be one of ${values.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  };
}

/** Any value, passed through (the forward checks it with the shapes at hand). */
export function raw<T>(dflt: T): OptionCheck<T> { return (_op, v) => (v === undefined ? dflt : v as T); }
