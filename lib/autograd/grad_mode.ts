/** Global grad mode: ops record onto the tape only while it is enabled. */
let enabled = true;

export function isGradEnabled(): boolean { return enabled; }

/**
 * Runs fn without recording gradients (like torch.no_grad()).
 * @example const pred = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try { return fn(); } finally { enabled = prev; }
}

/** Runs fn with gradient recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = true;
  try { return fn(); } finally { enabled = prev; }
}
