/** The addon is context-aware: it loads in several worker_threads at once and in the main
 * thread, each with its own state, and a worker that exits frees its memory. */
import * as assert from 'assert';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { tf } from './helpers';

interface Result { losses: number[]; tensors: number; isa: string; seedFirst: Float32Array }

function runWorker(seed: number, steps: number, cacheMiB = 0): Promise<Result> {
  return new Promise((resolve, reject) => {
    const w = new Worker(path.join(__dirname, 'fixtures', 'train_worker.js'), { workerData: { seed, steps, cacheMiB } });
    let result: Result | null = null;
    w.on('message', (m: Result) => { result = m; });
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`worker exited with ${code}`))));
  });
}

describe('worker_threads', () => {
  it('two workers train concurrently while the main thread keeps working', async () => {
    const main = tf.randn([100, 100]);
    const pending = [runWorker(1, 300), runWorker(2, 300)];
    let mainSum = 0;
    for (let i = 0; i < 50; i++) mainSum += tf.tidy(() => main.matmul(main).sum().item());
    const [a, b] = await Promise.all(pending);
    for (const r of [a, b]) {
      assert.ok(r.losses[1] < r.losses[0] * 0.01, `loss fell: ${r.losses}`);
      assert.strictEqual(r.isa, tf.backendInfo().isa);
    }
    assert.notDeepStrictEqual(a.seedFirst, b.seedFirst, 'each worker has its own generator');
    assert.ok(Number.isFinite(mainSum));
    const again = await runWorker(1, 300);
    assert.deepStrictEqual(again.seedFirst, a.seedFirst, 'same seed, same stream, per instance');
  });

  it('workers that exit give their memory back', async function () {
    this.timeout(120000);
    await runWorker(3, 10, 64);
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 6; i++) await runWorker(3, 10, 64);  // each caches 64 MiB
    const grew = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grew < 96, `RSS grew by ${grew.toFixed(0)} MiB after 6 workers each caching 64 MiB`);
  });
});
