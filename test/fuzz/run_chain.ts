/** Runs one op chain and checks every step: values within bound, or the right error. */
import { tf } from '../helpers';
import type { Tensor } from '../../lib';
import type { Nd } from '../reference/ndarray';
import { makeTensor, planStep, randomValues, type Base, type Step } from './op_chain';
import { numel, type FuzzDType } from './op_reference';

export interface ChainResult { failure?: string; steps: number }

const toNd = (t: Tensor): Nd => ({ shape: t.shape.slice(), data: Float64Array.from(t.dataSync() as ArrayLike<number>) });

/** First mismatch between a tensor and what was expected, as a message (null = match). */
function mismatch(t: Tensor, e: { shape: number[]; dtype: string; data: Float64Array; tol: Float64Array }): string | null {
  if (JSON.stringify(t.shape) !== JSON.stringify(e.shape)) return `shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(e.shape)}`;
  if (t.dtype !== e.dtype) return `dtype ${t.dtype}, expected ${e.dtype}`;
  const a = t.dataSync() as ArrayLike<number>;
  if (a.length !== e.data.length) return `${a.length} values for ${e.data.length} elements`;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]), y = e.data[i];
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (Number.isNaN(x)) return `element ${i} is NaN where the reference gives ${y}`;
    if (!(Math.abs(x - y) <= e.tol[i])) return `element ${i} = ${x}, expected ${y} (bound ${e.tol[i].toExponential(2)}, err ${Math.abs(x - y).toExponential(2)})`;
  }
  return null;
}

/** Runs the chain; the first step that disagrees with its reference is the failure. */
export function runChain(base: Base, steps: Step[]): ChainResult {
  return tf.tidy(() => {
    const vals = randomValues(base.dtype, numel(base.shape), base.seed);
    let x = makeTensor(base.shape, base.dtype, vals);
    let xr: Nd = { shape: base.shape.slice(), data: vals };
    let dtype: FuzzDType = base.dtype;
    const trail = [`tensor(${base.dtype} ${JSON.stringify(base.shape)}, seed ${base.seed})`];
    let done = 0;
    for (const s of steps) {
      const p = planStep(s, x, xr, dtype);
      if (!p) continue;
      trail.push(p.desc);
      const where = trail.join(' -> ');
      let y: Tensor;
      try {
        y = p.run();
      } catch (e) {
        const ok = p.errorOp && (e instanceof TypeError || e instanceof RangeError) && (e as Error).message.includes(p.errorOp);
        if (ok) continue;
        return { failure: `${where}: threw ${(e as Error).constructor.name}: ${(e as Error).message}${p.errorOp ? ` (expected a TypeError/RangeError naming ${p.errorOp})` : ''}`, steps: done };
      }
      if (p.errorOp) return { failure: `${where}: returned shape ${JSON.stringify(y.shape)} instead of throwing`, steps: done };
      const m = mismatch(y, p.expect!);
      if (m) return { failure: `${where}: ${m}`, steps: done };
      done++;
      // Continue from the tensor the library produced (already checked): each step is judged on its own.
      x = y; xr = toNd(y); dtype = y.dtype as FuzzDType;
      if (y.dtype === 'uint8') break;
    }
    return { steps: done };
  });
}
