/**
 * The benchmark runner: `npm run bench [-- FAMILY...] [--threads N] [--quick] [--no-peers]
 * [--peers pytorch,numpy,tfjs-wasm,tfjs-cpu] [--out DIR] [--busy]`. Runs each workload in tensorforge
 * and then in each peer, one at a time (warm-up, then the median of repeated runs), prints a
 * table of values and time ratios ours/peer (< 1: we are faster), and writes
 * DIR/latest.json and DIR/latest.md (DIR defaults to bench/results). Training workloads also
 * report the peak RSS of the process during the workload (withPeakRss), ours and each peer's.
 * Threads default to 2 (env TF_BENCH_THREADS) for every library. Families: gemm conv lstm gru
 * mlp lenet overhead attention. `--busy` then runs the same selection again while another
 * process keeps one core busy (a spinning loop, as a shared server's other work would) and
 * writes DIR/busy.json + busy.md and the comparison DIR/busy-vs-quiet.md: each ratio ours/peer
 * quiet and busy, and busy/quiet (> 1: the load hurt us more than the peer).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '../lib';
import { guard, isNum, loadTfjs, PEERS, ompWaitPolicy, resetOmpCalibration, runPython, withPeakRss, type Cell, type Family, type Options, type PeerStatus, type Workload } from './common';
import { gemm, fmaPeak, type FmaPeak } from './gemm';
import { conv } from './conv';
import { lstm, gru } from './rnn';
import { mlp } from './mlp';
import { lenet } from './lenet';
import { overhead } from './overhead';
import { attention } from './attention';

export const FAMILIES: Family[] = [gemm, conv, lstm, gru, mlp, lenet, overhead, attention];
export const CONVENTION = 'ratio = our time / peer time for the same work (< 1: tensorforge is faster; for GFLOP/s rows = peer GFLOP/s / our GFLOP/s)';
export const MEMORY_CONVENTION = 'peak RSS (MiB) of the whole process during the workload (data, model, library; /proc/self/clear_refs reset, VmHWM read after), ratio = ours / peer (< 1: tensorforge uses less)';
const COLUMNS = ['ours', ...PEERS] as const;

export interface Row {
  family: string;
  workload: string;
  unit: string;
  /** In the row's unit, or why absent. */
  values: Record<string, number | PeerStatus>;
  /** Seconds per unit, or why absent. */
  seconds: Record<string, Cell>;
  /** ours/peer time ratio; null when either side is absent. */
  ratios: Record<string, number | null>;
  /** Training rows only: peak RSS (MiB) of the process during the workload, or why absent. */
  peakRssMiB?: Record<string, Cell>;
  /** Training rows only: ours/peer peak-RSS ratio; null when either side is absent. */
  memoryRatios?: Record<string, number | null>;
}

export interface Report {
  date: string;
  convention: string;
  memoryConvention: string;
  threads: number;
  quick: boolean;
  machine: { cpu: string; cores: number; loadavgStart: number; loadavgEnd: number; node: string; isa: string };
  settings: Record<string, string>;
  families: string[];
  rows: Row[];
  /** With the gemm family: the fp32 FMA peak measured just before its rows (tools/fma-peak.c). */
  fmaPeak?: FmaPeak | PeerStatus;
}

export interface RunArgs extends Options {
  families: string[]; outDir: string;
  /** Run again with one core busy and compare (--busy). */
  busy: boolean;
  /** Output files DIR/<outName>.json and .md. */
  outName: string;
}

export function parseArgs(argv: string[]): RunArgs {
  const families: string[] = [];
  let threads = Number(process.env.TF_BENCH_THREADS ?? 2), quick = false, outDir = path.join(__dirname, '..', '..', 'bench', 'results');
  let peers: string[] = [...PEERS], busy = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--threads') threads = Number(argv[++i]);
    else if (a === '--busy') busy = true;
    else if (a === '--quick') quick = true;
    else if (a === '--no-peers') peers = [];
    else if (a === '--peers') peers = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--out') outDir = path.resolve(argv[++i]);
    else if (a.startsWith('--')) throw new RangeError(`bench: unknown flag ${a}`);
    else families.push(a);
  }
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`bench: --threads must be a positive integer, got ${threads}`);
  for (const p of peers) if (!(PEERS as readonly string[]).includes(p)) throw new RangeError(`bench: unknown peer ${p} (known: ${PEERS.join(', ')})`);
  for (const f of families) if (!FAMILIES.some((x) => x.name === f)) throw new RangeError(`bench: unknown workload family ${f} (known: ${FAMILIES.map((x) => x.name).join(' ')})`);
  return {
    families: families.length ? families : FAMILIES.map((f) => f.name), threads, quick, peers, outDir, busy, outName: 'latest',
    budgetS: quick ? 0.1 : 1.0, minReps: quick ? 3 : 5, tfjsCpuCapS: quick ? 1 : 3, tfjsWasmCapS: quick ? 3 : 20,
  };
}

