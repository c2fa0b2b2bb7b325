/** ONNX export: every built-in layer and several whole models run in onnxruntime-node and
 * match our forward at batch sizes 1 and 7 from one file (symbolic batch), at every opset
 * whose emitted ops differ; the file's structure read back; bad models and options. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as Ort from 'onnxruntime-node';
import { tf, assertThrows, requireOrSkip } from './helpers';
import { nn, type Tensor } from '../lib';
import type { OnnxInputSpec, OnnxValue } from '../lib/io';

const { io } = tf;

let ort: typeof Ort | null = null;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ort = require('onnxruntime-node') as typeof Ort;
} catch { /* reported by requireOrSkip */ }

type Factory = () => nn.Module<never[], unknown>;
interface Case {
  note: string;
  make: Factory;
  /** Input shape with -1 for the batch dim. */
  shape: number[];
  dtype?: 'float32' | 'int32';
  /** Opsets to check (default [17, 21]). */
  opsets?: number[];
}

const RTOL = 1e-5, ATOL = 1e-5;

/** Random inputs for a shape with the batch dim (-1) set to n (unbatched shapes have none). */
function inputFor(c: Case, n: number): Tensor {
  const shape = c.shape.map((d) => (d === -1 ? n : d));
  return c.dtype === 'int32' ? tf.randint(0, 10, shape) : tf.randn(shape);
}

/** Our forward's outputs, flattened to a list ([out, [hn, cn]] -> [out, hn, cn]). */
function flatOut(y: unknown): Tensor[] {
  return Array.isArray(y) ? y.flatMap(flatOut) : [y as Tensor];
}

function assertMatch(got: Float32Array, want: Float32Array, what: string): void {
  assert.strictEqual(got.length, want.length, `${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const tol = ATOL + RTOL * Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${what}: element ${i}: onnxruntime ${got[i]}, ours ${want[i]} (tolerance ${tol})`);
  }
}

/** Exports once per opset, then runs batch 1 and 7 through onnxruntime and our model. */
async function check(dir: string, c: Case): Promise<void> {
  const model = c.make();
  const ours = (x: Tensor): Tensor[] => { model.eval(); const y = flatOut((model as nn.Module<[Tensor], unknown>).forward(x)); return y; };
  for (const opset of c.opsets ?? [17, 21]) {
    const file = path.join(dir, `${c.note.replace(/[^a-z0-9]+/gi, '_')}.${opset}.onnx`);
    const info = io.exportOnnx(model as nn.Module, file, { inputs: [{ name: 'x', shape: c.shape, dtype: c.dtype }], opset });
    const session = await ort!.InferenceSession.create(file);
    for (const n of [1, 7]) {
      const x = inputFor(c, n), want = ours(x);
      const feed = new ort!.Tensor(c.dtype ?? 'float32', x.dataSync() as Float32Array, x.shape);
      const got = await session.run({ x: feed });
      assert.strictEqual(info.outputs.length, want.length, `${c.note}: output count`);
      info.outputs.forEach((o, i) => {
        const what = `${c.note} (opset ${opset}, batch ${n}, output ${o.name})`;
        assert.deepStrictEqual([...got[o.name].dims], want[i].shape, `${what}: shape`);
        assertMatch(got[o.name].data as Float32Array, want[i].dataSync() as Float32Array, what);
      });
    }
    await session.release();
  }
}

/** Sets every parameter and buffer to fresh random values (running variances positive). */
function randomize<M extends nn.Module<never[], unknown>>(m: M): M {
  tf.noGrad(() => {
    for (const [k, t] of Object.entries(m.stateDict())) {
      if (t.dtype !== 'float32') continue;
      t.copy_(k.endsWith('running_var') ? tf.rand(t.shape).add(0.5) : tf.randn(t.shape).mul(0.5));
    }
  });
  return m;
}

