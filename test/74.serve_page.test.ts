/**
 * The page at / in headless Chromium: it lists the served models, runs an uploaded PNG through
 * an image model (decoded and grayscaled in a canvas) and a pasted JSON tensor through an
 * MLP, and shows what model.forward gives; a bad tensor shows the server's error.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'puppeteer-core';
import { tf, requireOrSkip } from './helpers';

const { nn, io, serve } = tf;
const CHROMIUM = '/usr/bin/chromium';

// NOTE: code run in the page is given as strings: this project compiles without the DOM types.

/** The page's output: the infer response it printed. */
async function shownOutput(page: Page): Promise<{ outputs: { shape: number[]; data: number[] }[] }> {
  await page.waitForFunction("document.getElementById('output').textContent !== '' || document.getElementById('error').textContent !== ''");
  const err = await page.$eval('#error', (e) => e.textContent);
  assert.strictEqual(err, '', `the page shows an error: ${err}`);
  return JSON.parse((await page.$eval('#output', (e) => e.textContent)) as string);
}

function assertRow(got: number[], want: Float32Array, what: string): void {
  assert.strictEqual(got.length, want.length, what);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-4 + 1e-4 * Math.abs(want[i]), `${what} element ${i}: ${v} vs ${want[i]}`));
}

describe('74 serve page (headless Chromium)', function () {
  this.timeout(60000);
  let dir: string, server: tf.serve.InferenceServer, base: string, browser: Browser | null = null;
  let cnn: tf.nn.Sequential, mlp: tf.nn.Sequential;

  before(async function () {
    requireOrSkip(this, fs.existsSync(CHROMIUM), `${CHROMIUM} not found (apt install chromium)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-page-'));
    cnn = new nn.Sequential(new nn.Conv2d(1, 3, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(3 * 10 * 10, 10));
    mlp = new nn.Sequential(new nn.Linear(3, 2));
    io.saveModel(cnn, path.join(dir, 'digits'), { inputShape: [1, 12, 12] });
    io.saveModel(mlp, path.join(dir, 'mlp'));
    server = serve.createServer({ models: [{ name: 'digits', path: path.join(dir, 'digits') }, { name: 'mlp', path: path.join(dir, 'mlp') }] });
    base = await server.listen({ port: 0 });
    const puppeteer = await import('puppeteer-core');
    browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the models and classifies an uploaded image as model.forward does', async () => {
    // A 12x12 gray PNG (R = G = B), so the page's grayscale is the value itself.
    const png = new PNG({ width: 12, height: 12 });
    const gray = Array.from({ length: 144 }, (_, i) => (i * 37) % 256);
    gray.forEach((v, i) => png.data.set([v, v, v, 255], 4 * i));
    const file = path.join(dir, 'digit.png');
    fs.writeFileSync(file, PNG.sync.write(png));

    const page = await browser!.newPage();
    await page.goto(base);
    await page.waitForSelector('body[data-ready="1"]');
    const names = await page.$$eval('#models option', (os) => os.map((o) => o.textContent));
    assert.deepStrictEqual(names, ['digits (v1, tensorforge)', 'mlp (v1, tensorforge)']);
    assert.strictEqual(await page.evaluate("document.getElementById('image-box').hidden"), false, 'an image model offers the upload');
    const input = await page.$('#file');
    await (input as unknown as { uploadFile(p: string): Promise<void> }).uploadFile(file);
    await page.waitForSelector('body[data-image="1"]');
    await page.click('#run');
    const res = await shownOutput(page);
    const x = tf.tensor(Float32Array.from(gray, (v) => v / 255), { shape: [1, 1, 12, 12] });
    const want = tf.noGrad(() => cnn.forward(x));
    assert.deepStrictEqual(res.outputs[0].shape, [1, 10]);
    assertRow(res.outputs[0].data, want.dataSync() as Float32Array, 'image');
    const top = await page.$$eval('#top li', (ls) => ls.map((l) => l.textContent));
    assert.strictEqual(top.length, 5);
    assert.match(top[0]!, new RegExp(`^class ${want.argmax(1).item()}:`));
    await page.close();
  });

  it('runs a pasted JSON tensor, and shows the server\'s error for a wrong one', async () => {
    const page = await browser!.newPage();
    await page.goto(base);
    await page.waitForSelector('body[data-ready="1"]');
    await page.select('#models', 'mlp (v1, tensorforge)');
    assert.strictEqual(await page.evaluate("document.getElementById('image-box').hidden"), true, 'no upload for a vector model');
    await page.type('#json', '[[0.5, -1, 2], [1, 1, 1]]');
    await page.click('#run');
    const res = await shownOutput(page);
    const want = tf.noGrad(() => mlp.forward(tf.tensor([[0.5, -1, 2], [1, 1, 1]])));
    assert.deepStrictEqual(res.outputs[0].shape, [2, 2]);
    assertRow(res.outputs[0].data, want.dataSync() as Float32Array, 'json');

    await page.evaluate("document.getElementById('json').value = '[1, 2, 3, 4]'");
    await page.$eval('#output', (e) => { e.textContent = ''; });
    await page.click('#run');
    await page.waitForFunction("document.getElementById('error').textContent !== ''");
    assert.match((await page.$eval('#error', (e) => e.textContent))!, /^400: input "input".*does not match shape \[1, 3\]/);
    await page.close();
  });
});
