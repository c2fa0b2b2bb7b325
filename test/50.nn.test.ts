/** nn: Module API, state dict keys (vs PyTorch's), loading errors, freeze, modes, Linear, init. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa, toNd } from './helpers';
import { nn, type Tensor } from '../lib';
import type { Nd } from './reference/ndarray';
import { native } from '../lib/native';


class Net extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  act = new nn.ReLU();
  drop = new nn.Dropout(0.5);
  fc2 = new nn.Linear(8, 3, { bias: false });
  override forward(x: Tensor): Tensor { return this.fc2.forward(this.drop.forward(this.act.forward(this.fc1.forward(x)))); }
}

/** Mimics a BatchNorm layer's registrations (weight, bias, running stats, int32 counter). */
class NormLike extends nn.Module {
  constructor(n: number) {
    super();
    this.registerParameter('weight', tf.ones([n]));
    this.registerParameter('bias', tf.zeros([n]));
    this.registerBuffer('running_mean', tf.zeros([n]));
    this.registerBuffer('running_var', tf.ones([n]));
    this.registerBuffer('num_batches_tracked', tf.zeros([], { dtype: 'int32' }));
  }
}

/** Mimics a one-layer bidirectional LSTM's parameter names. */
class RnnLike extends nn.Module {
  constructor(input: number, hidden: number) {
    super();
    for (const sfx of ['_l0', '_l0_reverse']) {
      this.registerParameter(`weight_ih${sfx}`, tf.randn([4 * hidden, input]));
      this.registerParameter(`weight_hh${sfx}`, tf.randn([4 * hidden, hidden]));
      this.registerParameter(`bias_ih${sfx}`, tf.randn([4 * hidden]));
      this.registerParameter(`bias_hh${sfx}`, tf.randn([4 * hidden]));
    }
  }
}

/** float64 x Wᵀ + b. */
function linearRef(x: Nd, w: Nd, b: Nd | null): Nd {
  const [n, k] = x.shape, m = w.shape[0];
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = b ? b.data[j] : 0;
    for (let t = 0; t < k; t++) s += x.data[i * k + t] * w.data[j * k + t];
    out[i * m + j] = s;
  }
  return { shape: [n, m], data: out };
}

function stats(t: Tensor): { mean: number; var: number; min: number; max: number } {
  const d = t.dataSync();
  let s = 0, s2 = 0, mn = Infinity, mx = -Infinity;
  for (const v of d) { s += v; s2 += v * v; mn = Math.min(mn, v); mx = Math.max(mx, v); }
  const mean = s / d.length;
  return { mean, var: s2 / d.length - mean * mean, min: mn, max: mx };
}