const ALL = [17, 18, 19, 20, 21];
const r = randomize;
const LAYERS: Case[] = [
  { note: 'Linear', make: () => new nn.Linear(5, 4), shape: [-1, 5] },
  { note: 'Linear 3-D input, no bias', make: () => new nn.Linear(5, 4, false), shape: [-1, 3, 5] },
  { note: 'Conv1d same, dilated', make: () => new nn.Conv1d(3, 4, 3, { padding: 'same', dilation: 2 }), shape: [-1, 3, 10] },
  { note: 'Conv1d stride 2, groups', make: () => new nn.Conv1d(4, 6, 4, { stride: 2, padding: 1, groups: 2 }), shape: [-1, 4, 11] },
  { note: 'Conv2d stride, groups', make: () => new nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2 }), shape: [-1, 4, 9, 8] },
  { note: 'Conv2d same, even kernel, no bias', make: () => new nn.Conv2d(3, 5, [2, 3], { padding: 'same', bias: false }), shape: [-1, 3, 6, 7] },
  { note: 'ConvTranspose2d', make: () => new nn.ConvTranspose2d(4, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }), shape: [-1, 4, 5, 4] },
  { note: 'ConvTranspose2d groups, dilation', make: () => new nn.ConvTranspose2d(4, 6, 2, { groups: 2, dilation: 2, bias: false }), shape: [-1, 4, 3, 3] },
  { note: 'Conv2d unbatched', make: () => new nn.Conv2d(3, 4, 3, { padding: 1 }), shape: [3, 6, 5] },
  { note: 'Conv1d unbatched', make: () => new nn.Conv1d(2, 3, 3), shape: [2, 8] },
  { note: 'ConvTranspose2d unbatched', make: () => new nn.ConvTranspose2d(2, 3, 3, { stride: 2 }), shape: [2, 4, 3] },
  { note: 'MaxPool2d unbatched', make: () => new nn.MaxPool2d(2, { ceilMode: true }), shape: [3, 5, 5] },
  { note: 'AvgPool2d unbatched, ceilMode, padding', make: () => new nn.AvgPool2d(2, { stride: 2, padding: 1, ceilMode: true }), shape: [3, 5, 6] },
  { note: 'AdaptiveAvgPool2d unbatched', make: () => new nn.AdaptiveAvgPool2d([2, 1]), shape: [3, 4, 5] },
  { note: 'MaxPool2d', make: () => new nn.MaxPool2d(3, { stride: 2, padding: 1 }), shape: [-1, 3, 9, 8] },
  { note: 'MaxPool2d ceilMode, dilation', make: () => new nn.MaxPool2d(2, { ceilMode: true, dilation: [1, 2] }), shape: [-1, 2, 7, 9] },
  { note: 'MaxPool2d ceilMode, padding (last window dropped)', make: () => new nn.MaxPool2d(2, { stride: 2, padding: 1, ceilMode: true }), shape: [-1, 2, 5, 6] },
  { note: 'AvgPool2d ceilMode, padding (last window dropped)', make: () => new nn.AvgPool2d(2, { stride: 2, padding: 1, ceilMode: true }), shape: [-1, 2, 5, 6] },
  { note: 'AvgPool2d padding counted', make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1 }), shape: [-1, 3, 9, 8] },
  { note: 'AvgPool2d padding not counted, ceilMode', make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }), shape: [-1, 2, 8, 7] },
  { note: 'AvgPool2d divisorOverride', make: () => new nn.AvgPool2d(2, { padding: 1, divisorOverride: 3 }), shape: [-1, 2, 5, 5] },
  { note: 'AvgPool2d divisorOverride, ceilMode', make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, divisorOverride: 5 }), shape: [-1, 2, 6, 7] },
  { note: 'AvgPool2d ceilMode, padding not counted', make: () => new nn.AvgPool2d(2, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), shape: [-1, 2, 5, 6] },
  { note: 'AdaptiveAvgPool2d to 1', make: () => new nn.AdaptiveAvgPool2d(1), shape: [-1, 3, 5, 7] },
  { note: 'AdaptiveAvgPool2d to [2, null]', make: () => new nn.AdaptiveAvgPool2d([2, null]), shape: [-1, 3, 4, 9] },
  { note: 'BatchNorm1d [N, C]', make: () => r(new nn.BatchNorm1d(6)), shape: [-1, 6] },
  { note: 'BatchNorm1d [N, C, L]', make: () => r(new nn.BatchNorm1d(6, { eps: 1e-3 })), shape: [-1, 6, 5] },
  { note: 'BatchNorm2d', make: () => r(new nn.BatchNorm2d(3)), shape: [-1, 3, 4, 5] },
  { note: 'BatchNorm2d no affine', make: () => r(new nn.BatchNorm2d(3, { affine: false })), shape: [-1, 3, 4, 5] },
  { note: 'BatchNorm2d batch statistics', make: () => r(new nn.BatchNorm2d(3, { trackRunningStats: false })), shape: [-1, 3, 4, 5], opsets: ALL },
  { note: 'LayerNorm', make: () => r(new nn.LayerNorm(5)), shape: [-1, 3, 5] },
  { note: 'LayerNorm 2 dims, no bias', make: () => r(new nn.LayerNorm([3, 5], { bias: false, eps: 1e-3 })), shape: [-1, 3, 5] },
  { note: 'LayerNorm no affine', make: () => new nn.LayerNorm([5], { elementwiseAffine: false }), shape: [-1, 5] },
  { note: 'GroupNorm', make: () => r(new nn.GroupNorm(2, 6)), shape: [-1, 6, 4, 3], opsets: ALL },
  { note: 'GroupNorm no affine, 3-D', make: () => new nn.GroupNorm(3, 6, { affine: false, eps: 1e-3 }), shape: [-1, 6, 5], opsets: ALL },
  { note: 'Upsample nearest x2', make: () => new nn.Upsample({ scaleFactor: 2 }), shape: [-1, 2, 3, 4], opsets: ALL },
  { note: 'Upsample nearest to a size', make: () => new nn.Upsample({ size: [7, 5] }), shape: [-1, 2, 3, 4], opsets: ALL },
  { note: 'Upsample bilinear x1.5', make: () => new nn.Upsample({ scaleFactor: [1.5, 2], mode: 'bilinear' }), shape: [-1, 2, 4, 3], opsets: ALL },
  { note: 'Upsample bilinear alignCorners to a size', make: () => new nn.Upsample({ size: [5, 8], mode: 'bilinear', alignCorners: true }), shape: [-1, 2, 3, 4] },
  { note: 'Upsample bilinear recomputed scale', make: () => new nn.Upsample({ scaleFactor: 1.7, mode: 'bilinear', recomputeScaleFactor: true }), shape: [-1, 1, 5, 4] },
  { note: 'Dropout (training mode) is the identity', make: () => new nn.Dropout(0.4).train(), shape: [-1, 6] },
  { note: 'Identity', make: () => new nn.Identity(), shape: [-1, 3, 2] },
  { note: 'Embedding', make: () => new nn.Embedding(10, 4), shape: [-1, 5], dtype: 'int32' },
  { note: 'Flatten', make: () => new nn.Flatten(), shape: [-1, 2, 3, 4] },
  { note: 'Flatten inner dims', make: () => new nn.Flatten(2, 3), shape: [-1, 2, 3, 4] },
  { note: 'Flatten with the batch', make: () => new nn.Flatten(0, 1), shape: [-1, 2, 3] },
  { note: 'ReLU', make: () => new nn.ReLU(), shape: [-1, 3, 4] },
  { note: 'LeakyReLU', make: () => new nn.LeakyReLU(0.2), shape: [-1, 3, 4] },
  { note: 'ELU', make: () => new nn.ELU(0.5), shape: [-1, 3, 4] },
  { note: 'GELU', make: () => new nn.GELU(), shape: [-1, 3, 4], opsets: ALL },
  { note: 'GELU tanh', make: () => new nn.GELU('tanh'), shape: [-1, 3, 4], opsets: ALL },
  { note: 'SiLU', make: () => new nn.SiLU(), shape: [-1, 3, 4] },
  { note: 'Sigmoid', make: () => new nn.Sigmoid(), shape: [-1, 3, 4] },
  { note: 'Tanh', make: () => new nn.Tanh(), shape: [-1, 3, 4] },
  { note: 'Softplus', make: () => new nn.Softplus(), shape: [-1, 3, 4] },
  { note: 'Softplus beta, threshold', make: () => new nn.Softplus(2, 1), shape: [-1, 3, 4] },
  { note: 'Softmax', make: () => new nn.Softmax(1), shape: [-1, 3, 4] },
  { note: 'LogSoftmax', make: () => new nn.LogSoftmax(-1), shape: [-1, 3, 4] },
  { note: 'RNN tanh', make: () => new nn.RNN(3, 4), shape: [5, -1, 3] },
  { note: 'RNN relu, 2 layers, bidirectional, batchFirst', make: () => new nn.RNN(3, 4, { numLayers: 2, nonlinearity: 'relu', bidirectional: true, batchFirst: true }), shape: [-1, 5, 3] },
  { note: 'LSTM', make: () => new nn.LSTM(3, 4), shape: [6, -1, 3] },
  { note: 'LSTM 2 layers, bidirectional, batchFirst', make: () => new nn.LSTM(3, 5, { numLayers: 2, bidirectional: true, batchFirst: true }), shape: [-1, 6, 3] },
  { note: 'GRU', make: () => new nn.GRU(3, 4), shape: [6, -1, 3] },
  { note: 'GRU 3 layers, bidirectional, no bias', make: () => new nn.GRU(4, 3, { numLayers: 3, bidirectional: true, bias: false }), shape: [5, -1, 4] },
  { note: 'GRU batchFirst, 2 layers', make: () => new nn.GRU(3, 4, { numLayers: 2, batchFirst: true }), shape: [-1, 5, 3] },
];

