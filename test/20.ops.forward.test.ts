/** Every elementwise and reduction kernel against the float64 reference, on every ISA,
 * over broadcasting, non-contiguous views, sizes 0 and 1, odd and threaded sizes. */
import * as assert from 'assert';
import { tf, assertClose, forEachIsa, randPair, toNd } from './helpers';
import * as ref from './reference/ndarray';
import type { Tensor } from '../lib';

const f32 = Math.fround;
const BINARY: [string, (a: number, b: number) => number, [number, number]?][] = [
  ['add', (a, b) => a + b], ['sub', (a, b) => a - b], ['mul', (a, b) => a * b],
  ['div', (a, b) => a / b, [0.5, 2]], ['pow', (a, b) => Math.pow(a, b), [0.1, 2]],
  ['maximum', Math.max], ['minimum', Math.min], ['atan2', Math.atan2],
];
const COMPARE: [string, (a: number, b: number) => boolean][] = [
  ['eq', (a, b) => a === b], ['ne', (a, b) => a !== b], ['lt', (a, b) => a < b],
  ['le', (a, b) => a <= b], ['gt', (a, b) => a > b], ['ge', (a, b) => a >= b],
];
const SHAPE_PAIRS: [number[], number[]][] = [
  [[7], [7]], [[1], [1]], [[0], [0]], [[0, 3], [1, 3]], [[3, 5], [5]], [[3, 1], [1, 4]],
  [[2, 3, 4], [3, 1]], [[17, 33], [17, 33]], [[4, 1, 5], [1, 6, 1]], [[300, 257], [257]],
  [[200, 300], [200, 1]], [[], [3, 2]],
];

type U = (x: number) => number;
const UNARY: [string, U, (t: Tensor) => Tensor, [number, number]?][] = [
  ['neg', (x) => -x, (t) => t.neg()], ['abs', Math.abs, (t) => t.abs()],
  ['exp', Math.exp, (t) => t.exp()], ['log', Math.log, (t) => t.log(), [0.1, 3]],
  ['sqrt', Math.sqrt, (t) => t.sqrt(), [0, 3]], ['rsqrt', (x) => 1 / Math.sqrt(x), (t) => t.rsqrt(), [0.1, 3]],
  ['relu', (x) => Math.max(x, 0), (t) => t.relu()],
  ['leakyRelu', (x) => (x > 0 ? x : 0.1 * x), (t) => t.leakyRelu(0.1)],
  ['elu', (x) => (x > 0 ? x : 0.7 * Math.expm1(x)), (t) => t.elu(0.7)],
  ['gelu', ref.gelu, (t) => t.gelu()],
  ['geluTanh', (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))), (t) => t.gelu('tanh')],
  ['silu', (x) => x * ref.sigmoid(x), (t) => t.silu()],
  ['sigmoid', ref.sigmoid, (t) => t.sigmoid()], ['tanh', Math.tanh, (t) => t.tanh()],
  ['softplus', (x) => (2 * x > 20 ? x : Math.log1p(Math.exp(2 * x)) / 2), (t) => t.softplus(2)],
  ['clamp', (x) => Math.min(Math.max(x, -0.5), 0.7), (t) => t.clamp(-0.5, 0.7)],
  ['powScalar', (x) => Math.pow(x, 2.5), (t) => t.pow(2.5), [0, 2]],
  ['square', (x) => x * x, (t) => t.square()], ['sin', Math.sin, (t) => t.sin()], ['cos', Math.cos, (t) => t.cos()],
  ['reciprocal', (x) => 1 / x, (t) => t.reciprocal(), [0.2, 2]], ['sign', Math.sign, (t) => t.sign()],
  ['floor', Math.floor, (t) => t.floor()], ['ceil', Math.ceil, (t) => t.ceil()],
  ['log1p', Math.log1p, (t) => t.log1p(), [-0.5, 2]], ['expm1', Math.expm1, (t) => t.expm1()],
  ['affine', (x) => x * 3 - 2, (t) => t.mul(3).sub(2)],
];

