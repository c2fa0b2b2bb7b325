/** optim: each optimizer vs its published update in float64, schedulers vs closed forms,
 * exact resume from state dicts, gradient clipping, and an end-to-end training loop. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa } from './helpers';
import { nn, optim, type Tensor } from '../lib';
import { adagradRef, adamRef, rmspropRef, sgdRef, type RefState } from './reference/optim';

const { lrScheduler } = optim;

type Make = (params: Tensor[]) => optim.Optimizer<{ lr: number }>;
type Ref = (p: Float64Array, g: Float64Array, st: RefState) => void;

const CASES: [string, Make, Ref][] = [
  ['SGD', (ps) => new optim.SGD(ps, { lr: 0.1 }), (p, g, s) => sgdRef(p, g, s, { lr: 0.1 })],
  ['SGD weightDecay', (ps) => new optim.SGD(ps, { lr: 0.05, weightDecay: 0.1 }), (p, g, s) => sgdRef(p, g, s, { lr: 0.05, weightDecay: 0.1 })],
  ['SGD momentum dampening', (ps) => new optim.SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0.01 }),
    (p, g, s) => sgdRef(p, g, s, { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0.01 })],
  ['SGD nesterov', (ps) => new optim.SGD(ps, { lr: 0.05, momentum: 0.8, nesterov: true }),
    (p, g, s) => sgdRef(p, g, s, { lr: 0.05, momentum: 0.8, nesterov: true })],
  ['SGD maximize', (ps) => new optim.SGD(ps, { lr: 0.05, momentum: 0.5, maximize: true }),
    (p, g, s) => sgdRef(p, g, s, { lr: 0.05, momentum: 0.5, maximize: true })],
  ['Adam', (ps) => new optim.Adam(ps, { lr: 0.01 }), (p, g, s) => adamRef(p, g, s, { lr: 0.01 })],
  ['Adam weightDecay betas eps', (ps) => new optim.Adam(ps, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 }),
    (p, g, s) => adamRef(p, g, s, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 })],
  ['Adam amsgrad', (ps) => new optim.Adam(ps, { lr: 0.01, amsgrad: true }), (p, g, s) => adamRef(p, g, s, { lr: 0.01, amsgrad: true })],
  ['Adam maximize', (ps) => new optim.Adam(ps, { lr: 0.01, maximize: true }), (p, g, s) => adamRef(p, g, s, { lr: 0.01, maximize: true })],
  ['AdamW', (ps) => new optim.AdamW(ps, { lr: 0.01 }), (p, g, s) => adamRef(p, g, s, { lr: 0.01, weightDecay: 0.01, decoupled: true })],
  ['AdamW amsgrad wd 0.3', (ps) => new optim.AdamW(ps, { lr: 0.01, weightDecay: 0.3, amsgrad: true }),
    (p, g, s) => adamRef(p, g, s, { lr: 0.01, weightDecay: 0.3, amsgrad: true, decoupled: true })],
  ['RMSprop', (ps) => new optim.RMSprop(ps, { lr: 0.01 }), (p, g, s) => rmspropRef(p, g, s, { lr: 0.01 })],
  ['RMSprop centered momentum wd', (ps) => new optim.RMSprop(ps, { lr: 0.01, alpha: 0.9, momentum: 0.7, centered: true, weightDecay: 0.05 }),
    (p, g, s) => rmspropRef(p, g, s, { lr: 0.01, alpha: 0.9, momentum: 0.7, centered: true, weightDecay: 0.05 })],
  ['RMSprop momentum', (ps) => new optim.RMSprop(ps, { lr: 0.01, momentum: 0.5 }), (p, g, s) => rmspropRef(p, g, s, { lr: 0.01, momentum: 0.5 })],
  ['Adagrad', (ps) => new optim.Adagrad(ps, { lr: 0.1 }), (p, g, s) => adagradRef(p, g, s, { lr: 0.1 })],
  ['Adagrad lrDecay wd initial accumulator', (ps) => new optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.05, weightDecay: 0.1, initialAccumulatorValue: 0.2 }),
    (p, g, s) => adagradRef(p, g, s, { lr: 0.1, lrDecay: 0.05, weightDecay: 0.1, initialAccumulatorValue: 0.2 })],
];

const SHAPES = [[1], [37], [5, 7], [70001]];  // the last one is split across threads

describe('optimizers vs float64 references of their update formulas', () => {
  for (const [name, make, ref] of CASES) {
    it(name, () => forEachIsa((isa) => {
      tf.manualSeed(11);
      const params = SHAPES.map((s) => new nn.Parameter(tf.randn(s)));
      const refP = params.map((p) => Float64Array.from(p.dataSync()));
      const refS: RefState[] = params.map(() => ({ t: 0 }));
      const opt = make(params);
      for (let step = 0; step < 6; step++) {
        tf.tidy(() => {
          params.forEach((p, k) => {
            const g = tf.randn(p.shape.slice());
            p.grad = tf.keep(g);
            ref(refP[k], Float64Array.from(g.dataSync()), refS[k]);
          });
          opt.step();
          opt.zeroGrad();
        });
        params.forEach((p, k) => assertClose(p, { shape: p.shape.slice(), data: refP[k] }, 2e-4, 2e-5, `${isa} ${name} step ${step} param ${k}`));
      }
    }));
  }

  it('parameters without gradients are skipped; groups have their own options', () => {
    const a = new nn.Parameter(tf.ones([3])), b = new nn.Parameter(tf.ones([3])), c = new nn.Parameter(tf.ones([2]));
    const opt = new optim.SGD([{ params: [a] }, { params: [b, c], lr: 0.5, momentum: 0.9 }], { lr: 0.1 });
    assert.deepStrictEqual(opt.getLr(), [0.1, 0.5]);
    assert.strictEqual(opt.paramGroups[1].momentum, 0.9);
    a.grad = tf.keep(tf.ones([3]));
    b.grad = tf.keep(tf.ones([3]));
    opt.step();
    assertClose(a, { shape: [3], data: Float64Array.from([0.9, 0.9, 0.9]) });
    assertClose(b, { shape: [3], data: Float64Array.from([0.5, 0.5, 0.5]) });
    assert.deepStrictEqual(c.toArray(), [1, 1]);
    assert.strictEqual(opt.state.has(c), false);
    opt.zeroGrad();
    assert.strictEqual(a.grad, null);
  });

  it('optimizer state survives tidy() and the step leaks no tensors', () => {
    const p = new nn.Parameter(tf.randn([10]));
    const opt = new optim.Adam([p]);
    p.grad = tf.keep(tf.randn([10]));
    tf.tidy(() => opt.step());
    const n = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.tidy(() => opt.step());
    assert.strictEqual(tf.memory().numTensors, n);
    assert.ok(!(opt.state.get(p)!.exp_avg as Tensor).isDisposed);
    assert.strictEqual(opt.state.get(p)!.step, 6);
  });

  it('rejects bad options and parameters with clear errors', () => {
    const p = new nn.Parameter(tf.randn([2]));
    assertThrows(() => new optim.SGD([p], { lr: -1 }), RangeError, /SGD: invalid learning rate: -1/);
    assertThrows(() => new optim.SGD([p], { nesterov: true }), RangeError, /Nesterov momentum requires a momentum and zero dampening/);
    assertThrows(() => new optim.Adam([p], { betas: [0.9, 1.0] }), RangeError, /Adam: invalid beta parameter at index 1: 1/);
    assertThrows(() => new optim.RMSprop([p], { alpha: -0.5 }), RangeError, /RMSprop: invalid alpha value: -0.5/);
    assertThrows(() => new optim.Adam([]), RangeError, /Adam: optimizer got an empty parameter list/);
    assertThrows(() => new optim.Adam([{ params: [p] }, { params: [p] }]), RangeError, /appears in more than one parameter group/);
    assertThrows(() => new optim.Adam([p.mul(2)]), TypeError, /Adam: params\[0\] \[2\] is not a leaf tensor/);
    assertThrows(() => new optim.Adam([tf.zeros([2], { dtype: 'int32' })]), TypeError, /must be float32, got int32/);
    const opt = new optim.SGD([p], { lr: 0.1 });
    p.grad = tf.keep(tf.ones([3]));
    assertThrows(() => opt.step(), RangeError, /SGD: gradient \[3\] does not match its parameter \[2\]/);
    p.grad = null;
  });

  it('native update bindings validate their arguments', () => {
    const { native, args } = require('../lib/native') as typeof import('../lib/native');
    const p = tf.zeros([4]), g = tf.zeros([5]), m = tf.zeros([4]), v = tf.zeros([4]);
    args.reset().num(0.1).num(0.9).num(0.999).num(1e-8).num(0).num(0).num(0).num(1).num(1).num(0).view(p).view(g).view(m).view(v);
    assertThrows(() => native.adamStep(p.handle('t'), g.handle('t'), m.handle('t'), v.handle('t')), RangeError, /adamStep: grad has 5 elements, the parameter has 4/);
    args.reset().num(0.1).num(0.9).num(0.999).num(1e-8).num(0).num(0).num(0).num(1).num(1).num(0).view(p).view(m).view(p).view(v);
    assertThrows(() => native.adamStep(p.handle('t'), m.handle('t'), p.handle('t'), v.handle('t')), RangeError, /exp_avg shares storage with param/);
    const t = tf.zeros([4, 2]).t(), g2 = tf.zeros([2, 4]);
    args.reset().num(0.1).num(0).num(0).num(0).num(0).num(0).num(0).view(t).view(g2);
    assertThrows(() => native.sgdStep(t.handle('t'), g2.handle('t')), RangeError, /sgdStep: param must be contiguous/);
  });
});

describe('optimizer stateDict', () => {
  const makeModel = (): nn.Sequential => { tf.manualSeed(7); return new nn.Sequential(new nn.Linear(6, 5), new nn.Tanh(), new nn.Linear(5, 2)); };
  const loss = (m: nn.Sequential, i: number): Tensor => {
    tf.manualSeed(100 + i);
    const x = tf.randn([8, 6]), y = tf.randn([8, 2]);
    return m.forward(x).sub(y).square().mean();
  };
  const trainSteps = (m: nn.Sequential, opt: optim.Optimizer<{ lr: number }>, from: number, to: number, sched?: optim.lrScheduler.LRScheduler): void => {
    for (let i = from; i < to; i++) tf.tidy(() => { opt.zeroGrad(); loss(m, i).backward(); opt.step(); sched?.step(); });
  };

  for (const [name, make] of [
    ['SGD momentum', (ps: Tensor[]) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })],
    ['Adam amsgrad', (ps: Tensor[]) => new optim.Adam(ps, { lr: 0.01, amsgrad: true })],
    ['AdamW', (ps: Tensor[]) => new optim.AdamW(ps, { lr: 0.01 })],
    ['RMSprop centered', (ps: Tensor[]) => new optim.RMSprop(ps, { lr: 0.01, centered: true, momentum: 0.5 })],
    ['Adagrad', (ps: Tensor[]) => new optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.01 })],
  ] as [string, Make][]) {
    it(`${name}: resuming from model + optimizer + scheduler state dicts gives an identical trajectory`, () => {
      const a = makeModel();
      const optA = make(a.parameters());
      const schedA = new lrScheduler.StepLR(optA, { stepSize: 2, gamma: 0.5 });
      trainSteps(a, optA, 0, 3, schedA);
      const modelSd = Object.fromEntries(Object.entries(a.stateDict()).map(([k, t]) => [k, tf.keep(t.clone())]));
      const optSd = optA.stateDict(), schedSd = schedA.stateDict();
      trainSteps(a, optA, 3, 7, schedA);

      const b = makeModel();
      tf.noGrad(() => b.parameters().forEach((p) => p.fill_(0)));
      const optB = make(b.parameters());
      const schedB = new lrScheduler.StepLR(optB, { stepSize: 2, gamma: 0.5 });
      b.loadStateDict(modelSd);
      optB.loadStateDict(optSd);
      schedB.loadStateDict(schedSd);
      assert.deepStrictEqual(optB.getLr(), [0.5 * (optA.paramGroups[0].initialLr as number)]);
      trainSteps(b, optB, 3, 7, schedB);
      const sa = a.stateDict(), sb = b.stateDict();
      for (const k of Object.keys(sa)) assert.deepStrictEqual(sb[k].dataSync(), sa[k].dataSync(), `${name} ${k}`);
    });
  }

  it('the snapshot is a copy and loadStateDict checks the structure', () => {
    const p = new nn.Parameter(tf.ones([3]));
    const opt = new optim.Adam([p], { lr: 0.1 });
    p.grad = tf.keep(tf.ones([3]));
    opt.step();
    const sd = opt.stateDict();
    assert.deepStrictEqual(Object.keys(sd.state[0]).sort(), ['exp_avg', 'exp_avg_sq', 'step']);
    assert.deepStrictEqual(sd.paramGroups[0], { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: [0] });
    const before = (sd.state[0].exp_avg as Tensor).toArray();
    opt.step();
    assert.deepStrictEqual((sd.state[0].exp_avg as Tensor).toArray(), before);
    const q = new nn.Parameter(tf.ones([4]));
    assertThrows(() => new optim.Adam([q]).loadStateDict(sd), RangeError, /state exp_avg of parameter 0 has shape \[3\], the parameter \[4\]/);
    assertThrows(() => new optim.Adam([p, q]).loadStateDict(sd), RangeError, /group 0 has 1 parameters in the state dict, 2 in the optimizer/);
    assertThrows(() => new optim.Adam([{ params: [p] }, { params: [q] }]).loadStateDict(sd), RangeError, /has 1 parameter groups, the optimizer has 2/);
    p.grad = null;
  });
});

describe('lr schedulers vs closed forms', () => {
  const mkOpt = (lr = 0.1): optim.SGD => new optim.SGD([new nn.Parameter(tf.zeros([1])), ...[]], { lr, momentum: 0.9 });
  const run = (s: { step(): void; getLastLr(): number[] }, n: number): number[] => {
    const out = [s.getLastLr()[0]];
    for (let i = 1; i < n; i++) { s.step(); out.push(s.getLastLr()[0]); }
    return out;
  };
  const close = (got: number[], want: number[]): void => {
    assert.strictEqual(got.length, want.length);
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= 1e-12 + 1e-10 * Math.abs(want[i]), `step ${i}: ${g} vs ${want[i]}`));
  };
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

  it('StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR', () => {
    close(run(new lrScheduler.StepLR(mkOpt(), { stepSize: 3, gamma: 0.5 }), 10), range(10).map((t) => 0.1 * 0.5 ** Math.floor(t / 3)));
    close(run(new lrScheduler.MultiStepLR(mkOpt(), { milestones: [5, 2], gamma: 0.1 }), 8), range(8).map((t) => 0.1 * 0.1 ** ((t >= 2 ? 1 : 0) + (t >= 5 ? 1 : 0))));
    close(run(new lrScheduler.ExponentialLR(mkOpt(), { gamma: 0.9 }), 6), range(6).map((t) => 0.1 * 0.9 ** t));
    close(run(new lrScheduler.CosineAnnealingLR(mkOpt(), { tMax: 10, etaMin: 0.001 }), 11),
      range(11).map((t) => 0.001 + (0.1 - 0.001) * (1 + Math.cos(Math.PI * t / 10)) / 2));
  });

  it('OneCycleLR (cos and linear, two and three phases) and its momentum cycle', () => {
    const opt = mkOpt();
    const s = new lrScheduler.OneCycleLR(opt, { maxLr: 1, totalSteps: 10, pctStart: 0.3 });
    const moms: number[] = [opt.paramGroups[0].momentum];
    const lrs = [s.getLastLr()[0]];
    for (let i = 1; i < 10; i++) { s.step(); lrs.push(s.getLastLr()[0]); moms.push(opt.paramGroups[0].momentum); }
    // Phase 1: steps 0..2 (end = 0.3*10-1 = 2) from 1/25 to 1; phase 2: 2..9 to 1/25/1e4.
    const cos = (a: number, b: number, p: number): number => b + (a - b) / 2 * (Math.cos(Math.PI * p) + 1);
    const want = range(10).map((t) => (t <= 2 ? cos(0.04, 1, t / 2) : cos(1, 0.04 / 1e4, (t - 2) / 7)));
    close(lrs, want);
    close(moms, range(10).map((t) => (t <= 2 ? cos(0.95, 0.85, t / 2) : cos(0.85, 0.95, (t - 2) / 7))));
    s.step();  // t = totalSteps is allowed, as in PyTorch
    assertThrows(() => s.step(), RangeError, /OneCycleLR: tried to step 11 times, more than totalSteps \(10\)/);

    const adam = new optim.Adam([new nn.Parameter(tf.zeros([1]))]);
    const s3 = new lrScheduler.OneCycleLR(adam, { maxLr: 0.5, epochs: 2, stepsPerEpoch: 5, threePhase: true, annealStrategy: 'linear', divFactor: 10, finalDivFactor: 100 });
    const lin = (a: number, b: number, p: number): number => (b - a) * p + a;
    // ends: 2, 4, 9
    close(run(s3, 10), range(10).map((t) => (t <= 2 ? lin(0.05, 0.5, t / 2) : t <= 4 ? lin(0.5, 0.05, (t - 2) / 2) : lin(0.05, 0.0005, (t - 4) / 5))));
    assert.strictEqual(adam.paramGroups[0].betas[0], 0.95);
  });

  it('LinearWarmup composes with a following scheduler; SequentialLR chains', () => {
    const opt = mkOpt(0.2);
    const s = new lrScheduler.LinearWarmup(opt, { warmupSteps: 4, after: new lrScheduler.CosineAnnealingLR(opt, { tMax: 6 }) });
    close(run(s, 12), range(12).map((t) => (t < 4 ? 0.2 * (t + 1) / 5 : 0.2 * (1 + Math.cos(Math.PI * (t - 4) / 6)) / 2)));
    const s2 = new lrScheduler.LinearWarmup(mkOpt(0.2), { warmupSteps: 2, startFactor: 0.5 });
    close(run(s2, 4), [0.1, 0.15, 0.2, 0.2]);
    const o3 = mkOpt(1);
    const seq = new lrScheduler.SequentialLR(o3, { schedulers: [new lrScheduler.ExponentialLR(o3, { gamma: 0.5 }), new lrScheduler.StepLR(o3, { stepSize: 2, gamma: 0.1 })], milestones: [3] });
    close(run(seq, 7), [1, 0.5, 0.25, 1, 1, 0.1, 0.1]);
  });

  it('ReduceLROnPlateau lowers the lr after `patience` bad epochs, with cooldown and minLr', () => {
    const opt = mkOpt(1);
    const s = new lrScheduler.ReduceLROnPlateau(opt, { patience: 2, factor: 0.5, cooldown: 1, minLr: 0.2 });
    const lrs: number[] = [];
    for (const m of [5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3]) { s.step(m); lrs.push(opt.paramGroups[0].lr); }
    // bad epochs after 4: #3,4,5 -> reduce at the 3rd bad (>2); cooldown 1 epoch; then 3 more bad -> reduce.
    assert.deepStrictEqual(lrs, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
    for (let i = 0; i < 10; i++) s.step(10);
    assert.strictEqual(opt.paramGroups[0].lr, 0.2);
    const s2 = new lrScheduler.ReduceLROnPlateau(mkOpt(1), { mode: 'max', patience: 0 });
    s2.loadStateDict(s.stateDict());
    assert.strictEqual(s2.best, 3);
  });

  it('scheduler stateDict restores the position', () => {
    const o1 = mkOpt(), o2 = mkOpt();
    const a = new lrScheduler.LinearWarmup(o1, { warmupSteps: 3, after: new lrScheduler.ExponentialLR(o1, { gamma: 0.7 }) });
    for (let i = 0; i < 5; i++) a.step();
    const b = new lrScheduler.LinearWarmup(o2, { warmupSteps: 3, after: new lrScheduler.ExponentialLR(o2, { gamma: 0.7 }) });
    b.loadStateDict(a.stateDict());
    assert.deepStrictEqual(b.getLastLr(), a.getLastLr());
    a.step(); b.step();
    assert.deepStrictEqual(o2.getLr(), o1.getLr());
    assertThrows(() => new lrScheduler.StepLR(mkOpt(), { stepSize: 0 }), RangeError, /StepLR: stepSize must be a positive integer, got 0/);
  });
});

describe('nn.utils gradient clipping', () => {
  it('clipGradNorm scales all gradients jointly and returns the norm before clipping', () => {
    const a = new nn.Parameter(tf.zeros([2])), b = new nn.Parameter(tf.zeros([2, 1]));
    const set = (): void => { a.grad = tf.keep(tf.tensor([3, 0])); b.grad = tf.keep(tf.tensor([[0], [4]])); };
    set();
    assert.ok(Math.abs(nn.utils.clipGradNorm([a, b], 1) - 5) < 1e-6);
    assertClose(a.grad!, { shape: [2], data: Float64Array.from([0.6, 0]) }, 1e-5);
    assertClose(b.grad!, { shape: [2, 1], data: Float64Array.from([0, 0.8]) }, 1e-5);
    set();
    assert.ok(Math.abs(nn.utils.clipGradNorm([a, b], 10) - 5) < 1e-6);
    assert.deepStrictEqual(a.grad!.toArray(), [3, 0]);  // under the limit: untouched
    set();
    assert.strictEqual(nn.utils.clipGradNorm([a, b], 2, Infinity), 4);
    assertClose(b.grad!, { shape: [2, 1], data: Float64Array.from([0, 2]) }, 1e-5);
    set();
    assert.ok(Math.abs(nn.utils.clipGradNorm([a, b], 1, 1) - 7) < 1e-6);
    set();
    nn.utils.clipGradValue([a, b], 3.5);
    assert.deepStrictEqual(b.grad!.toArray(), [[0], [3.5]]);
    a.grad = tf.keep(tf.tensor([Infinity, 0]));
    assertThrows(() => nn.utils.clipGradNorm([a], 1, 2, { errorIfNonfinite: true }), Error, /total norm of order 2 for gradients is non-finite/);
    assertThrows(() => nn.utils.clipGradNorm([a], -1), RangeError, /maxNorm must be a non-negative number/);
  });
});

describe('end to end: an MLP trained with Adam in a hand-written loop', () => {
  it('separates a synthetic 4-class problem with flat memory', () => {
    tf.manualSeed(2024);
    // Four Gaussian blobs in 8-D; labels by blob.
    const n = 512, d = 8, k = 4;
    const centers = tf.randn([k, d], { std: 2.5 });
    const labels = tf.randint(0, k, [n]);
    const lab = labels.dataSync();
    const onehotData = new Float32Array(n * k);
    lab.forEach((c, i) => { onehotData[i * k + c] = 1; });
    const onehot = tf.tensor(onehotData, { shape: [n, k] });
    const cv = centers.dataSync();
    const xData = new Float32Array(n * d);
    const noise = tf.randn([n, d]).dataSync();
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) xData[i * d + j] = cv[lab[i] * d + j] + noise[i * d + j];
    const x = tf.tensor(xData, { shape: [n, d] });

    const model = new nn.Sequential(new nn.Linear(d, 32), new nn.ReLU(), new nn.Linear(32, k));
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    // Cross-entropy written with ops: mean(-Σ onehot · logSoftmax(logits)).
    const crossEntropy = (logits: Tensor, target: Tensor): Tensor => {
      const m = logits.max(1, true).detach();
      const logp = logits.sub(m).sub(logits.sub(m).exp().sum(1, true).log());
      return logp.mul(target).sum(1).mean().neg();
    };
    let memAt5 = 0, firstLoss = 0, lastLoss = 0;
    for (let epoch = 0; epoch < 60; epoch++) {
      lastLoss = tf.tidy(() => {
        opt.zeroGrad();
        const loss = crossEntropy(model.forward(x), onehot);
        loss.backward();
        opt.step();
        return loss.item();
      });
      if (epoch === 0) firstLoss = lastLoss;
      if (epoch === 5) memAt5 = tf.memory().numTensors;
    }
    assert.strictEqual(tf.memory().numTensors, memAt5, 'no tensors leak across iterations');
    model.eval();
    const acc = tf.tidy(() => model.forward(x).argmax(1).eq(labels).to('float32').mean().item());
    assert.ok(lastLoss < firstLoss / 4, `loss ${firstLoss} -> ${lastLoss}`);
    assert.ok(acc >= 0.97, `accuracy ${acc}`);
  });
});
