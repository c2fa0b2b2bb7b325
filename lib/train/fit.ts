/**
 * train.fit / evaluate / predict: the epoch loop a PyTorch user would write by hand, with
 * validation, metrics, a scheduler and callbacks. Async: it yields to the event loop
 * between batches so a server stays responsive while a model trains.
 */
import { Tensor, tidy } from '../tensor';
import { noGrad } from '../autograd/grad_mode';
import { abortError, whenComputed } from '../exec';
import { typeError } from '../errors';
import { checkOptions } from '../options';
import type { Callback, FitContext } from './callbacks';
import { progressBar } from './progress';
import { resolveLoss, resolveMetric } from './resolve';
import { isDistributedModel, type Batch, type BatchSource, type EpochLogs, type LossFn, type OptimizerLike, type SchedulerLike, type StreamingMetric, type TrainableModel } from './types';

/**
 * Options of `train.fit`.
 * @example
 * const model = new nn.Linear(4, 3);
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
 * const opts: train.FitOptions = {
 *   train: new data.DataLoader(new data.TensorDataset(randn([64, 4]), randint(0, 3, [64])), { batchSize: 16, shuffle: true }),
 *   loss: 'crossEntropy', optimizer: opt, epochs: 5, metrics: ['accuracy'],
 *   scheduler: new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.05, totalSteps: 20 }), schedulerStep: 'batch',
 *   verbose: false,
 * };
 * await train.fit(model, opts);
 */
export interface FitOptions {
  /** Training batches (a DataLoader or any iterable of [x, y]). */
  train: BatchSource;
  validation?: BatchSource;
  loss: string | LossFn;
  optimizer: OptimizerLike;
  epochs: number;
  /** Names ('accuracy', 'mae', ...) or streaming metric objects. */
  metrics?: (string | StreamingMetric)[];
  scheduler?: SchedulerLike;
  /** When the scheduler steps: once per epoch (default), per batch (OneCycleLR), or with the
   * monitored value (ReduceLROnPlateau; `schedulerMonitor`, default val_loss). */
  schedulerStep?: 'epoch' | 'batch' | 'monitor';
  schedulerMonitor?: string;
  callbacks?: Callback[];
  /** Show a progress bar/lines (default true). */
  verbose?: boolean;
  /** Yield to the event loop at least this often (ms); default 20; 0 yields after every batch. */
  yieldEveryMs?: number;
  /** Cancels training between batches: fit rejects with the signal's reason (or an AbortError). */
  signal?: AbortSignal;
}

const FIT_KEYS = ['train', 'validation', 'loss', 'optimizer', 'epochs', 'metrics', 'scheduler', 'schedulerStep', 'schedulerMonitor',
  'callbacks', 'verbose', 'yieldEveryMs', 'signal'];

/**
 * Per-epoch logs, and the same values as series by name.
 * @example
 * const model = new nn.Linear(4, 3);
 * const ds = new data.TensorDataset(randn([64, 4]), randint(0, 3, [64]));
 * const history: train.History = await train.fit(model, {
 *   train: new data.DataLoader(ds, { batchSize: 16 }), loss: 'crossEntropy',
 *   optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), epochs: 3, verbose: false,
 * });
 * console.log(history.history.loss.length, history.best('loss')?.epoch);   // 3 and the best epoch
 */
export class History {
  readonly epochs: EpochLogs[] = [];
  get history(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const e of this.epochs) for (const [k, v] of Object.entries(e)) (out[k] ??= []).push(v);
    return out;
  }
  /** The epoch logs with the best value of `monitor`. */
  best(monitor = 'val_loss', mode: 'min' | 'max' = /acc|f1|auc|r2|precision|recall/.test(monitor) ? 'max' : 'min'): EpochLogs | null {
    let best: EpochLogs | null = null;
    for (const e of this.epochs) {
      const v = e[monitor];
      if (v === undefined) continue;
      if (!best || (mode === 'min' ? v < best[monitor] : v > best[monitor])) best = e;
    }
    return best;
  }
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * The batches of a source, one fetched ahead: the next batch is made (its gathers queued)
 * before the current one's step, so with async execution a check that reads the labels
 * (class-index range checks) finds them computed instead of waiting behind the step.
 */
