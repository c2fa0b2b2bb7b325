/** Float64 reference optimizer updates: the published formulas as PyTorch documents them
 * (torch.optim.* "Algorithm" boxes), one element at a time. */

export interface RefState { t: number; [k: string]: Float64Array | number }

const zero = (n: number): Float64Array => new Float64Array(n);

export function sgdRef(p: Float64Array, g: Float64Array, st: RefState,
  o: { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean; maximize?: boolean }): void {
  const mu = o.momentum ?? 0, tau = o.dampening ?? 0, wd = o.weightDecay ?? 0;
  st.t++;
  if (mu && !st.buf) st.buf = zero(p.length);
  const buf = st.buf as Float64Array;
  for (let i = 0; i < p.length; i++) {
    let d = (o.maximize ? -g[i] : g[i]) + wd * p[i];
    if (mu) {
      buf[i] = st.t === 1 ? d : mu * buf[i] + (1 - tau) * d;
      d = o.nesterov ? d + mu * buf[i] : buf[i];
    }
    p[i] -= o.lr * d;
  }
}

export function adamRef(p: Float64Array, g: Float64Array, st: RefState,
  o: { lr: number; betas?: [number, number]; eps?: number; weightDecay?: number; amsgrad?: boolean; decoupled?: boolean; maximize?: boolean }): void {
  const [b1, b2] = o.betas ?? [0.9, 0.999], eps = o.eps ?? 1e-8, wd = o.weightDecay ?? 0;
  if (!st.m) { st.m = zero(p.length); st.v = zero(p.length); st.vmax = zero(p.length); }
  const m = st.m as Float64Array, v = st.v as Float64Array, vmax = st.vmax as Float64Array;
  const t = ++st.t;
  for (let i = 0; i < p.length; i++) {
    let gi = o.maximize ? -g[i] : g[i];
    if (o.decoupled) p[i] *= 1 - o.lr * wd; else gi += wd * p[i];
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    const mhat = m[i] / (1 - b1 ** t);
    let vhat = v[i] / (1 - b2 ** t);
    if (o.amsgrad) { vmax[i] = Math.max(vmax[i], v[i]); vhat = vmax[i] / (1 - b2 ** t); }
    p[i] -= o.lr * mhat / (Math.sqrt(vhat) + eps);
  }
}

export function rmspropRef(p: Float64Array, g: Float64Array, st: RefState,
  o: { lr: number; alpha?: number; eps?: number; weightDecay?: number; momentum?: number; centered?: boolean }): void {
  const a = o.alpha ?? 0.99, eps = o.eps ?? 1e-8, wd = o.weightDecay ?? 0, mu = o.momentum ?? 0;
  if (!st.v) { st.v = zero(p.length); st.gavg = zero(p.length); st.b = zero(p.length); }
  const v = st.v as Float64Array, ga = st.gavg as Float64Array, b = st.b as Float64Array;
  st.t++;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + wd * p[i];
    v[i] = a * v[i] + (1 - a) * gi * gi;
    let vt = v[i];
    if (o.centered) { ga[i] = a * ga[i] + (1 - a) * gi; vt -= ga[i] * ga[i]; }
    if (mu > 0) { b[i] = mu * b[i] + gi / (Math.sqrt(vt) + eps); p[i] -= o.lr * b[i]; }
    else p[i] -= o.lr * gi / (Math.sqrt(vt) + eps);
  }
}

export function adagradRef(p: Float64Array, g: Float64Array, st: RefState,
  o: { lr: number; lrDecay?: number; weightDecay?: number; initialAccumulatorValue?: number; eps?: number }): void {
  const wd = o.weightDecay ?? 0, eps = o.eps ?? 1e-10;
  if (!st.sum) st.sum = new Float64Array(p.length).fill(o.initialAccumulatorValue ?? 0);
  const s = st.sum as Float64Array;
  const t = ++st.t;
  const clr = o.lr / (1 + (t - 1) * (o.lrDecay ?? 0));
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + wd * p[i];
    s[i] += gi * gi;
    p[i] -= clr * gi / (Math.sqrt(s[i]) + eps);
  }
}
