/** Metrics on hand-checked cases; streaming versions equal the one-shot ones. */
import * as assert from 'assert';
import { tf, assertThrows } from './helpers';

const { metrics } = tf;
const i32 = (v: number[]): tf.Tensor => tf.tensor(v, { dtype: 'int32' });
const near = (a: number, b: number, tol = 1e-6): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const nearAll = (a: number[], b: number[], tol = 1e-6): void => { assert.strictEqual(a.length, b.length); a.forEach((v, i) => near(v, b[i], tol)); };

// Confusion matrix (rows true, cols pred): [[2, 0, 0], [1, 1, 1], [0, 1, 1]]
const PRED = [0, 1, 2, 2, 1, 0, 0], TARGET = [0, 1, 1, 2, 2, 0, 1];

describe('65 metrics', () => {
  it('accuracy from labels and from logits', () => {
    near(metrics.accuracy(i32(PRED), i32(TARGET)), 4 / 7);
    const logits = tf.tensor([[2, 1, 0], [0, 3, 1], [0, 0, 5]]);
    near(metrics.accuracy(logits, i32([0, 1, 1])), 2 / 3);
    assertThrows(() => metrics.accuracy(i32([0, 1]), i32([0])), RangeError, /accuracy/, /target must be class indices \[2\]/);
    assertThrows(() => metrics.accuracy(tf.tensor([0.5, 1]), i32([0, 1])), TypeError, /non-integer/);
  });

  it('topKAccuracy', () => {
    const s = tf.tensor([[0.1, 0.5, 0.4], [0.3, 0.2, 0.4], [0.9, 0.05, 0.05]]);
    const t = i32([2, 0, 0]);
    near(metrics.topKAccuracy(s, t, 1), 1 / 3);
    near(metrics.topKAccuracy(s, t, 2), 1);
    near(metrics.topKAccuracy(s, i32([0, 1, 1]), 2), 1 / 3);
    near(metrics.topKAccuracy(s, t, 3), 1);
    assertThrows(() => metrics.topKAccuracy(s, t, 0), RangeError, /k must be a positive integer/);
  });

  it('confusion matrix and its text table', () => {
    const cm = metrics.confusionMatrix(i32(PRED), i32(TARGET));
    assert.strictEqual(cm.dtype, 'int32');
    assert.deepStrictEqual(cm.toArray(), [[2, 0, 0], [1, 1, 1], [0, 1, 1]]);
    assert.deepStrictEqual(metrics.confusionMatrix(i32([0]), i32([0]), { numClasses: 3 }).toArray(), [[1, 0, 0], [0, 0, 0], [0, 0, 0]]);
    assert.strictEqual(metrics.formatConfusionMatrix(cm), [
      'true \\ pred | 0 1 2',
      '------------+------',
      '0           | 2 0 0',
      '1           | 1 1 1',
      '2           | 0 1 1',
    ].join('\n'));
    assert.strictEqual(metrics.formatConfusionMatrix([[12, 0], [3, 100]], { labels: ['cat', 'dog'] }), [
      'true \\ pred | cat dog',
      '------------+--------',
      'cat         |  12   0',
      'dog         |   3 100',
    ].join('\n'));
    assertThrows(() => metrics.confusionMatrix(i32([3]), i32([0]), { numClasses: 3 }), RangeError, /label 3 is out of range for 3 classes/);
    assertThrows(() => metrics.confusionMatrix(i32([-1]), i32([0])), RangeError, /non-negative/);
  });

  it('precision / recall / F1: per class, macro, micro, weighted', () => {
    const p = i32(PRED), t = i32(TARGET);
    nearAll(metrics.precision(p, t, { average: 'none' }) as number[], [2 / 3, 1 / 2, 1 / 2]);
    nearAll(metrics.recall(p, t, { average: 'none' }) as number[], [1, 1 / 3, 1 / 2]);
    nearAll(metrics.f1Score(p, t, { average: 'none' }) as number[], [4 / 5, 2 / 5, 1 / 2]);
    near(metrics.precision(p, t) as number, 5 / 9);
    near(metrics.recall(p, t) as number, 11 / 18);
    near(metrics.f1Score(p, t) as number, 1.7 / 3);
    near(metrics.precision(p, t, { average: 'weighted' }) as number, (4 / 3 + 1.5 + 1) / 7);
    near(metrics.recall(p, t, { average: 'weighted' }) as number, 4 / 7);
    near(metrics.f1Score(p, t, { average: 'weighted' }) as number, 3.8 / 7);
    for (const f of [metrics.precision, metrics.recall, metrics.f1Score]) near(f(p, t, { average: 'micro' }) as number, 4 / 7);
    // Class 2 never predicted and never true: 0/0 -> zeroDivision, and macro skips absent classes.
    nearAll(metrics.precision(i32([0, 1]), i32([0, 0]), { average: 'none', numClasses: 3 }) as number[], [1, 0, 0]);
    near(metrics.precision(i32([0, 1]), i32([0, 0]), { numClasses: 3 }) as number, 0.5);
    nearAll(metrics.recall(i32([0, 0]), i32([0, 0]), { average: 'none', numClasses: 2, zeroDivision: 1 }) as number[], [1, 1]);
  });

  it('classificationReport matches scikit-learn layout', () => {
    const r = metrics.classificationReport(i32(PRED), i32(TARGET));
    assert.strictEqual(r, [
      '              precision    recall  f1-score   support',
      '',
      '           0       0.67      1.00      0.80         2',
      '           1       0.50      0.33      0.40         3',
      '           2       0.50      0.50      0.50         2',
      '',
      '    accuracy                           0.57         7',
      '   macro avg       0.56      0.61      0.57         7',
      'weighted avg       0.55      0.57      0.54         7',
      '',
    ].join('\n'));
    const named = metrics.classificationReport(i32(PRED), i32(TARGET), { targetNames: ['setosa', 'versicolor', 'virginica'], digits: 3 });
    assert.match(named, /\n  versicolor      0\.500     0\.333     0\.400         3\n/);
    assertThrows(() => metrics.classificationReport(i32(PRED), i32(TARGET), { targetNames: ['a'] }), RangeError, /1 target names for 3 classes/);
  });

  it('regression: mse, mae, r2 (single and multi-output)', () => {
    const yt = tf.tensor([3, -0.5, 2, 7]), yp = tf.tensor([2.5, 0, 2, 8]);
    near(metrics.mse(yp, yt), 0.375);
    near(metrics.mae(yp, yt), 0.5);
    near(metrics.r2Score(yp, yt), 1 - 1.5 / 29.1875, 1e-6);
    const mt = tf.tensor([[0.5, 1], [-1, 1], [7, -6]]), mp = tf.tensor([[0, 2], [-1, 2], [8, -5]]);
    near(metrics.r2Score(mp, mt), (1 - 1.25 / (50.25 - 6.5 * 6.5 / 3) + 1 - 3 / (38 - 16 / 3)) / 2, 1e-6);
    near(metrics.r2Score(tf.tensor([1, 1]), tf.tensor([1, 1])), 1);
    near(metrics.r2Score(tf.tensor([1, 2]), tf.tensor([1, 1])), 0);
    assertThrows(() => metrics.mse(tf.zeros([3]), tf.zeros([4])), RangeError, /mse/, /\[3\]/, /\[4\]/);
  });

  it('rocAuc with ties', () => {
    near(metrics.rocAuc(tf.tensor([0.1, 0.4, 0.35, 0.8]), i32([0, 0, 1, 1])), 0.75);
    near(metrics.rocAuc(tf.tensor([0.2, 0.6, 0.6, 0.9]), i32([0, 0, 1, 1])), 0.875);
    near(metrics.rocAuc(tf.tensor([0.5, 0.5, 0.5, 0.5]), i32([0, 1, 0, 1])), 0.5);
    near(metrics.rocAuc(tf.tensor([[0.9, 0.1], [0.2, 0.8]]), i32([0, 1])), 1);
    assertThrows(() => metrics.rocAuc(tf.tensor([0.1, 0.2]), i32([1, 1])), RangeError, /only one class/);
    assertThrows(() => metrics.rocAuc(tf.tensor([0.1, 0.2]), i32([0, 2])), RangeError, /binary/);
  });

  it('streaming metrics accumulate over batches to the one-shot values', () => {
    tf.manualSeed(11);
    const n = 103, c = 4;
    const logits = tf.randn([n, c]), target = tf.randint(0, c, [n]);
    const yt = tf.randn([n, 2]), yp = yt.add(tf.randn([n, 2], { std: 0.3 }));
    const score = tf.rand([n]), bin = tf.randint(0, 2, [n]);
    const acc = new metrics.Accuracy(), top2 = new metrics.TopKAccuracy(2), cm = new metrics.ConfusionMatrix(c);
    const f1 = metrics.createMetric('f1', { numClasses: c, average: 'weighted' }), prec = new metrics.Precision(c, { average: 'none' });
    const mse = new metrics.MeanSquaredError(), mae = metrics.createMetric('mae'), r2 = new metrics.R2Score(), auc = new metrics.RocAuc();
    // Two epochs with reset() between: the second must not see the first.
    for (let epoch = 0; epoch < 2; epoch++) {
      for (const m of [acc, top2, cm, f1, prec, mse, mae, r2, auc]) m.reset();
      for (let a = 0; a < n; a += 25) {
        const b = Math.min(a + 25, n);
        const lg = logits.slice(0, a, b), tg = target.slice(0, a, b);
        for (const m of [acc, top2, cm, f1, prec]) m.update(lg, tg);
        for (const m of [mse, mae, r2]) m.update(yp.slice(0, a, b), yt.slice(0, a, b));
        auc.update(score.slice(0, a, b), bin.slice(0, a, b));
      }
    }
    near(acc.compute(), metrics.accuracy(logits, target));
    near(top2.compute(), metrics.topKAccuracy(logits, target, 2));
    assert.deepStrictEqual(cm.compute(), metrics.confusionMatrix(logits, target, { numClasses: c }).toArray());
    near(f1.compute() as number, metrics.f1Score(logits, target, { average: 'weighted', numClasses: c }) as number);
    nearAll(prec.compute() as number[], metrics.precision(logits, target, { average: 'none', numClasses: c }) as number[]);
    near(mse.compute(), metrics.mse(yp, yt), 1e-5);
    near(mae.compute() as number, metrics.mae(yp, yt), 1e-5);
    near(r2.compute(), metrics.r2Score(yp, yt), 1e-5);
    near(auc.compute(), metrics.rocAuc(score, bin), 1e-12);
    assert.strictEqual(cm.report(), metrics.classificationReport(logits, target, { numClasses: c }));
    assert.match(cm.format(), /^true \\ pred \|/);
    assertThrows(() => metrics.createMetric('precision'), TypeError, /numClasses/);
    assertThrows(() => metrics.createMetric('recall', { numClasses: 3, average: 'none' as 'macro' }), TypeError, /new metrics.Recall/);
    assertThrows(() => metrics.createMetric('bleu'), TypeError, /unknown metric "bleu"/);
    assert.strictEqual(metrics.createMetric('top3Accuracy').name, 'top3Accuracy');
  });
});
