/**
 * SGD, Adam, AdamW, RMSprop, Adagrad: PyTorch's update rules (single-tensor form), each one
 * fused native pass per parameter (native/cpu/optim.cpp). State keys use PyTorch's names.
 */
import { adagradStep_, adamStep_, rmspropStep_, sgdStep_ } from '../ops/optim';
import type { Tensor } from '../tensor';
import { rangeError, typeError } from '../errors';
import { Optimizer, optimizerOptions, type ParamGroup, type ParamGroupSpec, type ParamState } from './optimizer';

type Params<O> = Iterable<Tensor> | ParamGroupSpec<O>[];

function nonNeg(op: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0)) throw rangeError(op, `invalid ${name} value: ${String(v)}`);
}

/**
 * Options of `optim.SGD` (PyTorch's, camelCase); all but lr have defaults.
 * @example
 * const opts: Partial<optim.SGDOptions> = { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 };
 * const opt = new optim.SGD(new nn.Linear(4, 2).parameters(), opts);
 */
export interface SGDOptions {
  lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean;
}

/**
 * Stochastic gradient descent with optional momentum (PyTorch's form: buf = μ·buf + (1-τ)·g,
 * p -= lr·buf), Nesterov momentum and L2 weight decay.
 * Every optimizer takes `(params, options)`; a number in place of the options is the
 * learning rate, PyTorch's positional lr, and unknown option keys throw a TypeError.
 * @example
 * const model = new nn.Linear(10, 2);
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * model.forward(randn([4, 10])).square().mean().backward();
 * opt.step(); opt.zeroGrad();
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, opts?: Partial<SGDOptions> | number, ...extra: unknown[]) {
    super(params, optimizerOptions('SGD', opts, extra, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }));
  }
  protected override checkOptions(g: ParamGroup<SGDOptions>): void {
    super.checkOptions(g);
    nonNeg('SGD', 'momentum', g.momentum);
    nonNeg('SGD', 'weightDecay', g.weightDecay);
    if (typeof g.dampening !== 'number') throw typeError('SGD', `dampening must be a number, got ${typeof g.dampening}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw rangeError('SGD', 'Nesterov momentum requires a momentum and zero dampening');
  }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<SGDOptions>): void {
    let first = false;
    if (g.momentum !== 0 && !st.momentum_buffer) { st.momentum_buffer = this.buffer(p); first = true; }
    sgdStep_(p, grad, g.momentum !== 0 ? st.momentum_buffer as Tensor : null, { ...g, first });
  }
}

/**
 * Options of `optim.Adam` and `optim.AdamW`.
 * @example
 * const opts: Partial<optim.AdamOptions> = { lr: 3e-4, betas: [0.9, 0.98], eps: 1e-8, amsgrad: false };
 * const opt = new optim.Adam(new nn.Linear(4, 2).parameters(), opts);
 */
export interface AdamOptions {
  lr: number; betas: [number, number]; eps: number; weightDecay: number; amsgrad: boolean; maximize: boolean;
}

/** Checks eps, weightDecay and betas of an Adam-family group. */
export function checkAdam(op: string, g: ParamGroup<Pick<AdamOptions, 'lr' | 'eps' | 'weightDecay' | 'betas'>>): void {
  nonNeg(op, 'eps', g.eps);
  nonNeg(op, 'weightDecay', g.weightDecay);
  if (!Array.isArray(g.betas) || g.betas.length !== 2) throw typeError(op, `betas must be [beta1, beta2], got ${JSON.stringify(g.betas)}`);
  g.betas.forEach((b, i) => { if (!(b >= 0 && b < 1)) throw rangeError(op, `invalid beta parameter at index ${i}: ${b}`); });
}

function adamUpdate(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<AdamOptions>, decoupled: boolean,
  buffer: (p: Tensor) => Tensor): void {
  if (st.step === undefined) {
    st.step = 0;
    st.exp_avg = buffer(p);
    st.exp_avg_sq = buffer(p);
  }
  if (g.amsgrad && !st.max_exp_avg_sq) st.max_exp_avg_sq = buffer(p);
  const step = (st.step as number) + 1;
  st.step = step;
  const [b1, b2] = g.betas;
  const stepSize = g.lr / (1 - Math.pow(b1, step));
  const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, step));
  const m = st.exp_avg as Tensor, v = st.exp_avg_sq as Tensor, vmax = st.max_exp_avg_sq as Tensor | undefined;
  adamStep_(p, grad, m, v, g.amsgrad ? vmax! : null,
    { ...g, beta1: b1, beta2: b2, decoupled, stepSize, bc2Sqrt });
}

