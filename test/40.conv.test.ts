/** Convolution kernels (every algorithm the shape allows, every ISA) against the float64
 * reference, forward and gradients; the algorithm chooser; finite differences; bad input. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa, gradcheck, randPair, toNd } from './helpers';
import * as ref from './reference/conv';
import type { Nd } from './reference/ndarray';
import type { ConvAlgorithm, Conv2dOptions, Tensor } from '../lib';
import { native, args } from '../lib/native';

type Pair = [number, number];
const pair = (v: number | Pair | undefined, d: number): Pair => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);

/** The reference geometry for conv2d options (PyTorch's 'same': extra pixel bottom/right). */
function geomOf(w: number[], o: Conv2dOptions): ref.ConvGeom {
  const stride = pair(o.stride as number | Pair, 1), dilation = pair(o.dilation as number | Pair, 1);
  let pad: [number, number, number, number];
  if (o.padding === 'same') {
    const th = dilation[0] * (w[2] - 1), tw = dilation[1] * (w[3] - 1);
    pad = [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  } else if (o.padding === 'valid') {
    pad = [0, 0, 0, 0];
  } else {
    const p = pair(o.padding as number | Pair, 0);
    pad = [p[0], p[0], p[1], p[1]];
  }
  return { stride, pad, dilation, groups: o.groups ?? 1 };
}

function supports(algo: ConvAlgorithm, x: number[], w: number[], g: ref.ConvGeom): boolean {
  if (algo === 'gemm1x1') return w[2] === 1 && w[3] === 1 && g.stride.every((s) => s === 1) && g.pad.every((p) => p === 0);
  if (algo === 'depthwise') return x[1] === g.groups;
  // implicit GEMM: unit strides and output width = input width (every tap row is the plane shifted)
  if (algo === 'implicit') return g.stride.every((s) => s === 1) && x[3] + g.pad[2] + g.pad[3] - g.dilation[1] * (w[3] - 1) === x[3];
  // Winograd F(2x2, 3x3): 3x3 kernels, unit stride and dilation
  if (algo === 'winograd') return w[2] === 3 && w[3] === 3 && g.stride.every((s) => s === 1) && g.dilation.every((d) => d === 1);
  return true;
}

const near = (a: Tensor | Nd, e: Nd, what: string): void => assertClose(a, e, 1e-4, 1e-3, what);

// [name, input shape, weight shape, options, algorithm the chooser must pick]
const CASES: [string, number[], number[], Conv2dOptions, ConvAlgorithm][] = [
  ['odd sizes, padding 1', [2, 3, 7, 9], [5, 3, 3, 3], { padding: 1 }, 'im2col'],
  ['stride 2', [3, 4, 11, 10], [6, 4, 3, 3], { stride: 2, padding: 1 }, 'im2col'],
  ['dilation 2', [2, 3, 9, 9], [4, 3, 3, 3], { padding: 2, dilation: 2 }, 'im2col'],
  ['groups 2', [2, 4, 8, 7], [6, 2, 3, 3], { padding: 1, groups: 2 }, 'im2col'],
  ['depthwise', [2, 6, 9, 8], [6, 1, 3, 3], { padding: 1, groups: 6 }, 'depthwise'],
  ['depthwise, multiplier 2, stride 2', [2, 4, 9, 8], [8, 1, 5, 5], { stride: 2, padding: 2, groups: 4 }, 'depthwise'],
  ['1x1, batch 1', [1, 3, 6, 5], [7, 3, 1, 1], {}, 'gemm1x1'],
  ['1x1, groups 2', [5, 8, 4, 4], [6, 4, 1, 1], { groups: 2 }, 'gemm1x1'],
  ['1x1 with stride 2 and padding', [2, 3, 8, 8], [4, 3, 1, 1], { stride: 2, padding: 1 }, 'im2col'],
  ['asymmetric kernel and stride', [2, 3, 7, 6], [4, 3, 2, 3], { stride: [3, 1], padding: [1, 0] }, 'im2col'],
  ["padding 'same', even kernel", [2, 3, 6, 7], [4, 3, 4, 2], { padding: 'same' }, 'im2col'],
  ["padding 'same', dilation 2", [1, 2, 7, 7], [3, 2, 3, 3], { padding: 'same', dilation: 2 }, 'im2col'],
  ['one input channel', [3, 1, 8, 8], [4, 1, 3, 3], { padding: 1 }, 'im2col'],
  ['one input channel, large image', [2, 1, 28, 28], [6, 1, 5, 5], { padding: 2 }, 'im2col'],
  // Fewer weight columns (C*KH*KW) than output channels and than the micro-kernel's width:
  // the weight gradient is computed transposed.
  ['one input channel, 32 output channels (a first layer)', [3, 1, 10, 9], [32, 1, 3, 3], { padding: 1 }, 'im2col'],
  ['one input channel, 2x2 kernel, 12 output channels', [2, 1, 9, 10], [12, 1, 2, 2], { stride: 2 }, 'im2col'],
  ['small image, many channels', [4, 32, 7, 7], [16, 32, 3, 3], { padding: 1 }, 'winograd'],
  ['small image, 8 output channels', [4, 32, 7, 7], [8, 32, 3, 3], { padding: 1 }, 'im2col'],
  ['winograd, small image', [4, 64, 7, 7], [16, 64, 3, 3], { padding: 1 }, 'winograd'],
  ['kernel larger than input (padded)', [1, 1, 5, 5], [3, 1, 7, 7], { padding: 3 }, 'im2col'],
  ['output 1x1', [2, 8, 3, 3], [4, 8, 3, 3], {}, 'im2col'],
  ['threaded batch', [8, 16, 20, 20], [32, 16, 3, 3], { padding: 1 }, 'winograd'],
  ['3x3 with 8 input channels', [8, 8, 20, 20], [32, 8, 3, 3], { padding: 1 }, 'implicit'],
  ['winograd threaded batch', [8, 32, 12, 12], [32, 32, 3, 3], { padding: 1 }, 'winograd'],
  ['winograd, odd output (no padding)', [3, 32, 9, 11], [32, 32, 3, 3], {}, 'winograd'],
  ['winograd, rows unpadded (output shorter than input), odd width', [2, 32, 8, 9], [33, 32, 3, 3], { padding: [0, 1] }, 'winograd'],
  ['winograd, row padding wider than the kernel', [2, 32, 5, 6], [32, 32, 3, 3], { padding: [3, 1] }, 'winograd'],
  ['winograd, groups 2', [2, 64, 10, 9], [64, 32, 3, 3], { padding: 1, groups: 2 }, 'winograd'],
  ['batch 1, output 1x1 (a whole Winograd tile per pixel)', [1, 32, 3, 3], [32, 32, 3, 3], {}, 'im2col'],
  ['winograd, output 2 rows', [2, 32, 4, 9], [32, 32, 3, 3], {}, 'winograd'],
  ['winograd, batch 1, large image', [1, 32, 37, 40], [32, 32, 3, 3], { padding: 1 }, 'winograd'],
  ['odd width, panels straddle rows', [3, 8, 17, 19], [7, 8, 3, 3], { padding: 1 }, 'implicit'],
  ['5x5, groups 2, dilation 2', [2, 16, 16, 18], [6, 8, 5, 5], { padding: 4, dilation: 2, groups: 2 }, 'implicit'],
  ['no row padding (output shorter than input)', [2, 3, 9, 8], [4, 3, 3, 3], { padding: [0, 1] }, 'im2col'],
  ['row padding wider than the kernel', [2, 3, 6, 7], [4, 3, 3, 3], { padding: [3, 1] }, 'im2col'],
  ['threaded 1x1', [4, 64, 16, 16], [32, 64, 1, 1], {}, 'gemm1x1'],
  ['large image (one image: the GEMM threads itself)', [1, 32, 48, 48], [8, 32, 3, 3], { padding: 1 }, 'implicit'],
  ['large image, stride 2 (several im2col tiles)', [1, 32, 95, 95], [8, 32, 3, 3], { padding: 1, stride: 2 }, 'im2col'],
];
const ALGOS: ConvAlgorithm[] = ['auto', 'gemm1x1', 'im2col', 'depthwise', 'reference', 'implicit', 'winograd'];

describe('conv2d vs float64 reference', () => {
  for (const [name, xs, ws, opts, chosen] of CASES) {
    it(`${name}: x ${JSON.stringify(xs)} w ${JSON.stringify(ws)} ${JSON.stringify(opts)}`, () => forEachIsa((isa) => {
      const g = geomOf(ws, opts);
      const [x, xn] = randPair(xs), [w, wn] = randPair(ws, -1, 1), [b, bn] = randPair([ws[0]]);
      const yRef = ref.conv2d(xn, wn, bn, g);
      const [dy, dyn] = randPair(yRef.shape);
      const grads = ref.conv2dBackward(xn, wn, dyn, g);
      for (const algo of ALGOS) {
        if (!supports(algo, xs, ws, g)) continue;
        const tag = `isa=${isa} algorithm=${algo}`;
        const [xg, wg, bg] = [x, w, b].map((t) => t.detach().clone().requiresGrad_(true));
        const y = tf.conv2d(xg, wg, bg, { ...opts, algorithm: algo });
        near(y, yRef, `${tag} forward`);
        y.backward(dy);
        const used = tf.lastConvAlgorithms();
        const want = algo === 'auto' ? chosen : algo;
        assert.deepStrictEqual(used, { forward: want, backwardInput: want, backwardWeight: want }, tag);
        near(xg.grad!, grads.dx, `${tag} grad input`);
        near(wg.grad!, grads.dw, `${tag} grad weight`);
        near(bg.grad!, grads.db, `${tag} grad bias`);
      }
    }));
  }

  it('fused relu activation matches relu(conv) and masks the gradient', () => forEachIsa((isa) => {
    for (const [ws, opts] of [[[4, 3, 3, 3], { padding: 1 }], [[6, 1, 3, 3], { padding: 1, groups: 3 }], [[5, 3, 1, 1], {}]] as [number[], Conv2dOptions][]) {
      const [x, xn] = randPair([2, 3, 6, 5]), [w, wn] = randPair(ws), [b, bn] = randPair([ws[0]]);
      const g = geomOf(ws, opts);
      const pre = ref.conv2d(xn, wn, bn, g);
      const wg = w.detach().clone().requiresGrad_(true);
      const y = tf.conv2d(x, wg, b, { ...opts, activation: 'relu' });
      near(y, { shape: pre.shape, data: pre.data.map((v) => Math.max(v, 0)) }, `isa=${isa} relu forward`);
      const [dy, dyn] = randPair(pre.shape);
      y.backward(dy);
      const masked = { shape: dyn.shape, data: dyn.data.map((v, i) => (pre.data[i] > 0 ? v : 0)) };
      near(wg.grad!, ref.conv2dBackward(xn, wn, masked, g).dw, `isa=${isa} relu grad weight`);
    }
  }));

  it('handles unbatched input, an empty batch and non-contiguous input', () => {
    const [x, xn] = randPair([3, 6, 6]), [w, wn] = randPair([4, 3, 3, 3]);
    const g = geomOf([4, 3, 3, 3], {});
    const y = tf.conv2d(x, w);
    const yRef = ref.conv2d({ shape: [1, 3, 6, 6], data: xn.data }, wn, null, g);
    near(y, { shape: [4, 4, 4], data: yRef.data }, 'unbatched');
    const empty = tf.conv2d(tf.zeros([0, 3, 6, 6]), w);
    assert.deepStrictEqual(empty.shape, [0, 4, 4, 4]);
    const wg = w.detach().clone().requiresGrad_(true);
    tf.conv2d(tf.zeros([0, 3, 6, 6]), wg).sum().backward();
    assert.deepStrictEqual(Array.from(wg.grad!.dataSync()), new Array(4 * 27).fill(0));
    for (const algorithm of ['winograd', 'implicit'] as ConvAlgorithm[]) {
      const wa = tf.randn([4, 3, 3, 3], { requiresGrad: true });
      const ya = tf.conv2d(tf.zeros([0, 3, 6, 6]), wa, null, { padding: 1, algorithm });
      assert.deepStrictEqual(ya.shape, [0, 4, 6, 6], algorithm);
      ya.sum().backward();
      assert.deepStrictEqual(Array.from(wa.grad!.dataSync()), new Array(4 * 27).fill(0), algorithm);
    }
    const xt = tf.randn([2, 6, 6, 3]).permute([0, 3, 1, 2]);  // NHWC memory viewed as NCHW
    near(tf.conv2d(xt, w, null, { padding: 1 }), ref.conv2d(toNd(xt), wn, null, geomOf([4, 3, 3, 3], { padding: 1 })), 'strided input');
  });

  it('gives the reference results with 1, 2 and 3 threads (batch splits, partial image blocks)', () => {
    const threads = tf.backendInfo().threads;
    try {
      for (const n of [1, 2, 3]) {
        tf.setNumThreads(n);
        for (const [xs, ws, opts] of [[[5, 4, 6, 7], [6, 4, 3, 3], { padding: 1 }], [[7, 6, 5, 5], [6, 1, 3, 3], { groups: 6 }],
          [[3, 8, 20, 20], [4, 8, 1, 1], {}], [[1, 3, 30, 30], [5, 3, 3, 3], { stride: 2 }],
          [[5, 32, 9, 7], [32, 32, 3, 3], { padding: 1 }], [[1, 32, 21, 22], [32, 32, 3, 3], {}]] as [number[], number[], Conv2dOptions][]) {
          const g = geomOf(ws, opts);
          const [x, xn] = randPair(xs), [w, wn] = randPair(ws);
          const wg = w.detach().clone().requiresGrad_(true), xg = x.detach().clone().requiresGrad_(true);
          const y = tf.conv2d(xg, wg, null, opts);
          const yRef = ref.conv2d(xn, wn, null, g);
          near(y, yRef, `threads=${n} forward ${JSON.stringify(xs)}`);
          const [dy, dyn] = randPair(yRef.shape);
          y.backward(dy);
          const gr = ref.conv2dBackward(xn, wn, dyn, g);
          near(xg.grad!, gr.dx, `threads=${n} grad input ${JSON.stringify(xs)}`);
          near(wg.grad!, gr.dw, `threads=${n} grad weight ${JSON.stringify(xs)}`);
        }
      }
    } finally {
      tf.setNumThreads(threads);
    }
  });

  it('matches finite differences', () => {
    gradcheck((x, w, b) => tf.conv2d(x, w, b, { stride: 2, padding: 1 }), [tf.randn([2, 2, 5, 4]), tf.randn([3, 2, 3, 3]), tf.randn([3])]);
    gradcheck((x, w) => tf.conv2d(x, w, null, { groups: 2, dilation: 2, padding: 2 }), [tf.randn([1, 4, 5, 5]), tf.randn([4, 2, 3, 3])]);
    gradcheck((x, w) => tf.conv2d(x, w, null, { groups: 3, padding: 'same' }), [tf.randn([2, 3, 4, 4]), tf.randn([3, 1, 2, 2])]);
    gradcheck((x, w, b) => tf.conv2d(x, w, b, { padding: 1, algorithm: 'winograd' }), [tf.randn([2, 3, 5, 4]), tf.randn([2, 3, 3, 3]), tf.randn([2])]);
    gradcheck((x, w) => tf.conv2d(x, w, null, { padding: [0, 2], groups: 2, algorithm: 'winograd' }), [tf.randn([1, 4, 6, 5]), tf.randn([2, 2, 3, 3])]);
  });

  it('winograd with asymmetric padding through the binding: forward and gradients, every ISA', () => forEachIsa((isa) => {
    // [input, weight, padding top, bottom, left, right]: the bottom/right padding only shows in the output size
    const cases: [number[], number[], [number, number, number, number]][] = [
      [[2, 16, 9, 10], [12, 16, 3, 3], [1, 0, 0, 2]],
      [[3, 8, 6, 7], [5, 8, 3, 3], [2, 1, 1, 0]],
      [[1, 4, 5, 5], [6, 2, 3, 3], [0, 2, 3, 1]],  // groups 2
    ];
    for (const [xs, ws, pad] of cases) {
      const groups = xs[1] / ws[1];
      const g: ref.ConvGeom = { stride: [1, 1], pad, dilation: [1, 1], groups };
      const [x, xn] = randPair(xs), [w, wn] = randPair(ws, -1, 1), [b, bn] = randPair([ws[0]]);
      const yRef = ref.conv2d(xn, wn, bn, g);
      const [dy, dyn] = randPair(yRef.shape);
      const gr = ref.conv2dBackward(xn, wn, dyn, g);
      const geometry = (): typeof args => args.reset().num(5).num(1).num(1).num(pad[0]).num(pad[1]).num(pad[2]).num(pad[3]).num(1).num(1).num(groups).num(0);  // ..., groups, precision
      const tag = `isa=${isa} ${JSON.stringify(xs)} ${JSON.stringify(ws)} padding ${JSON.stringify(pad)}`;
      const y = tf.zeros(yRef.shape), dx = tf.zeros(xs), dw = tf.zeros(ws), db = tf.zeros([ws[0]]);
      geometry().num(0).num(1).view(y).view(x).view(w).view(b);
      assert.strictEqual(native.conv2dForward(y.handle('t'), x.handle('t'), w.handle('t'), b.handle('t')), 5, tag);
      near(y, yRef, `${tag} forward`);
      geometry().view(dx).view(dy).view(w);
      assert.strictEqual(native.conv2dBackwardInput(dx.handle('t'), dy.handle('t'), w.handle('t')), 5, tag);
      near(dx, gr.dx, `${tag} grad input`);
      geometry().num(1).view(dw).view(dy).view(x).view(db);
      assert.strictEqual(native.conv2dBackwardWeight(dw.handle('t'), dy.handle('t'), x.handle('t'), db.handle('t')), 5, tag);
      near(dw, gr.dw, `${tag} grad weight`);
      near(db, gr.db, `${tag} grad bias`);
    }
  }));
});

describe('conv1d', () => {
  it('matches the reference (as a height-1 conv2d), forward and gradients, every ISA', () => forEachIsa((isa) => {
    const cases: [number[], number[], { stride?: number; padding?: number | 'same' | 'valid'; dilation?: number; groups?: number }][] = [
      [[2, 3, 17], [4, 3, 5], { stride: 2, padding: 1 }],
      [[3, 4, 12], [4, 1, 3], { groups: 4, padding: 'same', dilation: 2 }],
      [[1, 2, 9], [6, 2, 4], { padding: 'same' }],
      [[2, 5, 8], [3, 5, 1], {}],
    ];
    for (const [xs, ws, o] of cases) {
      const [x, xn] = randPair(xs), [w, wn] = randPair(ws), [b, bn] = randPair([ws[0]]);
      const x4 = { shape: [xs[0], xs[1], 1, xs[2]], data: xn.data }, w4 = { shape: [ws[0], ws[1], 1, ws[2]], data: wn.data };
      const g = geomOf(w4.shape, { stride: [1, o.stride ?? 1], dilation: [1, o.dilation ?? 1], groups: o.groups,
        padding: typeof o.padding === 'number' ? [0, o.padding] : o.padding });
      const yRef = ref.conv2d(x4, w4, bn, g);
      const [xg, wg, bg] = [x, w, b].map((t) => t.detach().clone().requiresGrad_(true));
      const y = tf.conv1d(xg, wg, bg, o);
      near(y, { shape: [yRef.shape[0], yRef.shape[1], yRef.shape[3]], data: yRef.data }, `isa=${isa} conv1d ${JSON.stringify(o)}`);
      const [dy, dyn] = randPair(y.shape.slice());
      y.backward(dy);
      const gr = ref.conv2dBackward(x4, w4, { shape: yRef.shape, data: dyn.data }, g);
      near(xg.grad!, { shape: xs, data: gr.dx.data }, `isa=${isa} conv1d grad input`);
      near(wg.grad!, { shape: ws, data: gr.dw.data }, `isa=${isa} conv1d grad weight`);
      near(bg.grad!, gr.db, `isa=${isa} conv1d grad bias`);
    }
    gradcheck((x, w) => tf.conv1d(x, w, null, { stride: 2 }), [tf.randn([2, 2, 7]), tf.randn([3, 2, 3])]);
  }));
});

describe('convTranspose2d', () => {
  const cases: [number[], number[], ref.TransposeGeom][] = [
    [[2, 4, 5, 6], [4, 3, 3, 3], { stride: [2, 2], pad: [1, 1], outPad: [1, 1], dilation: [1, 1], groups: 1 }],
    [[1, 4, 4, 4], [4, 2, 3, 2], { stride: [1, 2], pad: [0, 1], outPad: [0, 1], dilation: [2, 1], groups: 2 }],
    [[3, 6, 3, 5], [6, 1, 4, 4], { stride: [3, 3], pad: [2, 1], outPad: [2, 0], dilation: [1, 1], groups: 6 }],
    [[2, 3, 5, 5], [3, 4, 1, 1], { stride: [1, 1], pad: [0, 0], outPad: [0, 0], dilation: [1, 1], groups: 1 }],
    [[2, 2, 4, 4], [2, 3, 3, 3], { stride: [1, 1], pad: [1, 1], outPad: [1, 1], dilation: [2, 2], groups: 1 }],
    [[2, 3, 5, 6], [3, 4, 3, 3], { stride: [1, 1], pad: [1, 1], outPad: [0, 0], dilation: [1, 1], groups: 1 }],
    [[1, 4, 16, 17], [4, 3, 3, 5], { stride: [1, 1], pad: [0, 2], outPad: [0, 0], dilation: [1, 1], groups: 2 }],
    [[2, 16, 7, 6], [16, 8, 3, 3], { stride: [1, 1], pad: [0, 2], outPad: [0, 0], dilation: [1, 1], groups: 2 }],
    [[3, 32, 5, 9], [32, 32, 3, 3], { stride: [1, 1], pad: [1, 1], outPad: [0, 0], dilation: [1, 1], groups: 1 }],
  ];
  it('matches the reference, forward and gradients, every algorithm and ISA', () => forEachIsa((isa) => {
    for (const [xs, ws, g] of cases) {
      const [x, xn] = randPair(xs), [w, wn] = randPair(ws), [b, bn] = randPair([ws[1] * g.groups]);
      const yRef = ref.convTranspose2d(xn, wn, bn, g);
      const [dy, dyn] = randPair(yRef.shape);
      const gr = ref.convTranspose2dBackward(xn, wn, dyn, g);
      for (const algo of ALGOS) {
        const oneByOne = ws[2] === 1 && ws[3] === 1 && g.stride.every((v) => v === 1) && g.pad.every((v) => v === 0) && g.outPad.every((v) => v === 0);
        // implicit: the underlying convolution (output = this input) keeps the width with unit strides
        const keepsWidth = g.stride.every((v) => v === 1) && yRef.shape[3] === xs[3];
        const wino = ws[2] === 3 && ws[3] === 3 && g.stride.every((v) => v === 1) && g.dilation.every((v) => v === 1);
        if ((algo === 'gemm1x1' && !oneByOne) || (algo === 'depthwise' && ws[1] !== 1) || (algo === 'implicit' && !keepsWidth) ||
          (algo === 'winograd' && !wino)) continue;
        const tag = `isa=${isa} ${JSON.stringify(xs)} ${JSON.stringify(g)} algorithm=${algo}`;
        const [xg, wg, bg] = [x, w, b].map((t) => t.detach().clone().requiresGrad_(true));
        const y = tf.convTranspose2d(xg, wg, bg, { stride: g.stride, padding: g.pad, outputPadding: g.outPad, dilation: g.dilation, groups: g.groups, algorithm: algo });
        near(y, yRef, `${tag} forward`);
        y.backward(dy);
        near(xg.grad!, gr.dx, `${tag} grad input`);
        near(wg.grad!, gr.dw, `${tag} grad weight`);
        near(bg.grad!, gr.db, `${tag} grad bias`);
      }
    }
  }));
  it('matches finite differences', () => {
    gradcheck((x, w, b) => tf.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }), [tf.randn([1, 2, 3, 3]), tf.randn([2, 3, 3, 3]), tf.randn([3])]);
  });
});

