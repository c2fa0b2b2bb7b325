/**
 * The newer schedulers and optimizers against PyTorch 1.13: lr (and momentum) sequences over
 * 20 steps, parameter trajectories over 20 steps on the same quadratic; LinearWarmup's first
 * epoch trains; train.fit logs the lr each epoch trained with.
 */
import * as assert from 'assert';
import { tf, assertClose, assertThrows } from './helpers';
import { parityTests, type ParityCase } from './torch_parity';
import { nn, optim, data, train, type Tensor } from '../lib';

const { lrScheduler } = optim;
type Sched = { step(): void };
type AnyOpt = optim.Optimizer<{ lr: number }>;

/** The lr of group 0 after construction and after each of `steps` steps (and momentum / beta1). */
function lrSequence(make: (o: AnyOpt) => Sched, steps: number, o: { lr?: number; momentum?: number; betas?: [number, number] } = {}): Tensor[] {
  const p = new nn.Parameter(tf.zeros([1]));
  const opt: AnyOpt = o.betas ? new optim.Adam([p], { lr: o.lr ?? 0.1, betas: o.betas }) : new optim.SGD([p], { lr: o.lr ?? 0.1, momentum: o.momentum ?? 0 });
  const s = make(opt);
  const lrs: number[] = [], moms: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const g = opt.paramGroups[0] as unknown as { lr: number; momentum?: number; betas?: number[] };
    lrs.push(g.lr);
    moms.push(o.betas ? g.betas![0] : g.momentum!);
    if (i < steps) { opt.step(); s.step(); }
  }
  const out = [tf.tensor(lrs)];
  if (o.momentum !== undefined || o.betas) out.push(tf.tensor(moms));
  return out;
}

/** [steps, n]: the parameter after each step minimizing sum(w p² + c p). */
function trajectory(make: (ps: Tensor[]) => AnyOpt, p0: Tensor, w: Tensor, c: Tensor, steps: number): Tensor {
  const p = new nn.Parameter(p0.clone());
  const opt = make([p]);
  const rows: Tensor[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    w.mul(p).mul(p).add(c.mul(p)).sum().backward();
    opt.step();
    rows.push(p.detach().clone());
  }
  return tf.stack(rows);
}

const STEPS = 20;
const SCHEDULERS: [string, (o: AnyOpt) => Sched, string, { momentum?: number; betas?: [number, number] }?][] = [
  ['LambdaLR', (o) => new lrScheduler.LambdaLR(o, (e) => 0.9 ** e + 0.01 * e), 'lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 0.9 ** e + 0.01 * e)'],
  ['LinearLR', (o) => new lrScheduler.LinearLR(o, { startFactor: 0.25, endFactor: 0.9, totalIters: 7 }),
    'lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=7)'],
  ['LinearLR defaults', (o) => new lrScheduler.LinearLR(o), 'lambda o: torch.optim.lr_scheduler.LinearLR(o)'],
  ['CyclicLR triangular2 momentum', (o) => new lrScheduler.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 4, stepSizeDown: 3, mode: 'triangular2' }),
    "lambda o: torch.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=3, mode='triangular2')", { momentum: 0.9 }],
  ['CyclicLR exp_range', (o) => new lrScheduler.CyclicLR(o, { baseLr: 0.02, maxLr: 0.2, stepSizeUp: 3, mode: 'exp_range', gamma: 0.9, baseMomentum: 0.7, maxMomentum: 0.95 }),
    "lambda o: torch.optim.lr_scheduler.CyclicLR(o, base_lr=0.02, max_lr=0.2, step_size_up=3, mode='exp_range', gamma=0.9, base_momentum=0.7, max_momentum=0.95)", { momentum: 0.5 }],
  ['CosineAnnealingWarmRestarts tMult 2', (o) => new lrScheduler.CosineAnnealingWarmRestarts(o, { t0: 3, tMult: 2, etaMin: 0.001 }),
    'lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001)'],
  ['CosineAnnealingWarmRestarts tMult 1', (o) => new lrScheduler.CosineAnnealingWarmRestarts(o, 5),
    'lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 5)'],
  ['SequentialLR', (o) => new lrScheduler.SequentialLR(o, { schedulers: [new lrScheduler.LinearLR(o, { startFactor: 0.5, totalIters: 3 }),
    new lrScheduler.ExponentialLR(o, { gamma: 0.8 })], milestones: [4] }),
  'lambda o: torch.optim.lr_scheduler.SequentialLR(o, [torch.optim.lr_scheduler.LinearLR(o, start_factor=0.5, total_iters=3), torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.8)], milestones=[4])'],
];

