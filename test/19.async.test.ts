/**
 * Async execution (lib/exec.ts): kernels queued on the addon's CPU stream. Ordering, errors
 * from queued kernels, disposal with pending work, backpressure, abort, workers, exit with
 * work in flight, and bit-identical results in both modes.
 */
import * as assert from 'assert';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { Worker } from 'worker_threads';
import { tf } from './helpers';
import { native } from '../lib/native';
import { trainMlp } from './fixtures/async_worker';

function inMode<T>(mode: tf.ExecutionMode, fn: () => Promise<T>): Promise<T> {
  const before = tf.getExecutionMode();
  tf.setExecutionMode(mode);
  return fn().finally(() => tf.setExecutionMode(before));
}

describe('async execution', () => {
  it('a read sees every earlier write: in-place ops, views, copies, in order', () => inMode('async', async () => {
    const x = tf.zeros([256, 256]);
    const v = x.slice(0, 10, 20);  // a view of rows 10..19
    const big = tf.randn([512, 512]);
    for (let i = 0; i < 20; i++) {
      x.add_(1);                       // in place on the whole storage
      v.mul_(2);                       // in place through the view
      tf.tidy(() => { big.matmul(big).sum(); });  // unrelated queued work in between
    }
    const d = await x.data();
    // rows outside the view: 20 additions; rows in it: x = (x + 1) * 2, 20 times.
    let inView = 0;
    for (let i = 0; i < 20; i++) inView = (inView + 1) * 2;
    assert.strictEqual(d[0], 20);
    assert.strictEqual(d[15 * 256 + 3], inView);
    assert.strictEqual((x.toArray() as number[][]).length, 256);
    assert.ok(tf.streamStats().async);
    x.dispose(); big.dispose();
  }));

  it('ops return before their kernels run, and await data() leaves the event loop free', () => inMode('async', async () => {
    const a = tf.randn([768, 768]);
    await tf.whenIdle();
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 1);
    let y = a;
    for (let i = 0; i < 12; i++) y = y.matmul(a).mul(1 / 768);
    const queued = tf.streamStats().queued;
    await y.data();
    clearInterval(timer);
    assert.ok(queued > 0, 'matmuls were queued, not run inline');
    assert.ok(ticks > 0, 'timers ran while the stream worked');
    tf.tidy(() => { a.dispose(); });
  }));

  it('a failed kernel rejects reads of what depends on it, and nothing else', () => inMode('async', async () => {
    // 256 KiB operands: above the size an idle stream runs inline, so the add is queued even
    // when the randn draws have finished by the time it is called.
    const a = tf.randn([256, 256]), b = tf.randn([256, 256]);
    native.injectKernelFault('binary');
    const bad = a.add(b);             // fails on the stream
    const dependent = bad.mul(2).sum();
    const fine = a.sub(b);
    await assert.rejects(dependent.data(), /binary: injected kernel fault/);
    await assert.rejects(bad.data(), /binary: injected kernel fault/);
    assert.throws(() => dependent.item(), /binary: injected kernel fault/);
    // inputs and independent results are intact
    const [ad, bd, fd] = [a.dataSync(), b.dataSync(), await fine.data()];
    assert.strictEqual(fd[7], Math.fround(ad[7] - bd[7]));
    assert.strictEqual((await a.add(b).data())[7], Math.fround(ad[7] + bd[7]), 'the next add runs');
    for (const t of [a, b, bad, dependent, fine]) t.dispose();
  }));

  it('disposing tensors with pending work is safe; the blocks come back', () => inMode('async', async () => {
    const s0 = tf.memory().numTensors;
    const x = tf.randn([1024, 1024]);
    const keepSum = tf.tidy(() => {
      let y = x;
      for (let i = 0; i < 6; i++) y = y.matmul(x).mul(1 / 1024);  // queued; intermediates freed by tidy
      return y.sum();
    });
    x.dispose();                         // still used by the queued matmuls
    const other = tf.ones([1024, 1024]); // may reuse a freed block, ordered after its users
    const [s, o] = [await keepSum.data(), await other.data()];
    assert.ok(Number.isFinite(s[0]));
    assert.ok(o.every((v) => v === 1));
    keepSum.dispose(); other.dispose();
    assert.ok(tf.memory().numTensors <= s0, `${tf.memory().numTensors - s0} more tensors than before`);  // (GC may free earlier garbage meanwhile)
    assert.strictEqual(tf.streamStats().pendingFrees, 0, 'memory() waited for the queue and released every block');
  }));

  it('backpressure: a loop that never awaits is held at the queue bound, memory bounded', () => inMode('async', async () => {
    const x = tf.randn([128, 128]);  // 64 KiB operands: above the size an idle stream runs inline
    let maxQueued = 0;
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 20000; i++) {
      tf.tidy(() => { x.mul(1.0001).add(1); });
      if (i % 500 === 0) maxQueued = Math.max(maxQueued, tf.streamStats().queued);
    }
    const grew = (process.memoryUsage().rss - rss0) / 2 ** 20;
    await tf.whenIdle();
    // 4096 waiting in the queue plus the one running (streamStats counts work not yet completed).
    assert.ok(maxQueued > 0 && maxQueued <= 4097, `queued ${maxQueued}`);
    assert.ok(grew < 300, `RSS grew ${grew.toFixed(0)} MiB`);
    assert.strictEqual(tf.streamStats().queued, 0);
    x.dispose();
  }));

  it('fit, evaluate and predict stop at an aborted signal and free their batches', () => inMode('async', async () => {
    const x = tf.randn([512, 8]), y = tf.randint(0, 3, [512]);
    const model = new tf.nn.Sequential(new tf.nn.Linear(8, 16), new tf.nn.ReLU(), new tf.nn.Linear(16, 3));
    const optimizer = new tf.optim.SGD(model.parameters(), { lr: 0.1 });
    const train = new tf.data.DataLoader(new tf.data.TensorDataset(x, y), { batchSize: 32 });
    const ac = new AbortController();
    let batches = 0;
    const stopper: tf.train.Callback = { onBatchEnd: () => { if (++batches === 3) ac.abort(); } };
    const n0 = tf.memory().numTensors;
    await assert.rejects(tf.train.fit(model, { train, loss: 'crossEntropy', optimizer, epochs: 5, verbose: false, callbacks: [stopper], signal: ac.signal }),
      (e: Error) => e.name === 'AbortError');
    assert.strictEqual(batches, 3);
    const reason = new Error('shutting down');
    await assert.rejects(tf.train.predict(model, x, { batchSize: 16, signal: AbortSignal.abort(reason) }), /shutting down/);
    await assert.rejects(tf.train.evaluate(model, train, { loss: 'crossEntropy', signal: AbortSignal.abort() }), (e: Error) => e.name === 'AbortError');
    if (global.gc) global.gc();
    await new Promise((r) => setTimeout(r, 10));
    assert.ok(tf.memory().numTensors <= n0 + 4, `${tf.memory().numTensors - n0} tensors left`);
    await assert.rejects(tf.train.predict(model, x, { signal: 'no' as unknown as AbortSignal }), /signal must be an AbortSignal/);
    x.dispose(); y.dispose();
  }));

  it('training gives bit-identical parameters in sync and async mode', async () => {
    const a = await trainMlp('sync', 7, 25);
    const b = await trainMlp('async', 7, 25);
    tf.setExecutionMode('async');
    assert.deepStrictEqual(b, a);
  });

  it('worker_threads each run their own stream, several at once', async function () {
    this.timeout(120000);
    const expected = await trainMlp('sync', 3, 20);
    tf.setExecutionMode('async');
    const run = (): Promise<number[]> => new Promise((resolve, reject) => {
      const w = new Worker(path.join(__dirname, 'fixtures', 'async_worker.js'), { workerData: { mode: 'async', seed: 3, steps: 20 } });
      let out: number[] | null = null;
      w.on('message', (m: number[]) => { out = m; });
      w.on('error', reject);
      w.on('exit', (c) => (c === 0 && out ? resolve(out) : reject(new Error(`worker exited with ${c}`))));
    });
    const results = await Promise.all([run(), run(), run()]);
    for (const r of results) assert.deepStrictEqual(r, expected);
  });

  it('process.exit and worker.terminate with work in flight neither crash nor hang', async function () {
    this.timeout(120000);
    const lib = JSON.stringify(path.join(__dirname, '..', 'lib'));
    const script = `const tf = require(${lib}); tf.setExecutionMode('async');
      const a = tf.randn([1024, 1024]); let y = a; for (let i = 0; i < 200; i++) y = y.matmul(a).mul(0.001);
      setTimeout(() => process.exit(3), 5);`;
    const r = spawnSync(process.execPath, ['-e', script], { timeout: 60000, encoding: 'utf8' });
    assert.strictEqual(r.status, 3, `exit status ${r.status} signal ${r.signal} ${r.stderr}`);
    const w = new Worker(`const tf = require(${lib}); tf.setExecutionMode('async');
      const a = tf.randn([1024, 1024]); let y = a; for (let i = 0; i < 200; i++) y = y.matmul(a).mul(0.001);
      require('worker_threads').parentPort.postMessage('queued'); y.data().then(() => {});`, { eval: true });
    await new Promise<void>((resolve, reject) => { w.on('message', () => resolve()); w.on('error', reject); });
    const code = await w.terminate();
    assert.strictEqual(code, 1);
  });

  it('switching modes back and forth keeps every tensor readable (stream positions only grow)', () => inMode('async', async () => {
    const a = tf.randn([300, 300]);
    let y = a;
    for (let i = 0; i < 30; i++) y = y.matmul(a).mul(1 / 300);  // many queued kernels
    const expected = await y.data();
    tf.setExecutionMode('sync');
    const b = tf.randn([300, 300]).add(1);  // runs now
    tf.setExecutionMode('async');
    const z = y.add(b).sub(b);              // queued on the stream again
    // A blocking read of a tensor written before the switches: a fresh stream after a switch
    // made this wait for a position it never reached (the test would time out).
    y.dataSync();
    const zd = await z.data();
    assert.ok(Math.abs(zd[3] - expected[3]) <= 1e-4 * Math.max(1, Math.abs(expected[3])), `${zd[3]} vs ${expected[3]}`);
    for (const t of [a, y, b, z]) t.dispose();
  }));

  it('setExecutionMode rejects unknown modes; sync mode runs kernels before returning', () => {
    assert.throws(() => tf.setExecutionMode('later' as tf.ExecutionMode), /mode must be 'sync' or 'async'/);
    tf.setExecutionMode('sync');
    try {
      const y = tf.randn([256, 256]).matmul(tf.randn([256, 256]));
      assert.strictEqual(tf.streamStats().queued, 0);
      assert.strictEqual(tf.streamStats().async, false);
      assert.ok(Number.isFinite(y.sum().item()));
    } finally { tf.setExecutionMode('async'); }
  });
});
