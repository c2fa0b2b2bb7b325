/**
 * Joins tensorforge's and PyTorch's results (JSON lines from bench.ts and torch_bench.py)
 * into one table of times, GFLOP/s and the ratio tensorforge/PyTorch throughput.
 *   node dist/bench/gpu/compare.js ours.jsonl torch.jsonl
 */
import * as fs from 'fs';

interface Row { name: string; ms?: number; gflops?: number; error?: string }

function readRows(file: string): Map<string, Row> {
  const m = new Map<string, Row>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const r = JSON.parse(line) as Row;
    m.set(r.name, r);
  }
  return m;
}

const [oursFile, torchFile] = process.argv.slice(2);
const ours = readRows(oursFile), torch = readRows(torchFile);
const pad = (s: string, n: number): string => s.padEnd(n);
const num = (x: number | undefined, d = 2): string => (x === undefined ? '-' : x.toFixed(d));
console.log(`${pad('case', 34)} ${pad('ours ms', 10)} ${pad('torch ms', 10)} ${pad('ours GFLOP/s', 13)} ${pad('torch GFLOP/s', 14)} ours/torch`);
for (const [name, o] of ours) {
  const t = torch.get(name);
  const ratio = o.ms && t?.ms ? t.ms / o.ms : undefined;
  const err = o.error ?? t?.error;
  console.log(`${pad(name, 34)} ${pad(num(o.ms, 3), 10)} ${pad(num(t?.ms, 3), 10)} ${pad(num(o.gflops, 0), 13)} ${pad(num(t?.gflops, 0), 14)} ${ratio === undefined ? '-' : `${(100 * ratio).toFixed(1)}%`}${err ? `  (${err})` : ''}`);
}
