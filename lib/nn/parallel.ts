/**
 * torch.nn.parallel's place for DistributedDataParallel (the same class as dist.DistributedDataParallel).
 * @example
 * await dist.initProcessGroup();
 * const model = new nn.parallel.DistributedDataParallel(new nn.Linear(8, 2), { bucketCapMb: 10 });
 * await model.ready;
 */
export { DistributedDataParallel, type DDPOptions } from '../dist/ddp';