describe('conv bad inputs', () => {
  let x: Tensor, w: Tensor;
  beforeEach(() => { x = tf.randn([2, 3, 8, 8]); w = tf.randn([4, 3, 3, 3]); });  // drawn per test (seeded by its title)
  it('rejects wrong types and dtypes with TypeError', () => {
    assertThrows(() => tf.conv2d(x.to('int32'), w), TypeError, /conv2d: input must be float32, got int32/);
    assertThrows(() => tf.conv2d(x, [1, 2] as unknown as Tensor), TypeError, /conv2d: weight must be a Tensor/);
    assertThrows(() => tf.conv2d(x, w, null, { stride: 1.5 }), TypeError, /conv2d: stride must be an integer or a pair/);
    assertThrows(() => tf.conv2d(x, w, null, { groups: 'two' as unknown as number }), TypeError, /conv2d: groups must be an integer/);
  });
  it('rejects bad shapes and hyper-parameters with RangeError naming the shapes', () => {
    assertThrows(() => tf.conv2d(tf.randn([3, 8]), w), RangeError, /conv2d: input must be 3-D .* or 4-D .*, got shape \[3, 8\]/);
    assertThrows(() => tf.conv2d(x, tf.randn([4, 2, 3, 3])), RangeError, /conv2d: input \[2, 3, 8, 8\] has 3 channels but weight \[4, 2, 3, 3\] with groups=1 expects 2/);
    assertThrows(() => tf.conv2d(tf.randn([2, 4, 8, 8]), tf.randn([3, 2, 3, 3]), null, { groups: 2 }), RangeError, /out_channels 3 .* divisible by groups=2/);
    assertThrows(() => tf.conv2d(tf.randn([1, 3, 2, 2]), w), RangeError, /conv2d: input \[1, 3, 2, 2\] .* smaller than the kernel \[3, 3\]/);
    assertThrows(() => tf.conv2d(x, w, tf.randn([5])), RangeError, /conv2d: bias must have shape \[4\], got \[5\]/);
    assertThrows(() => tf.conv2d(x, w, null, { stride: 0 }), RangeError, /conv2d: stride must be >= 1/);
    assertThrows(() => tf.conv2d(x, w, null, { padding: -1 }), RangeError, /conv2d: padding must be >= 0/);
    assertThrows(() => tf.conv2d(x, w, null, { padding: 'same', stride: 2 }), RangeError, /padding='same' needs stride 1/);
    assertThrows(() => tf.conv2d(x, w, null, { algorithm: 'gemm1x1' }), RangeError, /conv2d: algorithm 0 does not support this convolution/);
    assertThrows(() => tf.conv2d(x, w, null, { algorithm: 'fft' as ConvAlgorithm }), RangeError, /algorithm must be one of/);
    assertThrows(() => tf.conv1d(x, w), RangeError, /conv1d: input must be 2-D .* or 3-D/);
    assertThrows(() => tf.convTranspose2d(x, tf.randn([3, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }), RangeError,
      /convTranspose2d: outputPadding \[2, 2\] must be smaller than stride \[2, 2\] or dilation \[1, 1\]/);
    assertThrows(() => tf.convTranspose2d(x, tf.randn([4, 2, 3, 3])), RangeError, /convTranspose2d: input \[2, 3, 8, 8\] has 3 channels but weight \[4, 2, 3, 3\] expects 4/);
  });
  it('the native binding validates shapes, aliasing and algorithm on its own', () => {
    const y = tf.zeros([2, 4, 6, 6]);
    const call = (yy: Tensor, xx: Tensor, ww: Tensor, algo = -1): number => {
      args.reset().num(algo).num(1).num(1).num(0).num(0).num(0).num(0).num(1).num(1).num(1).num(0).num(0).num(0).view(yy).view(xx).view(ww);
      return native.conv2dForward(yy.handle('t'), xx.handle('t'), ww.handle('t'));
    };
    assert.strictEqual(call(y, x, w), 1);
    assertThrows(() => call(tf.zeros([2, 4, 7, 6]), x, w), RangeError, /conv2d: out must have shape \[2, 4, 6, 6\], got \[2, 4, 7, 6\]/);
    assertThrows(() => call(y, x, tf.randn([4, 5, 3, 3])), RangeError, /conv2d: input \[2, 3, 8, 8\] must have 5 channels for weight \[4, 5, 3, 3\] and groups 1/);
    assertThrows(() => call(y, x, w, 7), RangeError, /conv2d: algorithm must be an integer in \[-1, 5\]/);
    const xs = tf.randn([2, 3, 8, 8]);
    const alias = xs.reshape([-1]).slice(0, 0, 288).reshape([2, 4, 6, 6]);
    assertThrows(() => call(alias, xs, w), RangeError, /conv2d: an output shares storage with an input/);
    assertThrows(() => call(y, x.transpose(2, 3), w), RangeError, /conv2d: input must be contiguous/);
  });
});