/**
 * Adam (Kingma & Ba) with bias correction, optional AMSGrad and L2 weight decay added to
 * the gradient (use AdamW for decoupled decay).
 * @example
 * const model = new nn.Linear(10, 2);
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: Params<AdamOptions>, opts?: Partial<AdamOptions> | number, ...extra: unknown[]) {
    super(params, optimizerOptions('Adam', opts, extra, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }));
  }
  protected override checkOptions(g: ParamGroup<AdamOptions>): void { super.checkOptions(g); checkAdam('Adam', g); }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<AdamOptions>): void {
    adamUpdate(p, grad, st, g, false, (q) => this.buffer(q));
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay p *= 1 - lr·weightDecay
 * (default 0.01).
 * @example
 * const model = new nn.Linear(16, 4);
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 */
export class AdamW extends Optimizer<AdamOptions> {
  constructor(params: Params<AdamOptions>, opts?: Partial<AdamOptions> | number, ...extra: unknown[]) {
    super(params, optimizerOptions('AdamW', opts, extra, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }));
  }
  protected override checkOptions(g: ParamGroup<AdamOptions>): void { super.checkOptions(g); checkAdam('AdamW', g); }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<AdamOptions>): void {
    adamUpdate(p, grad, st, g, true, (q) => this.buffer(q));
  }
}

/**
 * Options of `optim.RMSprop`.
 * @example
 * const opts: Partial<optim.RMSpropOptions> = { lr: 1e-3, alpha: 0.9, centered: true };
 * const opt = new optim.RMSprop(new nn.Linear(4, 2).parameters(), opts);
 */
export interface RMSpropOptions {
  lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean; maximize: boolean;
}

/**
 * RMSprop (Hinton), PyTorch's form: eps added outside the square root; optional centering
 * (divide by the estimated std instead of the RMS) and momentum.
 * @example
 * const model = new nn.Linear(16, 4);
 * const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, alpha: 0.99, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, opts?: Partial<RMSpropOptions> | number, ...extra: unknown[]) {
    super(params, optimizerOptions('RMSprop', opts, extra, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }));
  }
  protected override checkOptions(g: ParamGroup<RMSpropOptions>): void {
    super.checkOptions(g);
    for (const k of ['alpha', 'eps', 'weightDecay', 'momentum'] as const) nonNeg('RMSprop', k, g[k]);
  }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<RMSpropOptions>): void {
    if (st.step === undefined) { st.step = 0; st.square_avg = this.buffer(p); }
    if (g.momentum > 0 && !st.momentum_buffer) st.momentum_buffer = this.buffer(p);
    if (g.centered && !st.grad_avg) st.grad_avg = this.buffer(p);
    st.step = (st.step as number) + 1;
    const sq = st.square_avg as Tensor;
    rmspropStep_(p, grad, sq, g.centered ? st.grad_avg as Tensor : null, g.momentum > 0 ? st.momentum_buffer as Tensor : null, g);
  }
}

/**
 * Options of `optim.Adagrad`.
 * @example
 * const opts: Partial<optim.AdagradOptions> = { lr: 0.05, initialAccumulatorValue: 0.1 };
 * const opt = new optim.Adagrad(new nn.Linear(4, 2).parameters(), opts);
 */
export interface AdagradOptions {
  lr: number; lrDecay: number; weightDecay: number; initialAccumulatorValue: number; eps: number; maximize: boolean;
}

/**
 * Adagrad: per-element learning rates lr / (√(Σg²) + eps), with optional lr decay.
 * @example
 * const model = new nn.Linear(16, 4);
 * const opt = new optim.Adagrad(model.parameters(), { lr: 0.01, lrDecay: 1e-4 });
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Params<AdagradOptions>, opts?: Partial<AdagradOptions> | number, ...extra: unknown[]) {
    super(params, optimizerOptions('Adagrad', opts, extra, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }));
  }
  protected override checkOptions(g: ParamGroup<AdagradOptions>): void {
    super.checkOptions(g);
    for (const k of ['lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'] as const) nonNeg('Adagrad', k, g[k]);
  }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<AdagradOptions>): void {
    if (st.step === undefined) { st.step = 0; st.sum = this.buffer(p, g.initialAccumulatorValue); }
    const step = (st.step as number) + 1;
    st.step = step;
    const clr = g.lr / (1 + (step - 1) * g.lrDecay);
    const sum = st.sum as Tensor;
    adagradStep_(p, grad, sum, { clr, eps: g.eps, weightDecay: g.weightDecay, maximize: g.maximize });
  }
}
