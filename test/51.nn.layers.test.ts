/** nn layers over the conv/pool/norm/rnn/index/softmax ops: PyTorch state-dict keys and
 * shapes, default init, module semantics (running stats, eval mode, stacking, padding)
 * against float64 references. The ops themselves are tested in 22-45. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, assertClose, assertThrows, gradcheck, toNd } from './helpers';
import { nn, type Tensor } from '../lib';
import { rnnLayerRef, type RnnRefMode } from './reference/rnn';
import * as ref from './reference/conv';
import { permute, type Nd } from './reference/ndarray';

const shapes = (m: nn.Module<never[], unknown>): [string, number[]][] => Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape.slice()]);

function slice0(a: Nd, k: number): Nd {
  const [, ...rest] = a.shape, n = rest.reduce((x, y) => x * y, 1);
  return { shape: rest, data: a.data.slice(k * n, (k + 1) * n) };
}

describe('nn layers: state dict keys and shapes equal PyTorch\'s', () => {
  it('a small CNN', () => {
    const cnn = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(8, 16, 3, { stride: 2, bias: false }), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(),
      new nn.Dropout(0.2), new nn.Linear(16, 10));
    // torch: [(k, list(v.shape)) for k, v in model.state_dict().items()]
    assert.deepStrictEqual(shapes(cnn as nn.Module<never[], unknown>), [
      ['0.weight', [8, 1, 3, 3]], ['0.bias', [8]], ['1.weight', [8]], ['1.bias', [8]],
      ['1.running_mean', [8]], ['1.running_var', [8]], ['1.num_batches_tracked', []],
      ['4.weight', [16, 8, 3, 3]], ['8.weight', [10, 16]], ['8.bias', [10]]]);
    assert.deepStrictEqual(cnn.forward(tf.randn([2, 1, 12, 12])).shape, [2, 10]);
    assert.strictEqual(String(cnn).split('\n')[1], '  (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))  # 80 params');
  });

  it('a 2-layer bidirectional LSTM, a GRU without bias, RNN, Embedding, LayerNorm, ConvTranspose2d, Conv1d, weighted losses', () => {
    const lstm = new nn.LSTM(10, 20, { numLayers: 2, bidirectional: true });
    const want: [string, number[]][] = [];
    for (const l of [0, 1]) for (const s of ['', '_reverse']) {
      want.push([`weight_ih_l${l}${s}`, [80, l === 0 ? 10 : 40]], [`weight_hh_l${l}${s}`, [80, 20]], [`bias_ih_l${l}${s}`, [80]], [`bias_hh_l${l}${s}`, [80]]);
    }
    assert.deepStrictEqual(shapes(lstm as unknown as nn.Module<never[], unknown>), want);
    assert.deepStrictEqual(shapes(new nn.GRU(3, 4, { bias: false }) as unknown as nn.Module<never[], unknown>),
      [['weight_ih_l0', [12, 3]], ['weight_hh_l0', [12, 4]]]);
    assert.deepStrictEqual(shapes(new nn.RNN(3, 5) as unknown as nn.Module<never[], unknown>),
      [['weight_ih_l0', [5, 3]], ['weight_hh_l0', [5, 5]], ['bias_ih_l0', [5]], ['bias_hh_l0', [5]]]);
    assert.deepStrictEqual(shapes(new nn.Embedding(7, 3) as nn.Module<never[], unknown>), [['weight', [7, 3]]]);
    assert.deepStrictEqual(shapes(new nn.LayerNorm([4, 5]) as nn.Module<never[], unknown>), [['weight', [4, 5]], ['bias', [4, 5]]]);
    assert.deepStrictEqual(shapes(new nn.ConvTranspose2d(6, 4, [3, 2], { groups: 2 }) as nn.Module<never[], unknown>), [['weight', [6, 2, 3, 2]], ['bias', [4]]]);
    assert.deepStrictEqual(shapes(new nn.Conv1d(4, 6, 5, { groups: 2 }) as nn.Module<never[], unknown>), [['weight', [6, 2, 5]], ['bias', [6]]]);
    assert.deepStrictEqual(shapes(new nn.BatchNorm1d(3, { affine: false }) as nn.Module<never[], unknown>),
      [['running_mean', [3]], ['running_var', [3]], ['num_batches_tracked', []]]);
    assert.deepStrictEqual(shapes(new nn.CrossEntropyLoss({ weight: tf.ones([3]) }) as unknown as nn.Module<never[], unknown>), [['weight', [3]]]);
    assert.deepStrictEqual(shapes(new nn.BCEWithLogitsLoss({ posWeight: tf.ones([2]) }) as unknown as nn.Module<never[], unknown>), [['pos_weight', [2]]]);
    assert.deepStrictEqual(shapes(new nn.MSELoss() as unknown as nn.Module<never[], unknown>), []);
  });
});

describe('nn convolution and pooling modules', () => {
  it('Conv2d default init is U(±1/√fanIn) and forward matches the float64 reference', () => {
    tf.manualSeed(8);
    const conv = new nn.Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: 1, groups: 2 });
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    for (const t of [conv.weight, conv.bias!]) for (const v of t.dataSync()) assert.ok(Math.abs(v) <= bound);
    const x = tf.randn([2, 4, 7, 5]);
    const g: ref.ConvGeom = { stride: [2, 1], pad: [1, 1, 0, 0], dilation: [1, 1], groups: 2 };
    assertClose(conv.forward(x), ref.conv2d(toNd(x), toNd(conv.weight), toNd(conv.bias!), g), 1e-4, 1e-4);
    const same = new nn.Conv2d(3, 5, 3, { padding: 'same' });
    assert.deepStrictEqual(same.forward(tf.randn([1, 3, 9, 6])).shape, [1, 5, 9, 6]);
    assertThrows(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), RangeError, /Conv2d: inChannels \(3\) must be divisible by groups \(2\)/);
    assert.deepStrictEqual(new nn.Conv1d(2, 3, 3, { padding: 'same' }).forward(tf.randn([4, 2, 11])).shape, [4, 3, 11]);
    assert.deepStrictEqual(new nn.ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }).forward(tf.randn([2, 8, 7, 7])).shape, [2, 4, 14, 14]);
  });

  it('pooling modules', () => {
    const x = tf.randn([2, 3, 8, 6]);
    assert.deepStrictEqual(new nn.MaxPool2d(2).forward(x).toArray(), tf.maxPool2d(x, 2).toArray());
    assert.deepStrictEqual(new nn.AvgPool2d(3, { stride: 2, padding: 1 }).forward(x).toArray(), tf.avgPool2d(x, 3, { stride: 2, padding: 1 }).toArray());
    assert.deepStrictEqual(new nn.AdaptiveAvgPool2d(1).forward(x).shape, [2, 3, 1, 1]);
    assert.strictEqual(String(new nn.MaxPool2d(2)).split('\n')[0], 'MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)');
  });
});

describe('nn normalization modules', () => {
  it('BatchNorm2d: batch statistics and running-stat updates in training, running stats in eval', () => {
    tf.manualSeed(9);
    const bn = new nn.BatchNorm2d(3, { momentum: 0.2 });
    tf.noGrad(() => { bn.weight!.copy_(tf.tensor([1, 2, 0.5])); bn.bias!.copy_(tf.tensor([0, 1, -1])); });
    let rm = [0, 0, 0], rv = [1, 1, 1];
    for (let step = 0; step < 3; step++) {
      const x = tf.randn([4, 3, 5, 2], { mean: step, std: 2 });
      const want = ref.batchNorm(toNd(x), rm, rv, [1, 2, 0.5], [0, 1, -1], true, 0.2, 1e-5);
      assertClose(bn.forward(x), want.y, 1e-4, 1e-4, `train step ${step}`);
      rm = want.runningMean; rv = want.runningVar;
      assertClose(bn.running_mean!, { shape: [3], data: Float64Array.from(rm) }, 1e-5, 1e-6);
      assertClose(bn.runningVar!, { shape: [3], data: Float64Array.from(rv) }, 1e-5, 1e-6);
    }
    assert.strictEqual(bn.num_batches_tracked!.item(), 3);
    bn.eval();
    const x = tf.randn([2, 3, 4, 4]);
    assertClose(bn.forward(x), ref.batchNorm(toNd(x), rm, rv, [1, 2, 0.5], [0, 1, -1], false, 0.2, 1e-5).y, 1e-4, 1e-4, 'eval');
    assert.strictEqual(bn.num_batches_tracked!.item(), 3);
    assertThrows(() => bn.forward(tf.randn([2, 3, 4])), RangeError, /BatchNorm2d: expected 4D input \(got 3D input \[2, 3, 4\]\)/);
  });

  it('BatchNorm1d with momentum null keeps a cumulative average; without running stats it always uses the batch', () => {
    const bn = new nn.BatchNorm1d(2, { momentum: null });
    const xs = [tf.randn([6, 2]), tf.randn([6, 2], { mean: 3 }), tf.randn([6, 2], { mean: -1 })];
    const means = xs.map((x) => toNd(x.mean(0)).data);
    for (const x of xs) bn.forward(x);
    const avg = [0, 1].map((c) => means.reduce((s, m) => s + m[c], 0) / 3);
    assertClose(bn.running_mean!, { shape: [2], data: Float64Array.from(avg) }, 1e-5, 1e-6);
    const free = new nn.BatchNorm1d(2, { trackRunningStats: false }).eval();
    const x = tf.randn([5, 2, 3]);
    assertClose(free.forward(x), ref.batchNorm(toNd(x), null, null, [1, 1], [0, 0], true, 0.1, 1e-5).y, 1e-4, 1e-4);
  });

  it('LayerNorm forward vs reference and gradients', () => {
    const ln = new nn.LayerNorm(6, { eps: 1e-3 });
    tf.noGrad(() => { ln.weight!.copy_(tf.randn([6])); ln.bias!.copy_(tf.randn([6])); });
    const x = tf.randn([3, 4, 6]);
    assertClose(ln.forward(x), ref.layerNorm(toNd(x), 6, [...ln.weight!.dataSync()], [...ln.bias!.dataSync()], 1e-3), 1e-4, 1e-4);
    gradcheck((a) => ln.forward(a), [tf.randn([2, 6])]);
  });
});

describe('nn recurrent modules', () => {
  /** Multi-layer, bidirectional stack of the float64 reference layers. */
  function stackRef(mode: RnnRefMode, m: nn.Module<never[], unknown>, x: Nd, h0: Nd, c0: Nd | null, L: number, D: number): { out: Nd; hn: Nd[]; cn: Nd[] } {
    const sd = m.stateDict();
    let inp = x;
    const hn: Nd[] = [], cn: Nd[] = [];
    for (let l = 0; l < L; l++) {
      const outs: Nd[] = [];
      for (let d = 0; d < D; d++) {
        const s = `_l${l}${d ? '_reverse' : ''}`, k = l * D + d;
        const r = rnnLayerRef(mode, inp, slice0(h0, k), c0 ? slice0(c0, k) : null,
          { wIh: toNd(sd[`weight_ih${s}`]), wHh: toNd(sd[`weight_hh${s}`]), bIh: sd[`bias_ih${s}`] ? toNd(sd[`bias_ih${s}`]) : null, bHh: sd[`bias_hh${s}`] ? toNd(sd[`bias_hh${s}`]) : null }, d === 1);
        outs.push(r.output); hn.push(r.hn); if (r.cn) cn.push(r.cn);
      }
      if (D === 1) inp = outs[0];
      else {
        const [T, B, H] = outs[0].shape, data = new Float64Array(T * B * 2 * H);
        for (let i = 0; i < T * B; i++) for (let d = 0; d < 2; d++) data.set(outs[d].data.subarray(i * H, (i + 1) * H), i * 2 * H + d * H);
        inp = { shape: [T, B, 2 * H], data };
      }
    }
    return { out: inp, hn, cn };
  }
  const stacked = (list: Nd[]): Nd => ({ shape: [list.length, ...list[0].shape], data: Float64Array.from(list.flatMap((a) => [...a.data])) });

  for (const [name, mode] of [['LSTM', 'lstm'], ['GRU', 'gru'], ['RNN relu', 'rnnRelu']] as const) {
    it(`${name}: 2 layers, bidirectional, batchFirst, given initial state, vs a stack of reference layers`, () => {
      tf.manualSeed(10);
      const T = 5, B = 3, I = 4, H = 6, L = 2, D = 2;
      const opts = { numLayers: L, bidirectional: true, batchFirst: true };
      const m = mode === 'lstm' ? new nn.LSTM(I, H, opts) : mode === 'gru' ? new nn.GRU(I, H, opts) : new nn.RNN(I, H, { ...opts, nonlinearity: 'relu' });
      const bound = 1 / Math.sqrt(H);
      for (const p of m.parameters()) for (const v of p.dataSync()) assert.ok(Math.abs(v) <= bound);
      const xb = tf.randn([B, T, I]), h0 = tf.randn([L * D, B, H]), c0 = tf.randn([L * D, B, H]);
      const xs = permute(toNd(xb), [1, 0, 2]);  // [T, B, I] for the time-major reference
      const want = stackRef(mode, m as unknown as nn.Module<never[], unknown>, xs, toNd(h0), mode === 'lstm' ? toNd(c0) : null, L, D);
      let out: Tensor, hn: Tensor, cn: Tensor | null = null;
      if (m instanceof nn.LSTM) [out, [hn, cn]] = m.forward(xb, [h0, c0]);
      else [out, hn] = (m as nn.GRU).forward(xb, h0);
      assertClose(out, permute(want.out, [1, 0, 2]), 1e-4, 1e-5, `${name} output`);
      assertClose(hn, stacked(want.hn), 1e-4, 1e-5, `${name} hn`);
      if (cn) assertClose(cn, stacked(want.cn), 1e-4, 1e-5, `${name} cn`);
    });
  }

  it('unbatched input, zero default state, inter-layer dropout only in training, gradients', () => {
    tf.manualSeed(12);
    const gru = new nn.GRU(3, 4, { numLayers: 2, dropout: 0.5 });
    const x = tf.randn([6, 3]);
    gru.eval();
    const [o1, h1] = gru.forward(x);
    assert.deepStrictEqual(o1.shape, [6, 4]);
    assert.deepStrictEqual(h1.shape, [2, 4]);
    const [o2] = gru.forward(x.unsqueeze(1), tf.zeros([2, 1, 4]));
    assertClose(o2.squeeze(1), toNd(o1), 1e-6, 1e-7);
    assert.deepStrictEqual(gru.forward(x)[0].toArray(), o1.toArray());
    gru.train();
    assert.notDeepStrictEqual(gru.forward(x)[0].toArray(), o1.toArray());
    const lstm = new nn.LSTM(2, 3, { bidirectional: true });
    gradcheck((a) => lstm.forward(a)[0], [tf.randn([4, 2, 2])]);
    assertThrows(() => lstm.forward(tf.randn([4, 2, 5])), RangeError, /LSTM: input \[4, 2, 5\] must have inputSize 2/);
    assertThrows(() => lstm.forward(tf.randn([4, 2, 2]), [tf.zeros([1, 2, 3]), tf.zeros([2, 2, 3])]), RangeError, /expected h0 of shape \[2, 2, 3\]/);
  });
});

