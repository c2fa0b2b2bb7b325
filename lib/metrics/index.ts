/**
 * Evaluation metrics: functional (one call on whole tensors) and streaming (per batch).
 * @example
 * const logits = randn([100, 3]), y = randint(0, 3, [100]);
 * console.log(metrics.accuracy(logits, y), metrics.f1Score(logits, y));
 * const acc = new metrics.Accuracy();              // streaming: per batch
 * acc.update(logits, y);
 * console.log(acc.compute());
 */
export {
  accuracy, topKAccuracy, confusionMatrix, formatConfusionMatrix, classificationReport, precision, recall, f1Score, rocAuc,
  classStats, type Average, type ClassOptions, type ScoreOptions, type ClassStats,
} from './classification';
export { mse, mae, r2Score } from './regression';
export {
  type Metric, Accuracy, TopKAccuracy, ConfusionMatrix, Precision, Recall, F1Score, MeanSquaredError, MeanAbsoluteError,
  R2Score, RocAuc, createMetric,
} from './streaming';
