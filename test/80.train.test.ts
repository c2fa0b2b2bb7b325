/** train.fit / evaluate / predict, callbacks, plots, search, and one real-data run. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf } from './helpers';

const { nn, optim, data, train, io } = tf;

/** Two Gaussian blobs per class in 2-D: a problem an MLP solves to ~100%. */
function blobs(n: number, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  tf.manualSeed(seed);
  const y = tf.randint(0, 3, [n]);
  const centers = tf.tensor([[2, 0], [-2, 2], [0, -2.5]]);
  const x = tf.indexSelect(centers, 0, y).add(tf.randn([n, 2], { std: 0.5 }));
  return { x, y };
}

function mlp(): tf.nn.Module {
  return new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3));
}

const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'tf-train-'));

describe('train.fit', () => {
  it('trains with validation, metrics, a scheduler and callbacks; History has per-epoch logs', async () => {
    const tr = blobs(600, 1), va = blobs(200, 2);
    const model = mlp();
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    const dir = tmpDir();
    const plots = train.plotWriter(dir);
    const hist = await train.fit(model, {
      train: new data.DataLoader(new data.TensorDataset(tr.x, tr.y), { batchSize: 32, shuffle: true, seed: 3 }),
      validation: new data.DataLoader(new data.TensorDataset(va.x, va.y), { batchSize: 100 }),
      loss: 'crossEntropy', optimizer: opt, scheduler: sched, epochs: 5, metrics: ['accuracy', 'f1'],
      callbacks: [train.csvLogger(path.join(dir, 'log.csv')), train.jsonlLogger(path.join(dir, 'log.jsonl')), plots],
      verbose: false,
    });
    assert.strictEqual(hist.epochs.length, 5);
    const last = hist.epochs[4];
    assert.ok(last.loss < hist.epochs[0].loss, 'training loss falls');
    assert.ok(last.val_accuracy > 0.95, `val accuracy ${last.val_accuracy}`);
    assert.ok(last.val_f1 > 0.95);
    assert.deepStrictEqual(hist.history.lr, [0.05, 0.05, 0.025, 0.025, 0.0125]);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'log.csv'), 'utf8').trim().split('\n').length, 6);
    assert.strictEqual(JSON.parse(fs.readFileSync(path.join(dir, 'log.jsonl'), 'utf8').split('\n')[4]).epoch, 4);
    for (const f of ['loss.svg', 'accuracy.svg', 'lr.svg']) {
      const svg = fs.readFileSync(path.join(dir, f), 'utf8');
      assert.match(svg, /^<svg[^>]*>/);
      assert.match(svg, /<polyline/);
    }
    assert.match(fs.readFileSync(path.join(dir, 'loss.svg'), 'utf8'), /val_loss/);
    const ev = await train.evaluate(model, new data.DataLoader(new data.TensorDataset(va.x, va.y), { batchSize: 64 }), { loss: 'crossEntropy', metrics: ['accuracy'] });
    assert.ok(Math.abs(ev.metrics.accuracy - last.val_accuracy) < 1e-9);
    assert.ok(Math.abs(ev.loss - last.val_loss) < 1e-5);
    const pred = await train.predict(model, va.x, { batchSize: 64 });
    assert.deepStrictEqual(pred.shape, [200, 3]);
    assert.ok(Math.abs(tf.metrics.accuracy(pred, va.y) - ev.metrics.accuracy) < 1e-9);
  });

  it('lineChartSvg: x axis label, markers only on short series', () => {
    const long = Array.from({ length: 300 }, (_, i) => Math.sin(i / 10));
    const svg = train.lineChartSvg('t', { a: long, b: long.map((v) => v + 1) }, 'deg', 'hour');
    assert.match(svg, />hour<\/text>/);
    assert.strictEqual((svg.match(/<polyline/g) ?? []).length, 2);
    assert.doesNotMatch(svg, /<circle/);
    const short = train.lineChartSvg('t', { a: [1, 2, 3] });
    assert.match(short, />epoch<\/text>/);
    assert.strictEqual((short.match(/<circle/g) ?? []).length, 3);
  });

  it('earlyStopping stops on a plateau and restores the best weights; modelCheckpoint saves improvements', async () => {
    const tr = blobs(300, 4);
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0 });  // lr 0: val_loss never improves after epoch 0
    const es = train.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBest: true });
    const dir = tmpDir();
    const ck = train.modelCheckpoint({ path: path.join(dir, 'best-{epoch}.safetensors'), save: (sd, f) => io.save(sd, f) });
    const loader = new data.DataLoader(new data.TensorDataset(tr.x, tr.y), { batchSize: 50 });
    const hist = await train.fit(model, { train: loader, validation: loader, loss: 'crossEntropy', optimizer: opt, epochs: 20, callbacks: [es, ck], verbose: false });
    assert.strictEqual(hist.epochs.length, 4, 'epoch 0 best, then patience 2 → stops after epoch 3');
    assert.strictEqual(es.bestEpoch, 0);
    assert.deepStrictEqual(ck.saved, [path.join(dir, 'best-0.safetensors')]);
    const saved = io.load(ck.saved[0]);
    for (const [k, v] of Object.entries(model.stateDict())) assert.deepStrictEqual(saved[k].dataSync(), v.dataSync(), k);
  });

  it('does not block the event loop: fit (with validation) and predict yield between batches', async () => {
    // NOTE: counted in event-loop turns, not time: a self-rescheduling setImmediate runs once
    // per turn of the loop, and only while the awaited call is suspended on a macrotask. The
    // batches are a plain array, so only fit's own yields (not a DataLoader's) can let it run.
    const tr = blobs(64, 5), va = blobs(32, 6);
    const rows = (d: { x: tf.Tensor; y: tf.Tensor }, bs: number): tf.Tensor[][] =>
      Array.from({ length: d.x.shape[0] / bs }, (_, b) => [d.x.slice(0, b * bs, (b + 1) * bs), d.y.slice(0, b * bs, (b + 1) * bs)]);
    const turnsDuring = async (work: () => Promise<unknown>): Promise<number> => {
      let turns = 0, running = true;
      const spin = (): void => { if (running) { turns++; setImmediate(spin); } };
      setImmediate(spin);
      await work();
      running = false;
      return turns;
    };
    const model = mlp();
    const trainBatches = rows(tr, 8), valBatches = rows(va, 8);  // 8 and 4 batches per epoch
    const fitTurns = await turnsDuring(() => train.fit(model, { train: trainBatches, validation: valBatches, loss: 'crossEntropy',
      optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), epochs: 2, verbose: false, yieldEveryMs: 0 }));
    assert.ok(fitTurns >= 2 * (8 + 4), `fit let the loop turn ${fitTurns} times over 2 epochs of 8 + 4 batches`);
    const predictTurns = await turnsDuring(() => train.predict(model, tr.x, { batchSize: 16 }));
    assert.ok(predictTurns >= 4, `predict let the loop turn ${predictTurns} times over 4 batches`);
  });

  it('rejects bad options with clear errors', async () => {
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const loader = [[tf.randn([4, 2]), tf.tensor([0, 1, 2, 0], { dtype: 'int32' })]];
    await assert.rejects(train.fit(model, { train: loader, loss: 'nope', optimizer: opt, epochs: 1, verbose: false }), /fit: unknown loss "nope"/);
    await assert.rejects(train.fit(model, { train: loader, loss: 'crossEntropy', optimizer: opt, epochs: 0, verbose: false }), /fit: epochs must be a positive integer/);
    await assert.rejects(train.fit(model, { train: [[1, 2]] as never, loss: 'crossEntropy', optimizer: opt, epochs: 1, verbose: false }), /fit: each batch must be an \[x, y\] pair/);
    await assert.rejects(train.fit(model, { train: loader, loss: 'crossEntropy', optimizer: opt, epochs: 1, metrics: ['bogus'], verbose: false }), /unknown metric "bogus"/);
  });

  it('progress output: one plain line per epoch when not a TTY', async () => {
    const lines: string[] = [];
    const stream = { write: (s: string) => { lines.push(s); return true; } } as unknown as NodeJS.WritableStream;
    const tr = blobs(64, 6);
    const model = mlp();
    await train.fit(model, { train: new data.DataLoader(new data.TensorDataset(tr.x, tr.y), { batchSize: 16 }), loss: 'crossEntropy', optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), epochs: 2, metrics: ['accuracy'], verbose: false, callbacks: [train.progressBar({ stream, tty: false })] });
    assert.strictEqual(lines.length, 2);
    assert.match(lines[0], /^epoch 1\/2 · loss \d\.\d{4} · lr 0\.1000 · accuracy \d\.\d{4} · \d+ samples\/s · [\d.]+s\n$/);
  });
});

