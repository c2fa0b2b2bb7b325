/**
 * DistributedDataParallel: wraps a module so that every rank trains the same replica on its
 * own shard of each batch. At construction it broadcasts rank 0's parameters and buffers;
 * during backward, gradients are all-reduced (mean) in buckets of about `bucketCapMb`
 * (reverse parameter order, so the last layers' gradients — ready first — go first), each
 * bucket's allreduce starting from a gradient hook while backward is still running;
 * `await ddp.finishGradientSync()` waits for every bucket before the optimizer step (train.fit
 * does this itself). BatchNorm running statistics are rank 0's, re-broadcast after each step,
 * like PyTorch's `broadcast_buffers` (the batch statistics stay per shard: no SyncBatchNorm).
 *
 * @example
 * await dist.initProcessGroup();
 * const ddp = new dist.DistributedDataParallel(model);
 * await ddp.ready;
 * opt.zeroGrad(); lossFn(ddp.forward(x), y).backward();
 * await ddp.finishGradientSync();
 * opt.step();
 */
import { Tensor, keep } from '../tensor';
import { Module } from '../nn/module';
import { typeError, rangeError } from '../errors';
import { checkOptions } from '../options';
import { DTYPE_BYTES } from '../dtype';
import { group, fromHost, toHost, releaseHost, type ProcessGroup, type HostBuffer } from './process_group';
import type { OpTiming } from './addon';
import { getExecutionMode } from '../exec';

/**
 * Options of {@link DistributedDataParallel}.
 * @example
 * await dist.initProcessGroup();
 * const opts: dist.DDPOptions = { bucketCapMb: 50, firstBucketCapMb: 1, broadcastBuffers: false };
 * const model = new dist.DistributedDataParallel(new nn.Linear(8, 2), opts);
 */
export interface DDPOptions {
  /** Bucket size in MB (default 25, PyTorch's). */
  bucketCapMb?: number;
  /** Cap of the first bucket in MB (default 1, as PyTorch: it starts communicating early). */
  firstBucketCapMb?: number;
  /** Re-broadcast rank 0's buffers (BatchNorm running statistics) after each step (default true). */
  broadcastBuffers?: boolean;
  /** Default: the default process group. */
  processGroup?: ProcessGroup;
}

/**
 * Communication statistics since construction (or `resetStats`).
 * @example
 * await dist.initProcessGroup();
 * const model = new dist.DistributedDataParallel(new nn.Linear(8, 2));
 * // ... train ...
 * const s: dist.DDPStats = model.stats();
 * console.log(`${s.buckets} buckets, ${(s.overlappedMs / s.commMs * 100).toFixed(0)}% of communication overlapped`);
 */
export interface DDPStats {
  steps: number;
  /** Sum over steps of the time the bucket allreduces ran (ms, on the group's worker). */
  commMs: number;
  /** The part of commMs that ran before backward finished (overlapped with compute). */
  overlappedMs: number;
  /** Time finishGradientSync waited: for communication, and in async mode for the rest of
   * backward on the CPU stream (ms). */
  waitMs: number;
  buckets: number;
}

interface Bucket {
  params: Tensor[];
  offsets: number[];
  buf: Float32Array;
  /** signal[0]: set by the CPU stream when the bucket's last gradient is copied into buf (it
   * shares buf's ArrayBuffer, so the backend's worker can wait on it; see allReduceAfter). */
  signal: Int32Array;
  ready: number;
  work: Promise<OpTiming> | null;
  /** When its gradients were copied out (ms, process.hrtime clock); -1: the allreduce's startMs. */
  readyMs: number;
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * Wraps a module for data-parallel training: rank 0's parameters and buffers are broadcast
 * at construction (`ready`), and each backward averages the gradients over the ranks in
 * buckets that overlap with the rest of backward; `finishGradientSync()` before the step.
 * @example
 * await dist.initProcessGroup();
 * const ddp = new dist.DistributedDataParallel(new nn.Linear(8, 3));
 * await ddp.ready;
 * const opt = new optim.SGD(ddp.parameters(), { lr: 0.1 });
 * const x = randn([16, 8]), y = randint(0, 3, [16]);
 * opt.zeroGrad();
 * nn.functional.crossEntropy(ddp.forward(x), y).backward();
 * await ddp.finishGradientSync();   // gradients averaged over the ranks
 * opt.step();
 */
export class DistributedDataParallel<M extends Module = Module> extends Module {
  readonly module: M;
  /** Resolves once rank 0's parameters and buffers are everyone's. */
  readonly ready: Promise<void>;
  private isReady = false;
  private readonly pg: ProcessGroup;
  private readonly buckets: Bucket[] = [];
  private readonly bucketOf = new Map<Tensor, number>();
  private nextLaunch = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly broadcastBuffers: boolean;
  private readonly removeHooks: (() => void)[] = [];
  private st: DDPStats;

