/** Option objects: unknown keys, misspellings and non-objects are TypeErrors naming the op,
 * the key and the closest valid key, never silently ignored. */
import * as assert from 'assert';
import { assertThrows } from './helpers';
import { checkOptions, editDistance, snakeToCamel, suggestKey } from '../lib/options';

const SGD_KEYS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'] as const;

describe('checkOptions', () => {
  it('passes undefined, null, {} and known keys', () => {
    checkOptions('SGD', undefined, SGD_KEYS);
    checkOptions('SGD', null, SGD_KEYS);
    checkOptions('SGD', {}, SGD_KEYS);
    checkOptions('SGD', { lr: 0.1, weightDecay: 1e-4 }, SGD_KEYS);
    checkOptions('SGD', Object.assign(Object.create(null) as object, { lr: 0.1 }), SGD_KEYS);
  });
  it('snake_case keys suggest their camelCase form and list the valid keys', () => {
    assertThrows(() => checkOptions('SGD', { weight_decay: 0.1 }, SGD_KEYS), TypeError,
      /^SGD: unknown option 'weight_decay'; did you mean 'weightDecay'\? \(valid options: lr, momentum, dampening, weightDecay, nesterov, maximize\)$/);
    assertThrows(() => checkOptions('DataLoader', { batch_size: 4 }, ['batchSize', 'shuffle']), TypeError,
      /^DataLoader: unknown option 'batch_size'; did you mean 'batchSize'\?/);
  });
  it('misspellings suggest the nearest key by edit distance', () => {
    assertThrows(() => checkOptions('SGD', { learningRate: 0.1 }, SGD_KEYS), TypeError, /^SGD: unknown option 'learningRate'; did you mean 'lr'\? \(valid options: lr,/);
    assertThrows(() => checkOptions('SGD', { learning_rate: 0.1 }, SGD_KEYS), TypeError, /did you mean 'lr'\?/);
    assertThrows(() => checkOptions('LinearWarmup', { warmup: 5 }, ['warmupSteps', 'startFactor']), TypeError, /did you mean 'warmupSteps'\?/);
    assertThrows(() => checkOptions('SGD', { momentm: 0.9 }, SGD_KEYS), TypeError, /unknown option 'momentm'; did you mean 'momentum'\?/);
    assertThrows(() => checkOptions('SGD', { LR: 0.1 }, SGD_KEYS), TypeError, /did you mean 'lr'\?/);
    assertThrows(() => checkOptions('Adam', { beta: [0.9, 0.99] }, ['lr', 'betas', 'eps']), TypeError, /did you mean 'betas'\?/);
  });
  it('non-plain objects are TypeErrors naming the op and what was passed', () => {
    assertThrows(() => checkOptions('SGD', 0.1, SGD_KEYS), TypeError, /^SGD: options must be a plain object like \{ lr: \.\.\. \}, got number 0\.1$/);
    assertThrows(() => checkOptions('SGD', [0.1], SGD_KEYS), TypeError, /^SGD: options must be a plain object.*got an array of length 1/);
    assertThrows(() => checkOptions('SGD', 'fast', SGD_KEYS), TypeError, /^SGD: .*got string "fast"/);
    assertThrows(() => checkOptions('SGD', new Map(), SGD_KEYS), TypeError, /^SGD: .*got a Map instance/);
    class Opts { lr = 0.1; }
    assertThrows(() => checkOptions('SGD', new Opts(), SGD_KEYS), TypeError, /^SGD: .*got a Opts instance/);
    assertThrows(() => checkOptions('SGD', true, SGD_KEYS), TypeError, /got boolean true/);
  });
  it('an op with no options says so', () => {
    assertThrows(() => checkOptions('ReLU', { inplace: true }, []), TypeError, /^ReLU: unknown option 'inplace' \(it takes no options\)$/);
  });
  it('helpers: snakeToCamel, editDistance, suggestKey', () => {
    assert.strictEqual(snakeToCamel('weight_decay'), 'weightDecay');
    assert.strictEqual(snakeToCamel('drop_last'), 'dropLast');
    assert.strictEqual(snakeToCamel('batch-size'), 'batchSize');
    assert.strictEqual(snakeToCamel('lr'), 'lr');
    assert.strictEqual(editDistance('kitten', 'sitting'), 3);
    assert.strictEqual(editDistance('', 'abc'), 3);
    assert.strictEqual(editDistance('abc', 'abc'), 0);
    assert.strictEqual(suggestKey('shufle', ['batchSize', 'shuffle']), 'shuffle');
    assert.strictEqual(suggestKey('xyzzy', ['batchSize', 'shuffle']), undefined);
    assert.strictEqual(suggestKey('reduce', ['reduction']), 'reduction');
    assert.strictEqual(suggestKey('learningRate', ['lr', 'momentum']), 'lr');
    assert.strictEqual(suggestKey('warmup', ['warmupSteps', 'startFactor']), 'warmupSteps');
    assert.strictEqual(suggestKey('mom', ['momentum', 'monitor']), 'momentum');
    assert.strictEqual(suggestKey('mon', ['monday', 'monitor']), undefined);  // two keys share the prefix
  });
});

// ---- every public entry point that takes options ----------------------------------------

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf } from './helpers';
import type { Tensor, optim as Optim } from '../lib';

const { nn, optim, data, train, io, metrics } = tf;
const { lrScheduler } = optim;
const F = nn.functional;

/** The values of a tensor as a plain (nested) array, for deepStrictEqual/closeness checks. */
function near(a: Tensor, want: number[], tol = 1e-5): void {
  const got = Array.from(a.dataSync());
  assert.strictEqual(got.length, want.length, `length of [${got}] vs [${want}]`);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= tol * (1 + Math.abs(want[i])), `element ${i}: ${v} vs ${want[i]}`));
}