describe('nn.Module', () => {
  it('stateDict keys equal PyTorch\'s for Sequential, attribute-named, norm-like and RNN-like modules', () => {
    const seq = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
    // torch: nn.Sequential(nn.Linear(4,3), nn.ReLU(), nn.Linear(3,2)).state_dict().keys()
    assert.deepStrictEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.deepStrictEqual(Object.keys(new Net().stateDict()), ['fc1.weight', 'fc1.bias', 'fc2.weight']);
    const nested = new nn.Sequential(new nn.Sequential(new nn.Linear(2, 2)), new NormLike(2));
    assert.deepStrictEqual(Object.keys(nested.stateDict()),
      ['0.0.weight', '0.0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    assert.strictEqual(nested.stateDict()['1.num_batches_tracked'].dtype, 'int32');
    // Buffers are in the state dict but are not parameters.
    assert.deepStrictEqual([...nested.namedParameters()].map(([k]) => k), ['0.0.weight', '0.0.bias', '1.weight', '1.bias']);
    assert.deepStrictEqual([...new RnnLike(3, 2).namedParameters()].map(([k]) => k), [
      'weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
      'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse']);
    const named = new nn.Sequential({ encoder: new nn.Linear(3, 2), head: new nn.Linear(2, 1) });
    assert.deepStrictEqual(Object.keys(named.stateDict()), ['encoder.weight', 'encoder.bias', 'head.weight', 'head.bias']);
    const list = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 1)]);
    assert.deepStrictEqual(Object.keys(list.stateDict()), ['0.weight', '0.bias', '1.weight', '1.bias']);
  });

  it('parameters, children, namedModules, indexing and tied weights', () => {
    const net = new Net();
    assert.strictEqual(net.parameters().length, 3);
    assert.strictEqual(net.numParameters(), 4 * 8 + 8 + 8 * 3);
    assert.deepStrictEqual([...net.namedModules()].map(([k]) => k), ['', 'fc1', 'act', 'drop', 'fc2']);
    assert.deepStrictEqual([...net.children()].map((m) => m.constructor.name), ['Linear', 'ReLU', 'Dropout', 'Linear']);
    const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.Tanh());
    assert.strictEqual(seq.length, 2);
    assert.ok(seq.at(-1) instanceof nn.Tanh);
    assert.ok(seq[0] instanceof nn.Linear);
    seq.append(new nn.Linear(2, 1));
    assert.deepStrictEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
    assertThrows(() => seq.at(3), RangeError, /Sequential.at: index 3 is out of range for 3 modules/);
    // Tied weights: one parameter, listed once, under both keys in the state dict.
    const a = new nn.Linear(3, 3), b = new nn.Linear(3, 3);
    b.weight = a.weight;
    const tied = new nn.Sequential(a, b);
    assert.strictEqual(tied.parameters().length, 3);
    assert.deepStrictEqual(Object.keys(tied.stateDict()), ['0.weight', '0.bias', '1.weight', '1.bias']);
    assertThrows(() => new nn.Sequential(new nn.ReLU(), 3 as unknown as nn.Module), TypeError, /Sequential: argument 1 must be a Module/);
  });

  it('reassigning a registered parameter or child replaces it; setting null removes it', () => {
    const l = new nn.Linear(3, 2);
    l.bias = null;
    assert.deepStrictEqual(Object.keys(l.stateDict()), ['weight']);
    l.weight = new nn.Parameter(tf.zeros([2, 3]));
    assert.deepStrictEqual(l.forward(tf.ones([1, 3])).toArray(), [[0, 0]]);
    assertThrows(() => l.registerBuffer('weight', tf.zeros([1])), TypeError, /"weight" is already registered as a parameter/);
    assertThrows(() => l.registerParameter('a.b', tf.zeros([1])), TypeError, /without '\.'/);
    assertThrows(() => l.registerParameter('forward', tf.zeros([1])), TypeError, /would shadow/);
  });

  it('stateDict gives detached views of the live tensors; loadStateDict copies across models', () => {
    const m1 = new Net(), m2 = new Net();
    const sd = m1.stateDict();
    assert.strictEqual(sd['fc1.weight'].requiresGrad, false);
    assert.strictEqual(sd['fc1.weight'].storage, m1.fc1.weight.storage);
    const res = m2.loadStateDict(sd);
    assert.deepStrictEqual(res, { missingKeys: [], unexpectedKeys: [] });
    m1.eval(); m2.eval();
    const x = tf.randn([5, 4]);
    assert.deepStrictEqual(m2.forward(x).toArray(), m1.forward(x).toArray());
    // A copy, not shared storage: changing m1 afterwards leaves m2 alone.
    tf.noGrad(() => m1.fc1.weight.fill_(0));
    assert.notDeepStrictEqual(m2.fc1.weight.toArray(), m1.fc1.weight.toArray());
    // Buffers load with dtype conversion (PyTorch stores num_batches_tracked as int64; io reads it as float/int).
    const n = new NormLike(2);
    n.loadStateDict({ weight: tf.tensor([2, 3]), bias: tf.tensor([0, 1]), running_mean: tf.tensor([1, 1]),
      running_var: tf.tensor([4, 4]), num_batches_tracked: tf.tensor(7) });
    assert.strictEqual(n.stateDict().num_batches_tracked.item(), 7);
    assert.strictEqual(n.stateDict().num_batches_tracked.dtype, 'int32');
  });

  it('loadStateDict names missing and unexpected keys and shape mismatches', () => {
    const m = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
    const sd = m.stateDict();
    const partial = { '0.weight': sd['0.weight'], '0.bias': sd['0.bias'], '2.weight': sd['2.weight'], 'extra.bias': tf.zeros([2]) };
    assertThrows(() => m.loadStateDict(partial), Error, /Error\(s\) in loading state_dict for Sequential/,
      /Missing key\(s\) in state_dict: "2\.bias"/, /Unexpected key\(s\) in state_dict: "extra\.bias"/);
    assert.deepStrictEqual(m.loadStateDict(partial, { strict: false }), { missingKeys: ['2.bias'], unexpectedKeys: ['extra.bias'] });
    const bad = { ...sd, '2.weight': tf.zeros([2, 4]) };
    assertThrows(() => m.loadStateDict(bad, { strict: false }), Error,
      /size mismatch for 2\.weight: copying a param with shape \[2, 4\] from checkpoint, the shape in current model is \[2, 3\]/);
  });

  it('train/eval switches modes recursively; Dropout is active only in training', () => {
    tf.manualSeed(1);
    const net = new Net();
    assert.strictEqual(net.drop.training, true);
    net.eval();
    assert.ok([...net.modules()].every((m) => !m.training));
    const x = tf.randn([64, 64]);
    const d = new nn.Dropout(0.25);
    const y = d.forward(x);
    const xv = x.dataSync(), yv = y.dataSync();
    let zeros = 0;
    for (let i = 0; i < xv.length; i++) {
      if (yv[i] === 0) zeros++;
      else assert.ok(Math.abs(yv[i] - xv[i] / 0.75) <= 1e-6 * Math.abs(xv[i] / 0.75) + 1e-7, `survivor ${i} is scaled by 1/(1-p)`);
    }
    assert.ok(Math.abs(zeros / xv.length - 0.25) < 0.03, `dropped fraction ${zeros / xv.length}`);
    d.eval();
    assert.deepStrictEqual(d.forward(x).dataSync(), x.dataSync());
    // Gradient flows only through the kept elements, scaled like the values.
    d.train();
    const xg = tf.randn([200], { requiresGrad: true });
    const out = d.forward(xg);
    out.sum().backward();
    const g = xg.grad!.dataSync(), o = out.dataSync();
    for (let i = 0; i < g.length; i++) assert.ok(o[i] === 0 ? g[i] === 0 : Math.abs(g[i] - 1 / 0.75) < 1e-6);
    assertThrows(() => new nn.Dropout(1.5), RangeError, /Dropout: p must be in \[0, 1\], got 1.5/);
  });

  it('freeze/unfreeze turn requiresGrad off and on for transfer learning', () => {
    const backbone = new nn.Sequential(new nn.Linear(4, 4), new nn.ReLU());
    const head = new nn.Linear(4, 2);
    const model = new nn.Sequential(backbone, head);
    backbone.freeze();
    assert.ok(backbone.parameters().every((p) => !p.requiresGrad));
    assert.strictEqual(model.numParameters(true), 10);
    model.forward(tf.randn([3, 4])).sum().backward();
    assert.strictEqual((backbone.at(0) as nn.Linear).weight.grad, null);
    assert.ok(head.weight.grad);
    backbone.unfreeze();
    assert.ok(model.parameters().every((p) => p.requiresGrad));
    model.zeroGrad();
    assert.ok(model.parameters().every((p) => p.grad === null));
    model.forward(tf.randn([3, 4])).sum().backward();
    model.zeroGrad(false);
    assert.deepStrictEqual(head.bias!.grad!.toArray(), [0, 0]);
  });

  it('modules built inside tidy() keep their parameters; to("cpu") is a no-op', () => {
    const before = tf.memory().numTensors;
    const m = tf.tidy(() => new nn.Sequential(new nn.Linear(3, 3), new nn.GELU()));
    assert.ok(m.parameters().every((p) => !p.isDisposed));
    assert.strictEqual(m.to('cpu'), m);
    assert.strictEqual(tf.memory().numTensors, before + 2);
    tf.tidy(() => m.forward(tf.randn([2, 3])).sum().backward());
    m.dispose();
    assert.strictEqual(tf.memory().numTensors, before);
    assert.ok(m.parameters().every((p) => p.isDisposed && p.grad === null));
  });

  it('toString prints the PyTorch-like tree with parameter counts', () => {
    const s = String(new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(3, 2, { bias: false })));
    assert.strictEqual(s, [
      'Sequential(',
      '  (0): Linear(in_features=4, out_features=3, bias=True)  # 15 params',
      '  (1): ReLU()',
      '  (2): Dropout(p=0.1, inplace=False)',
      '  (3): Linear(in_features=3, out_features=2, bias=False)  # 6 params',
      ')  # 21 params',
      'Total params: 21 (trainable: 21)'].join('\n'));
  });

  it('forward is required; call() is forward', () => {
    class Empty extends nn.Module {}
    assertThrows(() => new Empty().forward(tf.zeros([1])), Error, /Empty: forward\(\) is not implemented/);
    const l = new nn.Linear(2, 2);
    const x = tf.randn([1, 2]);
    assert.deepStrictEqual(l.call(x).toArray(), l.forward(x).toArray());
  });
});

