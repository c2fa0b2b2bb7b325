/** A recorded op on the tape: its inputs and the closure that maps the output gradient
 * to input gradients (null where an input needs none). */
import type { Tensor } from '../tensor';
import { fmtShape } from '../errors';

export type BackwardFn = (grad: Tensor) => (Tensor | null)[];

const NO_VERSIONS: number[] = [];

export class Node {
  private fn: BackwardFn | null;
  private readonly versions: number[];
  /**
   * `saved`: the tensors the backward formula reads (inputs or the output), whose versions
   * are recorded now and checked before the formula runs.
   */
  constructor(readonly name: string, readonly inputs: readonly Tensor[], fn: BackwardFn, private readonly saved: readonly Tensor[] = []) {
    this.fn = fn;
    this.versions = saved.length === 0 ? NO_VERSIONS : saved.map((t) => t.version);
  }
  apply(grad: Tensor): (Tensor | null)[] {
    if (!this.fn) {
      throw new Error(`backward: trying to backward through ${this.name} a second time; ` +
        'its saved values were freed after the first backward (pass { retainGraph: true })');
    }
    this.saved.forEach((t, i) => {
      if (t.version !== this.versions[i]) {
        throw new Error(`backward: a tensor ${fmtShape(t.shape)} ${t.dtype} that ${this.name} saved for its gradient was ` +
          `modified in place (version ${this.versions[i]} when saved, now ${t.version}); compute the gradient before ` +
          'changing it, or use the out-of-place op (add instead of add_)');
      }
    });
    return this.fn(grad);
  }
  /** Drops the closure and the tensors it saved. */
  release(): void { this.fn = null; }
}
