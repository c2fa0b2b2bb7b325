/**
 * Learning-rate schedulers (optim.lrScheduler), PyTorch's semantics: construction sets each
 * group's lr for step 0 (remembering `initialLr`); each `step()` advances one epoch (or
 * batch) and sets the next lr. Rates are the closed forms, so a scheduler restored from
 * stateDict() continues exactly. LinearWarmup and SequentialLR compose schedulers.
 * @example
 * const opt = new optim.SGD(new nn.Linear(2, 2).parameters(), { lr: 0.1 });
 * const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 10 });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   // ... one epoch of training ...
 *   sched.step();
 * }
 */
import { rangeError, typeError } from '../errors';
import type { Optimizer } from './optimizer';
import { checkOptions, isPlainObject } from '../options';

/** Any optimizer a scheduler can drive. */
export type AnyOptimizer = Optimizer<{ lr: number }>;

/**
 * A scheduler's `stateDict()`: its epoch counter and base learning rates.
 * @example
 * const opt = new optim.SGD(new nn.Linear(2, 2).parameters(), { lr: 0.1 });
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 10 });
 * const state: optim.lrScheduler.SchedulerState = sched.stateDict();
 */
export interface SchedulerState { lastEpoch: number; baseLrs: number[]; [k: string]: unknown }

/**
 * Base class: subclasses give the lr of every group at epoch t from its base lr.
 * @example
 * class HalvingLR extends optim.lrScheduler.LRScheduler {
 *   constructor(opt: optim.SGD) { super(opt); this.init(); }
 *   protected override lrAt(t: number): number[] { return this.baseLrs.map((lr) => lr / 2 ** t); }
 * }
 * const sched = new HalvingLR(new optim.SGD(new nn.Linear(2, 2).parameters(), { lr: 0.1 }));
 */
export abstract class LRScheduler {
  lastEpoch = -1;
  readonly baseLrs: number[];
  protected lastLrs: number[] = [];

  constructor(readonly optimizer: AnyOptimizer) {
    if (!optimizer || !Array.isArray(optimizer.paramGroups)) throw typeError(this.constructor.name, 'expected an optimizer');
    for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
  }

  /** Call at the end of the constructor of subclasses: applies epoch 0. */
  protected init(): void { this.step(); }

  /** lr of each group at epoch t. */
  protected abstract lrAt(t: number): number[];

  /** Advances one epoch and sets the groups' lr. */
  step(): void {
    this.lastEpoch++;
    this.apply(this.lrAt(this.lastEpoch));
  }

  /** Writes the learning rates into the optimizer's param groups. */
  protected apply(lrs: number[]): void {
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = lrs[i]; });
    this.lastLrs = lrs.slice();
  }

  /** The lr of each group set by the last step(). */
  getLastLr(): number[] { return this.lastLrs.slice(); }

  /** The scheduler state (epoch counter, base learning rates, and its own fields). */
  stateDict(): SchedulerState { return { lastEpoch: this.lastEpoch, baseLrs: this.baseLrs.slice() }; }

  /** Restores a state from stateDict() (to resume training). */
  loadStateDict(sd: SchedulerState): void {
    if (!sd || typeof sd.lastEpoch !== 'number') throw typeError(`${this.constructor.name}.loadStateDict`, 'expected the object from stateDict()');
    this.lastEpoch = sd.lastEpoch;
    if (Array.isArray(sd.baseLrs)) this.baseLrs.splice(0, this.baseLrs.length, ...sd.baseLrs);
    this.apply(this.lrAt(this.lastEpoch));
  }
}

/**
 * A scheduler's options checked against `allowed` (unknown keys throw). A bare value is
 * PyTorch's first positional argument, stored under `first`: `new StepLR(opt, 30)` is
 * `{ stepSize: 30 }`. More positional arguments throw instead of being dropped.
 */
