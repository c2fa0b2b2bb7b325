/**
 * Where a batch runs. The batcher sees a model only through ModelBackend (busy / run), so the
 * execution can change (worker threads today, the library's async stream later, onnxruntime)
 * without touching the protocol or the batching.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { TensorSpec } from './tensors';

/**
 * A model version ready to run batches (createServer also takes one directly, see ModelSource.backend).
 * @example
 * // Doubles its input: [batch, 3] -> [batch, 3], one batch at a time.
 * let running = false;
 * const double: serve.ModelBackend = {
 *   platform: 'custom',
 *   inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }],
 *   outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }],
 *   busy: () => running,
 *   async run([x], batch) {
 *     running = true;
 *     try { return [x.map((v) => 2 * v)]; } finally { running = false; }
 *   },
 * };
 * const server = serve.createServer({ models: [{ name: 'double', backend: double }] });
 */
export interface ModelBackend {
  /** The metadata endpoint's platform string. */
  readonly platform: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Whether a batch given now would wait (the batcher keeps gathering requests meanwhile). */
  busy(): boolean;
  /** Runs one batch: each input float32 [batch, ...sample] in spec order; resolves to each output [batch, ...]. */
  run(inputs: Float32Array[], batch: number): Promise<Float32Array[]>;
}

/** A tensorforge model directory to load in every worker. */
export interface PoolModel { key: string; path: string; inputShape: number[] }

/** worker.ts's messages. */
export type WorkerReply =
  | { type: 'ready'; outputs: Record<string, number[]> }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; message: string };
/**
 * A batch for a worker: its rows are already in the worker's shared input buffer, float32
 * [batch, ...sample]; the worker writes float32 [batch, ...output sample] to the start of its
 * shared output buffer. `input` / `output` come along when the pool replaced a buffer by a larger one.
 */
export interface WorkerJob { id: number; key: string; batch: number; input?: SharedArrayBuffer; output?: SharedArrayBuffer }

interface Job { id: number; outputs: number; resolve: (o: Float32Array[]) => void; reject: (e: Error) => void }
interface Slot { worker: Worker; job: Job | null; ready: boolean; input: Float32Array; output: Float32Array }

/** A float32 view of a new SharedArrayBuffer with room for at least n values (grown in powers of two). */
const shared = (n: number): Float32Array => new Float32Array(new SharedArrayBuffer(4 * 2 ** Math.ceil(Math.log2(Math.max(n, 1024)))));

/**
 * A pool of worker_threads, each holding every model; one batch per worker at a time. Rows
 * travel through two SharedArrayBuffers per worker (input, output) and the messages carry only
 * ids and sizes. NOTE: a postMessage transferring a batch's ArrayBuffer took 8-14 us here
 * (40-90 us while outputs were transferred back the same way) against 5-10 us for a small
 * message, and the event loop posts once per batch. A worker that dies
 * fails its batch and is replaced. `onIdle` runs whenever a worker becomes free, so batchers can hand it work.
 */
export class WorkerPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private closing = false;
  /** Output sample shapes per model key, from the first worker's trial forward. */
  outputShapes: Record<string, number[]> = {};

  private constructor(private readonly models: PoolModel[], private readonly threads: number | undefined, private readonly onIdle: () => void) {}

  /** Starts `size` workers and waits until each has loaded every model (rejects with the load error). */
  static async start(models: PoolModel[], size: number, threads: number | undefined, onIdle: () => void): Promise<WorkerPool> {
    const pool = new WorkerPool(models, threads, onIdle);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  private spawn(): Promise<void> {
    const worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: { models: this.models, threads: this.threads } });
    const slot: Slot = { worker, job: null, ready: false, input: shared(0), output: shared(0) };
    worker.postMessage({ id: 0, key: '', batch: 0, input: slot.input.buffer, output: slot.output.buffer } as WorkerJob);
    this.slots.push(slot);
    return new Promise((resolve, reject) => {
      worker.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') {
          slot.ready = true;
          this.outputShapes = m.outputs;
          resolve();
          this.onIdle();
        } else if (m.type === 'failed') {
          reject(new Error(m.message));
        } else {
          const job = slot.job;
          slot.job = null;
          if (job && job.id === m.id) {
            // The rows are copied out: the next batch reuses the buffer.
            if (m.type === 'done') job.resolve([slot.output.slice(0, job.outputs)]);
            else job.reject(new Error(m.message));
          }
          this.onIdle();
        }
      });
      const died = (why: string): void => {
        this.slots = this.slots.filter((s) => s !== slot);
        slot.job?.reject(new Error(`serve: an inference worker ${why}`));
        slot.job = null;
        reject(new Error(`serve: an inference worker ${why} while loading`));
        // NOTE: a worker that dies after loading is replaced; one that fails to load is not
        // (start() reports the error), so a bad model cannot respawn forever.
        if (slot.ready && !this.closing) this.spawn().catch(() => undefined);
      };
      worker.on('error', (e) => died(`failed: ${e.message}`));
      worker.on('exit', (code) => { if (this.slots.includes(slot)) died(`exited with code ${code}`); });
    });
  }

  /** Whether every worker is busy (or still loading). */
  busy(): boolean { return !this.slots.some((s) => s.ready && !s.job); }

  /** Runs a batch on a free worker (the caller checked busy()). */
  run(key: string, inputs: Float32Array[], batch: number): Promise<Float32Array[]> {
    const slot = this.slots.find((s) => s.ready && !s.job);
    if (!slot) return Promise.reject(new Error('serve: no free inference worker'));
    const outputs = batch * (this.outputShapes[key] ?? []).reduce((a, b) => a * b, 1);
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, outputs, resolve, reject };
      const msg: WorkerJob = { id: job.id, key, batch };
      if (inputs[0].length > slot.input.length) msg.input = (slot.input = shared(inputs[0].length)).buffer as SharedArrayBuffer;
      if (outputs > slot.output.length) msg.output = (slot.output = shared(outputs)).buffer as SharedArrayBuffer;
      slot.input.set(inputs[0]);
      slot.job = job;
      slot.worker.postMessage(msg);
    });
  }

  /** The backend for one model key; inputs/outputs as the metadata endpoint shows them. */
  backend(key: string, inputName = 'input', outputName = 'output'): ModelBackend {
    const m = this.models.find((x) => x.key === key);
    if (!m) throw new RangeError(`serve: the worker pool has no model ${key}`);
    const out = this.outputShapes[key];
    return {
      platform: 'tensorforge',
      inputs: [{ name: inputName, datatype: 'FP32', shape: [-1, ...m.inputShape] }],
      outputs: [{ name: outputName, datatype: 'FP32', shape: [-1, ...out] }],
      busy: () => this.busy(),
      run: (inputs, batch) => this.run(key, inputs, batch),
    };
  }

  /** Stops every worker (in-flight batches fail). */
  async close(): Promise<void> {
    this.closing = true;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
    for (const s of slots) s.job?.reject(new Error('serve: the worker pool closed'));
  }
}
