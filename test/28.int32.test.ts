/**
 * int32 semantics as PyTorch's, on every ISA: matmul of two int32 tensors (the native int32
 * GEMM, wrapping modulo 2^32), pow's dtype rules (int32 ** int stays int32, a negative scalar
 * exponent is refused, a float exponent gives float32), and arithmetic and reductions that
 * wrap modulo 2^32 where signed overflow would be undefined in C++. References are BigInt
 * (exact) reduced to int32 with BigInt.asIntN.
 */
import * as assert from 'assert';
import { assertThrows, forEachIsa, tf } from './helpers';
import type { Tensor } from '../lib';

/** Deterministic int32 values from a seed: full range, with INT_MIN, INT_MAX, 0 and +-1 mixed in. */
function int32s(n: number, seed: number, range = 2 ** 32): Int32Array {
  let s = seed >>> 0;
  const specials = [-2147483648, 2147483647, 0, 1, -1, 65536, -65537];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const r = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) >>> 0);
    const full = range === 2 ** 32;
    out[i] = full && s % 11 === 0 ? specials[r % specials.length] : (r % range) - (full ? 2 ** 31 : Math.floor(range / 2));
  }
  return out;
}
const I = (data: Int32Array | number[], shape: number[]): Tensor => tf.tensor(Int32Array.from(data), { shape, dtype: 'int32' });
const wrap = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** A dense row-major int32 array of `shape` (the reference's view of a tensor). */
interface Nd32 { shape: number[]; data: Int32Array }
const nd = (t: Tensor): Nd32 => ({ shape: t.shape.slice(), data: Int32Array.from(t.dataSync()) });

/** matmul reference in BigInt: a [..., M, K] @ b [..., K, N] with broadcast batch dims (rank >= 2 each). */
function matmulRef(a: Nd32, b: Nd32): Nd32 {
  const M = a.shape[a.shape.length - 2], K = a.shape[a.shape.length - 1], N = b.shape[b.shape.length - 1];
  const ab = a.shape.slice(0, -2), bb = b.shape.slice(0, -2), r = Math.max(ab.length, bb.length);
  const pad = (s: number[]): number[] => [...new Array<number>(r - s.length).fill(1), ...s];
  const pa = pad(ab), pb = pad(bb), batch = pa.map((v, i) => Math.max(v, pb[i]));
  const nb = batch.reduce((p, v) => p * v, 1), out = new Int32Array(nb * M * N);
  for (let t = 0; t < nb; t++) {
    let ia = 0, ib = 0, rem = t, sa = 1, sb = 1;
    for (let d = r - 1; d >= 0; d--) {
      const c = rem % batch[d];
      rem = Math.floor(rem / batch[d]);
      ia += (pa[d] === 1 ? 0 : c) * sa;
      ib += (pb[d] === 1 ? 0 : c) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    const A = a.data.subarray(ia * M * K), B = b.data.subarray(ib * K * N);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0n;
        for (let k = 0; k < K; k++) acc += BigInt(A[i * K + k]) * BigInt(B[k * N + j]);
        out[(t * M + i) * N + j] = wrap(acc);
      }
    }
  }
  return { shape: [...batch, M, N], data: out };
}

function assertInt(t: Tensor, want: Nd32, what: string): void {
  assert.strictEqual(t.dtype, 'int32', `${what}: dtype`);
  assert.deepStrictEqual(t.shape, want.shape, `${what}: shape`);
  const got = Int32Array.from(t.dataSync());
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== want.data[i]) assert.fail(`${what}: element ${i} is ${got[i]}, want ${want.data[i]}`);
  }
}

/** Modular exponentiation in BigInt: base ** exp wrapped to int32 (exp >= 0). */
function powRef(base: number, exp: number): number {
  if (exp < 0) return base === 1 ? 1 : base === -1 ? (exp % 2 ? -1 : 1) : 0;  // PyTorch's integer pow
  let r = 1n, b = BigInt(base), e = exp;
  const m = 1n << 32n;
  while (e > 0) {
    if (e & 1) r = (r * b) % m;
    b = (b * b) % m;
    e = Math.floor(e / 2);
  }
  return wrap(r);
}

