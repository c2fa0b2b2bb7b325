/** The packed GEMM behind matmul/linear: every ISA against the float64 reference over
 * blocking edge sizes (tile MR/NR, KC, MC, NC: equal, below, above, multiples), all four
 * transpose combinations via transposed views, batched broadcasting, the bias/relu
 * epilogue, gradients, and bad inputs at both the TS and the native layer. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa, gradcheck, toNd, withIsa } from './helpers';
import * as ref from './reference/matmul';
import { expand, permute, slice } from './reference/ndarray';
import { native, args } from '../lib/native';
import type { Tensor } from '../lib';

// [M, K, N]. Tiles: avx2 6x16 (MC 144, KC 256, NC 3072), generic 6x8 (MC 96, KC 256,
// NC 2048), avx512 12x32 (MC 192, KC 384, NC 3072).
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 13, 7], [7, 13, 1], [13, 1, 7], [6, 8, 16], [5, 7, 15], [7, 9, 17],
  [12, 256, 32], [13, 257, 33], [11, 385, 31], [64, 64, 64], [127, 129, 128], [129, 65, 255],
  [97, 40, 145], [145, 30, 97], [193, 20, 65], [513, 13, 7], [5, 40, 513], [7, 8, 2049], [3, 5, 3100],
  // Training shapes in small: narrow N (the 10-class output), shared packed A with column
  // chunks taken by threads (M x K small, enough work to split).
  [128, 40, 10], [61, 70, 17], [100, 90, 70], [50, 200, 130],
];

/** A [rows, cols] operand stored as given, or as a transposed view of a [cols, rows] tensor. */
function operand(rows: number, cols: number, transposed: boolean): Tensor {
  return transposed ? tf.randn([cols, rows]).t() : tf.randn([rows, cols]);
}

const tol = (K: number): [number, number] => [1e-4, 2e-6 * (K + 8)];