describe('elementwise forward vs float64 reference', () => {
  forEachIsa((isa) => {
    describe(`isa=${isa}`, () => {
      for (const [name, f, range] of BINARY) {
        it(`${name} with broadcasting, sizes 0/1/odd/threaded`, () => forEachIsaFixed(isa, () => {
          for (const [sa, sb] of SHAPE_PAIRS) {
            const [a, an] = randPair(sa, ...(range ?? [-2, 2]));
            const [b, bn] = randPair(sb, ...(range ?? [-2, 2]));
            const out = (a as unknown as Record<string, (o: Tensor) => Tensor>)[name](b);
            assertClose(out, ref.binary(an, bn, (x, y) => f32(f(x, y))), 2e-6, 1e-6, `${name} ${sa} ${sb}`);
          }
        }));
      }
      it('binary ops on non-contiguous views (transposed, sliced, expanded)', () => forEachIsaFixed(isa, () => {
        const [a, an] = randPair([37, 19]);
        const [b, bn] = randPair([19, 37]);
        const out = a.add(b.t());
        assertClose(out, ref.binary(an, ref.permute(bn, [1, 0]), (x, y) => f32(x + y)));
        const s = a.slice(0, 1, 30, 3).slice(1, 2, 19, 2);
        const sn = ref.slice(ref.slice(an, 0, 1, 30, 3), 1, 2, 19, 2);
        assertClose(s.mul(s), ref.binary(sn, sn, (x, y) => f32(x * y)));
        const [e1, en] = randPair([5, 1]);
        const e = e1.expand([5, 7]);
        assertClose(e.sub(1), ref.unary(ref.expand(en, [5, 7]), (x) => f32(x - 1)));
      }));
      for (const [name, f] of COMPARE) {
        it(`${name} gives bool with broadcasting`, () => forEachIsaFixed(isa, () => {
          for (const [sa, sb] of SHAPE_PAIRS) {
            const a = tf.randint(0, 3, sa).to('float32'), b = tf.randint(0, 3, sb).to('float32');
            const out = (a as unknown as Record<string, (o: Tensor) => Tensor>)[name](b);
            assert.strictEqual(out.dtype, 'bool');
            assertClose(out, ref.binary(toNd(a), toNd(b), (x, y) => Number(f(x, y))));
          }
        }));
      }
      for (const [name, f, , range] of UNARY) {
        it(`${name} on contiguous, strided, size 0/1 and threaded inputs`, () => forEachIsaFixed(isa, () => {
          const fn = UNARY.find((u) => u[0] === name)![2];
          for (const shape of [[0], [1], [13], [7, 9], [70001]]) {
            const [x, xn] = randPair(shape, ...(range ?? [-3, 3]));
            assertClose(fn(x), ref.unary(xn, (v) => f32(f(v))), 3e-6, 2e-6, `${name} ${shape}`);
          }
          const [m, mn] = randPair([9, 11], ...(range ?? [-3, 3]));
          assertClose(fn(m.t()), ref.unary(ref.permute(mn, [1, 0]), (v) => f32(f(v))), 3e-6, 2e-6, `${name} transposed`);
        }));
      }
      it('int32 arithmetic and promotion with scalars', () => forEachIsaFixed(isa, () => {
        const a = tf.tensor([1, -2, 3], { dtype: 'int32' }), b = tf.tensor([4, 5, -6], { dtype: 'int32' });
        assert.deepStrictEqual(a.add(b).toArray(), [5, 3, -3]);
        assert.strictEqual(a.add(b).dtype, 'int32');
        assert.strictEqual(a.mul(2).dtype, 'int32');
        assert.strictEqual(a.mul(0.5).dtype, 'float32');
        assert.deepStrictEqual(a.mul(0.5).toArray(), [0.5, -1, 1.5]);
        assert.deepStrictEqual(Array.from(a.div(b).dataSync(), (v) => Math.round(v * 1e4) / 1e4), [0.25, -0.4, -0.5]);
        assert.deepStrictEqual(a.abs().toArray(), [1, 2, 3]);
        assert.strictEqual(a.exp().dtype, 'float32');
        assert.deepStrictEqual(tf.tensor([1, 2, 3], { dtype: 'uint8' }).add(tf.tensor([1, 1, 1], { dtype: 'int32' })).dtype, 'int32');
      }));
      it('where broadcasts condition and operands', () => forEachIsaFixed(isa, () => {
        const c = tf.tensor([[true], [false]]);
        const [a, an] = randPair([2, 3]);
        const out = tf.where(c, a, 0);
        assertClose(out, { shape: [2, 3], data: an.data.map((v, i) => (i < 3 ? f32(v) : 0)) });
      }));
      it('casts between every dtype pair, saturating and truncating', () => forEachIsaFixed(isa, () => {
        const x = tf.tensor([-3.7, -0.2, 0, 0.9, 2.5, 300, NaN, 3e10]);
        assert.deepStrictEqual(x.to('int32').toArray(), [-3, 0, 0, 0, 2, 300, 0, 2147483647]);
        assert.deepStrictEqual(x.to('uint8').toArray(), [0, 0, 0, 0, 2, 255, 0, 255]);
        assert.deepStrictEqual(x.to('bool').toArray(), [true, true, false, true, true, true, true, true]);
        assert.deepStrictEqual(tf.tensor([true, false]).to('float32').toArray(), [1, 0]);
        assert.deepStrictEqual(tf.tensor([7, 9], { dtype: 'int32' }).to('uint8').to('int32').toArray(), [7, 9]);
      }));
    });
  });
});

