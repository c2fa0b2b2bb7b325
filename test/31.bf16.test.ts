/** The bf16 GEMM behind autocast('bfloat16'): on every ISA against float64 products of the
 * bf16-rounded operands (tight tolerance: only the fp32 summation differs), rounding edge
 * cases, which implementation backendInfo reports, agreement across ISAs, the autocast scope,
 * and gradients (the recorded backward uses the bf16 GEMM too). */
import * as assert from 'assert';
import * as fs from 'fs';
import { tf, assertClose, assertThrows, forEachIsa, toNd, withIsa } from './helpers';
import * as ref from './reference/matmul';
import type { Nd } from './reference/ndarray';
import type { Tensor } from '../lib';

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
/** x rounded to bfloat16 as the kernels do: nearest even, subnormals to signed zero, NaN kept. */
function bf16(x: number): number {
  f32[0] = x;
  const u = u32[0];
  if ((u & 0x7f800000) === 0) u32[0] = u & 0x80000000;
  else if ((u & 0x7fffffff) > 0x7f800000) u32[0] = (u | 0x00400000) & 0xffff0000;
  else u32[0] = ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) << 16;
  return f32[0];
}
const rounded = (t: Tensor): Nd => { const n = toNd(t); return { shape: n.shape, data: n.data.map(bf16) }; };
const tol = (K: number): [number, number] => [1e-5, 2e-6 * (K + 8)];
const operand = (rows: number, cols: number, transposed: boolean): Tensor =>
  transposed ? tf.randn([cols, rows]).t() : tf.randn([rows, cols]);
const bf16Matmul = (a: Tensor, b: Tensor): Tensor => tf.autocast('bfloat16', () => a.matmul(b));

// [M, K, N]: tiny, odd, K across the 512-deep bf16 block and odd (a padded pair), the
// 10-wide output layer, more columns than one 32-wide panel.
const SHAPES: [number, number, number][] = [[1, 1, 1], [13, 17, 9], [37, 300, 45], [130, 256, 10], [25, 515, 70]];

describe('bf16 GEMM: autocast matmul/linear vs float64 of bf16-rounded operands', () => {
  forEachIsa((isa) => {
    describe(`isa=${isa}`, () => {
      it('matmul, all four transpose combinations', () => withIsa(isa, () => {
        for (const [M, K, N] of SHAPES) {
          for (let t = 0; t < 4; t++) {
            const a = operand(M, K, (t & 1) !== 0), b = operand(K, N, (t & 2) !== 0);
            assertClose(bf16Matmul(a, b), ref.matmul(rounded(a), rounded(b)), ...tol(K), `${M}x${K}x${N} t=${t}`);
          }
        }
      }));
      it('linear with bias and fused relu (bias added in fp32)', () => withIsa(isa, () => {
        const x = tf.randn([33, 70]), w = tf.randn([20, 70]), b = tf.randn([20]);
        const y = tf.autocast('bfloat16', () => tf.linear(x, w, b, { activation: 'relu' }));
        const want = ref.linear(rounded(x), rounded(w), toNd(b), true);
        assertClose(y, want, ...tol(70), 'linear relu');
      }));
      it('rounds to nearest even, flushes subnormals to zero, keeps Inf and NaN', () => withIsa(isa, () => {
        const vals = [1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8), 1 + 2 ** -8 + 2 ** -16, 1e-40, -1e-40,
          3.4028234663852886e38, Infinity, NaN, 0.1];
        const want = [1, 1 + 2 ** -6, -1, 1 + 2 ** -7, 0, -0, Infinity, Infinity, NaN, bf16(0.1)];
        // The values as A (a column) and as B (a row): packing rounds each operand its own way.
        const asA = bf16Matmul(tf.tensor(vals, { shape: [vals.length, 1] }), tf.ones([1, 1])).dataSync();
        const asB = bf16Matmul(tf.ones([1, 1]), tf.tensor(vals, { shape: [1, vals.length] })).dataSync();
        for (const [name, y] of [['A', asA], ['B', asB]] as const) {
          want.forEach((w, i) => assert.ok(Object.is(y[i], w) || (w === 0 && y[i] === 0), `${name}: ${vals[i]} -> ${y[i]}, want ${w}`));
        }
      }));
    });
  });

  it('backendInfo names the path: avx512bf16 where the CPU has it (avx512 variant), rounded fp32 elsewhere', () => {
    const cpuHasBf16 = fs.existsSync('/proc/cpuinfo') && /\bavx512_bf16\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    forEachIsa((isa) => {
      const want = isa === 'avx512' && cpuHasBf16 ? 'avx512bf16' : 'rounded-fp32';
      assert.strictEqual(tf.backendInfo().bf16Gemm, want, isa);
    });
  });

  it('every ISA computes the same function (agreement to fp32 summation order)', () => {
    const a = tf.randn([70, 300]), b = tf.randn([300, 40]);
    const ys: [string, Tensor][] = [];
    forEachIsa((isa) => { ys.push([isa, bf16Matmul(a, b)]); });
    for (const [isa, y] of ys.slice(1)) assertClose(y, toNd(ys[0][1]), ...tol(300), `${isa} vs ${ys[0][0]}`);
  });

  it('differs from the fp32 GEMM by bf16-sized errors (the operands really are rounded)', () => {
    const a = tf.randn([40, 256]), b = tf.randn([256, 30]);
    const d = bf16Matmul(a, b).sub(a.matmul(b)).abs().max().item();
    assert.ok(d > 1e-3 && d < 0.5, `max |bf16 - fp32| = ${d}`);
  });
});

