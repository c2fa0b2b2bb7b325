/** The bf16 GEMM behind autocast('bfloat16'): on every path this machine has (each ISA, and
 * the avx512 variant with and without AMX tiles) against float64 products of the bf16-rounded
 * operands (tight tolerance: only the fp32 summation differs) on shapes at and around the tile
 * and block edges, random shapes, transposed views and batches; rounding edge cases, which
 * implementation backendInfo reports, agreement across paths, the autocast scope, and
 * gradients (the recorded backward uses the bf16 GEMM too). Convolutions under autocast:
 * forward, input and weight gradients against float64 convolutions of the rounded operands
 * on every path, the kernels they run, and the fp32 function's gradcheck. */
import * as assert from 'assert';
import * as childProcess from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tf, assertClose, assertThrows, gradcheck, toNd } from './helpers';
import * as ref from './reference/matmul';
import * as convRef from './reference/conv';
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

// [M, K, N]: tiny, odd, K across the 512-deep VDPBF16PS block and odd (a padded pair), the
// 10-wide output layer, more columns than one 32-wide panel; for AMX: 16/32 rows and
// columns and one past (one or two tiles), K at, below and past a 32-deep step and past the
// 256-deep block (the sums wait in scratch between blocks), more rows than a 256-row unit.
const SHAPES: [number, number, number][] = [[1, 1, 1], [13, 17, 9], [37, 300, 45], [130, 256, 10], [25, 515, 70],
  [16, 32, 16], [17, 31, 33], [32, 33, 32], [33, 64, 47], [300, 520, 40]];

interface Bf16Path { name: string; isa: 'generic' | 'avx2' | 'avx512'; amx: boolean }
const info = tf.backendInfo();
/** Every bf16 GEMM implementation this machine can run: each ISA; avx512 with AMX too. */
const PATHS: Bf16Path[] = (info.supportedIsas as Bf16Path['isa'][]).flatMap((isa): Bf16Path[] =>
  isa === 'avx512' && info.amx.available ? [{ name: 'avx512+amx', isa, amx: true }, { name: isa, isa, amx: false }]
    : [{ name: isa, isa, amx: false }]);
/** Runs fn on one path, restoring the ISA and the AMX setting after. */
function withPath(p: Bf16Path, fn: () => void): void {
  const prev = tf.backendInfo();
  tf.setIsa(p.isa);
  tf.setAmx(p.amx);
  try { fn(); } finally { tf.setIsa(prev.isa); tf.setAmx(prev.amx.enabled); }
}
/** A small deterministic generator for shapes (tensor values come from the seeded tf.randn). */
function shapeRng(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0;
  return (lo, hi) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return lo + (s % (hi - lo + 1)); };
}

