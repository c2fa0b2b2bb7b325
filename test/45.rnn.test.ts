/** Recurrent layer ops (rnnLayer tanh/relu, lstmLayer, gruLayer): forward vs the float64
 * reference on every ISA, gradients vs finite differences, and argument validation. */
import * as assert from 'assert';
import { tf, assertClose, forEachIsa, toNd, gradcheck, assertThrows, withIsa } from './helpers';
import { rnnLayerRef, gatesOf, type RnnRefMode, type RnnRefResult } from './reference/rnn';
import * as ref from './reference/ndarray';
import { native, args } from '../lib/native';
import type { Tensor, RnnLayerParams, RnnLayerOptions } from '../lib';

const MODES: RnnRefMode[] = ['rnnTanh', 'rnnRelu', 'lstm', 'gru'];

interface Setup { mode: RnnRefMode; x: Tensor; h0: Tensor; c0: Tensor | null; params: RnnLayerParams }

/** Random inputs; weights a bit larger than PyTorch's init so the gates leave the linear range. */
function setup(mode: RnnRefMode, [T, B, I, H]: number[], bias = true, requiresGrad = false): Setup {
  const G = gatesOf(mode), k = 1.5 / Math.sqrt(Math.max(H, 1));
  const u = (shape: number[], s = k): Tensor => tf.rand(shape, { low: -s, high: s, requiresGrad });
  return {
    mode, x: u([T, B, I], 1), h0: u([B, H], 0.8), c0: mode === 'lstm' ? u([B, H], 0.8) : null,
    params: {
      weightIh: u([G * H, I]), weightHh: u([G * H, H]),
      biasIh: bias ? u([G * H]) : null, biasHh: bias ? u([G * H]) : null,
    },
  };
}


interface Out { output: Tensor; hn: Tensor; cn: Tensor | null }

function run(s: Setup, opts: RnnLayerOptions = {}, x = s.x): Out {
  if (s.mode === 'lstm') return tf.lstmLayer(x, s.h0, s.c0, s.params, opts);
  if (s.mode === 'gru') return { ...tf.gruLayer(x, s.h0, s.params, opts), cn: null };
  return { ...tf.rnnLayer(x, s.h0, s.params, { ...opts, nonlinearity: s.mode === 'rnnTanh' ? 'tanh' : 'relu' }), cn: null };
}

function reference(s: Setup, reverse = false): RnnRefResult {
  const p = s.params;
  return rnnLayerRef(s.mode, toNd(s.x), toNd(s.h0), s.c0 && toNd(s.c0), {
    wIh: toNd(p.weightIh), wHh: toNd(p.weightHh), bIh: p.biasIh ? toNd(p.biasIh) : null, bHh: p.biasHh ? toNd(p.biasHh) : null,
  }, reverse);
}

function assertMatches(got: Out, want: RnnRefResult, what: string, rtol = 1e-4, atol = 2e-5): void {
  assertClose(got.output, want.output, rtol, atol, `${what} output`);
  assertClose(got.hn, want.hn, rtol, atol, `${what} hn`);
  if (want.cn) assertClose(got.cn as Tensor, want.cn, rtol, atol, `${what} cn`);
}

// [T, B, I, H]: odd sizes, size 1, empty sequence, empty batch, vector tails, threaded sizes.
const SHAPES = [[5, 3, 7, 5], [1, 1, 1, 1], [3, 2, 4, 9], [0, 2, 3, 4], [2, 0, 3, 4], [4, 3, 1, 17], [7, 37, 19, 33], [3, 64, 16, 40]];

