/**
 * LeNet-5 training on 28x28x1 random images at batch 64: conv 5x5 1->6 pad 2, ReLU, max-pool
 * 2, conv 5x5 6->16, ReLU, max-pool 2, 400-120-84-10 with ReLU, Adam lr 1e-3, softmax
 * cross-entropy; seconds per 100 steps (tfjs backends time fewer steps and scale).
 * Peer: bench/peers/lenet.py.
 */
import * as tf from '../lib';
import { crossEntropy } from '../lib/nn/functional';
import { guard, measure, per, type Family, type Options, type Workload } from './common';

type P = { batch: number; steps: number; tfjsSteps: number };

function param(shape: number[], fanIn: number): tf.Tensor {
  const s = 1 / Math.sqrt(fanIn);
  return new tf.nn.Parameter(tf.noGrad(() => tf.rand(shape).mul(2 * s).sub(s)));
}

export const lenet: Family = {
  name: 'lenet',
  python: 'lenet',
  workloads(o: Options): Workload[] {
    const steps = o.quick ? 5 : 100;
    return [{ name: `LeNet-5 28x28 b64 Adam, ${steps} steps`, unit: 's/100 steps',
      params: { batch: 64, steps, tfjsSteps: o.quick ? 2 : 10 }, tfjsCpu: o.quick, training: true }];
  },
  ours(wl, o) {
    const p = wl.params as P;
    const X = tf.randn([p.batch * p.steps, 1, 28, 28]), Y = tf.randint(0, 10, [p.batch * p.steps]);
    const w1 = param([6, 1, 5, 5], 25), b1 = param([6], 25), w2 = param([16, 6, 5, 5], 150), b2 = param([16], 150);
    const fc = [new tf.nn.Linear(400, 120), new tf.nn.Linear(120, 84), new tf.nn.Linear(84, 10)];
    const params = [w1, b1, w2, b2, ...fc.flatMap((l) => l.parameters())];
    const opt = new tf.optim.Adam(params, { lr: 1e-3 });
    const forward = (x: tf.Tensor): tf.Tensor => {
      let h = tf.maxPool2d(tf.conv2d(x, w1, b1, { padding: 2 }).relu(), 2);
      h = tf.maxPool2d(tf.conv2d(h, w2, b2).relu(), 2);
      h = fc[0].forward(tf.flatten(h, 1)).relu();
      return fc[2].forward(fc[1].forward(h).relu());
    };
    const run = (): void => {
      for (let s = 0; s < p.steps; s++) {
        tf.tidy(() => {
          opt.zeroGrad();
          const lo = s * p.batch, hi = lo + p.batch;
          crossEntropy(forward(tf.slice(X, 0, lo, hi)), tf.slice(Y, 0, lo, hi)).backward();
          opt.step();
        });
      }
    };
    try {
      return per(measure(run, { budgetS: 0, minReps: 3, warmup: 1 }), p.steps / 100);
    } finally { opt.zeroGrad(); X.dispose(); Y.dispose(); }
  },
  tfjs(T, backend, wl, o) {
    const p = wl.params as P;
    const model = T.sequential({ layers: [
      T.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      T.layers.maxPooling2d({ poolSize: 2 }),
      T.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      T.layers.maxPooling2d({ poolSize: 2 }), T.layers.flatten(),
      T.layers.dense({ units: 120, activation: 'relu' }), T.layers.dense({ units: 84, activation: 'relu' }),
      T.layers.dense({ units: 10 })] });
    const opt = T.train.adam(1e-3);
    const n = p.batch * p.tfjsSteps;
    const X = T.randomNormal([n, 28, 28, 1]), Y = T.oneHot(T.randomUniform([n], 0, 10, 'int32'), 10);
    const cap = backend === 'cpu' ? o.tfjsCpuCapS * 5 : o.tfjsWasmCapS;
    try {
      return guard(() => per(measure(() => {
        for (let s = 0; s < p.tfjsSteps; s++) {
          const cost = opt.minimize(() => T.tidy(() => T.losses.softmaxCrossEntropy(
            Y.slice([s * p.batch, 0], [p.batch, 10]), model.predict(X.slice([s * p.batch, 0, 0, 0], [p.batch, 28, 28, 1])))), true);
          cost.dataSync(); cost.dispose();
        }
      }, { budgetS: 0, minReps: 3, warmup: 1, capS: cap }), p.tfjsSteps / 100));
    } finally { X.dispose(); Y.dispose(); model.dispose(); opt.dispose(); }
  },
};