  constructor(module: M, opts: DDPOptions = {}) {
    super();
    if (!(module instanceof Module)) throw typeError('DistributedDataParallel', `module must be an nn.Module, got ${typeof module}`);
    checkOptions('DistributedDataParallel', opts, ['bucketCapMb', 'firstBucketCapMb', 'broadcastBuffers', 'processGroup']);
    const cap = opts.bucketCapMb ?? 25, first = opts.firstBucketCapMb ?? 1;
    if (!(cap > 0) || !(first > 0)) throw rangeError('DistributedDataParallel', `bucketCapMb and firstBucketCapMb must be > 0, got ${cap}, ${first}`);
    this.module = module;
    this.pg = group('DistributedDataParallel', opts.processGroup);
    this.broadcastBuffers = opts.broadcastBuffers ?? true;
    const params = module.parameters().filter((p) => p.requiresGrad);
    for (const p of params) {
      if (p.dtype !== 'float32') throw typeError('DistributedDataParallel', `parameters must be float32, got ${p.dtype}`);
    }
    // Buckets in reverse parameter order (roughly the order backward produces gradients).
    let cur: Tensor[] = [], bytes = 0;
    const close = (): void => {
      if (!cur.length) return;
      const offsets: number[] = [];
      let n = 0;
      for (const p of cur) { offsets.push(n); n += p.numel; }
      for (const p of cur) this.bucketOf.set(p, this.buckets.length);
      const ab = new ArrayBuffer(n * 4 + 64);  // the gradients, then the signal on its own cache line
      const signal = new Int32Array(ab, Math.ceil((n * 4) / 64) * 64, 1);
      this.buckets.push({ params: cur, offsets, buf: new Float32Array(ab, 0, n), signal, ready: 0, work: null, readyMs: 0 });
      cur = []; bytes = 0;
    };
    for (let i = params.length - 1; i >= 0; i--) {
      const p = params[i];
      const limit = (this.buckets.length === 0 ? first : cap) * 2 ** 20;
      if (cur.length && bytes + p.numel * 4 > limit) close();
      cur.push(p);
      bytes += p.numel * 4;
    }
    close();
    for (const p of params) this.removeHooks.push(p.registerPostAccumulateGradHook((t) => this.onGrad(t)));
    this.st = { steps: 0, commMs: 0, overlappedMs: 0, waitMs: 0, buckets: this.buckets.length };
    this.ready = this.syncState(true).then(() => { this.isReady = true; });
  }

  /** Runs the wrapped module (after `await ready`). */
  override forward(x: Tensor): Tensor {
    if (!this.isReady) throw new Error('DistributedDataParallel: await ddp.ready before the first forward (it broadcasts rank 0\'s parameters)');
    return (this.module as unknown as { forward(x: Tensor): Tensor }).forward(x);
  }

  /** Rank and world size of the group this replica trains in. */
  get processGroup(): ProcessGroup { return this.pg; }

  /** The mean over ranks of each value (train.fit averages its epoch logs with it). */
  async allReduceMean(values: number[]): Promise<number[]> {
    const buf = Float32Array.from(values);
    await this.pg.live('allReduceMean').allReduce(buf, [buf.length], 'mean');
    return Array.from(buf);
  }

  /** A copy of the communication statistics. */
  stats(): DDPStats { return { ...this.st }; }
  /** Zeroes the statistics (e.g. after warm-up steps). */
  resetStats(): void { this.st = { steps: 0, commMs: 0, overlappedMs: 0, waitMs: 0, buckets: this.buckets.length }; }

  /** Parameters (when `params`) and buffers from rank 0, in place. */
  private async syncState(params: boolean): Promise<void> {
    const ts = [...(params ? this.module.parameters() : []), ...(this.broadcastBuffers || params ? this.module.buffers() : [])]
      .filter((t) => t.dtype === 'float32' || t.dtype === 'int32');
    const be = this.pg.live('DistributedDataParallel');
    const bufs = await Promise.all(ts.map((t) => toHost(t)));
    await Promise.all(ts.map((t, i) => be.broadcast(bufs[i], t.shape, 0)));
    ts.forEach((t, i) => { fromHost('DistributedDataParallel', t, bufs[i]); releaseHost(bufs[i]); });
  }

  private onGrad(p: Tensor): void {
    const b = this.bucketOf.get(p);
    if (b === undefined) return;
    const bucket = this.buckets[b];
    if (bucket.work) throw new Error('DistributedDataParallel: a second backward() before finishGradientSync(); gradient accumulation across backward passes is not supported');
    if (++bucket.ready === bucket.params.length) this.launchReady();
  }

