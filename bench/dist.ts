/**
 * Distributed benchmark (`npm run bench:dist [-- --quick] [--out DIR]`):
 *  1. allreduce bandwidth at 2 processes on this machine (shared memory, or loopback TCP with
 *     TENSORFORGE_DIST_SHM=0), 1 KB ... 100 MB (float32, sum):
 *     ms per op, algorithm bandwidth (bytes / time) and bus bandwidth (x 2(n-1)/n, the ring's
 *     traffic per link), next to the cost of staging the tensor through host memory (copy out
 *     + copy back) that every collective pays;
 *  2. data-parallel scaling of the bench MLP (784-512-256-10, Adam, batch 128) and LeNet-5
 *     (batch 64), 1 thread per process, against 1 process x 1 thread x the batch; efficiency =
 *     (throughput ratio) / 2, two ways: the same global batch (2 processes x half the batch:
 *     strong scaling, what this file has always reported) and the same batch per process
 *     (2 x the whole batch: weak scaling, as Horovod and PyTorch report it); how much of DDP's
 *     allreduce time ran while backward was still running (overlap); and the CPU time per step
 *     of each process (all its threads), which the machine's load hardly moves: at the same
 *     batch per process, 2-process minus 1-process CPU is what communication costs.
 * Every measurement runs in fresh processes started by the launcher (lib/dist/run.ts); rank 0
 * prints one `RESULT {json}` line that this driver collects. Writes DIR/dist.json and DIR/dist.md.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '../lib';
import { dist } from '../lib';
import { crossEntropy } from '../lib/nn/functional';
import { toHost, fromHost, releaseHost } from '../lib/dist/process_group';

const LAUNCHER = path.join(__dirname, '..', 'lib', 'dist', 'run.js');
const nowMs = (): number => performance.now();

// ---- worker side -------------------------------------------------------------------------

async function bandwidth(quick: boolean): Promise<unknown> {
  const rows = [];
  for (const bytes of [1e3, 1e4, 1e5, 1e6, 1e7, 1e8]) {
    const n = bytes / 4;
    const t = tf.zeros([n]);
    const reps = Math.max(quick ? 2 : 3, Math.min(200, Math.round((quick ? 2e7 : 2e8) / bytes)));
    await dist.allReduce(t);  // warm-up
    await dist.barrier();
    let t0 = nowMs();
    for (let i = 0; i < reps; i++) await dist.allReduce(t);
    const ms = (nowMs() - t0) / reps;
    // The staging every collective does: the tensor out to a typed array and back.
    t0 = nowMs();
    for (let i = 0; i < reps; i++) {
      const h = await toHost(t);
      fromHost('bench', t, h);
      releaseHost(h);
    }
    const copyMs = (nowMs() - t0) / reps;
    const ws = dist.getWorldSize();
    rows.push({ bytes, ms, algGBs: bytes / ms / 1e6, busGBs: (bytes / ms / 1e6) * (2 * (ws - 1)) / ws, copyMs });
    t.dispose();
  }
  return rows;
}

function buildModel(kind: string): tf.nn.Module {
  if (kind === 'mlp') {
    return new tf.nn.Sequential(new tf.nn.Linear(784, 512), new tf.nn.ReLU(), new tf.nn.Linear(512, 256), new tf.nn.ReLU(), new tf.nn.Linear(256, 10));
  }
  return new tf.nn.Sequential(
    new tf.nn.Conv2d(1, 6, 5, { padding: 2 }), new tf.nn.ReLU(), new tf.nn.MaxPool2d(2),
    new tf.nn.Conv2d(6, 16, 5), new tf.nn.ReLU(), new tf.nn.MaxPool2d(2), new tf.nn.Flatten(),
    new tf.nn.Linear(400, 120), new tf.nn.ReLU(), new tf.nn.Linear(120, 84), new tf.nn.ReLU(), new tf.nn.Linear(84, 10));
}

/** Trains `steps` steps, each rank at `local` samples (the batch, or its share of it with
 * `strong`); returns global samples/s, CPU ms per step (mean over the ranks) and DDP's stats. */
async function scaling(kind: string, steps: number, strong: boolean): Promise<unknown> {
  const ws = dist.isInitialized() ? dist.getWorldSize() : 1;
  const batch = kind === 'mlp' ? 128 : 64;
  const local = strong ? batch / ws : batch, global = local * ws;
  tf.manualSeed(1);
  const shape = kind === 'mlp' ? [local, 784] : [local, 1, 28, 28];
  const xs = Array.from({ length: 8 }, () => tf.randn(shape)), ys = Array.from({ length: 8 }, () => tf.randint(0, 10, [local]));
  const net = buildModel(kind);
  const ddp = ws > 1 ? new dist.DistributedDataParallel(net) : null;
  if (ddp) await ddp.ready;
  const model = ddp ?? net;
  const opt = new tf.optim.Adam(model.parameters(), { lr: 1e-3 });
  const step = async (s: number): Promise<void> => {
    opt.zeroGrad();
    tf.tidy(() => crossEntropy(model.forward(xs[s % 8]), ys[s % 8]).backward());
    if (ddp) await ddp.finishGradientSync();
    opt.step();
  };
  for (let s = 0; s < 5; s++) await step(s);  // warm-up
  if (ddp) { await dist.barrier(); ddp.resetStats(); }
  const t0 = nowMs(), cpu0 = process.cpuUsage();
  for (let s = 0; s < steps; s++) await step(s);
  await tf.whenIdle();  // the stream's last kernels belong to the timed steps
  const ms = nowMs() - t0, cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
  const st = ddp?.stats();
  return {
    kind, ws, local, steps, samplesPerS: (steps * global) / (ms / 1000), msPerStep: ms / steps,
    cpuMsPerStep: ddp ? (await ddp.allReduceMean([cpuMs]))[0] : cpuMs,
    commMsPerStep: st ? st.commMs / st.steps : 0, overlap: st && st.commMs > 0 ? st.overlappedMs / st.commMs : 0,
    waitMsPerStep: st ? st.waitMs / st.steps : 0, buckets: st?.buckets ?? 0,
  };
}

