/**
 * Shared benchmark plumbing: the workload-family interface every bench/<family>.ts exports,
 * timing (warm-up, then the median of repeated runs), the peers' best known settings, the
 * Python peer runner (bench/peers/<family>.py, one process per family, JSON out) and tfjs
 * loading. Every timing is "seconds per unit" where the unit is the workload's (one GEMM, one
 * conv call, one epoch, 100 steps, one op); the runner turns it into the display unit.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { synchronize } from '../lib/exec';

/** A peer result that is not a number: why it is absent. Never dropped silently. */
export interface PeerStatus { status: 'missing' | 'skipped (too slow)' | 'unsupported' | 'n/a' | 'error'; why: string }
export type Cell = number | PeerStatus;
export const isNum = (c: Cell | undefined): c is number => typeof c === 'number' && Number.isFinite(c);

export type Unit = 'GFLOP/s' | 'ms' | 's/epoch' | 's/100 steps' | 'µs/op';

export interface Workload {
  /** Row name in the table, unique over all families. */
  name: string;
  unit: Unit;
  /** FLOPs of one unit (GFLOP/s workloads). */
  flops?: number;
  /** Family-specific parameters, also passed to the Python peer. */
  params: Record<string, unknown>;
  /** Whether tfjs-cpu (pure JS) is tried at all; otherwise 'skipped (too slow)'. */
  tfjsCpu?: boolean;
  /** A training (forward+backward) workload: the peak RSS of the process during it is reported too. */
  training?: boolean;
}

export interface Options {
  threads: number;
  quick: boolean;
  /** Peers to run: subset of PEERS. */
  peers: string[];
  /** Seconds of timed runs per measurement (after warm-up), at least minReps runs. */
  budgetS: number;
  minReps: number;
  /** tfjs-cpu: a warm-up run longer than this many seconds skips the workload. */
  tfjsCpuCapS: number;
  /** tfjs-wasm: the same cap (its slow paths run for minutes). */
  tfjsWasmCapS: number;
}

export interface Family {
  name: string;
  workloads(o: Options): Workload[];
  /** Seconds per unit in tensorforge. */
  ours(w: Workload, o: Options): Cell;
  /** Seconds per unit in tfjs with the given backend already active. */
  tfjs?(tf: any, backend: 'wasm' | 'cpu', w: Workload, o: Options): Cell;
  /** bench/peers/<python>.py: prints {"torch": {...}, "numpy"?: {...}} with results per workload. */
  python?: string;
}

export const PEERS = ['pytorch', 'numpy', 'tfjs-wasm', 'tfjs-cpu'] as const;

/**
 * Median seconds of fn after `warmup` runs (and a timed warm-up, see WARMUP_SHARE); runs
 * until budgetS has passed and at least
 * minReps runs were timed (at most maxReps). When the first warm-up run takes longer than
 * capS, returns 'skipped (too slow)' with that time.
 */
/** Timed warm-up before measuring: this share of the budget, at most WARMUP_MAX_S seconds. */
export const WARMUP_SHARE = 0.3, WARMUP_MAX_S = 0.3;

export function measure(fn: () => void, o: { budgetS: number; minReps: number; warmup?: number; maxReps?: number; capS?: number }): Cell {
  const warmup = Math.max(1, o.warmup ?? 2);
  // NOTE: warm-up is also timed (WARMUP_SHARE of the budget, at most WARMUP_MAX_S): a
  // 30 us workload's 1,000 reps otherwise all ran while V8's background compiler threads
  // were still optimizing the new closures on one of the two cores (sgemm n=128 measured
  // 73 GFLOP/s cold, 130+ warm). The Python peers warm up the same way (_common.py).
  const warmEnd = performance.now() + Math.min(WARMUP_MAX_S, o.budgetS * WARMUP_SHARE) * 1e3;
  for (let i = 0; i < warmup || performance.now() < warmEnd; i++) {
    const t0 = performance.now();
    fn();
    synchronize();  // async execution: the time includes the queued kernels
    const s = (performance.now() - t0) / 1e3;
    if (i === 0 && o.capS !== undefined && s > o.capS) {
      return { status: 'skipped (too slow)', why: `one run took ${s.toFixed(1)} s > cap ${o.capS} s` };
    }
  }
  const times: number[] = [];
  const end = performance.now() + o.budgetS * 1e3;
  const maxReps = o.maxReps ?? 1000;
  while (times.length < o.minReps || (performance.now() < end && times.length < maxReps)) {
    const t0 = performance.now();
    fn();
    synchronize();
    times.push((performance.now() - t0) / 1e3);
  }
  return median(times);
}

