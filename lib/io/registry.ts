/**
 * The layer registry behind io.saveModel / io.loadModel. A layer class that can be saved
 * declares its constructor arguments with `getConfig()` (plain JSON) and rebuilds itself with
 * a static `fromConfig(config)`; it registers once under a stable name:
 *
 *   class Linear extends Module {
 *     getConfig() { return { inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null }; }
 *     static fromConfig(c: LinearConfig) { return new Linear(c.inFeatures, c.outFeatures, { bias: c.bias }); }
 *   }
 *   registerLayer('Linear', Linear);
 *
 * Containers put their children's `layerToJSON(child)` in their config and rebuild them with
 * `layerFromJSON`. Weights are not part of the config: they travel in the state dict.
 */
import type { Tensor } from '../tensor';
import { typeError } from '../errors';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type LayerConfig = { [k: string]: JsonValue };

/** What saveModel needs from a model (nn.Module provides all of it). */
export interface SerializableLayer {
  getConfig(): LayerConfig;
  stateDict(): Record<string, Tensor>;
  loadStateDict(sd: Record<string, Tensor>, opts?: { strict?: boolean }): unknown;
}

export interface LayerClass {
  fromConfig(config: LayerConfig): SerializableLayer;
}

/** A layer's architecture as JSON: the registered class name and its config. */
export interface LayerJSON { className: string; config: LayerConfig }

const registry = new Map<string, LayerClass>();
const names = new Map<LayerClass, string>();

/** Registers a layer class under `name` (a stable identifier written into model.json). */
export function registerLayer(name: string, cls: LayerClass): void {
  if (typeof name !== 'string' || !name) throw typeError('registerLayer', 'name must be a non-empty string');
  if (!cls || typeof cls.fromConfig !== 'function') throw typeError('registerLayer', `${name}: the class needs a static fromConfig(config)`);
  const prev = registry.get(name);
  if (prev && prev !== cls) throw typeError('registerLayer', `a different class is already registered as ${JSON.stringify(name)}`);
  registry.set(name, cls);
  names.set(cls, name);
}

/** The registered class for a name, or undefined. */
export function getLayerClass(name: string): LayerClass | undefined { return registry.get(name); }

/** Names of every registered layer class. */
export function registeredLayers(): string[] { return [...registry.keys()].sort(); }

/** { className, config } of a layer instance of a registered class. */
export function layerToJSON(layer: SerializableLayer): LayerJSON {
  const cls = (layer as object)?.constructor as unknown as LayerClass;
  const name = names.get(cls);
  const cname = (cls as unknown as { name?: string })?.name ?? typeof layer;
  if (!name) throw typeError('saveModel', `${cname} is not registered (call io.registerLayer('${cname}', ${cname}) and give it getConfig()/static fromConfig())`);
  if (typeof layer.getConfig !== 'function') throw typeError('saveModel', `${cname} has no getConfig() method`);
  const config = layer.getConfig();
  // Round-trip through JSON now so a non-JSON config fails at save time, not at load time.
  return { className: name, config: JSON.parse(JSON.stringify(config)) as LayerConfig };
}

/** Rebuilds a layer (with fresh weights) from layerToJSON's output. */
export function layerFromJSON(json: LayerJSON): SerializableLayer {
  if (!json || typeof json !== 'object' || typeof json.className !== 'string') throw typeError('loadModel', 'layer entry must be { className, config }');
  const cls = registry.get(json.className);
  if (!cls) {
    throw typeError('loadModel', `unknown layer class ${JSON.stringify(json.className)} (registered: ${registeredLayers().join(', ') || 'none'}); import the module that registers it`);
  }
  return cls.fromConfig(json.config ?? {});
}
