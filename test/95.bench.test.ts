/**
 * The benchmark runner end to end on its cheapest family with peers disabled: checks the
 * structure of latest.json / latest.md and that peers are reported (as disabled), never
 * dropped. No timing assertions.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const RUN = path.join(__dirname, '..', 'bench', 'run.js');
const PEERS = ['pytorch', 'numpy', 'tfjs-wasm', 'tfjs-cpu'];

describe('95 bench runner', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-bench-')); });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('runs one family with --quick --no-peers and writes latest.json and latest.md', () => {
    const r = spawnSync(process.execPath, [RUN, 'overhead', '--quick', '--no-peers', '--threads', '1', '--out', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /threads=1 for every library/);
    assert.match(r.stdout, /ours\/pytorch/);
    const rep = JSON.parse(fs.readFileSync(path.join(dir, 'latest.json'), 'utf8'));
    assert.equal(rep.threads, 1);
    assert.equal(rep.quick, true);
    assert.deepEqual(rep.families, ['overhead']);
    assert.match(rep.convention, /< 1: tensorforge is faster/);
    assert.equal(typeof rep.machine.isa, 'string');
    for (const p of PEERS) assert.match(rep.settings[p], /disabled/);
    assert.equal(rep.rows.length, 4);
    for (const row of rep.rows) {
      assert.equal(row.family, 'overhead');
      assert.equal(row.unit, 'µs/op');
      assert.equal(typeof row.workload, 'string');
      assert.ok(typeof row.values.ours === 'number' && row.values.ours > 0, `ours measured for ${row.workload}`);
      for (const p of PEERS) {
        assert.deepEqual(Object.keys(row.values[p]).sort(), ['status', 'why']);
        assert.equal(row.values[p].status, 'n/a');
        assert.equal(row.ratios[p], null);
      }
    }
    const md = fs.readFileSync(path.join(dir, 'latest.md'), 'utf8');
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    assert.equal(table.length, 2 + rep.rows.length);
    assert.match(table[0], /^\| workload \| unit \| ours \| pytorch \| numpy \| tfjs-wasm \| tfjs-cpu \| ours\/pytorch/);
    for (const l of table) assert.equal(l.split('|').length, table[0].split('|').length);
  });

  it('reports the peak RSS of training rows (forward+backward) beside their time, and only there', () => {
    const out = path.join(dir, 'lstm');
    const r = spawnSync(process.execPath, [RUN, 'lstm', '--quick', '--no-peers', '--threads', '1', '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    assert.match(rep.memoryConvention, /VmHWM/);
    assert.deepEqual(rep.rows.map((row: { workload: string }) => /fwd\+bwd$/.test(row.workload)), [false, true]);
    const [fwd, train] = rep.rows;
    assert.equal(fwd.peakRssMiB, undefined);
    assert.equal(fwd.memoryRatios, undefined);
    // The process holds at least the addon and node itself; far below the machine's memory.
    assert.ok(train.peakRssMiB.ours > 20 && train.peakRssMiB.ours < os.totalmem() / 2 ** 20, `peak ${train.peakRssMiB.ours} MiB`);
    for (const p of PEERS) {
      assert.equal(train.peakRssMiB[p].status, 'n/a');
      assert.equal(train.memoryRatios[p], null);
    }
    const md = fs.readFileSync(path.join(out, 'latest.md'), 'utf8');
    const mem = md.split('\n').filter((l) => l.startsWith('| peak RSS') || l.startsWith('| LSTM') && l.includes('| MiB |'));
    assert.equal(mem.length, 2, md);
    assert.match(mem[1], new RegExp(`\\| ${Math.round(train.peakRssMiB.ours)} \\|`));
    assert.match(r.stdout, /peak RSS \(training\)/);
  });

  it('rejects an unknown family or flag with a message naming it', () => {
    for (const [arg, msg] of [['nosuch', /unknown workload family nosuch/], ['--bogus', /unknown flag --bogus/]] as const) {
      const r = spawnSync(process.execPath, [RUN, arg, '--no-peers', '--out', dir], { encoding: 'utf8' });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, msg);
    }
  });
});
