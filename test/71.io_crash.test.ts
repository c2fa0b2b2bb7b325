/** Crash safety of io.saveModel / io.save: child processes save in a loop to one place and
 * are SIGKILLed at random instants and at each step of the directory swap; after every kill
 * the model (or file) loads as the old or the new one, and the next save leaves no temporary. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import { tf } from './helpers';

const { nn, io } = tf;
const LIB = path.join(__dirname, '..', 'lib');

// Two models of ~3 MB with different architectures and constant weights (all 1 or all 2),
// so a load that mixed the two (old config, new weights) fails or shows mixed values.
const CHILD = `
const tf = require(${JSON.stringify(LIB)});
const { nn, io } = tf;
function make(v) {
  const m = new nn.Sequential(new nn.Linear(512, 1024), v === 1 ? new nn.ReLU() : new nn.Tanh(), new nn.Linear(1024, v === 1 ? 256 : 128));
  tf.noGrad(() => { for (const p of m.parameters()) p.fill_(v); });
  return m;
}
const ms = [make(1), make(2)];
const target = process.env.CRASH_TARGET;
process.stdout.write('loop\\n');
for (let i = 0; ; i++) {
  if (process.env.CRASH_MODE === 'file') io.save(ms[i % 2].stateDict(), target, { v: String(1 + (i % 2)) });
  else io.saveModel(ms[i % 2], target, { metadata: { v: String(1 + (i % 2)) } });
}
`;

function make(v: 1 | 2): InstanceType<typeof nn.Sequential> {
  const m = new nn.Sequential(new nn.Linear(512, 1024), v === 1 ? new nn.ReLU() : new nn.Tanh(), new nn.Linear(1024, v === 1 ? 256 : 128));
  tf.noGrad(() => { for (const p of m.parameters()) p.fill_(v); });
  return m;
}

/** 1 or 2 when every tensor holds only that value and the shapes are that model's; else throws. */
function whichOf(sd: Record<string, tf.Tensor>): 1 | 2 {
  const out = sd['2.weight'].shape[0];
  const v = out === 256 ? 1 : out === 128 ? 2 : assert.fail(`unexpected 2.weight ${sd['2.weight'].shape}`);
  for (const [k, t] of Object.entries(sd)) {
    assert.strictEqual(t.min().item(), v, `${k} min`);
    assert.strictEqual(t.max().item(), v, `${k} max`);
  }
  return v;
}

interface Outcome { kills: number; unloadable: number; errors: string[] }

/** Starts the child; resolves once it is in its save loop. */
function start(target: string, mode: 'dir' | 'file', pauseAt?: string): Promise<{ child: ChildProcess; paused: Promise<void> }> {
  const env = { ...process.env, CRASH_TARGET: target, CRASH_MODE: mode, TENSORFORGE_TEST_SAVE_PAUSE: pauseAt ?? '', TENSORFORGE_TEST_SAVE_PAUSE_MS: '20000' };
  const child = spawn(process.execPath, ['-e', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const paused = new Promise<void>((resolve) => {
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); if (pauseAt && err.includes(`saveModel:pause:${pauseAt}`)) resolve(); });
  });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve({ child, paused }));
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before saving: ${err}`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGKILL'); });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Kills a saving child `n` times at random instants (or at `pauseAt`), checking each time. */
async function killLoop(target: string, mode: 'dir' | 'file', n: number, pauseAt: string | undefined, out: Outcome): Promise<void> {
  for (let i = 0; i < n; i++) {
    const { child, paused } = await start(target, mode, pauseAt);
    if (pauseAt) await paused;
    else await sleep(Math.random() * 250);
    await kill(child);
    out.kills++;
    try {
      if (mode === 'dir') {
        const m = io.loadModel<InstanceType<typeof nn.Sequential>>(target);
        whichOf(m.stateDict());
      } else {
        const sd = io.load(target);
        whichOf(sd);
        Object.values(sd).forEach((t) => t.dispose());
      }
    } catch (e) {
      out.unloadable++;
      out.errors.push(`${pauseAt ?? 'random'}: ${(e as Error).message}`);
    }
  }
}

describe('71 io crash safety', function () {
  this.timeout(180000);
  let root: string;
  before(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-crash-')); });
  after(() => { fs.rmSync(root, { recursive: true, force: true }); });

  it('saveModel killed at random instants and between its renames always leaves the old or the new model', async () => {
    const out: Outcome = { kills: 0, unloadable: 0, errors: [] };
    // Two lanes, each with its own model directory, so the two cores share the work.
    const lane = async (k: number): Promise<void> => {
      const target = path.join(root, `lane${k}`, 'model');
      io.saveModel(make(1), target);
      for (const step of ['written', 'aside', 'swapped']) await killLoop(target, 'dir', 2, step, out);
      await killLoop(target, 'dir', 20, undefined, out);
      // The next successful save leaves exactly the model directory: no temporary anywhere.
      io.saveModel(make(2), target);
      assert.deepStrictEqual(fs.readdirSync(path.dirname(target)), ['model']);
      assert.deepStrictEqual(fs.readdirSync(target).sort(), ['model.json', 'model.safetensors']);
      assert.strictEqual(whichOf(io.loadModel<InstanceType<typeof nn.Sequential>>(target).stateDict()), 2);
    };
    await Promise.all([lane(0), lane(1)]);
    console.log(`      saveModel: ${out.kills} kills, ${out.unloadable} unloadable, 0 temporaries left after the next save`);
    assert.deepStrictEqual(out.errors, []);
    assert.ok(out.kills >= 50, `${out.kills} kills`);
  });

  it('a kill between the renames is recovered by loadModel from the model moved aside, and the next save cleans up', async () => {
    const target = path.join(root, 'aside', 'model');
    io.saveModel(make(1), target);
    const { child, paused } = await start(target, 'dir', 'aside');
    await paused;
    await kill(child);
    // The target is gone; the complete old model sits aside, and a half-written new one may exist.
    assert.ok(!fs.existsSync(target));
    assert.ok(fs.readdirSync(path.dirname(target)).some((n) => /^\.model\.tfold-/.test(n)));
    assert.strictEqual(whichOf(io.loadModel<InstanceType<typeof nn.Sequential>>(target).stateDict()), 1);
    io.saveModel(make(2), target);
    assert.deepStrictEqual(fs.readdirSync(path.dirname(target)), ['model']);
    assert.strictEqual(whichOf(io.loadModel<InstanceType<typeof nn.Sequential>>(target).stateDict()), 2);
  });

  it('io.save killed at random instants leaves the old or the new file; the next save removes dead temporaries', async () => {
    const out: Outcome = { kills: 0, unloadable: 0, errors: [] };
    const file = path.join(root, 'file', 'w.safetensors');
    fs.mkdirSync(path.dirname(file));
    io.save(make(1).stateDict(), file);
    await killLoop(file, 'file', 6, undefined, out);
    // A temporary of a process that no longer exists (pid above Linux's pid_max).
    fs.writeFileSync(path.join(path.dirname(file), '.w.safetensors.99999999.0123456789ab.tmp'), 'x');
    io.save(make(2).stateDict(), file);
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ['w.safetensors']);
    console.log(`      io.save: ${out.kills} kills, ${out.unloadable} unloadable, 0 temporaries left after the next save`);
    assert.deepStrictEqual(out.errors, []);
  });
});
