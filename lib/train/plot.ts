/** SVG charts with no dependencies: training curves and a confusion-matrix heatmap. */
import * as fs from 'fs';
import * as path from 'path';
import { writeAll, writeFileAtomic } from '../io/atomic';
import type { Callback } from './callbacks';
import type { EpochLogs } from './types';

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Writes a text file atomically (lib/io/atomic).
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { train } from 'tensorforge';
 * train.writeTextAtomic(path.join(os.tmpdir(), 'report', 'summary.txt'), 'accuracy 0.97\n');
 */
export function writeTextAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, (fd) => writeAll(fd, Buffer.from(text)));
}

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / n, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * A line chart of several series over epochs (or over any step named by `xLabel`, counted
 * from 1); points are marked while a series has at most 100 of them.
 * @example
 * const svg = train.lineChartSvg('loss', { train: [1.2, 0.8, 0.5], val: [1.3, 0.9, 0.7] }, 'cross-entropy', 'epoch');
 */
export function lineChartSvg(title: string, series: Record<string, number[]>, yLabel = '', xLabel = 'epoch'): string {
  const W = 640, H = 400, L = 64, R = 150, T = 40, B = 48;
  const all = Object.values(series).flat().filter(Number.isFinite);
  const n = Math.max(1, ...Object.values(series).map((s) => s.length));
  let lo = all.length ? Math.min(...all) : 0, hi = all.length ? Math.max(...all) : 1;
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const pad = (hi - lo) * 0.05;
  lo -= pad; hi += pad;
  const x = (i: number): number => L + (n === 1 ? 0.5 : i / (n - 1)) * (W - L - R);
  const y = (v: number): number => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${(W - R + L) / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  for (const t of niceTicks(lo, hi)) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>`,
      `<text x="${L - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`);
  }
  const xt = niceTicks(1, n, Math.min(n, 8)).filter((v) => Number.isInteger(v));
  for (const e of xt) parts.push(`<text x="${x(e - 1)}" y="${H - B + 18}" text-anchor="middle">${e}</text>`);
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>`,
    `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/>`,
    `<text x="${(W - R + L) / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="16" y="${(H - B + T) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(H - B + T) / 2})">${esc(yLabel)}</text>`);
  Object.entries(series).forEach(([name, vals], k) => {
    const c = COLORS[k % COLORS.length];
    const pts = vals.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : null)).filter(Boolean);
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>`);
    if (n <= 100) vals.forEach((v, i) => { if (Number.isFinite(v)) parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${c}"/>`); });
    parts.push(`<rect x="${W - R + 12}" y="${T + k * 20}" width="14" height="3" fill="${c}"/>`,
      `<text x="${W - R + 32}" y="${T + k * 20 + 5}">${esc(name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * A confusion-matrix heatmap (rows = true class, columns = predicted), counts in cells.
 * @example
 * const svg = train.confusionMatrixSvg([[50, 2], [5, 43]], ['cat', 'dog']);
 */
export function confusionMatrixSvg(matrix: number[][], labels: string[] = matrix.map((_, i) => String(i)), title = 'Confusion matrix'): string {
  const n = matrix.length, cell = Math.max(28, Math.min(56, Math.floor(480 / Math.max(n, 1))));
  const L = 80, T = 60, W = L + n * cell + 30, H = T + n * cell + 60;
  const max = Math.max(1, ...matrix.flat());
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L + (n * cell) / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<text x="${L + (n * cell) / 2}" y="${T - 24}" text-anchor="middle">predicted</text>`,
    `<text x="18" y="${T + (n * cell) / 2}" text-anchor="middle" transform="rotate(-90 18 ${T + (n * cell) / 2})">true</text>`,
  ];
  for (let i = 0; i < n; i++) {
    parts.push(`<text x="${L - 6}" y="${T + i * cell + cell / 2 + 4}" text-anchor="end">${esc(labels[i] ?? String(i))}</text>`,
      `<text x="${L + i * cell + cell / 2}" y="${T - 6}" text-anchor="middle">${esc(labels[i] ?? String(i))}</text>`);
    for (let j = 0; j < n; j++) {
      const v = matrix[i][j], a = v / max;
      const shade = Math.round(255 - a * 200);
      parts.push(`<rect x="${L + j * cell}" y="${T + i * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#fff"/>`,
        `<text x="${L + j * cell + cell / 2}" y="${T + i * cell + cell / 2 + 4}" text-anchor="middle" fill="${a > 0.6 ? 'white' : 'black'}">${v}</text>`);
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Series of the epoch logs grouped into charts: loss (+val_loss) and each metric (+val_).
 * @example
 * const charts = train.historyCharts([{ epoch: 0, loss: 1, lr: 0.1, timeMs: 5, val_loss: 1.2 }, { epoch: 1, loss: 0.5, lr: 0.1, timeMs: 5, val_loss: 0.7 }]);
 * console.log(Object.keys(charts));   // e.g. ['loss', 'lr']
 */
export function historyCharts(epochs: EpochLogs[]): Record<string, Record<string, number[]>> {
  const keys = new Set<string>();
  for (const e of epochs) Object.keys(e).forEach((k) => keys.add(k));
  const charts: Record<string, Record<string, number[]>> = {};
  for (const k of keys) {
    if (['epoch', 'timeMs'].includes(k) || k.startsWith('val_')) continue;
    const group: Record<string, number[]> = { [k]: epochs.map((e) => e[k]) };
    if (keys.has(`val_${k}`)) group[`val_${k}`] = epochs.map((e) => e[`val_${k}`]);
    charts[k] = group;
  }
  return charts;
}

/**
 * Callback: writes <dir>/<name>.svg for the loss, every metric and the learning rate after each epoch.
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { train } from 'tensorforge';
 * const plots = train.plotWriter(path.join(os.tmpdir(), 'plots'));   // loss/metric/lr SVGs, rewritten every epoch
 * // await train.fit(model, { ..., callbacks: [plots] }); console.log(plots.files);
 */
export function plotWriter(dir: string): Callback & { files: string[] } {
  const epochs: EpochLogs[] = [];
  const cb = {
    files: [] as string[],
    onTrainBegin() { epochs.length = 0; },
    onEpochEnd(_e: number, logs: EpochLogs) {
      epochs.push({ ...logs });
      const files: string[] = [];
      for (const [name, series] of Object.entries(historyCharts(epochs))) {
        const file = path.join(dir, `${name}.svg`);
        writeTextAtomic(file, lineChartSvg(name, series, name));
        files.push(file);
      }
      cb.files = files;
    },
  };
  return cb;
}
