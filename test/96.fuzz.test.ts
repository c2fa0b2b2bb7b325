/**
 * Property-based fuzzing (fast-check): random op chains against float64 references, and
 * mutated safetensors / model directories / IDX / CSV files loaded in capped child processes.
 * A fixed seed set runs every time plus a few fresh seeds, printed first; a failure names its
 * seed, replayed with TENSORFORGE_FUZZ_SEED=<seed> (see test/fuzz/seeds.ts).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import { baseArb, stepArb } from './fuzz/op_chain';
import { runChain } from './fuzz/run_chain';
import { checkCreation, creationArb } from './fuzz/creation';
import { buildCases } from './fuzz/formats';
import { judge, runCases, type Outcome } from './fuzz/file_runner';
import { replayHint, seedPlan } from './fuzz/seeds';
import { tf } from './helpers';

const plan = seedPlan();
/** Chains per seed and mutated files per format per seed (TENSORFORGE_FUZZ_SCALE multiplies both). */
const SCALE = Number(process.env.TENSORFORGE_FUZZ_SCALE ?? 1) || 1;
const CHAINS = Math.round(1500 * SCALE), FILES = Math.round(40 * SCALE);

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
    for (const seed of plan.seeds) {
      it(`seed ${seed}: ${CHAINS} chains of views, elementwise, reductions, matmul, softmax`, () => {
        let steps = 0;
        const prop = fc.property(baseArb, fc.array(stepArb, { minLength: 1, maxLength: 6 }), (base, chain) => {
          const r = runChain(base, chain);
          steps += r.steps;
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
          const failure = checkCreation(c);
          if (failure) throw new Error(failure);
        });
        const out = fc.check(prop, { seed, numRuns: Math.round(200 * SCALE) });
        if (out.failed) assert.fail(`${(out.errorInstance as Error)?.message}\n(counterexample ${JSON.stringify(out.counterexample)}; ${replayHint(seed)})`);
      });
    }
  });

  describe('mutated files load correctly or throw a clear Error (child process, capped)', () => {
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
            failures.push(`${o.c.id} [${o.c.how}]: ${f}`);
          }
          assert.strictEqual(cases.filter((c) => c.pristine).length, 4);
          if (failures.length) assert.fail(`${failures.length} of ${cases.length} cases failed (${replayHint(seed)}):\n${failures.join('\n')}`);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
});