describe('optimizers and schedulers: no silently ignored option', () => {
  const params = (): Tensor[] => [tf.ones([2], { requiresGrad: true })];
  it('unknown and snake_case keys are TypeErrors with the closest key', () => {
    assertThrows(() => new optim.SGD(params(), { weight_decay: 0.1 } as never), TypeError,
      /^SGD: unknown option 'weight_decay'; did you mean 'weightDecay'\? \(valid options: lr, momentum, dampening, weightDecay, nesterov, maximize\)$/);
    assertThrows(() => new optim.SGD(params(), { learningRate: 0.1 } as never), TypeError, /^SGD: unknown option 'learningRate'; did you mean 'lr'\?/);
    assertThrows(() => new optim.Adam(params(), { beta1: 0.8 } as never), TypeError, /^Adam: unknown option 'beta1'; did you mean 'betas'\?/);
    assertThrows(() => new optim.AdamW(params(), { weight_decay: 0 } as never), TypeError, /^AdamW: .*did you mean 'weightDecay'/);
    assertThrows(() => new optim.RMSprop(params(), { centred: true } as never), TypeError, /^RMSprop: unknown option 'centred'; did you mean 'centered'\?/);
    assertThrows(() => new optim.Adagrad(params(), { lr_decay: 0.1 } as never), TypeError, /^Adagrad: .*did you mean 'lrDecay'/);
    assertThrows(() => new optim.SGD([{ params: params(), weight_decay: 0.1 }] as never), TypeError,
      /^SGD param group: unknown option 'weight_decay'; did you mean 'weightDecay'\?/);
    assertThrows(() => new optim.SGD(params(), 'fast' as never), TypeError, /^SGD: options must be a learning rate or \{ lr, momentum/);
  });
  it("a positional lr is PyTorch's lr, for every optimizer; more positional arguments throw", () => {
    const cases: [string, (ps: Tensor[], lr: number) => Optim.Optimizer<{ lr: number }>][] = [
      ['SGD', (ps, lr) => new optim.SGD(ps, lr)], ['Adam', (ps, lr) => new optim.Adam(ps, lr)],
      ['AdamW', (ps, lr) => new optim.AdamW(ps, lr)], ['RMSprop', (ps, lr) => new optim.RMSprop(ps, lr)],
      ['Adagrad', (ps, lr) => new optim.Adagrad(ps, lr)],
    ];
    for (const [name, make] of cases) {
      const p = params();
      const opt = make(p, 0.25);
      assert.deepStrictEqual(opt.getLr(), [0.25], name);
      if (name === 'AdamW') assert.strictEqual(opt.paramGroups[0].weightDecay, 1e-2, 'other defaults kept');
    }
    // One SGD step with lr 0.1 given positionally equals the same step with { lr: 0.1 }.
    const [a, b] = [params(), params()];
    for (const [p, opt] of [[a, new optim.SGD(a, 0.1)], [b, new optim.SGD(b, { lr: 0.1 })]] as const) {
      p[0].mul(p[0]).sum().backward();
      opt.step();
    }
    near(a[0], [0.8, 0.8]);
    near(b[0], [0.8, 0.8]);
    assertThrows(() => new (optim.SGD as unknown as new (...a: unknown[]) => unknown)(params(), 0.1, 0.9), TypeError,
      /^SGD: takes \(params, options\); got 3 arguments\. Pass the rest by name, e\.g\. new SGD\(params, \{ lr, momentum \}\)/);
  });
  it("schedulers check their options and take PyTorch's first positional argument", () => {
    const opt = new optim.SGD(params(), { lr: 1, momentum: 0.9 });
    assertThrows(() => new lrScheduler.StepLR(opt, { step_size: 2 } as never), TypeError,
      /^StepLR: unknown option 'step_size'; did you mean 'stepSize'\? \(valid options: stepSize, gamma\)/);
    assertThrows(() => new lrScheduler.CosineAnnealingLR(opt, { T_max: 10 } as never), TypeError, /^CosineAnnealingLR: .*did you mean 'tMax'/);
    assertThrows(() => new lrScheduler.OneCycleLR(opt, { maxLr: 1, total_steps: 10 } as never), TypeError, /^OneCycleLR: .*did you mean 'totalSteps'/);
    assertThrows(() => new lrScheduler.ReduceLROnPlateau(opt, { patiance: 2 } as never), TypeError, /^ReduceLROnPlateau: .*did you mean 'patience'/);
    assertThrows(() => new lrScheduler.LinearWarmup(opt, { warmup: 5 } as never), TypeError, /^LinearWarmup: .*did you mean 'warmupSteps'/);
    assertThrows(() => new (lrScheduler.StepLR as unknown as new (...a: unknown[]) => unknown)(opt, 2, 0.5), TypeError,
      /^StepLR: takes \(optimizer, options\); got 3 arguments/);
    const step = new lrScheduler.StepLR(opt, 2);  // StepLR(opt, step_size=2), gamma 0.1
    assert.strictEqual(step.stepSize, 2);
    step.step(); step.step();
    assert.ok(Math.abs(step.getLastLr()[0] - 0.1) < 1e-12);
    assert.strictEqual(new lrScheduler.ExponentialLR(opt, 0.5).gamma, 0.5);
    assert.strictEqual(new lrScheduler.CosineAnnealingLR(opt, 7).tMax, 7);
    assert.deepStrictEqual(new lrScheduler.MultiStepLR(opt, [5, 2]).milestones, [2, 5]);
    assert.strictEqual(new lrScheduler.ReduceLROnPlateau(opt, 'max').mode, 'max');
    const warm = new lrScheduler.LinearWarmup(opt, 4);
    const seq = new lrScheduler.SequentialLR(opt, [warm, new lrScheduler.ExponentialLR(opt, 0.5)] as never, [4] as never);
    assert.deepStrictEqual(seq.milestones, [4]);
    // OneCycleLR(opt, max_lr) still needs totalSteps, which PyTorch also requires by name.
    assertThrows(() => new lrScheduler.OneCycleLR(opt, 0.5), TypeError, /^OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/);
  });
});

describe("creation and reductions: options checked, PyTorch's positional dim", () => {
  it('creation functions reject unknown option keys and non-object options', () => {
    assertThrows(() => tf.zeros([2], { dtyp: 'int32' } as never), TypeError, /^zeros: unknown option 'dtyp'; did you mean 'dtype'\? \(valid options: dtype, requiresGrad, device\)$/);
    assertThrows(() => tf.ones([2], { requires_grad: true } as never), TypeError, /^ones: .*did you mean 'requiresGrad'/);
    assertThrows(() => tf.tensor([1, 2], 'int32' as never), TypeError, /^tensor: options must be a plain object like \{ dtype: \.\.\. \}, got string "int32"/);
    assertThrows(() => tf.rand([2], { min: 0, max: 2 } as never), TypeError, /^rand: unknown option 'min' \(valid options: dtype, requiresGrad, device, low, high\)/);
    assertThrows(() => tf.randn([2], { stdev: 2 } as never), TypeError, /^randn: .*did you mean 'std'/);
    assertThrows(() => tf.arange(0, 4, 1, { dtype: 'int32', layout: 'strided' } as never), TypeError, /^arange: unknown option 'layout'/);
    assert.strictEqual(tf.arange(0, 4, 1, { device: 'cpu' }).device, 'cpu');
    assertThrows(() => tf.full([2], 1, { fill: 1 } as never), TypeError, /^full: unknown option 'fill'/);
    assertThrows(() => tf.zerosLike(tf.ones([1]), { dtype: 'int32', shape: [2] } as never), TypeError, /^zerosLike: unknown option 'shape'/);
    assertThrows(() => tf.eye(2, 2, { dtype: 'float32', requiresgrad: true } as never), TypeError, /^eye: .*did you mean 'requiresGrad'/);
    assertThrows(() => tf.linspace(0, 1, 3, { dtypes: 'float32' } as never), TypeError, /^linspace: .*did you mean 'dtype'/);
    assertThrows(() => tf.bernoulli([2], 0.5, { seed: 1 } as never), TypeError, /^bernoulli: unknown option 'seed'/);
    assert.deepStrictEqual(tf.tensor([1, 2], { dtype: 'int32', requiresGrad: false }).toArray(), [1, 2]);
  });
  it('randint(high, shape) means low = 0, as in PyTorch', () => {
    tf.manualSeed(3);
    const r = tf.randint(4, [50]);
    assert.deepStrictEqual(r.shape, [50]);
    assert.strictEqual(r.dtype, 'int32');
    const v = Array.from(r.dataSync());
    assert.ok(v.every((x) => x >= 0 && x < 4) && new Set(v).size === 4, `values ${v}`);
    assertThrows(() => tf.randint(0, 4, undefined as never), TypeError, /^randint: shape must be an array/);
  });
  it('var/std take dim positionally (PyTorch), also (dim, unbiased, keepdim) and { dim, keepdim, correction }', () => {
    const a = tf.tensor([[1, 2, 3], [4, 6, 8]]);
    near(a.var(1), [1, 4]);                 // torch.tensor([[1.,2,3],[4,6,8]]).var(1) → [1., 4.]
    near(a.var(), [6.8]);                   // all elements
    near(a.std(1), [1, 2]);
    near(a.var(0), [4.5, 8, 12.5]);
    near(a.var(-1), [1, 4]);
    near(a.var([0, 1]), [6.8]);
    near(a.var(1, false), [2 / 3, 8 / 3]);  // unbiased=False
    const k = a.var(1, true, true);          // keepdim
    assert.deepStrictEqual(k.shape, [2, 1]);
    near(k, [1, 4]);
    assert.deepStrictEqual(a.var({ dim: 1, keepdim: true }).shape, [2, 1]);
    near(a.var({ dim: 1, correction: 0 }), [2 / 3, 8 / 3]);
    near(a.var(1, { keepdim: true, correction: 0 }), [2 / 3, 8 / 3]);
    near(a.std(0, { correction: 0 }), [1.5, 2, 2.5]);
    near(tf.variance(a, 1), [1, 4]);
    near(tf.std(a, 1), [1, 2]);
    assertThrows(() => a.var({ dims: 1 } as never), TypeError, /^var: unknown option 'dims'; did you mean 'dim'\? \(valid options: dim, keepdim, correction\)$/);
    assertThrows(() => a.std({ unbiased: false } as never), TypeError, /^std: unknown option 'unbiased'/);
    assertThrows(() => a.var('1' as never), TypeError, /^var: dim must be an integer, an array of integers or \{ dim, keepdim, correction \}, got string "1"/);
    assertThrows(() => a.var(1, { dim: 0 } as never), TypeError, /^var: unknown option 'dim' \(valid options: keepdim, correction\)/);
    assertThrows(() => a.var({ dim: 1 }, true), TypeError, /^var: takes \(dim, options\) or \(options\)/);
    assertThrows(() => a.var(1, true, 'yes' as never), TypeError, /^var: keepdim must be a boolean, got string "yes"/);
    assertThrows(() => a.var(2), RangeError, /^var: dim 2 is out of range/);
  });
  it('sum/mean/max/min/prod take dim positionally or { dim, keepdim }; bad keys and keepdim types throw', () => {
    const a = tf.tensor([[1, 2, 3], [4, 6, 8]]);
    near(a.sum(1), [6, 18]);
    near(a.mean(1), [2, 6]);
    near(a.sum({ dim: 1 }), [6, 18]);
    assert.deepStrictEqual(a.mean({ dim: 0, keepdim: true }).shape, [1, 3]);
    near(a.max({ dim: 1 }), [3, 8]);
    near(a.min({ dim: 0, keepdim: true }), [1, 2, 3]);
    near(a.prod({ dim: 1 }), [6, 192]);
    near(tf.sum(a, { dim: [0, 1] }), [24]);
    assertThrows(() => a.sum({ dims: 1 } as never), TypeError, /^sum: unknown option 'dims'; did you mean 'dim'\? \(valid options: dim, keepdim\)$/);
    assertThrows(() => a.mean({ axis: 1 } as never), TypeError, /^mean: unknown option 'axis'/);
    assertThrows(() => a.sum({ dim: 1 }, true), TypeError, /^sum: keepdim given both in the options object and as a second argument/);
    assertThrows(() => a.sum(1, 1 as never), TypeError, /^sum: keepdim must be a boolean, got number 1/);
    assertThrows(() => a.max('1' as never), TypeError, /^max: dim must be an integer, an array of integers or \{ dim, keepdim \}, got string "1"/);
  });
});

describe('nn.Sequential and nn.ModuleList index like Python lists', () => {
  it('seq[-1] reads, seq[-1] = m replaces the last module, out of range is a RangeError', () => {
    const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.Tanh(), new nn.Linear(2, 1));
    assert.ok(seq[-1] instanceof nn.Linear && seq[-1] === seq.at(-1) && seq[-1] === seq[2]);
    assert.ok(seq[-2] instanceof nn.Tanh);
    const head = new nn.Linear(2, 3);
    seq[-1] = head;
    assert.strictEqual(seq.length, 3);
    assert.strictEqual(seq[2], head);
    assert.deepStrictEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.deepStrictEqual(seq.forward(tf.ones([4, 2])).shape, [4, 3]);
    assert.ok(seq.parameters().includes(head.weight));
    seq[0] = new nn.Linear(2, 2, false);
    assert.deepStrictEqual(Object.keys(seq.stateDict()), ['0.weight', '2.weight', '2.bias']);
    assertThrows(() => seq[3], RangeError, /^Sequential\[3\]: index 3 is out of range for 3 modules$/);
    assertThrows(() => seq[-4], RangeError, /^Sequential\[-4\]: index -4 is out of range for 3 modules$/);
    assertThrows(() => { seq[-4] = new nn.ReLU(); }, RangeError, /^Sequential\[-4\]: index -4 is out of range/);
    assertThrows(() => { seq[5] = new nn.ReLU(); }, RangeError, /^Sequential\[5\]: index 5 is out of range/);
    assertThrows(() => { (seq as unknown as Record<number, unknown>)[1] = 5; }, TypeError, /^Sequential\[1\]: can only assign a Module, got number/);
    assert.strictEqual(seq.length, 3);
    // Named children are indexed by position too, as in PyTorch.
    const named = new nn.Sequential({ enc: new nn.Linear(3, 2), act: new nn.ReLU() });
    assert.ok(named[-1] instanceof nn.ReLU && named[0] === named.at(0));
    named[-1] = new nn.Tanh();
    assert.deepStrictEqual([...named.namedChildren()].map(([k, m]) => [k, m.constructor.name]), [['enc', 'Linear'], ['act', 'Tanh']]);
  });
  it('ModuleList indexes the same way', () => {
    const list = new nn.ModuleList([new nn.ReLU(), new nn.Tanh()]);
    assert.ok(list[-1] instanceof nn.Tanh);
    list[-1] = new nn.Sigmoid();
    assert.ok(list[1] instanceof nn.Sigmoid);
    assert.strictEqual(list.length, 2);
    assertThrows(() => list[2], RangeError, /^ModuleList\[2\]: index 2 is out of range for 2 modules/);
  });
});