describe('nn Embedding, softmax and loss modules', () => {
  it('Embedding looks up rows; paddingIdx starts at zero and gets no gradient', () => {
    tf.manualSeed(13);
    const emb = new nn.Embedding(5, 3, { paddingIdx: 1 });
    assert.deepStrictEqual(emb.weight.slice(0, 1, 2).toArray(), [[0, 0, 0]]);
    const idx = tf.tensor([[0, 1], [4, 1]], { dtype: 'int32' });
    const out = emb.forward(idx);
    const w = emb.weight.toArray() as number[][];
    assert.deepStrictEqual(out.toArray(), [[w[0], w[1]], [w[4], w[1]]]);
    out.sum().backward();
    assert.deepStrictEqual(emb.weight.grad!.toArray(), [[1, 1, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 1, 1]]);
    assertThrows(() => new nn.Embedding(5, 3, { paddingIdx: 5 }), RangeError, /paddingIdx must be within numEmbeddings \(5\)/);
  });

  it('Softmax/LogSoftmax and the loss modules equal nn.functional', () => {
    const x = tf.randn([4, 5]), y = tf.tensor([0, 4, 2, 2], { dtype: 'int32' });
    assert.deepStrictEqual(new nn.Softmax(1).forward(x).toArray(), tf.nn.functional.softmax(x, 1).toArray());
    assert.deepStrictEqual(new nn.LogSoftmax().forward(x).toArray(), tf.nn.functional.logSoftmax(x, -1).toArray());
    const w = tf.tensor([1, 2, 1, 0.5, 1]);
    const F = tf.nn.functional;
    const same = (a: Tensor, b: Tensor): void => assert.deepStrictEqual(a.toArray(), b.toArray());
    same(new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }).forward(x, y), F.crossEntropy(x, y, { weight: w, labelSmoothing: 0.1 }));
    same(new nn.NLLLoss({ reduction: 'sum' }).forward(F.logSoftmax(x, 1), y), F.nllLoss(F.logSoftmax(x, 1), y, { reduction: 'sum' }));
    const p = tf.rand([4, 5]), t = tf.rand([4, 5]);
    same(new nn.MSELoss().forward(p, t), F.mseLoss(p, t));
    same(new nn.L1Loss({ reduction: 'none' }).forward(p, t), F.l1Loss(p, t, { reduction: 'none' }));
    same(new nn.HuberLoss({ delta: 0.3 }).forward(x, t), F.huberLoss(x, t, { delta: 0.3 }));
    same(new nn.BCELoss().forward(p, t), F.binaryCrossEntropy(p, t));
    const pw = tf.tensor([1, 2, 3, 4, 5]);
    same(new nn.BCEWithLogitsLoss({ posWeight: pw }).forward(x, t), F.binaryCrossEntropyWithLogits(x, t, { posWeight: pw }));
    assert.strictEqual(String(new nn.L1Loss({ reduction: 'sum' })).split('\n')[0], "L1Loss(reduction='sum')");
  });
});

