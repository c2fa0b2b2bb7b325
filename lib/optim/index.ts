/**
 * tensorforge.optim: optimizers with fused native updates, and `lrScheduler`.
 * @example
 * const model = new nn.Linear(10, 2);
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 * const loss = nn.functional.crossEntropy(model.forward(randn([8, 10])), randint(0, 2, [8]));
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export { Optimizer, type ParamGroup, type ParamGroupSpec, type ParamState, type OptimizerStateDict } from './optimizer';
export { SGD, Adam, AdamW, RMSprop, Adagrad, type SGDOptions, type AdamOptions, type RMSpropOptions, type AdagradOptions } from './optimizers';
export { NAdam, RAdam, Adamax, type NAdamOptions, type RAdamOptions, type AdamaxOptions } from './adaptive';
export * as lrScheduler from './schedulers';
