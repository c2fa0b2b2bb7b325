/**
 * tensorforge.autograd: gradients returned rather than accumulated into `.grad`, as
 * torch.autograd.grad (`Tensor.backward()` is the accumulating form).
 * @example
 * const x = randn([3]).requiresGrad_();
 * const [dx] = autograd.grad(x.square().sum(), [x]);   // 2x
 */
export { grad, type GradOptions } from './engine';