describe('data: loaders, splits, datasets, preprocessing and transforms check their options', () => {
  const ds = (): InstanceType<typeof data.TensorDataset> => new data.TensorDataset(tf.arange(0, 10).reshape([10, 1]), tf.arange(0, 10));
  it('DataLoader: snake_case keys throw; a number is the batch size', () => {
    assertThrows(() => new data.DataLoader(ds(), { batch_size: 4 } as never), TypeError,
      /^DataLoader: unknown option 'batch_size'; did you mean 'batchSize'\? \(valid options: batchSize, shuffle, seed, dropLast, sampler, collate, transform\)$/);
    assertThrows(() => new data.DataLoader(ds(), { batchSize: 4, drop_last: true } as never), TypeError, /did you mean 'dropLast'/);
    assertThrows(() => new data.DataLoader(ds(), { batchSize: 4, shuffel: true } as never), TypeError, /did you mean 'shuffle'/);
    assertThrows(() => new (data.DataLoader as unknown as new (...a: unknown[]) => unknown)(ds(), 4, true), TypeError,
      /^DataLoader: takes \(dataset, options\); got 3 arguments/);
    const loader = new data.DataLoader(ds(), 4);
    assert.strictEqual(loader.batchSize, 4);
    assert.deepStrictEqual([...loader].map((b) => b[0].shape[0]), [4, 4, 2]);
  });
  it('splits, datasets, loaders, scalers, encoders, imputers and transforms', () => {
    const x = tf.randn([20, 2]), y = tf.zeros([20], { dtype: 'int32' });
    assertThrows(() => data.trainValTestSplit(x, y, { validation: 0.2 } as never), TypeError,
      /^trainValTestSplit: unknown option 'validation' \(valid options: val, test, seed, stratify\)/);
    assertThrows(() => data.datasets.mnist({ train_size: 10 } as never), TypeError, /^mnist: .*did you mean 'trainSize'/);
    assertThrows(() => data.datasets.fashionMnist({ limt: 10 } as never), TypeError, /^fashionMnist: .*did you mean 'limit'/);
    assertThrows(() => data.parseCsv('a;b\n1;2\n', { delimeter: ';' } as never), TypeError, /^parseCsv: unknown option 'delimeter'; did you mean 'delimiter'\?/);
    assertThrows(() => data.readCsv('/nonexistent.csv', { headers: false } as never), TypeError, /^readCsv: .*did you mean 'header'/);
    assertThrows(() => data.writeIdx(path.join(os.tmpdir(), 'never.idx'), x, { compress: true } as never), TypeError, /^writeIdx: unknown option 'compress'/);
    assertThrows(() => new data.StandardScaler({ with_mean: false } as never), TypeError, /^StandardScaler: .*did you mean 'withMean'/);
    assertThrows(() => new data.MinMaxScaler({ range: [0, 2] } as never), TypeError, /^MinMaxScaler: unknown option 'range'/);
    assertThrows(() => new data.OneHotEncoder({ handle_unknown: 'ignore' } as never), TypeError, /^OneHotEncoder: .*did you mean 'handleUnknown'/);
    assertThrows(() => new data.SimpleImputer({ fill_value: 1 } as never), TypeError, /^SimpleImputer: .*did you mean 'fillValue'/);
    assertThrows(() => new data.RandomAffine({ degree: 10 } as never), TypeError, /^RandomAffine: .*did you mean 'degrees'/);
    assertThrows(() => new data.RandomRotation(10, { fil: 0 } as never), TypeError, /^RandomRotation: .*did you mean 'fill'/);
    assertThrows(() => new data.RandomTranslation([0.1, 0.1], { padding: 1 } as never), TypeError, /^RandomTranslation: unknown option 'padding'/);
    assertThrows(() => new data.RandomCrop(28, { pad: 2 } as never), TypeError, /^RandomCrop: .*did you mean 'padding'/);
    assertThrows(() => new data.GaussianNoise(0.1, { clamp: [0, 1] } as never), TypeError, /^GaussianNoise: .*did you mean 'clip'/);
    assert.strictEqual(data.parseCsv('a;b\n1;2\n', { delimiter: ';' }).numRows, 1);
  });
});