describe('gemm: matmul forward vs float64 reference', () => {
  forEachIsa((isa) => {
    describe(`isa=${isa}`, () => {
      it('odd and blocking-edge sizes, all four transpose combinations', () => withIsa(isa, () => {
        for (const [M, K, N] of SHAPES) {
          for (let t = 0; t < 4; t++) {
            const a = operand(M, K, (t & 1) !== 0), b = operand(K, N, (t & 2) !== 0);
            assertClose(a.matmul(b), ref.matmul(toNd(a), toNd(b)), ...tol(K), `${M}x${K}x${N} t=${t}`);
          }
        }
      }));
      it('batched with broadcast batch dims and transposed batched views', () => withIsa(isa, () => {
        const cases: [number[], number[]][] = [
          [[2, 3, 7, 5], [3, 5, 9]], [[7, 5], [4, 5, 9]], [[4, 1, 6, 33], [1, 5, 33, 17]],
          [[3, 130, 70], [3, 70, 40]], [[2, 1, 1, 4], [2, 3, 4, 1]], [[0, 3, 4], [4, 2]],
        ];
        for (const [sa, sb] of cases) {
          const a = tf.randn(sa), b = tf.randn(sb);
          assertClose(a.matmul(b), ref.matmul(toNd(a), toNd(b)), ...tol(sa[sa.length - 1]), `${sa} @ ${sb}`);
        }
        const a0 = tf.randn([3, 20, 6]), b0 = tf.randn([3, 11, 20]);
        const a = a0.transpose(1, 2), b = b0.transpose(-1, -2);
        assertClose(a.matmul(b), ref.matmul(permute(toNd(a0), [0, 2, 1]), permute(toNd(b0), [0, 2, 1])), ...tol(20), 'batched transposed');
      }));
      it('strided, sliced and expanded operands', () => withIsa(isa, () => {
        const a0 = tf.randn([9, 26]), b0 = tf.randn([1, 7]), c0 = tf.randn([20, 30]);
        const a = a0.slice(1, 0, 26, 2);             // no unit stride: copied
        const b = b0.expand([13, 7]);                  // row stride 0
        const c = c0.slice(0, 3, 16).slice(1, 5, 12); // offset, ld > width
        const cn = slice(slice(toNd(c0), 0, 3, 16), 1, 5, 12);
        assertClose(a.matmul(b), ref.matmul(slice(toNd(a0), 1, 0, 26, 2), expand(toNd(b0), [13, 7])), ...tol(13), 'sliced @ expanded');
        assertClose(c.matmul(c.t()), ref.matmul(cn, permute(cn, [1, 0])), ...tol(7), 'offset view');
      }));
      it('1-D operands follow PyTorch rules', () => withIsa(isa, () => {
        const v = tf.randn([6]), m = tf.randn([6, 4]), w = tf.randn([3, 6]);
        const dot = v.matmul(v);
        assert.deepStrictEqual(dot.shape, []);
        assertClose(dot, { shape: [], data: ref.matmul(toNd(v.reshape([1, 6])), toNd(v.reshape([6, 1]))).data }, 1e-5, 1e-5);
        assertClose(v.matmul(m), { shape: [4], data: ref.matmul(toNd(v.reshape([1, 6])), toNd(m)).data }, 1e-5, 1e-5);
        assertClose(w.matmul(v), { shape: [3], data: ref.matmul(toNd(w), toNd(v.reshape([6, 1]))).data }, 1e-5, 1e-5);
        assert.deepStrictEqual(tf.randn([2, 5, 6]).matmul(v).shape, [2, 5]);
      }));
      it('K = 0 gives zeros (plus bias)', () => withIsa(isa, () => {
        assert.deepStrictEqual(tf.zeros([2, 0]).matmul(tf.zeros([0, 3])).toArray(), [[0, 0, 0], [0, 0, 0]]);
        const y = tf.linear(tf.zeros([2, 0]), tf.zeros([3, 0]), tf.tensor([1, -2, 3]));
        assert.deepStrictEqual(y.toArray(), [[1, -2, 3], [1, -2, 3]]);
      }));
      it('linear: bias and relu fused in the epilogue', () => withIsa(isa, () => {
        for (const [R, I, O] of [[1, 5, 3], [7, 13, 9], [130, 70, 33], [64, 300, 1]]) {
          const x = tf.randn([R, I]), w = tf.randn([O, I]), b = tf.randn([O]);
          const [xn, wn, bn] = [toNd(x), toNd(w), toNd(b)];
          assertClose(tf.linear(x, w, b), ref.linear(xn, wn, bn, false), ...tol(I), `linear ${R}x${I}->${O}`);
          assertClose(tf.linear(x, w, b, { activation: 'relu' }), ref.linear(xn, wn, bn, true), ...tol(I), 'relu');
          assertClose(tf.linear(x, w), ref.linear(xn, wn, null, false), ...tol(I), 'no bias');
        }
        const x = tf.randn([9, 6]), w6 = tf.randn([5, 6]), strided = tf.randn([10]).slice(0, 0, 10, 2);
        assertClose(tf.linear(x, w6, strided), ref.linear(toNd(x), toNd(w6), toNd(strided), false), ...tol(6), 'strided bias');
        const x3 = tf.randn([2, 3, 5]), w = tf.randn([4, 5]), b = tf.randn([4]);
        const y3 = tf.linear(x3, w, b);
        assert.deepStrictEqual(y3.shape, [2, 3, 4]);
        assertClose(y3.reshape([6, 4]), ref.linear(toNd(x3.reshape([6, 5])), toNd(w), toNd(b), false), ...tol(5));
      }));
    });
  });
});

// The thread split of native/cpu/gemm/gemm.cpp by FLOPs (2*M*N*K): one thread below n = 80
// cubed (kMinParallelFlops), one fork-join with A read in place below n = 256 cubed
// (gemm_small: column chunks, or row blocks when C has fewer column panels than threads),
// the shared packed paths above; and the binding's launch by FLOPs: inline when the stream is
// idle up to n = 256 cubed (and 1 MiB of output), else queued as long (readers sleep at once).
// Each threshold at -1, 0 and +1 in K, with 2 threads, in both execution modes.
const SPLIT_SHAPES: [number, number, number][] = [
  [80, 79, 80], [80, 80, 80], [80, 81, 80],          // kMinParallelFlops
  [256, 255, 256], [256, 256, 256], [256, 257, 256], // kSmallFlops and the inline launch
  [96, 96, 96], [130, 70, 129],                      // gemm_small: column chunks
  [600, 300, 7], [1024, 256, 10], [333, 150, 33],    // gemm_small: row blocks (N < NR * threads)
];