describe('recurrent layers: forward vs float64 reference', () => {
  forEachIsa((isa) => {
    describe(`isa=${isa}`, () => {
      for (const mode of MODES) {
        it(`${mode}: shapes ${SHAPES.map((s) => `[${s}]`).join(' ')}, both directions, with and without bias`, () => {
          withIsa(isa, () => SHAPES.forEach((shape, k) => {
            for (const reverse of [false, true]) {
              const s = setup(mode, shape, (k + (reverse ? 1 : 0)) % 2 === 0);
              assertMatches(run(s, { reverse }), reference(s, reverse), `${mode} [${shape}] reverse=${reverse}`);
            }
          }));
        });
        it(`${mode}: saturated gates (pre-activations up to +-100, and +-1e30) stay finite and match`, () => {
          withIsa(isa, () => {
            const s = setup(mode, [3, 4, 5, 11]);
            const big = { ...s, x: s.x.mul(60) };  // |W x| reaches ~100: sigmoid/tanh at 0 and 1
            const out = run(big);
            assertMatches(out, reference(big), `${mode} saturated`);
            if (mode !== 'rnnRelu') {
              const huge = { ...s, x: s.x.mul(1e30) };
              for (const v of run(huge).output.dataSync()) assert.ok(Number.isFinite(v) && Math.abs(v) <= 1, `${mode} 1e30 input gave ${v}`);
            }
          });
        });
      }
    });
  });

  for (const mode of MODES) {
    it(`${mode}: batchFirst takes [B, T, I] and returns [B, T, H]`, () => {
      const s = setup(mode, [4, 3, 5, 6]);
      const xb = s.x.transpose(0, 1).contiguous();
      const got = run(s, { batchFirst: true }, xb);
      const want = reference(s);
      assert.deepStrictEqual(got.output.shape, [3, 4, 6]);
      assertMatches({ ...got, output: got.output.transpose(0, 1) }, want, `${mode} batchFirst`);
    });
    it(`${mode}: the naive native reference kernel matches too`, () => {
      const s = setup(mode, [6, 5, 4, 7]);
      assertMatches(run(s, { reference: true, reverse: true }), reference(s, true), `${mode} reference kernel`);
    });
  }

  it('h0/c0 default to zeros; non-contiguous inputs are accepted', () => {
    const s = setup('lstm', [3, 2, 4, 5]);
    const zero = { ...s, h0: tf.zeros([2, 5]), c0: tf.zeros([2, 5]) };
    assertMatches(tf.lstmLayer(s.x, null, null, s.params), reference(zero), 'lstm zero state');
    const wT = s.params.weightIh.t().contiguous().t();  // same values, transposed strides
    assert.strictEqual(wT.isContiguous(), false);
    assertMatches(tf.lstmLayer(s.x, s.h0, s.c0, { ...s.params, weightIh: wT }), reference(s), 'non-contiguous weight');
  });
});

/** Analytic gradients (native backward through autograd) of L = <Ry,output> + <Rh,hn> + <Rc,cn>
 * against central differences of the float64 reference. */
function checkGradsAgainstReference(s: Setup, reverse: boolean, which = { y: 1, h: 1, c: 1 }, reference = false): void {
  const leaves: [string, Tensor][] = [['x', s.x], ['h0', s.h0], ['weightIh', s.params.weightIh], ['weightHh', s.params.weightHh]];
  if (s.c0) leaves.push(['c0', s.c0]);
  if (s.params.biasIh) leaves.push(['biasIh', s.params.biasIh], ['biasHh', s.params.biasHh as Tensor]);
  const out = run(s, { reverse, reference });
  const ry = tf.randn(out.output.shape).mul(which.y), rh = tf.randn(out.hn.shape).mul(which.h);
  const rc = out.cn ? tf.randn(out.cn.shape).mul(which.c) : null;
  let loss = out.output.mul(ry).sum().add(out.hn.mul(rh).sum());
  if (out.cn && rc) loss = loss.add(out.cn.mul(rc).sum());
  loss.backward();
  const R = [toNd(ry), toNd(rh), rc ? toNd(rc) : null];
  const nds = new Map(leaves.map(([n, t]) => [n, toNd(t)]));
  const refLoss = (): number => {
    const g = (n: string): ref.Nd => nds.get(n) as ref.Nd;
    const o = rnnLayerRef(s.mode, g('x'), g('h0'), s.c0 ? g('c0') : null,
      { wIh: g('weightIh'), wHh: g('weightHh'), bIh: nds.get('biasIh') ?? null, bHh: nds.get('biasHh') ?? null }, reverse);
    let l = 0;
    [o.output, o.hn, o.cn].forEach((nd, k) => { if (nd) nd.data.forEach((v, i) => { l += v * (R[k] as ref.Nd).data[i]; }); });
    return l;
  };
  for (const [name, t] of leaves) {
    const nd = nds.get(name) as ref.Nd, eps = 1e-6;
    const numeric = new Float64Array(nd.data.length);
    for (let i = 0; i < nd.data.length; i++) {
      const v = nd.data[i];
      nd.data[i] = v + eps; const lp = refLoss();
      nd.data[i] = v - eps; const lm = refLoss();
      nd.data[i] = v;
      numeric[i] = (lp - lm) / (2 * eps);
    }
    assert.ok(t.grad, `${name} has no gradient`);
    assertClose(t.grad as Tensor, { shape: nd.shape, data: numeric }, 1e-3, 2e-4, `${s.mode} reverse=${reverse} d${name}`);
  }
}

