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
 *
 * A class may also give a static `*paramShapes(config)` yielding [stateDictName, shape] for
 * what fromConfig would allocate (containers yield their children's `layerParamShapes` under
 * their names): loadModel then checks a config against the weights file before building it.
 */
import type { Tensor } from '../tensor';
import { rangeError, typeError } from '../errors';

/**
 * Any JSON value.
 * @example
 * const v: io.JsonValue = { sizes: [1, 2], name: 'x', on: true, none: null };
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
/**
 * A layer's constructor arguments as JSON (what `getConfig()` returns and `fromConfig` takes).
 * @example
 * const config: io.LayerConfig = new nn.Conv2d(3, 8, 3).getConfig();
 */
export type LayerConfig = { [k: string]: JsonValue };

/**
 * What saveModel needs from a model (nn.Module provides all of it).
 * @example
 * const layer: io.SerializableLayer = new nn.Conv2d(1, 4, 3);
 * console.log(Object.keys(layer.stateDict()), layer.getConfig?.());
 */
export interface SerializableLayer {
  /** Constructor arguments as JSON (or supplied at registration, see LayerSpec). */
  getConfig?(): LayerConfig;
  /** Parameters and buffers by name. */
  stateDict(): Record<string, Tensor>;
  /** Loads parameters and buffers by name. */
  loadStateDict(sd: Record<string, Tensor>, opts?: { strict?: boolean }): unknown;
  /** Optional train/eval mode, restored by loadModel. */
  training?: boolean;
  /** Sets train/eval mode. */
  train?(mode?: boolean): unknown;
}

/**
 * The state-dict entries a config implies, as [name, shape] (shape null: a subtree whose
 * entries are not known without building it). Lazy, so a config claiming 10^6 layers stops
 * at the first entry the weights file lacks, and nothing is allocated.
 * @example
 * const shapes: io.ParamShapes = [['weight', [2, 4]], ['bias', [2]]];
 */
export type ParamShapes = Iterable<[string, number[] | null]>;

/**
 * A class with a static fromConfig (or any constructor, when the spec gives fromConfig).
 * @example
 * const cls: io.LayerClass = nn.Linear;
 * const layer = cls.fromConfig?.({ inFeatures: 3, outFeatures: 1, bias: false });
 */
export interface LayerClass {
  /** Builds the layer from its config. */
  fromConfig?(config: LayerConfig): SerializableLayer;
  /** Optional: the state-dict shapes fromConfig(config) would allocate, without allocating. */
  paramShapes?(config: LayerConfig): ParamShapes;
}

/**
 * How to serialise a class that does not carry getConfig/fromConfig itself (so built-in
 * layers can be registered without touching their source).
 * @example
 * class Shift extends nn.Module {
 *   constructor(readonly by: number) { super(); }
 *   override forward(x: Tensor): Tensor { return x.add(this.by); }
 * }
 * const spec: io.LayerSpec<Shift> = { getConfig: (l) => ({ by: l.by }), fromConfig: (c) => new Shift(c.by as number), paramShapes: () => [] };
 * io.registerLayer('Shift', Shift, spec);
 */
export interface LayerSpec<L = SerializableLayer> {
  /** The config of a layer instance (for classes without getConfig). */
  getConfig?(layer: L): LayerConfig;
  /** Builds a layer from its config (for classes without a static fromConfig). */
  fromConfig?(config: LayerConfig): L;
  /** The state-dict shapes fromConfig(config) would create, without allocating. */
  paramShapes?(config: LayerConfig): ParamShapes;
}

/**
 * A layer's architecture as JSON: the registered class name and its config.
 * @example
 * const j: io.LayerJSON = { className: 'Dropout', config: { p: 0.2 } };
 * const drop = io.layerFromJSON(j);
 */
export interface LayerJSON { className: string; config: LayerConfig }

interface Entry { cls: LayerClass; spec: LayerSpec }
const registry = new Map<string, Entry>();
const names = new Map<LayerClass, string>();

/**
 * Registers a layer class under `name` (a stable identifier written into model.json). The
 * class provides `getConfig()` / static `fromConfig(config)`, or `spec` provides them.
 * @example
 * class Scale extends nn.Module {
 *   constructor(readonly factor: number) { super(); }
 *   override forward(x: Tensor): Tensor { return x.mul(this.factor); }
 *   override getConfig(): io.LayerConfig { return { factor: this.factor }; }
 *   static fromConfig(c: io.LayerConfig): Scale { return new Scale(c.factor as number); }
 * }
 * io.registerLayer('Scale', Scale);   // now saveModel/loadModel handle models containing Scale
 * const json = io.layerToJSON(new nn.Sequential(new nn.Linear(2, 2), new Scale(3)));
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function registerLayer<L extends SerializableLayer>(name: string, cls: LayerClass | (abstract new (...a: any[]) => L), spec: LayerSpec<L> = {}): void {
  if (typeof name !== 'string' || !name) throw typeError('registerLayer', 'name must be a non-empty string');
  const c = cls as LayerClass;
  if (!c || (typeof c.fromConfig !== 'function' && typeof spec.fromConfig !== 'function')) {
    throw typeError('registerLayer', `${name}: the class needs a static fromConfig(config), or pass spec.fromConfig`);
  }
  const prev = registry.get(name);
  if (prev && prev.cls !== c) throw typeError('registerLayer', `a different class is already registered as ${JSON.stringify(name)}`);
  registry.set(name, { cls: c, spec: spec as LayerSpec });
  names.set(c, name);
}

/**
 * Names of every registered layer class.
 * @example
 * console.log(io.registeredLayers().includes('Linear'));   // true
 */