  /** Starts the allreduce of complete buckets, in bucket order (every rank issues the same sequence). */
  private launchReady(force = false): void {
    while (this.nextLaunch < this.buckets.length) {
      const bucket = this.buckets[this.nextLaunch];
      if (!force && bucket.ready < bucket.params.length) return;
      // NOTE: gradients are read asynchronously: with the CPU stream, backward only queued
      // their kernels, so each bucket's copy-out (then its allreduce) starts when the stream
      // has computed it, while the stream goes on with the earlier layers. The chain keeps
      // the allreduces in bucket order, the same sequence on every rank.
      // In sync mode the gradients exist already: read them now and start at once (a promise
      // callback would only run after backward returned).
      const now = getExecutionMode() === 'sync';
      const be = this.pg.live('DistributedDataParallel');
      // NOTE: where the backend can wait for the stream itself (allReduceAfter), the allreduce
      // is queued right now, during backward, and the bucket's last copy-out sets its signal on
      // the stream thread: the group's worker starts without a trip through the event loop
      // (on a busy machine each such hand-off waited ms for a core). The stream copies in
      // order, so the last copy-out done means all are.
      const direct = !now && be.allReduceAfter !== undefined;
      const how = bucket.params.map((p) => {
        const g = p.grad;
        // A parameter backward did not reach (unused this step) contributes zeros.
        if (!g || g.isDisposed) return 'zeros';
        if (!g.isContiguous()) return 'dataSync';
        return now ? 'read' : 'readAsync';
      });
      const last = how.lastIndexOf('readAsync');
      bucket.signal[0] = last < 0 ? 1 : 0;
      const reads: Promise<void>[] = [];
      bucket.params.forEach((p, k) => {
        const sub = bucket.buf.subarray(bucket.offsets[k], bucket.offsets[k] + p.numel);
        const g = p.grad as Tensor;
        if (how[k] === 'zeros') { sub.fill(0); return; }
        const off = g.offset * DTYPE_BYTES.float32;
        if (how[k] === 'dataSync') sub.set(g.dataSync());
        else if (how[k] === 'read') g.kernels.read(g.handle('DistributedDataParallel'), off, sub);
        else reads.push(g.kernels.readAsync(g.handle('DistributedDataParallel'), off, sub, direct && k === last ? bucket.signal : undefined));
      });
      // Unchecked: the sizes follow from the parameters, whose shapes `ready` compared.
      const shape = [bucket.buf.length];
      let work: Promise<OpTiming>;
      if (direct && be.allReduceAfter) {
        bucket.readyMs = -1;
        // NOTE: a failed copy-out (a kernel failed upstream) rejects here; the last one also
        // fails the allreduce itself (signal 2).
        const done = be.allReduceAfter(bucket.buf, shape, 'mean', bucket.signal);
        work = Promise.all([done, ...reads]).then(([t]) => t);
      } else {
        const start = (): Promise<OpTiming> => {
          bucket.readyMs = nowMs();
          return be.allReduce(bucket.buf, shape, 'mean', false);
        };
        // NOTE: the chain orders the hand-offs to the backend, not the completions: the backend
        // runs its queue in order anyway, and waiting for the previous bucket's result to reach
        // the event loop first cost one more thread hand-off per bucket.
        const handed = now ? Promise.resolve({ done: start() })
          : this.chain.then(() => Promise.all(reads)).then(() => ({ done: start() }));
        work = handed.then((h) => h.done);
        this.chain = handed.then(() => undefined, () => undefined);
      }
      bucket.work = work;
      // NOTE: finishGradientSync awaits (and rethrows) it; this keeps a failure that settles
      // before then from counting as an unhandled rejection.
      work.catch(() => undefined);
      this.nextLaunch++;
    }
  }

  /**
   * Waits until every bucket's gradients are averaged over the ranks and written back to
   * each parameter's .grad; call between backward() and optimizer.step().
   */
  async finishGradientSync(): Promise<void> {
    const called = nowMs();
    this.launchReady(true);
    const timings: OpTiming[] = [];
    try {
      // Each bucket is written back as soon as it is reduced, while later ones still travel.
      for (const b of this.buckets) {
        timings.push(await (b.work as Promise<OpTiming>));
        b.params.forEach((p, k) => {
          const sub: HostBuffer = b.buf.subarray(b.offsets[k], b.offsets[k] + p.numel);
          if (!p.grad || p.grad.isDisposed) p.grad = keep(Tensor.empty(p.shape, 'float32'));
          fromHost('DistributedDataParallel', p.grad, sub);
        });
      }
    } finally {
      this.st.waitMs += nowMs() - called;
      for (const b of this.buckets) { b.ready = 0; b.work = null; }
      this.nextLaunch = 0;
    }
    // Backward ended when its last gradient was ready (on the stream, not when JS returned).
    const backwardEnd = Math.max(...this.buckets.map((b, i) => (b.readyMs < 0 ? timings[i].startMs : b.readyMs)));
    for (const t of timings) {
      this.st.commMs += t.endMs - t.startMs;
      this.st.overlappedMs += Math.max(0, Math.min(t.endMs, backwardEnd) - t.startMs);
    }
    this.st.steps++;
    if (this.broadcastBuffers && this.module.buffers().length) await this.syncState(false);
  }

  /** Removes the gradient hooks (the wrapped module is left as it is). */
  detachHooks(): void { for (const r of this.removeHooks.splice(0)) r(); }
}
