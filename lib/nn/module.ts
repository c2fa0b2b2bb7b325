/**
 * Module: the base class of layers and models, shaped like torch.nn.Module. A module owns
 * parameters (trainable leaf tensors), buffers (state such as running statistics) and child
 * modules, each under a name; `stateDict()` keys are the dotted paths of those names, equal
 * to PyTorch's for the same architecture (`0.weight`, `fc1.bias`, `bn.running_mean`).
 *
 * Children and parameters are registered either explicitly (`registerModule`,
 * `registerParameter`, `registerBuffer`) or simply by assigning a Module or Parameter to a
 * property (`this.fc1 = new nn.Linear(4, 8)`), which is picked up on the next traversal.
 */
import { Tensor, keep, type Device } from '../tensor';
import { noGrad } from '../autograd/grad_mode';
import { fmtShape, typeError } from '../errors';
import type { LayerConfig } from '../io/registry';
import { flagOptions } from '../options';

/**
 * A trainable tensor: a leaf that requires grad and is kept out of tidy() scopes (the
 * module owning it lives longer than any one step). Shares storage with `data`.
 * @example const w = new nn.Parameter(randn([3, 4]));
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    data.assertAlive('Parameter');
    super(data.storage, data.shape.slice(), data.strides.slice(), data.offset, data.dtype, data.device);
    keep(this);
    if (requiresGrad) this.requiresGrad_(true);
  }
}

/**
 * Parameter and buffer tensors by dotted name, as in PyTorch's state_dict.
 * @example
 * const sd: nn.StateDict = new nn.Linear(3, 2).stateDict();
 * console.log(sd['weight'].shape);   // [2, 3]
 */
export type StateDict = Record<string, Tensor>;

/**
 * What `Module.loadStateDict` returns: the keys it expected and did not get, and the keys it did not use.
 * @example
 * const model = new nn.Linear(3, 2);
 * const r: nn.LoadResult = model.loadStateDict({ weight: zeros([2, 3]) }, { strict: false });
 * console.log(r.missingKeys);   // ['bias']
 */
export interface LoadResult { missingKeys: string[]; unexpectedKeys: string[] }

/**
 * Any module, whatever its forward signature.
 * @example
 * const layers: nn.AnyModule[] = [new nn.Linear(2, 2), new nn.LSTM(2, 4)];
 * const total = layers.reduce((n, m) => n + m.numParameters(), 0);
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any[], any>;

const INTERNAL = new Set(['training']);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
/**
 * The base class of layers and models (torch.nn.Module): it owns parameters, buffers and child
 * modules under names, and gives `parameters()`, `stateDict()`/`loadStateDict()`, `train()`/
 * `eval()`, `to(device)`, `zeroGrad()` and `numParameters()`. Subclasses override `forward`.
 * @example
 * class MLP extends nn.Module {
 *   fc1 = new nn.Linear(4, 16);     // assigned modules are registered as children
 *   fc2 = new nn.Linear(16, 3);
 *   override forward(x: Tensor): Tensor { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 * const model = new MLP();
 * console.log(Object.keys(model.stateDict()));   // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * const logits = model.forward(randn([8, 4]));    // [8, 3]
 */