describe('nn: layers, losses, init and Module methods', () => {
  it("layers take PyTorch's positional arguments or one options object, never both silently", () => {
    assert.strictEqual(new nn.Linear(4, 8, false).bias, null);
    assert.ok(new nn.Linear(4, 8, true).bias !== null);
    assertThrows(() => new nn.Linear(4, 8, { bias: false, dtype: 'float32' } as never), TypeError, /^Linear: unknown option 'dtype' \(valid options: bias\)/);
    const c = new nn.Conv2d(3, 16, 3, 1, 1);  // torch: Conv2d(3, 16, 3, 1, 1) → stride 1, padding 1
    assert.deepStrictEqual([c.stride, c.padding], [[1, 1], [1, 1]]);
    assert.deepStrictEqual(c.forward(tf.randn([1, 3, 8, 8])).shape, [1, 16, 8, 8]);
    const c2 = new nn.Conv2d(3, 4, 3, 2, { padding: 1, bias: false });
    assert.deepStrictEqual([c2.stride, c2.padding, c2.bias], [[2, 2], [1, 1], null]);
    assertThrows(() => new nn.Conv2d(3, 4, 3, 1, { stride: 2 }), TypeError, /^Conv2d: stride given both as a positional argument and in the options object/);
    assertThrows(() => new nn.Conv2d(3, 4, 3, { strides: 2 } as never), TypeError, /^Conv2d: unknown option 'strides'; did you mean 'stride'\?/);
    assertThrows(() => new (nn.Conv2d as unknown as new (...a: unknown[]) => unknown)(3, 4, 3, 1, 0, 1, 1, true, 'zeros'), TypeError,
      /^Conv2d: takes at most 5 positional options \(stride, padding, dilation, groups, bias\) before the options object, got 6/);
    assert.strictEqual(new nn.Conv1d(2, 2, 3, 2).stride, 2);
    assert.deepStrictEqual(new nn.ConvTranspose2d(2, 2, 3, 2, 1, 1).outputPadding, [1, 1]);
    assert.strictEqual(new nn.Embedding(10, 4, 0).paddingIdx, 0);
    assertThrows(() => new nn.Embedding(10, 4, { padding_idx: 0 } as never), TypeError, /^Embedding: .*did you mean 'paddingIdx'/);
    const bn = new nn.BatchNorm2d(4, 1e-3, 0.2);
    assert.deepStrictEqual([bn.eps, bn.momentum], [1e-3, 0.2]);
    assertThrows(() => new nn.BatchNorm2d(4, { momentun: 0.2 } as never), TypeError, /^BatchNorm2d: .*did you mean 'momentum'/);
    assertThrows(() => new nn.BatchNorm1d(4, { track_running_stats: false } as never), TypeError, /^BatchNorm1d: .*did you mean 'trackRunningStats'/);
    assert.strictEqual(new nn.LayerNorm(4, 1e-3).eps, 1e-3);
    assertThrows(() => new nn.LayerNorm(4, { elementwise_affine: false } as never), TypeError, /^LayerNorm: .*did you mean 'elementwiseAffine'/);
    assert.strictEqual(new nn.LSTM(4, 8, 2).numLayers, 2);
    assert.strictEqual(new nn.GRU(4, 8, { batchFirst: true }).batchFirst, true);
    assertThrows(() => new nn.LSTM(4, 8, { batch_first: true } as never), TypeError, /^LSTM: .*did you mean 'batchFirst'/);
    assertThrows(() => new nn.GRU(4, 8, { nonlinearity: 'relu' } as never), TypeError, /^GRU: unknown option 'nonlinearity'/);
    assert.strictEqual((new nn.RNN(4, 8, 1, 'relu').getConfig() as { nonlinearity: string }).nonlinearity, 'relu');
    const mp = new nn.MaxPool2d(2, 1);
    assert.deepStrictEqual(mp.forward(tf.randn([1, 1, 4, 4])).shape, [1, 1, 3, 3]);
    assertThrows(() => new nn.MaxPool2d(2, { strid: 1 } as never), TypeError, /^MaxPool2d: .*did you mean 'stride'/);
    assertThrows(() => new nn.MaxPool2d(2, 2, 0, 1, true), TypeError, /^MaxPool2d: returnIndices is not supported by the module/);
    assert.deepStrictEqual(new nn.AvgPool2d(2, 1).forward(tf.randn([1, 1, 4, 4])).shape, [1, 1, 3, 3]);
    assertThrows(() => new nn.AvgPool2d(2, { count_include_pad: false } as never), TypeError, /^AvgPool2d: .*did you mean 'countIncludePad'/);
  });
  it('activations: positional or options object, checked; inplace is refused, not ignored', () => {
    assert.strictEqual(new nn.LeakyReLU(0.2).negativeSlope, 0.2);
    assert.strictEqual(new nn.LeakyReLU({ negativeSlope: 0.3 }).negativeSlope, 0.3);
    near(new nn.LeakyReLU({ negativeSlope: 0.5 }).forward(tf.tensor([-2, 2])), [-1, 2]);
    assert.strictEqual(new nn.ELU({ alpha: 2 }).alpha, 2);
    assert.strictEqual(new nn.GELU('tanh').approximate, 'tanh');
    assert.deepStrictEqual([new nn.Softplus(2, 10).beta, new nn.Softplus({ threshold: 5 }).threshold], [2, 5]);
    assert.strictEqual(new nn.Softmax({ dim: 0 }).dim, 0);
    assert.strictEqual(new nn.LogSoftmax(1).dim, 1);
    assertThrows(() => new nn.LeakyReLU({ negative_slope: 0.2 } as never), TypeError, /^LeakyReLU: unknown option 'negative_slope'; did you mean 'negativeSlope'\?/);
    assertThrows(() => new nn.LeakyReLU('0.2' as never), TypeError, /^LeakyReLU: negativeSlope must be a finite number, got string "0\.2"/);
    assertThrows(() => new nn.Softmax(0.5), TypeError, /^Softmax: dim must be an integer, got number 0\.5/);
    assertThrows(() => new nn.GELU('fast' as never), TypeError, /^GELU: approximate must be 'none' or 'tanh', got string "fast"/);
    assertThrows(() => new (nn.ReLU as unknown as new (...a: unknown[]) => unknown)(true), TypeError, /^ReLU: inplace is not supported/);
    assertThrows(() => new (nn.LeakyReLU as unknown as new (...a: unknown[]) => unknown)(0.1, true), TypeError, /^LeakyReLU: inplace is not supported/);
    assertThrows(() => new (nn.SiLU as unknown as new (...a: unknown[]) => unknown)(1, 2), TypeError, /^SiLU: takes at most 1 positional option \(inplace\)/);
  });
  it('models with positional-argument layers survive saveModel/loadModel', () => {
    const m = new nn.Sequential(new nn.Conv2d(1, 2, 3, 1, 1), new nn.BatchNorm2d(2), new nn.MaxPool2d(2, 2), new nn.Flatten(),
      new nn.Linear(8, 3, false), new nn.LSTM(3, 3, 1));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-options-'));
    try {
      io.saveModel(m, dir);
      const back = io.loadModel<InstanceType<typeof nn.Sequential>>(dir);
      assert.deepStrictEqual(Object.keys(back.stateDict()), Object.keys(m.stateDict()));
      assertThrows(() => io.saveModel(m, dir, { meta: {} } as never), TypeError, /^saveModel: unknown option 'meta'; did you mean 'metadata'\?/);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });
  it('losses: module constructors and functional options', () => {
    const w = tf.tensor([1, 2, 3]);
    const ce = new nn.CrossEntropyLoss(w);  // torch: CrossEntropyLoss(weight)
    assert.strictEqual(ce.weight, w);
    assertThrows(() => new nn.CrossEntropyLoss({ label_smoothing: 0.1 } as never), TypeError, /^CrossEntropyLoss: .*did you mean 'labelSmoothing'/);
    assertThrows(() => new nn.NLLLoss({ ignore_index: 0 } as never), TypeError, /^NLLLoss: .*did you mean 'ignoreIndex'/);
    assertThrows(() => new nn.MSELoss({ reduce: 'sum' } as never), TypeError, /^MSELoss: unknown option 'reduce'; did you mean 'reduction'\?/);
    assertThrows(() => new (nn.MSELoss as unknown as new (...a: unknown[]) => unknown)(true), TypeError, /^MSELoss: takes no positional options/);
    assertThrows(() => new nn.L1Loss({ reductions: 'sum' } as never), TypeError, /^L1Loss: .*did you mean 'reduction'/);
    assertThrows(() => new nn.HuberLoss({ beta: 1 } as never), TypeError, /^HuberLoss: unknown option 'beta'/);
    assertThrows(() => new nn.BCELoss({ pos_weight: w } as never), TypeError, /^BCELoss: unknown option 'pos_weight'/);
    assertThrows(() => new nn.BCEWithLogitsLoss({ pos_weight: w } as never), TypeError, /^BCEWithLogitsLoss: .*did you mean 'posWeight'/);
    const x = tf.rand([4]), y = tf.rand([4]);
    assertThrows(() => F.mseLoss(x, y, { reduce: 'sum' } as never), TypeError, /^mseLoss: unknown option 'reduce'; did you mean 'reduction'\? \(valid options: reduction\)$/);
    assertThrows(() => F.l1Loss(x, y, 'sum' as never), TypeError, /^l1Loss: options must be a plain object/);
    assertThrows(() => F.huberLoss(x, y, { delt: 1 } as never), TypeError, /^huberLoss: .*did you mean 'delta'/);
    assertThrows(() => F.binaryCrossEntropy(x, y, { weights: w } as never), TypeError, /^binaryCrossEntropy: .*did you mean 'weight'/);
    assertThrows(() => F.binaryCrossEntropyWithLogits(x, y, { pos_weight: w } as never), TypeError, /did you mean 'posWeight'/);
    assertThrows(() => F.nllLoss(tf.randn([2, 3]), tf.tensor([0, 1], { dtype: 'int32' }), { ignore_index: 1 } as never), TypeError, /^nllLoss: .*did you mean 'ignoreIndex'/);
    assertThrows(() => F.embedding(tf.tensor([0], { dtype: 'int32' }), tf.randn([2, 2]), { padding_idx: 0 } as never), TypeError, /^embedding: .*did you mean 'paddingIdx'/);
    near(F.mseLoss(tf.tensor([1, 2]), tf.tensor([0, 0]), null as never), [2.5]);
  });
  it('init, clipGradNorm and Module methods: options checked, PyTorch positional forms accepted', () => {
    const w1 = tf.zeros([4, 3]), w2 = tf.zeros([4, 3]);
    tf.manualSeed(7); nn.init.kaimingUniform(w1, Math.sqrt(5));  // torch: kaiming_uniform_(w, a=math.sqrt(5))
    tf.manualSeed(7); nn.init.kaimingUniform(w2, { a: Math.sqrt(5) });
    assert.deepStrictEqual(Array.from(w1.dataSync()), Array.from(w2.dataSync()));
    assert.ok(Math.max(...Array.from(w1.dataSync(), Math.abs)) <= 1 / Math.sqrt(3) + 1e-6, 'bound 1/sqrt(fanIn)');
    assertThrows(() => nn.init.kaimingNormal(w1, { nonlinerity: 'relu' } as never), TypeError, /^kaimingNormal: .*did you mean 'nonlinearity'/);
    assertThrows(() => nn.init.kaimingUniform(w1, { fan_mode: 'fanIn' } as never), TypeError, /^kaimingUniform: unknown option 'fan_mode'/);
    const p = tf.ones([2], { requiresGrad: true });
    p.mul(tf.tensor([NaN, 1])).sum().backward();
    assertThrows(() => nn.utils.clipGradNorm([p], 1, 2, true), Error, /non-finite/);  // torch: error_if_nonfinite=True
    assertThrows(() => nn.utils.clipGradNorm([p], 1, 2, { error_if_nonfinite: true } as never), TypeError, /^clipGradNorm: .*did you mean 'errorIfNonfinite'/);
    const m = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 1));
    assert.strictEqual(m.parameters(false).length, 0);  // torch: parameters(recurse=False)
    assert.strictEqual(m.parameters({ recurse: true }).length, 4);
    assertThrows(() => m.parameters({ recursive: false } as never), TypeError, /^parameters: .*did you mean 'recurse'/);
    assertThrows(() => [...m.namedParameters({ recursive: false } as never)], TypeError, /^namedParameters: .*did you mean 'recurse'/);
    const sd = m.stateDict();
    delete sd['1.bias'];
    assert.deepStrictEqual(m.loadStateDict(sd, false).missingKeys, ['1.bias']);  // torch: load_state_dict(sd, strict=False)
    assertThrows(() => m.loadStateDict(sd, { strict: false, assign: true } as never), TypeError, /^loadStateDict: unknown option 'assign' \(valid options: strict\)/);
    assertThrows(() => m.registerBuffer('b', tf.zeros([1]), { persistant: false } as never), TypeError, /^registerBuffer: .*did you mean 'persistent'/);
    m.registerBuffer('c', tf.zeros([1]), false);  // torch: register_buffer(name, t, persistent=False)
    assert.ok(!('c' in m.stateDict()));
  });
});