/**
 * Peak resident memory (MiB) of this process while fn runs, measured as bench/peers/_common.py
 * does: the high-water mark is reset by writing "5" to /proc/self/clear_refs (it then equals
 * the current RSS), and VmHWM is read from /proc/self/status afterwards. Where either file is
 * missing or not writable (not Linux, a restricted container) the peak is a PeerStatus saying so.
 * @example
 * const { result, peakRssMiB } = withPeakRss(() => measure(step, o)); // peakRssMiB: 412.3
 */
export function withPeakRss<T>(fn: () => T): { result: T; peakRssMiB: Cell } {
  let why: string | undefined;
  try { fs.writeFileSync('/proc/self/clear_refs', '5'); } catch (e) { why = `cannot reset the RSS high-water mark: ${(e as Error).message}`; }
  const result = fn();
  if (why) return { result, peakRssMiB: { status: 'n/a', why } };
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return { result, peakRssMiB: Number(m[1]) / 1024 };
    why = 'no VmHWM line in /proc/self/status';
  } catch (e) { why = (e as Error).message; }
  return { result, peakRssMiB: { status: 'n/a', why } };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Divides a Cell by a count (seconds per run -> seconds per unit). */
export const per = (c: Cell, n: number): Cell => (isNum(c) ? c / n : c);

/**
 * PyTorch / NumPy at their best known settings on few cores: thread pools sized to `threads`,
 * glibc malloc keeping freed memory (no trimming, large blocks from the heap rather than fresh
 * mmaps, a top pad) so that steady-state steps do not page-fault, and OMP_WAIT_POLICY
 * calibrated once per run: ACTIVE (workers spin between parallel regions) is the fastest on
 * an idle machine but 10-20x slower than PASSIVE when the cores are oversubscribed (load
 * average above the core count), so both are timed on a short MLP probe and the faster kept;
 * env TF_BENCH_OMP_WAIT_POLICY forces one. Untuned, PyTorch is 2-4x slower on 2 cores.
 */
export function pythonEnv(threads: number, waitPolicy = 'ACTIVE'): { env: NodeJS.ProcessEnv; setting: string } {
  const t = String(threads);
  const blas = peerBlas();
  const vars: Record<string, string> = {
    OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t, OMP_WAIT_POLICY: waitPolicy,
    MALLOC_TRIM_THRESHOLD_: '17179869184', MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TOP_PAD_: '536870912',
    ...blas.vars,
  };
  const setting = `torch.set_num_threads(${threads}), ` + Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(' ') + `; BLAS: ${blas.note}`;
  return { env: { ...process.env, ...vars }, setting };
}

/** OpenBLAS core types by the widest ISA /proc/cpuinfo lists (OpenBLAS's own names). */
const OPENBLAS_CORE_FOR: [string, string][] = [['avx512_bf16', 'Cooperlake'], ['avx512f', 'SkylakeX'], ['avx2', 'Haswell']];
/** Cores OpenBLAS falls back to when it does not know the CPU model: SSE3-era kernels. */
const OPENBLAS_FALLBACK_CORES = new Set(['Prescott', 'Core2', 'Nehalem', 'Penryn', 'Dunnington', 'Barcelona', 'Katmai', 'Coppermine', 'Northwood', 'Banias']);

let blasCache: { vars: Record<string, string>; note: string } | undefined;
/**
 * The BLAS the Python peers' libblas.so.3 resolves to, and what its best setting needs. Debian's
 * numpy and PyTorch call whatever the libblas.so.3 alternative names: the reference (netlib) BLAS
 * unless OpenBLAS is installed (bench/setup-peers.sh), ~70x slower, which would turn every fp32
 * peer figure into a strawman. OpenBLAS 0.3.21 picks its kernels from the CPU model and treats
 * models newer than it knows (Intel Emerald Rapids, for one) as Prescott, SSE3 kernels at ~1/6
 * of its AVX-512 speed; then OPENBLAS_CORETYPE names the core matching the ISA cpuinfo lists. An
 * OPENBLAS_CORETYPE already in the environment is kept. The note says which case held.
 */
