/** The examples tabular, fashion-cnn, forecast, text and transfer in quick mode, on their real
 * data sets, each against a threshold well above chance (or the baseline it is compared with),
 * and the example runner's listing. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { PNG } from 'pngjs';
import { tf, requireOrSkip } from './helpers';
import type { ExampleArgs, ExampleResult } from '../examples/run';
import { VEGA_DIR } from '../examples/tabular';
import { MAN_DIR } from '../examples/text';

type Main = (a: ExampleArgs) => Promise<ExampleResult>;
const load = (name: string): Main => (require(`../examples/${name}`) as { main: Main }).main;
const outDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'tf-example-'));
const haveVega = fs.existsSync(path.join(VEGA_DIR, 'seattle-weather.csv'));
const vegaReason = `${VEGA_DIR} not installed; apt-get install python3-vega-datasets`;

describe('85 examples (a)', function () {
  this.timeout(300000);

  it('the runner lists the examples and rejects an unknown name', () => {
    const runner = path.join(__dirname, '..', 'examples', 'run.js');
    const run = (): { status: number; stderr: Buffer } => {
      try { execFileSync(process.execPath, [runner, 'no-such-example'], { stdio: 'pipe' }); } catch (e) { return e as { status: number; stderr: Buffer }; }
      throw new Error('an unknown example must fail');
    };
    const err = run();
    assert.strictEqual(err.status, 2);
    const listing = err.stderr.toString();
    assert.match(listing, /unknown example no-such-example/);
    const listed = /^examples: (.*)$/m.exec(listing)?.[1].split(', ') ?? [];
    // demo and quickstart are scripts without main; run is the runner itself.
    for (const name of ['tabular', 'fashion-cnn', 'forecast', 'text', 'transfer']) assert.ok(listed.includes(name), `${name} in ${listing}`);
    for (const name of ['run', 'demo', 'quickstart']) assert.ok(!listed.includes(name), `${name} listed: ${listing}`);
  });

  it('tabular: Seattle weather classes, both losses well above chance and the majority class', async function () {
    requireOrSkip(this, haveVega, vegaReason);
    const dir = outDir();
    const { metrics: m } = await load('tabular')({ quick: true, outDir: dir });
    // Majority class (sun) is 49% of days; a uniform guess has macro-F1 about 0.2.
    assert.ok(m.unweighted_accuracy > 0.6, `accuracy ${m.unweighted_accuracy}`);
    assert.ok(m.unweighted_macro_f1 > 0.4, `macro-F1 ${m.unweighted_macro_f1}`);
    assert.ok(m.weighted_macro_f1 > 0.3, `weighted macro-F1 ${m.weighted_macro_f1}`);
    assert.match(fs.readFileSync(path.join(dir, 'confusion_weighted.svg'), 'utf8'), /snow/);
  });

  it('fashion-cnn: a quick CNN on 4,000 Fashion-MNIST images, and its PNG sheet', async function () {
    const dir = tf.data.datasets.FASHION_MNIST_DIR;
    requireOrSkip(this, fs.existsSync(dir), `${dir} not installed; apt-get install dataset-fashion-mnist`);
    const out = outDir();
    const { metrics: m } = await load('fashion-cnn')({ quick: true, outDir: out });
    assert.ok(m.test_accuracy > 0.65, `test accuracy ${m.test_accuracy} (chance 0.1)`);
    const png = PNG.sync.read(fs.readFileSync(path.join(out, 'misclassified.png')));
    assert.strictEqual(png.width, 10 * 64);
    assert.ok(png.height >= 64);
  });

  it('forecast: LSTM and GRU beat persistence on MAE and RMSE', async function () {
    requireOrSkip(this, haveVega, vegaReason);
    const dir = outDir();
    const { metrics: m } = await load('forecast')({ quick: true, outDir: dir });
    for (const k of ['lstm', 'gru']) {
      assert.ok(m[`${k}_mae`] < 0.9 * m.persistence_mae, `${k} MAE ${m[`${k}_mae`]} vs persistence ${m.persistence_mae}`);
      assert.ok(m[`${k}_rmse`] < 0.9 * m.persistence_rmse, `${k} RMSE ${m[`${k}_rmse`]} vs persistence ${m.persistence_rmse}`);
    }
    assert.strictEqual((fs.readFileSync(path.join(dir, 'forecast.svg'), 'utf8').match(/<polyline/g) ?? []).length, 4);
  });

  it('text: man-page language identification well above chance (1/6)', async function () {
    requireOrSkip(this, fs.existsSync(path.join(MAN_DIR, 'de')), `translated man pages not in ${MAN_DIR}/de (dpkg-dev, dpkg, man-db ship them)`);
    const { metrics: m } = await load('text')({ quick: true, outDir: outDir() });
    assert.ok(m.lstm_accuracy > 0.5, `accuracy ${m.lstm_accuracy}`);
    assert.ok(m.transformer_accuracy > 0.4, `Transformer accuracy ${m.transformer_accuracy} (chance 1/6)`);
    assert.ok(m.lstm_macro_f1 > 0.5, `macro-F1 ${m.lstm_macro_f1}`);
  });

  it('transfer: frozen pretrained features beat training from scratch on 100 samples', async () => {
    const dir = outDir();
    const { metrics: m } = await load('transfer')({ quick: true, outDir: dir });
    assert.ok(m.pretrained_accuracy_0_4 > 0.9, `pretrained ${m.pretrained_accuracy_0_4}`);
    assert.ok(m.transfer_accuracy_100 > m.scratch_accuracy_100, `transfer ${m.transfer_accuracy_100} vs scratch ${m.scratch_accuracy_100}`);
    assert.ok(m.transfer_accuracy_100 > 0.85, `transfer ${m.transfer_accuracy_100}`);
    assert.ok(fs.existsSync(path.join(dir, 'pretrained', 'model.safetensors')));
  });
});
