/** Containers: Sequential (keys '0', '1', ... as in PyTorch), ModuleList, ModuleDict. */
import type { Tensor } from '../../tensor';
import { rangeError, typeError } from '../../errors';
import { Module, type AnyModule } from '../module';
import { ReLU } from './activation';
import { MaxPool2d } from './pooling';
import { layerFromJSON, layerParamShapes, layerToJSON, registerLayer, type JsonValue, type LayerConfig, type LayerJSON, type ParamShapes } from '../../io/registry';

type Entry = { name: string; layer: LayerJSON };
const entriesOf = (m: AnyModule): JsonValue => [...m.namedChildren()].map(([name, c]) => ({ name, layer: layerToJSON(c) })) as unknown as JsonValue;
/** A container config's `modules`: [{ name, layer }], checked. */
function modulesOf(c: LayerConfig): Entry[] {
  const mods = (c.modules ?? []) as unknown as Entry[];
  if (!Array.isArray(mods)) throw typeError('loadModel', `container config field modules must be an array of { name, layer }, got ${JSON.stringify(mods)?.slice(0, 80)}`);
  const names = new Set<string>();
  for (const e of mods) {
    if (e === null || typeof e !== 'object' || typeof e.name !== 'string' || !e.name || e.layer === null || typeof e.layer !== 'object') {
      throw typeError('loadModel', `container config field modules must hold { name, layer } entries, got ${JSON.stringify(e)?.slice(0, 80)}`);
    }
    if (names.has(e.name)) throw typeError('loadModel', `container config field modules names ${JSON.stringify(e.name)} twice`);
    names.add(e.name);
  }
  return mods;
}
const build = (c: LayerConfig): [string, AnyModule][] => modulesOf(c).map((e) => [e.name, layerFromJSON(e.layer) as AnyModule]);
/** The children's state-dict shapes under their names (see io.layerParamShapes). */
function* childShapes(c: LayerConfig): ParamShapes {
  for (const e of modulesOf(c)) for (const [n, s] of layerParamShapes(e.layer)) yield [n ? `${e.name}.${n}` : e.name, s];
}

function checkIndex(op: string, i: number, n: number): number {
  if (!Number.isInteger(i)) throw typeError(op, `index must be an integer, got ${i}`);
  const j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) throw rangeError(op, `index ${i} is out of range for ${n} modules`);
  return j;
}

/** '0', '-1', '12': a property key that reads as an integer index. */
const INDEX_KEY = /^-?(0|[1-9][0-9]*)$/;
// NOTE: every property read of a Sequential passes the proxy; the first-character test keeps
// method and field names ('forward', '_modules') off the regular expression.
const isIndexKey = (key: string | symbol): key is string => {
  if (typeof key !== 'string') return false;
  const c = key.charCodeAt(0);
  return (c === 45 || (c >= 48 && c <= 57)) && INDEX_KEY.test(key);
};

/**
 * Wraps a Sequential/ModuleList so `m[i]` reads and `m[i] = x` replaces the i-th child by
 * position, negative i counting from the end as in Python; out of range is a RangeError,
 * never a new child named '-1' or '7'. Other keys pass through untouched.
 */
function indexable<T extends Sequential | ModuleList>(target: T, name: string): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      if (isIndexKey(key)) {
        const kids = [...t.namedChildren()];
        return kids[checkIndex(`${name}[${key}]`, Number(key), kids.length)][1];
      }
      return Reflect.get(t, key, receiver) as unknown;
    },
    set(t, key, value, receiver) {
      if (isIndexKey(key)) {
        const op = `${name}[${key}]`;
        if (!(value instanceof Module)) throw typeError(op, `can only assign a Module, got ${value === null ? 'null' : typeof value}`);
        const kids = [...t.namedChildren()];
        t.registerModule(kids[checkIndex(op, Number(key), kids.length)][0], value as AnyModule);
        return true;
      }
      return Reflect.set(t, key, value, receiver);
    },
  });
}

/**
 * Applies modules in order. Children are named '0', '1', ... (or by the keys of an object
 * or Map passed instead), so stateDict() keys are `0.weight`, `2.bias`, as in PyTorch.
 * Indexable by position like Python: `seq.at(-1)`, `seq[0]`, `seq[-1]`, and `seq[-1] = head`
 * replaces the last module (out of range is a RangeError); iterable; `length`.
 * @example const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 * model[-1] = new nn.Linear(8, 3);  // a new head, still stored under key '2'
 */
export class Sequential extends Module<[Tensor], Tensor> {
  [index: number]: AnyModule;

  constructor(...modules: AnyModule[] | [Record<string, AnyModule> | Map<string, AnyModule>]) {
    super();
    const first = modules[0] as unknown;
    if (modules.length === 1 && !(first instanceof Module) && first !== null && typeof first === 'object') {
      const entries = first instanceof Map ? [...first.entries()] : Object.entries(first as Record<string, AnyModule>);
      for (const [k, m] of entries) this.registerModule(k, m);
    } else {
      (modules as AnyModule[]).forEach((m, i) => {
        if (!(m instanceof Module)) throw typeError('Sequential', `argument ${i} must be a Module, got ${m === null ? 'null' : typeof m}`);
        this.registerModule(String(i), m);
      });
    }
    // NOTE: a constructor may return another object; the proxy is what `new` gives back.
    return indexable(this, 'Sequential');
  }

