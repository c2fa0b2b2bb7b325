/**
 * Data pipeline: datasets, loaders, splits, preprocessing, image transforms, file loaders.
 * @example
 * const ds = new data.TensorDataset(randn([100, 4]), randint(0, 3, [100]));
 * const loader = new data.DataLoader(ds, { batchSize: 32, shuffle: true, seed: 0 });
 * for (const [xb, yb] of loader) console.log(xb.shape, yb.shape);   // [32, 4] [32] ... [4, 4] [4]
 */
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