describe('gemm: thread split and launch thresholds vs float64 reference', () => {
  forEachIsa((isa) => {
    for (const mode of ['sync', 'async'] as const) {
      it(`isa=${isa} ${mode}: each threshold at -1, 0, +1; narrow N; transposed operands`, () => withIsa(isa, () => {
        withThreadsAndMode(2, mode, () => {
          for (const [M, K, N] of SPLIT_SHAPES) {
            const t = (M + K + N) % 4;  // a different transpose combination per shape
            const a = operand(M, K, (t & 1) !== 0), b = operand(K, N, (t & 2) !== 0);
            assertClose(a.matmul(b), ref.matmul(toNd(a), toNd(b)), ...tol(K), `${M}x${K}x${N} t=${t}`);
          }
        });
      }));
    }
    it(`isa=${isa} async: a long GEMM (n = 384) read at once; batched across the thresholds`, () => withIsa(isa, () => {
      withThreadsAndMode(2, 'async', () => {
        const a = tf.randn([384, 384]), b = tf.randn([384, 384]).t();
        assertClose(a.matmul(b), ref.matmul(toNd(a), toNd(b)), ...tol(384), '384^3');
        // per matrix below kMinParallelFlops (threads take matrices), in total above the inline launch
        const x = tf.randn([100, 60, 50]), w = tf.randn([50, 70]);
        assertClose(x.matmul(w), ref.matmul(toNd(x), toNd(w)), ...tol(50), 'batched 100 x 60x50x70');
        const y = tf.randn([3, 90, 100]), v = tf.randn([3, 90, 100]).transpose(-1, -2);
        assertClose(y.matmul(v), ref.matmul(toNd(y), toNd(v)), ...tol(100), 'batched 3 x 90x100x90');
      });
    }));
  });
});

describe('gemm: gradients', () => {
  const r = (s: number[]): Tensor => tf.rand(s, { low: -1, high: 1 });
  it('matmul 2-D and transposed views', () => gradcheck((a, b) => a.matmul(b.t()), [r([3, 4]), r([5, 4])]));
  it('matmul batched with broadcasting', () => gradcheck((a, b) => a.matmul(b), [r([2, 3, 4]), r([4, 2])]));
  it('matmul 1-D x 2-D, 2-D x 1-D, dot', () => {
    gradcheck((a, b) => a.matmul(b), [r([4]), r([4, 3])]);
    gradcheck((a, b) => a.matmul(b), [r([3, 4]), r([4])]);
    gradcheck((a, b) => a.matmul(b), [r([5]), r([5])]);
  });
  it('linear with bias', () => gradcheck((x, w, b) => tf.linear(x, w, b), [r([2, 3, 4]), r([5, 4]), r([5])]));
  it('linear with fused relu matches linear then relu', () => {
    const x = r([6, 7]), w = r([5, 7]), b = r([5]);
    const grads = (fused: boolean): number[][] => {
      const ps = [x, w, b].map((t) => t.detach().clone().requiresGrad_(true));
      const y = fused ? tf.linear(ps[0], ps[1], ps[2], { activation: 'relu' }) : tf.linear(ps[0], ps[1], ps[2]).relu();
      y.mul(tf.arange(30).reshape([6, 5]).to('float32')).sum().backward();
      return ps.map((p) => Array.from(p.grad!.dataSync()));
    };
    const [f, u] = [grads(true), grads(false)];
    f.forEach((g, i) => assertClose({ shape: [g.length], data: Float64Array.from(g) }, { shape: [g.length], data: Float64Array.from(u[i]) }, 1e-5, 1e-5));
  });
});