export function schedulerOptions<O>(op: string, opts: unknown, extra: readonly unknown[], first: string, allowed: readonly string[]): O {
  if (extra.length > 0) {
    throw typeError(op, `takes (optimizer, options); got ${2 + extra.length} arguments. Pass the rest by name: { ${allowed.join(', ')} }`);
  }
  if (opts === undefined || opts === null || isPlainObject(opts)) {
    checkOptions(op, opts, allowed);
    return (opts ?? {}) as O;
  }
  return { [first]: opts } as O;
}

/** A positive integer option, or a RangeError naming the scheduler and the option. */
export function posInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw rangeError(op, `${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/**
 * lr = base · gamma^⌊t / stepSize⌋.
 * @example
 * const opt = new optim.SGD(new nn.Linear(2, 2).parameters(), { lr: 0.1 });
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });   // 0.1, then 0.01 from epoch 30
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   // ... train one epoch ...
 *   sched.step();
 * }
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number; readonly gamma: number;
  constructor(opt: AnyOptimizer, optsIn: { stepSize: number; gamma?: number } | number, ...extra: unknown[]) {
    super(opt);
    const opts = schedulerOptions<{ stepSize: number; gamma?: number }>('StepLR', optsIn, extra, 'stepSize', ['stepSize', 'gamma']);
    this.stepSize = posInt('StepLR', 'stepSize', opts?.stepSize);
    this.gamma = opts.gamma ?? 0.1;
    this.init();
  }
  protected lrAt(t: number): number[] { return this.baseLrs.map((b) => b * Math.pow(this.gamma, Math.floor(t / this.stepSize))); }
}

/**
 * lr = base · gamma^(number of milestones ≤ t).
 * @example
 * const opt = new optim.SGD(new nn.Linear(2, 2).parameters(), { lr: 0.1 });
 * const sched = new optim.lrScheduler.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[]; readonly gamma: number;
  constructor(opt: AnyOptimizer, optsIn: { milestones: number[]; gamma?: number } | number[], ...extra: unknown[]) {
    super(opt);
    const opts = schedulerOptions<{ milestones: number[]; gamma?: number }>('MultiStepLR', optsIn, extra, 'milestones', ['milestones', 'gamma']);
    if (!Array.isArray(opts?.milestones)) throw typeError('MultiStepLR', 'milestones must be an array of epochs');
    this.milestones = opts.milestones.slice().sort((a, b) => a - b);
    this.gamma = opts.gamma ?? 0.1;
    this.init();
  }
  protected lrAt(t: number): number[] {
    const k = this.milestones.filter((m) => m <= t).length;
    return this.baseLrs.map((b) => b * Math.pow(this.gamma, k));
  }
}

/**
 * lr = base · gamma^t.
 * @example
 * const opt = new optim.Adam(new nn.Linear(2, 2).parameters());
 * const sched = new optim.lrScheduler.ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(opt: AnyOptimizer, optsIn: { gamma: number } | number, ...extra: unknown[]) {
    super(opt);
    const opts = schedulerOptions<{ gamma: number }>('ExponentialLR', optsIn, extra, 'gamma', ['gamma']);
    if (typeof opts?.gamma !== 'number') throw typeError('ExponentialLR', 'gamma must be a number');
    this.gamma = opts.gamma;
    this.init();
  }
  protected lrAt(t: number): number[] { return this.baseLrs.map((b) => b * Math.pow(this.gamma, t)); }
}

/**
 * lr = etaMin + (base - etaMin)(1 + cos(π t / tMax)) / 2 (SGDR without restarts).
 * @example
 * const opt = new optim.SGD(new nn.Linear(2, 2).parameters(), { lr: 0.1 });
 * const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 50, etaMin: 1e-4 });
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number; readonly etaMin: number;
  constructor(opt: AnyOptimizer, optsIn: { tMax: number; etaMin?: number } | number, ...extra: unknown[]) {
    super(opt);
    const opts = schedulerOptions<{ tMax: number; etaMin?: number }>('CosineAnnealingLR', optsIn, extra, 'tMax', ['tMax', 'etaMin']);
    this.tMax = posInt('CosineAnnealingLR', 'tMax', opts?.tMax);
    this.etaMin = opts.etaMin ?? 0;
    this.init();
  }
  protected lrAt(t: number): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2);
  }
}

/**
 * Options of `OneCycleLR` (PyTorch's, camelCase): the peak lr and either totalSteps or epochs × stepsPerEpoch.
 * @example
 * const opts: optim.lrScheduler.OneCycleOptions = { maxLr: 0.01, epochs: 10, stepsPerEpoch: 100, pctStart: 0.3 };
 * const sched = new optim.lrScheduler.OneCycleLR(new optim.Adam(new nn.Linear(2, 2).parameters()), opts);
 */
export interface OneCycleOptions {
  maxLr: number | number[];
  totalSteps?: number; epochs?: number; stepsPerEpoch?: number;
  pctStart?: number; annealStrategy?: 'cos' | 'linear';
  divFactor?: number; finalDivFactor?: number; threePhase?: boolean;
  /** Cycle momentum (SGD) or beta1 (Adam) inversely to the lr. */
  cycleMomentum?: boolean; baseMomentum?: number; maxMomentum?: number;
}
const ONE_CYCLE_KEYS = ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'divFactor', 'finalDivFactor',
  'threePhase', 'cycleMomentum', 'baseMomentum', 'maxMomentum'];

/**
 * The 1cycle policy (Smith & Topin): lr warms from maxLr/divFactor to maxLr over pctStart of
 * totalSteps, then anneals to initial/finalDivFactor; momentum moves the opposite way.
 * Step it once per batch.
 * @example
 * const model = new nn.Linear(4, 2);
 * const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * const sched = new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 1000 });
 * // step it after every batch, e.g. train.fit(..., { scheduler: sched, schedulerStep: 'batch' })
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: { end: number; lr: ['initialLr' | 'maxLr' | 'minLr', 'initialLr' | 'maxLr' | 'minLr']; mom: ['max' | 'base', 'max' | 'base'] }[];
  private readonly anneal: (a: number, b: number, pct: number) => number;
  private readonly groupLrs: { initialLr: number; maxLr: number; minLr: number }[];
  private readonly cycleMomentum: boolean;
  private readonly baseMomentum: number;
  private readonly maxMomentum: number;

  constructor(opt: AnyOptimizer, opts: OneCycleOptions | number | number[], ...extra: unknown[]) {
    super(opt);
    const o = schedulerOptions<OneCycleOptions>('OneCycleLR', opts, extra, 'maxLr', ONE_CYCLE_KEYS);
    if (o.totalSteps !== undefined) this.totalSteps = posInt('OneCycleLR', 'totalSteps', o.totalSteps);
    else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
      this.totalSteps = posInt('OneCycleLR', 'epochs', o.epochs) * posInt('OneCycleLR', 'stepsPerEpoch', o.stepsPerEpoch);
    } else throw typeError('OneCycleLR', 'give totalSteps, or epochs and stepsPerEpoch');
    const pct = o.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw rangeError('OneCycleLR', `pctStart must be in [0, 1], got ${pct}`);
    const div = o.divFactor ?? 25, finalDiv = o.finalDivFactor ?? 1e4;
    const n = this.totalSteps;
    this.phases = o.threePhase
      ? [{ end: pct * n - 1, lr: ['initialLr', 'maxLr'], mom: ['max', 'base'] },
        { end: 2 * pct * n - 2, lr: ['maxLr', 'initialLr'], mom: ['base', 'max'] },
        { end: n - 1, lr: ['initialLr', 'minLr'], mom: ['max', 'max'] }]
      : [{ end: pct * n - 1, lr: ['initialLr', 'maxLr'], mom: ['max', 'base'] },
        { end: n - 1, lr: ['maxLr', 'minLr'], mom: ['base', 'max'] }];
    const strategy = o.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') throw typeError('OneCycleLR', `annealStrategy must be 'cos' or 'linear', got ${String(strategy)}`);
    this.anneal = strategy === 'cos'
      ? (a, b, p) => b + ((a - b) / 2) * (Math.cos(Math.PI * p) + 1)
      : (a, b, p) => (b - a) * p + a;
    const groups = opt.paramGroups;
    const maxLrs = Array.isArray(o.maxLr) ? o.maxLr : groups.map(() => o.maxLr as number);
    if (maxLrs.length !== groups.length || maxLrs.some((v) => typeof v !== 'number' || !(v > 0))) {
      throw rangeError('OneCycleLR', `maxLr must be a positive number or one per parameter group (${groups.length})`);
    }
    this.groupLrs = maxLrs.map((m) => ({ initialLr: m / div, maxLr: m, minLr: m / div / finalDiv }));
    groups.forEach((g, i) => { g.initialLr = this.groupLrs[i].initialLr; });
    this.baseLrs.splice(0, this.baseLrs.length, ...this.groupLrs.map((g) => g.initialLr));
    this.cycleMomentum = o.cycleMomentum ?? true;
    this.baseMomentum = o.baseMomentum ?? 0.85;
    this.maxMomentum = o.maxMomentum ?? 0.95;
    if (this.cycleMomentum && !groups.every((g) => 'momentum' in g || 'betas' in g)) {
      throw typeError('OneCycleLR', 'optimizer has neither momentum nor betas; pass cycleMomentum: false');
    }
    this.init();
  }

  private at(t: number): { lrs: number[]; mom: number } {
    // NOTE: like PyTorch, one step past the end (t == totalSteps) is allowed.
    if (t > this.totalSteps) {
      throw rangeError('OneCycleLR', `tried to step ${t} times, more than totalSteps (${this.totalSteps})`);
    }
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const ph = this.phases[i];
      if (t <= ph.end || i === this.phases.length - 1) {
        const pct = ph.end === start ? 1 : (t - start) / (ph.end - start);
        const mom = this.anneal(ph.mom[0] === 'max' ? this.maxMomentum : this.baseMomentum,
          ph.mom[1] === 'max' ? this.maxMomentum : this.baseMomentum, pct);
        return { lrs: this.groupLrs.map((g) => this.anneal(g[ph.lr[0]], g[ph.lr[1]], pct)), mom };
      }
      start = ph.end;
    }
    throw new Error('OneCycleLR: unreachable');
  }

  protected lrAt(t: number): number[] { return this.at(t).lrs; }

  protected override apply(lrs: number[]): void {
    super.apply(lrs);
    if (!this.cycleMomentum) return;
    const { mom } = this.at(this.lastEpoch);
    for (const g of this.optimizer.paramGroups) {
      const gg = g as Record<string, unknown>;
      if (Array.isArray(gg.betas)) gg.betas = [mom, (gg.betas as number[])[1]];
      else gg.momentum = mom;
    }
  }
}

/**
 * Runs `schedulers[i]` from milestone i-1 on: each scheduler is stepped from its own epoch
 * 0 when its turn comes (PyTorch's SequentialLR).
 * @example
 * const opt = new optim.SGD(new nn.Linear(2, 2).parameters(), { lr: 0.1 });
 * const warm = new optim.lrScheduler.ExponentialLR(opt, { gamma: 1.5 });
 * const decay = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 95 });
 * const sched = new optim.lrScheduler.SequentialLR(opt, { schedulers: [warm, decay], milestones: [5] });
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[]; readonly milestones: number[];
  constructor(opt: AnyOptimizer, opts: { schedulers: LRScheduler[]; milestones: number[] } | LRScheduler[], ...extra: unknown[]) {
    super(opt);
    // NOTE: PyTorch's SequentialLR(optimizer, schedulers, milestones): a positional list then milestones.
    const o = Array.isArray(opts) && extra.length === 1 ? { schedulers: opts, milestones: extra[0] as number[] }
      : schedulerOptions<{ schedulers: LRScheduler[]; milestones: number[] }>('SequentialLR', opts, extra, 'schedulers', ['schedulers', 'milestones']);
    const { schedulers, milestones } = o;
    if (!Array.isArray(schedulers) || !schedulers.length || !Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw rangeError('SequentialLR', 'need n schedulers and n-1 milestones');
    }
    for (const s of schedulers) if (s.optimizer !== opt) throw typeError('SequentialLR', 'all schedulers must drive the same optimizer');
    this.schedulers = schedulers;
    this.milestones = milestones.slice();
    this.init();
  }

  protected lrAt(t: number): number[] {
    let i = 0;
    while (i < this.milestones.length && t >= this.milestones[i]) i++;
    const start = i === 0 ? 0 : this.milestones[i - 1];
    const s = this.schedulers[i] as unknown as { lrAt(t: number): number[]; lastEpoch: number; lastLrs: number[] };
    s.lastEpoch = t - start;
    const lrs = s.lrAt(t - start);
    s.lastLrs = lrs.slice();
    return lrs;
  }

  override stateDict(): SchedulerState {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }
}

/**
 * Linear warmup: lr = base · (startFactor + (1 - startFactor) · t / warmupSteps) for
 * t < warmupSteps, then the `after` scheduler from its epoch 0 (or base lr if none).
 * The default startFactor is 1 / (warmupSteps + 1), so the ramp is base · (t + 1) /
 * (warmupSteps + 1): the first epoch already trains (never at lr 0) and the ramp meets the
 * base lr at t = warmupSteps.
 * @example
 * const opt = new optim.AdamW(new nn.Linear(2, 2).parameters(), { lr: 1e-3 });
 * const sched = new optim.lrScheduler.LinearWarmup(opt, { warmupSteps: 500, after: new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 9500 }) });
 */
export class LinearWarmup extends LRScheduler {
  readonly warmupSteps: number; readonly startFactor: number; readonly after: LRScheduler | null;
  constructor(opt: AnyOptimizer, optsIn: { warmupSteps: number; startFactor?: number; after?: LRScheduler } | number, ...extra: unknown[]) {
    super(opt);
    const opts = schedulerOptions<{ warmupSteps: number; startFactor?: number; after?: LRScheduler }>('LinearWarmup', optsIn, extra, 'warmupSteps',
      ['warmupSteps', 'startFactor', 'after']);
    this.warmupSteps = posInt('LinearWarmup', 'warmupSteps', opts?.warmupSteps);
    // NOTE: a default of 0 (some libraries' choice) would spend the whole first epoch at lr 0.
    this.startFactor = opts.startFactor ?? 1 / (this.warmupSteps + 1);
    if (!(this.startFactor >= 0 && this.startFactor <= 1)) throw rangeError('LinearWarmup', `startFactor must be in [0, 1], got ${this.startFactor}`);
    this.after = opts.after ?? null;
    if (this.after && this.after.optimizer !== opt) throw typeError('LinearWarmup', 'after must drive the same optimizer');
    this.init();
  }

  protected lrAt(t: number): number[] {
    if (t < this.warmupSteps) {
      const f = this.startFactor + ((1 - this.startFactor) * t) / this.warmupSteps;
      return this.baseLrs.map((b) => b * f);
    }
    if (!this.after) return this.baseLrs.slice();
    const s = this.after as unknown as { lrAt(t: number): number[]; lastEpoch: number; lastLrs: number[] };
    s.lastEpoch = t - this.warmupSteps;
    const lrs = s.lrAt(t - this.warmupSteps);
    s.lastLrs = lrs.slice();
    return lrs;
  }

  override stateDict(): SchedulerState {
    return { ...super.stateDict(), after: this.after ? this.after.stateDict() : null };
  }
}

/**
 * Options of `ReduceLROnPlateau`.
 * @example
 * const opts: optim.lrScheduler.PlateauOptions = { mode: 'min', factor: 0.5, patience: 3, minLr: 1e-5 };
 * const sched = new optim.lrScheduler.ReduceLROnPlateau(new optim.Adam(new nn.Linear(2, 2).parameters()), opts);
 */
export interface PlateauOptions {
  mode?: 'min' | 'max'; factor?: number; patience?: number; threshold?: number;
  thresholdMode?: 'rel' | 'abs'; cooldown?: number; minLr?: number | number[]; eps?: number;
}
const PLATEAU_KEYS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'];

/**
 * Multiplies the lr by `factor` when the monitored metric has not improved for `patience`
 * epochs: `sched.step(valLoss)`.
 * @example
 * const opt = new optim.Adam(new nn.Linear(2, 2).parameters(), { lr: 1e-3 });
 * const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, { factor: 0.1, patience: 5 });
 * sched.step(0.42);   // after each epoch, with the validation loss
 */
export class ReduceLROnPlateau {
  readonly mode: 'min' | 'max'; readonly factor: number; readonly patience: number;
  readonly threshold: number; readonly thresholdMode: 'rel' | 'abs'; readonly cooldown: number;
  readonly minLrs: number[]; readonly eps: number;
  best: number; numBadEpochs = 0; cooldownCounter = 0; lastEpoch = 0;

  constructor(readonly optimizer: AnyOptimizer, optsIn?: PlateauOptions | 'min' | 'max', ...extra: unknown[]) {
    const opts = schedulerOptions<PlateauOptions>('ReduceLROnPlateau', optsIn, extra, 'mode', PLATEAU_KEYS);
    this.mode = opts.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max') throw typeError('ReduceLROnPlateau', `mode must be 'min' or 'max', got ${String(this.mode)}`);
    this.factor = opts.factor ?? 0.1;
    if (!(this.factor < 1 && this.factor >= 0)) throw rangeError('ReduceLROnPlateau', `factor must be < 1, got ${this.factor}`);
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw typeError('ReduceLROnPlateau', `thresholdMode must be 'rel' or 'abs'`);
    this.cooldown = opts.cooldown ?? 0;
    const n = optimizer.paramGroups.length;
    const minLr = opts.minLr ?? 0;
    this.minLrs = Array.isArray(minLr) ? minLr.slice() : new Array(n).fill(minLr);
    if (this.minLrs.length !== n) throw rangeError('ReduceLROnPlateau', `expected ${n} minLr values, got ${this.minLrs.length}`);
    this.eps = opts.eps ?? 1e-8;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const t = this.threshold, b = this.best;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < b * (1 - t) : a < b - t;
    return this.thresholdMode === 'rel' ? a > b * (1 + t) : a > b + t;
  }

  /** Records one epoch's metric and lowers the lr when it has plateaued. */
  step(metric: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric)) throw typeError('ReduceLROnPlateau.step', `metric must be a number, got ${String(metric)}`);
    this.lastEpoch++;
    if (this.isBetter(metric)) { this.best = metric; this.numBadEpochs = 0; } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) { this.cooldownCounter--; this.numBadEpochs = 0; }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  /** The learning rate of every param group after the last step. */
  getLastLr(): number[] { return this.optimizer.paramGroups.map((g) => g.lr); }

  /** The scheduler state (epoch counter, base learning rates, and its own fields). */
  stateDict(): Record<string, number> {
    return { best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, lastEpoch: this.lastEpoch };
  }

  /** Restores a state from stateDict() (to resume training). */
  loadStateDict(sd: Record<string, number>): void {
    for (const k of ['best', 'numBadEpochs', 'cooldownCounter', 'lastEpoch'] as const) {
      if (typeof sd?.[k] !== 'number') throw typeError('ReduceLROnPlateau.loadStateDict', `missing ${k}`);
      this[k] = sd[k];
    }
  }
}