describe('recurrent layers: gradients', () => {
  for (const mode of MODES) {
    it(`${mode}: every input and weight vs finite differences of the float64 reference (both directions, bias or not)`, () => {
      for (const reverse of [false, true]) {
        for (const bias of [true, false]) checkGradsAgainstReference(setup(mode, [3, 2, 3, 4], bias, true), reverse);
      }
    });
    it(`${mode}: on every ISA at sizes with vector tails; only hn used; T = 1`, () => forEachIsa(() => {
      checkGradsAgainstReference(setup(mode, [2, 3, 2, 9], true, true), true);
      checkGradsAgainstReference(setup(mode, [3, 2, 2, 5], true, true), false, { y: 0, h: 1, c: 0 });
      checkGradsAgainstReference(setup(mode, [1, 1, 1, 1], true, true), false);
    }));
    it(`${mode}: the naive native backward vs finite differences too`, () => {
      checkGradsAgainstReference(setup(mode, [3, 2, 3, 5], true, true), true, { y: 1, h: 1, c: 1 }, true);
    });
    it(`${mode}: threaded sizes, fast backward matches the naive native backward on every ISA`, () => forEachIsa(() => {
      const grads = (reference: boolean): Float32Array[] => {
        tf.manualSeed(7);  // the same inputs for both kernels
        const s = setup(mode, [5, 37, 19, 33], true, true);
        const p = s.params;
        const leaves = [s.x, s.h0, p.weightIh, p.weightHh, p.biasIh as Tensor, p.biasHh as Tensor, ...(s.c0 ? [s.c0] : [])];
        const o = run(s, { reverse: true, reference });
        let l = o.output.square().sum().add(o.hn.sum());
        if (o.cn) l = l.add(o.cn.mul(0.5).sum());
        l.backward();
        return leaves.map((t) => (t.grad as Tensor).dataSync() as Float32Array);
      };
      const fast = grads(false), slow = grads(true);
      fast.forEach((g, i) => assertClose(toNd(tf.tensor(g)), toNd(tf.tensor(slow[i])), 1e-3, 1e-4, `${mode} leaf ${i}`));
    }));
  }

  for (const mode of ['rnnTanh', 'lstm', 'gru'] as RnnRefMode[]) {
    it(`${mode}: float32 finite differences through the op (gradcheck helper)`, () => {
      const s = setup(mode, [3, 2, 3, 4]);
      const fn = (...xs: Tensor[]): Tensor => {
        const [x, h0, wIh, wHh, bIh, bHh, c0] = xs;
        const o = run({ mode, x, h0, c0: c0 ?? null, params: { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh } });
        const r = o.output.sum(0).add(o.hn.mul(2));
        return o.cn ? r.add(o.cn.mul(3)) : r;
      };
      const p = s.params;
      const inputs = [s.x, s.h0, p.weightIh, p.weightHh, p.biasIh as Tensor, p.biasHh as Tensor];
      gradcheck(fn, s.c0 ? [...inputs, s.c0] : inputs);
    });
  }

  it('x without requiresGrad gets no gradient, the weights still do; retainGraph doubles', () => {
    const s = setup('gru', [3, 2, 3, 4], true, true);
    s.x.requiresGrad_(false);
    const o = run(s);
    const loss = o.output.sum();
    loss.backward({ retainGraph: true });
    assert.strictEqual(s.x.grad, null);
    const once = toNd(s.params.weightHh.grad as Tensor);
    loss.backward();
    assertClose(s.params.weightHh.grad as Tensor, ref.unary(once, (v) => 2 * v), 1e-6, 1e-7, 'retainGraph');
  });

  it('under noGrad nothing is recorded and no tensors leak', () => {
    const s = setup('lstm', [4, 3, 2, 5], true, true);
    const before = tf.memory().numTensors;
    tf.tidy(() => tf.noGrad(() => {
      const o = run(s);
      assert.strictEqual(o.output.requiresGrad, false);
      assert.strictEqual(o.hn.gradFn, null);
    }));
    assert.strictEqual(tf.memory().numTensors, before);
  });
});

