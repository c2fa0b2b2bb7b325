// Forecasting: Seattle's hourly temperature through 2010 (vega's seattle-temps.csv, Debian
// package python3-vega-datasets). From the past 24 hours (temperature and the hour of day)
// an LSTM and a GRU predict the next 6 hours; both are compared on the last 15% of the year
// with the persistence forecast ("the next 6 hours stay at the current temperature"), by MAE
// and RMSE per horizon, with an SVG of a week of 3-hour-ahead forecasts against the truth.
//   npm run example -- forecast [--quick]
import * as path from 'path';
import { manualSeed, tensor, tidy, noGrad, nn, optim, data, train, type Tensor } from '../lib';
import type { ExampleArgs, ExampleResult } from './run';
import { VEGA_DIR } from './tabular';

const WINDOW = 24;
const HORIZON = 6;

interface Windows {
  /** [N, WINDOW, 3]: standardised temperature, sin and cos of the hour of day. */
  x: Tensor;
  /** [N, HORIZON]: the next HORIZON temperatures minus the current one, in standard units. */
  y: Tensor;
  /** The current (last observed) temperature of each window, degrees F. */
  last: Float32Array;
}

/** Hourly temperatures (degrees F) and hours of day from the CSV. */
function loadTemps(file: string): { temp: Float32Array; hour: Int32Array } {
  const table = data.readCsv(file, { columns: { date: 'string', temp: 'float32' } });
  const temp = table.column('temp') as Float32Array;
  const hour = Int32Array.from(table.column('date') as (string | null)[], (d, i) => {
    const h = Number(/ (\d\d):/.exec(d ?? '')?.[1]);
    if (!(h >= 0 && h < 24) || Number.isNaN(temp[i])) throw new Error(`forecast: ${file} line ${i + 2}: bad row ${JSON.stringify(d)}, ${temp[i]}`);
    return h;
  });
  return { temp, hour };
}

/** Windows starting at every `stride`-th hour of [from, to) (window and horizon inside it). */
function makeWindows(temp: Float32Array, hour: Int32Array, from: number, to: number, mean: number, std: number, stride: number): Windows {
  const starts: number[] = [];
  for (let s = from; s + WINDOW + HORIZON <= to; s += stride) starts.push(s);
  const x = new Float32Array(starts.length * WINDOW * 3), y = new Float32Array(starts.length * HORIZON), last = new Float32Array(starts.length);
  starts.forEach((s, n) => {
    for (let t = 0; t < WINDOW; t++) {
      const o = (n * WINDOW + t) * 3, angle = (2 * Math.PI * hour[s + t]) / 24;
      x[o] = (temp[s + t] - mean) / std; x[o + 1] = Math.sin(angle); x[o + 2] = Math.cos(angle);
    }
    last[n] = temp[s + WINDOW - 1];
    for (let k = 0; k < HORIZON; k++) y[n * HORIZON + k] = (temp[s + WINDOW + k] - last[n]) / std;
  });
  return { x: tensor(x, { shape: [starts.length, WINDOW, 3] }), y: tensor(y, { shape: [starts.length, HORIZON] }), last };
}

/** A recurrent encoder (LSTM or GRU) whose last hidden state a linear head maps to HORIZON steps. */
class Forecaster extends nn.Module {
  readonly rnn: nn.LSTM | nn.GRU;
  readonly head: nn.Linear;
  constructor(kind: 'LSTM' | 'GRU', hidden: number) {
    super();
    this.rnn = kind === 'LSTM' ? new nn.LSTM(3, hidden, { batchFirst: true }) : new nn.GRU(3, hidden, { batchFirst: true });
    this.head = new nn.Linear(hidden, HORIZON);
  }
  /** x [B, WINDOW, 3] -> [B, HORIZON]. */
  override forward(x: Tensor): Tensor {
    const out = this.rnn instanceof nn.LSTM ? this.rnn.forward(x)[0] : this.rnn.forward(x)[0];
    return this.head.forward(out.slice(1, WINDOW - 1, WINDOW).reshape([x.shape[0], -1]));
  }
}

/** MAE and RMSE in degrees F per horizon step, from predicted and true changes [N, HORIZON] in standard units. */
function errors(pred: Tensor, truth: Tensor, std: number): { mae: number[]; rmse: number[] } {
  return tidy(() => {
    const d = pred.sub(truth).mul(std);
    const mae = Array.from(d.abs().mean(0).dataSync());
    const rmse = Array.from(d.square().mean(0).sqrt().dataSync());
    return { mae, rmse };
  });
}

const avg = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

