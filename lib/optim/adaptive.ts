/**
 * NAdam, RAdam and Adamax: PyTorch's update rules, defaults and state names, each one fused
 * native pass per parameter (native/cpu/optim.cpp). The per-step scalars (bias corrections,
 * NAdam's momentum schedule, RAdam's rectification) are computed here in double.
 */
import { adamFamilyStep_, adamaxStep_ } from '../ops/optim';
import type { Tensor } from '../tensor';
import { rangeError } from '../errors';
import { Optimizer, optimizerOptions, type ParamGroup, type ParamGroupSpec, type ParamState } from './optimizer';
import { checkAdam } from './optimizers';

type Params<O> = Iterable<Tensor> | ParamGroupSpec<O>[];

/** Creates the moment buffers on the first step and returns the step number t. */
function nextStep(st: ParamState, first: string, second: string, buffer: () => Tensor): number {
  if (st.step === undefined) { st.step = 0; st[first] = buffer(); st[second] = buffer(); }
  st.step = (st.step as number) + 1;
  return st.step;
}

/** Weight decay as L2 on the gradient, or decoupled (AdamW-style: p *= 1 - lr·wd). */
const decay = (g: { lr: number; weightDecay: number }, decoupled: boolean): { l2: number; shrink: number } =>
  (decoupled ? { l2: 0, shrink: 1 - g.lr * g.weightDecay } : { l2: g.weightDecay, shrink: 1 });

/**
 * Options of {@link NAdam}.
 * @example
 * const opts: Partial<optim.NAdamOptions> = { lr: 2e-3, momentumDecay: 4e-3, decoupledWeightDecay: true, weightDecay: 1e-2 };
 * const opt = new optim.NAdam(new nn.Linear(4, 2).parameters(), opts);
 */
export interface NAdamOptions {
  lr: number; betas: [number, number]; eps: number; weightDecay: number;
  /** ψ of the momentum schedule μ_t = β1 (1 - 0.96^(tψ) / 2). Default 4e-3. */
  momentumDecay: number;
  /** Weight decay as in AdamW instead of L2 on the gradient. Default false. */
  decoupledWeightDecay: boolean;
  maximize: boolean;
}

/**
 * NAdam (Dozat): Adam with Nesterov momentum and the momentum schedule μ_t, as
 * torch.optim.NAdam (defaults lr 2e-3, betas [0.9, 0.999], eps 1e-8, momentumDecay 4e-3).
 * NOTE: PyTorch 1.13 multiplies μ_t once more into the next momentum product (fixed in 2.0);
 * this follows the corrected form, ∏_{i<=t+1} μ_i.
 * @example
 * const model = new nn.Linear(4, 2);
 * const opt = new optim.NAdam(model.parameters(), { lr: 2e-3 });
 */
export class NAdam extends Optimizer<NAdamOptions> {
  constructor(params: Params<NAdamOptions>, opts?: Partial<NAdamOptions> | number, ...extra: unknown[]) {
    super(params, optimizerOptions('NAdam', opts, extra, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3,
      decoupledWeightDecay: false, maximize: false }));
  }
  protected override checkOptions(g: ParamGroup<NAdamOptions>): void {
    super.checkOptions(g);
    checkAdam('NAdam', g);
    if (typeof g.momentumDecay !== 'number' || !(g.momentumDecay >= 0)) throw rangeError('NAdam', `invalid momentumDecay value: ${String(g.momentumDecay)}`);
  }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<NAdamOptions>): void {
    const t = nextStep(st, 'exp_avg', 'exp_avg_sq', () => this.buffer(p));
    if (st.mu_product === undefined) st.mu_product = 1;
    const [b1, b2] = g.betas;
    const mu = b1 * (1 - 0.5 * Math.pow(0.96, t * g.momentumDecay));
    const muNext = b1 * (1 - 0.5 * Math.pow(0.96, (t + 1) * g.momentumDecay));
    const muProduct = (st.mu_product as number) * mu;
    st.mu_product = muProduct;
    adamFamilyStep_(p, grad, st.exp_avg as Tensor, st.exp_avg_sq as Tensor, {
      beta1: b1, beta2: b2, ...decay(g, g.decoupledWeightDecay), eps: g.eps, maximize: g.maximize,
      cg: (g.lr * (1 - mu)) / (1 - muProduct), cm: (g.lr * muNext) / (1 - muProduct * muNext), k: 1 / Math.sqrt(1 - Math.pow(b2, t)),
    });
  }
}