/** Classifier over the last step of a 2-layer bidirectional LSTM: x [B, T, I] -> logits [B, K]. */
class LstmClassifier extends nn.Module {
  lstm = new nn.LSTM(6, 8, { numLayers: 2, bidirectional: true, batchFirst: true });
  head = new nn.Sequential(new nn.Dropout(0.1), new nn.Linear(16, 4), new nn.LogSoftmax(-1));
  override forward(x: Tensor): Tensor {
    const [out] = this.lstm.forward(x);
    const T = out.shape[1];
    return this.head.forward(out.slice(1, T - 1, T).squeeze(1));
  }
}
io.registerOnnxConverter(LstmClassifier, (g, m, [x]) => {
  const [out] = g.call(m.lstm, x) as OnnxValue[];  // [B, T, 16]
  const last = g.op('Gather', [out, g.int64s('last_step', [-1], [])], [out.shape[0], out.shape[2]], { axis: 1 });
  return g.call(m.head, last);
});

/** GRU regressor: the final hidden state of a GRU through a small MLP: x [T, B, I] -> [B, 1]. */
class GruRegressor extends nn.Module {
  gru = new nn.GRU(5, 7);
  mlp = new nn.ModuleList([new nn.Linear(7, 7), new nn.Tanh(), new nn.Linear(7, 1)]);
  override forward(x: Tensor): Tensor {
    const [, hn] = this.gru.forward(x);
    let y = hn.squeeze(0);
    for (const m of this.mlp) y = (m as nn.Module).forward(y);
    return y;
  }
}
io.registerOnnxConverter(GruRegressor, (g, m, [x]) => {
  const [, hn] = g.call(m.gru, x) as OnnxValue[];  // [1, B, 7]
  let y = g.op('Squeeze', [hn, g.int64s('axis0', [0])], hn.shape.slice(1));
  for (const layer of m.mlp) y = g.call1(layer, y);
  return y;
});