async function worker(args: string[]): Promise<void> {
  const [what, kind, how] = args;
  const quick = args.includes('--quick');
  const multi = Number(process.env.WORLD_SIZE ?? '1') > 1;
  const pg = multi || what === 'bandwidth' ? await dist.initProcessGroup({ backend: 'gloo' }) : null;
  const steps = quick ? 20 : kind === 'mlp' ? 200 : 100;
  const out = { transport: pg?.backend.transport ?? '-', result: what === 'bandwidth' ? await bandwidth(quick) : await scaling(kind, steps, how === 'strong') };
  if (!dist.isInitialized() || dist.getRank() === 0) console.log(`RESULT ${JSON.stringify(out)}`);
  if (dist.isInitialized()) await dist.destroyProcessGroup();
}

// ---- driver ------------------------------------------------------------------------------

function runJob(nproc: number, args: string[]): { transport: string; result: unknown } {
  const r = spawnSync(process.execPath, [LAUNCHER, '--nproc', String(nproc), __filename, '--worker', ...args], {
    encoding: 'utf8', env: { ...process.env, TENSORFORGE_NUM_THREADS: '1' }, maxBuffer: 1 << 24,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) throw new Error(`bench job ${args.join(' ')} at ${nproc} processes failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice(7));
}

const fmt = (v: number, d = 2): string => v.toFixed(d);

function driver(argv: string[]): void {
  const quick = argv.includes('--quick');
  const oi = argv.indexOf('--out');
  const outDir = oi >= 0 ? argv[oi + 1] : path.join(__dirname, '..', '..', 'bench', 'results');
  const q = quick ? ['--quick'] : [];
  const load = os.loadavg()[0];
  const lines: string[] = [`# Distributed benchmark (${new Date().toISOString()}, ${os.cpus().length} cores, load average ${fmt(load)} at start)`, ''];
  const bwJob = runJob(2, ['bandwidth', '-', ...q]);
  const bw = bwJob.result as { bytes: number; ms: number; algGBs: number; busGBs: number; copyMs: number }[];
  lines.push(`## allreduce (sum, float32), 2 processes on this machine (${bwJob.transport})`, '',
    '| size | ms/op | algbw GB/s | busbw GB/s | staging copy ms (out + back) | copy / allreduce |', '|---|---|---|---|---|---|');
  for (const r of bw) {
    const size = r.bytes >= 1e6 ? `${r.bytes / 1e6} MB` : `${r.bytes / 1e3} KB`;
    lines.push(`| ${size} | ${fmt(r.ms, 3)} | ${fmt(r.algGBs, 3)} | ${fmt(r.busGBs, 3)} | ${fmt(r.copyMs, 3)} | ${fmt(r.copyMs / r.ms)} |`);
  }
  lines.push('', `## data-parallel scaling at 2 processes (1 thread each, ${bwJob.transport})`, '',
    'Strong: the same global batch (each process half of it); weak: the same batch per process (2 x the batch).',
    'CPU ms/step: per process, all its threads (the mean over the ranks).', '',
    '| model | 1 proc samples/s | 1 proc CPU ms/step | scaling | 2 procs samples/s | efficiency | 2 procs CPU ms/step | DDP comm ms/step | overlap with backward | wait ms/step | buckets |',
    '|---|---|---|---|---|---|---|---|---|---|---|');
  type Run = { samplesPerS: number; cpuMsPerStep: number; commMsPerStep: number; overlap: number; waitMsPerStep: number; buckets: number };
  const scale: unknown[] = [];
  for (const kind of ['mlp', 'lenet']) {
    const one = runJob(1, ['scaling', kind, 'weak', ...q]).result as Run;
    for (const how of ['strong', 'weak']) {
      const two = runJob(2, ['scaling', kind, how, ...q]).result as Run;
      const eff = two.samplesPerS / one.samplesPerS / 2;
      scale.push({ kind, how, one, two, efficiency: eff });
      const model = kind === 'mlp' ? 'MLP 784-512-256-10 b128' : 'LeNet-5 b64';
      const label = how === 'strong' ? 'strong (global batch fixed)' : 'weak (batch per process fixed)';
      lines.push(`| ${model} | ${fmt(one.samplesPerS, 0)} | ${fmt(one.cpuMsPerStep)} | ${label} | ${fmt(two.samplesPerS, 0)} | ${fmt(eff)} | ${fmt(two.cpuMsPerStep)} | ` +
        `${fmt(two.commMsPerStep)} | ${fmt(two.overlap * 100, 0)}% | ${fmt(two.waitMsPerStep)} | ${two.buckets} |`);
    }
  }
  lines.push('', `Load average at the end: ${fmt(os.loadavg()[0])}. Efficiency = (2-process throughput / 1-process throughput) / 2.`);
  const md = lines.join('\n') + '\n';
  process.stdout.write(md);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'dist.md'), md);
  fs.writeFileSync(path.join(outDir, 'dist.json'), JSON.stringify({ date: new Date().toISOString(), loadAverage: load, transport: bwJob.transport, bandwidth: bw, scaling: scale }, null, 2));
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--worker') {
    worker(argv.slice(1)).catch((e: Error) => { console.error(e.message); process.exit(1); });
  } else {
    driver(argv);
  }
}