describe('autograd and zeroGrad options', () => {
  it('backward checks its options; zeroGrad takes a boolean or { setToNone }', () => {
    const x = tf.ones([2], { requiresGrad: true });
    const y = x.mul(3).sum();
    assertThrows(() => y.backward({ retain_graph: true } as never), TypeError, /^backward: unknown option 'retain_graph'; did you mean 'retainGraph'\?/);
    y.backward({ retainGraph: true });
    near(x.grad!, [3, 3]);
    const opt = new optim.SGD([x], 0.1);
    opt.zeroGrad({ setToNone: false });  // torch: zero_grad(set_to_none=False)
    near(x.grad!, [0, 0]);
    assertThrows(() => opt.zeroGrad({ set_to_none: false } as never), TypeError, /^zeroGrad: .*did you mean 'setToNone'/);
    opt.zeroGrad();
    assert.strictEqual(x.grad, null);
    const m = new nn.Linear(2, 1);
    m.forward(tf.ones([1, 2])).sum().backward();
    m.zeroGrad(false);
    near(m.weight.grad!, [0, 0]);
    m.zeroGrad({ setToNone: true });
    assert.strictEqual(m.weight.grad, null);
    assertThrows(() => m.zeroGrad(0 as never), TypeError, /^zeroGrad: options must be a plain object like \{ setToNone: \.\.\. \}, got number 0/);
  });
});