/**
 * Options of {@link RAdam}.
 * @example
 * const opts: Partial<optim.RAdamOptions> = { lr: 1e-3, betas: [0.9, 0.999], weightDecay: 1e-2 };
 * const opt = new optim.RAdam(new nn.Linear(4, 2).parameters(), opts);
 */
export interface RAdamOptions {
  lr: number; betas: [number, number]; eps: number; weightDecay: number;
  /** Weight decay as in AdamW instead of L2 on the gradient. Default false. */
  decoupledWeightDecay: boolean;
  maximize: boolean;
}

/**
 * RAdam (Liu et al.): Adam whose adaptive step is switched on and rectified once the
 * variance estimate is tractable (ρ_t > 5); before that, bias-corrected momentum SGD. As
 * torch.optim.RAdam (defaults lr 1e-3, betas [0.9, 0.999], eps 1e-8).
 * @example
 * const model = new nn.Linear(4, 2);
 * const opt = new optim.RAdam(model.parameters(), { lr: 1e-3 });
 */
export class RAdam extends Optimizer<RAdamOptions> {
  constructor(params: Params<RAdamOptions>, opts?: Partial<RAdamOptions> | number, ...extra: unknown[]) {
    super(params, optimizerOptions('RAdam', opts, extra, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, maximize: false }));
  }
  protected override checkOptions(g: ParamGroup<RAdamOptions>): void { super.checkOptions(g); checkAdam('RAdam', g); }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<RAdamOptions>): void {
    const t = nextStep(st, 'exp_avg', 'exp_avg_sq', () => this.buffer(p));
    const [b1, b2] = g.betas;
    const bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
    const rhoInf = 2 / (1 - b2) - 1;
    const rhoT = rhoInf - (2 * t * Math.pow(b2, t)) / bc2;
    // NOTE: k = 0 and eps = 1 make the kernel's denominator 1: the unrectified momentum step.
    const adaptive = rhoT > 5;
    const rect = adaptive ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
    adamFamilyStep_(p, grad, st.exp_avg as Tensor, st.exp_avg_sq as Tensor, {
      beta1: b1, beta2: b2, ...decay(g, g.decoupledWeightDecay), maximize: g.maximize, cg: 0,
      cm: adaptive ? (g.lr * rect * Math.sqrt(bc2)) / bc1 : g.lr / bc1, k: adaptive ? 1 : 0, eps: adaptive ? g.eps : 1,
    });
  }
}

/**
 * Options of {@link Adamax}.
 * @example
 * const opts: Partial<optim.AdamaxOptions> = { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8 };
 * const opt = new optim.Adamax(new nn.Linear(4, 2).parameters(), opts);
 */
export interface AdamaxOptions { lr: number; betas: [number, number]; eps: number; weightDecay: number; maximize: boolean }

/**
 * Adamax (Kingma & Ba): Adam with the infinity norm, u_t = max(β2·u, |g| + eps), as
 * torch.optim.Adamax (defaults lr 2e-3, betas [0.9, 0.999], eps 1e-8).
 * @example
 * const model = new nn.Linear(4, 2);
 * const opt = new optim.Adamax(model.parameters(), { lr: 2e-3 });
 */
export class Adamax extends Optimizer<AdamaxOptions> {
  constructor(params: Params<AdamaxOptions>, opts?: Partial<AdamaxOptions> | number, ...extra: unknown[]) {
    super(params, optimizerOptions('Adamax', opts, extra, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false }));
  }
  protected override checkOptions(g: ParamGroup<AdamaxOptions>): void { super.checkOptions(g); checkAdam('Adamax', g); }
  protected update(p: Tensor, grad: Tensor, st: ParamState, g: ParamGroup<AdamaxOptions>): void {
    const t = nextStep(st, 'exp_avg', 'exp_inf', () => this.buffer(p));
    const [b1, b2] = g.betas;
    adamaxStep_(p, grad, st.exp_avg as Tensor, st.exp_inf as Tensor,
      { beta1: b1, beta2: b2, eps: g.eps, weightDecay: g.weightDecay, clr: g.lr / (1 - Math.pow(b1, t)), maximize: g.maximize });
  }
}
