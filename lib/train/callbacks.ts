/** Callbacks for train.fit (Keras-style hooks): early stopping, checkpoints, loggers. */
import * as fs from 'fs';
import * as path from 'path';
import type { Tensor } from '../tensor';
import { keep } from '../tensor';
import type { EpochLogs, TrainableModel } from './types';
import { checkOptions } from '../options';

/**
 * What callbacks get from `fit`: the model, the epoch count, batches per epoch, and a stop flag.
 * @example
 * const stopAtTarget: train.Callback = {
 *   onEpochEnd(_epoch, logs, ctx: train.FitContext) { if (logs.loss < 0.05) ctx.stopTraining = true; },
 * };
 */
export interface FitContext {
  model: TrainableModel;
  epochs: number;
  stepsPerEpoch: number | null;
  /** Set to true to stop after the current epoch. */
  stopTraining: boolean;
}

/**
 * Hooks that `train.fit` calls (and awaits) around training, epochs and batches.
 * @example
 * const timer: train.Callback = {
 *   onEpochBegin(epoch) { console.time(`epoch ${epoch + 1}`); },
 *   onEpochEnd(epoch, logs) { console.timeEnd(`epoch ${epoch + 1}`); console.log(logs.loss); },
 *   onBatchEnd(step, { loss }, ctx) { if (!Number.isFinite(loss)) ctx.stopTraining = true; },
 * };
 */
export interface Callback {
  /** Before the first epoch. */
  onTrainBegin?(ctx: FitContext): void | Promise<void>;
  /** Before each epoch (epoch counts from 0). */
  onEpochBegin?(epoch: number, ctx: FitContext): void | Promise<void>;
  /** After each training batch, with its loss and size. */
  onBatchEnd?(step: number, logs: { loss: number; batchSize: number }, ctx: FitContext): void | Promise<void>;
  /** After each epoch (and its validation), with the epoch's logs. */
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: FitContext): void | Promise<void>;
  /** After the last epoch (or an early stop), with every epoch's logs. */
  onTrainEnd?(logs: EpochLogs[], ctx: FitContext): void | Promise<void>;
  /** Under data-parallel training (a DistributedDataParallel model), run only on rank 0:
   * output such as logs, progress and checkpoints (every rank computes the same values). */
  rankZeroOnly?: boolean;
}

export type Mode = 'min' | 'max' | 'auto';

function resolveMode(monitor: string, mode: Mode): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|precision|recall|f1|auc|r2/i.test(monitor) ? 'max' : 'min';
}

function monitored(op: string, logs: EpochLogs, monitor: string): number | null {
  const v = logs[monitor];
  if (v === undefined) {
    process.emitWarning(`${op}: monitored value '${monitor}' is not in the epoch logs (${Object.keys(logs).join(', ')})`);
    return null;
  }
  return v;
}

function cloneState(sd: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(sd)) out[k] = keep(v.clone());
  return out;
}

/**
 * Options of `earlyStopping`: the monitored log value, how long to wait, and whether to restore the best weights.
 * @example
 * const opts: train.EarlyStoppingOptions = { monitor: 'val_accuracy', mode: 'max', patience: 3, restoreBest: true };
 * const stop = train.earlyStopping(opts);
 */
export interface EarlyStoppingOptions {
  monitor?: string; patience?: number; minDelta?: number; mode?: Mode;
  /** Load the best epoch's weights back into the model when training stops. */
  restoreBest?: boolean;
}

/**
 * Stops when `monitor` (default val_loss) has not improved by minDelta for `patience` epochs.
 * @example
 * const stop = train.earlyStopping({ monitor: 'val_loss', patience: 5, minDelta: 1e-4, restoreBest: true });
 * // await train.fit(model, { ..., validation: valLoader, callbacks: [stop] });  then stop.bestEpoch
 */
export function earlyStopping(opts: EarlyStoppingOptions = {}): Callback & { bestEpoch: number; stoppedEpoch: number } {
  checkOptions('earlyStopping', opts, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBest']);
  const monitor = opts.monitor ?? 'val_loss', patience = opts.patience ?? 3, minDelta = Math.abs(opts.minDelta ?? 0);
  if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`earlyStopping: patience must be a non-negative integer, got ${patience}`);
  const mode = resolveMode(monitor, opts.mode ?? 'auto');
  let best = mode === 'min' ? Infinity : -Infinity, wait = 0;
  let bestState: Record<string, Tensor> | null = null;
  const cb = {
    bestEpoch: -1, stoppedEpoch: -1,
    onTrainBegin() { best = mode === 'min' ? Infinity : -Infinity; wait = 0; cb.bestEpoch = -1; cb.stoppedEpoch = -1; },
    onEpochEnd(epoch: number, logs: EpochLogs, ctx: FitContext) {
      const v = monitored('earlyStopping', logs, monitor);
      if (v === null) return;
      const improved = mode === 'min' ? v < best - minDelta : v > best + minDelta;
      if (improved) {
        best = v; wait = 0; cb.bestEpoch = epoch;
        if (opts.restoreBest) {
          if (bestState) for (const t of Object.values(bestState)) t.dispose();
          bestState = cloneState(ctx.model.stateDict());
        }
      } else if (++wait > patience) {
        ctx.stopTraining = true;
        cb.stoppedEpoch = epoch;
      }
    },
    onTrainEnd(_logs: EpochLogs[], ctx: FitContext) {
      if (opts.restoreBest && bestState) {
        ctx.model.loadStateDict(bestState);
        for (const t of Object.values(bestState)) t.dispose();
        bestState = null;
      }
    },
  };
  return cb;
}

