/**
 * Dynamic batching for one model version: requests queue here; when the backend is free and
 * either maxBatch rows are waiting, or the oldest has waited maxDelayMs, or no other request
 * for the model is on its way (received but not yet decoded), up to maxBatch rows of whole
 * requests are stacked into one batch. While the backend is busy the queue keeps
 * filling, so a loaded server runs large batches. A full queue refuses (503); a request not
 * answered within timeoutMs fails (504) and is dropped from the queue.
 */
import type { ModelBackend } from './backend';
import { RequestError } from './tensors';

export interface BatchOptions {
  /** Most rows (samples) in one forward pass; 1 turns batching off. */
  maxBatch: number;
  /** How long the first queued request may wait for others to join it. */
  maxDelayMs: number;
  /** Most requests waiting; beyond it a request is refused with 503. */
  maxQueue: number;
  /** A request not answered in this time fails with 504. */
  timeoutMs: number;
}

/** What the batcher reports (the server feeds its metrics). */
export interface BatchObserver {
  batch(rows: number, seconds: number): void;
  queue(depth: number): void;
}

interface Pending {
  inputs: Float32Array[];
  rows: number;
  since: number;
  resolve: (outputs: Float32Array[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  done: boolean;
}

export class Batcher {
  private queue: Pending[] = [];
  /** Rows of the requests in the queue. */
  private queuedRows = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = 0;
  private arriving = 0;

  constructor(private readonly backend: ModelBackend, private readonly opts: BatchOptions, private readonly observer: BatchObserver) {}

  /** Requests waiting plus batches running. */
  get pending(): number { return this.queue.length + this.running; }

  /**
   * Tells the batcher a request for its model has begun (+1) or has been queued or refused
   * (-1). NOTE: a lone request does not wait maxDelayMs for company that is not coming, so
   * one client at a time sees no added latency.
   */
  arrival(delta: 1 | -1): void {
    this.arriving += delta;
    if (delta < 0) this.pump();
  }

  /** Queues a request (each input float32 [rows, ...sample]); resolves to its outputs' rows. */
  submit(inputs: Float32Array[], rows: number): Promise<Float32Array[]> {
    if (this.queue.length >= this.opts.maxQueue) {
      return Promise.reject(new RequestError(503, `the queue is full (${this.opts.maxQueue} requests waiting); retry later`));
    }
    return new Promise((resolve, reject) => {
      const p: Pending = { inputs, rows, since: performance.now(), resolve, reject, done: false,
        timer: setTimeout(() => this.expire(p), this.opts.timeoutMs) };
      this.queue.push(p);
      this.queuedRows += rows;
      this.observer.queue(this.queue.length);
      this.pump();
    });
  }

  private expire(p: Pending): void {
    if (p.done) return;
    p.done = true;
    const i = this.queue.indexOf(p);
    if (i >= 0) { this.queue.splice(i, 1); this.queuedRows -= p.rows; }
    this.observer.queue(this.queue.length);
    p.reject(new RequestError(504, `inference did not finish within ${this.opts.timeoutMs} ms`));
  }

  /** Dispatches a batch if the backend is free and one is due; otherwise arms the delay timer. Idempotent. */
  pump(): void {
    if (!this.queue.length || this.backend.busy()) return;
    const rows = this.queuedRows;
    const waited = performance.now() - this.queue[0].since;
    if (rows < this.opts.maxBatch && waited < this.opts.maxDelayMs && this.arriving > 0) {
      if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.pump(); }, this.opts.maxDelayMs - waited);
      return;
    }
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.dispatch();
  }

  /** Takes whole requests up to maxBatch rows (at least one) and runs them as one batch. */
  private dispatch(): void {
    const take: Pending[] = [];
    let rows = 0;
    while (this.queue.length && (take.length === 0 || rows + this.queue[0].rows <= this.opts.maxBatch)) {
      const p = this.queue.shift()!;
      take.push(p);
      rows += p.rows;
    }
    this.queuedRows -= rows;
    this.observer.queue(this.queue.length);
    // Stack each input: [rows, ...sample] from the requests' [p.rows, ...sample] blocks.
    const inputs = take[0].inputs.map((first, k) => {
      if (take.length === 1) return first;
      const per = first.length / take[0].rows;
      const out = new Float32Array(rows * per);
      let at = 0;
      for (const p of take) { out.set(p.inputs[k], at); at += p.inputs[k].length; }
      return out;
    });
    const t0 = performance.now();
    this.running++;
    let run: Promise<Float32Array[]>;
    try {
      run = this.backend.run(inputs, rows);
    } catch (e) {
      run = Promise.reject(e as Error);
    }
    run.then((outputs) => {
      this.observer.batch(rows, (performance.now() - t0) / 1e3);
      const want = this.backend.outputs.map((o) => rows * o.shape.slice(1).reduce((a, b) => a * b, 1));
      if (outputs.length !== want.length || outputs.some((o, i) => o.length !== want[i])) {
        throw new Error(`serve: the backend returned outputs of ${outputs.map((o) => o.length).join(', ')} values for ${rows} rows; the model's outputs need ${want.join(', ')}`);
      }
      let row = 0;
      for (const p of take) {
        const mine = outputs.map((o) => { const per = o.length / rows; return o.subarray(row * per, (row + p.rows) * per); });
        row += p.rows;
        this.settle(p, () => p.resolve(mine));
      }
    }).catch((e: Error) => {
      for (const p of take) this.settle(p, () => p.reject(e));
    }).finally(() => {
      this.running--;
      this.pump();
    });
  }

  private settle(p: Pending, fn: () => void): void {
    clearTimeout(p.timer);
    if (p.done) return;
    p.done = true;
    fn();
  }

  /** Resolves once nothing is queued or running (for a graceful shutdown). */
  async drain(): Promise<void> {
    while (this.pending) await new Promise((r) => setTimeout(r, 5));
  }
}
