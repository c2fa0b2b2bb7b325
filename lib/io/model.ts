/**
 * A saved model is a directory with model.json (format, version, the architecture as
 * { className, config } from the layer registry, user metadata) and model.safetensors
 * (the state dict). A save replaces the whole directory atomically (see saveModel); a load
 * checks the architecture against the weights file's header before building anything.
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { fmtShape, typeError } from '../errors';
import { checkOptions } from '../options';
import { fsyncDir, pidAlive, writeAll, writeFileAtomic } from './atomic';
import { readRegularFile } from './files';
import { load, readHeader, save, type SafetensorsHeader } from './safetensors';
import { layerFromJSON, layerParamShapes, layerToJSON, type LayerJSON, type SerializableLayer } from './registry';

/**
 * The `format` field of every model.json that saveModel writes.
 * @example
 * import * as fs from 'fs';
 * import * as os from 'os';
 * import * as path from 'path';
 * import { io, nn } from 'tensorforge';
 * const dir = path.join(os.tmpdir(), 'fmt-model');
 * io.saveModel(new nn.Linear(2, 1), dir);
 * const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as io.ModelJSON;
 * console.log(json.format === io.MODEL_FORMAT, json.version === io.MODEL_VERSION);   // true true
 */
export const MODEL_FORMAT = 'tensorforge-model';
/**
 * The model.json version this library writes (and the newest it reads).
 * @example
 * console.log(io.MODEL_VERSION);   // 1
 */
export const MODEL_VERSION = 1;

/**
 * The contents of model.json: format and version, the architecture as a layer tree, the weights file name and metadata.
 * @example
 * const json: io.ModelJSON = {
 *   format: io.MODEL_FORMAT, version: io.MODEL_VERSION, weights: 'model.safetensors', metadata: {},
 *   architecture: io.layerToJSON(new nn.Linear(4, 2)),
 * };
 */
export interface ModelJSON {
  format: typeof MODEL_FORMAT;
  version: number;
  architecture: LayerJSON;
  weights: string;
  /** The module's train/eval mode when saved (restored by loadModel). */
  training?: boolean;
  /** The shape of one input sample, batch dimension excluded (saveModel's inputShape; servers read it). */
  inputShape?: number[];
  metadata: Record<string, string>;
}

/** model.json larger than this is refused before it is read. */
const MAX_MODEL_JSON = 64 * 1024 * 1024;
/** What a model directory may hold: its two files and temporaries of older versions' saves. */
const MODEL_ENTRY = /^(model\.json|model\.safetensors|\.model\.(json|safetensors)\.\d+\.[0-9a-f]{12}\.tmp)$/;

// Siblings of a model directory `<name>` in its parent: a new model being written, and the
// previous model moved aside during the swap.
const NEW_TAG = 'tfsave', OLD_TAG = 'tfold';
const sibling = (name: string, tag: string): RegExp => new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.${tag}-(\\d+)-[0-9a-f]{12}$`);

/**
 * Test hook: TENSORFORGE_TEST_SAVE_PAUSE=all (or a comma list of steps: written, aside,
 * swapped) makes saveModel print `saveModel:pause:<step>` on stderr and sleep
 * TENSORFORGE_TEST_SAVE_PAUSE_MS (default 200) ms at that step, so a test can kill it there.
 */
function pausePoint(step: string): void {
  const want = process.env.TENSORFORGE_TEST_SAVE_PAUSE;
  if (!want || (want !== 'all' && !want.split(',').includes(step))) return;
  fs.writeSync(2, `saveModel:pause:${step}\n`);
  const ms = Number(process.env.TENSORFORGE_TEST_SAVE_PAUSE_MS ?? 200);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A per-sample input shape: a list of positive integers (the batch dimension excluded). */
function checkInputShape(fn: string, shape: unknown, where = 'inputShape'): number[] | undefined {
  if (shape === undefined) return undefined;
  if (!Array.isArray(shape) || shape.length > 16 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw typeError(fn, `${where} must be an array of at most 16 positive integers (one sample's shape, batch excluded), got ${preview(shape)}`);
  }
  return shape.slice() as number[];
}