export function registeredLayers(): string[] { return [...registry.keys()].sort(); }

/**
 * { className, config } of a layer instance of a registered class.
 * @example
 * console.log(io.layerToJSON(new nn.Linear(4, 2)));   // { className: 'Linear', config: { inFeatures: 4, outFeatures: 2, bias: true } }
 */
export function layerToJSON(layer: SerializableLayer): LayerJSON {
  const cls = (layer as object)?.constructor as unknown as LayerClass;
  const name = names.get(cls);
  const cname = (cls as unknown as { name?: string })?.name ?? typeof layer;
  if (!name) throw typeError('saveModel', `${cname} is not registered (call io.registerLayer('${cname}', ${cname}) and give it getConfig()/static fromConfig())`);
  const { spec } = registry.get(name) as Entry;
  let config: LayerConfig;
  if (spec.getConfig) config = spec.getConfig(layer);
  else if (typeof layer.getConfig === 'function') config = layer.getConfig();
  else throw typeError('saveModel', `${cname} has no getConfig() method`);
  // Round-trip through JSON now so a non-JSON config fails at save time, not at load time.
  return { className: name, config: JSON.parse(JSON.stringify(config)) as LayerConfig };
}

/** The registry entry and config of a layer entry, checked. */
function resolve(json: LayerJSON): { entry: Entry; config: LayerConfig } {
  if (!json || typeof json !== 'object' || Array.isArray(json) || typeof json.className !== 'string') {
    throw typeError('loadModel', `layer entry must be { className, config }, got ${JSON.stringify(json)?.slice(0, 80)}`);
  }
  // NOTE: registry is a Map, so a className like "constructor" or "__proto__" is simply unknown.
  const entry = registry.get(json.className);
  if (!entry) {
    throw typeError('loadModel', `unknown layer class ${JSON.stringify(json.className)} (registered: ${registeredLayers().join(', ') || 'none'}); import the module that registers it`);
  }
  const config = json.config ?? {};
  if (typeof config !== 'object' || Array.isArray(config)) throw typeError('loadModel', `${json.className}: config must be an object, got ${JSON.stringify(config)}`);
  return { entry, config };
}

/**
 * Rebuilds a layer (with fresh weights) from layerToJSON's output.
 * @example
 * const layer = io.layerFromJSON({ className: 'Linear', config: { inFeatures: 4, outFeatures: 2, bias: true } }) as nn.Linear;
 * console.log(layer.weight.shape);   // [2, 4]
 */
export function layerFromJSON(json: LayerJSON): SerializableLayer {
  const { entry, config } = resolve(json);
  return entry.spec.fromConfig ? entry.spec.fromConfig(config) : (entry.cls.fromConfig as (c: LayerConfig) => SerializableLayer)(config);
}

/**
 * The state-dict entries layerFromJSON(json) would create, without creating them (see
 * ParamShapes); a class without paramShapes yields one ['', null] entry for its subtree.
 * @example
 * for (const [name, shape] of io.layerParamShapes(io.layerToJSON(new nn.Linear(4, 2)))) console.log(name, shape);   // weight [2, 4], bias [2]
 */
export function* layerParamShapes(json: LayerJSON): Generator<[string, number[] | null]> {
  const { entry, config } = resolve(json);
  const fn = entry.spec.paramShapes ?? entry.cls.paramShapes;
  if (!fn) { yield ['', null]; return; }
  yield* fn.call(entry.spec.paramShapes ? entry.spec : entry.cls, config);
}

/**
 * Reads an integer field of a layer config (absent: `dflt`), checked to be >= min.
 * @example
 * const c: io.LayerConfig = { units: 16 };
 * const units = io.configInt('Dense', c, 'units', 1);   // 16; a TypeError/RangeError naming Dense otherwise
 */
export function configInt(op: string, c: LayerConfig, key: string, min: number, dflt?: number): number {
  const v = c[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw rangeError(op, `config field ${key} must be an integer >= ${min}, got ${JSON.stringify(c[key])}`);
  }
  return v;
}
