/** Datasets, DataLoader (batching, seeded shuffle, dropLast, collate, async iteration),
 * splits, and tabular preprocessing, against hand-computed values. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa } from './helpers';
import type { Tensor } from '../lib';

const { data } = tf;
const rowsOf = (t: Tensor): number[][] => t.toArray() as number[][];

describe('60 data', () => {
  describe('TensorDataset and gatherRows', () => {
    it('gets samples as views and batches by one gather', () => {
      const x = tf.arange(0, 12).reshape([6, 2]).to('float32'), y = tf.arange(0, 6);
      const ds = new data.TensorDataset(x, y);
      assert.strictEqual(ds.length, 6);
      const [xi, yi] = ds.get(4);
      assert.deepStrictEqual(xi.toArray(), [8, 9]);
      assert.strictEqual(yi.item(), 4);
      assert.deepStrictEqual(ds.get(-1)[1].item(), 5);
      const [xb, yb] = ds.getBatch(Int32Array.from([5, 0, 3]));
      assert.deepStrictEqual(rowsOf(xb), [[10, 11], [0, 1], [6, 7]]);
      assert.deepStrictEqual(yb.toArray(), [5, 0, 3]);
      assert.strictEqual(yb.dtype, 'int32');
    });

    it('gatherRows works for every dtype, non-contiguous input, every ISA, and records no gradient', () => {
      forEachIsa(() => {
        for (const dtype of ['float32', 'int32', 'uint8', 'bool'] as const) {
          const x = tf.arange(0, 24).reshape([4, 3, 2]).to(dtype);
          const g = data.gatherRows(x, [3, 3, 1]);
          assert.deepStrictEqual(g.shape, [3, 3, 2]);
          const full = x.toArray() as unknown[];
          assert.deepStrictEqual(g.toArray(), [full[3], full[3], full[1]]);
        }
        const t = tf.arange(0, 12).reshape([3, 4]).to('float32').transpose();  // [4, 3], strided
        assert.deepStrictEqual(rowsOf(data.gatherRows(t, [2, 0])), [[2, 6, 10], [0, 4, 8]]);
        const big = tf.rand([3000, 17]);
        const idx = Int32Array.from({ length: 2500 }, (_, i) => (i * 7919) % 3000);
        const gb = data.gatherRows(big, idx).dataSync(), bv = big.dataSync();
        for (let i = 0; i < idx.length; i++) for (let j = 0; j < 17; j++) assert.strictEqual(gb[i * 17 + j], bv[idx[i] * 17 + j]);
        assert.deepStrictEqual(data.gatherRows(big, []).shape, [0, 17]);
        const w = tf.randn([4, 2], { requiresGrad: true });
        assert.strictEqual(data.gatherRows(w, [1]).requiresGrad, false);
      });
    });

    it('rejects mismatched tensors and bad indices', () => {
      assertThrows(() => new data.TensorDataset(tf.zeros([3, 2]), tf.zeros([4])), RangeError, /TensorDataset/, /\[3, 2\]/, /\[4\]/);
      assertThrows(() => new data.TensorDataset(tf.zeros([3, 2])).get(3), RangeError, /index 3 is out of range/);
      assertThrows(() => data.gatherRows(tf.zeros([3, 2]), [0, 3]), RangeError, /index 3 at position 1 is out of range for dim 0 of size 3/);
      assertThrows(() => data.gatherRows(tf.zeros([3, 2]), [-1]), RangeError, /index -1 at position 0 is out of range/);
      assertThrows(() => data.gatherRows(tf.tensor(1), [0]), RangeError, /gatherRows/, /at least one dim/);
      assertThrows(() => data.gatherRows(tf.zeros([3, 2]), tf.zeros([1, 1], { dtype: 'int32' })), RangeError, /indices must be 1-D/);
    });
  });

  describe('DataLoader', () => {
    const x = tf.arange(0, 10).to('float32').reshape([10, 1]), y = tf.arange(0, 10);
    const ds = new data.TensorDataset(x, y);
    const labelsOf = (loader: Iterable<Tensor[]>): number[][] => Array.from(loader, (b) => Array.from(b[1].dataSync()));

    it('batches in order with a short last batch, or drops it', () => {
      const l = new data.DataLoader(ds, { batchSize: 4 });
      assert.strictEqual(l.length, 3);
      assert.deepStrictEqual(labelsOf(l), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
      const d = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
      assert.strictEqual(d.length, 2);
      assert.deepStrictEqual(labelsOf(d), [[0, 1, 2, 3], [4, 5, 6, 7]]);
      const [xb] = [...l][0];
      assert.deepStrictEqual(xb.shape, [4, 1]);
    });

    it('shuffles reproducibly per seed, differently per epoch, covering every sample once', () => {
      const a = new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 42 });
      const b = new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 42 });
      const e1 = labelsOf(a), e2 = labelsOf(a);
      assert.deepStrictEqual(e1, labelsOf(b));
      assert.notDeepStrictEqual(e1, e2);
      for (const e of [e1, e2]) assert.deepStrictEqual(e.flat().sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.notDeepStrictEqual(e1.flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      // Without a seed, manualSeed makes it reproducible.
      tf.manualSeed(5);
      const c = labelsOf(new data.DataLoader(ds, { batchSize: 5, shuffle: true }));
      tf.manualSeed(5);
      assert.deepStrictEqual(labelsOf(new data.DataLoader(ds, { batchSize: 5, shuffle: true })), c);
    });

    it('supports a custom collate, generic datasets and per-batch transforms', () => {
      const custom = new data.DataLoader(ds, { batchSize: 4, collate: (s) => s.map((p) => p[1].item()) });
      assert.deepStrictEqual([...custom], [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
      const plain: tf.data.Dataset<{ v: Tensor; k: number }> = {
        length: 5, get: (i) => ({ v: tf.tensor([i, 2 * i]), k: i }),
      };
      const batches = [...new data.DataLoader(plain, { batchSize: 2 })] as unknown as { v: Tensor; k: Tensor }[];
      assert.deepStrictEqual(rowsOf(batches[1].v), [[2, 4], [3, 6]]);
      assert.deepStrictEqual(batches[2].k.toArray(), [4]);
      assert.strictEqual(batches[0].k.dtype, 'int32');
      const t = new data.DataLoader(ds, { batchSize: 5, transform: ([xb, yb]) => [xb.mul(2), yb] });
      assert.deepStrictEqual([...t][1][0].toArray(), [[10], [12], [14], [16], [18]]);
    });

    it('iterates asynchronously, yielding to the event loop', async () => {
      const l = new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 1 });
      const sync = labelsOf(new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 1 }));
      // Event-loop turns, counted by a self-rescheduling setImmediate: it can only run while the
      // loop is suspended on a macrotask, i.e. when the loader yields (not a timing assertion).
      let turns = 0, running = true;
      const spin = (): void => { if (running) { turns++; setImmediate(spin); } };
      setImmediate(spin);
      const got: number[][] = [];
      for await (const [, yb] of l) got.push(Array.from(yb.dataSync()));
      running = false;
      assert.deepStrictEqual(got, sync);
      assert.ok(turns >= got.length, `the loop turned ${turns} times over ${got.length} batches`);
    });

    it('leaves no tensors behind but the batches it hands out', () => {
      const l = new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 2 });
      const before = tf.memory().numTensors;
      for (const b of l) for (const t of b) t.dispose();
      tf.tidy(() => { for (const b of l) void b; });
      assert.strictEqual(tf.memory().numTensors, before);
      // A transform's replaced inputs are freed by the loader.
      const aug = new data.DataLoader(ds, { batchSize: 4, transform: ([xb, yb]) => [xb.mul(2), yb] });
      for (const b of aug) for (const t of b) t.dispose();
      assert.strictEqual(tf.memory().numTensors, before);
    });

    it('rejects bad options', () => {
      assertThrows(() => new data.DataLoader(ds, { batchSize: 0 }), RangeError, /batchSize/);
      assertThrows(() => new data.DataLoader(ds, { seed: -1 }), RangeError, /seed/);
      assertThrows(() => new data.DataLoader({} as tf.data.Dataset), TypeError, /DataLoader/);
    });
  });

  describe('splits', () => {
    it('randomSplit by lengths and fractions, disjoint and seeded', () => {
      const ds = new data.TensorDataset(tf.arange(0, 10));
      const [a, b] = data.randomSplit(ds, [7, 3], 3);
      assert.strictEqual(a.length, 7); assert.strictEqual(b.length, 3);
      const all = [...a.indices, ...b.indices].sort((p, q) => p - q);
      assert.deepStrictEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const [c] = data.randomSplit(ds, [0.7, 0.3], 3);
      assert.deepStrictEqual(Array.from(c.indices), Array.from(a.indices));
      const parts = data.randomSplit(ds, [1 / 3, 1 / 3, 1 / 3], 1);
      assert.deepStrictEqual(parts.map((p) => p.length).sort(), [3, 3, 4]);
      // Subsets batch through the parent's gather.
      const [xb] = [...new data.DataLoader(b, { batchSize: 3 })][0];
      assert.deepStrictEqual(Array.from(xb.dataSync()), Array.from(b.indices));
      assertThrows(() => data.randomSplit(ds, [0.5, 0.6]), RangeError, /randomSplit/);
    });

    it('trainValTestSplit is stratified with exact sizes', () => {
      // 60 of class 0, 30 of class 1, 10 of class 2.
      const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 60 ? 0 : i < 90 ? 1 : 2));
      const x = tf.arange(0, 100).to('float32').reshape([100, 1]), y = tf.tensor(labels, { dtype: 'int32' });
      const { train, val, test } = data.trainValTestSplit(x, y, { val: 0.2, test: 0.1, seed: 9 });
      assert.deepStrictEqual([train.x.shape[0], val.x.shape[0], test.x.shape[0]], [70, 20, 10]);
      const count = (t: Tensor): number[] => [0, 1, 2].map((c) => Array.from(t.dataSync()).filter((v) => v === c).length);
      assert.deepStrictEqual(count(test.y), [6, 3, 1]);
      assert.deepStrictEqual(count(val.y), [12, 6, 2]);
      assert.deepStrictEqual(count(train.y), [42, 21, 7]);
      // Rows stay paired with their labels and every sample is used once.
      const ids = [train, val, test].flatMap((s) => Array.from(s.x.dataSync()));
      assert.deepStrictEqual(ids.sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
      for (const s of [train, val, test]) {
        const xs = s.x.dataSync(), ys = s.y.dataSync();
        xs.forEach((v, i) => assert.strictEqual(ys[i], labels[v]));
      }
      const again = data.trainValTestSplit(x, y, { val: 0.2, test: 0.1, seed: 9 });
      assert.deepStrictEqual(Array.from(again.val.x.dataSync()), Array.from(val.x.dataSync()));
      assertThrows(() => data.trainValTestSplit(x, y, { val: 0.6, test: 0.5 }), RangeError, /at most 1/);
      assertThrows(() => data.trainValTestSplit(x, tf.zeros([100]), { stratify: true }), TypeError, /stratify/);
    });
  });

  describe('preprocessing', () => {
    const x = tf.tensor([[1, 10], [2, 20], [3, 60]]);

    it('StandardScaler: population std, fit on train only, inverse, JSON round trip', () => {
      const sc = new data.StandardScaler().fit(x);
      assertClose({ shape: [2], data: Float64Array.from(sc.mean ?? []) }, { shape: [2], data: Float64Array.from([2, 30]) });
      const sd1 = Math.sqrt(2 / 3), sd2 = Math.sqrt((400 + 100 + 900) / 3);
      const t = sc.transform(tf.tensor([[2, 30], [4, 0]]));
      assertClose(t, { shape: [2, 2], data: Float64Array.from([0, 0, 2 / sd1, -30 / sd2]) }, 1e-5, 1e-5);
      assertClose(sc.inverseTransform(t), { shape: [2, 2], data: Float64Array.from([2, 30, 4, 0]) }, 1e-5, 1e-4);
      const copy = data.StandardScaler.fromJSON(JSON.parse(JSON.stringify(sc)));
      assert.deepStrictEqual(copy.transform(x).toArray(), sc.transform(x).toArray());
      // A constant feature keeps scale 1.
      const c = new data.StandardScaler().fit(tf.tensor([[5, 1], [5, 2]]));
      assert.deepStrictEqual(c.scale?.[0], 1);
      assertThrows(() => new data.StandardScaler().transform(x), Error, /call fit\(\) first/);
      assertThrows(() => sc.transform(tf.zeros([2, 3])), RangeError, /3 features/, /fitted on 2/);
      assertThrows(() => new data.StandardScaler().fit(tf.tensor([[NaN, 1], [1, 1]])), RangeError, /NaN/);
    });

    it('classWeights: n / (K * count) per class, bad labels and empty classes throw', () => {
      const y = tf.tensor([0, 0, 0, 1, 2, 2], { dtype: 'int32' });
      assertClose(data.classWeights(y), { shape: [3], data: Float64Array.from([6 / 9, 6 / 3, 6 / 6]) }, 1e-6, 1e-6);
      // Weighted this way, every class carries the same total weight (n / K).
      const w = data.classWeights(y).dataSync(), labels = y.dataSync();
      const total = [0, 0, 0];
      labels.forEach((l) => { total[l] += w[l]; });
      total.forEach((t) => assert.ok(Math.abs(t - 2) < 1e-5, `class total ${t}`));
      assertThrows(() => data.classWeights(y, 4), RangeError, /classWeights/, /class 3 has no samples/);
      assertThrows(() => data.classWeights(tf.tensor([0, 1])), TypeError, /classWeights/, /float32/);
      assertThrows(() => data.classWeights(tf.tensor([[0, 1]], { dtype: 'int32' })), TypeError, /\[1, 2\]/);
    });

    it('MinMaxScaler: range, clip, inverse, JSON round trip', () => {
      const sc = new data.MinMaxScaler({ featureRange: [-1, 1] }).fit(x);
      assertClose(sc.transform(x), { shape: [3, 2], data: Float64Array.from([-1, -1, 0, -0.6, 1, 1]) }, 1e-6, 1e-6);
      assertClose(sc.inverseTransform(sc.transform(x)), { shape: [3, 2], data: Float64Array.from([1, 10, 2, 20, 3, 60]) }, 1e-6, 1e-5);
      const clip = new data.MinMaxScaler({ clip: true }).fit(x);
      assert.deepStrictEqual(clip.transform(tf.tensor([[10, -100]])).toArray(), [[1, 0]]);
      const copy = data.MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(sc)));
      assert.deepStrictEqual(copy.transform(x).toArray(), sc.transform(x).toArray());
      assertThrows(() => new data.MinMaxScaler({ featureRange: [1, 0] }), RangeError, /featureRange/);
      assertThrows(() => data.MinMaxScaler.fromJSON({ type: 'StandardScaler' }), TypeError, /MinMaxScaler/);
    });

    it('oneHot, LabelEncoder, OneHotEncoder', () => {
      assert.deepStrictEqual(data.oneHot(tf.tensor([2, 0, 1], { dtype: 'int32' }), 4).toArray(), [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]]);
      assert.deepStrictEqual(data.oneHot(tf.tensor([1, 0], { dtype: 'int32' })).shape, [2, 2]);
      assertThrows(() => data.oneHot(tf.tensor([3], { dtype: 'int32' }), 3), RangeError, /\[0, 3\)/);
      assertThrows(() => data.oneHot(tf.tensor([1.5])), TypeError, /integer/);
      const le = new data.LabelEncoder().fit(['dog', 'cat', 'bird', 'cat']);
      assert.deepStrictEqual(le.classes, ['bird', 'cat', 'dog']);
      assert.deepStrictEqual(le.transform(['cat', 'dog']).toArray(), [1, 2]);
      assert.deepStrictEqual(le.inverseTransform([2, 0]), ['dog', 'bird']);
      assert.deepStrictEqual(data.LabelEncoder.fromJSON(le.toJSON()).transform(['bird']).toArray(), [0]);
      assertThrows(() => le.transform(['cow']), RangeError, /unseen label "cow" at position 0/);
      const oh = new data.OneHotEncoder({ handleUnknown: 'ignore' }).fit(['b', 'a', 'c']);
      assert.deepStrictEqual(oh.transform(['c', 'x', 'a']).toArray(), [[0, 0, 1], [0, 0, 0], [1, 0, 0]]);
      assert.deepStrictEqual(oh.inverseTransform(oh.transform(['c', 'x'])), ['c', null]);
      assertThrows(() => new data.OneHotEncoder().fit(['a']).transform(['b']), RangeError, /unseen category "b"/);
    });

    it('SimpleImputer strategies and NaN detection', () => {
      const m = tf.tensor([[1, NaN, 7], [NaN, 4, 7], [3, 4, 8], [4, 1, NaN]]);
      assert.deepStrictEqual(data.isNan(m).toArray(), [[false, true, false], [true, false, false], [false, false, false], [false, false, true]]);
      assert.deepStrictEqual(data.countMissing(m), [1, 1, 1]);
      const filled = (s: tf.data.ImputeStrategy, fill?: number): number[][] => rowsOf(new data.SimpleImputer({ strategy: s, fillValue: fill }).fit(m).transform(m));
      assertClose({ shape: [4, 3], data: Float64Array.from(filled('mean').flat()) }, { shape: [4, 3], data: Float64Array.from([1, 3, 7, 8 / 3, 4, 7, 3, 4, 8, 4, 1, 22 / 3]) }, 1e-6, 1e-6);
      assert.deepStrictEqual(filled('median'), [[1, 4, 7], [3, 4, 7], [3, 4, 8], [4, 1, 7]]);
      assert.deepStrictEqual(filled('mostFrequent'), [[1, 4, 7], [1, 4, 7], [3, 4, 8], [4, 1, 7]]);
      assert.deepStrictEqual(filled('constant', -1), [[1, -1, 7], [-1, 4, 7], [3, 4, 8], [4, 1, -1]]);
      const imp = new data.SimpleImputer({ strategy: 'median' }).fit(m);
      assert.deepStrictEqual(data.SimpleImputer.fromJSON(JSON.parse(JSON.stringify(imp))).transform(m).toArray(), imp.transform(m).toArray());
      assertThrows(() => new data.SimpleImputer().fit(tf.tensor([[NaN], [NaN]])), RangeError, /feature 0 has no non-missing values/);
      assertThrows(() => new data.SimpleImputer({ strategy: 'mode' as tf.data.ImputeStrategy }), TypeError, /strategy/);
    });
  });
});
