// DCGAN on the `mnist` package's 10,000 digits. A generator (noise -> 28x28 digit) and a
// discriminator (digit -> real/fake logit) are trained against each other; after each epoch
// the generator's samples for a fixed batch of noise are written as a PNG grid. A small CNN
// digit classifier, trained here first on 8,000 of the digits, then scores 1,000 samples:
// its mean max-confidence (are they legible digits?) and the class histogram (are all ten
// digits produced, or has the generator collapsed onto a few modes?).
//   npm run example -- gan [--quick]
import * as path from 'path';
import { manualSeed, noGrad, tidy, randn, full, nn, optim, data, metrics, train, type Tensor } from '../lib';
import type { ExampleArgs, ExampleResult } from './run';
import { writeImageGrid } from './helpers/images';

const Z = 64;   // noise dimension

/** noise [N, Z] -> images [N, 1, 28, 28] in [-1, 1]: project to 2w x 7 x 7, then two stride-2 up-convolutions. */
class Generator extends nn.Module {
  readonly project: nn.Sequential;
  readonly up: nn.Sequential;
  constructor(readonly width: number) {
    super();
    this.project = new nn.Sequential(new nn.Linear(Z, 2 * width * 49), new nn.BatchNorm1d(2 * width * 49), new nn.ReLU());
    this.up = new nn.Sequential(
      new nn.ConvTranspose2d(2 * width, width, 4, { stride: 2, padding: 1 }), new nn.BatchNorm2d(width), new nn.ReLU(),   // 14x14
      new nn.ConvTranspose2d(width, 1, 4, { stride: 2, padding: 1 }), new nn.Tanh(),                                        // 28x28
    );
  }
  override forward(z: Tensor): Tensor {
    return this.up.forward(this.project.forward(z).reshape([z.shape[0], 2 * this.width, 7, 7]));
  }
}

/** images [N, 1, 28, 28] -> real/fake logits [N, 1]. */
function discriminator(width: number): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, width, 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(0.2),                                       // 14x14
    new nn.Conv2d(width, 2 * width, 4, { stride: 2, padding: 1 }), new nn.BatchNorm2d(2 * width), new nn.LeakyReLU(0.2), // 7x7
    new nn.Flatten(), new nn.Linear(2 * width * 7 * 7, 1),
  );
}

/** The scoring classifier: digits [N, 1, 28, 28] in [0, 1] -> 10 logits. */
function classifier(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(32 * 7 * 7, 10),
  );
}

const count = (m: nn.Module): number => m.parameters().reduce((n, p) => n + p.numel, 0);

/** Generator samples for noise z, mapped to [0, 1] (eval mode: batch norm uses running stats). */
function sample(g: Generator, z: Tensor): Tensor {
  g.eval();
  const x = noGrad(() => g.forward(z).add(1).mul(0.5));
  g.train();
  return x;
}

/** RMS difference between the mean image of `a` and of `b` (both [N, 1, 28, 28] in [0, 1]). */
function meanImageGap(a: Tensor, b: Tensor): number {
  return tidy(() => a.mean(0).sub(b.mean(0)).square().mean().sqrt().item());
}

