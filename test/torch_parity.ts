/**
 * Runs modules and functions in PyTorch (/usr/bin/python3 with torch, through
 * test/fixtures/torch_parity.py) on the weights and inputs tensorforge used. One Python
 * process serves every test file (importing torch takes seconds): it is started on first use,
 * reads a directory of cases per line and answers when their outputs are written.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as assert from 'assert';
import { io, noGrad, type Tensor } from '../lib';
import type { Module } from '../lib/nn';
import { assertClose, requireOrSkip, toNd } from './helpers';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', '..', 'test', 'fixtures', 'torch_parity.py');

let torchOk: boolean | null = null;
/** Starts the Python server (once) and resolves whether /usr/bin/python3 imported torch. */
export async function checkTorch(): Promise<boolean> {
  if (torchOk !== null) return torchOk;
  if (!fs.existsSync(PYTHON)) return (torchOk = false);
  const s = server ??= startServer();
  const first = await new Promise<string>((resolve) => s.waiting.push(resolve));
  return (torchOk = first === 'ready');
}
/** What checkTorch found (false before it ran). */
export function haveTorch(): boolean { return torchOk === true; }

export interface TorchCase {
  name: string;
  /** Python expression building the torch module (or any object `call` uses as m; None for functions). */
  build: string;
  /** Python expression of m and x (the inputs by name) giving a tensor or a tuple of them. */
  call: string;
  /** Our state dict, loaded into the torch module with strict=True. */
  weights: Record<string, Tensor>;
  inputs: Record<string, Tensor>;
}

export interface TorchResult {
  /** The torch module's own freshly initialised state dict (empty when build is not a module). */
  torchState: Record<string, Tensor>;
  /** The outputs of `call` in order (None skipped). */
  outputs: Tensor[];
}

interface Server { child: ChildProcessWithoutNullStreams; waiting: ((line: string) => void)[]; stderr: string[] }
let server: Server | null = null;

function startServer(): Server {
  const child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  const s: Server = { child, waiting: [], stderr: [] };
  readline.createInterface({ input: child.stdout }).on('line', (line) => s.waiting.shift()?.(line));
  child.stderr.on('data', (d: Buffer) => s.stderr.push(d.toString()));
  child.on('exit', (code) => { for (const w of s.waiting.splice(0)) w(`error ${JSON.stringify(`exited with ${code}: ${s.stderr.join('')}`)}`); server = null; });
  // NOTE: unreferenced, so the idle server never keeps the test process alive; a pending
  // request is kept alive by mocha's own test timeout.
  child.unref();
  for (const io of [child.stdin, child.stdout, child.stderr]) (io as unknown as { unref?: () => void }).unref?.();
  return s;
}

/** Runs every case in PyTorch; rejects with Python's traceback when it fails. */
export async function runTorch(cases: TorchCase[]): Promise<Map<string, TorchResult>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-parity-'));
  try {
    for (const c of cases) {
      const all: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(c.weights)) all[`w.${k}`] = t.detach().contiguous();
      for (const [k, t] of Object.entries(c.inputs)) all[`x.${k}`] = t.detach().contiguous();
      io.save(all, path.join(dir, `${c.name}.in.safetensors`));
    }
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases.map(({ name, build, call }) => ({ name, build, call }))));
    if (!(await checkTorch())) throw new Error('runTorch: /usr/bin/python3 cannot import torch');
    const s = server!;
    const answer = await new Promise<string>((resolve) => { s.waiting.push(resolve); s.child.stdin.write(`${dir}\n`); });
    if (answer !== 'ok') throw new Error(`torch_parity.py failed: ${JSON.parse(answer.slice(6)) as string}`);
    const out = new Map<string, TorchResult>();
    for (const c of cases) {
      const stateFile = path.join(dir, `${c.name}.torch.safetensors`);
      const o = io.load(path.join(dir, `${c.name}.out.safetensors`));
      out.set(c.name, {
        torchState: fs.existsSync(stateFile) ? io.load(stateFile) : {},
        outputs: Object.keys(o).sort((a, b) => Number(a) - Number(b)).map((k) => o[k]),
      });
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A parity case with our outputs and a fresh module of ours to load PyTorch's state dict into. */
export interface ParityCase { ours: Tensor[]; fresh: { loadStateDict: Module['loadStateDict']; stateDict: Module['stateDict'] } | null; case: TorchCase }

/**
 * Inside a describe(): builds the cases once (before), runs them in PyTorch, and adds one test
 * per name: our outputs against PyTorch's (|d| <= atol + rtol |want|) and, for modules,
 * PyTorch's fresh state dict loading into ours with strict=true and the same keys.
 */
export function parityTests(build: () => ParityCase[], names: readonly string[], rtol: number, atol: number): void {
  let built: ParityCase[] = [];
  let torch = new Map<string, TorchResult>();
  before(async function () {
    if (!(await checkTorch())) return;
    built = noGrad(() => build());
    torch = await runTorch(built.map((b) => b.case));
  });
  for (const name of names) {
    it(`${name}: outputs match PyTorch's on the same weights and inputs (a module's state dict loads both ways)`, function () {
      requireOrSkip(this, haveTorch(), '/usr/bin/python3 with torch not found (apt-get install python3-torch)');
      const b = built.find((x) => x.case.name === name)!, r = torch.get(name)!;
      assert.strictEqual(r.outputs.length, b.ours.length, 'number of outputs');
      b.ours.forEach((t, i) => assertClose(t, toNd(r.outputs[i]), rtol, atol, `${name} output ${i}`));
      if (!b.fresh) return;
      const res = b.fresh.loadStateDict(r.torchState, { strict: true });
      assert.deepStrictEqual([res.missingKeys, res.unexpectedKeys], [[], []]);
      assert.deepStrictEqual(Object.keys(b.fresh.stateDict()).sort(), Object.keys(r.torchState).sort());
    });
  }
}
