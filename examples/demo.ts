// The main job: a small CNN on the `mnist` package's digits with augmentation, a validation
// split, a learning-rate schedule and early stopping; then test accuracy, the classification
// report and the confusion matrix; SVG curves and the saved model in ./demo-output/; and a
// reload check that the saved model predicts exactly what the trained one does.
import * as path from 'path';
import { manualSeed, noGrad, tidy, backendInfo, nn, optim, data, metrics, train, io, type Tensor } from '../lib';

async function main(): Promise<void> {
  const t0 = performance.now();
  const out = path.resolve(process.argv[2] ?? 'demo-output');
  const epochs = Number(process.env.DEMO_EPOCHS ?? 6);
  manualSeed(0);
  const info = backendInfo();
  console.log(`tensorforge demo · ${info.isa} kernels · ${info.threads} threads`);

  // Data: 8,000 train / 2,000 test digits; 12.5% of train held out (stratified) for validation.
  const { train: trainAll, test } = data.datasets.mnist();
  const { train: tr, val } = data.trainValTestSplit(trainAll.x, trainAll.y, { val: 0.125, test: 0, seed: 1 });
  const normalize = new data.transforms.Normalize([0.1307], [0.3081]);
  const augment = new data.transforms.Compose([
    new data.transforms.RandomAffine({ degrees: 10, translate: [0.08, 0.08], scale: [0.9, 1.1] }),
    normalize,
  ]);
  const trainLoader = new data.DataLoader(new data.TensorDataset(tr.x, tr.y), {
    batchSize: 64, shuffle: true, seed: 2, transform: ([x, y]) => [augment.apply(x), y],
  });
  const evalLoader = (xy: { x: Tensor; y: Tensor }) => new data.DataLoader(new data.TensorDataset(xy.x, xy.y), {
    batchSize: 500, transform: ([x, y]) => [normalize.apply(x), y],
  });
  console.log(`data: ${tr.x.shape[0]} train / ${val.x.shape[0]} validation / ${test.x.shape[0]} test digits`);

  // Model: two conv blocks and a classifier head.
  const model = new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(32 * 7 * 7, 64), new nn.ReLU(), new nn.Dropout(0.25), new nn.Linear(64, 10),
  );
  console.log(model.toString());

  // Training: AdamW, cosine decay, early stopping on validation loss (best weights restored).
  const opt = new optim.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 1e-4 });
  const scheduler = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: epochs, etaMin: 1e-4 });
  const history = await train.fit(model, {
    train: trainLoader, validation: evalLoader(val), loss: 'crossEntropy', optimizer: opt, scheduler,
    epochs, metrics: ['accuracy'],
    callbacks: [
      train.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBest: true }),
      train.plotWriter(out),
      train.csvLogger(path.join(out, 'history.csv')),
    ],
  });

  // Evaluation on the held-out test digits.
  const xTest = tidy(() => normalize.apply(test.x));
  const logits = await train.predict(model, xTest, { batchSize: 500 });
  const acc = metrics.accuracy(logits, test.y);
  console.log(`\ntest accuracy: ${(acc * 100).toFixed(2)}%  (best epoch ${history.best('val_loss')!.epoch + 1})\n`);
  console.log(metrics.classificationReport(logits, test.y, { digits: 3 }));
  const cm = metrics.confusionMatrix(logits, test.y);
  console.log('confusion matrix (rows: true digit, columns: predicted)');
  console.log(metrics.formatConfusionMatrix(cm));
  train.writeTextAtomic(path.join(out, 'confusion_matrix.svg'), train.confusionMatrixSvg(cm.toArray() as number[][]));

  // Save, reload, and check the reloaded model predicts the same.
  const modelDir = path.join(out, 'model');
  io.saveModel(model, modelDir);
  const reloaded = io.loadModel<nn.Sequential>(modelDir);
  reloaded.eval();
  const again = noGrad(() => reloaded.forward(xTest));
  const same = noGrad(() => again.sub(logits).abs().max().item());
  if (same !== 0) throw new Error(`reloaded model differs from the trained one by up to ${same}`);
  console.log(`\nsaved to ${path.relative(process.cwd(), modelDir)}/ and reloaded: predictions identical on all ${test.x.shape[0]} test digits`);
  console.log(`curves and confusion matrix: ${path.relative(process.cwd(), out)}/*.svg · total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => { console.error(e); process.exit(1); });
