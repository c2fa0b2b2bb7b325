/** groupNorm and interpolate (nearest, bilinear) on every ISA against the float64
 * references: forward, backward, finite differences, odd / size-1 / size-0 shapes,
 * non-contiguous inputs, the nn modules, and bad input. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa, gradcheck, randPair, toNd } from './helpers';
import * as ref from './reference/resample';
import type { Nd } from './reference/ndarray';
import { native, args } from '../lib/native';
import { nn, type Tensor } from '../lib';
const near = (a: Tensor | Nd, e: Nd, what: string, tol = 1e-4): void => assertClose(a, e, tol, tol, what);
const vec = (v: number[]): Nd => ({ shape: [v.length], data: Float64Array.from(v) });
const list = (t: Tensor): number[] => Array.from(t.dataSync());

describe('groupNorm vs float64 reference', () => {
  // [shape, numGroups]: odd sizes, one group (layer-norm-like), one channel per group
  // (instance-norm-like), no spatial dims, a 3-D spatial input, a size-1 batch.
  const cases: Array<[number[], number]> = [[[2, 6, 5, 3], 3], [[3, 4], 2], [[1, 8, 3, 3, 3], 4], [[5, 9, 7], 1],
    [[2, 6, 4, 4], 6], [[4, 32, 9, 9], 8], [[1, 3, 1, 1], 3]];

  it('forward, saved statistics and gradients on every ISA (affine or not, offset mean)', () => forEachIsa((isa) => {
    for (const [xs, G] of cases) {
      for (const affine of [true, false]) {
        const C = xs[1], tag = `isa=${isa} ${JSON.stringify(xs)} G=${G} affine=${affine}`;
        const [x0, xn0] = randPair(xs);
        const x = x0.mul(3).add(5);  // offset mean: the statistics must be computed stably
        const xn = { shape: xn0.shape, data: xn0.data.map((v) => Math.fround(Math.fround(v * 3) + 5)) };
        const [w, wn] = randPair([C]), [b, bn] = randPair([C]);
        const [xg, wg, bg] = [x, w, b].map((t) => t.detach().clone().requiresGrad_(true));
        const y = tf.groupNorm(xg, G, affine ? wg : null, affine ? bg : null, 1e-3);
        const wl = affine ? Array.from(wn.data) : null;
        near(y, ref.groupNorm(xn, G, wl, affine ? Array.from(bn.data) : null, 1e-3), `${tag} forward`);
        const [dy, dyn] = randPair(xs);
        y.backward(dy);
        const gr = ref.groupNormBackward(xn, dyn, G, wl, 1e-3);
        assertClose(xg.grad!, gr.dx, 1e-3, 1e-3, `${tag} grad input`);
        if (affine) {
          near(wg.grad!, vec(gr.dw), `${tag} grad weight`, 2e-4);
          near(bg.grad!, vec(gr.db), `${tag} grad bias`);
        }
      }
    }
  }));

  it('large mean next to a small spread keeps its precision', () => forEachIsa((isa) => {
    // NOTE: the float32 mean itself is off by up to half an ulp of 100 (4e-6), which the
    // normalization magnifies by 1/std (~17) in every output: the bound for any float32 kernel.
    const [x0] = randPair([2, 4, 16, 16]);
    const x = x0.mul(0.1).add(100), xn = toNd(x);
    near(tf.groupNorm(x, 2, null, null, 1e-6), ref.groupNorm(xn, 2, null, null, 1e-6), `isa=${isa}`, 2e-4);
  }));

  it('passes finite differences (input, weight, bias)', () => {
    const [x] = randPair([2, 4, 3, 2]), [w] = randPair([4]), [b] = randPair([4]);
    gradcheck((xi, wi, bi) => tf.groupNorm(xi, 2, wi, bi, 1e-3), [x, w, b]);
    gradcheck((xi) => tf.groupNorm(xi, 4), [randPair([3, 4, 5])[0]]);
  });

  it('non-contiguous input equals its contiguous copy', () => forEachIsa((isa) => {
    const [x0] = randPair([4, 5, 6, 2]);
    const x = x0.permute([1, 0, 3, 2]);  // [5, 4, 2, 6], not contiguous
    assert.ok(!x.isContiguous());
    const [w, wn] = randPair([4]);
    const xg = x.detach().requiresGrad_(true);
    const y = tf.groupNorm(xg, 2, w, null);
    near(y, ref.groupNorm(toNd(x.contiguous()), 2, Array.from(wn.data), null, 1e-5), `isa=${isa} forward`);
    const [dy, dyn] = randPair(y.shape.slice());
    y.backward(dy);
    assertClose(xg.grad!, ref.groupNormBackward(toNd(x.contiguous()), dyn, 2, Array.from(wn.data), 1e-5).dx, 1e-3, 1e-3, `isa=${isa} grad`);
  }));

  it('a size-0 batch gives empty outputs and zero parameter gradients', () => {
    const x = tf.zeros([0, 4, 3, 3]).requiresGrad_(true), w = tf.ones([4]).requiresGrad_(true), b = tf.zeros([4]).requiresGrad_(true);
    const y = tf.groupNorm(x, 2, w, b);
    assert.deepStrictEqual(y.shape, [0, 4, 3, 3]);
    y.sum().backward();
    assert.deepStrictEqual(x.grad!.shape, [0, 4, 3, 3]);
    assert.deepStrictEqual(list(w.grad!), [0, 0, 0, 0]);
    assert.deepStrictEqual(list(b.grad!), [0, 0, 0, 0]);
  });

  it('rejects bad input naming the op, the argument and the shapes', () => {
    const x = tf.randn([2, 6, 3]);
    assertThrows(() => tf.groupNorm(tf.zeros([2, 6, 3], { dtype: 'int32' }), 3), TypeError, /groupNorm: input must be float32, got int32/);
    assertThrows(() => tf.groupNorm(tf.randn([6]), 3), RangeError, /groupNorm: input must have at least 2 dims \(N, C, \.\.\.\), got \[6\]/);
    assertThrows(() => tf.groupNorm(x, 4), RangeError, /groupNorm: numGroups 4 must divide the number of channels 6 of input \[2, 6, 3\]/);
    assertThrows(() => tf.groupNorm(x, 0), RangeError, /groupNorm: numGroups must be >= 1, got 0/);
    assertThrows(() => tf.groupNorm(x, 1.5), TypeError, /groupNorm: numGroups must be an integer, got 1.5/);
    assertThrows(() => tf.groupNorm(x, 3, tf.ones([5])), RangeError, /groupNorm: weight must have shape \[6\], got \[5\]/);
    assertThrows(() => tf.groupNorm(x, 3, null, tf.ones([6], { dtype: 'int32' })), TypeError, /groupNorm: bias must be float32, got int32/);
    assertThrows(() => tf.groupNorm(x, 3, null, null, -1), RangeError, /groupNorm: eps must be >= 0, got -1/);
    assertThrows(() => tf.groupNorm(x, 3, null, null, NaN), TypeError, /groupNorm: eps must be a finite number, got NaN/);
  });

  it('the binding validates what reaches it directly (statistics shape, groups)', () => {
    const x = tf.randn([2, 6, 3]), y = tf.zeros([2, 6, 3]), good = tf.zeros([2, 3]), bad = tf.zeros([2, 2]);
    const call = (G: number, m: Tensor): void => {
      args.reset().num(G).num(1e-5).num(0).num(0).view(y).view(m).view(good).view(x);
      native.groupNormForward(y.handle('t'), m.handle('t'), good.handle('t'), x.handle('t'), undefined, undefined);
    };
    assertThrows(() => call(4, good), RangeError, /groupNorm: num_groups 4 must divide the number of channels 6 of input \[2, 6, 3\]/);
    assertThrows(() => call(3, bad), RangeError, /groupNorm: mean must have 6 elements, got shape \[2, 2\]/);
  });
});

describe('interpolate vs float64 reference', () => {
  type Case = { xs: number[]; opts: tf.InterpolateOptions; out: [number, number] };
  const nearest: Case[] = [
    { xs: [2, 3, 4, 6], opts: { size: [7, 5] }, out: [7, 5] },
    { xs: [1, 2, 5, 3], opts: { scaleFactor: 2 }, out: [10, 6] },
    { xs: [2, 2, 5, 7], opts: { scaleFactor: 1.5 }, out: [7, 10] },
    { xs: [1, 3, 9, 8], opts: { scaleFactor: [0.5, 0.7] }, out: [4, 5] },
    { xs: [3, 1, 5, 4], opts: { scaleFactor: 1.1 }, out: [5, 4] },  // out == in: the identity, like PyTorch
    { xs: [2, 2, 4, 6], opts: { size: [6, 9] }, out: [6, 9] },
    { xs: [1, 1, 1, 1], opts: { size: 3 }, out: [3, 3] },
  ];
  const bilinear: Case[] = [];
  for (const alignCorners of [false, true]) {
    bilinear.push(
      { xs: [2, 3, 4, 6], opts: { mode: 'bilinear', alignCorners, size: [7, 5] }, out: [7, 5] },
      { xs: [1, 2, 5, 3], opts: { mode: 'bilinear', alignCorners, scaleFactor: 2 }, out: [10, 6] },
      { xs: [2, 2, 5, 7], opts: { mode: 'bilinear', alignCorners, scaleFactor: [1.7, 0.6] }, out: [8, 4] },
      { xs: [1, 3, 9, 8], opts: { mode: 'bilinear', alignCorners, size: [3, 1] }, out: [3, 1] },
      { xs: [2, 1, 1, 5], opts: { mode: 'bilinear', alignCorners, size: [4, 11] }, out: [4, 11] },
    );
  }
  const geom = (c: Case): ref.InterpGeom => {
    const f = c.opts.scaleFactor;
    return {
      mode: c.opts.mode ?? 'nearest', out: c.out, alignCorners: c.opts.alignCorners ?? false,
      factors: f === undefined ? null : typeof f === 'number' ? [f, f] : f,
    };
  };

  for (const [name, cases] of [['nearest', nearest], ['bilinear', bilinear]] as const) {
    it(`${name}: forward and backward on every ISA`, () => forEachIsa((isa) => {
      for (const c of cases) {
        const tag = `isa=${isa} ${JSON.stringify(c.xs)} ${JSON.stringify(c.opts)}`;
        const [x, xn] = randPair(c.xs);
        const xg = x.detach().requiresGrad_(true);
        const y = tf.interpolate(xg, c.opts);
        near(y, ref.interpolate(xn, geom(c)), `${tag} forward`);
        const [dy, dyn] = randPair(y.shape.slice());
        y.backward(dy);
        near(xg.grad!, ref.interpolateBackward(c.xs, dyn, geom(c)), `${tag} backward`);
      }
    }));
  }

  it('backward is the adjoint of forward: <interp(x), g> = <x, interp^T(g)>', () => forEachIsa((isa) => {
    for (const c of [...nearest, ...bilinear]) {
      const [x] = randPair(c.xs), xg = x.detach().requiresGrad_(true);
      const y = tf.interpolate(xg, c.opts), [g] = randPair(y.shape.slice());
      y.backward(g);
      const lhs = y.detach().mul(g).sum().item(), rhs = x.mul(xg.grad!).sum().item();
      assert.ok(Math.abs(lhs - rhs) <= 1e-4 * (1 + Math.abs(lhs)), `isa=${isa} ${JSON.stringify(c.opts)}: ${lhs} vs ${rhs}`);
    }
  }));

  it('recomputeScaleFactor samples as if the output size had been given', () => {
    const [x] = randPair([2, 3, 5, 7]);
    for (const mode of ['nearest', 'bilinear'] as const) {
      const a = tf.interpolate(x, { scaleFactor: 1.3, mode, recomputeScaleFactor: true }), b = tf.interpolate(x, { size: [6, 9], mode });
      assert.deepStrictEqual(list(a), list(b), mode);
    }
    // without it the given factor sets the grid: 1/1.3 differs from 7/9 along W
    assert.notDeepStrictEqual(list(tf.interpolate(x, { scaleFactor: 1.3, mode: 'bilinear' })), list(tf.interpolate(x, { size: [6, 9], mode: 'bilinear' })));
  });

  it('passes finite differences', () => {
    gradcheck((x) => tf.interpolate(x, { size: [5, 4], mode: 'bilinear' }), [randPair([2, 2, 3, 3])[0]]);
    gradcheck((x) => tf.interpolate(x, { scaleFactor: 1.5, mode: 'bilinear', alignCorners: true }), [randPair([1, 2, 3, 2])[0]]);
    gradcheck((x) => tf.interpolate(x, { scaleFactor: [2, 0.5] }), [randPair([2, 1, 3, 4])[0]]);
  });

  it('non-contiguous input, size-1 and size-0 batches', () => forEachIsa((isa) => {
    const [x0] = randPair([3, 4, 6, 5]);
    const x = x0.transpose(2, 3);  // [3, 4, 5, 6]
    assert.ok(!x.isContiguous());
    const g: ref.InterpGeom = { mode: 'bilinear', out: [8, 9], alignCorners: false, factors: null };
    near(tf.interpolate(x, { size: [8, 9], mode: 'bilinear' }), ref.interpolate(toNd(x.contiguous()), g), `isa=${isa} non-contiguous`);
    const [one, onen] = randPair([1, 1, 2, 3]);
    near(tf.interpolate(one, { scaleFactor: 3 }), ref.interpolate(onen, { mode: 'nearest', out: [6, 9], factors: [3, 3] }), `isa=${isa} size-1`);
    const empty = tf.zeros([0, 3, 4, 4]).requiresGrad_(true);
    const y = tf.interpolate(empty, { scaleFactor: 2, mode: 'bilinear' });
    assert.deepStrictEqual(y.shape, [0, 3, 8, 8]);
    y.sum().backward();
    assert.deepStrictEqual(empty.grad!.shape, [0, 3, 4, 4]);
  }));

  it('the binding validates what reaches it directly (shapes, mode flags)', () => {
    const x = tf.randn([1, 2, 4, 4]), y = tf.zeros([1, 3, 8, 8]), ok = tf.zeros([1, 2, 8, 8]);
    const call = (mode: number, align: number, out: Tensor): void => {
      args.reset().num(mode).num(align).num(0).num(0).view(out).view(x);
      native.interpolateForward(out.handle('t'), x.handle('t'));
    };
    assertThrows(() => call(0, 0, y), RangeError, /interpolate: out \[1, 3, 8, 8\] must have the batch and channels of input \[1, 2, 4, 4\]/);
    assertThrows(() => call(0, 1, ok), RangeError, /interpolate: align_corners is only valid for mode 'bilinear'/);
    assertThrows(() => call(2, 0, ok), RangeError, /interpolate: mode must be an integer in \[0, 1\], got 2/);
  });

  it('rejects bad input naming the op, the argument and the shapes', () => {
    const x = tf.randn([1, 2, 4, 4]);
    assertThrows(() => tf.interpolate(tf.zeros([1, 2, 4, 4], { dtype: 'int32' }), { size: 8 }), TypeError, /interpolate: input must be float32, got int32/);
    assertThrows(() => tf.interpolate(tf.randn([2, 4, 4]), { size: 8 }), RangeError, /interpolate: input must be 4-D \(N, C, H, W\), got shape \[2, 4, 4\]/);
    assertThrows(() => tf.interpolate(x, { size: 8, scaleFactor: 2 }), TypeError, /interpolate: only one of size and scaleFactor may be given/);
    assertThrows(() => tf.interpolate(x, { mode: 'bilinear' }), TypeError, /interpolate: either size or scaleFactor must be given/);
    assertThrows(() => tf.interpolate(x, { size: 8, mode: 'bicubic' as 'bilinear' }), RangeError, /interpolate: mode must be one of 'nearest', 'bilinear', got "bicubic"/);
    assertThrows(() => tf.interpolate(x, { size: 8, alignCorners: true }), RangeError, /interpolate: alignCorners can only be set for mode 'bilinear'/);
    assertThrows(() => tf.interpolate(x, { size: [0, 3] }), RangeError, /interpolate: size must be >= 1, got \[0,3\]/);
    assertThrows(() => tf.interpolate(x, { scaleFactor: 0.1 }), RangeError, /interpolate: scaleFactor 0.1 gives an empty output \[0, 0\] for input \[1, 2, 4, 4\]/);
    assertThrows(() => tf.interpolate(x, { scaleFactor: -2 }), RangeError, /interpolate: scaleFactor must be positive, got -2/);
    assertThrows(() => tf.interpolate(x, { scaleFactor: Infinity }), TypeError, /interpolate: scaleFactor must be a finite number or a pair of them/);
    assertThrows(() => tf.interpolate(x, { scaleFactor: 2, recomputeScaleFactor: 1 as unknown as boolean }), TypeError, /interpolate: recomputeScaleFactor must be a boolean, got number/);
    assertThrows(() => tf.interpolate(tf.randn([1, 2, 0, 4]), { size: 3 }), RangeError, /interpolate: input \[1, 2, 0, 4\] must have non-empty spatial dims/);
  });
});

describe('nn.GroupNorm and nn.Upsample', () => {
  it('forward as the functional ops; GroupNorm parameters get gradients', () => {
    const gn = new nn.GroupNorm(2, 6, { eps: 1e-3 }), x = tf.randn([3, 6, 4, 4]);
    assert.deepStrictEqual([...gn.namedParameters()].map(([n, p]) => [n, p.shape]), [['weight', [6]], ['bias', [6]]]);
    assert.deepStrictEqual(list(gn.forward(x)), list(tf.groupNorm(x, 2, gn.weight, gn.bias, 1e-3)));
    gn.forward(x).sum().backward();
    assert.deepStrictEqual(gn.bias!.grad!.shape, [6]);
    assert.strictEqual(new nn.GroupNorm(3, 3, { affine: false }).parameters().length, 0);
    const up = new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true });
    assert.deepStrictEqual(list(up.forward(x)), list(tf.interpolate(x, { scaleFactor: 2, mode: 'bilinear', alignCorners: true })));
    assert.strictEqual(up.extraRepr(), "size=None, scale_factor=2, mode='bilinear', align_corners=True");
    assertThrows(() => new nn.GroupNorm(4, 6), RangeError, /GroupNorm: numChannels 6 must be divisible by numGroups 4/);
    assertThrows(() => gn.forward(tf.randn([2, 4, 3])), RangeError, /GroupNorm: expected input \[N, 6, \.\.\.\], got \[2, 4, 3\]/);
  });

  it('round-trip through the layer registry (model.json config)', () => {
    const { io } = tf;
    for (const m of [new nn.GroupNorm(4, 8, { eps: 1e-4, affine: false }), new nn.Upsample({ size: [5, 7], mode: 'nearest' })]) {
      const back = io.layerFromJSON(JSON.parse(JSON.stringify(io.layerToJSON(m)))) as nn.Module;
      assert.strictEqual(back.constructor, m.constructor);
      assert.deepStrictEqual(back.getConfig(), m.getConfig());
      assert.strictEqual(String(back), String(m));
    }
  });
});