const OPTIMIZERS: [string, (ps: Tensor[]) => AnyOpt, string][] = [
  ['NAdam', (ps) => new optim.NAdam(ps), 'nadam'],
  ['NAdam weightDecay momentumDecay', (ps) => new optim.NAdam(ps, { lr: 0.01, betas: [0.8, 0.99], weightDecay: 0.1, momentumDecay: 0.01 }),
    'lambda ps: nadam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, momentum_decay=0.01)'],
  ['RAdam', (ps) => new optim.RAdam(ps, { lr: 0.05 }), 'lambda ps: torch.optim.RAdam(ps, lr=0.05)'],
  ['RAdam weightDecay betas', (ps) => new optim.RAdam(ps, { lr: 0.02, betas: [0.7, 0.9], weightDecay: 0.05, eps: 1e-6 }),
    'lambda ps: torch.optim.RAdam(ps, lr=0.02, betas=(0.7, 0.9), weight_decay=0.05, eps=1e-6)'],
  ['Adamax', (ps) => new optim.Adamax(ps), 'torch.optim.Adamax'],
  ['Adamax weightDecay maximize', (ps) => new optim.Adamax(ps, { lr: 0.01, weightDecay: 0.1, maximize: true }),
    'lambda ps: torch.optim.Adamax(ps, lr=0.01, weight_decay=0.1, maximize=True)'],
];
const caseName = (s: string): string => s.replace(/ /g, '_');

function buildCases(): ParityCase[] {
  const out: ParityCase[] = [];
  for (const [name, make, py, o] of SCHEDULERS) {
    const kw = o?.momentum !== undefined ? `, momentum=${o.momentum}` : '';
    out.push({ ours: lrSequence(make, STEPS, o), fresh: null,
      case: { name: caseName(name), build: 'None', call: `lr_sequence(${py}, ${STEPS}${kw})`, weights: {}, inputs: {} } });
  }
  const p0 = tf.randn([7]), w = tf.rand([7]).add(0.2), c = tf.randn([7]);
  for (const [name, make, py] of OPTIMIZERS) {
    out.push({ ours: [tf.enableGrad(() => trajectory(make, p0, w, c, STEPS))], fresh: null,
      case: { name: caseName(name), build: 'None', call: `trajectory(${py}, x['p0'], x['w'], x['c'], ${STEPS})`, weights: {}, inputs: { p0, w, c } } });
  }
  return out;
}

describe('56 schedulers and optimizers against PyTorch', () => {
  parityTests(buildCases, [...SCHEDULERS, ...OPTIMIZERS].map(([n]) => caseName(n)), 1e-5, 1e-6);
});

