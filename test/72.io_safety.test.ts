/** Hostile inputs to io, data loaders and train: saves that must not lose a model, loads
 * bounded by what they read, and malformed files and configs with clear errors. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { execFileSync } from 'child_process';
import { tf, assertThrows } from './helpers';

const { nn, io, data } = tf;
type Seq = InstanceType<typeof nn.Sequential>;

describe('72 io safety', () => {
  let root: string;
  before(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-safety-')); });
  after(() => { fs.rmSync(root, { recursive: true, force: true }); });
  const small = (): Seq => new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.LSTM(8, 3, { numLayers: 2 }), new nn.BatchNorm1d(3));

  /** Saves `small()`, then rewrites its model.json through `edit`; returns the directory. */
  function tampered(name: string, edit: (j: { architecture: { config: { modules: { name: string; layer: { className: string; config: Record<string, unknown> } }[] } } }) => void): string {
    const dir = path.join(root, name);
    io.saveModel(small(), dir);
    const file = path.join(dir, 'model.json');
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    edit(j);
    fs.writeFileSync(file, JSON.stringify(j));
    return dir;
  }

  describe('saves', () => {
    it('refuses metadata a load would reject, before writing anything', () => {
      const dir = path.join(root, 'meta');
      assertThrows(() => io.saveModel(small(), dir, { metadata: JSON.parse('{"__proto__": "x"}') }), TypeError, /^saveModel: metadata key __proto__ is not allowed/);
      assertThrows(() => io.saveModel(small(), dir, { metadata: { epoch: 3 } as never }), TypeError, /^saveModel: metadata value for "epoch" must be a string, got number/);
      assertThrows(() => io.saveModel(small(), dir, { metadata: [] as never }), TypeError, /^saveModel: metadata must be an object/);
      assert.ok(!fs.existsSync(dir));
      assertThrows(() => io.save({ a: tf.ones([1]) }, path.join(root, 'm.safetensors'), JSON.parse('{"__proto__": "x"}')), TypeError, /^io.save: metadata key __proto__ is not allowed/);
      assert.ok(!fs.existsSync(path.join(root, 'm.safetensors')));
    });

    it('a failing save keeps the old model and leaves no temporary', () => {
      const dir = path.join(root, 'fail', 'model');
      const m = small();
      io.saveModel(m, dir);
      const bad = small();
      (bad.at(0) as InstanceType<typeof nn.Linear>).weight.dispose();
      assert.throws(() => io.saveModel(bad, dir), /disposed/);
      assert.deepStrictEqual(fs.readdirSync(path.dirname(dir)), ['model']);
      const back = io.loadModel<Seq>(dir);
      assert.deepStrictEqual(back.stateDict()['0.weight'].toArray(), m.stateDict()['0.weight'].toArray());
    });

    it('replaces a model directory as a whole (stale temporaries of older saves go too) and refuses one holding other files', () => {
      const dir = path.join(root, 'replace');
      io.saveModel(small(), dir);
      fs.writeFileSync(path.join(dir, '.model.safetensors.12345.0123456789ab.tmp'), Buffer.alloc(1000));
      io.saveModel(small(), dir);
      assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['model.json', 'model.safetensors']);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
      assertThrows(() => io.saveModel(small(), dir), Error, /^saveModel: .*replace holds files that are not part of a saved model \(notes\.txt\)/);
      assert.strictEqual(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine');
      fs.writeFileSync(path.join(root, 'plain'), 'x');
      assertThrows(() => io.saveModel(small(), path.join(root, 'plain')), Error, /^saveModel: .*plain exists and is not a directory/);
    });
  });

  describe('loads are bounded by the files they read', () => {
    it('a config claiming huge layers fails against the weights header before allocating', () => {
      const lstm = tampered('lstm', (j) => { j.architecture.config.modules[2].layer.config.numLayers = 1e6; });
      const lin = tampered('linear', (j) => { Object.assign(j.architecture.config.modules[0].layer.config, { inFeatures: 16000, outFeatures: 16000 }); });
      const t0 = Date.now(), m0 = tf.memory().numBytes;
      assertThrows(() => io.loadModel(lstm), Error, /^loadModel: .*lstm\/model\.json: the architecture defines tensor "2\.weight_ih_l2" \[12, 3\], which .*model\.safetensors does not hold/);
      assertThrows(() => io.loadModel(lin), Error, /the architecture defines tensor "0\.weight" as \[16000, 16000\], but .* holds \[8, 4\]/);
      assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
      assert.ok(tf.memory().numBytes <= m0, 'nothing allocated');
    });

    it('weights the architecture does not define are refused', () => {
      const dir = tampered('extra', (j) => { j.architecture.config.modules.pop(); });
      assertThrows(() => io.loadModel(dir), Error, /model\.safetensors holds tensors the architecture in .* does not define: 3\.weight, 3\.bias/);
    });

    it('only regular files are opened: a FIFO or a directory is an Error, never a hang or EISDIR', () => {
      const dir = path.join(root, 'fifo');
      io.saveModel(small(), dir);
      fs.rmSync(path.join(dir, 'model.safetensors'));
      execFileSync('mkfifo', [path.join(dir, 'model.safetensors')]);
      assertThrows(() => io.loadModel(dir), Error, /^io\.load: .*fifo\/model\.safetensors is a FIFO, expected a regular file/);
      assertThrows(() => io.load(path.join(dir, 'model.safetensors')), Error, /is a FIFO, expected a regular file/);
      assertThrows(() => data.readIdx(path.join(dir, 'model.safetensors')), Error, /^readIdx: .* is a FIFO/);
      assertThrows(() => data.readCsv(path.join(dir, 'model.safetensors')), Error, /^readCsv: .* is a FIFO/);
      const d2 = path.join(root, 'jsondir');
      fs.mkdirSync(path.join(d2, 'model.json'), { recursive: true });
      assertThrows(() => io.loadModel(d2), Error, /^loadModel: .*jsondir\/model\.json is a directory, expected a regular file/);
      assertThrows(() => io.loadModel(path.join(root, 'nothing-here')), Error, /^loadModel: .*nothing-here does not exist/);
    });

    it('a gzip IDX file stops at the size its header declares', () => {
      const head = Buffer.from([0, 0, 8, 1, 0, 0, 0, 10]);
      const bomb = zlib.gzipSync(Buffer.concat([head, Buffer.alloc(10), Buffer.alloc(64 << 20)]));
      const file = path.join(root, 'bomb.idx.gz');
      fs.writeFileSync(file, bomb);
      assertThrows(() => data.readIdx(file), Error, /^readIdx: .*bomb\.idx\.gz: gzip data decompresses to more than the 18 bytes its IDX header declares/);
      const huge = zlib.gzipSync(Buffer.concat([Buffer.from([0, 0, 8, 2, 0, 1, 0, 0, 0, 1, 0, 0]), Buffer.alloc(100)]));
      fs.writeFileSync(file, huge);
      assertThrows(() => data.readIdx(file), Error, /IDX header declares 4294967308 bytes, more than \d+ bytes of gzip data can hold/);
      fs.writeFileSync(file, zlib.gzipSync(Buffer.concat([head, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])])));
      assert.deepStrictEqual(data.readIdx(file).toArray(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  });

  describe('malformed configs name the file and the field', () => {
    const cases: [string, (j: Parameters<Parameters<typeof tampered>[1]>[0]) => void, new (...a: never[]) => Error, RegExp][] = [
      ['momentum', (j) => { j.architecture.config.modules[3].layer.config.momentum = 2; }, RangeError, /model\.json: BatchNorm1d: momentum must be a number in \[0, 1\] or null/],
      ['eps', (j) => { j.architecture.config.modules[3].layer.config.eps = -1; }, RangeError, /model\.json: BatchNorm1d: eps must be a positive finite number, got -1/],
      ['softmax', (j) => { j.architecture.config.modules[1].layer = { className: 'Softmax', config: { dim: 'x' } }; }, TypeError, /model\.json: Softmax: dim must be an integer, got string "x"/],
      ['modules', (j) => { (j.architecture.config as Record<string, unknown>).modules = 5; }, TypeError, /model\.json: container config field modules must be an array of \{ name, layer \}, got 5/],
      ['entry', (j) => { (j.architecture.config.modules as unknown[])[0] = null; }, TypeError, /model\.json: container config field modules must hold \{ name, layer \} entries, got null/],
      ['config', (j) => { (j.architecture.config.modules[0].layer as Record<string, unknown>).config = [1]; }, TypeError, /model\.json: Linear: config must be an object, got \[1\]/],
      ['features', (j) => { j.architecture.config.modules[0].layer.config.inFeatures = 'x'; }, RangeError, /model\.json: Linear: config field inFeatures must be an integer >= 0, got "x"/],
      ['rnnbool', (j) => { j.architecture.config.modules[2].layer.config.batchFirst = 'yes'; }, TypeError, /model\.json: LSTM: batchFirst must be a boolean, got "yes"/],
      ['proto', (j) => { j.architecture.config.modules[1].layer.className = 'constructor'; }, TypeError, /model\.json: unknown layer class "constructor"/],
    ];
    for (const [name, edit, type, re] of cases) {
      it(`${name}`, () => assertThrows(() => io.loadModel(tampered(`cfg-${name}`, edit)), type, /^loadModel: /, re));
    }

    it('a broken model.json top level', () => {
      const dir = path.join(root, 'top');
      io.saveModel(small(), dir);
      const file = path.join(dir, 'model.json');
      const j = JSON.parse(fs.readFileSync(file, 'utf8'));
      for (const [patch, re] of [
        [{ architecture: null }, /model\.json: architecture must be a \{ className, config \} object, got null/],
        [{ version: 'one' }, /model\.json: version must be a positive integer, got "one"/],
        [{ weights: '../x' }, /weights must be a file name in the model directory, got "\.\.\/x"/],
        [{ training: 1 }, /model\.json: training must be a boolean, got 1/],
        [{ metadata: { a: 1 } }, /model\.json: metadata must be an object of strings/],
      ] as [Record<string, unknown>, RegExp][]) {
        fs.writeFileSync(file, JSON.stringify({ ...j, ...patch }));
        assertThrows(() => io.loadModel(dir), Error, /^loadModel: /, re);
      }
      fs.writeFileSync(file, 'null');
      assertThrows(() => io.loadModel(dir), Error, /model\.json: the top level must be a JSON object, got null/);
    });
  });

  describe('CSV column names are data', () => {
    it('constructor, toString and __proto__ are ordinary columns', () => {
      const t = data.parseCsv('constructor,toString,__proto__,a\n1,x,2,3\n4,y,5,6\n', { columns: { toString: 'string', constructor: 'int32' } as Record<string, tf.data.ColumnType> });
      assert.deepStrictEqual(t.names, ['constructor', 'toString', '__proto__', 'a']);
      assert.ok(t.column('constructor') instanceof Int32Array);
      assert.deepStrictEqual([...(t.column('constructor') as Int32Array)], [1, 4]);
      assert.deepStrictEqual(t.column('toString'), ['x', 'y']);
      assert.deepStrictEqual([...(t.column('__proto__') as Float32Array)], [2, 5]);
      assertThrows(() => t.column('hasOwnProperty'), RangeError, /^CsvTable.column: no column "hasOwnProperty"/);
      assertThrows(() => data.parseCsv('a,b\n1,2\n', { columns: { constructor: 'int32' } as Record<string, tf.data.ColumnType> }), RangeError, /^parseCsv: columns option names "constructor", which is not in the header/);
      assertThrows(() => data.parseCsv('a,b\n1,2\n', { columns: { a: 'int64' as never } }), TypeError, /^parseCsv: column "a" type must be 'float32', 'int32', 'string' or 'auto', got "int64"/);
    });
  });

  describe('size arguments', () => {
    it('size arguments are validated: batchSize, yieldEveryMs, progress bar width, fashionMnist limit', async () => {
      const m = new nn.Linear(2, 1);
      for (const bs of [0, -1, 1.5, NaN]) {
        await assert.rejects(tf.train.predict(m, tf.ones([4, 2]), { batchSize: bs }), (e: Error) => e instanceof RangeError && /^predict: batchSize must be a positive integer/.test(e.message));
      }
      const opt = new tf.optim.SGD(m.parameters(), { lr: 0.1 });
      await assert.rejects(tf.train.fit(m, { train: [[tf.ones([4, 2]), tf.ones([4, 1])]], loss: 'mse', optimizer: opt, epochs: 1, yieldEveryMs: -1, verbose: false }),
        (e: Error) => e instanceof RangeError && /^fit: yieldEveryMs must be a number >= 0, got -1/.test(e.message));
      assertThrows(() => data.datasets.fashionMnist({ dir: root, limit: -1 }), RangeError, /^fashionMnist: limit must be a non-negative integer, got -1/);
      for (const width of [0, 1e9, 2.5]) assertThrows(() => tf.train.progressBar({ width }), RangeError, /^progressBar: width must be an integer in \[1, 1000\]/);
    });
  });
});
