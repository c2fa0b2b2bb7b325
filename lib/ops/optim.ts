/**
 * The fused optimizer updates (native/cpu/optim.cpp, native/cuda/optim.cu) as in-place ops
 * on a parameter, its gradient and its state tensors: one pass over memory per parameter.
 * lib/optim/ keeps the state and the hyper-parameters; these run the arithmetic on the
 * device the parameter lives on.
 */
import type { Tensor } from '../tensor';
import { dispatch } from './kernels';
import { declareKernels, BOTH, CPU, type KernelsOf } from './kernels';

// ---- the native bindings of this family (native/binding/optim.cpp): see KERNELS in ./kernels ----
const OPTIM_KERNELS = declareKernels({
  sgdStep: { params: ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'first', 'maximize'], tensors: ['p', 'g', 'buf?'], devices: BOTH },
  adamStep: {
    params: ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'decoupled', 'amsgrad', 'stepSize', 'bc2Sqrt', 'maximize'],
    tensors: ['p', 'g', 'expAvg', 'expAvgSq', 'maxExpAvgSq?'], devices: BOTH,
  },
  rmspropStep: {
    params: ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'],
    tensors: ['p', 'g', 'squareAvg', 'gradAvg*', 'buf*'], devices: CPU,
  },
  adagradStep: { params: ['clr', 'eps', 'weightDecay', 'maximize'], tensors: ['p', 'g', 'sum'], devices: CPU },
  adamFamilyStep: {
    params: ['beta1', 'beta2', 'l2', 'shrink', 'cg', 'cm', 'k', 'eps', 'maximize'], tensors: ['p', 'g', 'expAvg', 'expAvgSq'], devices: CPU,
  },
  adamaxStep: { params: ['beta1', 'beta2', 'eps', 'weightDecay', 'clr', 'maximize'], tensors: ['p', 'g', 'expAvg', 'expInf'], devices: CPU },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof OPTIM_KERNELS> {} }


const flag = (b: boolean): number => (b ? 1 : 0);
/** The update writes these in place: their versions move on (autograd's in-place check). */
function bump(...ts: (Tensor | null)[]): void { for (const t of ts) if (t) t.bumpVersion_(); }

export interface SgdStep { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; first: boolean; maximize: boolean }

/**
 * p -= lr · (g + wd·p, through momentum buf when given), PyTorch's SGD; `first` starts buf at g.
 * @example sgdStep_(p, p.grad!, null, { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, first: false, maximize: false });
 */
export function sgdStep_(p: Tensor, grad: Tensor, buf: Tensor | null, h: SgdStep): void {
  dispatch('sgdStep').num(h.lr).num(h.momentum).num(h.dampening).num(h.weightDecay).num(flag(h.nesterov))
    .num(flag(h.first)).num(flag(h.maximize)).t(p).t(grad).t(buf).run();
  bump(p, buf);
}

export interface AdamStep {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; amsgrad: boolean;
  /** lr / (1 - beta1^step) */
  stepSize: number;
  /** sqrt(1 - beta2^step) */
  bc2Sqrt: number;
  maximize: boolean;
}

/** One Adam/AdamW update of p with its moments (and the AMSGrad maximum when given). */
export function adamStep_(p: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null, h: AdamStep): void {
  dispatch('adamStep').num(h.lr).num(h.beta1).num(h.beta2).num(h.eps).num(h.weightDecay).num(flag(h.decoupled))
    .num(flag(h.amsgrad)).num(h.stepSize).num(h.bc2Sqrt).num(flag(h.maximize))
    .t(p).t(grad).t(expAvg).t(expAvgSq).t(maxExpAvgSq).run();
  bump(p, expAvg, expAvgSq, maxExpAvgSq);
}

export interface RmspropStep { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean; maximize: boolean }

/** One RMSprop update; gradAvg when centered, buf when momentum > 0. */
export function rmspropStep_(p: Tensor, grad: Tensor, squareAvg: Tensor, gradAvg: Tensor | null, buf: Tensor | null, h: RmspropStep): void {
  const call = dispatch('rmspropStep').num(h.lr).num(h.alpha).num(h.eps).num(h.weightDecay).num(h.momentum)
    .num(flag(h.centered)).num(flag(h.maximize)).t(p).t(grad).t(squareAvg);
  // NOTE: the optional state is packed (only the present tensors are passed), see rmspropStep's `*` slots above.
  if (gradAvg) call.t(gradAvg);
  if (buf) call.t(buf);
  call.run();
  bump(p, squareAvg, gradAvg, buf);
}

export interface AdagradStep { clr: number; eps: number; weightDecay: number; maximize: boolean }

/** One Adagrad update with the decayed learning rate `clr`. */
export function adagradStep_(p: Tensor, grad: Tensor, sum: Tensor, h: AdagradStep): void {
  dispatch('adagradStep').num(h.clr).num(h.eps).num(h.weightDecay).num(flag(h.maximize)).t(p).t(grad).t(sum).run();
  bump(p, sum);
}

/**
 * The general Adam-family update behind NAdam and RAdam (the caller folds bias corrections
 * and schedules into cg, cm, k): p' = p·shrink, d = g + l2·p', moments updated,
 * p = p' - (cg·d + cm·m) / (k·√v + eps).
 */
export interface AdamFamilyStep { beta1: number; beta2: number; l2: number; shrink: number; cg: number; cm: number; k: number; eps: number; maximize: boolean }

/** One fused NAdam/RAdam-style update of p with its moments. */
export function adamFamilyStep_(p: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, h: AdamFamilyStep): void {
  dispatch('adamFamilyStep').num(h.beta1).num(h.beta2).num(h.l2).num(h.shrink).num(h.cg).num(h.cm).num(h.k).num(h.eps)
    .num(flag(h.maximize)).t(p).t(grad).t(expAvg).t(expAvgSq).run();
  bump(p, expAvg, expAvgSq);
}

export interface AdamaxStep { beta1: number; beta2: number; eps: number; weightDecay: number; clr: number; maximize: boolean }

/** One Adamax update: infinity-norm second moment u = max(beta2·u, |d| + eps), p -= clr·m/u. */
export function adamaxStep_(p: Tensor, grad: Tensor, expAvg: Tensor, expInf: Tensor, h: AdamaxStep): void {
  dispatch('adamaxStep').num(h.beta1).num(h.beta2).num(h.eps).num(h.weightDecay).num(h.clr).num(flag(h.maximize))
    .t(p).t(grad).t(expAvg).t(expInf).run();
  bump(p, expAvg, expInf);
}
