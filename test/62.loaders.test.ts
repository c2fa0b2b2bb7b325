/** Loaders on real files: the `mnist` package, generated IDX files (raw and gzip, every
 * type code), corrupt IDX files, CSV with header/types/missing values, Fashion-MNIST. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { tf, assertThrows, requireOrSkip } from './helpers';

const { data } = tf;

function idxBytes(type: number, shape: number[], body: Buffer): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = type; head[3] = shape.length;
  shape.forEach((s, d) => head.writeUInt32BE(s, 4 + 4 * d));
  return Buffer.concat([head, body]);
}

describe('62 loaders', () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-loaders-')); });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('datasets.mnist(): the package digits, 8,000 / 2,000, [N, 1, 28, 28] in [0, 1]', () => {
    const { train, test } = data.datasets.mnist();
    assert.deepStrictEqual(train.x.shape, [8000, 1, 28, 28]);
    assert.deepStrictEqual(test.x.shape, [2000, 1, 28, 28]);
    assert.strictEqual(train.y.dtype, 'int32');
    assert.strictEqual(train.x.min().item(), 0);
    assert.strictEqual(train.x.max().item(), 1);
    // Every class is in both splits, and the totals are the package's per-digit counts.
    const counts = new Array(10).fill(0);
    for (const s of [train, test]) for (const v of s.y.dataSync()) counts[v]++;
    assert.deepStrictEqual(counts, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const testClasses = new Set(test.y.dataSync());
    assert.strictEqual(testClasses.size, 10);
    // A real digit has ink in the middle and none in the corners (mean over the test split).
    const mean = test.x.mean(0).reshape([28, 28]).toArray() as number[][];
    assert.ok(mean[14][14] > 0.3 && mean[0][0] === 0, `centre ${mean[14][14]}, corner ${mean[0][0]}`);
    // The split is fixed.
    const again = data.datasets.mnist();
    assert.deepStrictEqual(Array.from(again.test.y.dataSync().subarray(0, 50)), Array.from(test.y.dataSync().subarray(0, 50)));
    assertThrows(() => data.datasets.mnist({ trainSize: 20000 }), RangeError, /trainSize/);
  });

  it('IDX: write and read back, raw and gzip', () => {
    const u8 = tf.tensor(Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256), { shape: [2, 3, 4] });
    const i32 = tf.tensor(Int32Array.from([-5, 0, 7, 2 ** 31 - 1, -(2 ** 31)]), { dtype: 'int32' });
    const f32 = tf.randn([3, 5]);
    for (const [name, t] of [['u8', u8], ['i32', i32], ['f32', f32]] as const) {
      for (const gz of [false, true]) {
        const file = path.join(dir, `${name}.idx${gz ? '.gz' : ''}`);
        data.writeIdx(file, t);
        const raw = fs.readFileSync(file);
        assert.strictEqual(raw[0] === 0x1f && raw[1] === 0x8b, gz);
        const back = data.readIdx(file);
        assert.strictEqual(back.dtype, t.dtype);
        assert.deepStrictEqual(back.shape, t.shape);
        assert.deepStrictEqual(Array.from(back.dataSync()), Array.from(t.dataSync()));
      }
    }
  });

  it('IDX: signed byte, short and double type codes', () => {
    const i8 = data.decodeIdx(idxBytes(0x09, [3], Buffer.from([0xff, 0x7f, 0x80])));
    assert.deepStrictEqual(i8.toArray(), [-1, 127, -128]);
    const s = Buffer.alloc(4); s.writeInt16BE(-300, 0); s.writeInt16BE(1234, 2);
    assert.deepStrictEqual(data.decodeIdx(idxBytes(0x0b, [2, 1], s)).toArray(), [[-300], [1234]]);
    const d = Buffer.alloc(16); d.writeDoubleBE(1.5, 0); d.writeDoubleBE(-2.25, 8);
    const f = data.decodeIdx(zlib.gzipSync(idxBytes(0x0e, [2], d)));
    assert.strictEqual(f.dtype, 'float32');
    assert.deepStrictEqual(f.toArray(), [1.5, -2.25]);
  });

  it('IDX: malformed files are clear Errors, never crashes', () => {
    const good = idxBytes(0x08, [2, 3], Buffer.from([1, 2, 3, 4, 5, 6]));
    const cases: [string, Buffer, RegExp][] = [
      ['empty', Buffer.alloc(0), /too short/],
      ['bad magic', Buffer.from([1, 0, 8, 1, 0, 0, 0, 0]), /bad IDX magic/],
      ['unknown type', idxBytes(0x07, [1], Buffer.from([0])), /unknown IDX data type 0x7/],
      ['rank 0', Buffer.from([0, 0, 8, 0]), /rank 0/],
      ['truncated header', good.subarray(0, 9), /truncated IDX header/],
      ['truncated data', good.subarray(0, good.length - 1), /truncated/],
      ['trailing bytes', Buffer.concat([good, Buffer.from([0])]), /trailing bytes/],
      ['huge dims', idxBytes(0x08, [0xffffffff, 0xffffffff], Buffer.alloc(0)), /too large|truncated/],
      ['corrupt gzip', Buffer.concat([zlib.gzipSync(good).subarray(0, 20)]), /corrupt gzip/],
    ];
    for (const [what, bytes, re] of cases) {
      const file = path.join(dir, `bad-${what.replace(/ /g, '-')}.idx`);
      fs.writeFileSync(file, bytes);
      assertThrows(() => data.readIdx(file), Error, /readIdx/, re, new RegExp(path.basename(file)));
    }
    assertThrows(() => data.readIdx(path.join(dir, 'missing.idx')), Error, /cannot read/);
  });

  it('CSV: header, typed columns, missing values, quoting', () => {
    const file = path.join(dir, 'table.csv');
    fs.writeFileSync(file, 'id,height,species,count\n1,1.5,"setosa, big",3\n2,NA,versicolor,4\n3,2.25,,5\n\n4,-1e-3,virginica,6\n');
    const t = data.readCsv(file, { columns: { id: 'int32', count: 'int32' } });
    assert.deepStrictEqual(t.names, ['id', 'height', 'species', 'count']);
    assert.strictEqual(t.numRows, 4);
    assert.ok(t.column('id') instanceof Int32Array);
    const h = t.column('height') as Float32Array;
    assert.ok(h instanceof Float32Array);
    assert.ok(Number.isNaN(h[1]));
    assert.deepStrictEqual([h[0], h[2], h[3]], [1.5, 2.25, Math.fround(-1e-3)]);
    assert.deepStrictEqual(t.column('species'), ['setosa, big', 'versicolor', null, 'virginica']);
    const x = t.toTensor(['height', 'count']);
    assert.deepStrictEqual(x.shape, [4, 2]);
    assert.strictEqual(x.dtype, 'float32');
    assert.deepStrictEqual(t.toTensor(['id', 'count']).toArray(), [[1, 3], [2, 4], [3, 5], [4, 6]]);
    const noHeader = data.parseCsv('1;2\n3;4\n', { header: false, delimiter: ';' });
    assert.deepStrictEqual(noHeader.names, ['c0', 'c1']);
    assert.deepStrictEqual(noHeader.toTensor().toArray(), [[1, 2], [3, 4]]);
    assertThrows(() => data.parseCsv('a\nx\n', { columns: { a: 'float32' } }), RangeError, /column "a" line 2: "x" is not a number/);
    assertThrows(() => data.parseCsv('a\n\nNA\n1\n', { columns: { a: 'int32' } }), RangeError, /missing value in int32 column "a"/);
    assertThrows(() => data.parseCsv('a,b\n1\n'), Error, /parseCsv/);
    assertThrows(() => data.parseCsv('a\n1\n', { columns: { z: 'int32' } }), RangeError, /not in the header/);
    assertThrows(() => t.toTensor(['species']), TypeError, /string column/);
  });

  const fashionDir = data.datasets.FASHION_MNIST_DIR;
  const haveFashion = fs.existsSync(path.join(fashionDir, 't10k-images-idx3-ubyte.gz'));
  it(`datasets.fashionMnist() from ${fashionDir}`, function () {
    requireOrSkip(this, haveFashion, `${fashionDir} not installed; apt-get install dataset-fashion-mnist`);
    const { train, test } = data.datasets.fashionMnist(undefined, { limit: 2000 });
    assert.deepStrictEqual(train.x.shape, [2000, 1, 28, 28]);
    assert.strictEqual(train.x.max().item(), 1);
    const full = data.readIdx(path.join(fashionDir, 't10k-labels-idx1-ubyte.gz'));
    assert.deepStrictEqual(full.shape, [10000]);
    // The test set is balanced: 1,000 images of each class.
    const counts = new Array(10).fill(0);
    for (const v of full.dataSync()) counts[v]++;
    assert.deepStrictEqual(counts, new Array(10).fill(1000));
    assert.deepStrictEqual(Array.from(test.y.dataSync().subarray(0, 10)), Array.from(full.dataSync().subarray(0, 10)));
    assertThrows(() => data.datasets.fashionMnist(dir), Error, /not found/, /apt-get install dataset-fashion-mnist/);
  });
  if (!haveFashion) {
    it('Fashion-MNIST files are absent: fashionMnist() says how to install them', () => {
      console.log(`      (Fashion-MNIST test skipped: ${fashionDir} missing; apt-get install dataset-fashion-mnist)`);
      assertThrows(() => data.datasets.fashionMnist(), Error, /apt-get install dataset-fashion-mnist/);
    });
  }
});
