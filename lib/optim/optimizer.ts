/**
 * Optimizer base: parameter groups with per-group options, per-parameter state, zeroGrad,
 * and a state dict that resumes training exactly. Subclasses implement `update` for one
 * parameter, calling a fused native kernel (native/cpu/optim.h).
 */
import { Tensor, contiguousCopy, keep, tidy } from '../tensor';
import { enableGrad, noGrad } from '../autograd/grad_mode';
import { zeros } from '../ops/creation';
import { fmtShape, rangeError, typeError } from '../errors';
import { checkOptions, describeValue, flagOptions } from '../options';

/**
 * Per-parameter optimizer state: buffers (PyTorch's names: `exp_avg`, ...) and counters.
 * @example
 * const state: optim.ParamState = { step: 0, expAvg: zeros([3]) };
 */
export type ParamState = Record<string, Tensor | number>;

/**
 * What the constructor accepts for a group: its params plus any options to override.
 * @example
 * const model = new nn.Sequential(new nn.Linear(8, 8), new nn.Linear(8, 2));
 * const groups: optim.ParamGroupSpec<optim.AdamOptions>[] = [
 *   { params: model[0].parameters(), lr: 1e-4 },   // a smaller lr for the first layer
 *   { params: model[1].parameters() },
 * ];
 * const opt = new optim.Adam(groups, { lr: 1e-3 });
 */
export type ParamGroupSpec<O> = { params: Iterable<Tensor> } & Partial<O>;

/**
 * A parameter group: params and the options that apply to them (schedulers change lr).
 * @example
 * const opt = new optim.SGD(new nn.Linear(2, 2).parameters(), { lr: 0.1, momentum: 0.9 });
 * const g: optim.ParamGroup<optim.SGDOptions> = opt.paramGroups[0];
 * g.lr = 0.01;   // what schedulers do
 */
export type ParamGroup<O> = O & { params: Tensor[]; lr: number; initialLr?: number; [extra: string]: unknown };

/**
 * What `Optimizer.stateDict()` returns (and `loadStateDict` takes), like PyTorch's.
 * @example
 * const model = new nn.Linear(2, 1);
 * const opt = new optim.Adam(model.parameters());
 * const sd: optim.OptimizerStateDict = opt.stateDict();
 * new optim.Adam(model.parameters()).loadStateDict(sd);
 */
export interface OptimizerStateDict {
  /** State by parameter index (counting through the groups in order). */
  state: Record<number, ParamState>;
  /** Group options, with params as indices. */
  paramGroups: Record<string, unknown>[];
}

/**
 * An optimizer constructor's options: `{ lr, ... }` checked against the keys of `defaults`
 * (unknown keys throw), or a number taken as the learning rate, PyTorch's first positional
 * argument (`new SGD(params, 0.1)`). More positional arguments throw instead of being dropped.
 */
export function optimizerOptions<O extends { lr: number }>(op: string, opts: Partial<O> | number | undefined, extra: readonly unknown[], defaults: O): O {
  if (extra.length > 0) {
    throw typeError(op, `takes (params, options); got ${2 + extra.length} arguments. Pass the rest by name, e.g. new ${op}(params, { ${Object.keys(defaults).slice(0, 2).join(', ')} })`);
  }
  if (typeof opts === 'number') return { ...defaults, lr: opts };
  if (opts !== undefined && opts !== null && typeof opts !== 'object') {
    throw typeError(op, `options must be a learning rate or { ${Object.keys(defaults).join(', ')} }, got ${describeValue(opts)}`);
  }
  checkOptions(op, opts, Object.keys(defaults));
  return { ...defaults, ...opts };
}

/**
 * The base class of the optimizers: parameter groups with their options, per-parameter state,
 * `zeroGrad()`, `step()` and state dicts. A new optimizer implements `update` for one parameter.
 * @example
 * class SignSGD extends optim.Optimizer<{ lr: number }> {
 *   constructor(params: Iterable<Tensor>, lr = 0.01) { super(params, { lr }); }
 *   protected override update(p: Tensor, grad: Tensor, _st: optim.ParamState, group: optim.ParamGroup<{ lr: number }>): void {
 *     p.sub_(grad.sign().mul(group.lr));   // runs under noGrad, inside tidy
 *   }
 * }
 * const model = new nn.Linear(4, 1);
 * const opt = new SignSGD(model.parameters(), 0.001);
 */
