/**
 * tensorforge.optim: optimizers with fused native updates, and `lrScheduler`.
 * @example
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3 });
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 10, gamma: 0.5 });
 */
export { Optimizer, type ParamGroup, type ParamGroupSpec, type ParamState, type OptimizerStateDict } from './optimizer';
export { SGD, Adam, AdamW, RMSprop, Adagrad, type SGDOptions, type AdamOptions, type RMSpropOptions, type AdagradOptions } from './optimizers';
export { NAdam, RAdam, Adamax, type NAdamOptions, type RAdamOptions, type AdamaxOptions } from './adaptive';
export * as lrScheduler from './schedulers';