describe('recurrent layers: bad input', () => {
  let s: Setup, p: RnnLayerParams;
  beforeEach(() => { s = setup('lstm', [3, 2, 3, 4]); p = s.params; });  // drawn per test (seeded by its title)
  it('rejects non-tensors, wrong dtypes and disposed tensors with TypeError/Error', () => {
    assertThrows(() => tf.lstmLayer([1, 2] as unknown as Tensor, null, null, p), TypeError, /lstmLayer: x must be a Tensor/);
    assertThrows(() => tf.lstmLayer(s.x.to('int32'), null, null, p), TypeError, /lstmLayer: x must be float32, got int32/);
    assertThrows(() => tf.gruLayer(s.x, null, null as unknown as RnnLayerParams), TypeError, /params must be an object/);
    assertThrows(() => tf.lstmLayer(s.x, null, null, { ...p, biasHh: null }), TypeError, /pass both biasIh and biasHh/);
    assertThrows(() => tf.gruLayer(s.x, null, p), RangeError, /gruLayer: weightHh must be \[3\*H, H\], got \[16, 4\]/);
    assertThrows(() => tf.rnnLayer(s.x, null, p, { nonlinearity: 'sigmoid' as 'tanh' }), TypeError, /nonlinearity must be 'tanh' or 'relu'/);
    const d = tf.randn([3, 2, 3]);
    d.dispose();
    assertThrows(() => tf.lstmLayer(d, null, null, p), Error, /disposed/);
  });
  it('rejects wrong shapes with RangeError naming the argument and the shapes', () => {
    assertThrows(() => tf.lstmLayer(tf.randn([3, 3]), null, null, p), RangeError, /lstmLayer: x must be \[T, B, I\], got \[3, 3\]/);
    assertThrows(() => tf.lstmLayer(s.x, null, null, { ...p, weightHh: tf.randn([8, 3]) }), RangeError, /weightHh must be \[4\*H, H\], got \[8, 3\]/);
    assertThrows(() => tf.lstmLayer(tf.randn([3, 2, 5]), null, null, p), RangeError, /weightIh must have shape \[16, 5\].*got \[16, 3\]/);
    assertThrows(() => tf.lstmLayer(s.x, tf.randn([3, 4]), null, p), RangeError, /h0 must have shape \[2, 4\].*got \[3, 4\]/);
    assertThrows(() => tf.lstmLayer(s.x, null, tf.randn([2, 5]), p), RangeError, /c0 must have shape \[2, 4\].*got \[2, 5\]/);
    assertThrows(() => tf.lstmLayer(s.x, null, null, { ...p, biasIh: tf.randn([15]) }), RangeError, /biasIh must have shape \[16\].*got \[15\]/);
    assertThrows(() => tf.lstmLayer(s.x, s.h0, null, p, { batchFirst: true }), RangeError, /h0 must have shape \[3, 4\].*got \[2, 4\]/);
  });
  it('the native binding validates on its own (shapes, overlap, missing handles) and never crashes', () => {
    const T = 3, B = 2, I = 3, H = 4;
    const t = (shape: number[]): Tensor => tf.randn(shape);
    const y = t([T, B, H]), hn = t([B, H]), reserve = t([T, B, 0]), x = t([T, B, I]), h0 = t([B, H]);
    const wIh = t([H, I]), wHh = t([H, H]);
    const call = (views: Tensor[], hs: (Tensor | null)[]): void => {
      args.reset().num(0).num(0).num(0).num(0);
      for (const v of views) args.view(v);
      const h = hs.map((v) => (v ? v.handle('test') : null)) as Parameters<typeof native.rnnForward>;
      native.rnnForward(...h);
    };
    const ok = [y, hn, reserve, x, h0, wIh, wHh];
    call(ok, [y, hn, null, reserve, x, h0, null, wIh, wHh, null, null]);  // valid call
    const y5 = t([T, B, H + 1]);
    assertThrows(() => call([y5, hn, reserve, x, h0, wIh, wHh], [y5, hn, null, reserve, x, h0, null, wIh, wHh, null, null]),
      RangeError, /y must have shape \[3, 2, 4\], got \[3, 2, 5\]/);
    const r1 = t([T, B, 1]);
    assertThrows(() => call([y, hn, r1, x, h0, wIh, wHh], [y, hn, null, r1, x, h0, null, wIh, wHh, null, null]),
      RangeError, /reserve must have shape \[3, 2, 0\]/);
    assertThrows(() => call(ok, [y, y, null, reserve, x, h0, null, wIh, wHh, null, null]), RangeError, /must not overlap/);
    assertThrows(() => call(ok, [y, hn, null, reserve, x, h0, null, wIh, null, null, null]), TypeError, /not a tensor storage handle/);
    const bad = x.transpose(0, 1);
    assertThrows(() => call([y, hn, reserve, bad, h0, wIh, wHh], [y, hn, null, reserve, x, h0, null, wIh, wHh, null, null]),
      RangeError, /x must be contiguous/);
  });
});
