/** Global grad mode: ops record onto the tape only while it is enabled. */
let enabled = true;

/**
 * Whether ops currently record the autograd graph (false inside `noGrad`).
 * @example
 * console.log(isGradEnabled(), noGrad(() => isGradEnabled()));  // true false
 */
export function isGradEnabled(): boolean { return enabled; }

/**
 * Runs fn without recording gradients (like torch.no_grad()).
 * @example
 * const model = new nn.Linear(4, 2);
 * const pred = noGrad(() => model.forward(randn([8, 4])));   // no graph recorded
 * console.log(pred.requiresGrad);   // false
 */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try { return fn(); } finally { enabled = prev; }
}

/**
 * Runs fn with gradient recording on, even inside noGrad.
 * @example
 * noGrad(() => {
 *   const w = randn([2], { requiresGrad: true });
 *   const y = enableGrad(() => w.mul(w).sum());   // recorded despite the outer noGrad
 *   y.backward();
 * });
 */
export function enableGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = true;
  try { return fn(); } finally { enabled = prev; }
}
