/**
 * Optimizer step benchmark: ours (one fused native pass per parameter, native/cpu/optim)
 * vs the same update composed from tensor ops (what the fused kernel replaces) vs NumPy
 * (in-place ufuncs) and PyTorch (torch.optim, foreach) when present. Parameters are an
 * MLP 784-512-256-10 (~535k floats); milliseconds per step as the median of timed runs
 * after warm-up, and the ratios peer/ours (> 1: ours is faster).
 * Run: `node dist/bench/optim.js [--quick]`.
 */
import { spawnSync } from 'child_process';
import * as tf from '../lib';
import type { Tensor } from '../lib';

const SHAPES = [[512, 784], [512], [256, 512], [256], [10, 256], [10]];

function medianMs(fn: () => void, budgetS: number): number {
  fn(); fn();
  const times: number[] = [];
  const end = performance.now() + budgetS * 1e3;
  while (times.length < 5 || (performance.now() < end && times.length < 300)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

function params(): tf.nn.Parameter[] {
  tf.manualSeed(0);
  return SHAPES.map((s) => {
    const p = new tf.nn.Parameter(tf.randn(s));
    p.grad = tf.keep(tf.randn(s, { std: 0.01 }));
    return p;
  });
}

/** Adam composed from ops (no fusion): the reference point for the fused kernel. */
function composedAdam(ps: Tensor[], lr: number): () => void {
  const m = ps.map((p) => tf.keep(tf.zerosLike(p))), v = ps.map((p) => tf.keep(tf.zerosLike(p)));
  let t = 0;
  return () => tf.noGrad(() => tf.tidy(() => {
    t++;
    const bc1 = 1 - 0.9 ** t, bc2 = Math.sqrt(1 - 0.999 ** t);
    ps.forEach((p, i) => {
      const g = p.grad!;
      m[i].mul_(0.9).add_(g.mul(0.1));
      v[i].mul_(0.999).add_(g.square().mul(0.001));
      p.sub_(m[i].div(v[i].sqrt().div(bc2).add(1e-8)).mul(lr / bc1));
    });
  }));
}

const PY = String.raw`
import json, sys, time
cfg = json.loads(sys.argv[1]); shapes = cfg['shapes']; budget = cfg['budget']; out = {}
def med(fn):
    fn(); fn(); ts = []; end = time.perf_counter() + budget
    while len(ts) < 5 or (time.perf_counter() < end and len(ts) < 300):
        t = time.perf_counter(); fn(); ts.append((time.perf_counter() - t) * 1e3)
    ts.sort(); return ts[len(ts) // 2]
try:
    import numpy as np
    rng = np.random.default_rng(0)
    ps = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    gs = [(0.01 * rng.standard_normal(s)).astype(np.float32) for s in shapes]
    ms = [np.zeros_like(p) for p in ps]; vs = [np.zeros_like(p) for p in ps]; st = [0]
    tmp = [np.empty_like(p) for p in ps]
    def adam():
        st[0] += 1; t = st[0]; bc1 = 1 - 0.9 ** t; bc2 = (1 - 0.999 ** t) ** 0.5
        for p, g, m, v, d in zip(ps, gs, ms, vs, tmp):
            m *= 0.9; m += 0.1 * g
            v *= 0.999; v += 0.001 * g * g
            np.sqrt(v, out=d); d /= bc2; d += 1e-8; np.divide(m, d, out=d); d *= 1e-3 / bc1; p -= d
    out['numpy'] = {'adam': med(adam)}
except Exception as e:
    out['numpy'] = {'missing': str(e)}
try:
    import torch
    torch.set_num_threads(cfg['threads'])
    res = {}
    for name, make in [('adam', lambda ps: torch.optim.Adam(ps, lr=1e-3, foreach=True)),
                       ('sgd', lambda ps: torch.optim.SGD(ps, lr=1e-2, momentum=0.9, foreach=True))]:
        ps = [torch.randn(*s, requires_grad=True) for s in shapes]
        for p in ps: p.grad = 0.01 * torch.randn_like(p)
        opt = make(ps)
        res[name] = med(lambda: opt.step())
    out['torch'] = res
except Exception as e:
    out['torch'] = {'missing': str(e)}
print(json.dumps(out))
`;

function peers(budget: number): Record<string, Record<string, number | string>> {
  const r = spawnSync('python3', ['-c', PY, JSON.stringify({ shapes: SHAPES, budget, threads: tf.backendInfo().threads })], { encoding: 'utf8' });
  if (r.status !== 0) return { numpy: { missing: r.stderr.trim() || 'python3 not found' }, torch: { missing: 'python3 not found' } };
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const budget = quick ? 0.3 : 1.5;
  const info = tf.backendInfo();
  const rows: [string, number][] = [];
  const run = (name: string, make: (ps: Tensor[]) => tf.optim.Optimizer<{ lr: number }>): void => {
    const ps = params();
    const opt = make(ps);
    rows.push([name, medianMs(() => tf.tidy(() => { opt.step(); }), budget)]);
  };
  run('sgd', (ps) => new tf.optim.SGD(ps, { lr: 1e-2, momentum: 0.9 }));
  run('adam', (ps) => new tf.optim.Adam(ps, { lr: 1e-3 }));
  run('adamw', (ps) => new tf.optim.AdamW(ps, { lr: 1e-3 }));
  run('rmsprop', (ps) => new tf.optim.RMSprop(ps, { lr: 1e-3 }));
  run('adagrad', (ps) => new tf.optim.Adagrad(ps, { lr: 1e-2 }));
  const composed = medianMs(composedAdam(params(), 1e-3), budget);
  const peer = peers(budget);
  const n = SHAPES.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
  console.log(`optimizer step, ${n} float32 params (MLP 784-512-256-10), isa ${info.isa}, ${info.threads} threads; ms per step (median)`);
  for (const [name, ms] of rows) {
    const cells = [`${name.padEnd(8)} ours ${ms.toFixed(3)} ms`];
    if (name === 'adam') cells.push(`composed from ops ${composed.toFixed(3)} ms (x${(composed / ms).toFixed(2)})`);
    for (const [pname, res] of Object.entries(peer)) {
      const v = res[name];
      if (typeof v === 'number') cells.push(`${pname} ${v.toFixed(3)} ms (x${(v / ms).toFixed(2)})`);
    }
    console.log(cells.join(' | '));
  }
  for (const [pname, res] of Object.entries(peer)) if (typeof res.missing === 'string') console.log(`${pname}: missing (${res.missing.split('\n').pop()})`);
}

main();