function toValue(w: Workload, c: Cell): number | PeerStatus {
  if (!isNum(c)) return c;
  switch (w.unit) {
    case 'GFLOP/s': return (w.flops as number) / c / 1e9;
    case 'ms': return c * 1e3;
    case 'µs/op': return c * 1e6;
    default: return c;
  }
}

const notRun = (why: string): PeerStatus => ({ status: 'missing', why });

export async function runBench(a: RunArgs): Promise<Report> {
  tf.setNumThreads(a.threads);
  const info = tf.backendInfo();
  const settings: Record<string, string> = {
    ours: `tensorforge ${info.isa}, threads=${info.threads}, bf16 GEMM: ${info.bf16Gemm}`,
  };
  const loadavgStart = os.loadavg()[0];
  const log = (s: string): void => { process.stderr.write(s + '\n'); };
  const rows: Row[] = [];
  let peak: FmaPeak | PeerStatus | undefined;
  for (const fam of FAMILIES.filter((f) => a.families.includes(f.name))) {
    const ws = fam.workloads(a);
    if (fam.name === 'gemm') {
      peak = fmaPeak(a.threads, info.isa);
      log(`[gemm] fp32 FMA peak: ${'gflops' in peak ? `${peak.gflops} GFLOP/s (${peak.isa}, ${peak.threads} threads)` : `${peak.status}: ${peak.why}`}`);
    }
    const cells: Record<string, Cell[]> = {}, peaks: Record<string, Cell[]> = {};
    const peakOf = (col: string, i: number, w: Workload, fn: () => Cell): Cell => {
      if (!w.training) return fn();
      const { result, peakRssMiB } = withPeakRss(fn);
      (peaks[col] ??= [])[i] = peakRssMiB;
      return result;
    };
    log(`[${fam.name}] ours`);
    cells.ours = ws.map((w, i) => {
      const c = peakOf('ours', i, w, () => guard(() => fam.ours(w, a)));
      log(`  ${w.name}: ${fmt(toValue(w, c))} ${w.unit}${w.training ? `, peak RSS ${fmt(peaks.ours[i])} MiB` : ''}`);
      return c;
    });
    for (const peer of PEERS) {
      if (!a.peers.includes(peer)) { cells[peer] = ws.map(() => ({ status: 'n/a', why: 'peer disabled by flag' })); continue; }
      if (peer === 'pytorch' || peer === 'numpy') {
        if (cells[peer]) continue;
        if (!fam.python) { cells.pytorch = ws.map(() => notRun('no PyTorch peer for this family')); cells.numpy = ws.map(() => ({ status: 'n/a', why: 'no NumPy peer for this family' })); continue; }
        log(`[${fam.name}] python peers`);
        const out = runPython(fam.python, ws, a);
        for (const p of ['pytorch', 'numpy'].filter((x) => a.peers.includes(x))) {
          const r = out[p];
          if (!r) cells[p] = ws.map(() => ({ status: 'n/a', why: `no ${p} peer for this family` }));
          else if (r.missing || !r.results) { cells[p] = ws.map(() => notRun(r.missing ?? 'no results')); settings[p] ??= `MISSING: ${r.missing}`; }
          else {
            cells[p] = r.results; if (r.setting) settings[p] = r.setting;
            ws.forEach((w, i) => { if (w.training) (peaks[p] ??= [])[i] = r.peak_rss_mib?.[i] ?? { status: 'n/a', why: `${p} peer reported no peak RSS` }; });
          }
        }
        continue;
      }
      const backend = peer === 'tfjs-wasm' ? 'wasm' : 'cpu';
      if (!fam.tfjs) { cells[peer] = ws.map(() => notRun(`no ${peer} port of this workload`)); continue; }
      const t = await loadTfjs(backend, a.threads);
      if ('status' in t) { cells[peer] = ws.map(() => t); settings[peer] = `MISSING: ${t.why}`; continue; }
      settings[peer] = t.setting;
      log(`[${fam.name}] ${peer}`);
      cells[peer] = ws.map((w, i) => {
        if (backend === 'cpu' && !w.tfjsCpu) return { status: 'skipped (too slow)', why: 'pure-JS backend: only small workloads are run (seconds to minutes per run otherwise)' };
        const c = peakOf(peer, i, w, () => guard(() => fam.tfjs!(t.tf, backend, w, a)));
        log(`  ${w.name}: ${fmt(toValue(w, c))}`);
        return c;
      });
    }
    ws.forEach((w, i) => {
      const values: Row['values'] = {}, seconds: Row['seconds'] = {}, ratios: Row['ratios'] = {};
      for (const col of COLUMNS) { seconds[col] = cells[col][i]; values[col] = toValue(w, cells[col][i]); }
      for (const p of PEERS) { const o = cells.ours[i], q = cells[p][i]; ratios[p] = isNum(o) && isNum(q) ? o / q : null; }
      const row: Row = { family: fam.name, workload: w.name, unit: w.unit, values, seconds, ratios };
      if (w.training) {
        // A peer that did not run the workload has no peak either: its time cell says why.
        const peakRssMiB: Record<string, Cell> = {}, memoryRatios: Record<string, number | null> = {};
        for (const col of COLUMNS) peakRssMiB[col] = isNum(cells[col][i]) ? peaks[col]?.[i] ?? { status: 'n/a', why: 'not measured' } : cells[col][i];
        for (const p of PEERS) { const o = peakRssMiB.ours, q = peakRssMiB[p]; memoryRatios[p] = isNum(o) && isNum(q) ? o / q : null; }
        Object.assign(row, { peakRssMiB, memoryRatios });
      }
      rows.push(row);
    });
  }
  for (const p of PEERS) settings[p] ??= a.peers.includes(p) ? 'not run by the selected workloads' : 'disabled (--no-peers / --peers)';
  if (a.peers.includes('pytorch') || a.peers.includes('numpy')) { const w = ompWaitPolicy(a.threads); settings.ompWaitPolicy = `${w.policy} (${w.note})`; }
  const report: Report = {
    date: new Date().toISOString(), convention: CONVENTION, memoryConvention: MEMORY_CONVENTION, threads: a.threads, quick: a.quick,
    machine: { cpu: os.cpus()[0]?.model ?? 'cpu', cores: os.cpus().length, loadavgStart, loadavgEnd: os.loadavg()[0], node: process.version, isa: info.isa },
    settings, families: a.families, rows, ...(peak ? { fmaPeak: peak } : {}),
  };
  fs.mkdirSync(a.outDir, { recursive: true });
  fs.writeFileSync(path.join(a.outDir, `${a.outName}.json`), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(a.outDir, `${a.outName}.md`), markdown(report));
  return report;
}

