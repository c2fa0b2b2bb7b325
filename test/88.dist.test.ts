/**
 * Distributed training on Gloo (tensorforge_dist.node): collectives at 2 and 3 processes
 * against local results, DDP equal to single-process training, two simulated machines (network
 * namespaces, Redis store), a killed rank and the launcher. Every rank is a child process
 * running test/fixtures/dist_worker.ts.
 */
import * as assert from 'assert';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, requireOrSkip } from './helpers';
import { native } from '../lib/native';
import { setup, rows, snapshot, STEPS, BATCH, type ModelKind } from './fixtures/dist_common';

const WORKER = path.join(__dirname, 'fixtures', 'dist_worker.js');
const LAUNCHER = path.join(__dirname, '..', 'lib', 'dist', 'run.js');

interface Exit { code: number | null; signal: NodeJS.Signals | null; out: string; err: string }

/** Runs `cmd args` to its end, collecting output; kills it after `limitMs` (a hang is a failure). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, limitMs = 60000, onStart?: (c: ChildProcess) => void): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { env: { ...process.env, ...env } });
    const res: Exit = { code: null, signal: null, out: '', err: '' };
    c.stdout.on('data', (d: Buffer) => { res.out += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { res.err += d.toString(); });
    const timer = setTimeout(() => { c.kill('SIGKILL'); reject(new Error(`${cmd} ${args.join(' ')} hung for ${limitMs} ms:\n${res.out}\n${res.err}`)); }, limitMs);
    c.on('error', reject);
    c.on('exit', (code, signal) => { clearTimeout(timer); res.code = code; res.signal = signal; resolve(res); });
    onStart?.(c);
  });
}

function shmWritable(): boolean {
  try { fs.accessSync('/dev/shm', fs.constants.W_OK); return true; } catch { return false; }
}

function tmpStore(): string { return `file://${fs.mkdtempSync(path.join(os.tmpdir(), 'tf-dist-test-'))}`; }

/** `n` ranks of the worker, each with RANK/WORLD_SIZE and one shared fresh store. */
function ranks(n: number, args: string[], env: NodeJS.ProcessEnv = {}, limitMs = 60000): Promise<Exit[]> {
  const store = tmpStore();
  return Promise.all(Array.from({ length: n }, (_, r) => run(process.execPath, [WORKER, ...args],
    { RANK: String(r), WORLD_SIZE: String(n), TENSORFORGE_DIST_STORE: store, TENSORFORGE_NUM_THREADS: '1', ...env }, limitMs)));
}

function assertAllOk(exits: Exit[]): void {
  const report = exits.map((e, r) => `rank ${r} exited ${e.code ?? e.signal}:\n${e.out}\n${e.err}`).join('\n');
  exits.forEach((e) => assert.strictEqual(e.code, 0, report));
}

/** One process at batch BATCH; for BatchNorm models each half-batch shard is its own forward
 * (as each DDP rank's is) with running statistics kept from shard 0 only (rank 0's, broadcast). */
function reference(kind: ModelKind): Record<string, number[]> {
  const { model, x, y } = setup(kind);
  const opt = new tf.optim.Adam(model.parameters(), { lr: 1e-2 });
  const shards = kind === 'cnn' ? 2 : 1;
  for (let k = 0; k < STEPS; k++) {
    opt.zeroGrad();
    for (let s = 0; s < shards; s++) {
      // DistributedSampler without shuffle: rank s takes every shards-th sample.
      const idx = Int32Array.from({ length: BATCH / shards }, (_, j) => k * BATCH + s + j * shards);
      const saved = s > 0 ? model.buffers().map((b) => b.clone()) : [];
      tf.tidy(() => tf.nn.functional.crossEntropy(model.forward(rows(x, idx)), rows(y, idx)).div(shards).backward());
      tf.noGrad(() => model.buffers().forEach((b, i) => { if (saved[i]) { b.copy_(saved[i]); saved[i].dispose(); } }));
    }
    opt.step();
  }
  return snapshot(model);
}

