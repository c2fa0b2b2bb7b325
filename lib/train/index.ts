/**
 * Training: fit/evaluate/predict, callbacks, progress, plots and hyperparameter search.
 * @example
 * const model = new nn.Linear(4, 3);
 * const loader = new data.DataLoader(new data.TensorDataset(randn([64, 4]), randint(0, 3, [64])), { batchSize: 16, shuffle: true });
 * const history = await train.fit(model, { train: loader, loss: 'crossEntropy', optimizer: new optim.Adam(model.parameters()), epochs: 5, metrics: ['accuracy'] });
 * const logits = await train.predict(model, randn([10, 4]));
 */
export { fit, evaluate, predict, History, type FitOptions } from './fit';
export { earlyStopping, modelCheckpoint, logger, csvLogger, jsonlLogger, type Callback, type FitContext, type EarlyStoppingOptions, type ModelCheckpointOptions } from './callbacks';
export { progressBar, type ProgressOptions } from './progress';
export { liveMonitor, type LiveMonitor, type LiveMonitorOptions } from './monitor';
export { plotWriter, lineChartSvg, confusionMatrixSvg, historyCharts, writeTextAtomic } from './plot';
export { search, formatTrials, type SearchOptions, type SearchResult, type Trial, type ParamSpec } from './search';
export type { TrainableModel, BatchSource, Batch, OptimizerLike, SchedulerLike, LossFn, StreamingMetric, EpochLogs } from './types';