/**
 * Options of `modelCheckpoint`.
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { io, train } from 'tensorforge';
 * const opts: train.ModelCheckpointOptions = { path: path.join(os.tmpdir(), 'best.safetensors'), save: io.save, monitor: 'val_loss', saveBestOnly: true };
 * const ckpt = train.modelCheckpoint(opts);
 */
export interface ModelCheckpointOptions {
  /** Where to write; `{epoch}` is replaced by the epoch number. */
  path: string;
  /** Writes the state dict (e.g. io.save); the file must be written atomically. */
  save: (stateDict: Record<string, Tensor>, file: string) => void | Promise<void>;
  monitor?: string; mode?: Mode; saveBestOnly?: boolean;
}

/**
 * Saves the model's weights after epochs (only improvements when saveBestOnly).
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { io, train } from 'tensorforge';
 * const ckpt = train.modelCheckpoint({
 *   path: path.join(os.tmpdir(), 'ckpt-{epoch}.safetensors'), save: (sd, file) => io.save(sd, file),
 *   monitor: 'val_accuracy', saveBestOnly: true,
 * });
 */
export function modelCheckpoint(opts: ModelCheckpointOptions): Callback & { saved: string[] } {
  checkOptions('modelCheckpoint', opts, ['path', 'save', 'monitor', 'mode', 'saveBestOnly']);
  if (!opts || typeof opts.path !== 'string' || typeof opts.save !== 'function') {
    throw new TypeError('modelCheckpoint: needs { path: string, save: (stateDict, file) => void }');
  }
  const monitor = opts.monitor ?? 'val_loss', mode = resolveMode(monitor, opts.mode ?? 'auto');
  let best = mode === 'min' ? Infinity : -Infinity;
  const cb = {
    saved: [] as string[],
    rankZeroOnly: true,
    async onEpochEnd(epoch: number, logs: EpochLogs, ctx: FitContext) {
      if (opts.saveBestOnly ?? true) {
        const v = monitored('modelCheckpoint', logs, monitor);
        if (v === null || !(mode === 'min' ? v < best : v > best)) return;
        best = v;
      }
      const file = opts.path.replace('{epoch}', String(epoch));
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      await opts.save(ctx.model.stateDict(), file);
      cb.saved.push(file);
    },
  };
  return cb;
}

/**
 * Appends one line per epoch to a CSV (header first) or JSONL file.
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { train } from 'tensorforge';
 * const log = train.logger(path.join(os.tmpdir(), 'run.jsonl'));   // one JSON line of epoch logs per epoch
 */
export function logger(file: string, format: 'csv' | 'jsonl' = file.endsWith('.jsonl') ? 'jsonl' : 'csv'): Callback {
  let keys: string[] | null = null;
  return {
    rankZeroOnly: true,
    onTrainBegin() {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      fs.writeFileSync(file, '');
      keys = null;
    },
    onEpochEnd(_epoch: number, logs: EpochLogs) {
      if (format === 'jsonl') { fs.appendFileSync(file, JSON.stringify(logs) + '\n'); return; }
      if (!keys) { keys = Object.keys(logs); fs.appendFileSync(file, keys.join(',') + '\n'); }
      fs.appendFileSync(file, keys.map((k) => String(logs[k] ?? '')).join(',') + '\n');
    },
  };
}

/**
 * A callback appending each epoch's logs as a CSV row (header first) to `file`.
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { train } from 'tensorforge';
 * const log = train.csvLogger(path.join(os.tmpdir(), 'run.csv'));
 */
export const csvLogger = (file: string): Callback => logger(file, 'csv');
/**
 * A callback appending each epoch's logs as one JSON line to `file`.
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { train } from 'tensorforge';
 * const log = train.jsonlLogger(path.join(os.tmpdir(), 'run.jsonl'));
 */
export const jsonlLogger = (file: string): Callback => logger(file, 'jsonl');
