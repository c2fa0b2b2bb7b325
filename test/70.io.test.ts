/** safetensors save/load: bit-exact round trips, every reader dtype (a PyTorch-written
 * fixture), an independent Python reader, malformed files, atomic writes; saveModel /
 * loadModel through the layer registry. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { tf, assertClose, assertThrows, requireOrSkip } from './helpers';
import type { Tensor } from '../lib';

const { io } = tf;
const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures');

function header(obj: unknown, pad = true): Buffer {
  let json = JSON.stringify(obj);
  if (pad) json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, Buffer.from(json)]);
}

/** Length prefix + padded header from raw JSON text (for keys JSON.stringify cannot produce). */
function rawHeader(json: string): Buffer {
  const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(padded.length));
  return Buffer.concat([len, Buffer.from(padded)]);
}

function bits(t: Tensor): number[] {
  const d = t.dataSync();
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
}

describe('70 io', () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-io-')); });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('round-trips every dtype bit-exactly, with metadata and the spec layout', () => {
    const f = tf.tensor(Float32Array.from([0, -0, 1.5, NaN, Infinity, -Infinity, 1e-45, 3.4028235e38]), { shape: [2, 4] });
    const sd: Record<string, Tensor> = {
      'layer.weight': f, 'layer.bias': tf.randn([3]), 'scalar': tf.tensor(7.25).reshape([]),
      'idx': tf.tensor(Int32Array.from([-(2 ** 31), 0, 2 ** 31 - 1]), { dtype: 'int32' }),
      'img': tf.tensor(Uint8Array.from([0, 1, 255]), { dtype: 'uint8' }), 'mask': tf.tensor([true, false, true]),
      'empty': tf.zeros([0, 5]), 'view': tf.arange(0, 6).to('float32').reshape([2, 3]).transpose(),
    };
    const file = path.join(dir, 'rt.safetensors');
    io.save(sd, file, { epoch: '3', note: 'héllo' });
    const raw = fs.readFileSync(file);
    const n = Number(raw.readBigUInt64LE(0));
    assert.strictEqual((8 + n) % 8, 0, 'data must start 8-byte aligned');
    assert.match(raw.subarray(8, 8 + n).toString(), /^\{.*\} *$/);
    const { tensors, metadata } = io.loadWithMetadata(file);
    assert.deepStrictEqual(metadata, { epoch: '3', note: 'héllo' });
    assert.deepStrictEqual(Object.keys(tensors), Object.keys(sd));
    for (const [k, t] of Object.entries(sd)) {
      assert.strictEqual(tensors[k].dtype, t.dtype, k);
      assert.deepStrictEqual(tensors[k].shape, t.shape, k);
      assert.deepStrictEqual(bits(tensors[k]), bits(t), k);
    }
    const hdr = io.readHeader(file);
    assert.deepStrictEqual(hdr.tensors.map((e) => e.dtype), ['F32', 'F32', 'F32', 'I32', 'U8', 'BOOL', 'F32', 'F32']);
    // Tensors are contiguous in the given order.
    let at = 0;
    for (const e of hdr.tensors) { assert.strictEqual(e.dataOffsets[0], at); at = e.dataOffsets[1]; }
    assert.strictEqual(8 + n + at, raw.length);
    // In-memory encoding is the same bytes.
    assert.deepStrictEqual(io.serialize(sd, { epoch: '3', note: 'héllo' }), raw);
    assert.deepStrictEqual(bits(io.deserialize(raw).tensors['layer.bias']), bits(sd['layer.bias']));
  });

  it('reads a PyTorch state dict with every accepted dtype (F32 F16 BF16 F64 I64 I32 U8 BOOL)', () => {
    const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'torch_state.json'), 'utf8')) as Record<string, { dtype: string; shape: number[]; values: number[] }>;
    const { tensors, metadata } = io.loadWithMetadata(path.join(FIXTURES, 'torch_state.safetensors'));
    assert.strictEqual(metadata.format, 'pt');
    const want: Record<string, string> = { F32: 'float32', F16: 'float32', BF16: 'float32', F64: 'float32', I64: 'int32', I32: 'int32', U8: 'uint8', BOOL: 'bool' };
    assert.deepStrictEqual(new Set(Object.values(expected).map((e) => e.dtype)), new Set(Object.keys(want)));
    for (const [k, e] of Object.entries(expected)) {
      const t = tensors[k];
      assert.ok(t, `missing ${k}`);
      assert.strictEqual(t.dtype, want[e.dtype], k);
      assert.deepStrictEqual(t.shape, e.shape, k);
      assert.deepStrictEqual(Array.from(t.dataSync()), e.values, k);
    }
    assert.strictEqual(tensors['1.num_batches_tracked'].item(), 3);
    assert.deepStrictEqual(tensors['1.num_batches_tracked'].shape, []);
  });

  it('a PyTorch MLP state dict loads into nn.Sequential and gives PyTorch\'s outputs', () => {
    const { nn } = tf;
    const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'torch_mlp.json'), 'utf8')) as { input: number[]; inputShape: number[]; output: number[]; outputShape: number[] };
    const model = new nn.Sequential(new nn.Linear(5, 7), new nn.ReLU(), new nn.Linear(7, 3), new nn.Tanh());
    const sd = io.load(path.join(FIXTURES, 'torch_mlp.safetensors'));
    assert.deepStrictEqual(Object.keys(sd).sort(), Object.keys(model.stateDict()).sort());
    model.loadStateDict(sd);
    const y = model.forward(tf.tensor(ref.input, { shape: ref.inputShape }));
    assertClose(y, { shape: ref.outputShape, data: Float64Array.from(ref.output) }, 1e-5, 1e-6);
  });

  it('the PyTorch CNN state dict (BatchNorm with I64 num_batches_tracked) loads into nn and matches in eval mode', () => {
    const { nn } = tf;
    const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'torch_cnn.json'), 'utf8')) as { input: number[]; inputShape: number[]; output: number[]; outputShape: number[] };
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.ReLU(), new nn.Flatten(), new nn.Linear(8, 3));
    const all = io.load(path.join(FIXTURES, 'torch_state.safetensors'));
    const sd = Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith('extra.')));
    model.loadStateDict(sd);
    assert.strictEqual(model.stateDict()['1.num_batches_tracked'].item(), 3);
    model.eval();
    const y = model.forward(tf.tensor(ref.input, { shape: ref.inputShape }));
    assertClose(y, { shape: ref.outputShape, data: Float64Array.from(ref.output) }, 1e-4, 1e-5);
  });

  it('F16/BF16 decoding covers subnormals, infinities and NaN', () => {
    assert.strictEqual(io.halfToFloat(0x3c00), 1);
    assert.strictEqual(io.halfToFloat(0x0001), 2 ** -24);
    assert.strictEqual(io.halfToFloat(0x7c00), Infinity);
    assert.strictEqual(io.halfToFloat(0xfc00), -Infinity);
    assert.ok(Number.isNaN(io.halfToFloat(0x7e00)));
    assert.ok(Object.is(io.halfToFloat(0x8000), -0));
  });

  const python = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  const havePy = python.status === 0;
  it('an independent Python/numpy reader reads our files', function () {
    requireOrSkip(this, havePy, 'python3 with numpy not found (apt-get install python3-numpy)');
    const sd = { w: tf.randn([3, 4]), b: tf.tensor([1, 2, 3], { dtype: 'int32' }), m: tf.tensor([true, false]), u: tf.tensor(Uint8Array.from([9, 250])) };
    const file = path.join(dir, 'py.safetensors');
    io.save(sd, file, { who: 'tensorforge' });
    const r = spawnSync('python3', [path.join(FIXTURES, 'read_safetensors.py'), file], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as Record<string, { dtype: string; shape: number[]; values: number[] }> & { __metadata__: unknown };
    assert.deepStrictEqual(got.__metadata__, { who: 'tensorforge' });
    for (const [k, t] of Object.entries(sd)) {
      assert.deepStrictEqual(got[k].shape, t.shape, k);
      assert.deepStrictEqual(got[k].values, Array.from(t.dataSync()), k);
    }
    assert.deepStrictEqual([got.w.dtype, got.b.dtype, got.m.dtype, got.u.dtype], ['F32', 'I32', 'BOOL', 'U8']);
  });
  if (!havePy) it('python3/numpy absent: the cross-reader check is skipped', () => console.log('      (skipped: python3 with numpy not found)'));

  it('rejects truncated and malformed files with clear Errors', () => {
    const good = io.serialize({ a: tf.tensor([1, 2, 3]), b: tf.tensor([4], { dtype: 'int32' }) });
    const hl = Number(good.readBigUInt64LE(0));
    const huge = Buffer.alloc(16); huge.writeBigUInt64LE(2n ** 60n);
    const past = Buffer.alloc(16); past.writeBigUInt64LE(9n);
    const entry = (o: unknown): Buffer => header(o);
    const data12 = Buffer.alloc(12);
    const cases: [string, Buffer, RegExp][] = [
      ['empty file', Buffer.alloc(0), /too short/],
      ['truncated length', good.subarray(0, 5), /too short/],
      ['truncated header', good.subarray(0, 8 + hl - 3), /runs past the end/],
      ['truncated data', good.subarray(0, good.length - 1), /past the end of the data|cover/],
      ['huge header length', huge, /exceeds/],
      ['header past end', past, /runs past the end/],
      ['not JSON', (() => { const b = header({ x: 1 }); b.write('{"x":1,,}', 8); return b; })(), /not valid JSON/],
      ['not an object', (() => { const s = Buffer.from('[1,2]   '); const l = Buffer.alloc(8); l.writeBigUInt64LE(8n); return Buffer.concat([l, s]); })(), /start with '\{'/],
      ['unknown dtype', Buffer.concat([entry({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }), Buffer.alloc(8)]), /unsupported dtype "C64"/],
      ['bad shape', Buffer.concat([entry({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }), Buffer.alloc(4)]), /invalid shape/],
      ['offsets past end', Buffer.concat([entry({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }), Buffer.alloc(8)]), /run past the end of the data/],
      ['size mismatch', Buffer.concat([entry({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 12] } }), data12]), /= 8 bytes but data_offsets \[0,12\] span 12/],
      ['overlap', Buffer.concat([entry({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }), Buffer.alloc(8)]), /overlaps/],
      ['gap', Buffer.concat([entry({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }), Buffer.alloc(8)]), /gap in the data/],
      ['trailing data', Buffer.concat([entry({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }), Buffer.alloc(8)]), /has 8 bytes but the tensors cover 4/],
      ['bad offsets', Buffer.concat([entry({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }), Buffer.alloc(4)]), /invalid data_offsets/],
      ['bad metadata', Buffer.concat([entry({ __metadata__: { a: 1 } })]), /__metadata__ value for "a" is not a string/],
      ['I64 out of range', (() => { const d = Buffer.alloc(8); d.writeBigInt64LE(2n ** 40n); return Buffer.concat([entry({ n: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }), d]); })(), /does not fit in int32/],
      ['proto key', Buffer.concat([rawHeader('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), Buffer.alloc(4)]), /__proto__ is not allowed/],
      ['BOOL not 0/1', Buffer.concat([entry({ m: { dtype: 'BOOL', shape: [1], data_offsets: [0, 1] } }), Buffer.from([2])]), /must be 0 or 1/],
    ];
    for (const [what, bytes, re] of cases) {
      const file = path.join(dir, `bad-${what.replace(/[^a-z0-9]+/gi, '-')}.safetensors`);
      fs.writeFileSync(file, bytes);
      assertThrows(() => io.load(file), Error, /io\.load/, re);
      assertThrows(() => io.deserialize(bytes), Error, /io\.load/);
    }
    assertThrows(() => io.load(path.join(dir, 'nope.safetensors')), Error, /cannot open/);
  });

  it('writes atomically: no temp files left, and a failed write never touches the target', () => {
    const file = path.join(dir, 'atomic', 'w.safetensors');
    fs.mkdirSync(path.dirname(file));
    io.save({ a: tf.tensor([1, 2]) }, file);
    const before = fs.readFileSync(file);
    // A disposed tensor fails after the temp file is created: the old file must survive intact.
    const dead = tf.tensor([3, 4]);
    const ok = tf.ones([1000]);
    dead.dispose();
    assertThrows(() => io.save({ ok, dead }, file), Error, /disposed/);
    assert.deepStrictEqual(fs.readFileSync(file), before);
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ['w.safetensors']);
    assertThrows(() => io.save({ a: 'x' as unknown as Tensor }, file), TypeError, /not a Tensor/);
    assertThrows(() => io.save({ a: tf.tensor([1]) }, file, { n: 1 as unknown as string }), TypeError, /metadata value for "n" must be a string/);
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ['w.safetensors']);
    // Overwrite is complete.
    io.save({ b: tf.tensor([5, 6, 7]) }, file);
    assert.deepStrictEqual(Object.keys(io.load(file)), ['b']);
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ['w.safetensors']);
    // Writing into a missing directory is an error and leaves nothing behind.
    assert.throws(() => io.save({ a: tf.tensor([1]) }, path.join(dir, 'missing-dir', 'x.safetensors')), /ENOENT/);
  });

  describe('saveModel / loadModel via the layer registry', () => {
    // A minimal module honouring the registry contract (nn layers implement the same).
    class Affine {
      weight: Tensor; bias: Tensor;
      constructor(readonly n: number) { this.weight = tf.randn([n, n]); this.bias = tf.zeros([n]); }
      getConfig(): { n: number } { return { n: this.n }; }
      static fromConfig(c: { n: number }): Affine { return new Affine(c.n); }
      stateDict(): Record<string, Tensor> { return { weight: this.weight, bias: this.bias }; }
      loadStateDict(sd: Record<string, Tensor>): void {
        const keys = Object.keys(sd).sort().join();
        if (keys !== 'bias,weight') throw new Error(`Affine: unexpected keys ${keys}`);
        this.weight = sd.weight.clone(); this.bias = sd.bias.clone();
      }
    }
    class Chain {
      constructor(readonly layers: Affine[]) {}
      getConfig(): tf.io.LayerConfig { return { layers: this.layers.map((l) => io.layerToJSON(l) as unknown as tf.io.JsonValue) }; }
      static fromConfig(c: tf.io.LayerConfig): Chain { return new Chain((c.layers as unknown as tf.io.LayerJSON[]).map((j) => io.layerFromJSON(j) as Affine)); }
      stateDict(): Record<string, Tensor> {
        const out: Record<string, Tensor> = {};
        this.layers.forEach((l, i) => { for (const [k, t] of Object.entries(l.stateDict())) out[`${i}.${k}`] = t; });
        return out;
      }
      loadStateDict(sd: Record<string, Tensor>): void {
        this.layers.forEach((l, i) => l.loadStateDict({ weight: sd[`${i}.weight`], bias: sd[`${i}.bias`] }));
      }
    }
    before(() => { io.registerLayer('test.Affine', Affine); io.registerLayer('test.Chain', Chain); });

    it('round-trips architecture and weights', () => {
      const m = new Chain([new Affine(3), new Affine(3)]);
      const out = path.join(dir, 'model');
      io.saveModel(m, out, { metadata: { task: 'demo' } });
      assert.deepStrictEqual(fs.readdirSync(out).sort(), ['model.json', 'model.safetensors']);
      const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
      assert.strictEqual(json.format, 'tensorforge-model');
      assert.deepStrictEqual(json.architecture, { className: 'test.Chain', config: { layers: [{ className: 'test.Affine', config: { n: 3 } }, { className: 'test.Affine', config: { n: 3 } }] } });
      const back = io.loadModel<Chain>(out);
      assert.strictEqual(back.layers.length, 2);
      back.layers.forEach((l, i) => assert.deepStrictEqual(bits(l.weight), bits(m.layers[i].weight)));
      assert.deepStrictEqual(Object.keys(io.load(path.join(out, 'model.safetensors'))), ['0.weight', '0.bias', '1.weight', '1.bias']);
    });

    it('records an optional inputShape that readModelInfo returns; a bad one is refused on save and on load', () => {
      const out = path.join(dir, 'shaped');
      io.saveModel(new tf.nn.Linear(4, 2), out, { inputShape: [4] });
      assert.deepStrictEqual(io.readModelInfo(out).inputShape, [4]);
      io.saveModel(new tf.nn.Linear(4, 2), out);
      assert.strictEqual(io.readModelInfo(out).inputShape, undefined);
      assertThrows(() => io.saveModel(new tf.nn.Linear(4, 2), out, { inputShape: [4, 0] }), TypeError, /saveModel/, /inputShape/);
      assertThrows(() => io.saveModel(new tf.nn.Linear(4, 2), out, { inputShape: '4' as unknown as number[] }), TypeError, /saveModel/, /inputShape/);
      const file = path.join(out, 'model.json');
      fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), inputShape: [-1, 4] }));
      assert.throws(() => io.loadModel(out), /loadModel: .*inputShape must be an array of positive integers/);
      assert.throws(() => io.readModelInfo(out), /inputShape/);
    });

    it('round-trips built-in nn models (Sequential, named children, ModuleList, activations), eval mode included', () => {
      const { nn } = tf;
      const inner = new nn.Sequential(new Map<string, tf.nn.AnyModule>([['fc', new nn.Linear(8, 3, { bias: false })], ['act', new nn.GELU('tanh')]]));
      const model = new nn.Sequential(new nn.Linear(4, 8), new nn.LeakyReLU(0.2), new nn.Dropout(0.25), inner, new nn.Flatten(), new nn.Softplus(2, 10),
        new nn.ModuleList([new nn.Identity(), new nn.Tanh()]), new nn.ModuleDict({ s: new nn.Sigmoid(), e: new nn.ELU(0.5) }), new nn.SiLU(), new nn.ReLU());
      model.eval();
      const out = path.join(dir, 'nn-model');
      io.saveModel(model, out);
      const back = io.loadModel<tf.nn.Sequential>(out);
      assert.ok(back instanceof nn.Sequential);
      assert.strictEqual(back.training, false);
      assert.strictEqual(back.toString(), model.toString());
      const a = model.stateDict(), b = back.stateDict();
      assert.deepStrictEqual(Object.keys(b), ['0.weight', '0.bias', '3.fc.weight']);
      for (const k of Object.keys(a)) assert.deepStrictEqual(bits(b[k]), bits(a[k]), k);
      const x = tf.randn([5, 4]);
      const head = (m: tf.nn.Sequential) => [0, 1, 2, 3, 4, 5].reduce((h, i) => m.at(i).forward(h), x);
      assert.deepStrictEqual(bits(head(back)), bits(head(model)));
      const arch = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')).architecture;
      assert.deepStrictEqual(arch.config.modules[0], { name: '0', layer: { className: 'Linear', config: { inFeatures: 4, outFeatures: 8, bias: true } } });
      assert.deepStrictEqual(arch.config.modules[3].layer.config.modules[0], { name: 'fc', layer: { className: 'Linear', config: { inFeatures: 8, outFeatures: 3, bias: false } } });
    });

    it('names unregistered classes and unknown architectures', () => {
      class Unknown { getConfig(): tf.io.LayerConfig { return {}; } stateDict(): Record<string, Tensor> { return {}; } loadStateDict(): void {} }
      assertThrows(() => io.saveModel(new Unknown(), path.join(dir, 'u')), TypeError, /Unknown is not registered/, /registerLayer/);
      const out = path.join(dir, 'bad-model');
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify({ format: 'tensorforge-model', version: 1, architecture: { className: 'Nope', config: {} } }));
      assertThrows(() => io.loadModel(out), TypeError, /unknown layer class "Nope"/);
      fs.writeFileSync(path.join(out, 'model.json'), '{ not json');
      assertThrows(() => io.loadModel(out), Error, /cannot read/);
      assertThrows(() => io.registerLayer('test.Affine', Chain), TypeError, /already registered/);
    });
  });
});
