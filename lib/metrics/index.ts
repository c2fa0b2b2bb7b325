/** Evaluation metrics: functional (one call on whole tensors) and streaming (per batch). */
export {
  accuracy, topKAccuracy, confusionMatrix, formatConfusionMatrix, classificationReport, precision, recall, f1Score, rocAuc,
  classStats, type Average, type ClassOptions, type ScoreOptions, type ClassStats,
} from './classification';
export { mse, mae, r2Score } from './regression';
export {
  type Metric, Accuracy, TopKAccuracy, ConfusionMatrix, Precision, Recall, F1Score, MeanSquaredError, MeanAbsoluteError,
  R2Score, RocAuc, createMetric,
} from './streaming';
