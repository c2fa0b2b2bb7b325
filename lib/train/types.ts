/** What train.fit needs from a model, a data source, an optimizer and a scheduler. These
 * are structural so fit works with lib/nn, lib/optim and lib/data and with user classes. */
import type { Tensor } from '../tensor';

export interface TrainableModel {
  forward(x: Tensor): Tensor;
  train(mode?: boolean): unknown;
  eval(): unknown;
  stateDict(): Record<string, Tensor>;
  loadStateDict(sd: Record<string, Tensor>, opts?: { strict?: boolean }): unknown;
}

/** A data-parallel model (dist.DistributedDataParallel): fit waits for the gradient
 * allreduce before each optimizer step, averages the epoch logs over the ranks and runs
 * `rankZeroOnly` callbacks on rank 0 only. */
export interface DistributedModel extends TrainableModel {
  readonly processGroup: { readonly rank: number; readonly worldSize: number };
  /** Resolves once the replicas start from the same parameters. */
  readonly ready?: Promise<void>;
  finishGradientSync(): Promise<void>;
  /** The mean over ranks of each value. */
  allReduceMean(values: number[]): Promise<number[]>;
}

export function isDistributedModel(m: TrainableModel): m is DistributedModel {
  const d = m as Partial<DistributedModel>;
  return typeof d.finishGradientSync === 'function' && typeof d.allReduceMean === 'function' && d.processGroup !== undefined;
}

/** A batch: inputs and targets ([x, y]; a DataLoader over a TensorDataset yields Tensor[]). */
export type Batch = readonly Tensor[];

/** A DataLoader or any iterable/async-iterable of [x, y] batches; `length` = batches per epoch. */
export type BatchSource = (Iterable<Batch> | AsyncIterable<Batch>) & { readonly length?: number };

export interface OptimizerLike {
  zeroGrad(): void;
  step(): void;
  readonly paramGroups?: { lr: number }[];
}

export interface SchedulerLike {
  /** Called once per epoch (or with the monitored value, for ReduceLROnPlateau). */
  step(metric?: number): void;
}

/** A loss name understood by fit, or a function (prediction, target) -> scalar tensor. */
export type LossFn = (pred: Tensor, target: Tensor) => Tensor;

/** A streaming metric: accumulates over batches, then computes one number. */
export interface StreamingMetric {
  readonly name: string;
  update(pred: Tensor, target: Tensor): void;
  compute(): number;
  reset(): void;
}

export interface EpochLogs {
  epoch: number;
  loss: number;
  lr: number;
  timeMs: number;
  /** Training metrics by name, and validation values under `val_<name>` / `val_loss`. */
  [key: string]: number;
}