function checkMetadata(meta: unknown): Record<string, string> {
  if (meta === undefined) return {};
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw typeError('saveModel', `metadata must be an object of string values, got ${JSON.stringify(meta)}`);
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v !== 'string') throw typeError('saveModel', `metadata value for ${JSON.stringify(k)} must be a string, got ${typeof v}`);
    if (k === '__proto__') throw typeError('saveModel', 'metadata key __proto__ is not allowed (the model could not be loaded)');
  }
  return meta as Record<string, string>;
}

/** The existing target directory (symlinks resolved), or null; refuses what a save must not replace. */
function existingTarget(dir: string): string | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (!st.isDirectory()) throw new Error(`saveModel: ${dir} exists and is not a directory`);
  const foreign = fs.readdirSync(dir).filter((n) => !MODEL_ENTRY.test(n));
  if (foreign.length) {
    throw new Error(`saveModel: ${dir} holds files that are not part of a saved model (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}); ` +
      'a save replaces the whole directory, so save into a new or model-only directory');
  }
  return fs.realpathSync(dir);
}

/** Removes temporaries of earlier saves of `name` that were killed (their process is gone). */
function removeStale(parent: string, name: string, targetExists: boolean): void {
  const fresh = sibling(name, NEW_TAG), old = sibling(name, OLD_TAG);
  for (const n of fs.readdirSync(parent)) {
    const m = fresh.exec(n);
    // NOTE: an old model moved aside is only removed while the target exists: with the target
    // missing (a save killed between its renames) it is the model loadModel falls back to.
    if ((m && !pidAlive(Number(m[1]))) || (targetExists && old.test(n))) fs.rmSync(path.join(parent, n), { recursive: true, force: true });
  }
}

/**
 * Saves architecture and weights to the directory `dir`, replacing any model there.
 *
 * NOTE: the save is atomic as a unit. The model is written into a fresh sibling
 * `.<name>.tfsave-<pid>-<hex>` (files and directory fsynced); then the old directory is
 * renamed aside to `.<name>.tfold-<pid>-<hex>`, the new one renamed to `dir`, and the old one
 * removed. A kill before the first rename leaves the old `dir`; after the second, the new
 * `dir`; between them `dir` is missing and loadModel reads the one `.tfold` sibling (the
 * complete old model). A `.tfsave` sibling is never read. The next save removes what a
 * killed save left. Concurrent saves to one directory are not supported.
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { io, nn } from 'tensorforge';
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 * const dir = path.join(os.tmpdir(), 'my-model');
 * io.saveModel(model, dir, { metadata: { task: 'demo' } });   // dir/model.json + dir/model.safetensors
 * const same = io.loadModel<nn.Sequential>(dir);
 */