describe('train, io and metrics check their options', () => {
  const setup = () => {  // eslint-disable-line @typescript-eslint/explicit-function-return-type
    tf.manualSeed(1);
    const x = tf.randn([8, 2]), y = tf.randn([8, 1]);
    return { model: new nn.Sequential(new nn.Linear(2, 1)), loader: new data.DataLoader(new data.TensorDataset(x, y), 4) };
  };
  it('fit, evaluate, predict, callbacks and search', async () => {
    const { model, loader } = setup();
    const optimizer = new optim.SGD(model.parameters(), 0.1);
    await assert.rejects(train.fit(model, { train: loader, loss: 'mse', optimizer, epoch: 1, verbose: false } as never),
      (e: Error) => e instanceof TypeError && /^fit: unknown option 'epoch'; did you mean 'epochs'\?/.test(e.message));
    await assert.rejects(train.fit(model, { train: loader, loss: 'mse', optimizer, epochs: 1, verbose: false, validation_data: loader } as never),
      (e: Error) => e instanceof TypeError && /^fit: unknown option 'validation_data'/.test(e.message));
    await assert.rejects(train.fit(model, undefined as never), (e: Error) => e instanceof TypeError && /^fit: needs options/.test(e.message));
    await assert.rejects(train.evaluate(model, loader, { metric: ['mae'] } as never),
      (e: Error) => e instanceof TypeError && /^evaluate: unknown option 'metric'; did you mean 'metrics'\?/.test(e.message));
    await assert.rejects(train.predict(model, tf.randn([5, 2]), { batch_size: 2 } as never),
      (e: Error) => e instanceof TypeError && /^predict: .*did you mean 'batchSize'/.test(e.message));
    assert.deepStrictEqual((await train.predict(model, tf.randn([5, 2]), 2)).shape, [5, 1]);
    assertThrows(() => train.earlyStopping({ patiance: 2 } as never), TypeError, /^earlyStopping: .*did you mean 'patience'/);
    assertThrows(() => train.modelCheckpoint({ path: 'x', save: () => undefined, save_best_only: true } as never), TypeError, /^modelCheckpoint: .*did you mean 'saveBestOnly'/);
    assertThrows(() => train.progressBar({ widht: 10 } as never), TypeError, /^progressBar: .*did you mean 'width'/);
    await assert.rejects(train.search({ space: { lr: [0.1] }, objective: () => 0, trial: 3 } as never),
      (e: Error) => e instanceof TypeError && /^search: unknown option 'trial'; did you mean 'trials'\?/.test(e.message));
    await assert.rejects(train.search({ space: { lr: { min: 0.1, max: 1, logscale: true } }, objective: () => 0, strategy: 'random' } as never),
      (e: Error) => e instanceof TypeError && /^search: space\.lr: unknown option 'logscale'/.test(e.message));
  });
  it('io.save names the { metadata } slip', () => {
    const file = path.join(os.tmpdir(), `tf-options-${process.pid}.safetensors`);
    assertThrows(() => io.save({ w: tf.ones([1]) }, file, { metadata: { epoch: '3' } } as never), TypeError,
      /^io\.save: metadata is the string map itself/);
    assert.ok(!fs.existsSync(file));
  });
  it('metrics', () => {
    const p = tf.tensor([0, 1, 2, 1], { dtype: 'int32' }), t = tf.tensor([0, 1, 1, 1], { dtype: 'int32' });
    assert.deepStrictEqual(metrics.confusionMatrix(p, t, 4).shape, [4, 4]);
    assertThrows(() => metrics.confusionMatrix(p, t, { num_classes: 3 } as never), TypeError, /^confusionMatrix: .*did you mean 'numClasses'/);
    assertThrows(() => metrics.precision(p, t, { averge: 'micro' } as never), TypeError, /^precision: unknown option 'averge'; did you mean 'average'\?/);
    assertThrows(() => metrics.f1Score(p, t, { zero_division: 1 } as never), TypeError, /^f1Score: .*did you mean 'zeroDivision'/);
    assert.strictEqual(metrics.recall(p, t, { average: 'micro', numClasses: 3 }), 0.75);
    assertThrows(() => metrics.classificationReport(p, t, { target_names: ['a', 'b', 'c'] } as never), TypeError, /^classificationReport: .*did you mean 'targetNames'/);
    assertThrows(() => metrics.formatConfusionMatrix([[1]], { label: ['a'] } as never), TypeError, /^formatConfusionMatrix: .*did you mean 'labels'/);
    assertThrows(() => new metrics.F1Score(3, { averaging: 'micro' } as never), TypeError, /^F1Score: unknown option 'averaging'/);
    assertThrows(() => metrics.createMetric('f1', { num_classes: 3 } as never), TypeError, /^createMetric: .*did you mean 'numClasses'/);
  });
});
