/** Hyperparameter search (grid or seeded random) over a user objective. */
import { checkOptions } from '../options';

/**
 * One parameter of a search space: a list of choices, or a numeric range (log-uniform with `log`, integers with `int`).
 * @example
 * const lr: train.ParamSpec = { min: 1e-4, max: 1e-1, log: true };
 * const layers: train.ParamSpec = { min: 1, max: 4, int: true };
 * const act: train.ParamSpec = ['relu', 'gelu'];
 */
export type ParamSpec = readonly (number | string | boolean)[] | { min: number; max: number; log?: boolean; int?: boolean };
export type ParamValue = number | string | boolean;

/**
 * Options of `train.search`: the parameter space, the strategy and the objective.
 * @example
 * const opts: train.SearchOptions = {
 *   space: { lr: { min: 1e-4, max: 1e-1, log: true }, hidden: [32, 64] },
 *   strategy: 'random', trials: 8, seed: 0, direction: 'max', verbose: false,
 *   objective: ({ lr, hidden }) => -Math.abs(Math.log10(lr as number) + 2) + (hidden as number) / 1000,
 * };
 * const { best } = await train.search(opts);
 */
export interface SearchOptions {
  /** Choices per parameter (a list), or a range for random search. */
  space: Record<string, ParamSpec>;
  strategy?: 'grid' | 'random';
  /** Number of random trials (random strategy). */
  trials?: number;
  seed?: number;
  /** Trains/evaluates with the given parameters and returns the value to optimise. */
  objective: (params: Record<string, ParamValue>, trial: number) => number | Promise<number>;
  direction?: 'min' | 'max';
  /** Print the sorted table at the end (default true). */
  verbose?: boolean;
}

/**
 * One trial of `train.search`: its number, parameters, objective value and duration.
 * @example
 * const { trials } = await train.search({ space: { k: [1, 2] }, objective: ({ k }) => k as number, verbose: false });
 * const first: train.Trial = trials[0];
 * console.log(first.params, first.value, first.timeMs);
 */
export interface Trial { trial: number; params: Record<string, ParamValue>; value: number; timeMs: number }

/**
 * What `train.search` returns: every trial (best first), the best one, and the printed table.
 * @example
 * const result: train.SearchResult = await train.search({ space: { x: [1, 2, 3] }, objective: ({ x }) => (x as number) ** 2, verbose: false });
 * console.log(result.best.params);   // { x: 1 }
 */
export interface SearchResult { trials: Trial[]; best: Trial; table: string }

/** Mulberry32: a small seeded generator for sampling parameters (not tensor data). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gridOf(space: Record<string, ParamSpec>): Record<string, ParamValue>[] {
  let out: Record<string, ParamValue>[] = [{}];
  for (const [k, spec] of Object.entries(space)) {
    if (!Array.isArray(spec)) throw new TypeError(`search: grid search needs a list of values for '${k}'`);
    if (spec.length === 0) throw new RangeError(`search: '${k}' has no values`);
    out = out.flatMap((p) => spec.map((v) => ({ ...p, [k]: v })));
  }
  return out;
}

function sample(space: Record<string, ParamSpec>, next: () => number): Record<string, ParamValue> {
  const p: Record<string, ParamValue> = {};
  for (const [k, spec] of Object.entries(space)) {
    if (Array.isArray(spec)) { p[k] = spec[Math.floor(next() * spec.length)]; continue; }
    const r = spec as { min: number; max: number; log?: boolean; int?: boolean };
    if (!(r.max >= r.min) || (r.log && r.min <= 0)) throw new RangeError(`search: bad range for '${k}'`);
    let v = r.log ? Math.exp(Math.log(r.min) + next() * (Math.log(r.max) - Math.log(r.min))) : r.min + next() * (r.max - r.min);
    p[k] = r.int ? Math.min(r.max, Math.max(r.min, Math.round(v))) : v;
  }
  return p;
}

function fmt(v: ParamValue): string {
  if (typeof v !== 'number') return String(v);
  return Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(3) : v.toPrecision(4);
}

/**
 * A table of search trials, one row each (rank, parameters, value, time).
 * @example
 * console.log(train.formatTrials([{ trial: 0, params: { lr: 0.01 }, value: 0.91, timeMs: 1200 }]));
 */
export function formatTrials(trials: Trial[]): string {
  const keys = Object.keys(trials[0]?.params ?? {});
  const rows = [['rank', 'trial', ...keys, 'value', 'time'], ...trials.map((t, i) => [String(i + 1), String(t.trial), ...keys.map((k) => fmt(t.params[k])), fmt(t.value), `${(t.timeMs / 1000).toFixed(1)}s`])];
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((s, c) => s.padStart(w[c])).join('  ')).join('\n');
}

/**
 * Runs the objective over a grid or random sample of the space; returns trials sorted best first.
 * @example
 * const result = await train.search({
 *   space: { lr: [0.01, 0.1], hidden: [8, 32] },
 *   objective: async ({ lr, hidden }) => {
 *     const model = new nn.Sequential(new nn.Linear(4, hidden as number), new nn.ReLU(), new nn.Linear(hidden as number, 3));
 *     const loader = new data.DataLoader(new data.TensorDataset(randn([64, 4]), randint(0, 3, [64])), { batchSize: 16 });
 *     const h = await train.fit(model, { train: loader, loss: 'crossEntropy', optimizer: new optim.SGD(model.parameters(), { lr: lr as number }), epochs: 2, verbose: false });
 *     return h.history.loss[1];
 *   },
 *   direction: 'min',
 * });
 * console.log(result.best.params);
 */
export async function search(opts: SearchOptions): Promise<SearchResult> {
  checkOptions('search', opts, ['space', 'strategy', 'trials', 'seed', 'objective', 'direction', 'verbose']);
  if (!opts) throw new TypeError('search: needs options { space, objective, ... }');
  for (const [k, spec] of Object.entries(opts.space ?? {})) {
    if (!Array.isArray(spec)) checkOptions(`search: space.${k}`, spec, ['min', 'max', 'log', 'int']);
  }
  if (typeof opts.objective !== 'function') throw new TypeError('search: objective must be a function');
  const strategy = opts.strategy ?? 'grid', dir = opts.direction ?? 'min';
  let candidates: Record<string, ParamValue>[];
  if (strategy === 'grid') candidates = gridOf(opts.space);
  else if (strategy === 'random') {
    const n = opts.trials ?? 10;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`search: trials must be a positive integer, got ${n}`);
    const next = rng(opts.seed ?? 0);
    candidates = Array.from({ length: n }, () => sample(opts.space, next));
  } else throw new TypeError(`search: strategy must be 'grid' or 'random', got ${String(strategy)}`);
  const trials: Trial[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const t0 = performance.now();
    const value = await opts.objective(candidates[i], i);
    if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`search: objective returned ${String(value)} for trial ${i}`);
    trials.push({ trial: i, params: candidates[i], value, timeMs: performance.now() - t0 });
  }
  trials.sort((a, b) => (dir === 'min' ? a.value - b.value : b.value - a.value));
  const table = formatTrials(trials);
  if (opts.verbose ?? true) console.log(table);
  return { trials, best: trials[0], table };
}