export function saveModel(model: SerializableLayer, dir: string, opts: { metadata?: Record<string, string>; inputShape?: number[] } = {}): void {
  if (!model || typeof model.stateDict !== 'function') throw typeError('saveModel', 'model must be a module with stateDict() and getConfig()');
  checkOptions('saveModel', opts, ['metadata', 'inputShape']);
  const inputShape = checkInputShape('saveModel', opts.inputShape);
  if (typeof dir !== 'string' || !dir) throw typeError('saveModel', `dir must be a non-empty path, got ${JSON.stringify(dir)}`);
  const meta = checkMetadata(opts.metadata);
  const architecture = layerToJSON(model);
  const json: ModelJSON = { format: MODEL_FORMAT, version: MODEL_VERSION, architecture, weights: 'model.safetensors', metadata: meta };
  if (typeof model.training === 'boolean') json.training = model.training;
  if (inputShape) json.inputShape = inputShape;
  const text = Buffer.from(`${JSON.stringify(json, null, 2)}\n`, 'utf8');

  const target = existingTarget(path.resolve(dir)) ?? path.resolve(dir);
  const parent = path.dirname(target), name = path.basename(target);
  fs.mkdirSync(parent, { recursive: true });
  const exists = fs.existsSync(target);
  removeStale(parent, name, exists);
  const tag = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const tmp = path.join(parent, `.${name}.${NEW_TAG}-${tag}`);
  fs.mkdirSync(tmp);
  try {
    save(model.stateDict(), path.join(tmp, 'model.safetensors'), { format: 'pt', ...meta });
    writeFileAtomic(path.join(tmp, 'model.json'), (fd) => writeAll(fd, text));
    fsyncDir(tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  pausePoint('written');
  const aside = path.join(parent, `.${name}.${OLD_TAG}-${tag}`);
  if (exists) {
    fs.renameSync(target, aside);
    fsyncDir(parent);
    pausePoint('aside');
  }
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    if (exists) try { fs.renameSync(aside, target); } catch { /* loadModel still finds it aside */ }
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fsyncDir(parent);
  pausePoint('swapped');
  removeStale(parent, name, true);
  fsyncDir(parent);
}

/** The directory to read for `dir`: itself, or while a save's swap was cut short, the old model aside. */
function modelDir(dir: string): string {
  const abs = path.resolve(dir);
  if (fs.existsSync(abs)) {
    if (!fs.statSync(abs).isDirectory()) throw new Error(`loadModel: ${dir} is not a directory (a model is a directory with model.json and model.safetensors)`);
    return abs;
  }
  const parent = path.dirname(abs), old = sibling(path.basename(abs), OLD_TAG);
  let names: string[] = [];
  try { names = fs.readdirSync(parent).filter((n) => old.test(n)); } catch { /* parent missing too */ }
  if (!names.length) throw new Error(`loadModel: ${dir} does not exist`);
  // NOTE: saveModel keeps at most one aside while the target is missing; should there be more
  // (several writers), the most recently moved one is the newest model.
  names.sort((a, b) => fs.statSync(path.join(parent, b)).ctimeMs - fs.statSync(path.join(parent, a)).ctimeMs);
  return path.join(parent, names[0]);
}

/** Parses and checks model.json, naming the file and the field at fault. */
function readModelJSON(file: string): ModelJSON {
  const text = readRegularFile('loadModel', file, MAX_MODEL_JSON);
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
  } catch (e) {
    throw new Error(`loadModel: cannot read ${file}: ${(e as Error).message}`);
  }
  const bad = (field: string, want: string, got: unknown): Error => new Error(`loadModel: ${file}: ${field} must be ${want}, got ${preview(got)}`);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('the top level', 'a JSON object', json);
  const j = json as Record<string, unknown>;
  if (j.format !== MODEL_FORMAT) throw new Error(`loadModel: ${file} is not a tensorforge model (format ${JSON.stringify(j.format)})`);
  if (!Number.isInteger(j.version) || (j.version as number) < 1) throw bad('version', 'a positive integer', j.version);
  if ((j.version as number) > MODEL_VERSION) throw new Error(`loadModel: ${file} has version ${j.version}; this tensorforge reads up to ${MODEL_VERSION}`);
  if (j.weights !== undefined && typeof j.weights !== 'string') throw bad('weights', 'a file name', j.weights);
  const weights = (j.weights as string | undefined) ?? 'model.safetensors';
  if (!weights || path.basename(weights) !== weights || weights === '.' || weights === '..') {
    throw new Error(`loadModel: ${file}: weights must be a file name in the model directory, got ${JSON.stringify(weights)}`);
  }
  const a = j.architecture as Record<string, unknown> | null;
  if (a === null || typeof a !== 'object' || Array.isArray(a) || typeof a.className !== 'string') throw bad('architecture', 'a { className, config } object', a);
  if (j.training !== undefined && typeof j.training !== 'boolean') throw bad('training', 'a boolean', j.training);
  if (j.inputShape !== undefined) {
    try { checkInputShape('loadModel', j.inputShape); } catch { throw bad('inputShape', 'an array of positive integers', j.inputShape); }
  }
  if (j.metadata !== undefined) {
    const m = j.metadata;
    if (m === null || typeof m !== 'object' || Array.isArray(m) || !Object.values(m).every((v) => typeof v === 'string')) throw bad('metadata', 'an object of strings', m);
  }
  return { ...(j as unknown as ModelJSON), weights };
}

/**
 * Checks the architecture against the weights file's header before anything is built:
 * every state-dict entry the config implies must be in the file with the same shape (and,
 * when the whole tree is known, nothing else may be). So a config claiming huge layers fails
 * here, having allocated nothing. Layer classes without paramShapes are checked by the
 * strict loadStateDict after building.
 */
function checkAgainstHeader(arch: LayerJSON, header: SafetensorsHeader | Error, file: string, weightsFile: string): void {
  const shapes = header instanceof Error ? null : new Map(header.tensors.map((t) => [t.name, t.shape]));
  const seen = new Set<string>();
  let complete = true;
  for (const [name, shape] of layerParamShapes(arch)) {
    if (!shapes) throw header;
    if (shape === null) { complete = false; continue; }
    const have = shapes.get(name);
    if (!have) throw new Error(`loadModel: ${file}: the architecture defines tensor ${JSON.stringify(name)} ${fmtShape(shape)}, which ${weightsFile} does not hold`);
    if (have.length !== shape.length || have.some((s, i) => s !== shape[i])) {
      throw new Error(`loadModel: ${file}: the architecture defines tensor ${JSON.stringify(name)} as ${fmtShape(shape)}, but ${weightsFile} holds ${fmtShape(have)}`);
    }
    seen.add(name);
  }
  if (!shapes) throw header;
  if (complete) {
    const extra = [...shapes.keys()].filter((n) => !seen.has(n));
    if (extra.length) throw new Error(`loadModel: ${weightsFile} holds tensors the architecture in ${file} does not define: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', ...' : ''}`);
  }
}

/** A short printout of a config value for messages (never recursing into a hostile value). */
function preview(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v !== null && typeof v === 'object') return `an object with keys ${Object.keys(v).slice(0, 5).join(', ')}`;
  return String(JSON.stringify(v)).slice(0, 80);
}

