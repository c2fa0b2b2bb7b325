/**
 * Runs file cases in child processes (address space capped with `ulimit -v`, V8 heap with
 * --max-old-space-size, wall time with a kill) and judges each outcome: load correctly, or
 * throw an Error with a clear message; a crash, a hang, a non-Error throw or an attempt to
 * allocate far more than the file holds is a failure that names the case.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { refIdx, refSafetensors, type FileCase, type Kind, type TensorSummary } from './formats';

/** Address-space cap of a child (KiB): the addon and V8 need ~1 GiB of it reserved. */
const VMEM_KIB = 1536 * 1024;
/**
 * How much one case may raise the child's peak resident memory (KiB). The files are at most
 * a few hundred KiB, so a loader that validates before allocating stays far below this.
 */
export const RSS_GROWTH_KIB = 96 * 1024;
const CHILD = path.join(__dirname, 'file_child.js');

export interface Outcome {
  c: FileCase;
  status: 'ok' | 'error' | 'crash' | 'hang';
  value?: unknown; isError?: boolean; name?: string; message?: string; rssGrowthKiB?: number; detail?: string;
}

/** Runs every case, restarting the child after a crash or hang (the case it was on is blamed). */
export function runCases(cases: FileCase[], dir: string, timeoutMs: number): Outcome[] {
  const results = new Map<string, Outcome>();
  let todo = cases.slice(), round = 0;
  while (todo.length) {
    const log = path.join(dir, `log${round}.jsonl`), jobFile = path.join(dir, `job${round++}.json`);
    fs.writeFileSync(jobFile, JSON.stringify({ log, cases: todo }));
    const p = spawnSync('/bin/sh', ['-c', `ulimit -v ${VMEM_KIB} && exec "$@"`, 'sh', process.execPath, '--max-old-space-size=256', CHILD, jobFile],
      { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' });
    const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
    let started: string | null = null, before = 0;
    for (const l of lines) {
      if (typeof l.start === 'string') { started = l.start; before = l.rssBeforeKiB as number; continue; }
      if (typeof l.id !== 'string') continue;
      started = null;
      const c = todo.find((x) => x.id === l.id)!;
      results.set(c.id, { c, status: l.ok ? 'ok' : 'error', value: l.value, isError: l.isError as boolean, name: l.name as string, message: l.message as string, rssGrowthKiB: (l.maxRssKiB as number) - before });
    }
    if (lines.some((l) => l.done)) break;
    // The child died or was killed: blame the case it had started (or the first one left).
    const blamed = todo.find((x) => x.id === started) ?? todo.find((x) => !results.has(x.id))!;
    const hung = p.error?.message.includes('ETIMEDOUT') || (p.signal === 'SIGKILL' && !p.status);
    results.set(blamed.id, {
      c: blamed, status: hung ? 'hang' : 'crash',
      detail: `${hung ? `no result within ${timeoutMs} ms` : `exit ${p.status} signal ${p.signal}`}; stderr: ${(p.stderr ?? '').slice(-600)}`,
    });
    todo = todo.filter((x) => !results.has(x.id));
  }
  return cases.map((c) => results.get(c.id)!);
}

const LOADER_NAME: Record<Kind, RegExp> = {
  safetensors: /^io\.load: /, idx: /^readIdx: /, csv: /^(parseCsv|readCsv): /,
  // loadStateDict(strict) reports mismatched weights in PyTorch's words; a layer's constructor (or registerModule) names itself.
  model: /^(loadModel: |io\.load: |Error\(s\) in loading state_dict|[A-Za-z][\w.]*: )/,
};
const ALLOCATION = /^alloc: |out of memory|allocation failed|Invalid (typed )?array length|Array buffer|heap/i;

function sameTensors(got: Record<string, TensorSummary>, want: Record<string, { dtype: string; shape: number[]; b64: string | null }>): string | null {
  const gk = Object.keys(got).sort(), wk = Object.keys(want).sort();
  if (JSON.stringify(gk) !== JSON.stringify(wk)) return `loaded tensors ${JSON.stringify(gk)} but the file holds ${JSON.stringify(wk)}`;
  for (const k of gk) {
    const g = got[k], w = want[k];
    if (JSON.stringify(g.shape) !== JSON.stringify(w.shape)) return `${k}: shape ${JSON.stringify(g.shape)}, file says ${JSON.stringify(w.shape)}`;
    if (w.b64 !== null && (g.dtype !== w.dtype || g.b64 !== w.b64)) return `${k}: ${g.dtype} values differ from the file's ${w.dtype} bytes`;
  }
  return null;
}

/** Why an outcome is wrong, or null when it is one of the two acceptable ones. */
export function judge(o: Outcome): string | null {
  const { c } = o;
  if (o.status === 'crash') return `crashed the process (${o.detail})`;
  if (o.status === 'hang') return `hung (${o.detail})`;
  if ((o.rssGrowthKiB ?? 0) > RSS_GROWTH_KIB) return `raised peak RSS by ${Math.round(o.rssGrowthKiB! / 1024)} MiB (limit ${RSS_GROWTH_KIB / 1024} MiB): allocates far beyond the file's size`;
  if (o.status === 'error') {
    if (c.pristine) return `failed on the unmodified file: ${o.message}`;
    if (!o.isError) return `threw a non-Error (${o.name}: ${o.message})`;
    if (ALLOCATION.test(o.message ?? '')) return `tried to allocate before validating (${o.name}: ${o.message})`;
    if (o.name === 'RangeError' && /call stack/.test(o.message ?? '')) return `overflowed the stack (${o.message})`;
    if (!LOADER_NAME[c.kind].test(o.message ?? '')) return `unclear error (does not name the loader): ${o.name}: ${o.message}`;
    return null;
  }
  const bytes = (p: string): Buffer => fs.readFileSync(p);
  switch (c.kind) {
    case 'safetensors':
    case 'model': {
      const ref = refSafetensors(bytes(c.kind === 'model' ? path.join(c.path, 'model.safetensors') : c.path));
      if (typeof ref === 'string') return `accepted a file whose header is broken (${ref})`;
      return sameTensors(o.value as Record<string, TensorSummary>, ref);
    }
    case 'idx': {
      const ref = refIdx(bytes(c.path));
      if (typeof ref === 'string') return `accepted a broken IDX file (${ref})`;
      return sameTensors({ t: o.value as TensorSummary }, { t: ref });
    }
    case 'csv': {
      const v = o.value as { names: string[]; numRows: number; columns: Record<string, unknown[]> };
      if (new Set(v.names).size !== v.names.length) return `duplicate column names ${JSON.stringify(v.names)} accepted`;
      const bad = v.names.find((n) => v.columns[n].length !== v.numRows);
      return bad === undefined ? null : `column ${JSON.stringify(bad)} has ${v.columns[bad].length} values for ${v.numRows} rows`;
    }
  }
}
