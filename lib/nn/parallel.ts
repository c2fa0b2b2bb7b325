/** torch.nn.parallel's place for DistributedDataParallel (the same class as dist.DistributedDataParallel). */
export { DistributedDataParallel, type DDPOptions } from '../dist/ddp';