async function* batches(src: BatchSource, op: string): AsyncGenerator<Batch> {
  const it = src as Partial<AsyncIterable<Batch> & Iterable<Batch>>;
  let inner: AsyncIterator<Batch> | Iterator<Batch>;
  if (typeof it[Symbol.asyncIterator] === 'function') inner = (it as AsyncIterable<Batch>)[Symbol.asyncIterator]();
  else if (typeof it[Symbol.iterator] === 'function') inner = (it as Iterable<Batch>)[Symbol.iterator]();
  else throw typeError(op, 'data must be an iterable or async iterable of [x, y] batches (e.g. a DataLoader)');
  let done = false;
  try {
    let next = await inner.next();
    while (!next.done) {
      const cur = next.value;
      next = await inner.next();
      yield cur;
    }
    done = true;
  } finally {
    if (!done) await inner.return?.();
  }
}

function checkBatch(op: string, b: unknown): [Tensor, Tensor] {
  if (!Array.isArray(b) || b.length < 2 || !(b[0] instanceof Tensor) || !(b[1] instanceof Tensor)) {
    throw typeError(op, 'each batch must be an [x, y] pair of tensors');
  }
  return [b[0], b[1]];
}

function currentLr(opt: OptimizerLike): number { return opt.paramGroups?.[0]?.lr ?? NaN; }

/**
 * Trains `model` for `epochs` epochs and returns the History.
 * @example
 * const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3));
 * const ds = new data.TensorDataset(randn([200, 4]), randint(0, 3, [200]));
 * const [trainSet, valSet] = data.randomSplit(ds, [160, 40], 0);
 * const history = await train.fit(model, {
 *   train: new data.DataLoader(trainSet, { batchSize: 32, shuffle: true }),
 *   validation: new data.DataLoader(valSet, { batchSize: 40 }),
 *   loss: 'crossEntropy', optimizer: new optim.Adam(model.parameters()), epochs: 10, metrics: ['accuracy'],
 *   callbacks: [train.earlyStopping({ patience: 3 })],
 * });
 */
