/** A recorded op on the tape: its inputs and the closure that maps the output gradient
 * to input gradients (null where an input needs none). */
import type { Tensor } from '../tensor';

export type BackwardFn = (grad: Tensor) => (Tensor | null)[];

export class Node {
  private fn: BackwardFn | null;
  constructor(readonly name: string, readonly inputs: readonly Tensor[], fn: BackwardFn) { this.fn = fn; }
  apply(grad: Tensor): (Tensor | null)[] {
    if (!this.fn) {
      throw new Error(`backward: trying to backward through ${this.name} a second time; ` +
        'its saved values were freed after the first backward (pass { retainGraph: true })');
    }
    return this.fn(grad);
  }
  /** Drops the closure and the tensors it saved. */
  release(): void { this.fn = null; }
}
