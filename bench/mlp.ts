/**
 * MLP 784-512-256-10 (ReLU) training: one epoch of 60,000 random samples at batch 128 (469
 * steps, the last one of 96), Adam lr 1e-3, softmax cross-entropy, each step in tidy();
 * seconds per epoch. Ours and PyTorch time whole epochs; the tfjs backends time
 * `tfjsSteps` steps and scale to the epoch (stated in the row's note). Peer: bench/peers/mlp.py.
 */
import * as tf from '../lib';
import { crossEntropy } from '../lib/nn/functional';
import { guard, measure, per, type Family, type Options, type Workload } from './common';

type P = { samples: number; batch: number; steps: number; tfjsSteps: number };
const stepsOf = (p: P): number => Math.ceil(p.samples / p.batch);

export const mlp: Family = {
  name: 'mlp',
  python: 'mlp',
  workloads(o: Options): Workload[] {
    const samples = o.quick ? 1280 : 60000, batch = 128;
    return [{ name: `MLP 784-512-256-10 Adam b${batch} epoch (${samples} samples)`, unit: 's/epoch',
      params: { samples, batch, steps: Math.ceil(samples / batch), tfjsSteps: o.quick ? 3 : 20 }, tfjsCpu: o.quick, training: true }];
  },
  ours(wl, o) {
    const p = wl.params as P;
    const X = tf.randn([p.samples, 784]), Y = tf.randint(0, 10, [p.samples]);
    const model = new tf.nn.Sequential(new tf.nn.Linear(784, 512), new tf.nn.ReLU(), new tf.nn.Linear(512, 256),
      new tf.nn.ReLU(), new tf.nn.Linear(256, 10));
    const opt = new tf.optim.Adam(model.parameters(), { lr: 1e-3 });
    const epoch = (): void => {
      for (let s = 0; s < stepsOf(p); s++) {
        tf.tidy(() => {
          const lo = s * p.batch, hi = Math.min(p.samples, lo + p.batch);
          opt.zeroGrad();
          crossEntropy(model.forward(tf.slice(X, 0, lo, hi)), tf.slice(Y, 0, lo, hi)).backward();
          opt.step();
        });
      }
    };
    try {
      return measure(epoch, { budgetS: 0, minReps: o.quick ? 2 : 3, warmup: 1 });
    } finally { opt.zeroGrad(); X.dispose(); Y.dispose(); }
  },
  tfjs(T, backend, wl, o) {
    const p = wl.params as P;
    const model = T.sequential({ layers: [
      T.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }),
      T.layers.dense({ units: 256, activation: 'relu' }), T.layers.dense({ units: 10 })] });
    const opt = T.train.adam(1e-3);
    const X = T.randomNormal([p.batch * p.tfjsSteps, 784]);
    const Y = T.oneHot(T.randomUniform([p.batch * p.tfjsSteps], 0, 10, 'int32'), 10);
    const cap = backend === 'cpu' ? o.tfjsCpuCapS * 5 : o.tfjsWasmCapS;
    try {
      return guard(() => per(measure(() => {
        for (let s = 0; s < p.tfjsSteps; s++) {
          const cost = opt.minimize(() => T.tidy(() => T.losses.softmaxCrossEntropy(
            Y.slice([s * p.batch, 0], [p.batch, 10]), model.predict(X.slice([s * p.batch, 0], [p.batch, 784])))), true);
          cost.dataSync(); cost.dispose();
        }
      }, { budgetS: 0, minReps: 3, warmup: 1, capS: cap }), p.tfjsSteps / stepsOf(p)));
    } finally { X.dispose(); Y.dispose(); model.dispose(); opt.dispose(); }
  },
};
