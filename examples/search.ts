// Hyperparameter search with train.search on a real table: the vega `cars` data (406 cars of
// 1970-82; python3-vega-datasets), predicting a car's origin (USA / Europe / Japan) from its
// mileage, cylinders, displacement, horsepower, weight, acceleration and model year.
// Random search over depth, width, activation, optimizer, learning rate, dropout and weight
// decay; each trial trains an MLP and is scored by validation accuracy. Prints the trials
// sorted by that score, retrains the best on train and reports held-out test accuracy against
// the majority-class baseline; writes validation curves of the best trials as SVG.
//   npm run example -- search [--quick]
import * as fs from 'fs';
import * as path from 'path';
import { manualSeed, tensor, tidy, nn, optim, data, metrics, train, type Tensor } from '../lib';
import type { ExampleArgs, ExampleResult } from './run';

/** Where Debian's python3-vega-datasets installs its tables. */
export const VEGA_DIR = '/usr/lib/python3/dist-packages/vega_datasets/_data';
const FEATURES = ['Miles_per_Gallon', 'Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Year'] as const;
const ORIGINS = ['USA', 'Europe', 'Japan'];

/** cars.json -> x float32 [N, 7] (complete rows only; Year as a number), y int32 [N] (origin). */
export function loadCars(file = path.join(VEGA_DIR, 'cars.json')): { x: Tensor; y: Tensor; dropped: number } {
  const rows = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number | string | null>[];
  const xs: number[] = [], ys: number[] = [];
  let dropped = 0;
  for (const r of rows) {
    const v = FEATURES.map((f) => (f === 'Year' ? new Date(String(r.Year)).getUTCFullYear() : r[f]));
    const origin = ORIGINS.indexOf(String(r.Origin));
    if (origin < 0 || v.some((a) => typeof a !== 'number' || !Number.isFinite(a))) { dropped++; continue; }
    xs.push(...(v as number[])); ys.push(origin);
  }
  return { x: tensor(xs, { shape: [ys.length, FEATURES.length] }), y: tensor(ys, { dtype: 'int32' }), dropped };
}

type Params = { layers: number; width: number; activation: string; optimizer: string; lr: number; dropout: number; weightDecay: number };

function activation(name: string): nn.Module {
  switch (name) {
    case 'relu': return new nn.ReLU();
    case 'tanh': return new nn.Tanh();
    case 'gelu': return new nn.GELU();
    default: throw new RangeError(`search example: unknown activation ${name}`);
  }
}

function mlp(p: Params, inputs: number, classes: number): nn.Sequential {
  const layers: nn.Module[] = [];
  let w = inputs;
  for (let i = 0; i < p.layers; i++) {
    layers.push(new nn.Linear(w, p.width), activation(p.activation));
    if (p.dropout > 0) layers.push(new nn.Dropout(p.dropout));
    w = p.width;
  }
  layers.push(new nn.Linear(w, classes));
  return new nn.Sequential(...layers);
}

function optimizer(p: Params, model: nn.Module): train.OptimizerLike {
  switch (p.optimizer) {
    case 'adamw': return new optim.AdamW(model.parameters(), { lr: p.lr, weightDecay: p.weightDecay });
    case 'sgd': return new optim.SGD(model.parameters(), { lr: p.lr, momentum: 0.9, weightDecay: p.weightDecay });
    case 'rmsprop': return new optim.RMSprop(model.parameters(), { lr: p.lr, weightDecay: p.weightDecay });
    default: throw new RangeError(`search example: unknown optimizer ${p.optimizer}`);
  }
}

const loaderOf = (xy: data.XY, shuffle: boolean): data.DataLoader => new data.DataLoader(new data.TensorDataset(xy.x, xy.y), { batchSize: 32, shuffle, seed: 3 });