describe('train.search', () => {
  it('grid and seeded random search sort trials by the objective', async () => {
    const grid = await train.search({ space: { a: [1, 2, 3], b: ['x', 'y'] }, objective: ({ a, b }) => (a as number) * (b === 'x' ? 1 : 10), verbose: false });
    assert.strictEqual(grid.trials.length, 6);
    assert.deepStrictEqual(grid.best.params, { a: 1, b: 'x' });
    assert.match(grid.table, /rank\s+trial\s+a\s+b\s+value/);
    const r1 = await train.search({ strategy: 'random', trials: 5, seed: 3, space: { lr: { min: 1e-4, max: 1e-1, log: true }, h: { min: 8, max: 64, int: true } }, objective: ({ lr }) => Math.abs(Math.log10(lr as number) + 2), verbose: false });
    const r2 = await train.search({ strategy: 'random', trials: 5, seed: 3, space: { lr: { min: 1e-4, max: 1e-1, log: true }, h: { min: 8, max: 64, int: true } }, objective: ({ lr }) => Math.abs(Math.log10(lr as number) + 2), verbose: false });
    assert.deepStrictEqual(r1.trials.map((t) => t.params), r2.trials.map((t) => t.params));
    for (const t of r1.trials) {
      assert.ok((t.params.lr as number) >= 1e-4 && (t.params.lr as number) <= 1e-1);
      assert.ok(Number.isInteger(t.params.h) && (t.params.h as number) >= 8 && (t.params.h as number) <= 64);
    }
    for (let i = 1; i < r1.trials.length; i++) assert.ok(r1.trials[i - 1].value <= r1.trials[i].value);
  });
});

describe('real data: MNIST digits', () => {
  it('an MLP trained with fit on 8,000 digits reaches >= 94% on the 2,000 held out', async function () {
    this.timeout(300000);
    tf.manualSeed(0);
    const { train: tr, test: te } = data.datasets.mnist();
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    await train.fit(model, {
      train: new data.DataLoader(new data.TensorDataset(tr.x, tr.y), { batchSize: 64, shuffle: true, seed: 1 }),
      loss: 'crossEntropy', optimizer: opt, epochs: 12, verbose: false,
    });
    const ev = await train.evaluate(model, new data.DataLoader(new data.TensorDataset(te.x, te.y), { batchSize: 500 }), { metrics: ['accuracy'] });
    console.log(`      MNIST MLP test accuracy: ${(ev.metrics.accuracy * 100).toFixed(2)}%`);
    assert.ok(ev.metrics.accuracy >= 0.94, `test accuracy ${ev.metrics.accuracy}`);
  });
});