export async function fit(model: TrainableModel, opts: FitOptions): Promise<History> {
  if (!model || typeof model.forward !== 'function') throw typeError('fit', 'model must have a forward(x) method');
  checkOptions('fit', opts, FIT_KEYS);
  if (!opts) throw typeError('fit', 'needs options { train, loss, optimizer, epochs, ... }');
  if (!opts.train || typeof opts.train !== 'object') throw typeError('fit', 'train must be a DataLoader or an iterable of [x, y] batches');
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new RangeError(`fit: epochs must be a positive integer, got ${opts.epochs}`);
  if (!opts.optimizer || typeof opts.optimizer.step !== 'function') throw typeError('fit', 'optimizer must have step() and zeroGrad()');
  const lossFn = resolveLoss('fit', opts.loss);
  const metrics = (opts.metrics ?? []).map((m) => resolveMetric('fit', m));
  const valMetrics = (opts.metrics ?? []).map((m) => resolveMetric('fit', typeof m === 'string' ? m : m.name));
  const ddp = isDistributedModel(model) ? model : null;
  // NOTE: under DDP, output (progress, logs, checkpoints) comes from rank 0 only; callbacks
  // that decide (early stopping) run everywhere on the rank-averaged logs, so all ranks agree.
  const callbacks = [...(opts.verbose ?? true ? [progressBar()] : []), ...(opts.callbacks ?? [])]
    .filter((cb) => !(ddp && cb.rankZeroOnly && ddp.processGroup.rank !== 0));
  const history = new History();
  const ctx: FitContext = { model, epochs: opts.epochs, stepsPerEpoch: opts.train.length ?? null, stopTraining: false };
  const yieldMs = opts.yieldEveryMs ?? 20;
  const signal = checkSignal('fit', opts.signal);
  if (typeof yieldMs !== 'number' || !(yieldMs >= 0)) throw new RangeError(`fit: yieldEveryMs must be a number >= 0, got ${JSON.stringify(opts.yieldEveryMs)}`);
  if (ddp) await ddp.ready;
  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
  for (let epoch = 0; epoch < opts.epochs && !ctx.stopTraining; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
    model.train();
    metrics.forEach((m) => m.reset());
    const t0 = performance.now();
    let lossSum = 0, seen = 0, step = 0, lastYield = t0;
    const lr = currentLr(opts.optimizer);
    for await (const raw of batches(opts.train, 'fit')) {
      const [x, y] = checkBatch('fit', raw);
      const n = x.shape[0] ?? 1;
      if (signal?.aborted) throw abortError('fit', signal);
      const lossT = tidy(() => {
        opts.optimizer.zeroGrad();
        const pred = model.forward(x);
        const l = lossFn(pred, y);
        l.backward();
        if (!ddp) opts.optimizer.step();
        noGrad(() => metrics.forEach((m) => m.update(pred, y)));
        return l.detach();
      });
      if (ddp) {
        // The bucket allreduces started during backward; the step needs all of them.
        await ddp.finishGradientSync();
        opts.optimizer.step();
      }
      // NOTE: the one read per batch; with async execution it awaits the step without
      // blocking the event loop (the kernels run on the addon's stream meanwhile).
      let loss: number;
      try { loss = (await lossT.data())[0]; } finally { lossT.dispose(); }
      if (!Number.isFinite(loss)) throw new Error(`fit: loss became ${loss} at epoch ${epoch + 1}, step ${step + 1}; lower the learning rate or check the data`);
      if (opts.schedulerStep === 'batch') opts.scheduler?.step();
      lossSum += loss * n; seen += n;
      for (const cb of callbacks) await cb.onBatchEnd?.(step, { loss, batchSize: n }, ctx);
      step++;
      if (performance.now() - lastYield >= yieldMs) { await yieldToLoop(); lastYield = performance.now(); }
    }
    if (seen === 0) throw new RangeError('fit: the training data produced no batches');
    const logs: EpochLogs = { epoch, loss: lossSum / seen, lr, timeMs: 0 };
    metrics.forEach((m) => { logs[m.name] = m.compute(); });
    if (opts.validation) {
      const v = await evaluateWith(model, opts.validation, lossFn, valMetrics, yieldMs, signal);
      logs.val_loss = v.loss;
      for (const [k, val] of Object.entries(v.metrics)) logs[`val_${k}`] = val;
    }
    if (ddp) {
      const keys = Object.keys(logs).filter((k) => k !== 'epoch' && k !== 'lr' && k !== 'timeMs');
      const avg = await ddp.allReduceMean(keys.map((k) => logs[k]));
      keys.forEach((k, i) => { logs[k] = avg[i]; });
    }
    logs.timeMs = performance.now() - t0;
    if (opts.scheduler && (opts.schedulerStep ?? 'epoch') === 'epoch') opts.scheduler.step();
    if (opts.scheduler && opts.schedulerStep === 'monitor') {
      const key = opts.schedulerMonitor ?? 'val_loss';
      if (logs[key] === undefined) throw new RangeError(`fit: schedulerMonitor '${key}' is not in the epoch logs`);
      opts.scheduler.step(logs[key]);
    }
    history.epochs.push(logs);
    for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, ctx);
    await yieldToLoop();
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(history.epochs, ctx);
  return history;
}

async function evaluateWith(model: TrainableModel, data: BatchSource, lossFn: LossFn | null, metrics: StreamingMetric[], yieldMs: number, signal?: AbortSignal): Promise<{ loss: number; metrics: Record<string, number> }> {
  model.eval();
  metrics.forEach((m) => m.reset());
  let lossSum = 0, seen = 0, lastYield = performance.now();
  for await (const raw of batches(data, 'evaluate')) {
    if (signal?.aborted) throw abortError('evaluate', signal);
    const [x, y] = checkBatch('evaluate', raw);
    const n = x.shape[0] ?? 1;
    const out = tidy(() => noGrad(() => {
      const pred = model.forward(x);
      metrics.forEach((m) => m.update(pred, y));
      return lossFn ? lossFn(pred, y) : pred;
    }));
    // One await per batch: the loss's value, or (without a loss) the forward pass finishing.
    try {
      if (lossFn) lossSum += n * (await out.data())[0];
      else await whenComputed(out);
    } finally { out.dispose(); }
    seen += n;
    if (performance.now() - lastYield >= yieldMs) { await yieldToLoop(); lastYield = performance.now(); }
  }
  const out: Record<string, number> = {};
  metrics.forEach((m) => { out[m.name] = m.compute(); });
  return { loss: seen ? lossSum / seen : NaN, metrics: out };
}

