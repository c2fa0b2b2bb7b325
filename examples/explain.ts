// Explaining a Fashion-MNIST CNN's decisions: for one test image of each class, a saliency map
// (|d logit / d pixel|, Simonyan et al. 2013) and integrated gradients (Sundararajan et al.
// 2017: (x - x') * the mean gradient along the straight path from a black baseline x' to x),
// written as PNG rows of input | saliency | integrated gradients (red: evidence for the class,
// blue: against). Two checks: completeness (IG's attributions sum to f(x) - f(x'), up to the
// Riemann-sum error, reported as a gap for several step counts), and faithfulness (blacking out
// the 10% of pixels IG ranks highest lowers the logit more than blacking out as many random
// lit pixels).
//   npm run example -- explain [--quick]
import * as path from 'path';
import { manualSeed, noGrad, tidy, tensor, zerosLike, autograd, nn, optim, data, metrics, train, type Tensor } from '../lib';
import type { ExampleArgs, ExampleResult } from './run';
import { TileCanvas, gray, heat, diverging } from './helpers/images';
import { uniform } from './helpers/random';

const CLASSES = data.datasets.FASHION_MNIST_CLASSES;

function cnn(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(32 * 7 * 7, 64), new nn.ReLU(), new nn.Linear(64, 10),
  );
}

/** Logit of class c for images x [N, 1, 28, 28] -> number[N]. */
function logits(model: nn.Sequential, x: Tensor, c: number): number[] {
  return noGrad(() => tidy(() => Array.from(model.forward(x).slice(1, c, c + 1).dataSync())));
}

/** |d logit_c / d x| for one image x [1, 1, 28, 28]. */
function saliency(model: nn.Sequential, x: Tensor, c: number): Tensor {
  return tidy(() => {
    const xi = x.clone().requiresGrad_();
    const [g] = autograd.grad(model.forward(xi).slice(1, c, c + 1).sum(), [xi]);
    return g!.abs();
  });
}

/**
 * Integrated gradients of logit c at x [1, 1, 28, 28] from `baseline`, with the midpoint rule
 * over `steps` points of the path (all points in one batch).
 */
function integratedGradients(model: nn.Sequential, x: Tensor, baseline: Tensor, c: number, steps: number): Tensor {
  return tidy(() => {
    const alphas = tensor(Array.from({ length: steps }, (_, k) => (k + 0.5) / steps), { shape: [steps, 1, 1, 1] });
    const path = baseline.add(x.sub(baseline).mul(alphas)).requiresGrad_();       // [steps, 1, 28, 28]
    const [g] = autograd.grad(model.forward(path).slice(1, c, c + 1).sum(), [path]);
    return x.sub(baseline).mul(g!.mean(0, true));
  });
}

/** x with the given pixel indices set to 0 (black), as a new [1, 1, 28, 28] tensor. */
function blackOut(x: Tensor, pixels: number[]): Tensor {
  const px = Float32Array.from(x.dataSync());
  for (const i of pixels) px[i] = 0;
  return tensor(px, { shape: [...x.shape] });
}

const topK = (v: ArrayLike<number>, k: number): number[] => Array.from(v, (a, i) => [a, i]).sort((a, b) => b[0] - a[0]).slice(0, k).map((p) => p[1]);
const scaleTo01 = (v: Float32Array, div: number): Float32Array => v.map((a) => a / (div || 1));

