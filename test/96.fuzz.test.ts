/**
 * Property-based fuzzing (fast-check): random op chains against float64 references, and
 * mutated safetensors / model directories / IDX / CSV files loaded in capped child processes.
 * A fixed seed set runs every time plus a few fresh seeds, printed first; a failure names its
 * seed, replayed with TENSORFORGE_FUZZ_SEED=<seed> (see test/fuzz/seeds.ts).
 * A bug found but not yet fixed is listed in KNOWN_* (reported as pending, its cases skipped
 * with TENSORFORGE_FUZZ_KNOWN=0); the lists are empty: everything found so far is fixed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import { baseArb, stepArb } from './fuzz/op_chain';
import { runChain } from './fuzz/run_chain';
import { checkCreation, creationArb } from './fuzz/creation';
import { buildCases, type FileCase } from './fuzz/formats';
import { judge, runCases, type Outcome } from './fuzz/file_runner';
import { replayHint, seedPlan } from './fuzz/seeds';
import { tf } from './helpers';

const plan = seedPlan();
// NOTE: every gap and bug the fuzzer found is fixed, so their cases run by default; a new
// known bug goes in the lists below (pending until fixed), and TENSORFORGE_FUZZ_KNOWN=0 skips them.
const runKnown = process.env.TENSORFORGE_FUZZ_KNOWN !== '0';
/** Chains per seed and mutated files per format per seed (TENSORFORGE_FUZZ_SCALE multiplies both). */
const SCALE = Number(process.env.TENSORFORGE_FUZZ_SCALE ?? 1) || 1;
const CHAINS = Math.round(1500 * SCALE), FILES = Math.round(40 * SCALE);

/** Op-semantics gaps being fixed in lib/ops now; the chain planner tags the cases (Planned.knownGap). */
const KNOWN_OP_GAPS: string[] = [];

/** File-loading bugs in lib/io and lib/data (being rewritten now): which failing cases they explain. */
const KNOWN_FILE_BUGS: { bug: string; explains: (c: FileCase, failure: string) => boolean }[] = [];

describe('96 fuzz', function () {
  this.timeout(150000);
  before(() => {
    const fresh = plan.fresh.length ? `; fresh seeds ${plan.fresh.join(', ')}` : '';
    console.log(`      fuzz seeds: ${plan.seeds.join(', ')}${fresh} (replay one: TENSORFORGE_FUZZ_SEED=<seed>)`);
  });

  describe('regressions the fuzzer found', () => {
    it('slice of a 0-d tensor throws a RangeError naming slice (was a view of shape [NaN])', () => {
      assert.throws(() => tf.tensor(5).slice(0, 0, 1), (e: Error) => e instanceof RangeError && /^slice: .*0-d/.test(e.message));
    });
    it('transpose(0, 0) / transpose(-1, 0) of a 0-d tensor is the tensor; transpose(1, 0) names transpose (was permute)', () => {
      assert.strictEqual(tf.tensor(5).transpose(0, 0).item(), 5);
      assert.strictEqual(tf.tensor(5).transpose(-1, 0).item(), 5);
      assert.throws(() => tf.tensor(5).transpose(1, 0), (e: Error) => e instanceof RangeError && e.message.startsWith('transpose: dim0 1'));
    });
  });

  describe('op chains against float64 references', () => {
    const seen = new Map<string, string>();
    for (const seed of plan.seeds) {
      it(`seed ${seed}: ${CHAINS} chains of views, elementwise, reductions, matmul, softmax`, () => {
        let steps = 0;
        const prop = fc.property(baseArb, fc.array(stepArb, { minLength: 1, maxLength: 6 }), (base, chain) => {
          const r = runChain(base, chain, runKnown);
          steps += r.steps;
          for (const g of r.knownGaps) if (!seen.has(g.split(':')[0])) seen.set(g.split(':')[0], g);
          if (r.failure) throw new Error(r.failure);
        });
        const out = fc.check(prop, { seed, numRuns: CHAINS });
        if (out.failed) {
          assert.fail(`${(out.errorInstance as Error)?.message ?? out.counterexample}\n(shrunk counterexample ${JSON.stringify(out.counterexample)}; ${replayHint(seed)})`);
        }
        assert.ok(steps > CHAINS / 2, `only ${steps} steps checked in ${CHAINS} chains`);
      });
    }
    for (const seed of plan.seeds) {
      it(`seed ${seed}: creation with edge/huge sizes and nested arrays builds the tensor or throws naming the op`, () => {
        const prop = fc.property(creationArb, (c) => {
          const { failure, gap } = checkCreation(c);
          if (gap && !runKnown) { if (!seen.has(gap)) seen.set(gap, `${gap}: ${JSON.stringify(c)}`); return; }
          if (failure) throw new Error(failure);
        });
        const out = fc.check(prop, { seed, numRuns: Math.round(200 * SCALE) });
        if (out.failed) assert.fail(`${(out.errorInstance as Error)?.message}\n(counterexample ${JSON.stringify(out.counterexample)}; ${replayHint(seed)})`);
      });
    }
    // Pending entries name each known gap; with TENSORFORGE_FUZZ_KNOWN=1 the seeds above check them instead.
    if (!runKnown) for (const gap of KNOWN_OP_GAPS) it.skip(`KNOWN GAP (pending, fixed in lib/ops): ${gap}`);
    after(() => {
      if (seen.size) console.log(`      known op gaps hit (skipped, pending): ${[...seen.values()].map((g) => `\n        ${g}`).join('')}`);
    });
  });

  describe('mutated files load correctly or throw a clear Error (child process, capped)', () => {
    const knownHits = new Map<string, string[]>();
    for (const seed of plan.seeds) {
      it(`seed ${seed}: ${FILES} mutations each of safetensors, model dir, IDX, CSV`, () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorforge-fuzz-'));
        try {
          // NOTE: gzip bombs are refused from their declared size before inflating (lib/data/loaders.ts).
          const cases = buildCases(seed, dir, FILES);
          const failures: string[] = [];
          for (const o of runCases(cases, dir, 30000) as Outcome[]) {
            const f = judge(o);
            if (!f) continue;
            const known = KNOWN_FILE_BUGS.find((k) => k.explains(o.c, f));
            if (known && !runKnown) knownHits.set(known.bug, [...(knownHits.get(known.bug) ?? []), `${o.c.id} (${o.c.how}): ${f}`]);
            else failures.push(`${o.c.id} [${o.c.how}]: ${f}${known ? ` (known: ${known.bug})` : ''}`);
          }
          assert.strictEqual(cases.filter((c) => c.pristine).length, 4);
          if (failures.length) assert.fail(`${failures.length} of ${cases.length} cases failed (${replayHint(seed)}):\n${failures.join('\n')}`);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }
    if (!runKnown) for (const { bug } of KNOWN_FILE_BUGS) it.skip(`KNOWN BUG (pending, lib/io + lib/data rewrite): ${bug}`);
    after(() => {
      for (const [bug, hits] of knownHits) console.log(`      known bug hit ${hits.length}x (pending): ${bug}\n        e.g. ${hits[0].slice(0, 300)}`);
    });
  });
});