describe('reductions vs float64 reference', () => {
  const cases: [number[], number | number[] | undefined][] = [
    [[7], undefined], [[1], 0], [[5, 6], 0], [[5, 6], 1], [[5, 6], [0, 1]], [[3, 4, 5], [0, 2]],
    [[3, 4, 5], -1], [[2, 1, 3], 1], [[300, 201], 0], [[300, 201], 1], [[0, 4], 1], [[4, 0], 1],
  ];
  const dimsOf = (shape: number[], d: number | number[] | undefined): number[] =>
    d === undefined ? shape.map((_, i) => i) : (Array.isArray(d) ? d : [d]).map((x) => (x < 0 ? x + shape.length : x)).sort();
  forEachIsa((isa) => {
    it(`sum/mean/max/min/var/prod over dims with keepdim (isa=${isa})`, () => forEachIsaFixed(isa, () => {
      for (const [shape, dim] of cases) {
        for (const keepdim of [false, true]) {
          const [x, xn] = randPair(shape);
          const dims = dimsOf(shape, dim);
          const sumf = (v: number[]): number => v.reduce((a, b) => a + b, 0);
          assertClose(x.sum(dim, keepdim), ref.reduce(xn, dims, keepdim, sumf), 1e-5, 1e-5, `sum ${shape} ${dim}`);
          assertClose(x.mean(dim, keepdim), ref.reduce(xn, dims, keepdim, (v) => (v.length ? sumf(v) / v.length : NaN)), 1e-5, 1e-5, `mean ${shape}`);
          assertClose(x.var({ dim, keepdim }), ref.reduce(xn, dims, keepdim, (v) => {
            const m = sumf(v) / v.length;
            return v.length > 1 ? v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1) : NaN;
          }), 1e-4, 1e-5, `var ${shape}`);
          if (x.numel > 0 && shape.every((s) => s > 0)) {
            assertClose(x.max(dim, keepdim), ref.reduce(xn, dims, keepdim, (v) => Math.max(...v)), 0, 0, `max ${shape}`);
            assertClose(x.min(dim, keepdim), ref.reduce(xn, dims, keepdim, (v) => Math.min(...v)), 0, 0, `min ${shape}`);
          }
          if (x.numel < 50) assertClose(x.prod(dim, keepdim), ref.reduce(xn, dims, keepdim, (v) => v.reduce((a, b) => a * b, 1)), 1e-5, 1e-6, `prod ${shape}`);
        }
      }
    }));
    it(`argmax/argmin and reductions of strided views (isa=${isa})`, () => forEachIsaFixed(isa, () => {
      const [x, xn] = randPair([6, 9]);
      const argmaxRef = ref.reduce(xn, [1], false, (v) => v.indexOf(Math.max(...v)));
      assertClose(x.argmax(1), argmaxRef);
      assertClose(x.argmin(0), ref.reduce(xn, [0], false, (v) => v.indexOf(Math.min(...v))));
      assert.strictEqual(x.argmax().item(), Array.from(xn.data).indexOf(Math.max(...xn.data)));
      const xt = x.t();
      assertClose(xt.sum(1), ref.reduce(ref.permute(xn, [1, 0]), [1], false, (v) => v.reduce((a, b) => a + b, 0)), 1e-5, 1e-5);
      const ints = tf.tensor([[1, 5], [7, -2]], { dtype: 'int32' });
      assert.deepStrictEqual(ints.sum(0).toArray(), [8, 3]);
      assert.strictEqual(ints.sum().dtype, 'int32');
      assert.ok(Number.isNaN(tf.tensor([1, NaN, 3]).max().item()));
    }));
  });
});

