/**
 * nn.utils: gradient clipping.
 * @example
 * const model = new nn.Linear(4, 1);
 * model.forward(randn([8, 4])).sum().backward();
 * const norm = nn.utils.clipGradNorm(model.parameters(), 1.0);
 */
import { Tensor, tidy } from '../tensor';
import { noGrad } from '../autograd/grad_mode';
import { rangeError, typeError } from '../errors';
import { checkOptions } from '../options';

function gradsOf(op: string, parameters: Iterable<Tensor> | Tensor): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  list.forEach((p, i) => { if (!(p instanceof Tensor)) throw typeError(op, `parameters[${i}] is not a Tensor`); });
  return list.filter((p) => p.grad && !p.grad.isDisposed).map((p) => p.grad as Tensor);
}

/**
 * Scales gradients in place so their joint norm (all gradients as one vector) is at most
 * maxNorm; returns the norm before clipping. normType: a positive number or Infinity.
 * @example
 * const model = new nn.Linear(4, 1);
 * model.forward(randn([8, 4])).sum().backward();
 * const total = nn.utils.clipGradNorm(model.parameters(), 1.0);   // the norm before clipping
 */
export function clipGradNorm(parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2,
  optsIn: { errorIfNonfinite?: boolean } | boolean = {}): number {
  // NOTE: a boolean is PyTorch's positional error_if_nonfinite.
  const opts = typeof optsIn === 'boolean' ? { errorIfNonfinite: optsIn } : optsIn ?? {};
  checkOptions('clipGradNorm', opts, ['errorIfNonfinite']);
  if (!(maxNorm >= 0)) throw rangeError('clipGradNorm', `maxNorm must be a non-negative number, got ${maxNorm}`);
  if (!(normType > 0)) throw rangeError('clipGradNorm', `normType must be positive (or Infinity), got ${normType}`);
  const grads = gradsOf('clipGradNorm', parameters);
  if (!grads.length) return 0;
  const total = noGrad(() => tidy(() => {
    if (normType === Infinity) return Math.max(...grads.map((g) => (g.numel ? g.abs().max().item() : 0)));
    let acc = 0;
    for (const g of grads) {
      if (!g.numel) continue;
      const s = normType === 2 ? g.square().sum() : normType === 1 ? g.abs().sum() : g.abs().pow(normType).sum();
      acc += s.item();
    }
    return normType === 1 ? acc : Math.pow(acc, 1 / normType);
  }));
  if (!Number.isFinite(total) && opts.errorIfNonfinite) {
    throw new Error(`clipGradNorm: the total norm of order ${normType} for gradients is non-finite (${total}), so it cannot be clipped`);
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) noGrad(() => { for (const g of grads) g.mul_(coef); });
  return total;
}

/**
 * Clamps every gradient element to [-clipValue, clipValue] in place.
 * @example
 * const model = new nn.Linear(4, 1);
 * model.forward(randn([8, 4])).pow(2).sum().backward();
 * nn.utils.clipGradValue(model.parameters(), 0.5);   // every gradient element now in [-0.5, 0.5]
 */
export function clipGradValue(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (!(clipValue >= 0)) throw rangeError('clipGradValue', `clipValue must be a non-negative number, got ${clipValue}`);
  const grads = gradsOf('clipGradValue', parameters);
  noGrad(() => tidy(() => { for (const g of grads) g.copy_(g.clamp(-clipValue, clipValue)); }));
}

export { clipGradNorm as clipGradNorm_, clipGradValue as clipGradValue_ };