describe('28 int32 semantics', () => {
  describe('matmul of int32 tensors (wraps modulo 2^32, as PyTorch)', () => {
    // Sizes below, at and across the GEMM's blocks (64 rows, 256 depth, 128 columns), 0 and 1.
    const SIZES: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [2, 0, 3], [0, 4, 2], [4, 3, 0], [65, 257, 130], [1, 33, 129]];
    it('2-D products equal the BigInt reference on every ISA, including overflow and odd sizes', () => {
      SIZES.forEach(([M, K, N], c) => {
        const a = I(int32s(M * K, 11 + c), [M, K]), b = I(int32s(K * N, 97 + c), [K, N]);
        const want = matmulRef(nd(a), nd(b));
        forEachIsa((isa) => assertInt(a.matmul(b), want, `[${M}, ${K}] @ [${K}, ${N}] (${isa})`));
      });
    });
    it('transposed and strided views, broadcast batch dims and 1-D operands', () => {
      const a = I(int32s(6 * 5, 3), [6, 5]), b = I(int32s(7 * 6, 4), [7, 6]);
      const at = a.t(), bt = b.t();  // [5, 6] and [6, 7], unit stride down the rows
      const want = matmulRef(nd(at.contiguous()), nd(bt.contiguous()));
      const wide = I(int32s(6 * 14, 5), [6, 14]).slice(1, 0, 14, 2);  // [6, 7], column stride 2: copied
      const batchA = I(int32s(2 * 1 * 3 * 4 * 5, 6), [2, 1, 3, 4, 5]), batchB = I(int32s(4 * 1 * 5 * 2, 7), [4, 1, 5, 2]);
      const batchT = I(int32s(3 * 2 * 5, 8), [3, 2, 5]).transpose(-1, -2);  // [3, 5, 2]
      const v = I(int32s(5, 9), [5]), w = I(int32s(5, 10), [5]);
      forEachIsa((isa) => {
        assertInt(at.matmul(bt), want, `a.t() @ b.t() (${isa})`);
        assertInt(at.matmul(wide), matmulRef(nd(at.contiguous()), nd(wide.contiguous())), `strided other (${isa})`);
        assertInt(batchA.matmul(batchB), matmulRef(nd(batchA), nd(batchB)), `[2, 1, 3, 4, 5] @ [4, 1, 5, 2] (${isa})`);
        assertInt(batchA.matmul(batchT), matmulRef(nd(batchA), nd(batchT.contiguous())), `batched transposed (${isa})`);
        const dot = v.matmul(w);
        assert.deepStrictEqual(dot.shape, []);
        assert.strictEqual(dot.item(), matmulRef({ shape: [1, 5], data: nd(v).data }, { shape: [5, 1], data: nd(w).data }).data[0]);
        const mv = matmulRef(nd(a.slice(1, 0, 5)), { shape: [5, 1], data: nd(v).data });
        assertInt(a.slice(1, 0, 5).matmul(v), { shape: [6], data: mv.data }, `matrix @ vector (${isa})`);
        const vm = matmulRef({ shape: [1, 6], data: nd(a.slice(1, 0, 1).reshape([6])).data }, nd(b.t()));
        assertInt(a.slice(1, 0, 1).reshape([6]).matmul(b.t()), { shape: [7], data: vm.data }, `vector @ matrix (${isa})`);
      });
    });
    it('known values: 2^30 * 2^30 + 3 * 3 wraps to 9; K = 0 gives zeros', () => {
      const x = I([2 ** 30, 3], [1, 2]);
      assert.deepStrictEqual(x.matmul(x.t()).toArray(), [[9]]);
      assert.deepStrictEqual(tf.zeros([2, 0], { dtype: 'int32' }).matmul(tf.zeros([0, 3], { dtype: 'int32' })).toArray(), [[0, 0, 0], [0, 0, 0]]);
    });
    it('mixed dtypes name the op and both dtypes; other dtypes and int gradients are refused', () => {
      const i = I([1, 2, 3, 4], [2, 2]), f = tf.ones([2, 2]);
      assertThrows(() => i.matmul(f), TypeError, /^matmul: /, /input int32/, /other float32/);
      assertThrows(() => f.matmul(i), TypeError, /^matmul: /, /input float32/, /other int32/);
      assertThrows(() => tf.ones([2, 2], { dtype: 'bool' }).matmul(tf.ones([2, 2], { dtype: 'bool' })), TypeError, /matmul: input must be float32 or int32, got bool/);
      assertThrows(() => i.matmul(I([1, 2, 3], [3, 1])), RangeError, /matmul: shapes \[2, 2\] and \[3, 1\] cannot be multiplied/);
      assertThrows(() => tf.ones([2], { dtype: 'int32' }).requiresGrad_(), TypeError, /only float32 tensors can require gradients/);
      assertThrows(() => tf.linear(i, i), TypeError, /linear: input must be float32, got int32/);
    });
    it('autocast leaves an int32 product exact', () => {
      const a = I(int32s(9 * 4, 21), [9, 4]), b = I(int32s(4 * 3, 22), [4, 3]);
      const y = tf.autocast('bfloat16', () => a.matmul(b));
      assertInt(y, matmulRef(nd(a), nd(b)), 'int32 matmul inside autocast');
    });
  });

  describe('pow dtype rules (as PyTorch)', () => {
    it('int32 ** non-negative int scalar stays int32 and wraps, on every ISA', () => {
      const x = I(int32s(301, 31), [301]);
      for (const e of [0, 1, 2, 3, 7, 31, 32, 40, 2147483647]) {
        const want = { shape: [301], data: Int32Array.from(x.dataSync(), (v) => powRef(v, e)) };
        forEachIsa((isa) => assertInt(x.pow(e), want, `x ** ${e} (${isa})`));
      }
      assert.deepStrictEqual(I([2, -1, 1, 0, 3], [5]).pow(2).toArray(), [4, 1, 1, 0, 9]);
      assert.deepStrictEqual(I([0], [1]).pow(0).toArray(), [1]);
      assert.deepStrictEqual(tf.tensor([true, false], { dtype: 'bool' }).pow(2).toArray(), [1, 0]);
    });
    it('int32 ** int32 tensor (broadcast) follows integer pow, negative exponents included', () => {
      const base = I(int32s(4 * 6, 41, 9), [4, 6]), exp = I(int32s(6, 42, 80), [6]);  // bases -4..4, exponents -40..39
      const b = base.dataSync(), e = exp.dataSync();
      const want = { shape: [4, 6], data: Int32Array.from(b, (v, i) => powRef(v, e[i % 6])) };
      forEachIsa((isa) => assertInt(base.pow(exp), want, `base ** exponent tensor (${isa})`));
      // PyTorch: [2, -1, 1, 0, 3] ** [-1, -3, -2, 2, 40] = [0, -1, 1, 0, 689956897]
      assert.deepStrictEqual(I([2, -1, 1, 0, 3], [5]).pow(I([-1, -3, -2, 2, 40], [5])).toArray(), [0, -1, 1, 0, 689956897]);
    });
    it('a negative integer scalar exponent is refused naming pow', () => {
      assertThrows(() => I([2, 3], [2]).pow(-1), RangeError, /^pow: Integers to negative integer powers are not allowed/, /int32 input of shape \[2\] \*\* -1/);
      assertThrows(() => I([2, 3], [2]).pow(2 ** 31), RangeError, /^pow: exponent 2147483648 does not fit in int32/);
    });
    it('int32 ** float scalar or float32 tensor gives float32', () => {
      const x = I([2, -1, 1, 0, 3, 7], [6]);
      const half = x.pow(0.5), t = x.pow(tf.tensor([1, 2, 3, 4, 5, 0.5]));
      assert.strictEqual(half.dtype, 'float32');
      assert.strictEqual(t.dtype, 'float32');
      const hv = half.dataSync();
      [2, -1, 1, 0, 3, 7].forEach((v, i) => {
        if (v < 0) assert.ok(Number.isNaN(hv[i]));
        else assert.ok(Math.abs(hv[i] - Math.sqrt(v)) <= 1e-6 * Math.sqrt(v), `${v} ** 0.5 = ${hv[i]}`);
      });
      assert.deepStrictEqual(Array.from(t.dataSync()), [2, 1, 1, 0, 243, Math.fround(Math.sqrt(7))]);
      assert.strictEqual(tf.tensor([1.5, 2]).pow(I([2, 3], [2])).dtype, 'float32');
    });
  });

  describe('floorDivide and remainder (Python // and %, as PyTorch)', () => {
    /** BigInt floor division and remainder with the divisor's sign, wrapped to int32. */
    const floorDivRem = (a: number, b: number): [number, number] => {
      const x = BigInt(a), y = BigInt(b);
      let q = x / y, r = x % y;  // truncating
      if (r !== 0n && (r < 0n) !== (y < 0n)) { q -= 1n; r += y; }
      return [wrap(q), wrap(r)];
    };
    it('int32 results equal the BigInt reference on every ISA; INT_MIN // -1 wraps to INT_MIN', () => {
      const n = 1200, a = I(int32s(n, 71), [n]);
      const small = int32s(n, 72, 15), big = int32s(n, 73);  // divisors -7..7 and full range, zeros replaced
      const bv = Int32Array.from(big, (v, i) => (i % 3 ? v : small[i]) || -1);
      bv[0] = -1;
      bv[1] = -2147483648;
      const b = I(bv, [n]), av = a.dataSync();
      const want = Array.from(av, (v, i) => floorDivRem(v, bv[i]));
      forEachIsa((isa) => {
        assertInt(a.floorDivide(b), { shape: [n], data: Int32Array.from(want, (p) => p[0]) }, `floorDivide (${isa})`);
        assertInt(a.remainder(b), { shape: [n], data: Int32Array.from(want, (p) => p[1]) }, `remainder (${isa})`);
      });
      assert.deepStrictEqual(I([-2147483648, -7, 7, -7], [4]).floorDivide(I([-1, 2, -2, -2], [4])).toArray(), [-2147483648, -4, -4, 3]);
      assert.deepStrictEqual(I([-2147483648, -7, 7, -7], [4]).remainder(I([-1, 2, -2, -2], [4])).toArray(), [0, 1, -1, -1]);
      assert.deepStrictEqual(I([-7, 7], [2]).floorDivide(2).toArray(), [-4, 3]);
      assert.deepStrictEqual(tf.tensor([200, 7], { dtype: 'uint8' }).remainder(tf.tensor([7, 200], { dtype: 'uint8' })).toArray(), [4, 7]);
    });
    it('an integer zero divisor throws ZeroDivisionError naming the op; float32 divides by zero as IEEE', () => {
      const a = I([5, 6, 7], [3]);
      assertThrows(() => a.floorDivide(I([1, 0, 2], [3])), RangeError, /^floorDivide: ZeroDivisionError/, /int32 divisor of shape \[3\] has a zero/);
      assertThrows(() => a.remainder(I([0], [1])), RangeError, /^remainder: ZeroDivisionError/);
      assertThrows(() => a.floorDivide(0), RangeError, /^floorDivide: ZeroDivisionError.*the divisor is 0/);
      assertThrows(() => tf.tensor([1, 2], { dtype: 'uint8' }).remainder(tf.tensor([0, 1], { dtype: 'uint8' })), RangeError, /^remainder: ZeroDivisionError/);
      // torch: tensor([1., -1, 0]) // 0 = [inf, -inf, nan]; remainder(tensor([1.]), 0) = [nan]
      assert.deepStrictEqual(tf.tensor([1, -1, 0]).floorDivide(0).toArray(), [Infinity, -Infinity, NaN]);
      assert.deepStrictEqual(tf.tensor([1]).remainder(0).toArray(), [NaN]);
      assert.strictEqual(a.floorDivide(0.5).dtype, 'float32');
    });
    it('float32 values as PyTorch: the floor of the exact quotient, remainder with the divisor\'s sign', () => {
      // torch: tensor([3., -3, 1, 0]) // 0.1 = [29, -30, 9, 0]; remainder(tensor([5.5, -5.5]), 2) = [1.5, 0.5]
      forEachIsa((isa) => {
        assert.deepStrictEqual(tf.tensor([3, -3, 1, 0]).floorDivide(0.1).toArray(), [29, -30, 9, 0], isa);
        assert.deepStrictEqual(tf.tensor([5.5, -5.5, 5.5]).remainder(tf.tensor([2, 2, -2])).toArray(), [1.5, 0.5, -0.5], isa);
      });
    });
  });

  describe('int32 arithmetic wraps modulo 2^32 (no signed overflow)', () => {
    it('add, sub, mul (tensor and scalar, in place) equal the BigInt reference on every ISA', () => {
      const n = 1000, a = I(int32s(n, 51), [n]), b = I(int32s(n, 52), [n]);
      const av = a.dataSync(), bv = b.dataSync();
      const ref = (f: (x: bigint, y: bigint) => bigint, y: (i: number) => number): Nd32 =>
        ({ shape: [n], data: Int32Array.from(av, (x, i) => wrap(f(BigInt(x), BigInt(y(i))))) });
      forEachIsa((isa) => {
        assertInt(a.add(b), ref((x, y) => x + y, (i) => bv[i]), `add (${isa})`);
        assertInt(a.sub(b), ref((x, y) => x - y, (i) => bv[i]), `sub (${isa})`);
        assertInt(a.mul(b), ref((x, y) => x * y, (i) => bv[i]), `mul (${isa})`);
        assertInt(a.add(2147483647), ref((x, y) => x + y, () => 2147483647), `add scalar (${isa})`);
        assertInt(a.mul(-3), ref((x, y) => x * y, () => -3), `mul scalar (${isa})`);
        assertInt(a.clone().add_(b), ref((x, y) => x + y, (i) => bv[i]), `add_ (${isa})`);
        assertInt(a.clone().mul_(b), ref((x, y) => x * y, (i) => bv[i]), `mul_ (${isa})`);
      });
      assert.deepStrictEqual(I([2147483647], [1]).add(1).toArray(), [-2147483648]);
      assert.deepStrictEqual(I([-2147483648], [1]).sub(1).toArray(), [2147483647]);
    });
    it('neg, abs and square of INT_MIN wrap; clamp saturates its bounds; fractional bounds promote', () => {
      const m = I([-2147483648, 2147483647, -5, 0], [4]);
      forEachIsa((isa) => {
        assert.deepStrictEqual(m.neg().toArray(), [-2147483648, -2147483647, 5, 0], isa);
        assert.deepStrictEqual(m.abs().toArray(), [-2147483648, 2147483647, 5, 0], isa);
        assert.deepStrictEqual(m.square().toArray(), [0, 1, 25, 0], isa);
        assert.deepStrictEqual(m.clamp(-Infinity, Infinity).toArray(), [-2147483648, 2147483647, -5, 0], isa);
        assert.deepStrictEqual(m.clamp(-1e12, 3).toArray(), [-2147483648, 3, -5, 0], isa);
        assert.deepStrictEqual(m.clamp(1e12).toArray(), [2147483647, 2147483647, 2147483647, 2147483647], isa);
      });
      const half = I([1, 2, 3], [3]).clamp(0.5, 2.5);
      assert.strictEqual(half.dtype, 'float32');
      assert.deepStrictEqual(half.toArray(), [1, 2, 2.5]);
    });
    it('sum, prod and scatterAdd wrap like int32 arithmetic; div is true division (float32)', () => {
      const n = 777, x = I(int32s(n * 3, 61), [3, n]), xv = x.dataSync();
      const rows = [0, 1, 2].map((r) => Array.from(xv.subarray(r * n, (r + 1) * n), BigInt));
      forEachIsa((isa) => {
        assert.deepStrictEqual(x.sum(1).toArray(), rows.map((r) => wrap(r.reduce((p, v) => p + v, 0n))), `sum (${isa})`);
        assert.deepStrictEqual(x.prod(1).toArray(), rows.map((r) => wrap(r.reduce((p, v) => p * v, 1n))), `prod (${isa})`);
        assert.strictEqual(x.sum().item(), wrap(rows.flat().reduce((p, v) => p + v, 0n)), `sum of all (${isa})`);
      });
      assert.strictEqual(I([2 ** 30, 4], [2]).prod().item(), 0);
      const into = I([2147483647, 0], [2]), src = I([1, -2147483648, 5], [3]), idx = I([0, 1, 1], [3]);
      assert.deepStrictEqual(tf.scatterAdd(into, 0, idx, src).toArray(), [-2147483648, -2147483643]);
      const q = I([-2147483648, 7, 1], [3]).div(I([-1, 0, 2], [3]));
      assert.strictEqual(q.dtype, 'float32');
      assert.deepStrictEqual(q.toArray(), [2147483648, Infinity, 0.5]);
    });
  });
});