export class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Whether the module is in training mode (Dropout, BatchNorm behave differently). */
  training = true;
  private readonly _parameters = new Map<string, Parameter | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _nonPersistent = new Set<string>();
  private readonly _modules = new Map<string, AnyModule | null>();

  /** The computation; subclasses override it. */
  forward(...inputs: In): Out {
    void inputs;
    throw new Error(`${this.constructor.name}: forward() is not implemented`);
  }

  /** Same as forward() (PyTorch's `module(x)`). */
  call(...inputs: In): Out { return this.forward(...inputs); }

  /** Registers (or replaces) a parameter; a plain tensor is wrapped in a Parameter. null
   * registers an absent one (like `bias=False`), which stateDict() omits. */
  registerParameter(name: string, value: Tensor | null): Parameter | null {
    checkName(this, 'registerParameter', name);
    const p = value === null || value instanceof Parameter ? value : new Parameter(value);
    this._parameters.set(name, p);
    this.defineSlot(name, this._parameters);
    return p;
  }

  /** Registers state that is saved in stateDict() but not trained (running statistics).
   * `persistent: false` keeps it out of the state dict. */
  registerBuffer(name: string, value: Tensor | null, optsIn: { persistent?: boolean } | boolean = {}): Tensor | null {
    checkName(this, 'registerBuffer', name);
    const opts = flagOptions('registerBuffer', optsIn, 'persistent') as { persistent?: boolean };
    if (value) keep(value);
    this._buffers.set(name, value);
    if (opts.persistent === false) this._nonPersistent.add(name); else this._nonPersistent.delete(name);
    this.defineSlot(name, this._buffers);
    return value;
  }

  /** Registers a child module under `name` (its parameters get the `name.` prefix). */
  registerModule<M extends AnyModule | null>(name: string, module: M): M {
    checkName(this, 'registerModule', name);
    if (module !== null && !(module instanceof Module)) throw typeError('registerModule', `${name} must be a Module, got ${typeof module}`);
    this._modules.set(name, module);
    this.defineSlot(name, this._modules);
    return module;
  }

  /** Makes `this[name]` read and write the registry entry. */
  private defineSlot<V>(name: string, map: Map<string, V>): void {
    Object.defineProperty(this, name, {
      configurable: true, enumerable: false,
      get: () => map.get(name),
      set: (v: V) => {
        if (map === (this._parameters as unknown)) this.registerParameter(name, v as unknown as Tensor | null);
        else if (map === (this._buffers as unknown)) this.registerBuffer(name, v as unknown as Tensor | null);
        else this.registerModule(name, v as unknown as AnyModule | null);
      },
    });
  }

  /** Moves Modules and Parameters that were assigned as plain properties into the registries. */
  private sync(): void {
    for (const key of Object.keys(this)) {
      if (INTERNAL.has(key)) continue;
      const v = (this as Record<string, unknown>)[key];
      if (v instanceof Parameter) this.registerParameter(key, v);
      else if (v instanceof Module) this.registerModule(key, v);
    }
  }

  // ---- traversal -------------------------------------------------------------------------

  /** Direct children with their names. */
  *namedChildren(): Generator<[string, AnyModule]> {
    this.sync();
    for (const [k, m] of this._modules) if (m) yield [k, m];
  }

  /** The direct child modules. */
  *children(): Generator<AnyModule> { for (const [, m] of this.namedChildren()) yield m; }

  /** This module and all descendants, depth first, with dotted names ('' for this one). */
  *namedModules(prefix = '', memo = new Set<AnyModule>()): Generator<[string, AnyModule]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [k, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${k}` : k, memo);
  }

  /** This module and every descendant, depth first. */
  *modules(): Generator<AnyModule> { for (const [, m] of this.namedModules()) yield m; }

  /** Parameters with their dotted names; each tensor once (tied weights under the first name). */
  *namedParameters(optsIn: { recurse?: boolean } | boolean = {}): Generator<[string, Parameter]> {
    const opts = flagOptions('namedParameters', optsIn, 'recurse') as { recurse?: boolean };
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, AnyModule]> = opts.recurse === false ? [['', this]] : this.namedModules();
    for (const [prefix, m] of mods) {
      m.sync();
      for (const [k, p] of m._parameters) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        yield [prefix ? `${prefix}.${k}` : k, p];
      }
    }
  }

  /** All parameters (what you hand to an optimizer). */
  parameters(opts: { recurse?: boolean } | boolean = {}): Parameter[] {
    flagOptions('parameters', opts, 'recurse');
    return [...this.namedParameters(opts)].map(([, p]) => p);
  }

  /** [dotted name, buffer] pairs, recursively. */
  *namedBuffers(): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [k, b] of m._buffers) {
        if (!b || seen.has(b)) continue;
        seen.add(b);
        yield [prefix ? `${prefix}.${k}` : k, b];
      }
    }
  }

  /** The buffers (running statistics and other non-trained state), recursively. */
  buffers(): Tensor[] { return [...this.namedBuffers()].map(([, b]) => b); }

  /** Calls fn on every submodule (children first) and then on this module. */
  apply(fn: (m: AnyModule) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes -----------------------------------------------------------------------------

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw typeError('train', `mode must be a boolean, got ${typeof mode}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: Dropout passes inputs through, BatchNorm uses running statistics. */
  eval(): this { return this.train(false); }

  /** Clears parameter gradients (setToNone frees them; otherwise they are zero-filled). */
  zeroGrad(setToNoneIn: boolean | { setToNone?: boolean } = true): void {
    const setToNone = flagOptions('zeroGrad', setToNoneIn, 'setToNone').setToNone ?? true;
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) { p.grad.dispose(); p.grad = null; } else noGrad(() => p.grad!.zero_());
    }
  }

  /** Stops gradients for all parameters (e.g. a pretrained backbone in transfer learning). */
  freeze(): this { return this.requiresGrad_(false); }

  /** Makes all parameters trainable again. */
  unfreeze(): this { return this.requiresGrad_(true); }

  /** Sets requiresGrad on every parameter (false freezes the module). Returns this. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  /** Moves parameters and buffers to a device (a no-op for 'cpu' on CPU tensors). */
  to(device: Device): this {
    for (const m of this.modules()) {
      for (const [k, p] of m._parameters) {
        if (!p || p.device === device) continue;
        const moved = new Parameter(p.to(device), p.requiresGrad);
        m._parameters.set(k, moved);
      }
      for (const [k, b] of m._buffers) {
        if (!b || b.device === device) continue;
        m._buffers.set(k, keep(b.to(device)));
      }
    }
    return this;
  }

  /** Frees every parameter, buffer and gradient now (the module is unusable afterwards). */
  dispose(): void {
    for (const m of this.modules()) {
      for (const p of m._parameters.values()) p?.dispose();
      for (const b of m._buffers.values()) b?.dispose();
    }
  }

  // ---- state -----------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by dotted name, as detached views sharing storage
   * with the module (like PyTorch; clone them to snapshot).
   * @example io.save(model.stateDict(), 'model.safetensors');
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    const visit = (m: AnyModule, prefix: string, memo: Set<AnyModule>): void => {
      if (memo.has(m)) return;
      memo.add(m);
      m.sync();
      for (const [k, p] of m._parameters) if (p) out[prefix + k] = p.detach();
      for (const [k, b] of m._buffers) if (b && !m._nonPersistent.has(k)) out[prefix + k] = b.detach();
      for (const [k, c] of m._modules) if (c) visit(c, `${prefix}${k}.`, memo);
    };
    visit(this, '', new Set());
    return out;
  }

  /**
   * Copies tensors from `sd` into this module's parameters and buffers (converting dtype,
   * e.g. PyTorch's int64 num_batches_tracked). strict (default): every key must match and
   * nothing may be left over. Shape mismatches are always an error. The error lists every
   * problem at once.
   */
  loadStateDict(sd: StateDict | Map<string, Tensor>, optsIn: { strict?: boolean } | boolean = {}): LoadResult {
    const strict = (flagOptions('loadStateDict', optsIn, 'strict') as { strict?: boolean }).strict ?? true;
    const src = sd instanceof Map ? sd : new Map(Object.entries(sd ?? {}));
    const own = new Map<string, Tensor>();
    const visit = (m: AnyModule, prefix: string, memo: Set<AnyModule>): void => {
      if (memo.has(m)) return;
      memo.add(m);
      m.sync();
      for (const [k, p] of m._parameters) if (p) own.set(prefix + k, p);
      for (const [k, b] of m._buffers) if (b && !m._nonPersistent.has(k)) own.set(prefix + k, b);
      for (const [k, c] of m._modules) if (c) visit(c, `${prefix}${k}.`, memo);
    };
    visit(this, '', new Set());
    const missingKeys = [...own.keys()].filter((k) => !src.has(k));
    const unexpectedKeys = [...src.keys()].filter((k) => !own.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (strict && unexpectedKeys.length) problems.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    for (const [k, t] of own) {
      const s = src.get(k);
      if (!s) continue;
      if (!(s instanceof Tensor)) { problems.push(`value for ${k} is not a Tensor.`); continue; }
      if (s.shape.join() !== t.shape.join()) {
        problems.push(`size mismatch for ${k}: copying a param with shape ${fmtShape(s.shape)} from checkpoint, the shape in current model is ${fmtShape(t.shape)}.`);
      }
    }
    if (problems.length) {
      throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${problems.join('\n\t')}`);
    }
    noGrad(() => {
      for (const [k, t] of own) {
        const s = src.get(k);
        if (s && s !== t) t.copy_(s);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- summary ---------------------------------------------------------------------------

  /** Number of parameter elements (trainableOnly: those with requiresGrad). */
  numParameters(trainableOnly = false): number {
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.numel;
    return n;
  }

  /**
   * The constructor arguments as JSON, for io.saveModel (built-in layers define it, with a
   * static fromConfig and io.registerLayer; custom modules do the same to be saveable).
   */
  getConfig(): LayerConfig {
    throw typeError('getConfig', `${this.constructor.name} does not describe its architecture: give it getConfig() and a static fromConfig(config), then call io.registerLayer('${this.constructor.name}', ${this.constructor.name})`);
  }

  /** The constructor arguments shown by toString() (`in_features=4, out_features=2`). */
  extraRepr(): string { return ''; }

  /**
   * PyTorch-style tree, with each module's parameter count and a total line.
   * @example console.log(String(model));
   */
  toString(): string {
    const total = this.numParameters(), trainable = this.numParameters(true);
    return `${this.reprLines()}\nTotal params: ${fmtCount(total)} (trainable: ${fmtCount(trainable)})`;
  }

  private reprLines(): string {
    const kids = [...this.namedChildren()];
    const own = this.parameters({ recurse: false }).reduce((s, p) => s + p.numel, 0);
    const count = own > 0 && kids.length === 0 ? `  # ${fmtCount(own)} params` : '';
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (!kids.length) return `${head})${count}`;
    const body = kids.map(([k, m]) => `(${k}): ${m.reprLines()}`.replace(/\n/g, '\n  '));
    const sub = this.numParameters();
    return `${head}\n  ${body.join('\n  ')}\n)  # ${fmtCount(sub)} params`;
  }
}

function fmtCount(n: number): string { return n.toLocaleString('en-US'); }

function checkName(m: AnyModule, op: string, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw typeError(op, `name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
  }
  const regs = [['parameter', (m as unknown as { _parameters: Map<string, unknown> })._parameters],
    ['buffer', (m as unknown as { _buffers: Map<string, unknown> })._buffers],
    ['module', (m as unknown as { _modules: Map<string, unknown> })._modules]] as const;
  const kind = op === 'registerParameter' ? 'parameter' : op === 'registerBuffer' ? 'buffer' : 'module';
  for (const [k, map] of regs) {
    if (k !== kind && map.has(name)) throw typeError(op, `"${name}" is already registered as a ${k}`);
  }
  if (!(name in m) || Object.prototype.hasOwnProperty.call(m, name)) return;
  throw typeError(op, `"${name}" would shadow the ${m.constructor.name} method or property of that name`);
}
