/**
 * Process groups, PyTorch-shaped: `initProcessGroup` joins this process to a group of
 * `worldSize` ranks through a rendezvous store, and the collectives run on tensors, off the
 * event loop, one ordered queue per group, each returning a promise.
 *
 * A backend works on host typed arrays (Float32Array / Int32Array) in place; tensors are
 * staged through them: read out of storage (one copy), reduced by the backend's worker
 * thread, written back (one copy). CUDA tensors take the same path through host memory, so
 * an NCCL backend can slot in beside Gloo through `registerBackend` without touching callers.
 *
 * @example
 * await dist.initProcessGroup({ backend: 'gloo' });           // RANK, WORLD_SIZE, TENSORFORGE_DIST_STORE
 * const t = tensor([dist.getRank() + 1]);
 * await dist.allReduce(t, 'sum');                             // every rank: 1 + 2 + ... + worldSize
 * await dist.destroyProcessGroup();
 */
import * as fs from 'fs';
import { Tensor } from '../tensor';
import { DTYPE_BYTES } from '../dtype';
import { fmtShape, rangeError, typeError } from '../errors';
import { checkOptions } from '../options';
import { distAddon, type NativeProcessGroup, type OpTiming } from './addon';

/**
 * How a collective combines the ranks' tensors.
 * @example
 * const op: dist.ReduceOp = 'max';
 * const t = tensor([dist.getRank()]);
 * await dist.allReduce(t, op);   // every rank: worldSize - 1
 */
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';
const REDUCE_CODE: Record<ReduceOp, number> = { sum: 0, mean: 1, max: 2, min: 3 };

/**
 * Host staging buffer of a tensor: what a backend reduces in place.
 * @example
 * const buf: dist.HostBuffer = new Float32Array(4);
 */
export type HostBuffer = Float32Array | Int32Array;

/**
 * What a backend provides: in-place collectives on host buffers, run in issue order.
 * @example
 * // A single-process backend (worldSize 1): every collective leaves the data as it is.
 * const done = async () => ({ startMs: 0, endMs: 0 });
 * const local: dist.Backend = {
 *   name: 'local',
 *   allReduce: done, broadcast: done, barrier: done, destroy: done,
 *   allGather: async (input, shape, output) => { output.set(input); return done(); },
 *   reduceScatter: async (input, shape, op, output) => { output.set(input); return done(); },
 * };
 */
export interface Backend {
  readonly name: string;
  /** `checked: false` may skip the cross-rank shape check (the caller guarantees equal sizes). */
  allReduce(buf: HostBuffer, shape: readonly number[], op: ReduceOp, checked?: boolean): Promise<OpTiming>;
  /** Optional: an unchecked allReduce queued now that starts once `signal[0] != 0` (an Int32Array
   * over buf's ArrayBuffer, set by the CPU stream when it has copied the data in, see
   * `readAsync`'s signal), without waiting for the event loop; 2 in signal[0] fails it. DDP
   * uses it where present. The timing's startMs is when it could start. */
  allReduceAfter?(buf: HostBuffer, shape: readonly number[], op: ReduceOp, signal: Int32Array): Promise<OpTiming>;
  /** Overwrites buf with rank root's buf. */
  broadcast(buf: HostBuffer, shape: readonly number[], root: number): Promise<OpTiming>;
  /** Writes every rank's input, in rank order, into output (worldSize times input's length). */
  allGather(input: HostBuffer, shape: readonly number[], output: HostBuffer): Promise<OpTiming>;
  /** Reduces input over the ranks and writes this rank's chunk of dim 0 into output. */
  reduceScatter(input: HostBuffer, shape: readonly number[], op: ReduceOp, output: HostBuffer): Promise<OpTiming>;
  /** Resolves when every rank has reached it. */
  barrier(): Promise<OpTiming>;
  /** Leaves the group and frees its connections. */
  destroy(): Promise<OpTiming>;
  /** How the bytes travel, for logs and benchmarks (Gloo: 'shared memory' when every rank runs
   * on this machine, else 'tcp'). */
  readonly transport?: string;
}

/**
 * What a backend factory is given: this rank, the group size, the rendezvous store, the run's
 * name in the store and the timeout of joining and of each collective.
 * @example
 * dist.registerBackend('logged', async (init: dist.BackendInit) => {
 *   console.log(`rank ${init.rank} of ${init.worldSize} joins ${init.store} (run ${init.runId}, ${init.timeoutMs} ms)`);
 *   throw new Error('logged: no transport');
 * });
 */