export async function main({ quick, outDir }: ExampleArgs): Promise<ExampleResult> {
  const { temp, hour } = loadTemps(path.join(VEGA_DIR, 'seattle-temps.csv'));
  const n = temp.length, trainEnd = Math.floor(n * 0.7), valEnd = Math.floor(n * 0.85);
  // Standardised with the training months' statistics only.
  let mean = 0, sq = 0;
  for (let i = 0; i < trainEnd; i++) { mean += temp[i]; sq += temp[i] * temp[i]; }
  mean /= trainEnd;
  const std = Math.sqrt(sq / trainEnd - mean * mean);
  // NOTE: quick mode trains on every 4th window only; validation and test use every window.
  const tr = makeWindows(temp, hour, 0, trainEnd, mean, std, quick ? 4 : 1);
  const va = makeWindows(temp, hour, trainEnd, valEnd, mean, std, 1);
  const te = makeWindows(temp, hour, valEnd, n, mean, std, 1);
  console.log(`seattle-temps.csv: ${n} hourly readings (degrees F), mean ${mean.toFixed(1)}, std ${std.toFixed(1)} over the training part`);
  console.log(`windows of ${WINDOW} h -> next ${HORIZON} h: ${tr.x.shape[0]} train / ${va.x.shape[0]} validation / ${te.x.shape[0]} test (chronological)\n`);

  const persistence = errors(tidy(() => te.y.mul(0)), te.y, std);
  const results: Record<string, { mae: number[]; rmse: number[]; pred: Tensor }> = {};
  for (const kind of ['LSTM', 'GRU'] as const) {
    manualSeed(3);
    const model = new Forecaster(kind, 32);
    // NOTE: the quick run takes a quarter of the steps per epoch, so larger ones.
    const opt = new optim.Adam(model.parameters(), { lr: quick ? 3e-3 : 1e-3 });
    const history = await train.fit(model, {
      train: new data.DataLoader(new data.TensorDataset(tr.x, tr.y), { batchSize: 64, shuffle: true, seed: 4 }),
      validation: new data.DataLoader(new data.TensorDataset(va.x, va.y), { batchSize: 512 }),
      loss: 'mse', optimizer: opt, epochs: quick ? 4 : 40, metrics: ['mae'], verbose: false,
      scheduler: new optim.lrScheduler.ReduceLROnPlateau(opt, { factor: 0.5, patience: 2 }), schedulerStep: 'monitor',
      callbacks: [train.earlyStopping({ monitor: 'val_loss', patience: 6, restoreBest: true }), train.plotWriter(path.join(outDir, kind.toLowerCase()))],
    });
    const best = history.best('val_loss');
    const pred = noGrad(() => model.eval().forward(te.x));
    results[kind] = { ...errors(pred, te.y, std), pred };
    console.log(`${kind}: ${history.epochs.length} epochs (kept ${(best?.epoch ?? 0) + 1}), validation MAE ${((best?.val_mae ?? NaN) * std).toFixed(2)} F`);
  }

  const rows: [string, { mae: number[]; rmse: number[] }][] = [['persistence', persistence], ['LSTM', results.LSTM], ['GRU', results.GRU]];
  console.log(`\ntest MAE / RMSE (degrees F) by hours ahead:`);
  console.log(`${'model'.padEnd(12)} ${Array.from({ length: HORIZON }, (_, k) => `+${k + 1}h`.padStart(11)).join('')} ${'mean'.padStart(11)}`);
  for (const [name, e] of rows) {
    console.log(`${name.padEnd(12)} ${e.mae.map((m, k) => `${m.toFixed(2)}/${e.rmse[k].toFixed(2)}`.padStart(11)).join('')} ${`${avg(e.mae).toFixed(2)}/${avg(e.rmse).toFixed(2)}`.padStart(11)}`);
  }

  // A week of test forecasts for 3 hours ahead, in degrees F.
  const k = 2, week = Math.min(24 * 7, te.x.shape[0]);
  const series = (changes: ArrayLike<number>): number[] => Array.from({ length: week }, (_, i) => te.last[i] + changes[i * HORIZON + k] * std);
  const chart = train.lineChartSvg(`Seattle temperature, ${k + 1} h ahead (first test week)`, {
    persistence: series(new Float32Array(week * HORIZON)), LSTM: series(results.LSTM.pred.dataSync()),
    GRU: series(results.GRU.pred.dataSync()), truth: series(te.y.dataSync()),  // drawn last, on top
  }, 'degrees F', 'hour');
  train.writeTextAtomic(path.join(outDir, 'forecast.svg'), chart);
  return {
    metrics: {
      persistence_mae: avg(persistence.mae), persistence_rmse: avg(persistence.rmse),
      lstm_mae: avg(results.LSTM.mae), lstm_rmse: avg(results.LSTM.rmse),
      gru_mae: avg(results.GRU.mae), gru_rmse: avg(results.GRU.rmse),
    },
  };
}
