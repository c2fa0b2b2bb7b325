/**
 * The examples gan, search, explain and reinforce, each run with --quick on its real data,
 * with thresholds on what it reports; and the CartPole physics against hand-computed steps.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { requireOrSkip } from './helpers';
import { FASHION_MNIST_DIR } from '../lib/data/datasets';
import { VEGA_DIR } from '../examples/search';
import { CartPole } from '../examples/cartpole';
import type { ExampleResult } from '../examples/run';

type Main = (args: { quick: boolean; outDir: string }) => Promise<ExampleResult>;

function outDir(name: string): string { return fs.mkdtempSync(path.join(os.tmpdir(), `tf-example-${name}-`)); }
function png(file: string): PNG { return PNG.sync.read(fs.readFileSync(file)); }

describe('examples (quick runs on real data)', () => {
  it('gan: the judge reads real digits and the generator moves towards the data', async function () {
    const { main } = await import('../examples/gan') as { main: Main };
    const dir = outDir('gan');
    const { metrics: m } = await main({ quick: true, outDir: dir });
    assert.ok(m.judgeAccuracy > 0.8, `judge accuracy ${m.judgeAccuracy}`);
    // The mean generated image approaches the mean digit (black border, lit centre).
    assert.ok(m.meanImageGapAfter < 0.5 * m.meanImageGapBefore, `mean-image gap ${m.meanImageGapBefore} -> ${m.meanImageGapAfter}`);
    assert.ok(m.meanConfidence >= 0.1 && m.meanConfidence <= 1 && m.classesCovered >= 1 && m.inceptionScore >= 1);
    for (const e of ['01', '02']) assert.strictEqual(png(path.join(dir, `samples_epoch${e}.png`)).width, 8 * (56 + 2) + 2);
    assert.match(fs.readFileSync(path.join(dir, 'losses.svg'), 'utf8'), /<polyline/);
  });

  it('search: the best configuration beats the majority class on held-out cars', async function () {
    requireOrSkip(this, fs.existsSync(path.join(VEGA_DIR, 'cars.json')), `${VEGA_DIR}/cars.json missing; apt-get install python3-vega-datasets`);
    const { main } = await import('../examples/search') as { main: Main };
    const dir = outDir('search');
    const { metrics: m } = await main({ quick: true, outDir: dir });
    assert.strictEqual(m.trials, 6);
    assert.ok(m.bestValScore >= m.worstValScore);
    assert.ok(m.bestValScore > 0.68, `best validation score ${m.bestValScore}`);
    assert.ok(m.testAccuracy > m.baselineAccuracy + 0.04, `test ${m.testAccuracy} vs majority ${m.baselineAccuracy}`);
    const table = fs.readFileSync(path.join(dir, 'trials.txt'), 'utf8').trim().split('\n');
    const values = table.slice(1).map((r) => Number(r.trim().split(/\s+/).slice(-2)[0]));
    assert.deepStrictEqual(values, [...values].sort((a, b) => b - a), 'trials sorted by validation score');
    assert.match(fs.readFileSync(path.join(dir, 'validation_curves.svg'), 'utf8'), /<polyline/);
  });

  it('explain: integrated gradients are complete and pick pixels that matter', async function () {
    requireOrSkip(this, fs.existsSync(FASHION_MNIST_DIR), `${FASHION_MNIST_DIR} not installed; apt-get install dataset-fashion-mnist`);
    const { main } = await import('../examples/explain') as { main: Main };
    const dir = outDir('explain');
    const { metrics: m } = await main({ quick: true, outDir: dir });
    assert.ok(m.testAccuracy > 0.6, `test accuracy ${m.testAccuracy}`);
    assert.ok(m.completenessGapMean < 0.01 && m.completenessGapMax < 0.02, `completeness gap ${m.completenessGapMean} (max ${m.completenessGapMax})`);
    assert.ok(m.completenessGapFewSteps > m.completenessGapMean, 'more steps, smaller gap');
    assert.ok(m.logitDropIg > 3 * m.logitDropRandom && m.logitDropIg > 0.5, `logit drop ${m.logitDropIg} (IG) vs ${m.logitDropRandom} (random)`);
    const img = png(path.join(dir, 'attributions.png'));
    assert.deepStrictEqual([img.width, img.height], [3 * (84 + 2) + 2, 4 * (84 + 2) + 2]);
  });

  it('reinforce: the policy clearly beats a random one on CartPole', async function () {
    const { main } = await import('../examples/reinforce') as { main: Main };
    const { metrics: m } = await main({ quick: true, outDir: outDir('reinforce') });
    assert.ok(m.randomReturn > 10 && m.randomReturn < 40, `random policy ${m.randomReturn}`);
    assert.ok(m.finalReturn > 3 * m.randomReturn && m.finalReturn > 80, `trained ${m.finalReturn} vs random ${m.randomReturn}`);
  });
});

describe('CartPole physics', () => {
  it('one push from rest matches the equations of motion worked by hand', () => {
    const env = new CartPole(() => 0.5);
    assert.deepStrictEqual(Array.from(env.reset()), [0, 0, 0, 0]);
    env.step(1);
    // F = 10 N: temp = F / 1.1, thetaAcc = -temp / (0.5 (4/3 - 0.1/1.1)) = -14.634, xAcc = temp + 0.05 * 14.634 / 1.1 = 9.756.
    const want = [0, 0.195122, 0, -0.292683];
    env.state.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `state[${i}] = ${v}, want ${want[i]}`));
    env.step(0);
    assert.ok(Math.abs(env.state[0] - 0.02 * 0.195122) < 1e-6 && Math.abs(env.state[1]) < 1e-6);
  });
  it('ends an episode when the pole falls, and refuses steps after the end or bad actions', () => {
    const env = new CartPole(() => 0.5, 500);
    env.reset();
    let steps = 0;
    while (!env.done) { env.step(1); steps++; }
    assert.ok(steps > 5 && steps < 50, `always pushing right ends after ${steps} steps`);
    assert.ok(Math.abs(env.state[2]) > 12 * Math.PI / 180 || Math.abs(env.state[0]) > 2.4);
    assert.throws(() => env.step(1), /episode is over/);
    env.reset();
    assert.throws(() => env.step(2), (e: Error) => e instanceof RangeError && /action must be 0 or 1/.test(e.message));
    const capped = new CartPole(() => 0.5, 3);
    capped.reset();
    for (let i = 0; i < 3; i++) capped.step(i % 2);
    assert.ok(capped.done && capped.steps === 3);
  });
});