/** Sets the ISA for the body of one test (forEachIsa's loop ran at definition time). */
function forEachIsaFixed(isa: string, fn: () => void): void {
  const prev = tf.backendInfo().isa;
  tf.setIsa(isa as 'generic');
  try { fn(); } finally { tf.setIsa(prev); }
}

/** float32 spacing at |e| (the subnormal spacing below 2^-126). */
function ulpOf(e: number): number {
  const a = Math.abs(e);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

const sigmoid64 = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const K_GELU = Math.sqrt(2 / Math.PI);
const geluTanhInner = (x: number): number => 2 * K_GELU * (x + 0.044715 * x ** 3);
/** The vectorized transcendental ops: float64 reference and allowed error in float32 ulps at
 * input x. Two are ill-conditioned in float32 whatever the kernel: silu below x = -87 scales
 * a subnormal sigmoid (error 2^-150) by |x|; gelu-tanh's inner argument v = 2u carries ~3
 * roundings, which sigmoid(v) turns into ~3|v| ulps in the negative tail. */
const VMATH: [string, (t: Tensor) => Tensor, U, (x: number) => number][] = [
  ['exp', (t) => t.exp(), Math.exp, () => 2],
  ['log', (t) => t.log(), Math.log, () => 2],
  ['log1p', (t) => t.log1p(), Math.log1p, () => 3],
  ['expm1', (t) => t.expm1(), Math.expm1, () => 2],
  ['tanh', (t) => t.tanh(), Math.tanh, () => 2],
  ['sigmoid', (t) => t.sigmoid(), sigmoid64, () => 3],
  ['silu', (t) => t.silu(), (x) => x * sigmoid64(x), (x) => 4 + (x < -87 ? Math.abs(x) : 0)],
  ['elu', (t) => t.elu(0.7), (x) => (x > 0 ? x : 0.7 * Math.expm1(x)), () => 3],
  ['softplus', (t) => t.softplus(2), (x) => (2 * x > 20 ? x : Math.log1p(Math.exp(2 * x)) / 2), () => 4],
  ['geluTanh', (t) => t.gelu('tanh'), (x) => x * sigmoid64(geluTanhInner(x)), (x) => 4 + 3 * Math.abs(geluTanhInner(x))],
  ['gelu', (t) => t.gelu(), (x) => x * ref.normalCdf(x), () => 2],
];
/** Derivatives of the ops with vectorized backward formulas (or formulas of the saved output);
 * tanh' = 1 - y^2 from the float32 output y is good to ~2 * 2^-24 absolute near saturation. */
const VMATH_GRAD: [string, (t: Tensor) => Tensor, U, number, number, number?][] = [
  ['exp', (t) => t.exp(), Math.exp, -80, 80],
  ['log', (t) => t.log(), (x) => 1 / x, 0.01, 100],
  ['tanh', (t) => t.tanh(), (x) => 1 - Math.tanh(x) ** 2, -20, 20, 3e-7],
  ['sigmoid', (t) => t.sigmoid(), (x) => sigmoid64(x) * (1 - sigmoid64(x)), -30, 30],
  ['silu', (t) => t.silu(), (x) => sigmoid64(x) * (1 + x * (1 - sigmoid64(x))), -30, 30],
  ['elu', (t) => t.elu(0.7), (x) => (x > 0 ? 1 : 0.7 * Math.exp(x)), -30, 30],
  ['softplus', (t) => t.softplus(2), (x) => (2 * x > 20 ? 1 : sigmoid64(2 * x)), -30, 30],
  ['gelu', (t) => t.gelu(), (x) => ref.normalCdf(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI), -12, 12],
  ['geluTanh', (t) => t.gelu('tanh'), (x) => {
    const s = sigmoid64(geluTanhInner(x));
    return s + x * s * (1 - s) * 2 * K_GELU * (1 + 3 * 0.044715 * x * x);
  }, -12, 12],
];
const SPECIAL = [0, -0, Infinity, -Infinity, NaN, 88, -88, 88.72, 88.73, 89, -87.5, -103, -104, 100, -100,
  1e-30, -1e-30, 1e-40, -1e-40, 1.4e-45, 1e-4, -1e-4, 0.625, -0.625, 9.5, 20, -20, 1, -1, 3.4e38, -3.4e38];

/** Random float32 values over the whole range: uniform in [-110, 110], and log-uniform
 * magnitudes 1e-38..1e4 with random signs, plus the special values. */
function wideInputs(n: number): Float32Array {
  const out = new Float32Array(n);
  const u = tf.rand([n]).dataSync(), v = tf.rand([n]).dataSync();
  for (let i = 0; i < n; i++) {
    if (i < SPECIAL.length && n >= 64) out[i] = SPECIAL[i];
    else if (v[i] < 0.5) out[i] = 220 * u[i] - 110;
    else out[i] = (v[i] < 0.75 ? 1 : -1) * 10 ** (42 * u[i] - 38);
  }
  return out;
}

/** Asserts each element of `got` is within tol(x) float32 ulps of the float64 reference f(x);
 * where f(x) rounds to a special value (NaN, +-Inf, +-0) the result must be exactly that. */
function assertUlps(got: ArrayLike<number>, xs: ArrayLike<number>, f: U, tol: (x: number) => number, what: string): void {
  for (let i = 0; i < xs.length; i++) {
    const e = f(xs[i]), ef = Math.fround(e), g = got[i];
    if (Number.isNaN(ef) || !Number.isFinite(ef) || ef === 0) {
      if (!Object.is(g, ef) && !(ef === 0 && Math.abs(g) <= 2 ** -149)) {
        assert.fail(`${what}(${xs[i]}) = ${g}, expected ${ef} (element ${i} of ${xs.length})`);
      }
      continue;
    }
    const err = Math.abs(g - e) / ulpOf(e);
    if (!(err <= tol(xs[i]))) assert.fail(`${what}(${xs[i]}) = ${g}, expected ${e}: ${err.toFixed(2)} ulp (element ${i} of ${xs.length})`);
  }
}

describe('vectorized transcendental ops over the whole float range', () => {
  const lengths = [0, 1, 7, 8, 9, 15, 16, 17, 1000, 70001];
  forEachIsa((isa) => {
    for (const [name, fn, f, tol] of VMATH) {
      it(`${name} within a few ulp of float64, special values, body + tail lengths (isa=${isa})`, () => forEachIsaFixed(isa, () => {
        for (const n of lengths) {
          const xs = wideInputs(n);
          assertUlps(fn(tf.tensor(xs)).dataSync(), xs, f, tol, `${name} n=${n}`);
        }
        const xs = Float32Array.from(SPECIAL);
        assertUlps(fn(tf.tensor(xs)).dataSync(), xs, f, tol, `${name} special`);
      }));
      it(`${name} gives each element the same bits wherever it sits: offsets, strides, lengths (isa=${isa})`, () => forEachIsaFixed(isa, () => {
        const xs = wideInputs(203);
        const whole = fn(tf.tensor(xs)).dataSync();
        const same = (got: ArrayLike<number>, at: (i: number) => number, what: string): void => {
          for (let i = 0; i < got.length; i++) {
            if (!Object.is(got[i], whole[at(i)])) assert.fail(`${name} ${what} element ${i}: ${got[i]} vs ${whole[at(i)]}`);
          }
        };
        const t = tf.tensor(xs);
        for (const off of [1, 3, 5]) same(fn(t.slice(0, off, 203 - off % 2)).dataSync(), (i) => i + off, `offset ${off}`);
        same(fn(t.slice(0, 0, 203, 3)).dataSync(), (i) => 3 * i, 'step 3');
        same(fn(t.reshape([7, 29]).t()).dataSync(), (i) => (i % 7) * 29 + Math.floor(i / 7), 'transposed');
        for (let i = 0; i < 203; i += 37) same(fn(tf.tensor([xs[i]])).dataSync(), () => i, `alone ${i}`);
      }));
    }
    for (const [name, fn, df, lo, hi, atol] of VMATH_GRAD) {
      it(`${name} backward vs the float64 derivative, body + tail lengths (isa=${isa})`, () => forEachIsaFixed(isa, () => {
        for (const n of [1, 7, 17, 1000, 70001]) {
          const x = tf.rand([n], { low: lo, high: hi }).requiresGrad_(true), g = tf.rand([n], { low: -1, high: 1 });
          fn(x).backward(g);
          const xn = toNd(x.detach()), gn = toNd(g);
          const want = { shape: [n], data: xn.data.map((v, i) => gn.data[i] * df(v)) };
          assertClose(x.grad!, want, 2e-5, atol ?? 1e-7, `${name}' n=${n}`);
        }
      }));
    }
  });
});

describe('gelu (exact, erf-based) dense sweep over [-20, 10] against float64', () => {
  // NOTE: the negative tail is where a float evaluation lost up to 9 ulp: near x = -13 Phi(x)
  // is a float subnormal while x Phi(x) is not. Every float32 value in [-13.15, -13.05] is taken
  // besides an even grid (step ~2.3e-4) over the whole interval.
  const N = 1 << 17, lo = -20, hi = 10;
  const xs: number[] = [];
  for (let i = 0; i < N; i++) xs.push(Math.fround(lo + ((hi - lo) * i) / (N - 1)));
  for (let v = Math.fround(-13.15); v <= -13.05; v = nextUp(v)) xs.push(v);
  const x32 = Float32Array.from(xs);
  forEachIsa((isa) => {
    it(`forward within 2 ulp, backward within 2 ulp of its larger term (isa=${isa})`, () => forEachIsaFixed(isa, () => {
      const x = tf.tensor(x32).requiresGrad_(true);
      const y = x.gelu();
      assertUlps(y.dataSync(), x32, (v) => v * ref.normalCdf(v), () => 2, 'gelu');
      y.sum().backward();
      const g = x.grad!.dataSync();
      // gelu'(x) = Phi(x) + x phi(x) has a zero at x = -0.7518 where the terms cancel, so the
      // error is measured in ulps of the larger term there.
      for (let i = 0; i < x32.length; i++) {
        const v = x32[i], P = ref.normalCdf(v), d = (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI);
        const err = Math.abs(g[i] - (P + d)) / ulpOf(Math.max(Math.abs(P), Math.abs(d)));
        if (!(err <= 2)) assert.fail(`gelu'(${v}) = ${g[i]}, expected ${P + d}: ${err.toFixed(2)} ulp of the larger term`);
      }
    }));
  });
});

/** The next float32 above v (v finite, negative or positive, not -0). */
function nextUp(v: number): number {
  const f = new Float32Array([v]), u = new Int32Array(f.buffer);
  u[0] += v < 0 ? -1 : 1;
  return f[0];
}

/** The float64 base after an in-place op on its view base.slice(1, 1, C, 2) (the odd columns):
 * those elements become f(old, other's broadcast value), every other element keeps its value. */
function oddColumnsAfter(base: ref.Nd, other: ref.Nd, f: (x: number, y: number) => number): ref.Nd {
  const [R, C] = base.shape, view = ref.slice(base, 1, 1, C, 2), W = view.shape[1];
  const updated = ref.binary(view, other, (x, y) => f32(f(x, y)));
  const out = Float64Array.from(base.data);
  for (let r = 0; r < R; r++) for (let j = 0; j < W; j++) out[r * C + 1 + 2 * j] = updated.data[r * W + j];
  return { shape: [R, C], data: out };
}

describe('in-place ops vs float64 reference', () => {
  const INPLACE: [string, (a: number, b: number) => number][] = [
    ['add_', (a, b) => a + b], ['sub_', (a, b) => a - b], ['mul_', (a, b) => a * b], ['div_', (a, b) => a / b],
  ];
  forEachIsa((isa) => {
    for (const [name, f] of INPLACE) {
      it(`${name}: contiguous (threaded, broadcast), strided view and scalar; returns self (isa=${isa})`, () => forEachIsaFixed(isa, () => {
        const call = (t: Tensor, o: Tensor | number): Tensor => (t as unknown as Record<string, (o: Tensor | number) => Tensor>)[name](o);
        const [x, xn] = randPair([300, 257]), [b, bn] = randPair([257], 0.5, 2);
        assert.strictEqual(call(x, b), x);
        assertClose(x, ref.binary(xn, bn, (p, q) => f32(f(p, q))), 2e-6, 1e-6, `${name} [300, 257] by [257]`);
        const [base, basen] = randPair([6, 11]), [o, on] = randPair([6, 5], 0.5, 2);
        const view = base.slice(1, 1, 11, 2);  // [6, 5], column stride 2
        assert.strictEqual(call(view, o), view);
        assertClose(base, oddColumnsAfter(basen, on, f), 2e-6, 1e-6, `${name} on a strided view`);
        const [s, sn] = randPair([7]);
        call(s, 0.75);
        assertClose(s, ref.unary(sn, (v) => f32(f(v, 0.75))), 2e-6, 1e-6, `${name} scalar`);
      }));
    }
    it(`fill_, zero_ and copy_ (broadcast, int32 to float32, into a transposed view) (isa=${isa})`, () => forEachIsaFixed(isa, () => {
      const [base, basen] = randPair([6, 11]);
      const view = base.slice(1, 1, 11, 2);
      assert.strictEqual(view.fill_(-1.5), view);
      assertClose(base, oddColumnsAfter(basen, ref.nd([], [-1.5]), (_, v) => v), 0, 0, 'fill_ on a strided view');
      const [z, zn] = randPair([6, 11]);
      const zv = z.slice(1, 1, 11, 2);
      assert.strictEqual(zv.zero_(), zv);
      assertClose(z, oddColumnsAfter(zn, ref.nd([], [0]), () => 0), 0, 0, 'zero_ on a strided view');
      const [c, cn] = randPair([6, 11]), [src, srcn] = randPair([5]);
      const cv = c.slice(1, 1, 11, 2);
      assert.strictEqual(cv.copy_(src), cv);
      assertClose(c, oddColumnsAfter(cn, srcn, (_, v) => v), 0, 0, 'copy_ broadcast into a strided view');
      const ints = tf.randint(-50, 50, [4, 3]), dst = tf.zeros([3, 4]);
      dst.t().copy_(ints);
      assertClose(dst, ref.permute(toNd(ints), [1, 0]), 0, 0, 'copy_ int32 into a transposed float32 view');
      assert.strictEqual(dst.dtype, 'float32');
      const [big, bign] = randPair([70001]);
      const out = tf.full([70001], 9).copy_(big);
      assertClose(out, bign, 0, 0, 'copy_ threaded');
      assertClose(tf.zeros([70001]).fill_(3.25), ref.nd([70001], new Array(70001).fill(3.25)), 0, 0, 'fill_ threaded');
    }));
  });
});