describe('bf16 GEMM: autocast matmul/linear vs float64 of bf16-rounded operands', () => {
  for (const p of PATHS) {
    const isa = p.name;
    describe(`path=${isa}`, () => {
      it('matmul, all four transpose combinations', () => withPath(p, () => {
        for (const [M, K, N] of SHAPES) {
          for (let t = 0; t < 4; t++) {
            const a = operand(M, K, (t & 1) !== 0), b = operand(K, N, (t & 2) !== 0);
            assertClose(bf16Matmul(a, b), ref.matmul(rounded(a), rounded(b)), ...tol(K), `${M}x${K}x${N} t=${t}`);
          }
        }
      }));
      it('random shapes (0 and 1 included), transposed views, batches', () => withPath(p, () => {
        const next = shapeRng(31);
        for (let trial = 0; trial < 12; trial++) {
          const [M, K, N] = [next(0, 70), next(0, 90), next(0, 70)].map((v, i) => (trial % 4 === i ? v % 2 : v));
          const a = operand(M, K, next(0, 1) === 1), b = operand(K, N, next(0, 1) === 1);
          assertClose(bf16Matmul(a, b), ref.matmul(rounded(a), rounded(b)), ...tol(K), `${M}x${K}x${N}`);
        }
        // A batch of 3 against one B (broadcast), and two batch dims with a transposed B view.
        const a3 = tf.randn([3, 19, 45]), b1 = tf.randn([45, 21]);
        const y3 = bf16Matmul(a3, b1), b3 = rounded(b1);
        for (let i = 0; i < 3; i++) {
          const ai = a3.slice(0, i, i + 1).reshape([19, 45]);
          assertClose(y3.slice(0, i, i + 1).reshape([19, 21]), ref.matmul(rounded(ai), b3), ...tol(45), `batch ${i}`);
        }
        const a4 = tf.randn([2, 2, 9, 40]), b4 = tf.randn([2, 2, 17, 40]).transpose(2, 3);
        const y4 = bf16Matmul(a4, b4);
        for (let i = 0; i < 4; i++) {
          const [u, v] = [i >> 1, i & 1];
          const pick = (t: Tensor, r: number, c: number): Tensor => t.slice(0, u, u + 1).slice(1, v, v + 1).reshape([r, c]);
          assertClose(pick(y4, 9, 17), ref.matmul(rounded(pick(a4, 9, 40)), rounded(pick(b4, 40, 17))), ...tol(40), `batch ${u},${v}`);
        }
      }));
      it('linear with bias and fused relu (bias added in fp32)', () => withPath(p, () => {
        const x = tf.randn([33, 70]), w = tf.randn([20, 70]), b = tf.randn([20]);
        const y = tf.autocast('bfloat16', () => tf.linear(x, w, b, { activation: 'relu' }));
        const want = ref.linear(rounded(x), rounded(w), toNd(b), true);
        assertClose(y, want, ...tol(70), 'linear relu');
      }));
      it('rounds to nearest even, flushes subnormals to zero, keeps Inf and NaN', () => withPath(p, () => {
        const vals = [1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8), 1 + 2 ** -8 + 2 ** -16, 1e-40, -1e-40,
          3.4028234663852886e38, Infinity, NaN, 0.1];
        const want = [1, 1 + 2 ** -6, -1, 1 + 2 ** -7, 0, -0, Infinity, Infinity, NaN, bf16(0.1)];
        // The values as A (a column) and as B (a row): packing rounds each operand its own way.
        const asA = bf16Matmul(tf.tensor(vals, { shape: [vals.length, 1] }), tf.ones([1, 1])).dataSync();
        const asB = bf16Matmul(tf.ones([1, 1]), tf.tensor(vals, { shape: [1, vals.length] })).dataSync();
        for (const [name, y] of [['A', asA], ['B', asB]] as const) {
          want.forEach((w, i) => assert.ok(Object.is(y[i], w) || (w === 0 && y[i] === 0), `${name}: ${vals[i]} -> ${y[i]}, want ${w}`));
        }
        // The narrow-column convolution rounds its columns itself (whole vectors, then the
        // tail): a padded 1x1 conv by 1 over the values four times in a row gives them back rounded.
        const row = [...vals, ...vals, ...vals, ...vals];
        const y = tf.autocast('bfloat16', () => tf.conv2d(tf.tensor(row, { shape: [1, 1, 1, row.length] }), tf.ones([1, 1, 1, 1]), null, { padding: [0, 1] }));
        assert.deepStrictEqual(tf.lastConvAlgorithms().forward, 'im2col');
        const got = y.dataSync();
        assert.strictEqual(got[0], 0);
        row.forEach((_, i) => {
          const w = want[i % vals.length], v = got[i + 1];
          assert.ok(Object.is(v, w) || (w === 0 && v === 0), `conv: ${row[i]} -> ${v}, want ${w}`);
        });
        // NaNs whose rounding would carry into the sign or exponent (payloads set through a
        // Float32Array: JS numbers would canonicalise them) stay NaN.
        const nans = new Float32Array(37), bits = new Uint32Array(nans.buffer);
        bits.forEach((_, i) => { bits[i] = [0x7fffffff, 0x7f800001, 0xffffffff, 0xff800001][i % 4]; });
        const yn = tf.autocast('bfloat16', () => tf.conv2d(tf.tensor(nans, { shape: [1, 1, 1, 37] }), tf.ones([1, 1, 1, 1]), null, { padding: [0, 1] }));
        assert.ok(Array.from(yn.dataSync().slice(1, 38)).every(Number.isNaN), 'NaN payloads stay NaN');
      }));
    });
  }

  it('backendInfo names the path: amx, else avx512bf16 where the CPU has them (avx512 variant), rounded fp32 elsewhere', () => {
    const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
    const cpuHasBf16 = /\bavx512_bf16\b/.test(cpuinfo);
    // NOTE: the OS may refuse the tile state, so cpuinfo's amx_bf16 bounds availability from above.
    if (!/\bamx_bf16\b/.test(cpuinfo)) assert.strictEqual(info.amx.available, false);
    assert.strictEqual(info.amx.enabled, process.env.TENSORFORGE_AMX !== '0');
    for (const p of PATHS) {
      withPath(p, () => {
        const want = p.amx ? 'amx' : p.isa === 'avx512' && cpuHasBf16 ? 'avx512bf16' : 'rounded-fp32';
        assert.strictEqual(tf.backendInfo().bf16Gemm, want, p.name);
      });
    }
    assertThrows(() => tf.setAmx(1 as unknown as boolean), TypeError, /setAmx: enabled must be a boolean, got number/);
  });

  it('TENSORFORGE_AMX=0 starts with AMX off', () => {
    const lib = path.join(__dirname, '..', 'lib');
    const out = childProcess.execFileSync(process.execPath, ['-e', `const i = require(${JSON.stringify(lib)}).backendInfo(); console.log(JSON.stringify([i.amx.enabled, i.bf16Gemm]))`],
      { env: { ...process.env, TENSORFORGE_AMX: '0' }, encoding: 'utf8' });
    const [enabled, gemm] = JSON.parse(out.trim().split('\n').pop()!) as [boolean, string];
    assert.strictEqual(enabled, false);
    assert.notStrictEqual(gemm, 'amx');
  });

  it('every path computes the same function (agreement to fp32 summation order)', () => {
    const a = tf.randn([70, 300]), b = tf.randn([300, 40]);
    const ys: [string, Tensor][] = [];
    for (const p of PATHS) withPath(p, () => { ys.push([p.name, bf16Matmul(a, b)]); });
    for (const [name, y] of ys.slice(1)) assertClose(y, toNd(ys[0][1]), ...tol(300), `${name} vs ${ys[0][0]}`);
  });

  it('differs from the fp32 GEMM by bf16-sized errors (the operands really are rounded)', () => {
    const a = tf.randn([40, 256]), b = tf.randn([256, 30]);
    const d = bf16Matmul(a, b).sub(a.matmul(b)).abs().max().item();
    assert.ok(d > 1e-3 && d < 0.5, `max |bf16 - fp32| = ${d}`);
  });
});