export async function main({ quick, outDir }: ExampleArgs): Promise<ExampleResult> {
  manualSeed(0);
  const { train: tr, test } = data.datasets.fashionMnist({ limit: quick ? 3000 : 20000 });
  const model = cnn();
  await train.fit(model, {
    train: new data.DataLoader(new data.TensorDataset(tr.x, tr.y), { batchSize: 64, shuffle: true, seed: 1 }),
    loss: 'crossEntropy', optimizer: new optim.AdamW(model.parameters(), { lr: 2e-3, weightDecay: 1e-4 }), epochs: quick ? 1 : 4, verbose: false,
  });
  model.eval().freeze();   // attributions need gradients w.r.t. the input only
  const acc = metrics.accuracy(await train.predict(model, test.x, { batchSize: 500 }), test.y);
  console.log(`Fashion-MNIST CNN: trained on ${tr.x.shape[0]} images, test accuracy ${(acc * 100).toFixed(2)}% on ${test.x.shape[0]}`);

  // The first test image of each class (of the first few classes in a quick run).
  const labels = test.y.dataSync(), rows = quick ? 4 : 10;
  const picks = Array.from({ length: rows }, (_, c) => Array.prototype.indexOf.call(labels, c) as number);
  const stepCounts = quick ? [8, 32, 64] : [8, 32, 128], steps = stepCounts[stepCounts.length - 1];
  const canvas = new TileCanvas(rows, 3, 28, 28, 3);
  const gaps: number[][] = stepCounts.map(() => []);
  const dropIg: number[] = [], dropRandom: number[] = [];
  const rand = uniform(5);
  console.log(`\n${'class'.padEnd(12)} ${'predicted'.padEnd(12)}  f(x)-f(x')  sum IG (${steps} steps)  gap`);
  for (let r = 0; r < rows; r++) {
    tidy(() => {
      const x = test.x.slice(0, picks[r], picks[r] + 1), baseline = zerosLike(x);
      const c = noGrad(() => model.forward(x).argmax(1).item());
      const [fx] = logits(model, x, c), [fb] = logits(model, baseline, c);
      let ig: Float32Array = new Float32Array(0);
      stepCounts.forEach((m, j) => {
        ig = integratedGradients(model, x, baseline, c, m).dataSync() as Float32Array;
        const total = ig.reduce((a, b) => a + b, 0);
        gaps[j].push(Math.abs(total - (fx - fb)) / Math.abs(fx - fb));
      });
      const total = ig.reduce((a, b) => a + b, 0);
      console.log(`${CLASSES[r].padEnd(12)} ${CLASSES[c].padEnd(12)}  ${(fx - fb).toFixed(3).padStart(10)}  ${total.toFixed(3).padStart(19)}  ${(gaps[stepCounts.length - 1][r] * 100).toFixed(2)}%`);

      // Faithfulness: black out IG's top 10% of pixels, or as many random lit pixels.
      const k = Math.round(0.1 * 784), px = x.dataSync();
      const lit = Array.from(px, (v, i) => [v, i]).filter((p) => p[0] > 0).map((p) => p[1]);
      const randomPixels = Array.from({ length: Math.min(k, lit.length) }, () => lit.splice(Math.floor(rand() * lit.length), 1)[0]);
      dropIg.push(fx - logits(model, blackOut(x, topK(ig, k)), c)[0]);
      dropRandom.push(fx - logits(model, blackOut(x, randomPixels), c)[0]);

      const sal = saliency(model, x, c).dataSync() as Float32Array;
      const maxAbsIg = ig.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      canvas.draw(r, 0, px, gray);
      canvas.draw(r, 1, scaleTo01(sal, sal.reduce((a, b) => Math.max(a, b), 0)), heat);
      canvas.draw(r, 2, ig.map((v) => 0.5 + 0.5 * v / (maxAbsIg || 1)), diverging);
    });
  }
  const file = path.join(outDir, 'attributions.png');
  canvas.write(file);
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  console.log('\ncompleteness gap |sum IG - (f(x) - f(x\'))| / |f(x) - f(x\')|, mean (max) over the images:');
  stepCounts.forEach((m, j) => console.log(`  ${String(m).padStart(4)} steps: ${(mean(gaps[j]) * 100).toFixed(3)}% (${(Math.max(...gaps[j]) * 100).toFixed(3)}%)`));
  console.log(`faithfulness: blacking out 10% of pixels lowers the class logit by ${mean(dropIg).toFixed(2)} (IG's top pixels) ` +
    `vs ${mean(dropRandom).toFixed(2)} (random lit pixels)`);
  console.log(`rows: input | saliency | integrated gradients -> ${path.relative(process.cwd(), file)}`);
  const last = gaps[stepCounts.length - 1];
  return { metrics: { testAccuracy: acc, completenessGapMean: mean(last), completenessGapMax: Math.max(...last), completenessGapFewSteps: mean(gaps[0]), logitDropIg: mean(dropIg), logitDropRandom: mean(dropRandom) } };
}
