/**
 * tensorforge.dist: data-parallel training across processes and machines (Gloo, TCP), shaped
 * like torch.distributed. Start processes with `npx tensorforge-run --nproc N script.js`, which
 * sets RANK, WORLD_SIZE, LOCAL_RANK and the store. See docs/distributed.md.
 * @example
 * import { data, dist, nn, optim, randn, randint, train } from 'tensorforge';
 * await dist.initProcessGroup({ backend: 'gloo' });
 * const net = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 3));
 * const model = new dist.DistributedDataParallel(net);
 * await model.ready;
 * const ds = new data.TensorDataset(randn([256, 8]), randint(0, 3, [256]));
 * const loader = new data.DataLoader(ds, { batchSize: 32, sampler: new data.DistributedSampler(ds) });
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 * await train.fit(model, { train: loader, loss: 'crossEntropy', optimizer: opt, epochs: 5 });
 * await dist.destroyProcessGroup();
 */
export {
  initProcessGroup, destroyProcessGroup, isInitialized, getRank, getWorldSize, allReduce, broadcast, allGather,
  reduceScatter, barrier, registerBackend, ProcessGroup, type ReduceOp, type InitOptions, type Backend, type BackendInit,
  type HostBuffer,
} from './process_group';
export { DistributedDataParallel, type DDPOptions, type DDPStats } from './ddp';
export { DistributedSampler, type DistributedSamplerOptions } from './sampler';
export { distAvailable, type OpTiming } from './addon';
