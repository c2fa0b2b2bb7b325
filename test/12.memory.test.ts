/** Memory stays flat: tidy/dispose free deterministically, GC frees the rest, and a
 * steady-state training step takes nothing new from the OS. */
import * as assert from 'assert';
import { tf, requireOrSkip } from './helpers';
import type { Tensor } from '../lib';

function trainStep(x: tf.Tensor, y: tf.Tensor, w: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => {
    const loss = x.matmul(w).add(b).relu().sub(y).square().mean();
    loss.backward();
    tf.noGrad(() => {
      w.sub_(w.grad!.mul(0.01)); b.sub_(b.grad!.mul(0.01));
      w.grad!.zero_(); b.grad!.zero_();
    });
    return loss.item();
  });
}

/** Resident memory outside V8's heap: native storage, allocator cache, addon state. */
function nativeRss(): number {
  const m = process.memoryUsage();
  return m.rss - m.heapTotal;
}

describe('memory', () => {
  it('10,000 forward/backward/update iterations keep live tensors, bytes, OS allocations and RSS flat', function () {
    this.timeout(300000);
    const x = tf.randn([16, 8]), y = tf.randn([16, 4]);
    const w = tf.randn([8, 4], { requiresGrad: true }), b = tf.zeros([4], { requiresGrad: true });
    for (let i = 0; i < 4000; i++) trainStep(x, y, w, b);  // warm-up: JIT and V8 heap sizing settle
    (global as { gc?: () => void }).gc?.();
    const m0 = tf.memory();
    let first = NaN, last = NaN, rss0 = 0;
    for (let i = 0; i < 10000; i++) {
      const l = trainStep(x, y, w, b);
      if (i === 0) first = l;
      if (i === 4999) { (global as { gc?: () => void }).gc?.(); rss0 = nativeRss(); }
      last = l;
    }
    (global as { gc?: () => void }).gc?.();
    const m1 = tf.memory(), rss1 = nativeRss();
    assert.ok(last < first, `loss should fall: ${first} -> ${last}`);
    assert.strictEqual(m1.numTensors, m0.numTensors, 'live tensor count');
    assert.strictEqual(m1.numBytes, m0.numBytes, 'live bytes');
    assert.strictEqual(m1.osAllocs, m0.osAllocs, 'blocks taken from the OS in steady state');
    // NOTE: RSS minus V8's committed heap (which grows its young generation in steps of
    // 8-16 MiB on its own), between iterations 5,000 and 10,000; a 1 KiB/step leak shows as 5 MiB.
    assert.ok(rss1 - rss0 < 4 * 2 ** 20, `RSS outside the JS heap grew by ${((rss1 - rss0) / 2 ** 20).toFixed(1)} MiB over 5,000 steps`);
  });

  it('dispose frees now; views keep storage alive until the last one goes', () => {
    const before = tf.memory();
    const a = tf.zeros([1000]);
    const v = a.reshape([10, 100]);
    assert.strictEqual(tf.memory().numBytes - before.numBytes, 4000);
    a.dispose();
    assert.strictEqual(tf.memory().numBytes - before.numBytes, 4000, 'view still holds the storage');
    assert.strictEqual(tf.tidy(() => v.sum().item()), 0);
    v.dispose();
    assert.strictEqual(tf.memory().numBytes, before.numBytes);
    assert.throws(() => a.add(1), /disposed/);
    assert.throws(() => v.dataSync(), /disposed/);
  });

  it('tidy frees everything but its result (nested, arrays, keep)', () => {
    const before = tf.memory().numTensors;
    let kept: tf.Tensor | null = null;
    const [r1, r2] = tf.tidy(() => {
      const t = tf.ones([3]).mul(2).add(1);
      kept = tf.keep(t.exp());
      const inner = tf.tidy(() => t.mul(t).sum());
      return [inner, t.neg()];
    });
    assert.strictEqual(tf.memory().numTensors, before + 3);
    assert.strictEqual(r1.item(), 27);
    assert.deepStrictEqual(r2.toArray(), [-3, -3, -3]);
    r1.dispose(); r2.dispose(); kept!.dispose();
    assert.strictEqual(tf.memory().numTensors, before);
    assert.throws(() => tf.tidy(() => Promise.resolve(1) as unknown as number), /synchronous/);
  });

  it('the garbage collector frees tensors the user forgot (FinalizationRegistry fallback)', async function () {
    const gc = (global as { gc?: () => void }).gc;
    requireOrSkip(this, gc !== undefined, 'needs global.gc: run mocha with --expose-gc (.mocharc.json does)');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2000; i++) tf.ones([256]).mul(3);
    assert.ok(tf.memory().numTensors >= before + 2000);
    for (let i = 0; i < 10 && tf.memory().numTensors > before + 50; i++) {
      gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(tf.memory().numTensors <= before + 50, `still ${tf.memory().numTensors - before} live`);
  });

  it('tidy frees what a throwing fn created, and keeps what it passed to keep()', () => {
    const before = tf.memory().numTensors, bytes = tf.memory().numBytes;
    let kept: Tensor | null = null;
    for (let i = 0; i < 500; i++) {
      assert.throws(() => tf.tidy(() => {
        const x = tf.ones([1024]).mul(2).add(1);
        if (i === 0) kept = tf.keep(x.mul(3));
        throw new Error(`step ${i} failed`);
      }), new RegExp(`step ${i} failed`));
    }
    assert.strictEqual(tf.memory().numTensors, before + 1);
    assert.strictEqual(tf.memory().numBytes, bytes + 4096);
    assert.deepStrictEqual(Array.from(kept!.dataSync().slice(0, 2)), [9, 9]);
    kept!.dispose();
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('the caching allocator reuses freed blocks and emptyCache returns them', () => {
    tf.tidy(() => { tf.zeros([1 << 18]).add(1); });
    const m0 = tf.memory();
    for (let i = 0; i < 50; i++) tf.tidy(() => { tf.zeros([1 << 18]).add(1); });
    assert.strictEqual(tf.memory().osAllocs, m0.osAllocs);
    assert.ok(tf.memory().nativeCachedBytes >= 1 << 20);
    assert.ok(tf.emptyCache() >= 1 << 20);
    assert.strictEqual(tf.memory().nativeCachedBytes, 0);
  });
});
