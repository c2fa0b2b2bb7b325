/**
 * Option-object checks shared by every public function that takes `{ ... }` options.
 *
 * A JS caller gets no compile-time check, so `new SGD(p, { weight_decay: 0.1 })` or
 * `{ learningRate: 0.1 }` would otherwise train with defaults and no error. Every public
 * entry point runs `checkOptions(op, opts, allowed)` first: unknown keys throw a TypeError
 * naming the op, the key, the closest valid key and the valid keys.
 */
import { typeError } from './errors';

/** True for `{}`-literals and `Object.create(null)` objects, false for arrays, class instances, boxed values. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** 'weight_decay' → 'weightDecay', 'batch-size' → 'batchSize'; other names unchanged. */
export function snakeToCamel(key: string): string {
  return key.replace(/[_-]+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Levenshtein distance (insert, delete, substitute each cost 1); O(|a|·|b|), keys are short. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * The valid name a mistyped `key` most likely meant, or undefined when none is close.
 * Tries, in order: the snake_case→camelCase form (`weight_decay` → `weightDecay`), a
 * case-insensitive match (`LR` → `lr`), the initials of a camelCase name (`learningRate` →
 * `lr`), the only key sharing most of it as a prefix (`warmup` → `warmupSteps`, `reduce` →
 * `reduction`), then the smallest edit
 * distance on the lower-cased camelCase form within max(2, ⌊len/3⌋) edits.
 *
 * @example
 * suggestKey('weight_decay', ['lr', 'weightDecay']); // 'weightDecay'
 * suggestKey('momentm', ['lr', 'momentum']);          // 'momentum'
 * suggestKey('learningRate', ['lr', 'momentum']);     // 'lr'
 */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  const camel = snakeToCamel(key);
  if (allowed.includes(camel)) return camel;
  const lower = camel.toLowerCase();
  const ci = allowed.find((k) => k.toLowerCase() === lower);
  if (ci !== undefined) return ci;
  // A word's initials ('learningRate' → 'lr') or a prefix of a longer key ('warmup' → 'warmupSteps').
  const initials = camel.replace(/[^A-Z]/g, '').toLowerCase();
  const abbrev = allowed.find((k) => k.length >= 2 && `${camel[0]}${initials}`.toLowerCase() === k.toLowerCase());
  if (abbrev !== undefined) return abbrev;
  if (lower.length >= 3) {
    // NOTE: 'reduce' → 'reduction': sharing three quarters of the name as a prefix counts too.
    const need = Math.max(3, Math.ceil(0.75 * lower.length));
    const pre = allowed.filter((k) => commonPrefix(lower, k.toLowerCase()) >= need);
    if (pre.length === 1) return pre[0];
  }
  let best: string | undefined, bestD = Infinity;
  for (const k of allowed) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestD) { best = k; bestD = d; }
  }
  return bestD <= Math.max(2, Math.floor(lower.length / 3)) ? best : undefined;
}

/**
 * Throws unless `opts` is undefined, null or a plain object whose own keys are all in
 * `allowed`. The message names the op, the key, the closest valid key and every valid key.
 *
 * @example
 * checkOptions('SGD', { lr: 0.1, weight_decay: 1e-4 }, ['lr', 'momentum', 'weightDecay']);
 * // TypeError: SGD: unknown option 'weight_decay'; did you mean 'weightDecay'? (valid options: lr, momentum, weightDecay)
 */
export function checkOptions(op: string, opts: unknown, allowed: readonly string[]): void {
  if (opts === undefined || opts === null) return;
  if (!isPlainObject(opts)) {
    throw typeError(op, `options must be a plain object like { ${allowed[0] ?? 'key'}: ... }, got ${describeValue(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (allowed.includes(key)) continue;
    const hint = suggestKey(key, allowed);
    const valid = allowed.length > 0 ? `valid options: ${allowed.join(', ')}` : 'it takes no options';
    throw typeError(op, `unknown option '${key}'${hint !== undefined ? `; did you mean '${hint}'?` : ''} (${valid})`);
  }
}

/** 'number 0.1', 'array', 'string "x"', 'Foo instance': what a bad argument was, for messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') {
    const ctor = (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return ctor ? `a ${ctor} instance` : 'an object';
  }
  return typeof v;
}

/**
 * A constructor's trailing arguments read as PyTorch reads them: positional values in the
 * order of `names`, optionally followed by one options object checked against `allowed`
 * (default: `names`). `new nn.Conv2d(3, 16, 3, 1, 1)` gives `{ stride: 1, padding: 1 }`, the
 * same as `new nn.Conv2d(3, 16, 3, { stride: 1, padding: 1 })`. Too many positional values,
 * or a value given both ways, throw a TypeError naming the op.
 *
 * @example
 * positionalOptions('Linear', [false], ['bias']);  // { bias: false }
 */
export function positionalOptions(op: string, rest: readonly unknown[], names: readonly string[],
  allowed: readonly string[] = names): Record<string, unknown> {
  const args = rest.slice();
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  const last = args[args.length - 1];
  const opts = last === null || isPlainObject(last) ? (args.pop() as Record<string, unknown> | null) : undefined;
  if (args.length > names.length) {
    const what = names.length ? `at most ${names.length} positional option${names.length > 1 ? 's' : ''} (${names.join(', ')})` : 'no positional options';
    throw typeError(op, `takes ${what} before the options object, got ${args.length}: ${args.map(describeValue).join(', ')}`);
  }
  checkOptions(op, opts, allowed);
  const out: Record<string, unknown> = {};
  args.forEach((v, i) => { if (v !== undefined) out[names[i]] = v; });
  for (const [k, v] of Object.entries(opts ?? {})) {
    if (k in out) throw typeError(op, `${k} given both as a positional argument and in the options object`);
    out[k] = v;
  }
  return out;
}

/**
 * Options of a method with one boolean flag: `{ [flag]: v }` (unknown keys throw) or a bare
 * boolean, PyTorch's positional form (`loadStateDict(sd, false)`, `zeroGrad(false)`).
 *
 * @example
 * flagOptions('parameters', false, 'recurse');  // { recurse: false }
 */
export function flagOptions(op: string, opts: unknown, flag: string): Record<string, unknown> {
  if (typeof opts === 'boolean') return { [flag]: opts };
  checkOptions(op, opts, [flag]);
  return (opts ?? {}) as Record<string, unknown>;
}
