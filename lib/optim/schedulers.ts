/**
 * optim.lrScheduler: every learning-rate scheduler (./lr_scheduler and ./lr_scheduler_more).
 * @example
 * const opt = new optim.SGD(new nn.Linear(4, 2).parameters(), { lr: 0.1 });
 * const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 });
 */
// NOTE: named, not `export *`: ./lr_scheduler also exports the option helpers the schedulers share.
export {
  LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, OneCycleLR, SequentialLR, LinearWarmup, ReduceLROnPlateau,
  type SchedulerState, type OneCycleOptions, type PlateauOptions,
} from './lr_scheduler';
export * from './lr_scheduler_more';