describe('autocast scope and gradients', () => {
  for (const p of PATHS) it(`backward of ops recorded inside the scope uses the bf16 GEMM, and is close to fp32 (${p.name})`, () => withPath(p, () => {
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
  }));

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

// [x shape, w shape, options]: odd sizes through each GEMM kernel the bf16 convolution runs:
// im2col with several images per GEMM (small images), one image per GEMM (>= 256 output
// pixels), gemm1x1, and the geometries only im2col takes: stride, dilation, asymmetric
// padding, groups, one channel per group (fp32 would run the depthwise loops), a 3x3 with 16
// channels (fp32: Winograd).
type ConvCase = [number[], number[], { stride?: [number, number]; padding?: [number, number]; dilation?: [number, number]; groups?: number }];
const CONV_CASES: ConvCase[] = [
  [[3, 5, 7, 9], [6, 5, 3, 3], { padding: [1, 1] }],
  [[2, 3, 17, 19], [5, 3, 3, 3], { padding: [1, 0] }],
  [[2, 7, 5, 6], [9, 7, 1, 1], {}],
  [[2, 4, 11, 10], [6, 2, 3, 2], { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2 }],
  [[2, 4, 6, 7], [4, 1, 3, 3], { padding: [1, 1], groups: 4 }],
  [[1, 16, 6, 6], [16, 16, 3, 3], { padding: [1, 1] }],
];
const geom = (o: ConvCase[2]): convRef.ConvGeom => ({
  stride: o.stride ?? [1, 1], dilation: o.dilation ?? [1, 1], groups: o.groups ?? 1,
  pad: [o.padding?.[0] ?? 0, o.padding?.[0] ?? 0, o.padding?.[1] ?? 0, o.padding?.[1] ?? 0],
});
/** conv2d with bias under autocast, its gradients for the projection r, and the kernels it ran. */
function bf16Conv(x: Tensor, w: Tensor, b: Tensor, o: ConvCase[2], r: Tensor | null): { y: Tensor; algos: ReturnType<typeof tf.lastConvAlgorithms> } {
  const y = tf.autocast('bfloat16', () => tf.conv2d(x, w, b, o));
  if (r) y.mul(r).sum().backward();  // outside the scope: the recorded precision is used
  return { y, algos: tf.lastConvAlgorithms() };
}

describe('bf16 convolution: autocast conv vs float64 of bf16-rounded operands', () => {
  for (const p of PATHS) it(`conv2d forward, grad input, grad weight, grad bias (${p.name})`, () => withPath(p, () => {
    for (const [xs, ws, o] of CONV_CASES) {
      const tag = `${p.name} x ${JSON.stringify(xs)} w ${JSON.stringify(ws)} ${JSON.stringify(o)}`;
      const [x, w, b] = [tf.randn(xs), tf.randn(ws), tf.randn([ws[0]])].map((t) => t.requiresGrad_(true));
      const g = geom(o), yRef = convRef.conv2d(rounded(x), rounded(w), toNd(b), g);
      const r = tf.randn(yRef.shape);
      const { y, algos } = bf16Conv(x, w, b, o, r);
      const want = ws[2] * ws[3] === 1 && !o.stride ? 'gemm1x1' : 'im2col';
      assert.deepStrictEqual(algos, { forward: want, backwardInput: want, backwardWeight: want }, tag);
      // K of each GEMM: forward C/groups*KH*KW, grad input OC/groups (per tap), grad weight N*OH*OW.
      const gr = convRef.conv2dBackward(rounded(x), rounded(w), rounded(r), g);
      assertClose(y, yRef, ...tol(ws[1] * ws[2] * ws[3]), `${tag} forward`);
      assertClose(x.grad!, gr.dx, ...tol(ws[0] * ws[2] * ws[3]), `${tag} grad input`);
      assertClose(w.grad!, gr.dw, ...tol(yRef.data.length / ws[0]), `${tag} grad weight`);
      assertClose(b.grad!, toNd(r.sum([0, 2, 3])), 1e-5, 1e-5, `${tag} grad bias (fp32)`);
    }
  }));

  it('conv1d and convTranspose2d run the bf16 GEMM too; the fused relu and unbatched inputs keep working', () => {
    const x1 = tf.randn([2, 3, 13]), w1 = tf.randn([4, 3, 5]);
    const y1 = tf.autocast('bfloat16', () => tf.conv1d(x1, w1, null, { padding: 2 }));
    const g1: convRef.ConvGeom = { stride: [1, 1], pad: [0, 0, 2, 2], dilation: [1, 1], groups: 1 };
    const want1 = convRef.conv2d(rounded(x1.unsqueeze(2)), rounded(w1.unsqueeze(2)), null, g1);
    assertClose(y1, { shape: [2, 4, 13], data: want1.data }, ...tol(15), 'conv1d');
    const xt = tf.randn([2, 4, 5, 6]).requiresGrad_(true), wt = tf.randn([4, 3, 3, 3]).requiresGrad_(true);
    const tg: convRef.TransposeGeom = { stride: [2, 2], pad: [1, 1], outPad: [1, 0], dilation: [1, 1], groups: 1 };
    const yt = tf.autocast('bfloat16', () => tf.convTranspose2d(xt, wt, null, { stride: 2, padding: 1, outputPadding: [1, 0] }));
    const ytRef = convRef.convTranspose2d(rounded(xt), rounded(wt), null, tg);
    assertClose(yt, ytRef, ...tol(36), 'convTranspose2d');
    const rt = tf.randn(ytRef.shape);
    yt.mul(rt).sum().backward();
    const grt = convRef.convTranspose2dBackward(rounded(xt), rounded(wt), rounded(rt), tg);
    assertClose(xt.grad!, grt.dx, ...tol(27), 'convTranspose2d grad input');
    assertClose(wt.grad!, grt.dw, ...tol(60), 'convTranspose2d grad weight');
    const x3 = tf.randn([5, 7, 9]), w3 = tf.randn([6, 5, 3, 3]);
    const y3 = tf.autocast('bfloat16', () => tf.conv2d(x3, w3, null, { padding: 1, activation: 'relu' }));
    const y3Ref = convRef.conv2d(rounded(x3.unsqueeze(0)), rounded(w3), null, geom({ padding: [1, 1] }));
    assertClose(y3, { shape: [6, 7, 9], data: y3Ref.data.map((v) => Math.max(v, 0)) }, ...tol(45), 'unbatched relu');
  });

  it('every path computes the same function; it differs from fp32 by bf16-sized errors', () => {
    const x = tf.randn([2, 16, 12, 12]), w = tf.randn([24, 16, 3, 3]), b = tf.randn([24]);
    const ys: [string, Tensor][] = [];
    for (const p of PATHS) withPath(p, () => { ys.push([p.name, bf16Conv(x, w, b, { padding: [1, 1] }, null).y]); });
    for (const [name, y] of ys.slice(1)) assertClose(y, toNd(ys[0][1]), ...tol(144), `${name} vs ${ys[0][0]}`);
    const d = ys[0][1].sub(tf.conv2d(x, w, b, { padding: 1 })).abs().max().item();
    assert.ok(d > 1e-3 && d < 0.5, `max |bf16 - fp32| = ${d}`);
  });

  it('gradients are close to the fp32 function, whose gradcheck passes; autocast off is fp32', () => {
    const o: ConvCase[2] = { stride: [2, 1], padding: [1, 1], dilation: [1, 2], groups: 2 };
    const [x, w, b] = [tf.randn([2, 4, 7, 8]), tf.randn([6, 2, 3, 3]), tf.randn([6])].map((t) => t.requiresGrad_(true));
    const r = tf.randn(bf16Conv(x.detach(), w.detach(), b.detach(), o, null).y.shape);
    bf16Conv(x, w, b, o, r);
    const [x2, w2, b2] = [x, w, b].map((t) => t.detach().clone().requiresGrad_(true));
    const y32 = tf.conv2d(x2, w2, b2, o);
    y32.mul(r).sum().backward();
    assertClose(x.grad!, toNd(x2.grad!), 3e-2, 0.1, 'dx vs fp32');
    assertClose(w.grad!, toNd(w2.grad!), 3e-2, 0.1, 'dw vs fp32');
    assertClose(b.grad!, toNd(b2.grad!), 1e-5, 1e-5, 'db vs fp32');
    gradcheck((xx, ww, bb) => tf.conv2d(xx, ww, bb, o), [x.detach(), w.detach(), b.detach()]);
    const off = tf.autocast('bfloat16', () => tf.conv2d(x2, w2, b2, o), { enabled: false });
    assertClose(off, toNd(y32), 0, 0, 'disabled = fp32');
  });

  it('outside autocast the fp32 kernels run; inside, a forced non-GEMM algorithm is an error', () => {
    const x = tf.randn([1, 16, 6, 6]), w = tf.randn([16, 16, 3, 3]);
    tf.conv2d(x, w, null, { padding: 1 });
    assert.strictEqual(tf.lastConvAlgorithms().forward, 'winograd');
    tf.conv2d(tf.randn([2, 4, 6, 7]), tf.randn([4, 1, 3, 3]), null, { groups: 4 });
    assert.strictEqual(tf.lastConvAlgorithms().forward, 'depthwise');
    tf.autocast('bfloat16', () => tf.conv2d(x, w, null, { padding: 1, algorithm: 'im2col' }));
    assert.strictEqual(tf.lastConvAlgorithms().forward, 'im2col');
    for (const algorithm of ['winograd', 'implicit', 'depthwise', 'reference'] as const) {
      assertThrows(() => tf.autocast('bfloat16', () => tf.conv2d(x, w, null, { padding: 1, algorithm })), RangeError,
        new RegExp(`conv2d: algorithm '${algorithm}' has no bfloat16 kernel: inside autocast\\('bfloat16'\\) use 'auto', 'gemm1x1' or 'im2col'`));
    }
  });
});