export function fmt(v: number | PeerStatus | null | undefined, digits?: number): string {
  if (v == null) return '-';
  if (typeof v !== 'number') return v.status;
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : Math.abs(v) >= 1 ? 2 : 3);
  return v.toFixed(d);
}

function tableLines(r: Report): string[][] {
  const header = ['workload', 'unit', ...COLUMNS, ...PEERS.map((p) => `ours/${p}`)];
  const lines = r.rows.map((row) => [row.workload, row.unit, ...COLUMNS.map((c) => fmt(row.values[c])), ...PEERS.map((p) => fmt(row.ratios[p], 2))]);
  return [header, ...lines];
}

/** The sgemm rows as shares of the FMA peak measured in the same run; [] without one. */
function peakLines(r: Report): string[][] {
  const pk = r.fmaPeak;
  if (!pk || !('gflops' in pk)) return [];
  const cols = ['ours', 'pytorch', 'numpy'] as const;
  const rows = r.rows.filter((row) => row.family === 'gemm' && row.workload.startsWith('sgemm'));
  return [[`sgemm / fp32 FMA peak (${fmt(pk.gflops)} GFLOP/s, ${pk.isa}, ${pk.threads} threads, ${pk.source})`, ...cols],
    ...rows.map((row) => [row.workload, ...cols.map((c) => { const v = row.values[c]; return typeof v === 'number' ? fmt(v / pk.gflops, 2) : '-'; })])];
}

/** The training rows' peak RSS (MiB) and ours/peer memory ratios; [] when no row trains. */
function memoryLines(r: Report): string[][] {
  const rows = r.rows.filter((row) => row.peakRssMiB);
  if (!rows.length) return [];
  const header = ['peak RSS (training)', 'unit', ...COLUMNS, ...PEERS.map((p) => `ours/${p}`)];
  return [header, ...rows.map((row) => [row.workload, 'MiB', ...COLUMNS.map((c) => fmt(row.peakRssMiB![c], 0)), ...PEERS.map((p) => fmt(row.memoryRatios![p], 2))])];
}

function headerText(r: Report): string[] {
  return [
    `tensorforge bench ${r.date}${r.quick ? ' (quick)' : ''}: ${r.machine.cpu} x${r.machine.cores}, threads=${r.threads} for every library, ` +
      `isa=${r.machine.isa}, node ${r.machine.node}, load average ${r.machine.loadavgStart.toFixed(2)} -> ${r.machine.loadavgEnd.toFixed(2)}`,
    `Each cell: median of repeated runs after warm-up. ${r.convention}. Memory: ${r.memoryConvention}.`,
    ...Object.entries(r.settings).map(([k, v]) => `  ${k}: ${v}`),
  ];
}

