/**
 * Runs modules and functions in PyTorch (/usr/bin/python3 with torch, through
 * test/fixtures/torch_parity.py) on the weights and inputs tensorforge used, in one Python
 * process for a whole list of cases (importing torch takes seconds).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { io, type Tensor } from '../lib';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', '..', 'test', 'fixtures', 'torch_parity.py');

let torchChecked: boolean | null = null;
/** True when /usr/bin/python3 can import torch (checked once). */
export function haveTorch(): boolean {
  if (torchChecked === null) torchChecked = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0;
  return torchChecked;
}

export interface TorchCase {
  name: string;
  /** Python expression building the torch module (or any object `call` uses as m). */
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

/** Runs every case in PyTorch; throws with Python's stderr when it fails. */
export function runTorch(cases: TorchCase[]): Map<string, TorchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-parity-'));
  try {
    for (const c of cases) {
      const all: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(c.weights)) all[`w.${k}`] = t.detach().contiguous();
      for (const [k, t] of Object.entries(c.inputs)) all[`x.${k}`] = t.detach().contiguous();
      io.save(all, path.join(dir, `${c.name}.in.safetensors`));
    }
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases.map(({ name, build, call }) => ({ name, build, call }))));
    const r = spawnSync(PYTHON, [SCRIPT, dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`torch_parity.py failed (${r.status}): ${r.stderr}`);
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