/** How deep a model.json's architecture may nest (objects and arrays), far beyond real models. */
const MAX_CONFIG_DEPTH = 600;

/**
 * Rejects an architecture nested deeper than MAX_CONFIG_DEPTH before the (recursive) layer
 * builders see it: a hostile file must not overflow the stack. Walked with an explicit stack.
 */
function checkNesting(arch: unknown, file: string): void {
  const stack: [unknown, number][] = [[arch, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_CONFIG_DEPTH) {
      throw new RangeError(`loadModel: ${file}: the architecture nests deeper than ${MAX_CONFIG_DEPTH} levels`);
    }
    for (const c of Object.values(v as Record<string, unknown>)) stack.push([c, depth + 1]);
  }
}

/**
 * Reads and checks a saved model's model.json without building the model or reading weights
 * (a server uses it for the input shape and metadata).
 * @example const { inputShape, metadata } = io.readModelInfo('./out/model');
 */
export function readModelInfo(dir: string): ModelJSON {
  if (typeof dir !== 'string' || !dir) throw typeError('readModelInfo', `dir must be a non-empty path, got ${JSON.stringify(dir)}`);
  return readModelJSON(path.join(modelDir(dir), 'model.json'));
}

/**
 * Rebuilds a model saved by saveModel, loads its weights (strictly) and restores train/eval
 * mode. The config is checked against the weights file's header before any layer is built.
 * @example const model = io.loadModel<nn.Sequential>('./out/model');
 */
export function loadModel<M extends SerializableLayer = SerializableLayer>(dir: string): M {
  if (typeof dir !== 'string' || !dir) throw typeError('loadModel', `dir must be a non-empty path, got ${JSON.stringify(dir)}`);
  const where = modelDir(dir);
  const file = path.join(where, 'model.json');
  const json = readModelJSON(file);
  const weightsFile = path.join(where, json.weights);
  let header: SafetensorsHeader | Error;
  try {
    header = readHeader(weightsFile);
  } catch (e) {
    header = e as Error;
  }
  let model: M;
  try {
    checkNesting(json.architecture, file);
    checkAgainstHeader(json.architecture, header, file, weightsFile);
    model = layerFromJSON(json.architecture) as M;
  } catch (e) {
    // A layer's config check names the layer and field; say which file it came from.
    if ((e instanceof TypeError || e instanceof RangeError) && !e.message.includes(file)) {
      const msg = e.message.replace(/^loadModel: /, '');
      throw new (e.constructor as ErrorConstructor)(`loadModel: ${file}: ${msg}`);
    }
    throw e;
  }
  const sd = load(weightsFile);
  try {
    model.loadStateDict(sd, { strict: true });
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
  if (typeof json.training === 'boolean' && typeof model.train === 'function') model.train(json.training);
  return model;
}
