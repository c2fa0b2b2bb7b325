/** Creation functions: tensor, zeros, ones, full, arange, linspace, eye, rand, randn, randint. */
import { native } from '../native';
import { dispatch } from './kernels';
import { seedCuda } from '../cuda';
import { Tensor, normalizeDevice, type Device, type NestedArray } from '../tensor';
import { isDType, type AnyTypedArray, type DType } from '../dtype';
import { MAX_DIMS, checkShapeArg, fmtShape, rangeError, typeError } from '../errors';
import { RandomKind } from './codes';
import { checkOptions } from '../options';
import { declareKernels, BOTH, type KernelsOf } from './kernels';

// ---- the native bindings of this family (native/binding/random.cpp): see KERNELS in ./kernels ----
const CREATION_KERNELS = declareKernels({
  /** kind: RandomKind; uniform [p0, p1), normal (mean p0, std p1), bernoulli(p0), randint [p0, p1). */
  randomFill: { params: ['kind', 'p0', 'p1'], tensors: ['y'], devices: BOTH },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof CREATION_KERNELS> {} }


/**
 * Options of the creation functions (`zeros`, `tensor`, `randn`, ...).
 * @example
 * const opts: CreateOptions = { dtype: 'float32', requiresGrad: true, device: 'cpu' };
 * const w = zeros([3, 3], opts);
 */
export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Where the tensor lives: 'cpu' (default), 'cuda' or 'cuda:N'. */
  device?: string;
}

function deviceOf(opts: CreateOptions): Device { return opts.device === undefined ? 'cpu' : normalizeDevice(opts.device); }


const CREATE_KEYS = ['dtype', 'requiresGrad', 'device'] as const;

/** Checks a creation function's options object (unknown keys throw) and returns it or {}. */
function createOpts<O extends CreateOptions>(op: string, opts: O | undefined, extra: readonly string[] = []): O {
  checkOptions(op, opts, [...CREATE_KEYS, ...extra]);
  return opts ?? ({} as O);
}

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

function checkDType(op: string, d: unknown): DType {
  if (d === undefined) return 'float32';
  if (!isDType(d)) throw typeError(op, `dtype must be float32, int32, uint8 or bool, got ${String(d)}`);
  return d;
}

function inferDType(data: unknown): DType {
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  return 'float32';
}

/**
 * A tensor from nested arrays, a typed array (with `shape`), or a number.
 * @example const x = tensor([[1, 2], [3, 4]]);  const y = tensor([0, 2], { dtype: 'int32' });
 */
export function tensor(data: NestedArray | AnyTypedArray | ArrayLike<number>, optsIn?: CreateOptions & { shape?: number[] }): Tensor {
  const opts = createOpts('tensor', optsIn, ['shape']);
  let dtype: DType;
  let shape: number[];
  let flat: ArrayLike<number>;
  if (ArrayBuffer.isView(data)) {
    dtype = opts.dtype ? checkDType('tensor', opts.dtype) : inferDType(data);
    flat = data as AnyTypedArray;
    shape = opts.shape ? checkShapeArg('tensor', opts.shape) : [flat.length];
  } else {
    dtype = checkDType('tensor', opts.dtype ?? (isBoolNested(data) ? 'bool' : undefined));
    shape = [];
    let d: unknown = data;
    while (Array.isArray(d)) {
      shape.push(d.length);
      if (shape.length > MAX_DIMS) throw rangeError('tensor', `nested arrays deeper than ${MAX_DIMS} dims are not supported`);
      d = d[0];
    }
    const out: number[] = [];
    flattenChecked(data as NestedArray, shape, 0, out);
    flat = out;
    if (opts.shape) {
      const s = checkShapeArg('tensor', opts.shape);
      if (s.reduce((a, b) => a * b, 1) !== out.length) throw rangeError('tensor', `shape ${fmtShape(s)} does not match ${out.length} values`);
      shape = s;
    }
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== flat.length) throw rangeError('tensor', `shape ${fmtShape(shape)} needs ${n} values, got ${flat.length}`);
  if ((dtype === 'int32' || dtype === 'uint8') && !(flat instanceof (dtype === 'int32' ? Int32Array : Uint8Array))) checkIntRange(dtype, flat);
  const t = Tensor.empty(shape, dtype, deviceOf(opts));
  if (n) {
    const buf = dtype === 'float32' ? Float32Array.from(flat) : dtype === 'int32' ? Int32Array.from(flat)
      : Uint8Array.from(flat, (v) => (dtype === 'bool' ? (v ? 1 : 0) : v));
    t.kernels.write(t.handle('tensor'), 0, buf);
  }
  return finish(t, opts);
}

/** Like PyTorch, a value that does not fit the integer dtype is an error (never wrapped). */
function checkIntRange(dtype: 'int32' | 'uint8', flat: ArrayLike<number>): void {
  const [lo, hi] = dtype === 'int32' ? [-(2 ** 31), 2 ** 31 - 1] : [0, 255];
  for (let i = 0; i < flat.length; i++) {
    const v = Math.trunc(flat[i]);
    if (!(v >= lo && v <= hi)) {
      throw rangeError('tensor', `value ${flat[i]} at index ${i} cannot be converted to ${dtype} without overflow (range ${lo}..${hi})`);
    }
  }
}

