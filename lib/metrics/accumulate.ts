/**
 * Running sums of per-batch statistics that stay on the device until they are asked for.
 * A metric's update() adds a small tensor per batch (counts, error sums) instead of reading
 * it back: a read would block the event loop until the batch is computed (async execution).
 * Values are read and summed in float64 by `values()`; every `kFold` batches the pending
 * ones are read without blocking, so a loop that never asks keeps a bounded list.
 * @example
 * const s = new DeviceSum(2);
 * s.add(tensor([1, 2])); s.add(tensor([3, 4]));
 * s.values();  // Float64Array [4, 6]
 */
import { Tensor, keep } from '../tensor';
import { cat } from '../ops/join';

const kFold = 256;

interface Inflight { t: Tensor; done: boolean }

export class DeviceSum {
  private pending: Tensor[] = [];
  private inflight: Inflight[] = [];
  private acc: Float64Array;

  /** `width`: the number of values each added tensor holds. */
  constructor(readonly width: number) { this.acc = new Float64Array(width); }

  /** Adds a tensor of `width` values (any shape, float32 or int32); takes a reference to it. */
  add(t: Tensor): void {
    if (t.numel !== this.width) throw new RangeError(`DeviceSum.add: expected ${this.width} values, got ${t.numel}`);
    this.pending.push(keep(t.reshape([-1]).to('float32')));
    if (this.pending.length >= kFold) this.fold();
  }

  /** The sums so far (blocks until the added tensors are computed). */
  values(): Float64Array {
    for (const f of this.inflight) if (!f.done) this.absorb(f, f.t.dataSync());
    this.inflight = [];
    if (this.pending.length) {
      const all = this.joined();
      this.addRows(all.dataSync());
      all.dispose();
    }
    return Float64Array.from(this.acc);
  }

  reset(): void {
    this.pending.forEach((t) => t.dispose());
    this.inflight.forEach((f) => { if (!f.done) { f.done = true; f.t.dispose(); } });
    this.pending = [];
    this.inflight = [];
    this.acc.fill(0);
  }

  // The pending tensors as one, read without blocking; summed into acc when it arrives.
  private fold(): void {
    const f: Inflight = { t: this.joined(), done: false };
    this.inflight.push(f);
    f.t.data().then((d) => { if (!f.done) this.absorb(f, d); },
      () => { /* values() reads it again and throws there */ });
  }

  private absorb(f: Inflight, d: ArrayLike<number>): void {
    f.done = true;
    this.addRows(d);
    f.t.dispose();
    this.inflight = this.inflight.filter((x) => !x.done);
  }

  private joined(): Tensor {
    const ts = this.pending;
    this.pending = [];
    const all = keep(cat(ts, 0));
    ts.forEach((t) => t.dispose());
    return all;
  }

  private addRows(d: ArrayLike<number>): void {
    const w = this.width;
    for (let i = 0; i < d.length; i++) this.acc[i % w] += d[i];
  }
}