describe('gemm: bad inputs', () => {
  it('matmul rejects mismatched, non-broadcastable, 0-d, non-float and non-tensor operands', () => {
    assertThrows(() => tf.randn([3, 4]).matmul(tf.randn([5, 6])), RangeError, /matmul/, /\[3, 4\]/, /\[5, 6\]/, /4 != 5/);
    assertThrows(() => tf.randn([2, 3, 4]).matmul(tf.randn([3, 4, 2])), RangeError, /matmul/, /broadcast/);
    assertThrows(() => tf.randn([3]).matmul(tf.randn([4])), RangeError, /matmul: shapes \[3\] and \[4\] cannot be multiplied \(3 != 4\)/);
    assertThrows(() => tf.randn([2, 3]).matmul(tf.randn([4])), RangeError, /matmul: shapes \[2, 3\] and \[4\] cannot be multiplied \(3 != 4\)/);
    assertThrows(() => tf.tensor(2).matmul(tf.randn([2])), RangeError, /matmul: both arguments need at least 1 dim/);
    assertThrows(() => tf.ones([2, 2], { dtype: 'int32' }).matmul(tf.randn([2, 2])), TypeError, /matmul: expected both operands to have the same dtype, got input int32 .* and other float32/);
    assertThrows(() => tf.ones([2, 2], { dtype: 'uint8' }).matmul(tf.ones([2, 2], { dtype: 'uint8' })), TypeError, /matmul: input must be float32 or int32, got uint8/);
    assertThrows(() => tf.matmul(tf.randn([2, 2]), [[1, 2]] as unknown as Tensor), TypeError, /matmul: other must be a Tensor/);
  });
  it('linear rejects mismatched weight, bias and activation', () => {
    assertThrows(() => tf.linear(tf.randn([2, 3]), tf.randn([4, 5])), RangeError, /linear: weight \[4, 5\] must be \[out, 3\]/);
    assertThrows(() => tf.linear(tf.randn([2, 3]), tf.randn([4, 3]), tf.randn([5])), RangeError, /linear: bias \[5\] must be \[4\]/);
    assertThrows(() => tf.linear(tf.randn([2, 3]), tf.randn([4, 3]), null, { activation: 'gelu' as 'relu' }), TypeError, /linear: activation/);
  });
  it('the native binding validates views, shapes, aliasing and bias', () => {
    const h = (t: Tensor) => t.handle('test');
    const y = tf.zeros([4, 5]), a = tf.randn([4, 3]), b = tf.randn([3, 5]), w = tf.randn([4, 6]);
    const call = (yv: object, av: object, bv: object, yy = y, aa = a, bb = b) => () => {
      args.reset().num(0).num(0).num(0).view(yv as Tensor).view(av as Tensor).view(bv as Tensor);
      native.matmul(h(yy), h(aa), h(bb));
    };
    const strided = { dtypeCode: 0, shape: [4, 3], strides: [6, 2], offset: 0 };
    assertThrows(call(y, strided, b, y, w), RangeError, /matmul: a \[4, 3\] needs unit stride/);
    assertThrows(call(y, b, b, y, b, b), RangeError, /matmul: shapes/);
    assertThrows(call(a, a, { dtypeCode: 0, shape: [3, 3], strides: [3, 1], offset: 0 }, a, a, b), RangeError, /must not share storage/);
    assertThrows(call({ dtypeCode: 0, shape: [4, 5], strides: [1, 4], offset: 0 }, a, b), RangeError, /matmul: out \[4, 5\] must be contiguous/);
    const beyond = { dtypeCode: 0, shape: [4, 3], strides: [3, 1], offset: 10 };
    assertThrows(call(y, beyond, b), RangeError, /beyond its storage/);
    assertThrows(() => {
      const bias = tf.randn([4]);
      args.reset().num(0).num(1).num(0).view(y).view(a).view(b).view(bias);
      native.matmul(h(y), h(a), h(b), h(bias));
    }, RangeError, /bias \[4\] must be a contiguous 1-D tensor of length 5/);
  });
});

function withThreadsAndMode(threads: number, mode: 'sync' | 'async', fn: () => void): void {
  const prevThreads = tf.backendInfo().threads, prevMode = tf.getExecutionMode();
  tf.setNumThreads(threads);
  tf.setExecutionMode(mode);
  try { fn(); } finally { tf.setExecutionMode(prevMode); tf.setNumThreads(prevThreads); }
}