export abstract class Optimizer<O extends { lr: number } = { lr: number }> {
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly state = new Map<Tensor, ParamState>();

  constructor(params: Iterable<Tensor> | ParamGroupSpec<O>[], readonly defaults: O) {
    const name = this.constructor.name;
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw typeError(name, 'params must be an iterable of Tensors or of param groups ({ params, ...options })');
    }
    const list = [...(params as Iterable<Tensor | ParamGroupSpec<O>>)];
    if (list.length === 0) throw rangeError(name, 'optimizer got an empty parameter list');
    if (list.every((x) => x instanceof Tensor)) this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupSpec<O>);
    else for (const g of list) this.addParamGroup(g as ParamGroupSpec<O>);
  }

  /** Adds a group (e.g. a newly unfrozen backbone with a smaller lr). */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    const name = this.constructor.name;
    if (spec === null || typeof spec !== 'object' || !('params' in spec)) throw typeError(name, 'a param group must be an object with params');
    // NOTE: initialLr is what a scheduler records; a resumed group may carry it.
    checkOptions(`${name} param group`, spec, ['params', ...Object.keys(this.defaults), 'initialLr']);
    const params = spec.params instanceof Tensor ? [spec.params] : [...spec.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw typeError(name, `params[${i}] is not a Tensor`);
      if (!p.isLeaf) throw typeError(name, `params[${i}] ${fmtShape(p.shape)} is not a leaf tensor (optimize parameters, not results of ops)`);
      if (p.dtype !== 'float32') throw typeError(name, `params[${i}] must be float32, got ${p.dtype}`);
      if (seen.has(p)) throw rangeError(name, `params[${i}] ${fmtShape(p.shape)} appears in more than one parameter group`);
      seen.add(p);
    });
    const group = { ...this.defaults, ...spec, params } as ParamGroup<O>;
    this.checkOptions(group);
    this.paramGroups.push(group);
  }

  /** Validates a group's options; subclasses check theirs. */
  protected checkOptions(g: ParamGroup<O>): void {
    if (typeof g.lr !== 'number' || !(g.lr >= 0)) throw rangeError(this.constructor.name, `invalid learning rate: ${g.lr}`);
  }

  /** Clears gradients: frees them (setToNone, default) or fills them with zeros. */
  zeroGrad(setToNoneIn: boolean | { setToNone?: boolean } = true): void {
    const setToNone = flagOptions('zeroGrad', setToNoneIn, 'setToNone').setToNone ?? true;
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        if (setToNone) { p.grad.dispose(); p.grad = null; } else noGrad(() => p.grad!.zero_());
      }
    }
  }

  /**
   * Updates every parameter that has a gradient. closure (optional) re-evaluates the model
   * and returns the loss, which step returns.
   * @example opt.zeroGrad(); loss.backward(); opt.step();
   */
  step(closure?: () => number | Tensor): number | Tensor | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => tidy(() => {
      for (const g of this.paramGroups) {
        g.params.forEach((p, i) => {
          if (p.isDisposed) {
            throw new Error(`${this.constructor.name}.step: parameter ${i} ${fmtShape(p.shape)} of a param group was disposed; ` +
              'remove it from the optimizer (or keep the model alive) before stepping');
          }
          const grad = p.grad;
          if (!grad || grad.isDisposed) return;
          if (grad.device !== p.device) throw typeError(this.constructor.name, `gradient on ${grad.device} but parameter on ${p.device}`);
          if (!p.isContiguous()) throw typeError(this.constructor.name, `parameter ${fmtShape(p.shape)} must be contiguous`);
          if (grad.shape.join() !== p.shape.join()) {
            throw rangeError(this.constructor.name, `gradient ${fmtShape(grad.shape)} does not match its parameter ${fmtShape(p.shape)}`);
          }
          const gc = grad.isContiguous() && grad.dtype === 'float32' ? grad : grad.contiguous().to('float32');
          let st = this.state.get(p);
          if (!st) { st = {}; this.state.set(p, st); }
          this.update(p, gc, st, g);
        });
      }
    }));
    return loss;
  }

  /** One parameter's update (in place on p and st). Runs under noGrad inside tidy. */
  protected abstract update(p: Tensor, grad: Tensor, st: ParamState, group: ParamGroup<O>): void;

  /** A zero-filled state buffer that outlives tidy() scopes. */
  protected buffer(p: Tensor, value = 0): Tensor {
    const t = keep(Tensor.empty(p.shape, 'float32', p.device).fill_(0));
    if (value !== 0) t.fill_(value);
    return t;
  }

  /** Learning rates of the groups. */
  getLr(): number[] { return this.paramGroups.map((g) => g.lr); }

  /**
   * A snapshot of the state (buffers cloned) and group options, with parameters as indices.
   * @example const sd = opt.stateDict();  ...;  opt2.loadStateDict(sd);
   */
  stateDict(): OptimizerStateDict {
    const state: Record<number, ParamState> = {};
    const paramGroups: Record<string, unknown>[] = [];
    let idx = 0;
    for (const g of this.paramGroups) {
      const { params, ...opts } = g;
      const ids: number[] = [];
      for (const p of params) {
        const st = this.state.get(p);
        if (st) state[idx] = cloneState(st, false);
        ids.push(idx++);
      }
      paramGroups.push({ ...cloneOpts(opts), params: ids });
    }
    return { state, paramGroups };
  }

  /** Restores state and options saved by stateDict() (tensors are copied). */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this.constructor.name;
    if (!sd || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object') {
      throw typeError(`${name}.loadStateDict`, 'expected { state, paramGroups } from stateDict()');
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw rangeError(`${name}.loadStateDict`, `the state dict has ${sd.paramGroups.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    sd.paramGroups.forEach((sg, gi) => {
      const ids = sg.params as number[];
      const own = this.paramGroups[gi].params;
      if (!Array.isArray(ids) || ids.length !== own.length) {
        throw rangeError(`${name}.loadStateDict`, `group ${gi} has ${Array.isArray(ids) ? ids.length : '?'} parameters in the state dict, ${own.length} in the optimizer`);
      }
      ids.forEach((id, k) => byIndex.set(id, own[k]));
    });
    for (const [key, st] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(key));
      if (!p) throw rangeError(`${name}.loadStateDict`, `state for parameter ${key} has no matching parameter`);
      for (const [k, v] of Object.entries(st)) {
        if (v instanceof Tensor && v.shape.join() !== p.shape.join()) {
          throw rangeError(`${name}.loadStateDict`, `state ${k} of parameter ${key} has shape ${fmtShape(v.shape)}, the parameter ${fmtShape(p.shape)}`);
        }
      }
    }
    for (const st of this.state.values()) disposeState(st);
    this.state.clear();
    for (const [key, st] of Object.entries(sd.state)) this.state.set(byIndex.get(Number(key))!, cloneState(st, true));
    sd.paramGroups.forEach((sg, gi) => {
      const { params: _ids, ...opts } = sg;
      void _ids;
      Object.assign(this.paramGroups[gi], cloneOpts(opts));
    });
  }
}

function cloneState(st: ParamState, kept: boolean): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(st)) {
    if (v instanceof Tensor) {
      // NOTE: a copy, so the snapshot and the live state never share storage.
      const c = contiguousCopy(v, 'float32');
      out[k] = kept ? keep(c) : c;
    } else out[k] = v;
  }
  return out;
}

function disposeState(st: ParamState): void {
  for (const v of Object.values(st)) if (v instanceof Tensor) v.dispose();
}

function cloneOpts(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? v.slice() : v;
  return out;
}