describe('56 schedulers and optimizers', () => {
  it('LinearWarmup: the first epoch trains at a positive lr and the ramp meets the base lr', () => {
    const o = new optim.SGD([new nn.Parameter(tf.zeros([1]))], { lr: 0.3 });
    const s = new lrScheduler.LinearWarmup(o, { warmupSteps: 2 });
    const lrs: number[] = [];
    for (let i = 0; i < 4; i++) { lrs.push(o.paramGroups[0].lr); s.step(); }
    assertClose({ shape: [4], data: Float64Array.from(lrs) }, { shape: [4], data: Float64Array.from([0.1, 0.2, 0.3, 0.3]) }, 1e-12, 0, 'warmup lrs');
  });

  it('train.fit logs, per epoch, the lr that epoch trained with', async () => {
    // loss = w (gradient 1), one batch per epoch: SGD moves w by exactly -lr each epoch.
    class Lin extends nn.Module { w = new nn.Parameter(tf.zeros([1])); override forward(x: Tensor): Tensor { return x.mul(0).add(this.w); } }
    const model = new Lin();
    const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
    const ws: number[] = [];
    const hist = await train.fit(model, {
      train: new data.DataLoader(new data.TensorDataset(tf.zeros([2, 1]), tf.zeros([2, 1])), { batchSize: 2 }),
      loss: (pred: Tensor) => pred.sum().mul(0.5), optimizer: opt, epochs: 5, verbose: false, yieldEveryMs: 0,
      scheduler: new lrScheduler.LinearWarmup(opt, { warmupSteps: 3 }),
      callbacks: [{ onEpochBegin: () => { ws.push(model.w.item()); } }],
    });
    ws.push(model.w.item());
    const trained = ws.slice(1).map((w, i) => ws[i] - w);
    assertClose({ shape: [5], data: Float64Array.from(hist.history.lr as number[]) }, { shape: [5], data: Float64Array.from(trained) }, 1e-6, 1e-7, 'logged vs applied lr');
    assert.ok((hist.history.lr as number[])[0] > 0);
  });

  it('decoupled weight decay shrinks p by 1 - lr·wd per step (NAdam, RAdam); Adamax resumes from its state dict', () => {
    for (const make of [(ps: Tensor[]) => new optim.NAdam(ps, { lr: 0.1, weightDecay: 0.5, decoupledWeightDecay: true }),
      (ps: Tensor[]) => new optim.RAdam(ps, { lr: 0.1, weightDecay: 0.5, decoupledWeightDecay: true })]) {
      const p = new nn.Parameter(tf.ones([3]));
      const opt = make([p]);
      for (let i = 0; i < 3; i++) { p.grad = tf.keep(tf.zeros([3])); opt.step(); }
      assertClose(p, { shape: [3], data: Float64Array.from([0.95 ** 3, 0.95 ** 3, 0.95 ** 3]) }, 1e-6, 0, 'decoupled decay');
    }
    const p0 = tf.randn([5]), w = tf.rand([5]), c = tf.randn([5]);
    const full = trajectory((ps) => new optim.Adamax(ps, { lr: 0.05 }), p0, w, c, 6);
    const p = new nn.Parameter(p0.clone());
    const a = new optim.Adamax([p], { lr: 0.05 });
    const step = (o: AnyOpt): void => { o.zeroGrad(); w.mul(p).mul(p).add(c.mul(p)).sum().backward(); o.step(); };
    for (let i = 0; i < 3; i++) step(a);
    const b = new optim.Adamax([p], { lr: 0.05 });
    b.loadStateDict(a.stateDict());
    for (let i = 0; i < 3; i++) step(b);
    assertClose(p, { shape: [5], data: Float64Array.from(full.slice(0, 5, 6).dataSync()) }, 1e-6, 1e-7, 'resumed Adamax');
  });

  it('rejects bad options naming the scheduler or optimizer', () => {
    const o = new optim.SGD([new nn.Parameter(tf.zeros([1]))], { lr: 0.1 });
    assertThrows(() => new lrScheduler.LinearLR(o, { startFactor: 0 }), RangeError, /LinearLR: startFactor/);
    assertThrows(() => new lrScheduler.LambdaLR(o, [(e: number) => e, (e: number) => e]), RangeError, /LambdaLR: expected 1 lrLambda/);
    assertThrows(() => new lrScheduler.CyclicLR(o, { baseLr: 0.1, maxLr: 1, mode: 'saw' as never }), TypeError, /CyclicLR: mode/);
    assertThrows(() => new lrScheduler.CosineAnnealingWarmRestarts(o, { t0: 0 }), RangeError, /CosineAnnealingWarmRestarts: t0/);
    assertThrows(() => new optim.NAdam(o.paramGroups[0].params, { momentumDecay: -1 }), RangeError, /NAdam: invalid momentumDecay/);
    assertThrows(() => new optim.RAdam(o.paramGroups[0].params, { betas: [1, 0.9] }), RangeError, /RAdam: invalid beta/);
    assertThrows(() => new optim.Adamax(o.paramGroups[0].params, { lr: 0.1, foo: 1 } as never), TypeError, /Adamax/);
  });
});
