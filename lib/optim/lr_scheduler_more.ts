/**
 * LambdaLR, LinearLR, CosineAnnealingWarmRestarts and CyclicLR with PyTorch's semantics
 * (torch.optim.lr_scheduler), as closed forms of the epoch like the schedulers of
 * ./lr_scheduler, so SequentialLR and stateDict() restore them exactly.
 */
import { rangeError, typeError } from '../errors';
import { LRScheduler, posInt, schedulerOptions, type AnyOptimizer } from './lr_scheduler';

/**
 * A LambdaLR factor of the epoch: lr = base · lrLambda(epoch).
 * @example
 * const warmup: optim.lrScheduler.LrLambda = (epoch) => Math.min(1, (epoch + 1) / 5);
 * const opt = new optim.SGD(new nn.Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched = new optim.lrScheduler.LambdaLR(opt, warmup);
 */
export type LrLambda = (epoch: number) => number;

/**
 * lr = base · lrLambda(t), one function for every group or one per group.
 * @example
 * const opt = new optim.SGD(new nn.Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched = new optim.lrScheduler.LambdaLR(opt, (epoch: number) => 0.95 ** epoch);
 */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: LrLambda[];
  constructor(opt: AnyOptimizer, optsIn: { lrLambda: LrLambda | LrLambda[] } | LrLambda | LrLambda[], ...extra: unknown[]) {
    super(opt);
    const { lrLambda } = schedulerOptions<{ lrLambda: LrLambda | LrLambda[] }>('LambdaLR', optsIn, extra, 'lrLambda', ['lrLambda']);
    const n = opt.paramGroups.length;
    const fns = Array.isArray(lrLambda) ? lrLambda.slice() : new Array<LrLambda>(n).fill(lrLambda);
    if (fns.length !== n) throw rangeError('LambdaLR', `expected ${n} lrLambda functions (one per parameter group), got ${fns.length}`);
    if (!fns.every((f) => typeof f === 'function')) throw typeError('LambdaLR', 'lrLambda must be a function of the epoch or one per parameter group');
    this.lrLambdas = fns;
    this.init();
  }
  protected lrAt(t: number): number[] {
    return this.baseLrs.map((b, i) => {
      const f = this.lrLambdas[i](t);
      if (typeof f !== 'number' || Number.isNaN(f)) throw typeError('LambdaLR', `lrLambda(${t}) must return a number, got ${String(f)}`);
      return b * f;
    });
  }
}

/**
 * Options of {@link LinearLR}.
 * @example
 * const opts: optim.lrScheduler.LinearLROptions = { startFactor: 0.1, endFactor: 1, totalIters: 10 };
 * const opt = new optim.SGD(new nn.Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched = new optim.lrScheduler.LinearLR(opt, opts);
 */
export interface LinearLROptions {
  /** Factor at epoch 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Factor from totalIters on, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Epochs of the linear change. Default 5. */
  totalIters?: number;
}