  get length(): number { return [...this.children()].length; }

  /** The i-th module (negative counts from the end). */
  at(i: number): AnyModule {
    const kids = [...this.children()];
    return kids[checkIndex('Sequential.at', i, kids.length)];
  }

  /** Adds a module at the end under the next integer key. */
  append(m: AnyModule): this {
    if (!(m instanceof Module)) throw typeError('Sequential.append', `expected a Module, got ${typeof m}`);
    this.registerModule(String(this.length), m);
    return this;
  }

  /** The child modules in order (`for (const layer of model)`). */
  [Symbol.iterator](): Iterator<AnyModule> { return this.children(); }

  override getConfig(): LayerConfig { return { modules: entriesOf(this) }; }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static paramShapes(c: LayerConfig): ParamShapes { return childShapes(c); }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): Sequential {
    // NOTE: a Map, not spread arguments: a saved Sequential may hold more modules than a call takes arguments.
    return new Sequential(new Map(build(c)));
  }

  override forward(x: Tensor): Tensor {
    const kids = [...this.children()];
    let y = x;
    for (let i = 0; i < kids.length; i++) {
      const m = kids[i], next = kids[i + 1];
      // NOTE: ReLU then MaxPool2d runs as pool then ReLU: the same values and the same input
      // gradient (the max of max(x, 0) over a window is max(window max, 0); a positive maximum
      // has the same first-of-equals position in both orders, a window whose maximum is <= 0
      // or NaN passes no gradient either way), and the ReLU and its backward touch a quarter
      // of the data. Only the exact classes: a subclass may override forward.
      if (next && Object.getPrototypeOf(m) === ReLU.prototype && Object.getPrototypeOf(next) === MaxPool2d.prototype) {
        y = m.forward(next.forward(y));
        i++;
      } else {
        y = m.forward(y);
      }
    }
    return y;
  }
}

/**
 * A list of modules whose parameters are registered under '0', '1', ...; indexable like Sequential.
 * @example
 * const blocks = new nn.ModuleList([new nn.Linear(8, 8), new nn.Linear(8, 8)]);
 * blocks.append(new nn.Linear(8, 8));
 * let h = randn([2, 8]);
 * for (let i = 0; i < blocks.length; i++) h = blocks.at(i).forward(h).relu();
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<never[], never> {
  [index: number]: M;
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
    return indexable(this, 'ModuleList');
  }
  get length(): number { return [...this.children()].length; }
  /** The i-th module (negative counts from the end). */
  at(i: number): M {
    const kids = [...this.children()] as M[];
    return kids[checkIndex('ModuleList.at', i, kids.length)];
  }
  /** Adds a module at the end (registered under the next index). */
  append(m: M): this {
    if (!(m instanceof Module)) throw typeError('ModuleList.append', `expected a Module, got ${typeof m}`);
    this.registerModule(String(this.length), m);
    return this;
  }
  /** The child modules in order (`for (const layer of model)`). */
  [Symbol.iterator](): Iterator<M> { return this.children() as Iterator<M>; }
  override getConfig(): LayerConfig { return { modules: entriesOf(this) }; }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static paramShapes(c: LayerConfig): ParamShapes { return childShapes(c); }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): ModuleList { return new ModuleList(build(c).map(([, m]) => m)); }
}

/**
 * Modules by name (keys become stateDict prefixes).
 * @example
 * const heads = new nn.ModuleDict({ age: new nn.Linear(16, 1), kind: new nn.Linear(16, 4) });
 * const out = heads.get('kind')!.forward(randn([2, 16]));   // stateDict keys 'kind.weight', ...
 */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<never[], never> {
  constructor(modules: Record<string, M> | Map<string, M> = {}) {
    super();
    const entries = modules instanceof Map ? [...modules.entries()] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }
  /** The module under `key`, or undefined. */
  get(key: string): M | undefined {
    for (const [k, m] of this.namedChildren()) if (k === key) return m as M;
    return undefined;
  }
  /** Adds or replaces the module under `key`. */
  set(key: string, m: M): this { this.registerModule(key, m); return this; }
  /** The keys, in insertion order. */
  keys(): string[] { return [...this.namedChildren()].map(([k]) => k); }
  /** [key, module] pairs, in insertion order. */
  entries(): [string, M][] { return [...this.namedChildren()] as [string, M][]; }
  override getConfig(): LayerConfig { return { modules: entriesOf(this) }; }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static paramShapes(c: LayerConfig): ParamShapes { return childShapes(c); }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): ModuleDict { return new ModuleDict(new Map(build(c))); }
}

registerLayer('Sequential', Sequential);
registerLayer('ModuleList', ModuleList);
registerLayer('ModuleDict', ModuleDict);
