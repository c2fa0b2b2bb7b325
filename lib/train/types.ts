/** What train.fit needs from a model, a data source, an optimizer and a scheduler. These
 * are structural so fit works with lib/nn, lib/optim and lib/data and with user classes. */
import type { Tensor } from '../tensor';

/**
 * What `fit`, `evaluate` and `predict` need from a model (every nn.Module has it).
 * @example
 * const model: train.TrainableModel = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
 */
export interface TrainableModel {
  /** The model applied to a batch of inputs. */
  forward(x: Tensor): Tensor;
  /** Switches to training mode (Dropout active, BatchNorm batch statistics). */
  train(mode?: boolean): unknown;
  /** Switches to evaluation mode. */
  eval(): unknown;
  /** Parameters and buffers by name. */
  stateDict(): Record<string, Tensor>;
  /** Loads parameters and buffers by name. */
  loadStateDict(sd: Record<string, Tensor>, opts?: { strict?: boolean }): unknown;
}

/**
 * A data-parallel model (dist.DistributedDataParallel): fit waits for the gradient
 * allreduce before each optimizer step, averages the epoch logs over the ranks and runs
 * `rankZeroOnly` callbacks on rank 0 only.
 * @example
 * // const ddp: train.DistributedModel = new dist.DistributedDataParallel(model);
 */
export interface DistributedModel extends TrainableModel {
  readonly processGroup: { readonly rank: number; readonly worldSize: number };
  /** Resolves once the replicas start from the same parameters. */
  readonly ready?: Promise<void>;
  finishGradientSync(): Promise<void>;
  /** The mean over ranks of each value. */
  allReduceMean(values: number[]): Promise<number[]>;
}

/**
 * True for a model fit must treat as data-parallel.
 * @example isDistributedModel(new nn.Linear(2, 2));  // false
 */
export function isDistributedModel(m: TrainableModel): m is DistributedModel {
  const d = m as Partial<DistributedModel>;
  return typeof d.finishGradientSync === 'function' && typeof d.allReduceMean === 'function' && d.processGroup !== undefined;
}

/**
 * A batch: inputs and targets ([x, y]; a DataLoader over a TensorDataset yields Tensor[]).
 * @example
 * const b: train.Batch = [randn([8, 4]), randint(0, 3, [8])];
 */
export type Batch = readonly Tensor[];

/**
 * A DataLoader or any iterable/async-iterable of [x, y] batches; `length` = batches per epoch.
 * @example
 * // Any iterable of [x, y] works, e.g. a generator of random batches.
 * function* batches(): Generator<Tensor[]> { for (let i = 0; i < 10; i++) yield [randn([8, 4]), randn([8, 1])]; }
 * const src: train.BatchSource = [...batches()];
 */
export type BatchSource = (Iterable<Batch> | AsyncIterable<Batch>) & { readonly length?: number };

/**
 * What `fit` needs from an optimizer (every optim optimizer has it); `paramGroups[0].lr` is logged as `lr`.
 * @example
 * const opt: train.OptimizerLike = new optim.SGD(new nn.Linear(2, 2).parameters(), { lr: 0.1 });
 */
export interface OptimizerLike {
  /** Clears the gradients of the optimized parameters. */
  zeroGrad(): void;
  /** Updates the parameters from their gradients. */
  step(): void;
  readonly paramGroups?: { lr: number }[];
}

/**
 * What `fit` needs from a learning-rate scheduler.
 * @example
 * const model = new nn.Linear(2, 2);
 * const sched: train.SchedulerLike = new optim.lrScheduler.StepLR(new optim.SGD(model.parameters(), { lr: 0.1 }), { stepSize: 5 });
 */
export interface SchedulerLike {
  /** Called once per epoch (or with the monitored value, for ReduceLROnPlateau). */
  step(metric?: number): void;
}

/**
 * A loss name understood by fit, or a function (prediction, target) -> scalar tensor.
 * @example
 * const weightedMse: train.LossFn = (pred, target) => pred.sub(target).square().mul(tensor([1, 2])).mean();
 * // await train.fit(model, { ..., loss: weightedMse });
 */
export type LossFn = (pred: Tensor, target: Tensor) => Tensor;

/**
 * A streaming metric: accumulates over batches, then computes one number.
 * @example
 * const metric: train.StreamingMetric = new metrics.MeanAbsoluteError();
 */
export interface StreamingMetric {
  readonly name: string;
  /** Accumulates one batch of predictions and targets. */
  update(pred: Tensor, target: Tensor): void;
  /** The value over everything accumulated since the last reset. */
  compute(): number;
  /** Forgets what was accumulated (fit calls it every epoch). */
  reset(): void;
}

/**
 * One epoch's logs: its index, mean training loss, learning rate, time, the metrics, and validation values as `val_<name>`.
 * @example
 * const cb: train.Callback = { onEpochEnd(_e, logs: train.EpochLogs) { console.log(logs.epoch, logs.loss, logs.val_loss, logs.accuracy); } };
 */
export interface EpochLogs {
  epoch: number;
  loss: number;
  lr: number;
  timeMs: number;
  /** Training metrics by name, and validation values under `val_<name>` / `val_loss`. */
  [key: string]: number;
}
