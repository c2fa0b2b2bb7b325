/** Training: fit/evaluate/predict, callbacks, progress, plots and hyperparameter search. */
export { fit, evaluate, predict, History, type FitOptions } from './fit';
export { earlyStopping, modelCheckpoint, logger, csvLogger, jsonlLogger, type Callback, type FitContext, type EarlyStoppingOptions, type ModelCheckpointOptions } from './callbacks';
export { progressBar, type ProgressOptions } from './progress';
export { liveMonitor, type LiveMonitor, type LiveMonitorOptions } from './monitor';
export { plotWriter, lineChartSvg, confusionMatrixSvg, historyCharts, writeTextAtomic } from './plot';
export { search, formatTrials, type SearchOptions, type SearchResult, type Trial, type ParamSpec } from './search';
export type { TrainableModel, BatchSource, Batch, OptimizerLike, SchedulerLike, LossFn, StreamingMetric, EpochLogs } from './types';
