/**
 * Tests generated from the op table (lib/ops/table.ts): for every registered op and every
 * sample it declares, on every ISA this machine has, the forward against the float64
 * reference (test/reference/optable.ts), the gradients against central differences, and
 * bad input built from the argument schema (wrong dtype, wrong rank, not a tensor, unknown
 * option); on CUDA, when a GPU is present, the same samples against the CPU results.
 * Adding an op to the table adds its tests here; an op without a reference fails.
 */
import * as assert from 'assert';
import { tf, assertThrows, forEachIsa } from './helpers';
import { Tensor } from '../lib';
import { OPS, type OpInfo, type OpSample } from '../lib/ops/table';
import { cudaAvailable, cudaUnavailableReason } from '../lib/cuda';
import type { DType } from '../lib/dtype';
import { OP_REFERENCES } from './reference/optable';
import type { Nd } from './reference/ndarray';

/**
 * The float64 value of a tensor read without our strided copy: the whole storage is read
 * as bytes (a contiguous 1-D view) and the view's strides are applied here.
 */
function refNd(t: Tensor): Nd {
  const n = t.storage.nbytes / ({ float32: 4, int32: 4, uint8: 1, bool: 1 } as Record<DType, number>)[t.dtype];
  const raw = t.view_([n], [1], 0).dataSync();
  const data = new Float64Array(t.numel);
  const idx = new Array<number>(t.ndim).fill(0);
  for (let i = 0; i < data.length; i++) {
    let off = t.offset;
    for (let d = 0; d < t.ndim; d++) off += idx[d] * t.strides[d];
    data[i] = raw[off];
    for (let d = t.ndim - 1; d >= 0; d--) { if (++idx[d] < t.shape[d]) break; idx[d] = 0; }
  }
  return t.dtype === 'bool' ? { shape: t.shape.slice(), data, bool: true } : { shape: t.shape.slice(), data };
}

/**
 * |got - want| <= atol + rtol * |want| elementwise. NOTE: float32 results of sums over up to
 * a few hundred terms of O(1) values: rounding stays near 1e-6 relative per term, so 1e-4
 * relative with a 1e-4 floor for values that cancel to near zero covers the kernels' sum
 * orders (blocked GEMM, Winograd transforms) with margin; NaN must match NaN.
 */
