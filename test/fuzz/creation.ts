/**
 * Creation with hostile arguments: zeros/ones/full with edge and huge sizes, tensor() with
 * nested arrays (ragged, deep). Each either builds the right tensor or throws a
 * TypeError/RangeError naming the op.
 */
import * as fc from 'fast-check';
import { tf } from '../helpers';
import { HUGE_SIZES } from './mutate';

export interface CreationCase { op: 'zeros' | 'ones' | 'full' | 'nested'; dims: number[]; depth: number; ragged: boolean }

export const creationArb: fc.Arbitrary<CreationCase> = fc.record({
  op: fc.constantFrom<CreationCase['op']>('zeros', 'ones', 'full', 'nested'),
  dims: fc.array(fc.oneof(fc.constantFrom(0, 1, 2, 3, 7), fc.constantFrom(...HUGE_SIZES, NaN, Infinity)), { maxLength: 4 }),
  depth: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(1000, 20000)),
  ragged: fc.boolean(),
});

/** Bytes we let a creation case allocate for real (anything larger must be refused). */
const MAX_BYTES = 64 * 1024 * 1024;

/** Runs a case: a failure message, or null. */
export function checkCreation(c: CreationCase): string | null {
  if (c.op === 'nested') {
    let data: unknown = c.ragged ? [1, [2]] : [1, 2];
    for (let i = 1; i < c.depth; i++) data = [data];
    try {
      const t = tf.tensor(data as number[]);
      if (c.ragged) return `tensor(ragged depth ${c.depth}) returned shape [${t.shape}]`;
      t.dispose();
      return t.shape.length === c.depth && t.numel === 2 ? null : `tensor(depth ${c.depth}) gave shape [${t.shape}]`;
    } catch (e) {
      const ok = (e instanceof TypeError || e instanceof RangeError) && e.message.startsWith('tensor:');
      return ok ? null : `tensor(depth ${c.depth}${c.ragged ? ', ragged' : ''}) threw ${(e as Error).constructor.name}: ${(e as Error).message}`;
    }
  }
  // PyTorch sizes and strides are int64; ours are JS numbers, exact to 2^53: a shape is valid
  // when every size and every stride (product of the trailing sizes, zeros counted as ones)
  // is a safe integer, whatever its numel.
  const strides = c.dims.map((_, i) => c.dims.slice(i + 1).reduce((a, d) => a * Math.max(d, 1), 1));
  const valid = c.dims.every((d) => Number.isSafeInteger(d) && d >= 0) && strides.every((s) => Number.isSafeInteger(s));
  const numel = c.dims.reduce((a, b) => a * b, 1);
  // NOTE: an honest size too big to allocate is not tried in this process: with memory
  // overcommit the allocation can succeed and the fill then meets the OOM killer.
  if (valid && numel * 4 > MAX_BYTES) return null;
  const run = (): ReturnType<typeof tf.zeros> => (c.op === 'full' ? tf.full(c.dims, 2.5) : c.op === 'ones' ? tf.ones(c.dims) : tf.zeros(c.dims));
  const what = `${c.op}([${c.dims}])`;
  try {
    const t = run();
    try {
      if (!valid) return `${what} returned shape [${t.shape}] instead of throwing`;
      const want = c.op === 'zeros' ? 0 : c.op === 'ones' ? 1 : 2.5;
      const d = t.dataSync();
      const ok = JSON.stringify(t.shape) === JSON.stringify(c.dims) && d.length === numel && d.every((v) => v === want);
      return ok ? null : `${what} gave shape [${t.shape}] / wrong values`;
    } finally {
      t.dispose();
    }
  } catch (e) {
    // zeros/ones report shape errors as 'full', the op that runs (lib/ops/creation.ts NOTE).
    const named = e instanceof Error && (e.message.startsWith(`${c.op}:`) || e.message.startsWith('full:'));
    const ok = (e instanceof TypeError || e instanceof RangeError) && named && !valid;
    return ok ? null : `${what} threw ${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}