function isBoolNested(d: unknown): boolean {
  while (Array.isArray(d)) d = d[0];
  return typeof d === 'boolean';
}

function flattenChecked(d: NestedArray, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof d === 'boolean') { out.push(d ? 1 : 0); return; }
    if (typeof d !== 'number') throw typeError('tensor', `expected a number at depth ${dim}, got ${Array.isArray(d) ? 'an array' : typeof d}`);
    out.push(d);
    return;
  }
  if (!Array.isArray(d) || d.length !== shape[dim]) {
    throw rangeError('tensor', `ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${Array.isArray(d) ? d.length : typeof d}`);
  }
  for (const v of d) flattenChecked(v, shape, dim + 1, out);
}

/**
 * A tensor of `shape` filled with `value`.
 * @example
 * const sevens = full([2, 2], 7);
 * const mask = full([3], true);   // bool
 */
export function full(shape: readonly number[], value: number | boolean, optsIn?: CreateOptions): Tensor {
  const opts = createOpts('full', optsIn);
  const s = checkShapeArg('full', shape);
  const dtype = checkDType('full', opts.dtype ?? (typeof value === 'boolean' ? 'bool' : undefined));
  if (typeof value !== 'number' && typeof value !== 'boolean') throw typeError('full', `value must be a number, got ${typeof value}`);
  const t = Tensor.empty(s, dtype, deviceOf(opts));
  if (t.numel) dispatch('fill').num(Number(value)).t(t).run();
  return finish(t, opts);
}

// NOTE: zeros/ones report shape errors as 'full' (the op that runs); option errors name the caller.
/**
 * A float32 (or `opts.dtype`) tensor of zeros.
 * @example
 * const z = zeros([2, 3]);
 * const counts = zeros([10], { dtype: 'int32' });
 */
export const zeros = (shape: readonly number[], opts?: CreateOptions): Tensor => full(shape, 0, createOpts('zeros', opts));
/**
 * A tensor of ones.
 * @example
 * const b = ones([4], { requiresGrad: true });
 */
export const ones = (shape: readonly number[], opts?: CreateOptions): Tensor => full(shape, 1, createOpts('ones', opts));
/**
 * Zeros with t's shape, dtype and device.
 * @example
 * const x = randn([2, 5]);
 * const z = zerosLike(x);
 */
export const zerosLike = (t: Tensor, opts?: CreateOptions): Tensor => full(t.shape, 0, { dtype: t.dtype, device: t.device, ...createOpts('zerosLike', opts) });
/**
 * Ones with t's shape, dtype and device.
 * @example
 * const o = onesLike(randn([3, 3]));
 */
export const onesLike = (t: Tensor, opts?: CreateOptions): Tensor => full(t.shape, 1, { dtype: t.dtype, device: t.device, ...createOpts('onesLike', opts) });
/**
 * A tensor filled with v, with t's shape, dtype and device.
 * @example
 * const x = randn([2, 2]);
 * const nine = fullLike(x, 9);
 */
export const fullLike = (t: Tensor, v: number, opts?: CreateOptions): Tensor => full(t.shape, v, { dtype: t.dtype, device: t.device, ...createOpts('fullLike', opts) });

/**
 * Values start, start+step, ... below end (arange(n) = 0..n-1).
 * @example
 * console.log(arange(5).toArray());          // [0, 1, 2, 3, 4]
 * console.log(arange(1, 2, 0.25).toArray()); // [1, 1.25, 1.5, 1.75]
 */