export async function main({ quick, outDir }: ExampleArgs): Promise<ExampleResult> {
  manualSeed(0);
  const { train: digits, test } = data.datasets.mnist();                // 8,000 / 2,000
  const all = tidy(() => data.datasets.mnist({ trainSize: 10000 }).train.x);
  const ganData = quick ? all.slice(0, 0, 2048) : all;
  const clsData = quick ? { x: digits.x.slice(0, 0, 3000), y: digits.y.slice(0, 0, 3000) } : digits;

  // 1. The judge: a digit classifier, checked on the 2,000 held-out digits.
  const judge = classifier();
  await train.fit(judge, {
    train: new data.DataLoader(new data.TensorDataset(clsData.x, clsData.y), { batchSize: 64, shuffle: true, seed: 1 }),
    loss: 'crossEntropy', optimizer: new optim.Adam(judge.parameters(), { lr: 2e-3 }), epochs: quick ? 1 : 3, verbose: false,
  });
  judge.eval();
  const judgeAcc = metrics.accuracy(await train.predict(judge, test.x, { batchSize: 500 }), test.y);
  console.log(`digit classifier (the judge): ${(judgeAcc * 100).toFixed(2)}% on ${test.x.shape[0]} held-out digits`);

  // 2. The GAN: Adam(2e-4, betas 0.5/0.999) and one-sided label smoothing (real = 0.9), as in DCGAN practice.
  const width = quick ? 16 : 32, epochs = quick ? 2 : 12, batchSize = quick ? 32 : 64;
  const G = new Generator(width), D = discriminator(width);
  const lr = quick ? 5e-4 : 2e-4;
  const optG = new optim.Adam(G.parameters(), { lr, betas: [0.5, 0.999] });
  const optD = new optim.Adam(D.parameters(), { lr, betas: [0.5, 0.999] });
  const bce = nn.functional.binaryCrossEntropyWithLogits;
  const loader = new data.DataLoader(new data.TensorDataset(ganData), { batchSize, shuffle: true, dropLast: true, seed: 2 });
  const fixedZ = randn([64, Z]);
  const nEval = quick ? 256 : 1000, evalZ = randn([nEval, Z]);
  const realRef = ganData.slice(0, 0, nEval);
  const gapBefore = tidy(() => meanImageGap(sample(G, evalZ), realRef));
  console.log(`GAN: ${ganData.shape[0]} digits, batch ${batchSize}, ${epochs} epoch(s); G ${count(G)} / D ${count(D)} parameters`);
  const lossD: number[] = [], lossG: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    let sumD = 0, sumG = 0, steps = 0;
    for (const [real01] of loader) {
      const [ld, lg] = tidy(() => {
        const real = real01.mul(2).sub(1), n = real.shape[0];
        // Discriminator: push D(real) to 0.9 and D(G(z)) to 0.
        const fake = G.forward(randn([n, Z])).detach();
        const dLoss = bce(D.forward(real), full([n, 1], 0.9)).add(bce(D.forward(fake), full([n, 1], 0)));
        optD.zeroGrad(); dLoss.backward(); optD.step();
        // Generator: make D call its samples real.
        const gLoss = bce(D.forward(G.forward(randn([n, Z]))), full([n, 1], 1));
        optG.zeroGrad(); gLoss.backward(); optG.step();
        return [dLoss.item(), gLoss.item()];
      });
      sumD += ld; sumG += lg; steps++;
    }
    lossD.push(sumD / steps); lossG.push(sumG / steps);
    const file = path.join(outDir, `samples_epoch${String(epoch).padStart(2, '0')}.png`);
    tidy(() => writeImageGrid(file, sample(G, fixedZ), 8, 2));
    console.log(`epoch ${epoch}/${epochs}  D loss ${lossD[epoch - 1].toFixed(3)}  G loss ${lossG[epoch - 1].toFixed(3)}  ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s  -> ${path.basename(file)}`);
  }
  train.writeTextAtomic(path.join(outDir, 'losses.svg'), train.lineChartSvg('DCGAN losses', { discriminator: lossD, generator: lossG }, 'BCE'));

  // 3. Score the samples with the judge.
  const samples = sample(G, evalZ);
  const gapAfter = meanImageGap(samples, realRef);
  const probs = noGrad(() => judge.forward(samples).softmax(1));
  const p = probs.dataSync() as Float32Array;
  const hist = new Array<number>(10).fill(0), marginal = new Array<number>(10).fill(0);
  let confSum = 0, klSum = 0;
  for (let i = 0; i < nEval; i++) {
    const row = p.subarray(i * 10, i * 10 + 10);
    let best = 0;
    for (let c = 0; c < 10; c++) { marginal[c] += row[c] / nEval; if (row[c] > row[best]) best = c; }
    hist[best]++; confSum += row[best];
  }
  for (let i = 0; i < nEval; i++) for (let c = 0; c < 10; c++) { const q = p[i * 10 + c]; if (q > 0) klSum += q * Math.log(q / marginal[c]); }
  const meanConfidence = confSum / nEval;
  const classesCovered = hist.filter((h) => h >= 0.02 * nEval).length;   // a class counts with >= 2% of the samples
  const inceptionScore = Math.exp(klSum / nEval);                         // exp E[KL(p(y|x) || p(y))], 1..10
  console.log(`\n${nEval} samples scored by the judge:`);
  console.log(`  mean max-confidence ${meanConfidence.toFixed(3)} · classes with >= 2% of samples: ${classesCovered}/10 · ` +
    `classifier-based inception score ${inceptionScore.toFixed(2)} (10 = sharp and balanced)`);
  console.log(`  class histogram: ${hist.map((h, c) => `${c}:${h}`).join('  ')}`);
  console.log(`  mean-image RMS gap to real digits: ${gapBefore.toFixed(4)} untrained -> ${gapAfter.toFixed(4)} trained`);
  return { metrics: { judgeAccuracy: judgeAcc, meanConfidence, classesCovered, inceptionScore, meanImageGapBefore: gapBefore, meanImageGapAfter: gapAfter, finalLossD: lossD[lossD.length - 1], finalLossG: lossG[lossG.length - 1] } };
}