/**
 * Loss and metrics of `model` over `data` in eval mode, without gradients.
 * @example
 * const model = new nn.Linear(4, 3);
 * const test = new data.DataLoader(new data.TensorDataset(randn([64, 4]), randint(0, 3, [64])), { batchSize: 32 });
 * const { loss, metrics } = await train.evaluate(model, test, { loss: 'crossEntropy', metrics: ['accuracy'] });
 * console.log(loss, metrics.accuracy);
 */
export async function evaluate(model: TrainableModel, data: BatchSource, opts: { loss?: string | LossFn; metrics?: (string | StreamingMetric)[]; signal?: AbortSignal } = {}): Promise<{ loss: number; metrics: Record<string, number> }> {
  checkOptions('evaluate', opts, ['loss', 'metrics', 'signal']);
  return evaluateWith(model, data, opts.loss ? resolveLoss('evaluate', opts.loss) : null,
    (opts.metrics ?? []).map((m) => resolveMetric('evaluate', m)), 20, checkSignal('evaluate', opts.signal));
}

function checkSignal(op: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw typeError(op, 'signal must be an AbortSignal');
  return signal;
}

/**
 * Predictions for x (in batches) or for every batch of a source, concatenated along dim 0.
 * @example
 * const model = new nn.Linear(4, 3);
 * const logits = await train.predict(model, randn([1000, 4]), { batchSize: 256 });   // [1000, 3], in eval mode, without grad
 */
export async function predict(model: TrainableModel, data: Tensor | BatchSource, optsIn: { batchSize?: number; signal?: AbortSignal } | number = {}): Promise<Tensor> {
  // NOTE: a number is the batch size (Keras' predict(x, batch_size)).
  const opts = typeof optsIn === 'number' ? { batchSize: optsIn } : optsIn ?? {};
  checkOptions('predict', opts, ['batchSize', 'signal']);
  const signal = checkSignal('predict', opts.signal);
  if (opts.batchSize !== undefined && (!Number.isInteger(opts.batchSize) || opts.batchSize < 1)) {
    throw new RangeError(`predict: batchSize must be a positive integer, got ${opts.batchSize}`);
  }
  model.eval();
  const outs: Tensor[] = [];
  // NOTE: each batch is awaited (not read): the queue holds one batch's work at a time, so
  // its memory stays that of one batch, and the event loop runs meanwhile.
  const step = async (x: Tensor): Promise<void> => {
    if (signal?.aborted) throw abortError('predict', signal);
    // tidy frees each batch's intermediates now rather than at the next GC: V8 sees no
    // allocation pressure from blocks the native cache reuses, so garbage piles up.
    const y = tidy(() => noGrad(() => model.forward(x)));
    outs.push(y);
    await whenComputed(y);
  };
  try {
    if (data instanceof Tensor) {
      const bs = opts.batchSize ?? 256, n = data.shape[0];
      for (let i = 0; i < n; i += bs) {
        const xb = data.slice(0, i, i + bs);
        try { await step(xb); } finally { xb.dispose(); }
        await yieldToLoop();
      }
    } else {
      for await (const raw of batches(data, 'predict')) await step(raw instanceof Tensor ? raw : raw[0]);
    }
  } catch (e) {
    outs.forEach((t) => t.dispose());
    throw e;
  }
  if (outs.length === 0) throw new RangeError('predict: no inputs');
  if (outs.length === 1) return outs[0];
  const out = tidy(() => catRows(outs));
  outs.forEach((t) => t.dispose());
  return out;
}

function catRows(ts: Tensor[]): Tensor {
  const rows = ts.reduce((s, t) => s + t.shape[0], 0);
  const out = Tensor.empty([rows, ...ts[0].shape.slice(1)], ts[0].dtype);
  let r = 0;
  for (const t of ts) { out.slice(0, r, r + t.shape[0]).copy_(t); r += t.shape[0]; }
  return out;
}
