/**
 * tensorforge.nn: modules, layers, initialisers and gradient utilities, named as in torch.nn.
 * @example
 * const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3));
 * const y = model.forward(randn([8, 4]));
 */
export { Module, Parameter, type AnyModule, type StateDict, type LoadResult } from './module';
export { Sequential, ModuleList, ModuleDict } from './layers/container';
export { Linear, Identity, Flatten, Dropout } from './layers/linear';
export { ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus } from './layers/activation';
export * as init from './init';
export * as utils from './utils';