const MODELS: Case[] = [
  { note: 'MLP', make: () => new nn.Sequential(new nn.Linear(10, 32), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(32, 16), new nn.GELU(), new nn.Linear(16, 3)), shape: [-1, 10] },
  {
    note: 'CNN with BatchNorm',
    make: () => r(new nn.Sequential(
      new nn.Conv2d(1, 6, 3, { padding: 1 }), new nn.BatchNorm2d(6), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Sequential({ conv: new nn.Conv2d(6, 8, 3, { stride: 2, bias: false }), bn: new nn.BatchNorm2d(8), act: new nn.SiLU() }),
      new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(8, 5), new nn.Softmax(-1))),
    shape: [-1, 1, 12, 12],
  },
  { note: '2-layer bidirectional LSTM classifier', make: () => new LstmClassifier(), shape: [-1, 7, 6] },
  { note: 'GRU regressor', make: () => new GruRegressor(), shape: [9, -1, 5] },
];

describe('75 onnx export', function () {
  let dir: string;
  before(function () {
    requireOrSkip(this, ort !== null, 'onnxruntime-node is not installed');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-onnx-'));
  });
  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  describe('every layer matches onnxruntime (batch 1 and 7, one file)', () => {
    for (const c of LAYERS) it(`${c.note} (opsets ${(c.opsets ?? [17, 21]).join(', ')})`, async () => { await check(dir, c); });
  });

  describe('whole models match onnxruntime', () => {
    for (const c of MODELS) it(c.note, async () => { await check(dir, { ...c, opsets: ALL }); });
  });

  it('writes the declared structure: opset, IR version, symbolic batch, raw little-endian weights, named outputs', () => {
    const fc = new nn.Linear(3, 2), file = path.join(dir, 'fc.onnx');
    io.exportOnnx(new nn.Sequential(fc, new nn.Tanh()), file, { inputs: [{ name: 'features', shape: [null, 3] }], outputs: [{ name: 'y' }], opset: 19 });
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file is left');
    const m = io.decodeOnnxModel(fs.readFileSync(file)) as {
      irVersion: number; opsetImport: { version: number }[];
      graph: { node: { opType: string }[]; input: unknown[]; output: { name: string }[]; initializer: { name: string; dims: number[]; dataType: number; rawData: Buffer }[] };
    };
    assert.strictEqual(m.irVersion, 9);
    assert.deepStrictEqual(m.opsetImport.map((o) => o.version), [19]);
    assert.deepStrictEqual(m.graph.node.map((n) => n.opType), ['Gemm', 'Tanh']);
    assert.deepStrictEqual(m.graph.input, [{ name: 'features', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 3 }] } } } }]);
    assert.deepStrictEqual(m.graph.output.map((o) => o.name), ['y']);
    const w = m.graph.initializer.find((i) => i.name === '0.weight')!;
    assert.deepStrictEqual([w.dims, w.dataType], [[2, 3], 1]);
    const want = fc.weight.dataSync() as Float32Array;
    assert.deepStrictEqual(Array.from({ length: 6 }, (_, i) => w.rawData.readFloatLE(4 * i)), Array.from(want));
    // A failed export leaves the file as it was.
    const before = fs.readFileSync(file);
    assert.throws(() => io.exportOnnx(new nn.Linear(5, 2), file, { inputs: [{ name: 'x', shape: [null, 3] }] }), RangeError);
    assert.ok(fs.readFileSync(file).equals(before));

  });

  it('a symbolic sequence length besides the batch: one LSTM file runs at several lengths', async () => {
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true }), file = path.join(dir, 'lstm_seq.onnx');
    const info = io.exportOnnx(lstm, file, { inputs: [{ name: 'x', shape: [null, null, 3] }] });
    assert.deepStrictEqual(info.outputs.map((o) => o.shape), [['batch', 'x_dim1', 8], [4, 'batch', 4], [4, 'batch', 4]]);
    const session = await ort!.InferenceSession.create(file);
    for (const T of [1, 9]) {
      const x = tf.randn([3, T, 3]), want = flatOut(lstm.forward(x));
      const got = await session.run({ x: new ort!.Tensor('float32', x.dataSync() as Float32Array, x.shape) });
      info.outputs.forEach((o, i) => assertMatch(got[o.name].data as Float32Array, want[i].dataSync() as Float32Array, `T=${T} ${o.name}`));
    }
    await session.release();
  });

  it('initial states as graph inputs: a 2-layer bidirectional LSTM with h0 and c0, a GRU with h0', async () => {
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true }), gru = new nn.GRU(3, 5, { numLayers: 2 });
    type StateCase = [nn.Module<never[], unknown>, OnnxInputSpec[], (n: number) => Tensor[], (t: Tensor[]) => Tensor[]];
    const cases: StateCase[] = [
      [lstm as nn.Module<never[], unknown>, [{ name: 'x', shape: [null, 6, 3] }, { name: 'h0', shape: [4, null, 4] }, { name: 'c0', shape: [4, null, 4] }],
        (n) => [tf.randn([n, 6, 3]), tf.randn([4, n, 4]), tf.randn([4, n, 4])], ([x, h, c]) => flatOut(lstm.forward(x, [h, c]))],
      [gru as nn.Module<never[], unknown>, [{ name: 'x', shape: [6, null, 3] }, { name: 'h0', shape: [2, null, 5] }],
        (n) => [tf.randn([6, n, 3]), tf.randn([2, n, 5])], ([x, h]) => flatOut(gru.forward(x, h))],
    ];
    for (const [model, inputs, draw, ours] of cases) {
      const file = path.join(dir, `${model.constructor.name}_states.onnx`), names = inputs.map((i) => i.name);
      const info = io.exportOnnx(model as nn.Module, file, { inputs });
      const session = await ort!.InferenceSession.create(file);
      for (const n of [1, 7]) {
        const xs = draw(n), want = ours(xs);
        const feeds = Object.fromEntries(names.map((k, i) => [k, new ort!.Tensor('float32', xs[i].dataSync() as Float32Array, xs[i].shape)]));
        const got = await session.run(feeds);
        info.outputs.forEach((o, i) => assertMatch(got[o.name].data as Float32Array, want[i].dataSync() as Float32Array, `${model.constructor.name} batch ${n} ${o.name}`));
      }
      await session.release();
    }
    assertThrows(() => io.toOnnx(gru, { inputs: [{ name: 'x', shape: [6, null, 3] }, { name: 'h0', shape: [1, null, 5] }] }), RangeError,
      /GRU/, /expected h0 of shape \[2, batch, 5\]/, /'h0' \[1, batch, 5\]/);
    assertThrows(() => io.toOnnx(gru, { inputs: [{ name: 'x', shape: [6, null, 3] }, { name: 'h0', shape: [2, null, 5] }, { name: 'c0', shape: [2, null, 5] }] }),
      RangeError, /optionally h0, got 3 inputs/);
  });

  it('an output that is the input itself, or one value under two names, runs (through Identity)', async () => {
    class Tee extends nn.Module<[Tensor], Tensor[]> {
      override forward(x: Tensor): Tensor[] { const y = x.relu(); return [x, y, y]; }
    }
    io.registerOnnxConverter(Tee, (g, m, [x]) => { const y = g.op('Relu', [x], x.shape); return [x, y, y]; });
    const file = path.join(dir, 'tee.onnx');
    io.exportOnnx(new Tee(), file, { inputs: [{ name: 'x', shape: [null, 3] }], outputs: [{ name: 'same' }, { name: 'a' }, { name: 'b' }] });
    const x = tf.randn([2, 3]), session = await ort!.InferenceSession.create(file);
    const got = await session.run({ x: new ort!.Tensor('float32', x.dataSync() as Float32Array, [2, 3]) });
    const want = new Tee().forward(x).map((t) => Array.from(t.dataSync()));
    assert.deepStrictEqual(['same', 'a', 'b'].map((k) => Array.from(got[k].data as Float32Array)), want);
    await session.release();
  });

  it('emits the ops each opset has: ReduceMean axes, GroupNormalization 18 (per group) and 21 (per channel), Gelu from 20', () => {
    const model = new nn.Sequential(new nn.GroupNorm(2, 4), new nn.GELU());
    const ops = (opset: number): { op: string; inputs: string[]; attrs: string[] }[] => {
      const m = io.decodeOnnxModel(io.toOnnx(model, { inputs: [{ name: 'x', shape: [-1, 4, 3] }], opset }).bytes) as {
        graph: { node: { opType: string; input: string[]; attribute?: { name: string }[] }[] };
      };
      return m.graph.node.map((n) => ({ op: n.opType, inputs: n.input, attrs: (n.attribute ?? []).map((a) => a.name) }));
    };
    const o17 = ops(17), o18 = ops(18), o20 = ops(20), o21 = ops(21);
    assert.ok(!o17.some((n) => n.op === 'GroupNormalization' || n.op === 'Gelu'));
    assert.ok(o17.filter((n) => n.op === 'ReduceMean').every((n) => n.inputs.length === 1 && n.attrs.includes('axes')));
    assert.ok(o17.some((n) => n.op === 'Erf'));
    const gn18 = o18.find((n) => n.op === 'GroupNormalization')!;
    assert.deepStrictEqual(gn18.inputs.slice(1), ['0.ones', '0.zeros'], 'opset 18 normalises with unit per-group scale');
    assert.ok(o18.some((n) => n.op === 'Mul' && n.inputs.includes('0.weight')), 'then applies the per-channel weight');
    assert.ok(!o18.some((n) => n.op === 'Gelu') && o20.some((n) => n.op === 'Gelu'));
    assert.deepStrictEqual(o21.find((n) => n.op === 'GroupNormalization')!.inputs.slice(1), ['0.weight', '0.bias']);
    const bn = io.decodeOnnxModel(io.toOnnx(new nn.BatchNorm1d(3, { trackRunningStats: false }), { inputs: [{ name: 'x', shape: [-1, 3] }], opset: 18 }).bytes) as {
      graph: { node: { opType: string; input: string[]; attribute?: { name: string }[] }[] };
    };
    const means = bn.graph.node.filter((n) => n.opType === 'ReduceMean');
    assert.strictEqual(means.length, 2);
    assert.ok(means.every((n) => n.input.length === 2 && !n.attribute?.some((a) => a.name === 'axes')), 'opset 18 ReduceMean takes axes as an input');
  });

  it('a module type it does not know is an error naming its path and type; so is a subclass of a known layer', () => {
    class Mystery extends nn.Module { override forward(x: Tensor): Tensor { return x.mul(2); } }
    const model = new nn.Sequential(new nn.Linear(4, 4), new nn.Sequential(new nn.ReLU(), new Mystery()));
    assertThrows(() => io.toOnnx(model, { inputs: [{ name: 'x', shape: [-1, 4] }] }), TypeError, /exportOnnx/, /'1\.1'/, /Mystery/, /registerOnnxConverter/);
    class MyLinear extends nn.Linear { override forward(x: Tensor): Tensor { return super.forward(x).relu(); } }
    assertThrows(() => io.toOnnx(new MyLinear(4, 2), { inputs: [{ name: 'x', shape: [-1, 4] }] }), TypeError, /'\(root\)'/, /MyLinear/);
    assertThrows(() => io.toOnnx(new nn.ModuleList([new nn.ReLU()]), { inputs: [{ name: 'x', shape: [1] }] }), RangeError, /ModuleList/, /no forward/);
    class Loop extends nn.Module { stranger = new nn.ReLU(); }
    const stranger = new nn.Tanh();
    io.registerOnnxConverter(Loop, (g, m, [x]) => g.call(x.shape.length === 2 ? m : stranger, x));
    assertThrows(() => io.toOnnx(new Loop(), { inputs: [{ name: 'x', shape: [-1, 4] }] }), RangeError, /'\(root\)' \(Loop\)/, /itself/);
    assertThrows(() => io.toOnnx(new nn.Sequential(new Loop()), { inputs: [{ name: 'x', shape: [4] }] }), RangeError, /'0' \(Loop\)/, /Tanh that is not one of its submodules/);
  });

  it('wrong input ranks and sizes are errors naming the module, input and shape', () => {
    const cnn = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.Flatten(), new nn.Linear(4 * 6 * 6, 2));
    assertThrows(() => io.toOnnx(cnn, { inputs: [{ name: 'img', shape: [-1, 8] }] }), RangeError, /module '0' \(Conv2d\)/, /3 or 4-D/, /'img' \[batch, 8\]/);
    assertThrows(() => io.toOnnx(cnn, { inputs: [{ name: 'img', shape: [-1, 2, 8, 8] }] }), RangeError, /inChannels = 3/, /got 2/);
    assertThrows(() => io.toOnnx(cnn, { inputs: [{ name: 'img', shape: [-1, 3, 9, 9] }] }), RangeError, /module '2' \(Linear\)/, /inFeatures = 144/, /got 196/);
    assertThrows(() => io.toOnnx(new nn.LSTM(3, 4), { inputs: [{ name: 's', shape: [5, 3] }] }), RangeError, /LSTM/, /3-D/);
    assertThrows(() => io.toOnnx(new nn.Embedding(5, 2), { inputs: [{ name: 'ids', shape: [-1, 3] }] }), RangeError, /int32/);
    assertThrows(() => io.toOnnx(new nn.AdaptiveAvgPool2d(3), { inputs: [{ name: 'x', shape: [-1, 2, 5, 5] }] }), RangeError, /uneven/);
    assertThrows(() => io.toOnnx(new nn.Softmax(2), { inputs: [{ name: 'x', shape: [-1, 5] }] }), RangeError, /Softmax/, /dim 2 is out of range/);
    assertThrows(() => io.toOnnx(new nn.Conv1d(2, 2, 3), { inputs: [{ name: 'x', shape: [-1, 2, null] }] }), RangeError, /must have a fixed size/);
  });

  it('unsupported opsets and malformed options are errors', () => {
    const m = new nn.Linear(2, 2), inputs = [{ name: 'x', shape: [-1, 2] }];
    for (const opset of [16, 22, 17.5]) assertThrows(() => io.toOnnx(m, { inputs, opset }), RangeError, /exportOnnx/, /opset must be one of 17, 18, 19, 20, 21/);
    assertThrows(() => io.toOnnx(m, { inputs: [] }), TypeError, /inputs must be a non-empty array/);
    assertThrows(() => io.toOnnx(m, { inputs: [{ name: 'x', shape: [-2, 2] }] }), TypeError, /shape must hold sizes/);
    assertThrows(() => io.toOnnx(m, { inputs, outputs: [{ name: 'a' }, { name: 'b' }] }), RangeError, /gives 1 output\(s\), but 2/);
    assertThrows(() => io.toOnnx(new nn.LSTM(2, 2), { inputs: [{ name: 'x', shape: [3, -1, 2] }], outputs: [{ name: 'x' }, { name: 'h' }, { name: 'c' }] }), TypeError, /"x" is already used/);
    assertThrows(() => io.exportOnnx(m, '', { inputs }), TypeError, /path must be a non-empty string/);
  });
});