describe('autocast scope and gradients', () => {
  it('backward of ops recorded inside the scope uses the bf16 GEMM, and is close to fp32', () => {
    const x = tf.randn([24, 50]).requiresGrad_(true), w = tf.randn([12, 50]).requiresGrad_(true);
    const bias = tf.randn([12]).requiresGrad_(true), r = tf.randn([24, 12]);
    const out = tf.autocast('bfloat16', () => tf.linear(x, w, bias, { activation: 'relu' }));
    out.mul(r).sum().backward();  // outside the scope
    const g = tf.where(out.gt(0), r, 0);
    // dL/dx = g @ w, dL/dw = g^T @ x, both on bf16-rounded operands; dL/dbias = sum(g) in fp32.
    assertClose(x.grad!, ref.matmul(rounded(g), rounded(w)), ...tol(12), 'dx');
    assertClose(w.grad!, ref.matmul(rounded(g.t()), rounded(x)), ...tol(24), 'dw');
    assertClose(bias.grad!, toNd(g.sum(0)), 1e-5, 1e-5, 'dbias');
    // Against the fp32 function's gradients, with a bf16 tolerance (8 mantissa bits).
    const [x2, w2, b2] = [x, w, bias].map((t) => t.detach().clone().requiresGrad_(true));
    tf.linear(x2, w2, b2, { activation: 'relu' }).mul(r).sum().backward();
    assertClose(x.grad!, toNd(x2.grad!), 3e-2, 0.1, 'dx vs fp32');
    assertClose(w.grad!, toNd(w2.grad!), 3e-2, 0.1, 'dw vs fp32');
  });

  it('matmul gradients on batched operands use bf16 too', () => {
    const a = tf.randn([3, 9, 20]).requiresGrad_(true), b = tf.randn([20, 7]).requiresGrad_(true);
    tf.autocast('bfloat16', () => a.matmul(b)).sum().backward();
    const ones = tf.ones([9, 7]);
    const gaWant = ref.matmul(rounded(ones), rounded(b.t()));
    assertClose(a.grad!.slice(0, 0, 1).reshape([9, 20]), gaWant, ...tol(7), 'da');
  });

  it('nests, can be disabled inside, is restored after a throw, and checks its arguments', () => {
    assert.strictEqual(tf.autocastDtype(), null);
    tf.autocast('bfloat16', () => {
      assert.strictEqual(tf.autocastDtype(), 'bfloat16');
      tf.autocast('bfloat16', () => assert.strictEqual(tf.autocastDtype(), null), { enabled: false });
      assert.strictEqual(tf.autocastDtype(), 'bfloat16');
    });
    assert.throws(() => tf.autocast('bfloat16', () => { throw new Error('boom'); }), /boom/);
    assert.strictEqual(tf.autocastDtype(), null);
    const a = tf.randn([5, 6]), b = tf.randn([6, 4]);
    const off = tf.autocast('bfloat16', () => a.matmul(b), { enabled: false });
    assertClose(off, toNd(a.matmul(b)), 0, 0, 'disabled = fp32');
    assertThrows(() => tf.autocast('float16' as 'bfloat16', () => 0), TypeError, /autocast: dtype must be 'bfloat16', got float16/);
    assertThrows(() => tf.autocast('bfloat16', 3 as unknown as () => number), TypeError, /autocast: fn must be a function/);
    assertThrows(() => tf.autocast('bfloat16', () => 0, { enabled: 1 as unknown as boolean }), TypeError, /autocast: opts.enabled must be a boolean/);
  });
});