describe('nn layers with io.saveModel / io.loadModel', () => {
  it('every built-in layer round-trips its architecture through the layer registry', () => {
    const { io } = tf;
    const layers: nn.AnyModule[] = [
      new nn.Linear(3, 2, { bias: false }), new nn.Identity(), new nn.Flatten(0, 1), new nn.Dropout(0.3),
      new nn.ReLU(), new nn.LeakyReLU(0.2), new nn.ELU(0.5), new nn.GELU('tanh'), new nn.SiLU(), new nn.Sigmoid(),
      new nn.Tanh(), new nn.Softplus(2, 10), new nn.Softmax(0), new nn.LogSoftmax(1),
      new nn.Embedding(5, 3, { paddingIdx: 2 }), new nn.Conv1d(2, 4, 3, { padding: 'same', dilation: 2 }),
      new nn.Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 0], groups: 2, bias: false }),
      new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }),
      new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), new nn.AvgPool2d(2, { countIncludePad: false }),
      new nn.AdaptiveAvgPool2d([2, null]), new nn.BatchNorm1d(3, { momentum: null, affine: false }),
      new nn.BatchNorm2d(4, { eps: 1e-3 }), new nn.LayerNorm([2, 3], { bias: false }),
      new nn.RNN(3, 4, { nonlinearity: 'relu', numLayers: 2 }), new nn.LSTM(3, 4, { bidirectional: true, batchFirst: true }),
      new nn.GRU(3, 4, { bias: false, dropout: 0.1, numLayers: 2 }),
      new nn.CrossEntropyLoss({ weight: tf.ones([3]), labelSmoothing: 0.1, ignoreIndex: 0 }), new nn.NLLLoss({ reduction: 'sum' }),
      new nn.MSELoss({ reduction: 'none' }), new nn.L1Loss(), new nn.HuberLoss({ delta: 0.5 }), new nn.BCELoss(),
      new nn.BCEWithLogitsLoss({ posWeight: tf.ones([2]) }),
      new nn.Sequential({ enc: new nn.Linear(2, 2), act: new nn.Tanh() }), new nn.ModuleList([new nn.ReLU(), new nn.Linear(1, 1)]),
      new nn.ModuleDict({ a: new nn.Linear(1, 2) }),
    ];
    for (const m of layers) {
      const json = io.layerToJSON(m);
      assert.strictEqual(json.className, m.constructor.name);
      const back = io.layerFromJSON(JSON.parse(JSON.stringify(json))) as nn.AnyModule;
      assert.strictEqual(back.constructor, m.constructor);
      assert.deepStrictEqual(back.getConfig(), m.getConfig(), m.constructor.name);
      assert.strictEqual(String(back), String(m));
      assert.deepStrictEqual(shapes(back as nn.Module<never[], unknown>), shapes(m as nn.Module<never[], unknown>));
    }
    class Custom extends nn.Module {}
    assertThrows(() => io.saveModel(new Custom(), path.join(os.tmpdir(), 'never')), TypeError, /Custom is not registered/);
  });

  it('a trained CNN saved with saveModel loads with the same weights, running stats and outputs', () => {
    tf.manualSeed(21);
    const model = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(),
      new nn.MaxPool2d(2), new nn.Flatten(), new nn.Dropout(0.1), new nn.Linear(4 * 4 * 4, 3));
    const opt = new tf.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        opt.zeroGrad();
        tf.nn.functional.crossEntropy(model.forward(tf.randn([6, 1, 8, 8])), tf.randint(0, 3, [6])).backward();
        opt.step();
      });
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-nn-'));
    try {
      tf.io.saveModel(model, dir);
      const back = tf.io.loadModel<nn.Sequential>(dir);
      const a = model.stateDict(), b = back.stateDict();
      assert.deepStrictEqual(Object.keys(b), Object.keys(a));
      for (const k of Object.keys(a)) {
        assert.strictEqual(b[k].dtype, a[k].dtype, k);
        assert.deepStrictEqual(b[k].dataSync(), a[k].dataSync(), k);
      }
      assert.strictEqual(b['1.num_batches_tracked'].item(), 3);
      model.eval(); back.eval();
      const x = tf.randn([2, 1, 8, 8]);
      assert.deepStrictEqual(back.forward(x).dataSync(), model.forward(x).dataSync());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