export function textTable(r: Report): string {
  const align = (t: string[][]): string[] => {
    const widths = t[0].map((_, c) => Math.max(...t.map((l) => l[c].length)));
    return t.map((l) => l.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  '));
  };
  const mem = memoryLines(r), pk = peakLines(r);
  return [...headerText(r), '', ...align(tableLines(r)), ...(pk.length ? ['', ...align(pk)] : []), ...(mem.length ? ['', ...align(mem)] : [])].join('\n');
}

export function markdown(r: Report): string {
  const mdTable = ([h, ...lines]: string[][]): string[] => [
    `| ${h.join(' | ')} |`, `|${h.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`), ''];
  const mem = memoryLines(r);
  const notes: string[] = [];
  for (const row of r.rows) for (const c of COLUMNS) {
    const v = row.values[c];
    if (typeof v !== 'number' && v.status !== 'n/a') notes.push(`- ${row.workload} / ${c}: ${v.status} (${v.why})`);
  }
  return [
    '# tensorforge benchmark', '',
    ...headerText(r).map((l) => (l.startsWith('  ') ? `- ${l.trim()}` : l)), '',
    ...mdTable(tableLines(r)),
    ...(peakLines(r).length ? mdTable(peakLines(r)) : []),
    ...(mem.length ? mdTable(mem) : []),
    ...(notes.length ? ['Absent values:', '', ...notes, ''] : []),
  ].join('\n');
}

/** Runs fn while a competing process spins on one core; the busy note names it. */
export async function withBusyCore<T>(fn: () => Promise<T>): Promise<T> {
  const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try { return await fn(); } finally { hog.kill('SIGKILL'); }
}

/** Ratio ours/peer quiet and busy per row and peer, and busy/quiet (> 1.10 fails the 10% bar). */
export function busyLines(quiet: Report, busy: Report): string[][] {
  const lines: string[][] = [['workload', 'peer', 'ours/peer quiet', 'ours/peer busy', 'busy / quiet', 'our time busy / quiet', 'peer time busy / quiet']];
  for (const q of quiet.rows) {
    const b = busy.rows.find((x) => x.workload === q.workload);
    if (!b) continue;
    for (const p of PEERS) {
      const rq = q.ratios[p], rb = b.ratios[p];
      if (rq == null || rb == null) continue;
      const slow = (row: Row, col: string): number => (row.seconds[col] as number);
      lines.push([q.workload, p, fmt(rq, 3), fmt(rb, 3), `${fmt(rb / rq, 3)}${rb / rq > 1.1 ? ' (over 1.10)' : ''}`,
        fmt(slow(b, 'ours') / slow(q, 'ours'), 2), fmt(slow(b, p) / slow(q, p), 2)]);
    }
  }
  return lines;
}

if (require.main === module) {
  (async () => {
    const a = parseArgs(process.argv.slice(2));
    const r = await runBench(a);
    console.log(textTable(r));
    console.log(`\nwrote ${path.join(a.outDir, 'latest.json')} and latest.md`);
    if (!a.busy) return;
    resetOmpCalibration();  // the peers' best wait policy under load may differ
    const b = await withBusyCore(() => runBench({ ...a, outName: 'busy' }));
    b.settings.busy = 'another process spinning on one core for the whole run (node -e "for (;;) {}")';
    fs.writeFileSync(path.join(a.outDir, 'busy.json'), JSON.stringify(b, null, 2) + '\n');
    fs.writeFileSync(path.join(a.outDir, 'busy.md'), markdown(b));
    const cmp = busyLines(r, b);
    const md = ['# tensorforge benchmark: one core busy vs quiet', '',
      `Quiet run ${r.date} (load ${r.machine.loadavgStart.toFixed(2)} -> ${r.machine.loadavgEnd.toFixed(2)}), then the same selection with ${b.settings.busy} ${b.date} (load ${b.machine.loadavgStart.toFixed(2)} -> ${b.machine.loadavgEnd.toFixed(2)}).`,
      'ours/peer: our time / the peer\'s (< 1: we are faster). busy / quiet > 1: the busy core hurt us more than the peer. The last two columns: how much each side slowed down.', '',
      `| ${cmp[0].join(' | ')} |`, `|---|---|---:|---:|---:|---:|---:|`, ...cmp.slice(1).map((l) => `| ${l.join(' | ')} |`), ''].join('\n');
    fs.writeFileSync(path.join(a.outDir, 'busy-vs-quiet.md'), md);
    console.log('\n' + md);
  })().catch((e) => { console.error(e); process.exitCode = 1; });
}
