/** Progress display for fit: a live bar on a TTY (epoch, step, loss, metrics, throughput,
 * ETA), one plain line per epoch otherwise. */
import type { Callback, FitContext } from './callbacks';
import type { EpochLogs } from './types';
import { checkOptions } from '../options';

/**
 * Options of `progressBar`: the output stream, the bar width, and whether to draw a live bar.
 * @example
 * const opts: train.ProgressOptions = { stream: process.stdout, width: 40, tty: false };
 * const bar = train.progressBar(opts);
 */
export interface ProgressOptions { stream?: NodeJS.WriteStream | NodeJS.WritableStream; width?: number; tty?: boolean }

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${Math.round(s % 60).toString().padStart(2, '0')}s` : `${s.toFixed(1)}s`;
}

function fmtLogs(logs: Record<string, number>, skip: string[]): string {
  return Object.entries(logs).filter(([k]) => !skip.includes(k))
    .map(([k, v]) => `${k} ${Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4)}`).join(' · ');
}

/**
 * The progress display `fit` shows by default (`verbose: true`): a live bar on a terminal, one line per epoch otherwise.
 * @example
 * const bar = train.progressBar({ stream: process.stderr, width: 30 });
 * // await train.fit(model, { ..., verbose: false, callbacks: [bar] });
 */
export function progressBar(opts: ProgressOptions = {}): Callback {
  checkOptions('progressBar', opts, ['stream', 'width', 'tty']);
  const stream = opts.stream ?? process.stdout;
  const tty = opts.tty ?? Boolean((stream as NodeJS.WriteStream).isTTY);
  const width = opts.width ?? 24;
  if (!Number.isInteger(width) || width < 1 || width > 1000) throw new RangeError(`progressBar: width must be an integer in [1, 1000], got ${opts.width}`);
  let t0 = 0, samples = 0, lossSum = 0, steps = 0, lastDraw = 0;
  return {
    rankZeroOnly: true,
    onEpochBegin() { t0 = performance.now(); samples = 0; lossSum = 0; steps = 0; lastDraw = 0; },
    onBatchEnd(step: number, logs: { loss: number; batchSize: number }, ctx: FitContext) {
      samples += logs.batchSize; lossSum += logs.loss; steps = step + 1;
      if (!tty) return;
      const now = performance.now();
      if (now - lastDraw < 100 && step + 1 !== ctx.stepsPerEpoch) return;
      lastDraw = now;
      const el = (now - t0) / 1000, total = ctx.stepsPerEpoch;
      const frac = total ? steps / total : 0;
      const filled = Math.round(frac * width);
      const bar = total ? `[${'='.repeat(Math.max(filled - 1, 0))}${filled ? '>' : ''}${' '.repeat(width - filled)}]` : '';
      const eta = total ? fmtTime((el / steps) * (total - steps)) : '?';
      stream.write(`\r\x1b[2K${bar} ${steps}/${total ?? '?'} · loss ${(lossSum / steps).toFixed(4)} · ${(samples / el).toFixed(0)} samples/s · ETA ${eta}`);
    },
    onEpochEnd(epoch: number, logs: EpochLogs, ctx: FitContext) {
      const el = (performance.now() - t0) / 1000;
      const line = `epoch ${epoch + 1}/${ctx.epochs} · ${fmtLogs(logs, ['epoch', 'timeMs'])} · ${(samples / Math.max(el, 1e-9)).toFixed(0)} samples/s · ${fmtTime(el)}`;
      stream.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
  };
}