export interface BackendInit {
  rank: number;
  worldSize: number;
  store: string;
  runId: string;
  timeoutMs: number;
}

const backends = new Map<string, (init: BackendInit) => Promise<Backend>>();

/**
 * Makes `initProcessGroup({ backend: name })` use `factory` (e.g. an NCCL backend).
 * @example
 * // A single-process backend: with worldSize 1 every collective leaves the data as it is.
 * dist.registerBackend('local', async (init) => {
 *   if (init.worldSize !== 1) throw new RangeError('local backend: worldSize must be 1');
 *   const done = async () => ({ startMs: 0, endMs: 0 });
 *   return {
 *     name: 'local', allReduce: done, broadcast: done, barrier: done, destroy: done,
 *     allGather: async (input, shape, output) => { output.set(input); return done(); },
 *     reduceScatter: async (input, shape, op, output) => { output.set(input); return done(); },
 *   };
 * });
 * await dist.initProcessGroup({ backend: 'local', rank: 0, worldSize: 1, store: 'file:///tmp/tf-local' });
 */
export function registerBackend(name: string, factory: (init: BackendInit) => Promise<Backend>): void {
  if (typeof name !== 'string' || !name) throw typeError('registerBackend', 'name must be a non-empty string');
  if (typeof factory !== 'function') throw typeError('registerBackend', 'factory must be a function');
  backends.set(name, factory);
}

/** The Gloo backend: TCP between ranks, file or Redis rendezvous (native/dist/). */
async function glooBackend(init: BackendInit): Promise<Backend> {
  if (init.store.startsWith('file://')) fs.mkdirSync(init.store.slice(7), { recursive: true });
  const pg: NativeProcessGroup = new (distAddon().ProcessGroup)({
    rank: init.rank, worldSize: init.worldSize, store: init.store, prefix: init.runId, timeoutMs: init.timeoutMs,
    // NOTE: one machine (file store) listens on loopback; otherwise the host name's address
    // unless TENSORFORGE_DIST_HOST / TENSORFORGE_DIST_IFNAME pick one (GLOO_SOCKET_IFNAME's role).
    host: process.env.TENSORFORGE_DIST_HOST ?? (init.store.startsWith('file://') && !process.env.TENSORFORGE_DIST_IFNAME ? '127.0.0.1' : ''),
    iface: process.env.TENSORFORGE_DIST_IFNAME ?? '',
  });
  await pg.connect();
  return {
    name: 'gloo',
    transport: pg.transport(),
    allReduce: (b, s, op, checked) => pg.allReduce(b, s, REDUCE_CODE[op], checked ?? true),
    allReduceAfter: (b, s, op, signal) => pg.allReduce(b, s, REDUCE_CODE[op], false, signal),
    broadcast: (b, s, root) => pg.broadcast(b, s, root),
    allGather: (i, s, o) => pg.allGather(i, s, o),
    reduceScatter: (i, s, op, o) => pg.reduceScatter(i, s, REDUCE_CODE[op], o),
    barrier: () => pg.barrier(),
    destroy: () => pg.destroy(),
  };
}
registerBackend('gloo', glooBackend);

/**
 * Options of {@link initProcessGroup}; each defaults to what `tensorforge-run` puts in the
 * environment.
 * @example
 * const opts: dist.InitOptions = { backend: 'gloo', rank: 1, worldSize: 4, store: 'redis://10.0.0.1:6379', runId: 'exp42', timeoutMs: 60000 };
 * await dist.initProcessGroup(opts);
 */
export interface InitOptions {
  /** 'gloo' (default); others via registerBackend. */
  backend?: string;
  /** This process's rank, 0..worldSize-1 (default env RANK). */
  rank?: number;
  /** Number of processes (default env WORLD_SIZE). */
  worldSize?: number;
  /** Rendezvous: 'file:///shared/dir' (one machine or a shared file system) or
   * 'redis://host:port' (default env TENSORFORGE_DIST_STORE). */
  store?: string;
  /** Names this job's keys in the store; use a fresh one per run (default env
   * TENSORFORGE_DIST_RUN_ID, else 'tensorforge'). */
  runId?: string;
  /** How long a collective (and joining) may wait for the other ranks (default env
   * TENSORFORGE_DIST_TIMEOUT_MS, else 300000). */
  timeoutMs?: number;
}

