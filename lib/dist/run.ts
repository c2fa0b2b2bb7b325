#!/usr/bin/env node
/**
 * tensorforge-run: starts the processes of a data-parallel job, like torchrun.
 *
 *   npx tensorforge-run --nproc 2 script.js [args...]
 *   npx tensorforge-run --nproc 4 --nnodes 2 --node-rank 0 --store redis://redis:6379 --run-id job42 script.js
 *
 * Each process gets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, the store
 * (TENSORFORGE_DIST_STORE; on one machine a fresh file:// directory by default), the run id
 * (TENSORFORGE_DIST_RUN_ID) and its share of the machine's cores (TENSORFORGE_NUM_THREADS,
 * unless already set). SIGINT/SIGTERM/SIGHUP are forwarded to every process. When one process
 * exits non-zero (or is killed), the others get SIGTERM (SIGKILL after a grace period) and
 * the launcher exits non-zero with that process's code.
 * @example
 * // package.json "bin": { "tensorforge-run": "dist/lib/dist/run.js" }
 * // $ npx tensorforge-run --nproc 2 train.js --epochs 3
 */
import { spawn, type ChildProcess } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface LaunchOptions {
  nproc: number;
  nnodes: number;
  nodeRank: number;
  store?: string;
  runId?: string;
  /** Grace period between SIGTERM and SIGKILL when stopping the others (ms). */
  graceMs: number;
  script: string;
  args: string[];
}

const USAGE = 'usage: tensorforge-run --nproc N [--nnodes N --node-rank R --store redis://host:port --run-id ID] [--grace-ms MS] script.js [args...]';

/** Parses the launcher's own flags (up to the script); throws a RangeError on bad input. */
export function parseArgs(argv: string[]): LaunchOptions {
  const o: LaunchOptions = { nproc: 1, nnodes: 1, nodeRank: 0, graceMs: 5000, script: '', args: [] };
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new RangeError(`tensorforge-run: ${flag} needs an integer >= ${min}, got ${v}\n${USAGE}`);
    return n;
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = (): string | undefined => inline ?? argv[++i];
    if (flag === '--nproc' || flag === '--nproc-per-node' || flag === '--nproc_per_node') o.nproc = int(flag, val(), 1);
    else if (flag === '--nnodes') o.nnodes = int(flag, val(), 1);
    else if (flag === '--node-rank' || flag === '--node_rank') o.nodeRank = int(flag, val(), 0);
    else if (flag === '--store') o.store = val();
    else if (flag === '--run-id') o.runId = val();
    else if (flag === '--grace-ms') o.graceMs = int(flag, val(), 0);
    else if (flag === '--help' || flag === '-h') throw new RangeError(USAGE);
    else if (a.startsWith('-')) throw new RangeError(`tensorforge-run: unknown option ${a}\n${USAGE}`);
    else break;
  }
  if (i >= argv.length) throw new RangeError(`tensorforge-run: no script given\n${USAGE}`);
  o.script = argv[i];
  o.args = argv.slice(i + 1);
  if (o.nodeRank >= o.nnodes) throw new RangeError(`tensorforge-run: --node-rank ${o.nodeRank} must be below --nnodes ${o.nnodes}`);
  o.store ??= process.env.TENSORFORGE_DIST_STORE;
  if (o.nnodes > 1 && !o.store) throw new RangeError('tensorforge-run: several nodes need a shared store: --store redis://host:port (or env TENSORFORGE_DIST_STORE)');
  return o;
}

/** Starts the processes and resolves with the launcher's exit code. */
export function launch(o: LaunchOptions): Promise<number> {
  let tmpStore: string | null = null;
  let store = o.store;
  if (!store) {
    tmpStore = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorforge-run-'));
    store = `file://${tmpStore}`;
  }
  // NOTE: one machine gets a fresh id (stale keys of an earlier job never match); several
  // machines must agree, so they take --run-id / TENSORFORGE_DIST_RUN_ID (use one per job).
  const runId = o.runId ?? process.env.TENSORFORGE_DIST_RUN_ID ?? (o.nnodes === 1 ? crypto.randomUUID() : 'tensorforge-run');
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const threads = process.env.TENSORFORGE_NUM_THREADS ?? String(Math.max(1, Math.floor(cores / o.nproc)));
  const children: (ChildProcess | null)[] = [];
  let failed: { rank: number; code: number } | null = null;
  let live = o.nproc;
  let killTimer: NodeJS.Timeout | null = null;
  return new Promise((resolve) => {
    const stopAll = (sig: NodeJS.Signals): void => { for (const c of children) if (c && c.exitCode === null && c.signalCode === null) c.kill(sig); };
    const forward = (sig: NodeJS.Signals) => () => stopAll(sig);
    const handlers: [NodeJS.Signals, () => void][] = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)]);
    for (const [s, h] of handlers) process.on(s, h);
    for (let local = 0; local < o.nproc; local++) {
      const rank = o.nodeRank * o.nproc + local;
      const env = {
        ...process.env, RANK: String(rank), WORLD_SIZE: String(o.nnodes * o.nproc), LOCAL_RANK: String(local),
        LOCAL_WORLD_SIZE: String(o.nproc), TENSORFORGE_DIST_STORE: store, TENSORFORGE_DIST_RUN_ID: runId,
        TENSORFORGE_NUM_THREADS: threads,
      };
      const c = spawn(process.execPath, [o.script, ...o.args], { env, stdio: 'inherit' });
      children.push(c);
      c.on('exit', (code, signal) => {
        live--;
        const rc = code ?? 128 + (signal ? os.constants.signals[signal] ?? 1 : 1);
        if (rc !== 0 && !failed) {
          failed = { rank, code: rc };
          process.stderr.write(`tensorforge-run: rank ${rank} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; stopping the others\n`);
          stopAll('SIGTERM');
          killTimer = setTimeout(() => stopAll('SIGKILL'), o.graceMs);
          killTimer.unref();
        }
        if (live === 0) {
          if (killTimer) clearTimeout(killTimer);
          for (const [s, h] of handlers) process.off(s, h);
          if (tmpStore) fs.rmSync(tmpStore, { recursive: true, force: true });
          resolve(failed ? failed.code : 0);
        }
      });
    }
  });
}

if (require.main === module) {
  let opts: LaunchOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  launch(opts).then((rc) => process.exit(rc));
}