export function arange(start: number, end?: number, step = 1, optsIn?: CreateOptions): Tensor {
  const opts = createOpts('arange', optsIn);
  if (end === undefined) { end = start; start = 0; }
  for (const v of [start, end, step]) if (!Number.isFinite(v)) throw rangeError('arange', `start, end and step must be finite, got ${start}, ${end}, ${step}`);
  if (step === 0) throw rangeError('arange', 'step must be non-zero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (n > 2 ** 31) throw rangeError('arange', `too many elements (${n})`);
  const dtype = checkDType('arange', opts.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int32' : 'float32'));
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = start + i * step;
  return finish(tensor(vals as unknown as ArrayLike<number>, { dtype, shape: [n], device: opts.device }), opts);
}

/**
 * `steps` evenly spaced values from start to end inclusive.
 * @example
 * console.log(linspace(0, 1, 5).toArray());  // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(start: number, end: number, steps: number, optsIn?: CreateOptions): Tensor {
  const opts = createOpts('linspace', optsIn);
  if (!Number.isInteger(steps) || steps < 0) throw rangeError('linspace', `steps must be a non-negative integer, got ${steps}`);
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw rangeError('linspace', 'start and end must be finite');
  const vals = new Float64Array(steps);
  const d = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) vals[i] = i === steps - 1 && steps > 1 ? end : start + i * d;
  return finish(tensor(vals as unknown as ArrayLike<number>, { dtype: checkDType('linspace', opts.dtype), shape: [steps], device: opts.device }), opts);
}

/**
 * n x m identity matrix.
 * @example
 * const i3 = eye(3);
 * const rect = eye(2, 4, { dtype: 'int32' });
 */
export function eye(n: number, m = n, optsIn?: CreateOptions): Tensor {
  const opts = createOpts('eye', optsIn);
  checkShapeArg('eye', [n, m], 'n, m');
  const t = zeros([n, m], { dtype: opts.dtype, device: opts.device });
  const diag = t.view_([Math.min(n, m)], [m + 1], 0);
  diag.fill_(1);
  diag.dispose();
  return finish(t, opts);
}

function randomTensor(op: string, shape: readonly number[], kind: RandomKind, p0: number, p1: number, dtype: DType,
  device: Device = 'cpu'): Tensor {
  const s = checkShapeArg(op, shape);
  const t = Tensor.empty(s, dtype, device);
  if (t.numel) dispatch('randomFill').num(kind).num(p0).num(p1).t(t).run();
  return t;
}

/**
 * Uniform on [0, 1) (or [low, high)).
 * @example
 * manualSeed(0);
 * const u = rand([2, 3]);                          // uniform in [0, 1)
 * const v = rand([100], { low: -1, high: 1 });
 */
export function rand(shape: readonly number[], optsIn?: CreateOptions & { low?: number; high?: number }): Tensor {
  const opts = createOpts('rand', optsIn, ['low', 'high']);
  const lo = opts.low ?? 0, hi = opts.high ?? 1;
  if (!(hi > lo)) throw rangeError('rand', `high (${hi}) must be greater than low (${lo})`);
  return finish(randomTensor('rand', shape, RandomKind.Uniform, lo, hi, 'float32', deviceOf(opts)), opts);
}

/**
 * Normal with mean 0 and std 1 (or the given mean/std).
 * @example
 * manualSeed(0);
 * const w = randn([784, 128], { std: 0.05 });
 * const noise = randn([8], { mean: 1, std: 0.1 });
 */
export function randn(shape: readonly number[], optsIn?: CreateOptions & { mean?: number; std?: number }): Tensor {
  const opts = createOpts('randn', optsIn, ['mean', 'std']);
  const std = opts.std ?? 1;
  if (!(std >= 0)) throw rangeError('randn', `std must be non-negative, got ${std}`);
  return finish(randomTensor('randn', shape, RandomKind.Normal, opts.mean ?? 0, std, 'float32', deviceOf(opts)), opts);
}

/**
 * Integers uniform on [low, high) as int32; `randint(high, shape)` means low = 0, as in PyTorch.
 * @example randint(0, 10, [3]);  randint(10, [3]);  randint(0, 10, [3], { device: 'cuda' });
 */
export function randint(low: number, high: number | readonly number[], shape?: readonly number[] | Pick<CreateOptions, 'device'>,
  optsIn?: Pick<CreateOptions, 'device'>): Tensor {
  if (Array.isArray(high)) return randint(0, low, high, shape as Pick<CreateOptions, 'device'> | undefined);
  checkOptions('randint', optsIn, ['device']);
  const opts = optsIn ?? {};
  if (!Number.isInteger(low) || !Number.isInteger(high) || (high as number) <= low) {
    throw rangeError('randint', `need integers low < high, got ${low}, ${String(high)}`);
  }
  if (low < -(2 ** 31) || (high as number) > 2 ** 31) throw rangeError('randint', 'low/high must fit in int32');
  return randomTensor('randint', shape as readonly number[], RandomKind.Randint, low, high as number, 'int32', deviceOf(opts));
}

/**
 * 1 with probability p, else 0 (float32 unless dtype says otherwise).
 * @example
 * const mask = bernoulli([4, 4], 0.3);   // each element 1 with probability 0.3
 */
export function bernoulli(shape: readonly number[], p: number, optsIn?: CreateOptions): Tensor {
  const opts = createOpts('bernoulli', optsIn, []);
  if (!(p >= 0 && p <= 1)) throw rangeError('bernoulli', `p must be in [0, 1], got ${p}`);
  return randomTensor('bernoulli', shape, RandomKind.Bernoulli, p, 0, checkDType('bernoulli', opts.dtype), deviceOf(opts));
}

/**
 * Seeds the generator of this thread's tensorforge instance; runs are then reproducible.
 * @example
 * manualSeed(42);
 * const a = randn([3]).toArray();
 * manualSeed(42);
 * const b = randn([3]).toArray();       // equal to a
 */
export function manualSeed(seed: number): void {
  if (typeof seed !== 'number') throw typeError('manualSeed', `seed must be a number, got ${typeof seed}`);
  native.manualSeed(seed);
  seedCuda(seed);
}