/**
 * lr = base · (startFactor + (endFactor - startFactor) · min(t, totalIters) / totalIters).
 * @example
 * const opt = new optim.SGD(new nn.Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched = new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 10 });  // warm up over 10 epochs
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number; readonly endFactor: number; readonly totalIters: number;
  constructor(opt: AnyOptimizer, optsIn: LinearLROptions | number = {}, ...extra: unknown[]) {
    super(opt);
    const o = schedulerOptions<LinearLROptions>('LinearLR', optsIn, extra, 'startFactor', ['startFactor', 'endFactor', 'totalIters']);
    this.startFactor = o.startFactor ?? 1 / 3;
    this.endFactor = o.endFactor ?? 1;
    if (!(this.startFactor > 0 && this.startFactor <= 1)) throw rangeError('LinearLR', `startFactor must be in (0, 1], got ${String(this.startFactor)}`);
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) throw rangeError('LinearLR', `endFactor must be in [0, 1], got ${String(this.endFactor)}`);
    this.totalIters = posInt('LinearLR', 'totalIters', o.totalIters ?? 5);
    this.init();
  }
  protected lrAt(t: number): number[] {
    const f = this.startFactor + ((this.endFactor - this.startFactor) * Math.min(t, this.totalIters)) / this.totalIters;
    return this.baseLrs.map((b) => b * f);
  }
}

/**
 * SGDR (Loshchilov & Hutter): cosine annealing from base to etaMin over T_i epochs, then a
 * restart; T_0 = t0, T_{i+1} = tMult · T_i.
 * lr = etaMin + (base - etaMin)(1 + cos(π T_cur / T_i)) / 2.
 * @example
 * const opt = new optim.SGD(new nn.Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 });  // restarts at 10, 30, 70
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  readonly t0: number; readonly tMult: number; readonly etaMin: number;
  constructor(opt: AnyOptimizer, optsIn: { t0: number; tMult?: number; etaMin?: number } | number, ...extra: unknown[]) {
    super(opt);
    const o = schedulerOptions<{ t0: number; tMult?: number; etaMin?: number }>('CosineAnnealingWarmRestarts', optsIn, extra, 't0', ['t0', 'tMult', 'etaMin']);
    this.t0 = posInt('CosineAnnealingWarmRestarts', 't0', o.t0);
    this.tMult = posInt('CosineAnnealingWarmRestarts', 'tMult', o.tMult ?? 1);
    this.etaMin = o.etaMin ?? 0;
    if (typeof this.etaMin !== 'number' || !Number.isFinite(this.etaMin)) throw typeError('CosineAnnealingWarmRestarts', `etaMin must be a number, got ${String(this.etaMin)}`);
    this.init();
  }
  protected lrAt(t: number): number[] {
    // NOTE: integer arithmetic as PyTorch's step() does (T_cur -= T_i at each restart), not its log-based closed form.
    let ti = this.t0, cur = t;
    if (this.tMult === 1) cur = t % ti;
    else while (cur >= ti) { cur -= ti; ti *= this.tMult; }
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * cur) / ti))) / 2);
  }
}

/**
 * Options of {@link CyclicLR}.
 * @example
 * const opts: optim.lrScheduler.CyclicLROptions = { baseLr: 1e-3, maxLr: 1e-2, stepSizeUp: 200, mode: 'exp_range', gamma: 0.999 };
 * const opt = new optim.SGD(new nn.Linear(4, 2).parameters(), { lr: 1e-3, momentum: 0.9 });
 * const sched = new optim.lrScheduler.CyclicLR(opt, opts);
 */
export interface CyclicLROptions {
  baseLr: number | number[];
  maxLr: number | number[];
  /** Epochs (usually batches) from baseLr up to maxLr. Default 2000. */
  stepSizeUp?: number;
  /** Epochs back down (default stepSizeUp). */
  stepSizeDown?: number | null;
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** exp_range: the amplitude scales by gamma^t. Default 1. */
  gamma?: number;
  /** A custom amplitude scale (replaces mode), of the cycle number or of t (scaleMode). */
  scaleFn?: ((x: number) => number) | null;
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle momentum (SGD) or beta1 (Adam) inversely to the lr. Default true. */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
}
const CYCLIC_KEYS = ['baseLr', 'maxLr', 'stepSizeUp', 'stepSizeDown', 'mode', 'gamma', 'scaleFn', 'scaleMode', 'cycleMomentum', 'baseMomentum', 'maxMomentum'];

/**
 * Cyclical learning rates (Smith): the lr moves between baseLr and maxLr in triangles of
 * stepSizeUp + stepSizeDown epochs, the amplitude scaled per mode; momentum moves the
 * opposite way. As PyTorch, construction sets every group's lr to baseLr. Step it once per
 * batch.
 * @example
 * const opt = new optim.SGD(new nn.Linear(4, 2).parameters(), { lr: 1e-3, momentum: 0.9 });
 * const sched = new optim.lrScheduler.CyclicLR(opt, { baseLr: 1e-3, maxLr: 1e-2, stepSizeUp: 500, mode: 'triangular2' });
 * // call sched.step() after every batch
 */
export class CyclicLR extends LRScheduler {
  readonly maxLrs: number[]; readonly totalSize: number; readonly stepRatio: number;
  /** The amplitude scale: opts.scaleFn, or the one of the mode (1, 1/2^(cycle-1) or gamma^t). */
  readonly scaleFn: (x: number) => number;
  readonly scaleMode: 'cycle' | 'iterations';
  readonly cycleMomentum: boolean; readonly baseMomentums: number[]; readonly maxMomentums: number[];

