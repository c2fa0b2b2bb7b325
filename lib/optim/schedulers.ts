/**
 * optim.lrScheduler: every learning-rate scheduler (./lr_scheduler and ./lr_scheduler_more).
 * @example
 * const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 });
 */
export * from './lr_scheduler';
export * from './lr_scheduler_more';