describe('nn layers', () => {
  it('Linear forward and backward match a float64 reference (several shapes, every ISA)', () => {
    forEachIsa((isa) => {
      for (const [n, k, m, bias] of [[1, 1, 1, true], [5, 7, 3, true], [33, 17, 9, false], [64, 130, 40, true]] as const) {
        const l = new nn.Linear(k, m, { bias });
        const x = tf.randn([n, k], { requiresGrad: true });
        const y = l.forward(x);
        const W = toNd(l.weight), B = l.bias ? toNd(l.bias) : null, X = toNd(x);
        assertClose(y, linearRef(X, W, B), 1e-4, 1e-4, `${isa} y ${n}x${k}x${m}`);
        const g = tf.randn([n, m]);
        y.backward(g);
        const G = toNd(g);
        // dx = g W; dW = gᵀ x; db = Σ_rows g
        const dx = new Float64Array(n * k), dW = new Float64Array(m * k), db = new Float64Array(m);
        for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
          const gv = G.data[i * m + j];
          db[j] += gv;
          for (let t = 0; t < k; t++) { dx[i * k + t] += gv * W.data[j * k + t]; dW[j * k + t] += gv * X.data[i * k + t]; }
        }
        assertClose(x.grad!, { shape: [n, k], data: dx }, 1e-4, 1e-4, `${isa} dx`);
        assertClose(l.weight.grad!, { shape: [m, k], data: dW }, 1e-4, 1e-4, `${isa} dW`);
        if (l.bias) assertClose(l.bias.grad!, { shape: [m], data: db }, 1e-4, 1e-4, `${isa} db`);
      }
    });
    assert.deepStrictEqual(new nn.Linear(3, 2).forward(tf.randn([4, 5, 3])).shape, [4, 5, 2]);
    assertThrows(() => new nn.Linear(3, 2).forward(tf.randn([4, 5])), RangeError, /^linear: /, /\[4, 5\]/, /\[2, 3\]/);
    assertThrows(() => new nn.Linear(-1, 2), RangeError, /Linear: inFeatures must be a non-negative integer/);
  });

  it('Sequential runs ReLU then MaxPool2d as pool then ReLU: the same values and input gradients, ties, zeros, NaN and infinities included', () => {
    const pool = [-Infinity, -1, -0.5, 0, 0.5, 1, NaN, Infinity];
    const configs: [number | [number, number], tf.MaxPool2dOptions][] = [[2, {}], [3, { stride: 2, padding: 1 }], [3, { stride: 2, ceilMode: true }], [[2, 3], { dilation: 2 }], [2, { stride: 1 }]];
    for (const [k, opts] of configs) {
      for (const xs of [[2, 3, 8, 8], [1, 2, 7, 9]]) {
        const draws = tf.randint(0, pool.length, xs).dataSync();
        const data = Array.from(draws, (d) => pool[d]);
        const seq = new nn.Sequential(new nn.ReLU(), new nn.MaxPool2d(k, opts));
        const a = tf.tensor(data, { shape: xs, requiresGrad: true }), b = tf.tensor(data, { shape: xs, requiresGrad: true });
        const ya = seq.forward(a), yb = tf.maxPool2d(b.relu(), k, opts);
        const tag = `${JSON.stringify(k)} ${JSON.stringify(opts)} [${xs}]`;
        assert.strictEqual(ya.gradFn?.name, 'relu', `${tag}: the ReLU runs last, on the pooled tensor`);
        assert.deepStrictEqual(Array.from(ya.dataSync()), Array.from(yb.dataSync()), `${tag} values`);
        const g = tf.randn(ya.shape);
        ya.backward(g);
        yb.backward(g);
        assert.deepStrictEqual(Array.from(a.grad!.dataSync()), Array.from(b.grad!.dataSync()), `${tag} input gradient`);
      }
    }
    // A subclass may do anything in forward: it keeps its place (it sees the unpooled input).
    const seen: number[][] = [];
    class Spy extends nn.ReLU { override forward(x: Tensor): Tensor { seen.push([...x.shape]); return super.forward(x); } }
    new nn.Sequential(new Spy(), new nn.MaxPool2d(2)).forward(tf.randn([1, 1, 4, 4]));
    assert.deepStrictEqual(seen, [[1, 1, 4, 4]]);
  });

  it('Linear and Conv2d weight gradients become .grad without a copy', () => {
    // The engine copies a gradient that is a view (a transposed matmul result, a reshape) before
    // it becomes a leaf's .grad; these layers produce theirs contiguous and unshared.
    const model = new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.Flatten(), new nn.Linear(4 * 5 * 5, 3));
    const loss = model.forward(tf.randn([2, 2, 5, 5])).square().sum();
    const calls: string[] = [];
    const saved = native.cast;
    native.cast = ((...a: Parameters<typeof saved>) => { calls.push('cast'); return saved(...a); }) as typeof saved;
    try { loss.backward(); } finally { native.cast = saved; }
    assert.deepStrictEqual(calls, [], 'copies made while the gradients became .grad');
    for (const [name, p] of model.namedParameters()) assert.ok(p.grad && p.grad.isContiguous(), name);
  });

  it('activation modules and Flatten apply their ops', () => {
    const x = tf.tensor([[-2, -0.5, 0, 1.5]]);
    const cases: [nn.Module, (v: number) => number][] = [
      [new nn.ReLU(), (v) => Math.max(v, 0)],
      [new nn.LeakyReLU(0.2), (v) => (v > 0 ? v : 0.2 * v)],
      [new nn.ELU(), (v) => (v > 0 ? v : Math.expm1(v))],
      [new nn.Sigmoid(), (v) => 1 / (1 + Math.exp(-v))],
      [new nn.Tanh(), Math.tanh],
      [new nn.SiLU(), (v) => v / (1 + Math.exp(-v))],
      [new nn.GELU('tanh'), (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
    ];
    for (const [m, f] of cases) {
      assertClose(m.forward(x), { shape: [1, 4], data: Float64Array.from([-2, -0.5, 0, 1.5], f) }, 1e-5, 1e-6, m.constructor.name);
    }
    assert.deepStrictEqual(new nn.Flatten().forward(tf.zeros([2, 3, 4, 5])).shape, [2, 60]);
    assert.deepStrictEqual(new nn.Flatten(0, 1).forward(tf.zeros([2, 3, 4])).shape, [6, 4]);
  });
});