function assertSameState(got: Record<string, number[]>, want: Record<string, number[]>, tol: number): void {
  assert.deepStrictEqual(Object.keys(got).sort(), Object.keys(want).sort());
  for (const k of Object.keys(want)) {
    let worst = 0;
    want[k].forEach((v, i) => { worst = Math.max(worst, Math.abs(v - got[k][i])); });
    assert.ok(worst <= tol, `${k}: max |DDP - single process| = ${worst} > ${tol}`);
  }
}

describe('dist (Gloo process groups)', function () {
  this.timeout(120000);
  const have = (): boolean => tf.dist.distAvailable().available;
  const why = (): string => tf.dist.distAvailable().reason;

  it('without the addon, tensorforge loads and only asking for a process group fails, naming libgloo-dev', function () {
    const r = spawnSync(process.execPath, ['-e', `
      const tf = require(${JSON.stringify(path.join(__dirname, '..', 'lib'))});
      console.log('loaded', tf.tensor([1]).item());
      tf.dist.initProcessGroup({ rank: 0, worldSize: 1, store: 'file:///tmp/x' }).catch((e) => console.log(e.message));`],
    { encoding: 'utf8', env: { ...process.env, TENSORFORGE_DIST_ADDON: path.join(os.tmpdir(), 'absent', 'tensorforge_dist.node') } });
    assert.match(r.stdout, /^loaded 1\n/);
    assert.match(r.stdout, /initProcessGroup: .*libgloo-dev/);
  });

  it('initProcessGroup checks its arguments', async () => {
    await assert.rejects(tf.dist.initProcessGroup({ rank: 0, worldSize: 1, store: 'http://x' }), /initProcessGroup: store must be/);
    await assert.rejects(tf.dist.initProcessGroup({ rank: 2, worldSize: 2, store: 'file:///tmp/x' }), /rank must be an integer in \[0, 2\)/);
    await assert.rejects(tf.dist.allReduce(tf.tensor([1])), /no process group/);
  });

  // NOTE: 10^7 elements at 2 processes only; 3 processes take 100003 as the large size, which
  // exercises the same chunked paths in a third of the test time. Ranks on one machine reduce
  // through shared memory (10^7 floats: ten 4 MB chunks, each half of a segment reused five
  // times); with TENSORFORGE_DIST_SHM=0 over TCP: the direct exchange at 2 processes (2.5 x 10^6
  // floats: three chunks, the last one short) and for the small sizes at 3, Gloo's ring for
  // 100003 elements at 3.
  const cases: [number, number[], string][] = [
    [2, [0, 1, 7, 10_000_000], 'shared memory'], [3, [0, 1, 7, 100_003], 'shared memory'],
    [2, [0, 1, 7, 2_500_000], 'tcp'], [3, [0, 1, 7, 100_003], 'tcp']];
  for (const [n, sizes, transport] of cases) {
    it(`every collective at ${n} processes (${transport}) equals the local result (float32/int32; ${sizes.join(', ')} elements); a shape mismatch fails every rank`, async function () {
      requireOrSkip(this, have(), why());
      if (transport === 'shared memory') requireOrSkip(this, shmWritable(), 'no writable /dev/shm (the shared-memory transport needs one)');
      const env = { TENSORFORGE_DIST_TIMEOUT_MS: '60000', ...(transport === 'tcp' ? { TENSORFORGE_DIST_SHM: '0' } : {}) };
      const exits = await ranks(n, ['collectives', ...sizes.map(String)], env, 110000);
      assertAllOk(exits);
      for (const e of exits) {
        assert.match(e.out, new RegExp(`transport=${transport}\n`));
        assert.match(e.out, new RegExp(`ok int32 n=${sizes[sizes.length - 1]} `));
        assert.match(e.out, /mismatch error: .*\[2,3\].*\[3,2\]|mismatch error: .*\[3,2\].*\[2,3\]/);
      }
    });
  }

  for (const kind of ['mlp', 'cnn'] as ModelKind[]) {
    it(`DDP: ${STEPS} Adam steps of the ${kind} at 2 x batch ${BATCH / 2} equal 1 process at batch ${BATCH}`, async function () {
      requireOrSkip(this, have(), why());
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tf-ddp-')), 'state.json');
      const pending = ranks(2, ['train', kind, out]);
      // The ranks run one thread each; so does the reference, so every kernel splits (and sums)
      // its work the same way and only the allreduce differs.
      const threads = tf.backendInfo().threads;
      tf.setNumThreads(1);
      let want: ReturnType<typeof reference>;
      try { want = reference(kind); } finally { tf.setNumThreads(threads); }
      assertAllOk(await pending);
      const got = JSON.parse(fs.readFileSync(out, 'utf8')) as { state: Record<string, number[]>; stats: tf.dist.DDPStats };
      assert.strictEqual(got.stats.steps, STEPS);
      assertSameState(got.state, want, 1e-5);
      if (kind === 'cnn') {
        // train.fit ran the logger on rank 0 only, with the loss averaged over both ranks.
        assert.ok(fs.existsSync(`${out}.0.csv`) && !fs.existsSync(`${out}.1.csv`));
        assert.match(fs.readFileSync(`${out}.0.csv`, 'utf8'), /^epoch,loss,/);
      }
    });
  }

  it('two machines (network namespaces, veth to a bridge) with the Redis store in a third train like one process', async function () {
    requireOrSkip(this, have(), why());
    requireOrSkip(this, spawnSync('redis-server', ['--version']).status === 0, 'redis-server is not installed (apt install redis-server)');
    const tag = `tf${process.pid % 100000}`;
    const ns = [`${tag}a`, `${tag}b`, `${tag}s`];
    const ip = (...args: string[]): { status: number | null; stderr: string } => spawnSync('ip', args, { encoding: 'utf8' });
    const add = ip('netns', 'add', ns[0]);
    // NOTE: through requireOrSkip, so CI (root, every prerequisite installed) fails rather than skips.
    requireOrSkip(this, add.status === 0, `cannot create network namespaces here: ${add.stderr.trim()}`);
    let redis: ChildProcess | null = null;
    try {
      const steps: string[][] = [
        ['netns', 'add', ns[1]], ['netns', 'add', ns[2]],
        ['-n', ns[2], 'link', 'add', 'br0', 'type', 'bridge'], ['-n', ns[2], 'addr', 'add', '10.77.0.3/24', 'dev', 'br0'],
        ['-n', ns[2], 'link', 'set', 'br0', 'up'], ['-n', ns[2], 'link', 'set', 'lo', 'up'],
      ];
      for (const [k, me] of [[0, '10.77.0.1'], [1, '10.77.0.2']] as [number, string][]) {
        steps.push(['link', 'add', `${tag}v${k}`, 'type', 'veth', 'peer', 'name', `${tag}p${k}`],
          ['link', 'set', `${tag}v${k}`, 'netns', ns[k]], ['link', 'set', `${tag}p${k}`, 'netns', ns[2]],
          ['-n', ns[k], 'addr', 'add', `${me}/24`, 'dev', `${tag}v${k}`], ['-n', ns[k], 'link', 'set', `${tag}v${k}`, 'up'],
          ['-n', ns[k], 'link', 'set', 'lo', 'up'],
          ['-n', ns[2], 'link', 'set', `${tag}p${k}`, 'master', 'br0'], ['-n', ns[2], 'link', 'set', `${tag}p${k}`, 'up']);
      }
      for (const s of steps) {
        const r = ip(...s);
        assert.strictEqual(r.status, 0, `ip ${s.join(' ')}: ${r.stderr}`);
      }
      redis = spawn('ip', ['netns', 'exec', ns[2], 'redis-server', '--bind', '10.77.0.3', '--port', '6379', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
      for (let i = 0; ; i++) {
        const ping = spawnSync('ip', ['netns', 'exec', ns[0], 'redis-cli', '-h', '10.77.0.3', 'ping'], { encoding: 'utf8' });
        if (ping.stdout.trim() === 'PONG') break;
        if (i === 100) assert.fail(`redis in ${ns[2]} is not reachable from ${ns[0]}: ${ping.stdout} ${ping.stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tf-ddp-')), 'state.json');
      const runId = `${tag}-${Date.now()}`;
      const env = (r: number): NodeJS.ProcessEnv => ({
        RANK: String(r), WORLD_SIZE: '2', TENSORFORGE_DIST_STORE: 'redis://10.77.0.3:6379', TENSORFORGE_DIST_RUN_ID: runId,
        TENSORFORGE_DIST_HOST: `10.77.0.${r + 1}`, TENSORFORGE_DIST_TIMEOUT_MS: '30000', TENSORFORGE_NUM_THREADS: '1',
      });
      const pending = Promise.all([0, 1].map((r) => run('ip', ['netns', 'exec', ns[r], process.execPath, WORKER, 'train', 'mlp', out], env(r))));
      const want = reference('mlp');
      const exits = await pending;
      assertAllOk(exits);
      // Separate network (and mount) namespaces count as separate machines: TCP, not /dev/shm.
      for (const e of exits) assert.match(e.out, /transport=tcp\n/);
      assertSameState((JSON.parse(fs.readFileSync(out, 'utf8')) as { state: Record<string, number[]> }).state, want, 1e-5);
    } finally {
      redis?.kill('SIGKILL');
      for (const n of ns) ip('netns', 'del', n);
    }
  });

  /** Three ranks allreducing in a loop; resolves once each has done 20 steps. */
  async function looping(timeoutMs: number): Promise<{ procs: ChildProcess[]; exits: Promise<Exit[]> }> {
    const store = tmpStore();
    const procs: ChildProcess[] = [];
    const started = [0, 1, 2].map(() => { let ok!: () => void; const p = new Promise<void>((r) => { ok = r; }); return { p, ok }; });
    const exits = Promise.all([0, 1, 2].map((r) => run(process.execPath, [WORKER, 'loop'], {
      RANK: String(r), WORLD_SIZE: '3', TENSORFORGE_DIST_STORE: store, TENSORFORGE_DIST_TIMEOUT_MS: String(timeoutMs), TENSORFORGE_NUM_THREADS: '1',
    }, 30000, (c) => {
      procs[r] = c;
      c.stdout?.on('data', (d: Buffer) => { if (/step 20\b/.test(d.toString())) started[r].ok(); });
    })));
    await Promise.all(started.map((s) => s.p));
    return { procs, exits };
  }

  function assertNamed(exits: Exit[], dead: number): void {
    exits.forEach((e, r) => {
      if (r === dead) return;
      assert.strictEqual(e.code, 3, `rank ${r}: ${e.err}`);
      assert.match(e.err, new RegExp(`rank ${dead} is not responding`), `rank ${r}`);
    });
  }

  it('kill -9 of one rank mid-training: the others fail naming it, within the timeout', async function () {
    requireOrSkip(this, have(), why());
    const { procs, exits } = await looping(3000);
    procs[1].kill('SIGKILL');
    const done = await exits;
    assert.strictEqual(done[1].signal, 'SIGKILL');
    assertNamed(done, 1);
  });

  it('a rank that stops responding (SIGSTOP) is named once the timeout passes', async function () {
    requireOrSkip(this, have(), why());
    const { procs, exits } = await looping(2000);
    procs[2].kill('SIGSTOP');
    // The stopped rank never ends by itself: kill it once the others have given up on it.
    const others = Promise.race([exits, new Promise<void>((r) => {
      let n = 0;
      for (const k of [0, 1]) procs[k].on('exit', () => { if (++n === 2) r(); });
    })]);
    await others;
    procs[2].kill('SIGKILL');
    assertNamed(await exits, 2);
  });

  it('a rank that never joins is named after the timeout', async function () {
    requireOrSkip(this, have(), why());
    const exits = await ranks(2, ['loop'], { WORLD_SIZE: '3', TENSORFORGE_DIST_TIMEOUT_MS: '2000' }, 30000);
    for (const e of exits) {
      assert.strictEqual(e.code, 3);
      assert.match(e.err, /rank 2 did not join within 2000 ms/);
    }
  });

  it('tensorforge-run: sets the ranks, and exits non-zero stopping every process when one dies', async function () {
    requireOrSkip(this, have(), why());
    const pids: number[] = [];
    let killed = false;
    const e = await run(process.execPath, [LAUNCHER, '--nproc', '3', '--grace-ms', '2000', WORKER, 'loop'], { TENSORFORGE_DIST_TIMEOUT_MS: '20000' }, 60000, (c) => {
      let buf = '';
      c.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        for (const m of buf.matchAll(/pid (\d+) rank (\d+)/g)) if (!pids.includes(Number(m[1]))) pids.push(Number(m[1]));
        if (!killed && pids.length === 3 && /step 20\b/.test(buf)) { killed = true; process.kill(pids[1], 'SIGKILL'); }
      });
    });
    assert.ok(killed, `the ranks did not start: ${e.out} ${e.err}`);
    assert.notStrictEqual(e.code, 0);
    assert.match(e.err, /tensorforge-run: rank \d was killed by SIGKILL; stopping the others/);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `pid ${pid} still runs`);
    const ok = await run(process.execPath, [LAUNCHER, '--nproc', '2', WORKER, 'train', 'mlp', path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tf-run-')), 's.json')], {});
    assert.strictEqual(ok.code, 0, ok.err);
  });
});

describe('dist pieces that need no process group', () => {
  it('DistributedSampler: disjoint shards covering the data, padding or dropping like PyTorch, setEpoch reshuffles', () => {
    const ds = { length: 10 };
    const shard = (rank: number, o: tf.data.DistributedSamplerOptions = {}): number[] =>
      [...new tf.data.DistributedSampler(ds, { numReplicas: 3, rank, ...o })];
    // No shuffle: rank r takes r, r+3, ...; 10 over 3 ranks pads with the head (indices 0, 1).
    assert.deepStrictEqual([0, 1, 2].map((r) => shard(r, { shuffle: false })), [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]);
    assert.deepStrictEqual([0, 1, 2].map((r) => shard(r, { shuffle: false, dropLast: true })), [[0, 3, 6], [1, 4, 7], [2, 5, 8]]);
    const all = [0, 1, 2].flatMap((r) => shard(r, { seed: 5, dropLast: true }));
    assert.strictEqual(new Set(all).size, 9, 'shards are disjoint');
    const s = new tf.data.DistributedSampler(ds, { numReplicas: 2, rank: 0, seed: 5 });
    const e0 = [...s];
    assert.deepStrictEqual([...s], e0, 'the same epoch gives the same order');
    s.setEpoch(1);
    assert.notDeepStrictEqual([...s], e0);
    assert.throws(() => new tf.data.DistributedSampler(ds, { numReplicas: 2, rank: 2 }), /DistributedSampler: rank must be an integer in \[0, 2\)/);
  });

  it('DataLoader takes a sampler (and refuses it with shuffle)', () => {
    const x = tf.arange(0, 10).reshape([10, 1]);
    const ds = new tf.data.TensorDataset(x);
    const sampler = new tf.data.DistributedSampler(ds, { numReplicas: 2, rank: 1, shuffle: false });
    const loader = new tf.data.DataLoader(ds, { batchSize: 2, sampler });
    assert.strictEqual(loader.length, 3);
    assert.deepStrictEqual([...loader].map(([b]) => b.toArray()), [[[1], [3]], [[5], [7]], [[9]]]);
    assert.throws(() => new tf.data.DataLoader(ds, { sampler, shuffle: true }), /DataLoader: sampler and shuffle are mutually exclusive/);
  });

  it('readAsync sets its signal after the copy (1, or 2 when the tensor failed), and refuses a signal over another buffer', async () => {
    const prev = tf.getExecutionMode();
    tf.setExecutionMode('async');
    try {
      // NOTE: 128 x 128: the add's operands are above 64 KiB, so it is always queued on the
      // stream (smaller ones on computed inputs run inline, where the injected fault would not
      // apply); the matmul may run inline (small GEMMs on an idle stream do), which the read
      // of its result does not care about.
      const a = tf.randn([128, 128]), b = tf.randn([128, 128]);
      const ab = new ArrayBuffer(128 * 128 * 4 + 64);
      const dst = new Float32Array(ab, 0, 128 * 128), signal = new Int32Array(ab, 128 * 128 * 4, 1);
      const good = a.matmul(b);
      const read = good.kernels.readAsync(good.handle('test'), 0, dst, signal);
      await read;
      assert.strictEqual(signal[0], 1);
      assert.deepStrictEqual(dst.slice(0, 8), good.dataSync().slice(0, 8));
      native.injectKernelFault('binary');
      const bad = a.add(b);
      signal[0] = 0;
      await assert.rejects(bad.kernels.readAsync(bad.handle('test'), 0, dst, signal), /injected kernel fault/);
      assert.strictEqual(signal[0], 2);
      assert.throws(() => good.kernels.readAsync(good.handle('test'), 0, dst, new Int32Array(1)), /signal must be an Int32Array over the destination's ArrayBuffer/);
      for (const t of [a, b, good, bad]) t.dispose();
    } finally {
      tf.setExecutionMode(prev);
    }
  });

  it('registerPostAccumulateGradHook runs once per backward with the summed gradient, and can be removed', () => {
    const w = tf.tensor([1, 2, 3]).requiresGrad_();
    const seen: number[][] = [];
    const remove = w.registerPostAccumulateGradHook((t) => seen.push(Array.from(t.grad!.dataSync())));
    // w is used twice: the hook sees the sum of both contributions, once.
    w.mul(2).add(w.mul(w)).sum().backward();
    assert.deepStrictEqual(seen, [[4, 6, 8]]);
    remove();
    w.sum().backward();
    assert.strictEqual(seen.length, 1);
    assert.throws(() => w.mul(2).registerPostAccumulateGradHook(() => undefined), /only leaf tensors/);
  });

  it('tensorforge-run parses its flags and refuses bad ones', () => {
    const { parseArgs } = require(LAUNCHER) as typeof import('../lib/dist/run');
    const o = parseArgs(['--nproc', '4', '--nnodes=2', '--node-rank', '1', '--store', 'redis://h:1', 'train.js', '--epochs', '3']);
    assert.deepStrictEqual([o.nproc, o.nnodes, o.nodeRank, o.store, o.script, o.args], [4, 2, 1, 'redis://h:1', 'train.js', ['--epochs', '3']]);
    assert.throws(() => parseArgs(['--nproc', '0', 'x.js']), /--nproc needs an integer >= 1/);
    assert.throws(() => parseArgs(['--nproc', '2']), /no script given/);
    assert.throws(() => parseArgs(['--nnodes', '2', '--node-rank', '2', 'x.js']), /--node-rank 2 must be below --nnodes 2/);
    const saved = process.env.TENSORFORGE_DIST_STORE;
    delete process.env.TENSORFORGE_DIST_STORE;
    try {
      assert.throws(() => parseArgs(['--nnodes', '2', 'x.js']), /several nodes need a shared store/);
    } finally {
      if (saved !== undefined) process.env.TENSORFORGE_DIST_STORE = saved;
    }
  });
});