function assertNear(got: Tensor, want: Nd, what: string, rtol = 1e-4, atol = 1e-4): void {
  assert.deepStrictEqual(got.shape, want.shape, `${what}: shape`);
  const g = got.dataSync();
  for (let i = 0; i < g.length; i++) {
    const a = g[i], e = want.data[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: element ${i} got ${a}, expected ${e} (shape [${got.shape}])`);
    }
  }
}

/** The differentiable float32 inputs of a sample (their positions). */
function diffInputs(info: OpInfo, s: OpSample): number[] {
  return s.inputs.flatMap((t, i) => (t && t.dtype === 'float32' && !info.inputs[i].noGrad ? [i] : []));
}

/**
 * Central differences of L = sum(op(inputs) * r) for every element of every differentiable
 * input, against autograd. eps 1e-2 on float32: truncation error ~eps^2 * f''' and rounding
 * ~1e-7 * |L| / eps, so 2e-2 relative with a 2e-3 floor.
 */
function gradcheckSample(info: OpInfo, s: OpSample, what: string): void {
  const pos = diffInputs(info, s);
  if (!pos.length) return;
  const base = s.inputs.map((t) => (t ? t.detach().contiguous() : null));
  const run = (inputs: (Tensor | null)[]): Tensor => info.call(inputs, s.options);
  const leaves = base.map((t, i) => (t && pos.includes(i) ? t.clone().requiresGrad_(true) : t));
  const out = run(leaves);
  const r = tf.randn(out.shape);
  out.mul(r).sum().backward();
  const rv = r.dataSync();
  const lossAt = (k: number, i: number, delta: number): number => tf.noGrad(() => {
    const inputs = base.map((t, j) => {
      if (!t || j !== k) return t;
      const v = Float32Array.from(t.dataSync());
      v[i] += delta;
      return tf.tensor(v, { shape: t.shape.slice() });
    });
    const o = run(inputs).dataSync();
    let sum = 0;
    for (let j = 0; j < o.length; j++) sum += o[j] * rv[j];
    return sum;
  });
  const eps = 1e-2;
  for (const k of pos) {
    const analytic = leaves[k]!.grad ? leaves[k]!.grad!.dataSync() : new Float32Array(leaves[k]!.numel);
    for (let i = 0; i < analytic.length; i++) {
      const num = (lossAt(k, i, eps) - lossAt(k, i, -eps)) / (2 * eps);
      const err = Math.abs(num - analytic[i]);
      if (!(err <= 2e-3 + 2e-2 * Math.abs(num))) {
        assert.fail(`${what}: d/d ${info.inputs[k].name}[${i}]: analytic ${analytic[i]}, numeric ${num}`);
      }
    }
  }
}

const ALL_DTYPES: DType[] = ['float32', 'int32', 'uint8', 'bool'];

describe('25 op table: generated tests for every op', () => {
  it('has entries, each with samples, a float64 reference and devices from its kernels', () => {
    assert.ok(OPS.size >= 10, `only ${OPS.size} ops registered`);
    for (const info of OPS.values()) {
      assert.ok(OP_REFERENCES[info.name], `${info.name}: no float64 reference in test/reference/optable.ts`);
      assert.ok(info.samples().length > 0, `${info.name}: no samples`);
      assert.ok(info.devices.includes('cpu'), `${info.name}: no CPU kernel`);
    }
  });

  for (const info of OPS.values()) {
    describe(info.name, () => {
      it('forward matches the float64 reference on every sample and ISA', () => forEachIsa((isa) => {
        for (const s of info.samples()) {
          const want = OP_REFERENCES[info.name](s.inputs.map((t) => (t ? refNd(t) : null)), s.options ?? {});
          assertNear(tf.noGrad(() => info.call(s.inputs, s.options)), want, `${info.name} [${s.note}] isa=${isa}`);
        }
      }));

      if (info.differentiable) {
        it('gradients match central differences', () => {
          for (const s of info.samples()) {
            if (s.noGradcheck || s.inputs.some((t) => t && t.numel === 0)) continue;
            gradcheckSample(info, s, `${info.name} [${s.note}]`);
          }
        });
      }

      it('rejects bad input naming the op and the argument', () => {
        const s = info.samples()[0];
        info.inputs.forEach((spec, i) => {
          const t = s.inputs[i];
          if (!t) return;
          const withInput = (v: unknown): (() => unknown) => () => info.call(s.inputs.map((u, j) => (j === i ? v as Tensor : u)), s.options);
          const bad = ALL_DTYPES.find((d) => !spec.dtypes.includes(d));
          if (bad) {
            assertThrows(withInput(t.to(bad)), TypeError, new RegExp(`^${info.name}: ${spec.name} must be .*got ${bad}`));
          }
          if (spec.ranks) {
            const rank = Math.max(...spec.ranks) + 1;
            assertThrows(withInput(tf.zeros(new Array(rank).fill(1), { dtype: t.dtype })), RangeError,
              new RegExp(`^${info.name}: ${spec.name} must be .*got shape \\[${new Array(rank).fill(1).join(', ')}\\]`));
          }
          assertThrows(withInput([1, 2, 3]), TypeError, new RegExp(`^${info.name}: ${spec.name} must be a Tensor`));
        });
        assertThrows(() => info.call(s.inputs, { ...s.options, notAnOption: 1 }), TypeError,
          new RegExp(`^${info.name}: unknown option 'notAnOption'`));
      });

      it('runs on CUDA and matches the CPU (needs a GPU)', function () {
        if (!cudaAvailable()) {
          console.log(`      (skipped: no usable GPU: ${cudaUnavailableReason()})`);
          this.skip();
        }
        const samples = info.samples();
        if (!info.devices.includes('cuda')) {
          const s = samples[0];
          assertThrows(() => info.call(s.inputs.map((t) => (t ? t.to('cuda') : null)), s.options), Error,
            new RegExp(`^${info.name}: no kernel for device cuda:0`));
          return;
        }
        for (const s of samples) {
          const cpu = tf.noGrad(() => info.call(s.inputs, s.options));
          let gpu: Tensor;
          try {
            gpu = tf.noGrad(() => info.call(s.inputs.map((t) => (t ? t.to('cuda') : null)), s.options));
          } catch (e) {
            // An option the CUDA kernel lacks must say so by name (crossEntropy's labelSmoothing).
            assert.match((e as Error).message, new RegExp(`^${info.name}: no CUDA kernel for \\w+`), `${info.name} [${s.note}]`);
            continue;
          }
          assertNear(gpu.to('cpu'), refNd(cpu), `${info.name} [${s.note}] cuda vs cpu`, 1e-4, 1e-4);
        }
      });
    });
  }
});
