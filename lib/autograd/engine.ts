/**
 * Reverse-mode autodiff over the define-by-run tape: a topological sort from the root,
 * then a reverse walk that calls each node's backward closure and accumulates gradients
 * (micrograd's shape, with tensors). Leaves that require grad accumulate into `.grad`.
 */
import { Node } from './node';
import { noGrad } from './grad_mode';
import { Tensor, tidy, keep, nextTensorId } from '../tensor';
import { fmtShape } from '../errors';
import { checkOptions } from '../options';
import { onesLike, addInPlace, cloneTensor } from './hooks';

export { Node };

/**
 * Attaches a backward node to `out` when an input requires grad. `saved` lists the tensors
 * the backward closure reads (PyTorch's saved variables): an in-place change to any of them
 * before backward() is an error instead of a wrong gradient.
 */
export function record(name: string, out: Tensor, inputs: readonly Tensor[], backward: Node['apply'], saved: readonly Tensor[] = []): Tensor {
  let any = false;
  for (const t of inputs) any ||= t.requiresGrad;
  if (!any) return out;
  out.requiresGrad = true;
  out.gradFn = new Node(name, inputs, backward, saved);
  return out;
}

export interface BackwardOptions {
  /** Gradient of the root (defaults to ones for a one-element root). */
  grad?: Tensor;
  /** Keep the graph's saved values so backward can run through it again. */
  retainGraph?: boolean;
}

export function backward(root: Tensor, opts: BackwardOptions = {}): void {
  root.assertAlive('backward');
  checkOptions('backward', opts, ['grad', 'retainGraph']);
  const firstId = nextTensorId();
  const assigned = new Set<Tensor>();
  reverseWalk('backward', root, opts, (t, g) => {
    if (!t.gradFn || t.retainsGrad) accumulateGrad(t, g, firstId, assigned);
  });
}

export interface GradOptions extends BackwardOptions {
  /** Return null for an input the output does not depend on, instead of throwing (default false). */
  allowUnused?: boolean;
}

/**
 * The gradients of `output` with respect to `inputs` (PyTorch's `torch.autograd.grad`),
 * returned instead of accumulated: no tensor's `.grad` is read or written, so gradients
 * with respect to data (saliency maps, integrated gradients, adversarial examples) leave a
 * model's parameter gradients alone. Inputs may be leaves or intermediate tensors; each
 * must require grad. The graph is freed afterwards unless `retainGraph`.
 * @example
 * const x = randn([3]).requiresGrad_();
 * const [dx] = autograd.grad(x.square().sum(), [x]);   // 2x
 */
export function grad(output: Tensor, inputs: readonly Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  output.assertAlive('grad');
  checkOptions('grad', opts, ['grad', 'retainGraph', 'allowUnused']);
  if (!Array.isArray(inputs) || inputs.length === 0) throw new TypeError('grad: inputs must be a non-empty array of tensors');
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`grad: inputs[${i}] is not a Tensor`);
    t.assertAlive('grad');
    if (!t.requiresGrad) throw new RangeError(`grad: inputs[${i}] (shape ${fmtShape(t.shape)}) does not require grad`);
  });
  const wanted = new Set(inputs);
  const found = new Map<Tensor, Tensor>();
  const firstId = nextTensorId();
  const assigned = new Set<Tensor>();
  reverseWalk('grad', output, opts, (t, g) => {
    if (wanted.has(t)) { const own = ownedGrad(g, firstId, assigned); found.set(t, own); assigned.add(own); }
  });
  return inputs.map((t, i) => {
    const g = found.get(t);
    if (g) return g;
    if (opts.allowUnused) return null;
    throw new RangeError(`grad: the output does not depend on inputs[${i}] (shape ${fmtShape(t.shape)}); pass { allowUnused: true } to get null`);
  });
}

/**
 * Topological sort from `root`, then the reverse walk: each tensor's complete gradient is
 * handed to `sink` (before its node runs), which decides what to keep.
 */
function reverseWalk(op: string, root: Tensor, opts: BackwardOptions, sink: (t: Tensor, g: Tensor) => void): void {
  if (!root.requiresGrad) {
    throw new Error(`${op}: tensor does not require grad and has no gradFn ` +
      '(did you call it inside noGrad, or forget requiresGrad_() on the inputs?)');
  }
  if (!opts.grad && root.numel !== 1) {
    throw new RangeError(`${op}: grad can be implicitly created only for one-element outputs, got shape ${fmtShape(root.shape)}; pass { grad }`);
  }
  if (opts.grad && opts.grad.shape.join() !== root.shape.join()) {
    throw new RangeError(`${op}: grad shape ${fmtShape(opts.grad.shape)} does not match output shape ${fmtShape(root.shape)}`);
  }
  // Topological order (iterative DFS: deep graphs such as long RNN unrolls don't overflow).
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const inputs = top[0].gradFn ? top[0].gradFn.inputs : [];
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++];
      if (next.requiresGrad && !seen.has(next)) { seen.add(next); stack.push([next, 0]); }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  noGrad(() => tidy(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, opts.grad ?? onesLike(root));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      sink(t, g);
      const node = t.gradFn;
      if (!node) continue;
      const inGrads = node.apply(g);
      if (!opts.retainGraph) node.release();
      node.inputs.forEach((inp, k) => {
        const gi = inGrads[k];
        if (!gi || !inp.requiresGrad) return;
        if (!sameShape(gi.shape, inp.shape)) {
          throw new Error(`${op}: ${node.name} produced a gradient of shape ${fmtShape(gi.shape)} for an input of shape ${fmtShape(inp.shape)}`);
        }
        const prev = grads.get(inp);
        grads.set(inp, prev ? prev.add(gi) : gi);
      });
    }
  }));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function accumulateGrad(t: Tensor, g: Tensor, firstId: number, assigned: Set<Tensor>): void {
  if (t.grad && !t.grad.isDisposed) {
    addInPlace(t.grad, g);
    return;
  }
  t.grad = ownedGrad(g, firstId, assigned);
  assigned.add(t.grad);
}

/** `g` kept past the walk's tidy, as a tensor that owns its storage. */
function ownedGrad(g: Tensor, firstId: number, assigned: Set<Tensor>): Tensor {
  // NOTE: .grad must own its storage, since optimizers and clipping modify it in place. A
  // gradient this backward pass created, contiguous, viewed by no other tensor and not
  // already some leaf's .grad is owned already and is taken as is; anything else (the
  // caller's tensor, a view, a gradient shared between inputs) is copied.
  const owned = g.id >= firstId && g.isContiguous() && g.storage.refCount === 1 && !assigned.has(g);
  return keep(owned ? g : cloneTensor(g));
}