describe('nn.init', () => {
  it('Linear default init: weight and bias in U(±1/√fanIn) with the uniform variance', () => {
    tf.manualSeed(3);
    const l = new nn.Linear(400, 300);
    const bound = 1 / Math.sqrt(400);
    for (const t of [l.weight, l.bias!]) {
      const s = stats(t);
      assert.ok(s.min >= -bound && s.max <= bound, `${s.min}..${s.max} within ±${bound}`);
    }
    const s = stats(l.weight);
    assert.ok(Math.abs(s.var / (bound * bound / 3) - 1) < 0.03, `weight var ${s.var}`);
    assert.ok(Math.abs(s.mean) < 0.002);
  });

  it('kaiming/xavier uniform and normal have the published bounds and variances', () => {
    tf.manualSeed(4);
    const w = tf.zeros([256, 128, 3]);  // fanIn = 384, fanOut = 768
    const check = (t: Tensor, varWant: number, bound?: number): void => {
      const s = stats(t);
      assert.ok(Math.abs(s.var / varWant - 1) < 0.03, `var ${s.var} vs ${varWant}`);
      assert.ok(Math.abs(s.mean) < 0.01 * Math.sqrt(varWant));
      if (bound !== undefined) assert.ok(s.min >= -bound && s.max <= bound);
    };
    nn.init.kaimingUniform(w, { nonlinearity: 'relu' });
    check(w, 2 / 384, Math.sqrt(6 / 384));
    nn.init.kaimingNormal(w, { mode: 'fanOut', nonlinearity: 'relu' });
    check(w, 2 / 768);
    nn.init.kaimingUniform(w, { a: 0.1 });  // leakyRelu default
    check(w, 2 / (1 + 0.01) / 384, Math.sqrt(6 / (1.01 * 384)));
    nn.init.xavierUniform(w, 2);
    check(w, 4 * 2 / (384 + 768), 2 * Math.sqrt(6 / (384 + 768)));
    nn.init.xavierNormal_(w);
    check(w, 2 / (384 + 768));
    nn.init.normal(w, 1, 0.5);
    assert.ok(Math.abs(stats(w).mean - 1) < 0.01);
    nn.init.constant(w, 0.25);
    assert.deepStrictEqual(stats(w), { mean: 0.25, var: 0, min: 0.25, max: 0.25 });
    nn.init.zeros(w);
    assert.strictEqual(stats(w).max, 0);
    assert.strictEqual(nn.init.ones(w), w);
    assert.strictEqual(stats(w).min, 1);
    assertThrows(() => nn.init.kaimingUniform(tf.zeros([3])), RangeError, /at least 2 dims, got \[3\]/);
    assertThrows(() => nn.init.kaimingUniform(w, { mode: 'fanMiddle' as 'fanIn' }), TypeError, /mode must be 'fanIn' or 'fanOut'/);
  });

  it('calculateGain matches PyTorch\'s table', () => {
    assert.strictEqual(nn.init.calculateGain('linear'), 1);
    assert.strictEqual(nn.init.calculateGain('conv2d'), 1);
    assert.strictEqual(nn.init.calculateGain('sigmoid'), 1);
    assert.strictEqual(nn.init.calculateGain('tanh'), 5 / 3);
    assert.strictEqual(nn.init.calculateGain('relu'), Math.SQRT2);
    assert.strictEqual(nn.init.calculateGain('leakyRelu'), Math.sqrt(2 / (1 + 0.0001)));
    assert.strictEqual(nn.init.calculateGain('leaky_relu', 0.2), Math.sqrt(2 / 1.04));
    assert.strictEqual(nn.init.calculateGain('selu'), 0.75);
    assertThrows(() => nn.init.calculateGain('swish' as 'relu'), TypeError, /unsupported nonlinearity swish/);
  });

  it('orthogonal gives orthonormal rows or columns (times gain), for wide, tall and 4-D tensors', () => {
    tf.manualSeed(5);
    for (const shape of [[6, 6], [4, 10], [12, 5], [8, 2, 2, 2]]) {
      const t = tf.zeros(shape);
      nn.init.orthogonal(t, 1.5);
      const rows = shape[0], cols = t.numel / rows;
      const m = Float64Array.from(t.dataSync());
      // The smaller Gram matrix (QᵀQ or QQᵀ) must be gain²·I.
      const byRows = rows <= cols, n = byRows ? rows : cols;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        if (byRows) for (let c = 0; c < cols; c++) s += m[i * cols + c] * m[j * cols + c];
        else for (let r = 0; r < rows; r++) s += m[r * cols + i] * m[r * cols + j];
        assert.ok(Math.abs(s - (i === j ? 2.25 : 0)) < 1e-5, `${shape}: gram[${i}][${j}] = ${s}`);
      }
    }
  });

  it('init is reproducible under manualSeed', () => {
    tf.manualSeed(42);
    const a = new nn.Linear(5, 5).weight.toArray();
    tf.manualSeed(42);
    assert.deepStrictEqual(new nn.Linear(5, 5).weight.toArray(), a);
  });
});