  constructor(opt: AnyOptimizer, optsIn: CyclicLROptions, ...extra: unknown[]) {
    super(opt);
    const op = 'CyclicLR';
    const o = schedulerOptions<CyclicLROptions>(op, optsIn, extra, 'baseLr', CYCLIC_KEYS);
    const groups = opt.paramGroups;
    const perGroup = (name: string, v: unknown, dflt?: number): number[] => {
      const list = Array.isArray(v) ? v.slice() : new Array(groups.length).fill(v ?? dflt);
      if (list.length !== groups.length || list.some((x) => typeof x !== 'number' || !(x >= 0))) {
        throw rangeError(op, `${name} must be a non-negative number or one per parameter group (${groups.length}), got ${JSON.stringify(v)}`);
      }
      return list as number[];
    };
    const baseLrs = perGroup('baseLr', o.baseLr);
    this.maxLrs = perGroup('maxLr', o.maxLr);
    const up = posInt(op, 'stepSizeUp', o.stepSizeUp ?? 2000);
    const down = o.stepSizeDown === undefined || o.stepSizeDown === null ? up : posInt(op, 'stepSizeDown', o.stepSizeDown);
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    const mode = o.mode ?? 'triangular', gamma = o.gamma ?? 1;
    if (mode !== 'triangular' && mode !== 'triangular2' && mode !== 'exp_range') throw typeError(op, `mode must be 'triangular', 'triangular2' or 'exp_range', got ${JSON.stringify(mode)}`);
    if (o.scaleFn !== undefined && o.scaleFn !== null && typeof o.scaleFn !== 'function') throw typeError(op, 'scaleFn must be a function or null');
    if (o.scaleFn) {
      this.scaleFn = o.scaleFn;
      this.scaleMode = o.scaleMode ?? 'cycle';
      if (this.scaleMode !== 'cycle' && this.scaleMode !== 'iterations') throw typeError(op, `scaleMode must be 'cycle' or 'iterations', got ${JSON.stringify(this.scaleMode)}`);
    } else {
      this.scaleFn = mode === 'triangular' ? () => 1 : mode === 'triangular2' ? (x) => 1 / Math.pow(2, x - 1) : (x) => Math.pow(gamma, x);
      this.scaleMode = mode === 'exp_range' ? 'iterations' : 'cycle';
    }
    this.cycleMomentum = o.cycleMomentum ?? true;
    this.baseMomentums = perGroup('baseMomentum', o.baseMomentum, 0.8);
    this.maxMomentums = perGroup('maxMomentum', o.maxMomentum, 0.9);
    if (this.cycleMomentum && !groups.every((g) => 'momentum' in g || 'betas' in g)) {
      throw typeError(op, 'optimizer has neither momentum nor betas; pass cycleMomentum: false');
    }
    groups.forEach((g, i) => { g.lr = baseLrs[i]; g.initialLr = baseLrs[i]; });
    this.baseLrs.splice(0, this.baseLrs.length, ...baseLrs);
    this.init();
  }

  /** The triangle's height fraction at t and the amplitude scale. */
  private phase(t: number): { fraction: number; scale: number } {
    const cycle = Math.floor(1 + t / this.totalSize);
    const x = 1 + t / this.totalSize - cycle;
    const fraction = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    return { fraction, scale: this.scaleFn(this.scaleMode === 'cycle' ? cycle : t) };
  }

  protected lrAt(t: number): number[] {
    const { fraction, scale } = this.phase(t);
    return this.baseLrs.map((b, i) => b + (this.maxLrs[i] - b) * fraction * scale);
  }

  protected override apply(lrs: number[]): void {
    super.apply(lrs);
    if (!this.cycleMomentum) return;
    const { fraction, scale } = this.phase(this.lastEpoch);
    this.optimizer.paramGroups.forEach((g, i) => {
      const m = this.maxMomentums[i] - (this.maxMomentums[i] - this.baseMomentums[i]) * fraction * scale;
      const gg = g as Record<string, unknown>;
      if (Array.isArray(gg.betas)) gg.betas = [m, (gg.betas as number[])[1]];
      else gg.momentum = m;
    });
  }
}
