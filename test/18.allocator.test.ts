/** The CPU caching allocator: reuse across sizes, the cache limit, giving memory back to
 * the OS, V8's external-memory accounting, and bounded kernel scratch. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { tf } from './helpers';

const MiB = 2 ** 20;

/** Resident set size of this process (VmRSS), in bytes. */
function rss(): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  assert.ok(m, 'VmRSS in /proc/self/status');
  return Number(m[1]) * 1024;
}

describe('allocator', () => {
  let saved = 0;
  beforeEach(() => { saved = tf.memory().cacheLimitBytes; });
  afterEach(() => { tf.setCacheLimit(saved); });

  it('defaults the cache limit to 1/8 of physical memory, at most 2 GiB', () => {
    const total = require('os').totalmem() as number;
    const limit = tf.memory().cacheLimitBytes;
    // NOTE: os.totalmem() and sysconf(_SC_PHYS_PAGES) agree to the page.
    assert.ok(Math.abs(limit - Math.min(total / 8, 2 ** 31)) <= 4096, `limit ${limit}, physical ${total}`);
  });

  it('serves requests of varied sizes from cached blocks: OS allocations stay flat', () => {
    tf.setCacheLimit(256 * MiB);
    tf.emptyCache();
    // 8 sizes from 250,000 to 300,000 floats (within 20%), visited in a shuffled order.
    const sizes = [262144, 300000, 250000, 281000, 275000, 256000, 290000, 268000];
    const step = (n: number): number => tf.tidy(() => tf.zeros([n]).add(1).sum().item());
    for (const n of sizes) step(n);
    const m0 = tf.memory();
    for (let i = 0; i < 200; i++) assert.strictEqual(step(sizes[(i * 5) % 8]), sizes[(i * 5) % 8]);
    const m1 = tf.memory();
    assert.strictEqual(m1.osAllocs, m0.osAllocs, 'blocks taken from the OS after one pass over the sizes');
    assert.ok(m1.nativeCachedBytes <= 256 * MiB);
  });

  it('a batch smaller than the last (an evaluation chunk) reuses the larger blocks', () => {
    tf.setCacheLimit(256 * MiB);
    tf.emptyCache();
    const chunk = (n: number): number => tf.tidy(() => tf.ones([n, 32, 28, 28]).relu().mul(2).sum().item());
    chunk(100);
    const m0 = tf.memory();
    for (const n of [100, 90, 97, 85, 100]) assert.strictEqual(chunk(n), n * 32 * 28 * 28 * 2);
    assert.strictEqual(tf.memory().osAllocs, m0.osAllocs);
  });

  it('a larger cached block serves a smaller large request by giving its tail back', () => {
    tf.setCacheLimit(256 * MiB);
    tf.emptyCache();
    tf.zeros([64 * MiB / 4]).dispose();
    const m0 = tf.memory();
    assert.strictEqual(m0.nativeCachedBytes, 64 * MiB);
    const t = tf.zeros([16 * MiB / 4]);
    const m1 = tf.memory();
    assert.strictEqual(m1.osAllocs, m0.osAllocs, 'served from the cached 64 MiB block');
    assert.strictEqual(m1.nativeCachedBytes, 0);
    assert.strictEqual(m1.osFrees, m0.osFrees + 1, 'its 48 MiB tail went back to the OS');
    assert.strictEqual(m1.nativeLiveBytes - m0.nativeLiveBytes, 16 * MiB);
    t.dispose();
    assert.strictEqual(tf.memory().nativeCachedBytes, 16 * MiB);
  });

  it('a large request nothing cached can serve first gives cached large blocks back', () => {
    tf.setCacheLimit(256 * MiB);
    tf.emptyCache();
    tf.tidy(() => { for (let i = 0; i < 8; i++) tf.zeros([4 * MiB / 4]); });  // 8 cached 4 MiB blocks
    assert.strictEqual(tf.memory().nativeCachedBytes, 32 * MiB);
    const t = tf.zeros([24 * MiB / 4]);
    // 6 of the 4 MiB blocks make up for the new 24 MiB one; held memory does not grow.
    assert.strictEqual(tf.memory().nativeCachedBytes, 8 * MiB);
    t.dispose();
  });

  it('past the limit a freed block goes back to the OS: cachedBytes <= limit, RSS drops', function () {
    this.timeout(60000);
    tf.setCacheLimit(64 * MiB);
    const small = tf.zeros([4 * MiB / 4]);
    const m0 = tf.memory();
    small.dispose();
    assert.strictEqual(tf.memory().nativeCachedBytes, m0.nativeCachedBytes + 4 * MiB, 'a 4 MiB block fits and is cached');
    // 1 GiB, written by zeros so its pages are resident.
    const big = tf.zeros([2 ** 28]);
    tf.synchronize();  // async execution: the fill has run, so the pages are resident
    const r1 = rss();
    assert.ok(r1 - rss() < 1, 'rss readable');
    const frees = tf.memory().osFrees;
    big.dispose();
    const m2 = tf.memory(), r2 = rss();
    assert.ok(m2.nativeCachedBytes <= 64 * MiB, `cached ${m2.nativeCachedBytes} bytes with a 64 MiB limit`);
    assert.strictEqual(m2.osFrees, frees + 1);
    assert.ok(r1 - r2 >= 900 * MiB, `RSS fell by ${((r1 - r2) / MiB).toFixed(0)} MiB after disposing 1 GiB`);
  });

  it('lowering the limit frees cached blocks until the cache fits; 0 caches nothing', () => {
    tf.setCacheLimit(256 * MiB);
    tf.tidy(() => { for (let i = 1; i <= 4; i++) tf.zeros([i * MiB]); });  // 4+8+12+16 MiB cached
    const cached = tf.memory().nativeCachedBytes;
    assert.ok(cached >= 40 * MiB, `cached ${cached}`);
    const freed = tf.setCacheLimit(20 * MiB);
    const after = tf.memory();
    assert.ok(after.nativeCachedBytes <= 20 * MiB);
    assert.strictEqual(freed, cached - after.nativeCachedBytes);
    assert.strictEqual(after.cacheLimitBytes, 20 * MiB);
    tf.setCacheLimit(0);
    assert.strictEqual(tf.memory().nativeCachedBytes, 0);
    tf.zeros([1000]).dispose();
    assert.strictEqual(tf.memory().nativeCachedBytes, 0, 'limit 0: a freed block is not kept');
  });

  it('emptyCache returns every cached byte to the OS', () => {
    tf.setCacheLimit(64 * MiB);
    tf.tidy(() => { tf.zeros([MiB]).add(1); });
    const cached = tf.memory().nativeCachedBytes;
    assert.ok(cached >= 8 * MiB);
    assert.strictEqual(tf.emptyCache(), cached);
    assert.strictEqual(tf.memory().nativeCachedBytes, 0);
    assert.strictEqual(tf.emptyCache(), 0);
  });

  it('setCacheLimit rejects what is not a non-negative integer byte count', () => {
    assert.throws(() => tf.setCacheLimit('1G' as unknown as number), (e: Error) => e instanceof TypeError && /setCacheLimit: bytes must be a number, got string/.test(e.message));
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 60]) {
      assert.throws(() => tf.setCacheLimit(bad), (e: Error) => e instanceof RangeError && /setCacheLimit: bytes must be a non-negative integer/.test(e.message), String(bad));
    }
    assert.strictEqual(tf.memory().cacheLimitBytes, saved, 'a rejected call leaves the limit alone');
  });

  it('TENSORFORGE_CACHE_LIMIT sets the limit at load; a malformed value throws', () => {
    const lib = path.join(__dirname, '..', 'lib');
    const run = (value: string): ReturnType<typeof spawnSync> => spawnSync(process.execPath,
      ['-e', `console.log(require(${JSON.stringify(lib)}).memory().cacheLimitBytes)`],
      { env: { ...process.env, TENSORFORGE_CACHE_LIMIT: value }, encoding: 'utf8' });
    assert.strictEqual(String(run('512M').stdout).trim(), String(512 * MiB));
    assert.strictEqual(String(run('1048576').stdout).trim(), '1048576');
    const bad = run('lots');
    assert.notStrictEqual(bad.status, 0);
    assert.match(String(bad.stderr), /TENSORFORGE_CACHE_LIMIT: expected a byte count such as 1073741824, 512M or 2G, got 'lots'/);
  });

  it('kernel scratch stays bounded: an outsized im2col buffer is unmapped by the next small conv', () => {
    // NOTE: ones, not randn: the values do not matter here, and later test files draw their
    // inputs from the global generator. Synchronous mode: scratch is per thread, and in async
    // mode a small call may run inline on this thread while a large one ran on the stream's.
    const conv = (c: number): void => tf.tidy(() => {
      tf.conv2d(tf.ones([1, c, 8, 8]), tf.ones([16, c, 7, 7]), null, { padding: 1 }).sum().item();
    });
    const mode = tf.getExecutionMode();
    tf.setExecutionMode('sync');
    try {
      conv(16);
      const base = tf.memory().scratchBytes;
      conv(4096);  // a column tile of 4096*49 rows x 16 columns: 12.8 MB, past the 8 MiB slot cap
      const big = tf.memory().scratchBytes;
      assert.ok(big - base > 8 * MiB, `scratch grew by ${big - base} bytes`);
      conv(16);
      const after = tf.memory().scratchBytes;
      assert.ok(after - base < MiB, `scratch still ${after} bytes after a small conv (before the big one: ${base})`);
    } finally { tf.setExecutionMode(mode); }
  });
});