export async function main({ quick, outDir }: ExampleArgs): Promise<ExampleResult> {
  const cars = loadCars();
  const split = data.trainValTestSplit(cars.x, cars.y, { val: 0.2, test: 0.2, seed: 7 });
  const scaler = new data.StandardScaler().fit(split.train.x);
  const [tr, val, test] = [split.train, split.val, split.test].map((s) => ({ x: scaler.transform(s.x), y: s.y }));
  const counts = ORIGINS.map((_, c) => Array.from(tr.y.dataSync()).filter((l) => l === c).length);
  const majority = counts.indexOf(Math.max(...counts));
  const baseline = Array.from(test.y.dataSync()).filter((l) => l === majority).length / test.y.shape[0];
  console.log(`cars: ${cars.x.shape[0]} complete rows (${cars.dropped} with missing values dropped); ` +
    `${tr.x.shape[0]} train / ${val.x.shape[0]} validation / ${test.x.shape[0]} test; classes ${ORIGINS.join(', ')}`);

  const epochs = quick ? 15 : 60;
  const curves = new Map<number, number[]>();
  const run = async (p: Params, seed: number): Promise<{ model: nn.Sequential; valAcc: number[] }> => {
    manualSeed(seed);
    const model = mlp(p, FEATURES.length, ORIGINS.length);
    const h = await train.fit(model, { train: loaderOf(tr, true), validation: loaderOf(val, false), loss: 'crossEntropy',
      optimizer: optimizer(p, model), epochs, metrics: ['accuracy'], verbose: false });
    return { model, valAcc: h.history.val_accuracy };
  };
  const result = await train.search({
    space: {
      layers: [1, 2, 3], width: [16, 64, 128], activation: ['relu', 'tanh', 'gelu'], optimizer: ['adamw', 'sgd', 'rmsprop'],
      lr: { min: 1e-4, max: 3e-2, log: true }, dropout: [0, 0.2, 0.5], weightDecay: { min: 1e-6, max: 1e-1, log: true },
    },
    strategy: 'random', trials: quick ? 6 : 40, seed: 11, direction: 'max', verbose: false,
    // NOTE: the score is the best-epoch validation accuracy averaged with the last epoch's, so a
    // trial that peaks once by luck and then diverges ranks below one that stays good.
    objective: async (params, trial) => {
      const { valAcc } = await run(params as unknown as Params, 100 + trial);
      curves.set(trial, valAcc);
      return (Math.max(...valAcc) + valAcc[valAcc.length - 1]) / 2;
    },
  });
  console.log(`\n${result.trials.length} trials × ${epochs} epochs, sorted by validation score (mean of best and last epoch accuracy):`);
  console.log(result.table);

  // Top five validation curves, and the worst trial for contrast.
  const shown = [...result.trials.slice(0, 5), result.trials[result.trials.length - 1]];
  const series: Record<string, number[]> = {};
  for (const t of shown) {
    const p = t.params as unknown as Params;
    series[`#${t.trial} ${p.optimizer} ${p.layers}x${p.width}`] = curves.get(t.trial)!;
  }
  train.writeTextAtomic(path.join(outDir, 'validation_curves.svg'), train.lineChartSvg('cars origin: validation accuracy (top 5 and worst)', series, 'accuracy'));
  train.writeTextAtomic(path.join(outDir, 'trials.txt'), `${result.table}\n`);

  // Retrain the best configuration (same seed) and score it once on the untouched test rows.
  const best = result.best;
  const { model } = await run(best.params as unknown as Params, 100 + best.trial);
  model.eval();
  const logits = tidy(() => model.forward(test.x));
  const testAcc = metrics.accuracy(logits, test.y);
  console.log(`\nbest trial #${best.trial}: validation score ${best.value.toFixed(3)}; test accuracy ${(testAcc * 100).toFixed(1)}% ` +
    `(majority class '${ORIGINS[majority]}': ${(baseline * 100).toFixed(1)}%)`);
  console.log(metrics.classificationReport(logits, test.y, { digits: 3, targetNames: ORIGINS }));
  const spread = best.value - result.trials[result.trials.length - 1].value;
  return { metrics: { bestValScore: best.value, worstValScore: result.trials[result.trials.length - 1].value, spread, testAccuracy: testAcc, baselineAccuracy: baseline, trials: result.trials.length } };
}
