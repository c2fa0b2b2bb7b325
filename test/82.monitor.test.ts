/** train.liveMonitor: the page in headless Chromium shows each epoch's loss as it arrives. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { Browser, Page } from 'puppeteer-core';
import { tf, requireOrSkip, assertThrows } from './helpers';

const { nn, optim, data, train } = tf;
const CHROMIUM = '/usr/bin/chromium';
// The page's `document`, as the functions evaluated in Chromium see it (this program has no DOM lib).
declare const document: { querySelector(s: string): { textContent: string | null } | null; getElementById(id: string): { textContent: string | null } | null };

/** Four Gaussian blobs, 3 classes: quick to fit, the loss falls epoch by epoch. */
function loader(n: number, seed: number): tf.train.BatchSource {
  tf.manualSeed(seed);
  const y = tf.randint(0, 3, [n]);
  const x = tf.indexSelect(tf.tensor([[2, 0], [-2, 2], [0, -2.5]]), 0, y).add(tf.randn([n, 2], { std: 0.5 }));
  return new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 16, shuffle: true, seed });
}

/** GET url; resolves with the status and body, rejects when nothing listens. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('train.liveMonitor', () => {
  it('rejects bad options, naming the function and the option', () => {
    assertThrows(() => train.liveMonitor({ port: 70000 }), RangeError, /liveMonitor/, /port/);
    assertThrows(() => train.liveMonitor({ flushMs: 0 }), RangeError, /liveMonitor/, /flushMs/);
    assertThrows(() => train.liveMonitor({ prot: 1 } as never), TypeError, /liveMonitor/, /prot/);
  });

  it('serves a page that shows every epoch\'s loss while fit runs, and closes when fit ends', async function () {
    this.timeout(60000);
    requireOrSkip(this, fs.existsSync(CHROMIUM), `${CHROMIUM} is not installed (apt-get install chromium)`);
    const puppeteer = await import('puppeteer-core');
    const browser: Browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] });
    try {
      const page: Page = await browser.newPage();
      const model = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3));
      const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
      const monitor = train.liveMonitor({ port: 0, flushMs: 20, verbose: false });
      const shown: string[][] = [];
      // After each epoch (callbacks run in order, so the monitor has sent it), wait until the
      // page's table has that epoch's row with its loss, and record what the page shows.
      const watcher: tf.train.Callback = {
        async onEpochEnd(epoch, logs) {
          if (epoch === 0) {
            assert.match(monitor.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/$/);
            await page.goto(monitor.url!);
          }
          const want = logs.loss.toFixed(4);
          await page.waitForFunction((e: number, w: string) => {
            const cell = document.querySelector(`#epochs tr[data-epoch="${e}"] td.loss`);
            return cell !== null && cell.textContent === w;
          }, { timeout: 20000 }, epoch + 1, want);
          shown.push(await page.$$eval('#epochs td.loss', (tds) => tds.map((td) => td.textContent ?? '')));
        },
      };
      const history = await train.fit(model, {
        train: loader(256, 1), validation: loader(64, 2), loss: 'crossEntropy', optimizer: opt, epochs: 4,
        metrics: ['accuracy'], scheduler: new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 }),
        callbacks: [monitor, watcher], verbose: false,
      });
      const losses = history.history.loss.map((v) => v.toFixed(4));
      // Each epoch's row appeared while training ran: after epoch k the page had exactly k rows.
      assert.deepStrictEqual(shown, losses.map((_v, k) => losses.slice(0, k + 1)));
      // The page marks the end, and drew the curves: batch points, 4 epoch losses, val loss,
      // the accuracy metrics and the learning rate (halved each epoch).
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'finished', { timeout: 20000 });
      const series = await page.$$eval('polyline.series', (ps) => ps.map((p) => [p.getAttribute('data-name'), Number(p.getAttribute('data-points'))] as [string, number]));
      const byName = new Map(series);
      assert.ok((byName.get('batch loss') ?? 0) >= 1, JSON.stringify(series));
      for (const name of ['loss', 'val_loss', 'accuracy', 'val_accuracy', 'lr']) assert.strictEqual(byName.get(name), 4, `${name}: ${JSON.stringify(series)}`);
      const lrs = await page.$$eval('#epochs td.lr', (tds) => tds.map((td) => td.textContent));
      assert.deepStrictEqual(lrs, history.history.lr.map((v) => v.toFixed(4)));
      // The server is gone once fit returned.
      await assert.rejects(get(monitor.url!), /ECONNREFUSED/);
    } finally {
      await browser.close();
    }
  });

  it('with keepOpen, serves the finished run (page and event replay) until close()', async () => {
    const model = new nn.Linear(2, 3);
    const monitor = train.liveMonitor({ port: 0, keepOpen: true, verbose: false });
    await train.fit(model, { train: loader(64, 3), loss: 'crossEntropy', optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), epochs: 2, verbose: false });
    assert.strictEqual(monitor.url, null);  // not passed to fit: never started
    const h = await train.fit(model, { train: loader(64, 3), loss: 'crossEntropy', optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), epochs: 2, verbose: false, callbacks: [monitor] });
    try {
      const page = await get(monitor.url!);
      assert.strictEqual(page.status, 200);
      assert.match(page.body, /<svg id="loss"/);
      assert.strictEqual((await get(monitor.url + 'nope')).status, 404);
      // The event stream starts with the whole run: both epochs' logs, marked done.
      const init = await new Promise<string>((resolve, reject) => {
        http.get(monitor.url + 'events', (res) => {
          let buf = '';
          res.on('data', (c: Buffer) => { buf += c.toString(); if (buf.includes('\n\n')) { res.destroy(); resolve(buf); } });
        }).on('error', reject);
      });
      assert.match(init, /^event: init\ndata: /);
      const state = JSON.parse(init.split('\n')[1].slice('data: '.length)) as { done: boolean; logs: { loss: number }[] };
      assert.strictEqual(state.done, true);
      assert.deepStrictEqual(state.logs.map((l) => l.loss), h.history.loss);
    } finally {
      await monitor.close();
    }
    await assert.rejects(get(monitor.url!), /ECONNREFUSED/);
  });
});