/**
 * A joined group: rank, size and the backend that moves the bytes.
 * @example
 * const pg: dist.ProcessGroup = await dist.initProcessGroup();
 * console.log(`rank ${pg.rank} of ${pg.worldSize} on ${pg.backend.name}`);
 * await dist.allReduce(tensor([1]), 'sum', pg);
 */
export class ProcessGroup {
  private destroyed = false;
  constructor(readonly rank: number, readonly worldSize: number, readonly backend: Backend) {}

  private staged: Promise<unknown> = Promise.resolve();

  /**
   * @internal stages a collective's input after the previous collective's was handed to the
   * backend: staging awaits the CPU stream, and without this order two collectives issued
   * back to back could reach the backend swapped (every rank must issue the same sequence).
   * `stage` returns the backend's promise wrapped in an object, so it is not awaited here.
   */
  ordered<T>(stage: () => Promise<{ done: Promise<OpTiming>; value: T }>): Promise<T> {
    const handed = this.staged.then(stage);
    this.staged = handed.then(() => undefined, () => undefined);
    return handed.then(async ({ done, value }) => { await done; return value; });
  }

  /** @internal the backend, or an error once the group was destroyed. */
  live(op: string): Backend {
    if (this.destroyed) throw new Error(`${op}: the process group was destroyed`);
    return this.backend;
  }

