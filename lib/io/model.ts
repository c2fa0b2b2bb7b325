/**
 * A saved model is a directory with model.json (format, version, the architecture as
 * { className, config } from the layer registry, user metadata) and model.safetensors
 * (the state dict). Both files are written atomically.
 */
import * as fs from 'fs';
import * as path from 'path';
import { typeError } from '../errors';
import { checkOptions } from '../options';
import { writeAll, writeFileAtomic } from './atomic';
import { load, save } from './safetensors';
import { layerFromJSON, layerToJSON, type LayerJSON, type SerializableLayer } from './registry';

export const MODEL_FORMAT = 'tensorforge-model';
export const MODEL_VERSION = 1;

export interface ModelJSON {
  format: typeof MODEL_FORMAT;
  version: number;
  architecture: LayerJSON;
  weights: string;
  /** The module's train/eval mode when saved (restored by loadModel). */
  training?: boolean;
  metadata: Record<string, string>;
}

/**
 * Saves architecture and weights to `dir` (created if needed).
 * @example io.saveModel(model, './out/model');  const again = io.loadModel('./out/model');
 */
export function saveModel(model: SerializableLayer, dir: string, opts: { metadata?: Record<string, string> } = {}): void {
  if (!model || typeof model.stateDict !== 'function') throw typeError('saveModel', 'model must be a module with stateDict() and getConfig()');
  checkOptions('saveModel', opts, ['metadata']);
  const architecture = layerToJSON(model);
  fs.mkdirSync(dir, { recursive: true });
  const meta = opts.metadata ?? {};
  const json: ModelJSON = { format: MODEL_FORMAT, version: MODEL_VERSION, architecture, weights: 'model.safetensors', metadata: meta };
  if (typeof model.training === 'boolean') json.training = model.training;
  save(model.stateDict(), path.join(dir, 'model.safetensors'), { format: 'pt', ...meta });
  const text = Buffer.from(`${JSON.stringify(json, null, 2)}\n`, 'utf8');
  writeFileAtomic(path.join(dir, 'model.json'), (fd) => writeAll(fd, text));
}

/** Rebuilds a model saved by saveModel, loads its weights (strictly) and restores train/eval mode. */
export function loadModel<M extends SerializableLayer = SerializableLayer>(dir: string): M {
  const file = path.join(dir, 'model.json');
  let json: ModelJSON;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJSON;
  } catch (e) {
    throw new Error(`loadModel: cannot read ${file}: ${(e as Error).message}`);
  }
  if (json?.format !== MODEL_FORMAT) throw new Error(`loadModel: ${file} is not a tensorforge model (format ${JSON.stringify(json?.format)})`);
  if (json.version > MODEL_VERSION) throw new Error(`loadModel: ${file} has version ${json.version}; this tensorforge reads up to ${MODEL_VERSION}`);
  const weights = typeof json.weights === 'string' ? json.weights : 'model.safetensors';
  if (path.basename(weights) !== weights) throw new Error(`loadModel: ${file}: weights must be a file name in the model directory, got ${JSON.stringify(weights)}`);
  const model = layerFromJSON(json.architecture) as M;
  const sd = load(path.join(dir, weights));
  try {
    model.loadStateDict(sd, { strict: true });
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
  if (typeof json.training === 'boolean' && typeof model.train === 'function') model.train(json.training);
  return model;
}
