/** Data pipeline: datasets, loaders, splits, preprocessing, image transforms, file loaders. */
export { type Dataset, TensorDataset, Subset, randomSplit, trainValTestSplit, type SplitOptions, type XY } from './dataset';
export { DataLoader, defaultCollate, type DataLoaderOptions } from './dataloader';
export { gatherRows } from './gather';
export {
  StandardScaler, MinMaxScaler, LabelEncoder, OneHotEncoder, SimpleImputer, oneHot, classWeights, isNan, countMissing, type ImputeStrategy,
} from './preprocessing';
export * as transforms from './transforms';
export {
  Compose, Normalize, RandomHorizontalFlip, RandomVerticalFlip, RandomRotation, RandomAffine, RandomTranslation,
  RandomCrop, GaussianNoise, type Transform, type AffineOptions,
} from './transforms';
export { parseCsv, readCsv, CsvTable, type CsvOptions, type CsvColumn, type ColumnType, readIdx, decodeIdx, encodeIdx, writeIdx } from './loaders';
export * as datasets from './datasets';
export { DistributedSampler, type DistributedSamplerOptions } from '../dist/sampler';
