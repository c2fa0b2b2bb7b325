// Fashion-MNIST (Debian package dataset-fashion-mnist, IDX files read by data.datasets):
// a CNN with augmentation (random flips and small shifts), a one-cycle learning-rate
// schedule and early stopping on validation loss, then test accuracy, the per-class report,
// the confusion matrix (SVG) and a PNG sheet of misclassified test images.
//   npm run example -- fashion-cnn [--quick]
import * as path from 'path';
import * as fs from 'fs';
import { PNG } from 'pngjs';
import { manualSeed, tidy, backendInfo, nn, optim, data, metrics, train, type Tensor } from '../lib';
import type { ExampleArgs, ExampleResult } from './run';

const CLASSES = data.datasets.FASHION_MNIST_CLASSES;

/** Two conv-BN-ReLU-maxpool blocks (28x28 -> 14x14 -> 7x7) and a dropout-regularised head. */
function makeModel(c1: number, c2: number): nn.Sequential {
  const block = (cin: number, cout: number): nn.Module[] =>
    [new nn.Conv2d(cin, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU(), new nn.MaxPool2d(2)];
  return new nn.Sequential(
    ...block(1, c1), ...block(c1, c2),
    new nn.Flatten(), new nn.Dropout(0.25), new nn.Linear(c2 * 7 * 7, 128), new nn.ReLU(), new nn.Dropout(0.25), new nn.Linear(128, 10),
  );
}

/**
 * A PNG contact sheet of up to `count` images x [N, 1, 28, 28] in [0, 1], scaled 2x, in rows
 * of `perRow`, each with a 4-pixel border: green when pred === truth, red otherwise.
 */
export function writeImageSheet(file: string, x: Tensor, pred: ArrayLike<number>, truth: ArrayLike<number>, indices: number[], perRow = 10): void {
  const cell = 28 * 2 + 8, rows = Math.max(1, Math.ceil(indices.length / perRow));
  const png = new PNG({ width: perRow * cell, height: rows * cell });
  png.data.fill(255);
  indices.forEach((idx, k) => {
    const pixels = tidy(() => x.slice(0, idx, idx + 1).reshape([28 * 28]).dataSync());
    const ox = (k % perRow) * cell, oy = Math.floor(k / perRow) * cell;
    const border = pred[idx] === truth[idx] ? [40, 160, 40] : [200, 40, 40];
    for (let py = 0; py < cell; py++) {
      for (let px = 0; px < cell; px++) {
        const o = ((oy + py) * png.width + ox + px) * 4;
        const inner = px >= 4 && px < cell - 4 && py >= 4 && py < cell - 4;
        const v = inner ? 255 - Math.round(255 * Math.min(1, Math.max(0, pixels[((py - 4) >> 1) * 28 + ((px - 4) >> 1)]))) : 0;
        const rgb = inner ? [v, v, v] : border;
        png.data[o] = rgb[0]; png.data[o + 1] = rgb[1]; png.data[o + 2] = rgb[2]; png.data[o + 3] = 255;
      }
    }
  });
  fs.writeFileSync(file, PNG.sync.write(png));
}

export async function main({ quick, outDir }: ExampleArgs): Promise<ExampleResult> {
  manualSeed(0);
  const info = backendInfo();
  // Quick: 4,000 training images and the first 2,000 test images, a narrow net, 2 epochs.
  const { train: trainAll, test } = quick ? data.datasets.fashionMnist({ limit: 4000 }) : data.datasets.fashionMnist();
  const testX = quick ? test.x.slice(0, 0, 2000) : test.x, testY = quick ? test.y.slice(0, 0, 2000) : test.y;
  const { train: tr, val } = data.trainValTestSplit(trainAll.x, trainAll.y, { val: 1 / 12, test: 0, seed: 1 });
  console.log(`Fashion-MNIST: ${tr.x.shape[0]} train / ${val.x.shape[0]} validation / ${testX.shape[0]} test · ${info.isa} · ${info.threads} threads`);

  const normalize = new data.transforms.Normalize([0.286], [0.353]);
  const augment = new data.transforms.Compose([
    new data.transforms.RandomHorizontalFlip(),
    new data.transforms.RandomTranslation([1 / 28, 1 / 28]),
    normalize,
  ]);
  const trainLoader = new data.DataLoader(new data.TensorDataset(tr.x, tr.y), {
    batchSize: 128, shuffle: true, seed: 2, transform: ([x, y]) => [augment.apply(x), y],
  });
  const evalLoader = new data.DataLoader(new data.TensorDataset(val.x, val.y), { batchSize: 500, transform: ([x, y]) => [normalize.apply(x), y] });

  const epochs = quick ? 2 : 12;
  const model = quick ? makeModel(8, 16) : makeModel(32, 64);
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 5e-4 });
  const scheduler = new optim.lrScheduler.OneCycleLR(opt, { maxLr: 4e-3, epochs, stepsPerEpoch: trainLoader.length });
  const history = await train.fit(model, {
    train: trainLoader, validation: evalLoader, loss: 'crossEntropy', optimizer: opt, scheduler, schedulerStep: 'batch',
    epochs, metrics: ['accuracy'], verbose: !quick,
    callbacks: [train.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBest: true }), train.plotWriter(outDir)],
  });
  const best = history.best('val_loss');
  console.log(`trained ${history.epochs.length} epochs; kept epoch ${(best?.epoch ?? 0) + 1}: validation accuracy ${((best?.val_accuracy ?? NaN) * 100).toFixed(2)}%`);

  const xTest = tidy(() => normalize.apply(testX));
  const logits = await train.predict(model, xTest, { batchSize: 500 });
  const acc = metrics.accuracy(logits, testY);
  console.log(`\ntest accuracy: ${(acc * 100).toFixed(2)}%\n`);
  console.log(metrics.classificationReport(logits, testY, { numClasses: 10, targetNames: CLASSES, digits: 3 }));
  const cm = metrics.confusionMatrix(logits, testY, { numClasses: 10 });
  console.log(metrics.formatConfusionMatrix(cm, { labels: CLASSES.map((c) => c.slice(0, 7)) }));
  train.writeTextAtomic(path.join(outDir, 'confusion_matrix.svg'), train.confusionMatrixSvg(cm.toArray() as number[][], CLASSES, 'Fashion-MNIST test'));

  const pred = logits.argmax(1).dataSync(), truth = testY.dataSync();
  const wrong = Array.from(pred.keys()).filter((i) => pred[i] !== truth[i]).slice(0, 40);
  writeImageSheet(path.join(outDir, 'misclassified.png'), testX, pred, truth, wrong);
  console.log(`\nfirst misclassified test images: ${wrong.slice(0, 8).map((i) => `#${i} ${CLASSES[truth[i]]} -> ${CLASSES[pred[i]]}`).join(', ')} (all in misclassified.png)`);
  return { metrics: { test_accuracy: acc, epochs: history.epochs.length } };
}