  /** Destroys the backend (after its queued collectives); later collectives on the group throw. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.backend.destroy();
  }
}

let defaultGroup: ProcessGroup | null = null;

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw rangeError('initProcessGroup', `env ${name} must be an integer, got '${v}'`);
  return n;
}

/**
 * Joins the default process group; resolves once every rank has joined and connected.
 * A rank that never joins makes the others fail after `timeoutMs` with an error naming it.
 * @example
 * await dist.initProcessGroup({ backend: 'gloo', rank: 0, worldSize: 2, store: 'file:///tmp/job1', timeoutMs: 30000 });
 */
export async function initProcessGroup(opts: InitOptions = {}): Promise<ProcessGroup> {
  checkOptions('initProcessGroup', opts, ['backend', 'rank', 'worldSize', 'store', 'runId', 'timeoutMs']);
  if (defaultGroup) throw new Error('initProcessGroup: the default process group is already initialized; destroyProcessGroup() first');
  const backend = opts.backend ?? 'gloo';
  const factory = backends.get(backend);
  if (!factory) throw rangeError('initProcessGroup', `unknown backend '${backend}' (have: ${[...backends.keys()].join(', ')})`);
  const worldSize = opts.worldSize ?? envInt('WORLD_SIZE');
  const rank = opts.rank ?? envInt('RANK');
  if (!Number.isInteger(worldSize) || (worldSize as number) < 1) throw rangeError('initProcessGroup', `worldSize must be a positive integer (or env WORLD_SIZE), got ${worldSize}`);
  if (!Number.isInteger(rank) || (rank as number) < 0 || (rank as number) >= (worldSize as number)) {
    throw rangeError('initProcessGroup', `rank must be an integer in [0, ${worldSize}) (or env RANK), got ${rank}`);
  }
  const store = opts.store ?? process.env.TENSORFORGE_DIST_STORE;
  if (typeof store !== 'string' || !/^(file:\/\/\/.|redis:\/\/[^/:]+(:\d+)?\/?$)/.test(store)) {
    throw rangeError('initProcessGroup', `store must be 'file:///dir' or 'redis://host:port' (or env TENSORFORGE_DIST_STORE), got ${JSON.stringify(store)}`);
  }
  const timeoutMs = opts.timeoutMs ?? envInt('TENSORFORGE_DIST_TIMEOUT_MS') ?? 300000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw rangeError('initProcessGroup', `timeoutMs must be a positive integer, got ${timeoutMs}`);
  const runId = opts.runId ?? process.env.TENSORFORGE_DIST_RUN_ID ?? 'tensorforge';
  const be = await factory({ rank: rank as number, worldSize: worldSize as number, store, runId, timeoutMs });
  defaultGroup = new ProcessGroup(rank as number, worldSize as number, be);
  return defaultGroup;
}

/**
 * Whether initProcessGroup has run (and destroyProcessGroup has not).
 * @example
 * if (!dist.isInitialized()) await dist.initProcessGroup();
 */
export function isInitialized(): boolean { return defaultGroup !== null; }

/** @internal the default group or an error naming `op`. */
export function group(op: string, g?: ProcessGroup): ProcessGroup {
  const pg = g ?? defaultGroup;
  if (!pg) throw new Error(`${op}: no process group; call await dist.initProcessGroup() first`);
  return pg;
}

/**
 * This process's rank in the default group (or in g).
 * @example
 * if (dist.getRank() === 0) console.log('rank 0 writes the checkpoint');
 */
export function getRank(g?: ProcessGroup): number { return group('getRank', g).rank; }
/**
 * The number of ranks in the default group (or in g).
 * @example
 * const lr = 1e-3 * dist.getWorldSize();   // linear scaling with the global batch
 */
export function getWorldSize(g?: ProcessGroup): number { return group('getWorldSize', g).worldSize; }

/**
 * Leaves the default group (after the queued collectives finish).
 * @example
 * await dist.initProcessGroup();
 * await dist.barrier();
 * await dist.destroyProcessGroup();
 */
export async function destroyProcessGroup(): Promise<void> {
  const g = defaultGroup;
  defaultGroup = null;
  if (g) await g.destroy();
}

// ---- staging between tensors and host buffers --------------------------------------------

function checkTensor(op: string, t: unknown, arg = 'tensor'): Tensor {
  if (!(t instanceof Tensor)) throw typeError(op, `${arg} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  t.assertAlive(op);
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw typeError(op, `${arg} must be float32 or int32, got ${t.dtype}`);
  return t;
}

// NOTE: staging buffers are pooled by dtype and length: a fresh 40 MB typed array costs page
// faults and zeroing on every call (several times the copy itself, bench/dist.ts measures the
// staging), while training repeats the same sizes.
const pool = new Map<string, HostBuffer[]>();
let pooledBytes = 0;
const POOL_LIMIT = 256 * 2 ** 20;

function hostBuffer(dtype: 'float32' | 'int32', n: number): HostBuffer {
  const free = pool.get(`${dtype}:${n}`);
  const b = free?.pop();
  if (b) { pooledBytes -= b.byteLength; return b; }
  return dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
}

/** Gives a staging buffer back for reuse (the caller no longer reads it). */
export function releaseHost(b: HostBuffer): void {
  if (pooledBytes + b.byteLength > POOL_LIMIT) return;
  const key = `${b instanceof Float32Array ? 'float32' : 'int32'}:${b.length}`;
  const list = pool.get(key) ?? [];
  list.push(b);
  pool.set(key, list);
  pooledBytes += b.byteLength;
}

/** A copy of t's elements in a (pooled) host buffer, once the stream has computed t (the
 * event loop stays free meanwhile). */
export async function toHost(t: Tensor): Promise<HostBuffer> {
  if (!t.isContiguous() || t.device !== 'cpu') return (await t.data()) as HostBuffer;
  const b = hostBuffer(t.dtype as 'float32' | 'int32', t.numel);
  if (b.length) await t.kernels.readAsync(t.handle('toHost'), t.offset * DTYPE_BYTES[t.dtype], b);
  return b;
}

/** Writes `buf` (t.numel elements, row-major) into t's storage. */
export function fromHost(op: string, t: Tensor, buf: HostBuffer): void {
  if (!t.isContiguous()) throw typeError(op, `in-place collectives need a contiguous tensor, got shape ${fmtShape(t.shape)} strides [${t.strides.join(', ')}]`);
  if (buf.length) t.kernels.write(t.handle(op), t.offset * DTYPE_BYTES[t.dtype], buf);
  t.bumpVersion_();
}

function checkOp(op: string, reduce: unknown, dtype: string): ReduceOp {
  if (typeof reduce !== 'string' || !(reduce in REDUCE_CODE)) throw typeError(op, `op must be one of sum, mean, max, min, got ${JSON.stringify(reduce)}`);
  if (reduce === 'mean' && dtype !== 'float32') throw typeError(op, `op 'mean' needs a float32 tensor, got ${dtype}`);
  return reduce as ReduceOp;
}

function checkRank(op: string, r: unknown, pg: ProcessGroup, arg = 'src'): number {
  if (!Number.isInteger(r) || (r as number) < 0 || (r as number) >= pg.worldSize) throw rangeError(op, `${arg} must be a rank in [0, ${pg.worldSize}), got ${r}`);
  return r as number;
}

// ---- collectives ---------------------------------------------------------------------------

/**
 * Reduces `t` over all ranks, in place: every rank ends with the sum (mean, max, min).
 * Ranks must pass tensors of the same shape and dtype (else every rank gets an error).
 * @example
 * const grad = randn([10]);
 * await dist.allReduce(grad, 'mean');   // the mean over the ranks, in place
 */
export async function allReduce(t: Tensor, op: ReduceOp = 'sum', g?: ProcessGroup): Promise<void> {
  checkTensor('allReduce', t);
  const red = checkOp('allReduce', op, t.dtype);
  const pg = group('allReduce', g);
  const be = pg.live('allReduce');
  const buf = await pg.ordered(async () => { const b = await toHost(t); return { done: be.allReduce(b, t.shape, red), value: b }; });
  fromHost('allReduce', t, buf);
  releaseHost(buf);
}

/**
 * Copies rank `src`'s `t` into `t` on every rank, in place.
 * @example
 * const weights = randn([4, 4]);
 * await dist.broadcast(weights, 0);   // rank 0's values everywhere
 */
export async function broadcast(t: Tensor, src = 0, g?: ProcessGroup): Promise<void> {
  checkTensor('broadcast', t);
  const pg = group('broadcast', g);
  const be = pg.live('broadcast');
  checkRank('broadcast', src, pg);
  const buf = await pg.ordered(async () => { const b = await toHost(t); return { done: be.broadcast(b, t.shape, src), value: b }; });
  fromHost('broadcast', t, buf);
  releaseHost(buf);
}

/**
 * Every rank's `t`, in rank order (new tensors of t's shape and dtype).
 * @example const [a, b] = await dist.allGather(tensor([dist.getRank()]));
 */
export async function allGather(t: Tensor, g?: ProcessGroup): Promise<Tensor[]> {
  checkTensor('allGather', t);
  const pg = group('allGather', g);
  const be = pg.live('allGather');
  const [input, out] = await pg.ordered(async () => {
    const i = await toHost(t);
    const o = t.dtype === 'float32' ? new Float32Array(i.length * pg.worldSize) : new Int32Array(i.length * pg.worldSize);
    return { done: be.allGather(i, t.shape, o), value: [i, o] as const };
  });
  releaseHost(input);
  const n = input.length;
  return Array.from({ length: pg.worldSize }, (_, r) => {
    const o = Tensor.empty(t.shape, t.dtype);
    fromHost('allGather', o, out.subarray(r * n, (r + 1) * n));
    return o;
  });
}

/**
 * Reduces `t` over all ranks and gives each rank its chunk along dim 0: rank r gets rows
 * [r * n / worldSize, (r + 1) * n / worldSize) of the reduction (PyTorch's reduce_scatter_tensor).
 * @example
 * const mine = await dist.reduceScatter(ones([4 * dist.getWorldSize(), 3]), 'sum');  // [4, 3], every element worldSize
 */
export async function reduceScatter(t: Tensor, op: ReduceOp = 'sum', g?: ProcessGroup): Promise<Tensor> {
  checkTensor('reduceScatter', t);
  const red = checkOp('reduceScatter', op, t.dtype);
  const pg = group('reduceScatter', g);
  const be = pg.live('reduceScatter');
  if (t.ndim === 0 || t.shape[0] % pg.worldSize !== 0) {
    throw rangeError('reduceScatter', `dim 0 of the input must be divisible by the world size ${pg.worldSize}, got shape ${fmtShape(t.shape)}`);
  }
  const outShape = [t.shape[0] / pg.worldSize, ...t.shape.slice(1)];
  const [input, out] = await pg.ordered(async () => {
    const i = await toHost(t);
    const o = t.dtype === 'float32' ? new Float32Array(i.length / pg.worldSize) : new Int32Array(i.length / pg.worldSize);
    return { done: be.reduceScatter(i, t.shape, red, o), value: [i, o] as const };
  });
  releaseHost(input);
  const o = Tensor.empty(outShape, t.dtype);
  fromHost('reduceScatter', o, out);
  return o;
}

/** Resolves when every rank has reached it. @example await dist.barrier(); */
export async function barrier(g?: ProcessGroup): Promise<void> {
  const pg = group('barrier', g);
  const be = pg.live('barrier');
  await pg.ordered(async () => ({ done: be.barrier(), value: undefined }));
}