export function peerBlas(): { vars: Record<string, string>; note: string } {
  if (blasCache) return blasCache;
  const probe = [
    'import ctypes, json',
    "l = ctypes.CDLL('libblas.so.3')",
    "f = getattr(l, 'openblas_get_corename', None)",
    "if f is None: print(json.dumps({'config': ''}))",
    'else:',
    '  f.restype = ctypes.c_char_p; l.openblas_get_config.restype = ctypes.c_char_p',
    "  print(json.dumps({'core': f().decode(), 'config': l.openblas_get_config().decode()}))",
  ].join('\n');
  const run = (env: NodeJS.ProcessEnv): { core?: string; config: string } | string => {
    const r = spawnSync(pythonBin(), ['-c', probe], { env, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0 || r.error) return `BLAS probe failed: ${r.error?.message ?? (r.stderr || '').trim().split('\n').pop()}`;
    return JSON.parse(r.stdout.trim().split('\n').pop() as string);
  };
  const found = run(process.env);
  if (typeof found === 'string') return (blasCache = { vars: {}, note: found });
  if (!found.core) return (blasCache = { vars: {}, note: 'libblas.so.3 is not OpenBLAS (the reference BLAS unless another is installed): fp32 peer figures are not at their best; run bench/setup-peers.sh' });
  const name = found.config.split(' ').slice(0, 2).join(' ');  // "OpenBLAS 0.3.21"
  if (process.env.OPENBLAS_CORETYPE) return (blasCache = { vars: {}, note: `${name}, core ${found.core} (OPENBLAS_CORETYPE set by the caller)` });
  if (!OPENBLAS_FALLBACK_CORES.has(found.core)) return (blasCache = { vars: {}, note: `${name}, core ${found.core} (detected)` });
  let flags = '';
  try { flags = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? ''; } catch { /* not Linux */ }
  const has = new Set(flags.trim().split(/\s+/));
  const fit = OPENBLAS_CORE_FOR.find(([flag]) => has.has(flag));
  if (!fit) return (blasCache = { vars: {}, note: `${name}, core ${found.core} (detected; no wider core fits this CPU)` });
  const [flag, pick] = fit;
  const forced = run({ ...process.env, OPENBLAS_CORETYPE: pick });
  const core = typeof forced === 'string' ? '?' : forced.core;
  return (blasCache = { vars: { OPENBLAS_CORETYPE: pick },
    note: `${name}, core ${core} (OPENBLAS_CORETYPE=${pick}: it detected ${found.core}, its fallback for a CPU model it does not know, while cpuinfo lists ${flag})` });
}

export const pythonBin = (): string => process.env.TF_BENCH_PYTHON ?? '/usr/bin/python3';
const peerFile = (script: string): string => path.join(__dirname, '..', '..', 'bench', 'peers', `${script}.py`);

let calibrated: { threads: number; policy: string; note: string } | undefined;
/** Forgets the calibrated OMP_WAIT_POLICY, so the next run under other load calibrates anew. */
export function resetOmpCalibration(): void { calibrated = undefined; }
/** OMP_WAIT_POLICY for this run (see pythonEnv) and how it was chosen. */
export function ompWaitPolicy(threads: number): { policy: string; note: string } {
  const forced = process.env.TF_BENCH_OMP_WAIT_POLICY;
  if (forced) return { policy: forced, note: 'set by TF_BENCH_OMP_WAIT_POLICY' };
  if (calibrated?.threads === threads) return calibrated;
  // NOTE: 50 steps, each policy twice (interleaved), and ACTIVE kept only when it is 20% faster
  // in both rounds. A 10-step probe read the two within 3% while ACTIVE then made a whole MLP
  // epoch 3x slower (OpenBLAS's own spinning threads besides OpenMP's on 2 cores), and with a
  // busy core a 20% probe lead for ACTIVE became a 100x slower LSTM: PASSIVE costs a few
  // percent where ACTIVE wins, ACTIVE costs 10-500x where it loses.
  const cfg = JSON.stringify({ threads, quick: true, budget: 0, min_reps: 3,
    workloads: [{ name: 'probe', samples: 6400, batch: 128 }] });
  const times: Record<string, number[]> = { ACTIVE: [], PASSIVE: [] };
  for (let round = 0; round < 2; round++) {
    for (const policy of ['ACTIVE', 'PASSIVE']) {
      const r = spawnSync(pythonBin(), [peerFile('mlp'), cfg], { env: pythonEnv(threads, policy).env, encoding: 'utf8', timeout: 300_000 });
      try {
        const t = JSON.parse(r.stdout.trim().split('\n').pop() as string).pytorch.results[0];
        if (typeof t === 'number') times[policy].push(t);
      } catch { /* peer missing */ }
    }
  }
  const a = times.ACTIVE, p = times.PASSIVE, measured = a.length === 2 && p.length === 2;
  const policy = measured && Math.max(...a) < 0.8 * Math.min(...p) ? 'ACTIVE' : 'PASSIVE';
  const note = measured ? `calibrated on a 50-step MLP probe, twice each: ACTIVE ${a.map((v) => v.toFixed(3)).join('/')} s, PASSIVE ${p.map((v) => v.toFixed(3)).join('/')} s (ACTIVE only when 20% faster in both)` : 'PASSIVE (the probe failed)';
  calibrated = { threads, policy, note };
  return calibrated;
}

export interface PythonPeer { version?: string; setting?: string; results?: Cell[]; missing?: string;
  /** Peak RSS (MiB) of the peer process per workload, as withPeakRss; null for non-training rows. */
  peak_rss_mib?: (Cell | null)[] }

/**
 * Runs bench/peers/<script>.py in /usr/bin/python3 (or TF_BENCH_PYTHON) with the workloads'
 * params; returns per peer name ('pytorch', 'numpy') its results in workload order.
 */
export function runPython(script: string, workloads: Workload[], o: Options): Record<string, PythonPeer> {
  const py = pythonBin(), file = peerFile(script);
  const { env, setting } = pythonEnv(o.threads, ompWaitPolicy(o.threads).policy);
  const cfg = JSON.stringify({
    threads: o.threads, quick: o.quick, budget: o.budgetS, min_reps: o.minReps,
    workloads: workloads.map((w) => ({ name: w.name, training: w.training ?? false, ...w.params })),
  });
  const r = spawnSync(py, [file, cfg], { env, encoding: 'utf8', timeout: 1_800_000, maxBuffer: 1 << 24 });
  if (r.status !== 0 || r.error) {
    const why = `${py} ${script}.py failed: ${r.error?.message ?? (r.stderr || '').trim().split('\n').slice(-1)[0]}`;
    return { pytorch: { missing: why }, numpy: { missing: why } };
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, PythonPeer>;
  for (const p of Object.values(out)) if (!p.missing) p.setting = `${p.setting ?? ''}; ${setting} (${py})`;
  return out;
}

let tfjsCache: any;
/** @tensorflow/tfjs with the given backend active, or a reason it is missing. */
export async function loadTfjs(backend: 'wasm' | 'cpu', threads: number): Promise<{ tf: any; setting: string } | PeerStatus> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    tfjsCache ??= require('@tensorflow/tfjs');
  } catch {
    return { status: 'missing', why: '@tensorflow/tfjs is not installed (npm i -D @tensorflow/tfjs @tensorflow/tfjs-backend-wasm)' };
  }
  const tf = tfjsCache;
  let setting = `tfjs ${tf.version_core} ${backend}`;
  try {
    if (backend === 'wasm') {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const wasm = require('@tensorflow/tfjs-backend-wasm');
      wasm.setThreadsCount(threads);
      if (!(await tf.setBackend('wasm'))) throw new Error("setBackend('wasm') failed");
      await tf.ready();
      const used = wasm.getThreadsCount();
      setting += ` threads=${used}${used !== threads ? ` (asked ${threads}; Node gets the single-threaded SIMD build)` : ''}`;
    } else {
      if (!(await tf.setBackend('cpu'))) throw new Error("setBackend('cpu') failed");
      await tf.ready();
      setting += ' (pure JS, single-threaded)';
    }
  } catch (e) {
    return { status: 'missing', why: `tfjs ${backend}: ${(e as Error).message}` };
  }
  return { tf, setting };
}

/** Runs fn; an exception becomes an 'unsupported' (missing kernel) or 'error' cell. */
export function guard(fn: () => Cell): Cell {
  try {
    return fn();
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    return { status: /not registered|not yet implemented|not supported/i.test(msg) ? 'unsupported' : 'error', why: msg.split('\n')[0].slice(0, 200) };
  }
}
