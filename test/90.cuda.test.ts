/**
 * The CUDA backend against the CPU: every CUDA op on fresh random inputs, compared with the
 * CPU kernel where one exists and with a float64 reference otherwise. Relative error is
 * max|cuda - ref| / max|ref|: under 1e-5 in fp32, under 5e-3 with TF32 ('high').
 * Without a usable GPU these suites are skipped with the reason printed (never counted as
 * passed); the status suite at the top runs everywhere.
 */
import * as assert from 'assert';
import { tf } from './helpers';
import { Tensor } from '../lib';
import { args, native } from '../lib/native';
import { cudaAddon, cudaAvailable, cudaStatus, cudaUnavailableReason, cuda, setMatmulPrecision } from '../lib/cuda';

const FP32 = 1e-5, TF32 = 5e-3;

/** max|a - e| / max|e| (NaN positions must match). */
function relErr(a: ArrayLike<number>, e: ArrayLike<number>): number {
  assert.strictEqual(a.length, e.length, 'length');
  let num = 0, den = 0;
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i]) || Number.isNaN(a[i])) {
      assert.ok(Number.isNaN(e[i]) && Number.isNaN(a[i]), `NaN mismatch at ${i}: ${a[i]} vs ${e[i]}`);
      continue;
    }
    num = Math.max(num, Math.abs(a[i] - e[i]));
    den = Math.max(den, Math.abs(e[i]));
  }
  return den === 0 ? num : num / den;
}
function close(a: Tensor | ArrayLike<number>, e: Tensor | ArrayLike<number>, tol: number, what: string): void {
  const av = a instanceof Tensor ? a.dataSync() : a, ev = e instanceof Tensor ? e.dataSync() : e;
  const err = relErr(av, ev);
  assert.ok(err <= tol, `${what}: relative error ${err.toExponential(2)} > ${tol}`);
}
const G = (t: Tensor): Tensor => t.to('cuda');
const empty = (shape: number[], dtype: 'float32' | 'int32' | 'uint8' = 'float32'): Tensor => Tensor.empty(shape, dtype, 'cuda');
const rnd = (shape: number[], lo = -1, hi = 1): Tensor => tf.rand(shape, { low: lo, high: hi });
const arr = (t: Tensor): Float64Array => Float64Array.from(t.dataSync());

function skipWithoutGpu(ctx: Mocha.Context): void {
  if (!cudaAvailable()) {
    // eslint-disable-next-line no-console
    console.log(`      CUDA tests skipped: ${cudaUnavailableReason()}`);
    ctx.skip();
  }
}

describe('90 cuda: status (runs everywhere)', () => {
  it('backendInfo().cuda says whether CUDA is on and why not', () => {
    const info = tf.backendInfo().cuda;
    assert.strictEqual(info.available, cudaAvailable());
    if (info.available) assert.strictEqual(info.reason, '');
    else assert.match(info.reason, /CUDA addon not built|no CUDA driver|driver too old: found .*, need|no CUDA device|disabled|failed to load/);
  });
  it('.to(\'cuda\') without CUDA throws naming the reason; bad device strings throw RangeError', () => {
    const x = tf.ones([2]);
    if (!cudaAvailable()) {
      assert.throws(() => x.to('cuda'), (e: Error) => e.message.includes(cudaUnavailableReason()));
    }
    assert.throws(() => x.to('gpu' as 'cuda'), TypeError);
    assert.throws(() => Tensor.empty([1], 'float32', 'cuda:x' as 'cuda'), RangeError);
    x.dispose();
  });
  it('cudaStatus() is a plain snapshot and reports the runtime when the addon loads', () => {
    const s = cudaStatus();
    assert.strictEqual(typeof s.reason, 'string');
    if (s.addonPath) assert.match(s.runtimeVersion, /^\d+\.\d+$/);
  });
});

describe('90 cuda: transfers, memory, errors', function () {
  before(function () { skipWithoutGpu(this); });
  afterEach(() => setMatmulPrecision('highest'));

  it('round-trips every dtype, views and sizes 0/1/large through the device', () => {
    for (const n of [0, 1, 7, 1000, 3_000_001]) {
      tf.tidy(() => {
        const x = tf.rand([n], { low: -5, high: 5 });
        const y = G(x);
        assert.strictEqual(y.device, 'cuda:0');
        assert.deepStrictEqual(y.to('cpu').dataSync(), x.dataSync());
      });
    }
    const i = tf.randint(-100, 100, [33]);
    assert.deepStrictEqual(G(i).to('cpu').dataSync(), i.dataSync());
    const v = rnd([5, 6]).transpose(0, 1).slice(0, 1, 4);
    assert.deepStrictEqual(G(v).dataSync(), v.dataSync());
  });
  it('memory limit: OOM is an error naming requested/free bytes; emptyCache releases', () => {
    const before = cuda.memory();
    cuda.setMemoryLimit(before.reservedBytes + (64 << 20));  // earlier tests' tensors may still be live
    try {
      assert.throws(() => Tensor.empty([128 << 20], 'float32', 'cuda'),
        (e: Error & { code?: string }) => e instanceof RangeError && e.code === 'ERR_CUDA_OOM' &&
          /requested \d+ bytes, \d+ bytes free/.test(e.message) && /memory limit/.test(e.message));
      const t = Tensor.empty([1 << 20], 'float32', 'cuda');
      t.dispose();
      assert.ok(cuda.memory().cachedBytes >= 4 << 20);
      assert.ok(cuda.emptyCache() >= 4 << 20);
    } finally {
      cuda.setMemoryLimit(0);
    }
    assert.ok(cuda.memory().reservedBytes <= before.reservedBytes + (4 << 20));
  });
  it('rejects CPU handles, mixed devices and bad shapes with named errors', () => {
    const a = G(rnd([3])), c = rnd([3]);
    assert.throws(() => a.add(c), /different devices: cuda:0 and cpu/);
    args.reset().num(0).view(a).view(a).view(c);
    assert.throws(() => cudaAddon().binary(a.handle('t'), a.handle('t'), c.handle('t')), TypeError);
    const y = empty([2, 2]);
    args.reset().num(0).view(y).view(a).view(a);
    assert.throws(() => cudaAddon().binary(y.handle('t'), a.handle('t'), a.handle('t')), /broadcast to the output shape/);
  });
});

describe('90 cuda: elementwise, reduce, matmul vs the CPU kernels', function () {
  before(function () { skipWithoutGpu(this); });
  afterEach(() => setMatmulPrecision('highest'));

  const unaries: [string, (t: Tensor) => Tensor, number, number][] = [
    ['neg', (t) => t.neg(), -2, 2], ['abs', (t) => t.abs(), -2, 2], ['exp', (t) => t.exp(), -3, 3],
    ['log', (t) => t.log(), 0.1, 3], ['sqrt', (t) => t.sqrt(), 0, 3], ['rsqrt', (t) => t.rsqrt(), 0.1, 3],
    ['relu', (t) => t.relu(), -2, 2], ['leakyRelu', (t) => t.leakyRelu(0.1), -2, 2], ['elu', (t) => t.elu(0.7), -2, 2],
    ['gelu', (t) => t.gelu(), -3, 3], ['geluTanh', (t) => t.gelu('tanh'), -3, 3], ['silu', (t) => t.silu(), -3, 3],
    ['sigmoid', (t) => t.sigmoid(), -4, 4], ['tanh', (t) => t.tanh(), -3, 3], ['softplus', (t) => t.softplus(2), -3, 3],
    ['clamp', (t) => t.clamp(-0.5, 0.7), -2, 2], ['pow', (t) => t.pow(2.5), 0, 2], ['square', (t) => t.square(), -2, 2],
    ['sin', (t) => t.sin(), -3, 3], ['cos', (t) => t.cos(), -3, 3], ['reciprocal', (t) => t.reciprocal(), 0.2, 2],
    ['sign', (t) => t.sign(), -2, 2], ['floor', (t) => t.floor(), -5, 5], ['ceil', (t) => t.ceil(), -5, 5],
    ['round', (t) => t.round(), -5, 5], ['log1p', (t) => t.log1p(), -0.5, 3], ['expm1', (t) => t.expm1(), -2, 2],
  ];
  for (const [name, f, lo, hi] of unaries) {
    it(`unary ${name} forward and backward (contiguous and strided)`, () => {
      for (const shape of [[1], [7, 13], [300, 257]]) {
        const x = tf.rand(shape, { low: lo, high: hi }).requiresGrad_();
        const xg = G(x.detach()).requiresGrad_();
        const y = f(x), yg = f(xg);
        close(yg, y, FP32, `${name} ${shape}`);
        const dy = rnd(shape);
        y.backward(dy);
        yg.backward(G(dy));
        close(xg.grad!, x.grad!, FP32, `${name} grad ${shape}`);
      }
      const v = rnd([6, 8], lo, hi).transpose(0, 1);
      close(f(G(v)), f(v), FP32, `${name} strided`);
    });
  }
  it('binary ops with broadcasting over strided views, comparisons, where, cast, fill', () => {
    const pairs: [number[], number[]][] = [[[7], [7]], [[3, 1], [1, 4]], [[2, 3, 4], [3, 1]], [[300, 257], [257]], [[0, 3], [1, 3]]];
    for (const [sa, sb] of pairs) {
      const a = rnd(sa), b = tf.rand(sb, { low: 0.5, high: 2 });
      for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'atan2'] as const) {
        close(G(a)[op](G(b)), a[op](b), FP32, `${op} ${sa} ${sb}`);
      }
      close(G(b).pow(G(a)), b.pow(a), FP32, 'pow');
      for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
        assert.deepStrictEqual(G(a)[op](G(b)).dataSync(), a[op](b).dataSync(), op);
      }
      const c = a.gt(0);
      close(tf.where(G(c), G(a), G(b)), tf.where(c, a, b), 0, 'where');
    }
    const x = rnd([5, 7]).mul(100);
    for (const dt of ['int32', 'uint8', 'bool'] as const) {
      assert.deepStrictEqual(G(x).to(dt).dataSync(), x.to(dt).dataSync(), `cast ${dt}`);
    }
    const i = tf.randint(-50, 50, [9]);
    close(G(i).add(G(i)).mul(3), i.add(i).mul(3), 0, 'int32 arithmetic');
    const z = empty([4, 3]).fill_(2.5);
    assert.deepStrictEqual(Array.from(z.dataSync()), new Array(12).fill(2.5));
  });
  it('reductions over any dims, keepdim, argmax/argmin, var, prod, int32 sums', () => {
    for (const shape of [[1], [17], [4, 5, 6], [3, 1000], [1000, 3], [64, 4097]]) {
      const x = rnd(shape), xg = G(x);
      for (const dim of [undefined, 0, shape.length - 1, shape.length > 2 ? [0, 2] : 0]) {
        close(xg.sum(dim), x.sum(dim), FP32, `sum ${shape} ${dim}`);
        close(xg.mean(dim, true), x.mean(dim, true), FP32, `mean ${shape} ${dim}`);
        close(xg.max(dim), x.max(dim), 0, `max ${shape} ${dim}`);
        close(xg.min(dim), x.min(dim), 0, `min ${shape} ${dim}`);
        close(xg.var({ dim }), x.var({ dim }), FP32, `var ${shape} ${dim}`);
      }
      const d = shape.length - 1;
      assert.deepStrictEqual(xg.argmax(d).dataSync(), x.argmax(d).dataSync(), `argmax ${shape}`);
      assert.deepStrictEqual(xg.argmin(0).dataSync(), x.argmin(0).dataSync(), `argmin ${shape}`);
    }
    const p = tf.rand([6, 5], { low: 0.5, high: 1.5 });
    close(G(p).prod(1), p.prod(1), FP32, 'prod');
    const i = tf.randint(-1000, 1000, [50, 70]);
    assert.deepStrictEqual(G(i).sum(1).dataSync(), i.sum(1).dataSync(), 'int32 sum');
    const t = rnd([9, 11]).transpose(0, 1);
    close(G(t).sum(0), t.sum(0), FP32, 'strided sum');
  });
  for (const precision of ['highest', 'high'] as const) {
    it(`matmul (${precision}): odd sizes, transposed operands, broadcast batches, linear bias+grad`, () => {
      setMatmulPrecision(precision);
      const tol = precision === 'high' ? TF32 : FP32;
      const sizes: [number, number, number][] = [[1, 1, 1], [7, 5, 3], [33, 65, 17], [128, 128, 128], [257, 129, 300], [1000, 7, 513]];
      for (const [M, K, N] of sizes) {
        const a = rnd([M, K]), b = rnd([K, N]);
        close(G(a).matmul(G(b)), a.matmul(b), tol, `${M}x${K}x${N}`);
        const at = rnd([K, M]).transpose(0, 1), bt = rnd([N, K]).transpose(0, 1);
        close(G(at).matmul(G(bt)), at.matmul(bt), tol, `transposed ${M}x${K}x${N}`);
      }
      const ba = rnd([4, 3, 20, 30]), bb = rnd([30, 10]), bc = rnd([3, 1, 30, 10]);
      close(G(ba).matmul(G(bb)), ba.matmul(bb), tol, 'batched broadcast b');
      close(G(ba).matmul(G(bc)), ba.matmul(bc), tol, 'batched irregular broadcast');
      const x = rnd([16, 24]).requiresGrad_(), w = rnd([8, 24]).requiresGrad_(), bias = rnd([8]).requiresGrad_();
      const xg = G(x.detach()).requiresGrad_(), wg = G(w.detach()).requiresGrad_(), bg = G(bias.detach()).requiresGrad_();
      const y = tf.linear(x, w, bias), yg = tf.linear(xg, wg, bg);
      close(yg, y, tol, 'linear');
      y.relu().sum().backward();
      yg.relu().sum().backward();
      close(xg.grad!, x.grad!, tol, 'linear dx');
      close(wg.grad!, w.grad!, tol, 'linear dw');
      close(bg.grad!, bias.grad!, tol, 'linear db');
    });
  }
  it('random fills draw the CPU generator\'s numbers for the same seed and offset', () => {
    tf.manualSeed(1234);
    const u = tf.rand([1000]);
    tf.manualSeed(1234);
    const ug = empty([1000]);
    args.reset().num(0).num(0).num(1).view(ug);
    cudaAddon().randomFill(ug.handle('rand'));
    assert.deepStrictEqual(ug.dataSync(), u.dataSync());
  });
});

// ---- kernels both addons have: the same binding, arguments and inputs on each --------------
type Slot = { out: number[]; dtype?: 'float32' | 'int32' } | { in: Tensor } | { inout: Tensor } | null;

/**
 * Runs binding `name` with the same params and inputs on the CPU addon and the CUDA addon
 * (their argument protocols are one) and compares every output/in-out slot.
 */
function onBoth(name: string, params: number[], slots: Slot[], tol: number, what: string): void {
  const run = (dev: 'cpu' | 'cuda'): (Tensor | null)[] => {
    const ts = slots.map((sl) => {
      if (sl === null) return null;
      if ('out' in sl) return Tensor.empty(sl.out, sl.dtype ?? 'float32', dev).fill_(0);
      const src = 'in' in sl ? sl.in : sl.inout;
      return dev === 'cuda' ? G(src) : 'inout' in sl ? src.clone() : src;
    });
    args.reset();
    params.forEach((v) => args.num(v));
    for (const t of ts) if (t) args.view(t);
    const k = (dev === 'cpu' ? native : cudaAddon()) as unknown as Record<string, (...h: unknown[]) => unknown>;
    k[name](...ts.map((t) => (t ? t.handle(name) : undefined)));
    return ts;
  };
  const c = run('cpu'), g = run('cuda');
  slots.forEach((sl, i) => {
    if (sl && !('in' in sl)) close(g[i]!, c[i]!, tol, `${what}: slot ${i}`);
  });
}

describe('90 cuda: nn kernels vs the CPU addon (same bindings, same arguments)', function () {
  before(function () { skipWithoutGpu(this); });
  afterEach(() => setMatmulPrecision('highest'));

  it('softmax / logSoftmax over every dim, forward and backward', () => {
    for (const shape of [[7, 10], [1, 1], [4, 5, 6], [33, 1000], [3, 4097]]) {
      const x = rnd(shape, -5, 5), dy = rnd(shape);
      for (let dim = 0; dim < shape.length; dim++) {
        for (const log of [0, 1]) {
          onBoth('softmax', [log, dim], [{ out: shape }, { in: x }], FP32, `softmax ${shape} dim ${dim} log ${log}`);
          const y = tf.softmax(x, dim);
          const yl = log ? y.log() : y;
          onBoth('softmaxBackward', [log, dim], [{ out: shape }, { in: dy }, { in: yl }], FP32, `softmax backward ${shape}`);
        }
      }
    }
  });
  for (const precision of ['highest', 'high'] as const) {
    it(`conv2d forward (bias, relu) and backward as implicit GEMM (${precision}): stride, padding, dilation, groups`, () => {
      setMatmulPrecision(precision);
      const tol = precision === 'high' ? TF32 : FP32;
      // [x, w, stride, [top, bottom, left, right], dilation, groups]
      const cases: [number[], number[], number, number[], number, number][] = [
        [[1, 1, 5, 5], [1, 1, 3, 3], 1, [0, 0, 0, 0], 1, 1], [[2, 3, 9, 7], [4, 3, 3, 3], 1, [1, 1, 1, 1], 1, 1],
        [[2, 4, 11, 10], [6, 2, 3, 2], 2, [1, 0, 1, 2], 1, 2], [[3, 8, 16, 16], [16, 8, 5, 5], 2, [2, 2, 2, 2], 2, 1],
        [[8, 16, 14, 14], [32, 16, 1, 1], 1, [0, 0, 0, 0], 1, 1], [[2, 64, 28, 28], [64, 64, 3, 3], 1, [1, 1, 1, 1], 1, 1],
      ];
      for (const [xs, ws, s, pad, d, g] of cases) {
        const [N, , H, W] = xs, [OC, , KH, KW] = ws;
        const OH = Math.floor((H + pad[0] + pad[1] - d * (KH - 1) - 1) / s) + 1;
        const OW = Math.floor((W + pad[2] + pad[3] - d * (KW - 1) - 1) / s) + 1;
        const x = rnd(xs), w = rnd(ws), b = rnd([OC]), dy = rnd([N, OC, OH, OW]);
        const cp = [-1, s, s, ...pad, d, d, g];
        for (const act of [0, 1]) {
          onBoth('conv2dForward', [...cp, act, 1], [{ out: [N, OC, OH, OW] }, { in: x }, { in: w }, { in: b }], tol, `conv2d ${xs} ${ws} act ${act}`);
        }
        onBoth('conv2dBackwardInput', cp, [{ out: xs }, { in: dy }, { in: w }], tol, `conv2d dx ${xs} ${ws}`);
        onBoth('conv2dBackwardWeight', [...cp, 1], [{ out: ws }, { in: dy }, { in: x }, { out: [OC] }], tol, `conv2d dw ${xs} ${ws}`);
      }
    });
  }
  it('tf.conv2d on CUDA tensors reports its kernel as implicit GEMM', () => {
    const x = G(tf.randn([2, 3, 8, 8])).requiresGrad_(true), w = G(tf.randn([4, 3, 3, 3])).requiresGrad_(true);
    tf.conv2d(x, w, null, { padding: 1 }).sum().backward();
    assert.deepStrictEqual(tf.lastConvAlgorithms(), { forward: 'implicit', backwardInput: 'implicit', backwardWeight: 'implicit' });
  });
  it('max/avg/adaptive pooling forward and backward (dilation, ceil mode, count_include_pad, divisor)', () => {
    const x = rnd([2, 3, 9, 8]);
    for (const [k, s, p, d, ceil] of [[3, 2, 1, 1, 0], [2, 2, 0, 1, 1], [3, 1, 1, 2, 0], [3, 3, 1, 1, 1]]) {
      const oh = (n: number): number => {
        const span = n + 2 * p - d * (k - 1) - 1;
        let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
        if (ceil && (o - 1) * s >= n + p) o--;
        return o;
      };
      const OH = oh(9), OW = oh(8), yshape = [2, 3, OH, OW];
      onBoth('maxPool2dForward', [k, k, s, s, p, p, d, d, ceil], [{ out: yshape }, { out: yshape, dtype: 'int32' }, { in: x }], 0, `maxPool2d k${k} s${s} p${p} d${d} ceil${ceil}`);
      const idx = Tensor.empty(yshape, 'int32'), y = Tensor.empty(yshape);
      args.reset(); [k, k, s, s, p, p, d, d, ceil].forEach((v) => args.num(v)); args.view(y).view(idx).view(x);
      native.maxPool2dForward(y.handle('t'), idx.handle('t'), x.handle('t'));
      const dy = rnd(yshape);
      onBoth('maxPool2dBackward', [], [{ out: x.shape.slice() }, { in: dy }, { in: idx }], FP32, 'maxPool2d backward');
      if (d === 1) {
        for (const [cip, div] of [[1, 0], [0, 0], [1, 5]]) {
          const prm = [k, k, s, s, p, p, ceil, cip, div];
          onBoth('avgPool2dForward', prm, [{ out: yshape }, { in: x }], FP32, `avgPool2d ${prm}`);
          onBoth('avgPool2dBackward', prm, [{ out: x.shape.slice() }, { in: dy }], FP32, `avgPool2d backward ${prm}`);
        }
      }
    }
    for (const [oh, ow] of [[4, 3], [1, 1], [9, 8], [5, 11]]) {
      onBoth('adaptiveAvgPool2dForward', [], [{ out: [2, 3, oh, ow] }, { in: x }], FP32, `adaptiveAvgPool2d ${oh}x${ow}`);
      onBoth('adaptiveAvgPool2dBackward', [], [{ out: [2, 3, 9, 8] }, { in: rnd([2, 3, oh, ow]) }], FP32, `adaptive backward ${oh}x${ow}`);
    }
  });
  it('batch norm forward (training with running stats, eval) and backward (training, eval)', () => {
    for (const shape of [[8, 5, 37], [16, 3], [4, 6, 7, 9]]) {
      const C = shape[1], x = rnd(shape, -3, 3), gm = rnd([C]), bt = rnd([C]), dy = rnd(shape);
      const rm = rnd([C]), rv = tf.rand([C], { low: 0.5, high: 2 });
      for (const training of [1, 0]) {
        onBoth('batchNormForward', [training, 0.1, 1e-5, 1, 1, 1],
          [{ out: shape }, { out: [C] }, { out: [C] }, { in: x }, { in: gm }, { in: bt }, { inout: rm }, { inout: rv }],
          FP32, `batchNorm forward ${shape} training ${training}`);
        const y = Tensor.empty(shape), sm = Tensor.empty([C]), si = Tensor.empty([C]);
        const rm2 = rm.clone(), rv2 = rv.clone();
        args.reset().num(training).num(0.1).num(1e-5).num(1).num(1).num(1).view(y).view(sm).view(si).view(x).view(gm).view(bt).view(rm2).view(rv2);
        native.batchNormForward(y.handle('t'), sm.handle('t'), si.handle('t'), x.handle('t'), gm.handle('t'), bt.handle('t'), rm2.handle('t'), rv2.handle('t'));
        onBoth('batchNormBackward', [training, 1, 1, 1, 1],
          [{ out: shape }, { out: [C] }, { out: [C] }, { in: dy }, { in: x }, { in: sm }, { in: si }, { in: gm }],
          FP32, `batchNorm backward ${shape} training ${training}`);
      }
    }
  });
  it('fused SGD (momentum, dampening, nesterov, weight decay, maximize) and Adam/AdamW (amsgrad) steps', () => {
    const n = 1003, p = rnd([n]), g = rnd([n]), buf = rnd([n]), m = rnd([n]), v = tf.rand([n], { low: 0, high: 1 });
    for (const [mom, damp, wd, nest, first, max] of [[0, 0, 0, 0, 0, 0], [0.9, 0.1, 1e-3, 0, 1, 0], [0.9, 0, 1e-2, 1, 0, 1]]) {
      const slots: Slot[] = mom ? [{ inout: p }, { in: g }, { inout: buf }] : [{ inout: p }, { in: g }];
      onBoth('sgdStep', [0.1, mom, damp, wd, nest, first, max], slots, FP32, `sgd ${[mom, damp, wd, nest, first, max]}`);
    }
    for (const [decoupled, ams, max, step] of [[0, 0, 0, 1], [1, 0, 0, 7], [1, 1, 1, 3]]) {
      const lr = 1e-2, b1 = 0.9, b2 = 0.999;
      const prm = [lr, b1, b2, 1e-8, 0.01, decoupled, ams, lr / (1 - b1 ** step), Math.sqrt(1 - b2 ** step), max];
      const slots: Slot[] = [{ inout: p }, { in: g }, { inout: m }, { inout: v }];
      if (ams) slots.push({ inout: v.mul(1.5) });
      onBoth('adamStep', prm, slots, FP32, `adam ${prm}`);
    }
  });
});

describe('90 cuda: losses, recurrent layers and device errors (same bindings as the CPU)', function () {
  before(function () { skipWithoutGpu(this); });

  it('crossEntropy / crossEntropyBackward on class targets with ignoreIndex, every reduction', () => {
    const N = 37, C = 11;
    const logits = rnd([N, C], -4, 4), tv = tf.randint(0, C, [N]).dataSync() as Int32Array;
    tv[3] = -100;
    const target = tf.tensor(tv, { dtype: 'int32' });
    for (const reduction of [0, 1, 2]) {
      const outShape = reduction === 0 ? [N] : [1];
      const ce = [reduction, -100, 0, 0, 0];
      onBoth('crossEntropy', ce, [{ out: outShape }, { out: [N] }, { in: logits }, { in: target }], FP32, `crossEntropy reduction ${reduction}`);
      // lse from the CPU addon, then the gradient on both.
      const loss = Tensor.empty(outShape, 'float32', 'cpu'), lse = Tensor.empty([N], 'float32', 'cpu');
      args.reset();
      ce.forEach((v) => args.num(v));
      args.view(loss).view(lse).view(logits).view(target);
      const wsum = native.crossEntropy(loss.handle('t'), lse.handle('t'), logits.handle('t'), target.handle('t'));
      const scale = reduction === 1 ? 1 / wsum : 1;
      onBoth('crossEntropyBackward', [...ce, scale], [{ out: [N, C] }, { in: rnd(outShape) }, { in: logits }, { in: lse }, { in: target }],
        FP32, `crossEntropyBackward reduction ${reduction}`);
    }
    const gl = G(logits), gt = G(target), out = Tensor.empty([N], 'float32', 'cuda'), lse = Tensor.empty([N], 'float32', 'cuda');
    args.reset().num(0).num(-100).num(0.1).num(0).num(0).view(out).view(lse).view(gl).view(gt);
    assert.throws(() => cudaAddon().crossEntropy(out.handle('t'), lse.handle('t'), gl.handle('t'), gt.handle('t')),
      /crossEntropy: no CUDA kernel for labelSmoothing \(logits on cuda:0\)/);
  });

  it('rnnForward / rnnBackward for LSTM, GRU and tanh/relu RNN, both directions', () => {
    const T = 5, B = 3, I = 4, H = 6;
    for (const mode of [0, 1, 2, 3]) {
      const Gm = mode === 2 ? 4 : mode === 3 ? 3 : 1, S = mode === 2 ? 5 * H : mode === 3 ? 4 * H : 0, lstm = mode === 2;
      const x = rnd([T, B, I]), h0 = rnd([B, H]), c0 = lstm ? rnd([B, H]) : null;
      const wih = rnd([Gm * H, I], -0.5, 0.5), whh = rnd([Gm * H, H], -0.5, 0.5), bih = rnd([Gm * H]), bhh = rnd([Gm * H]);
      for (const reverse of [0, 1]) {
        const what = `rnn mode ${mode} reverse ${reverse}`;
        const inputs: Slot[] = [{ in: x }, { in: h0 }, c0 ? { in: c0 } : null, { in: wih }, { in: whh }, { in: bih }, { in: bhh }];
        onBoth('rnnForward', [mode, reverse, 1, 0],
          [{ out: [T, B, H] }, { out: [B, H] }, lstm ? { out: [B, H] } : null, { out: [T, B, S] }, ...inputs], FP32, what);
        // Backward from the CPU forward's y and reserve.
        const y = Tensor.empty([T, B, H], 'float32', 'cpu'), hn = Tensor.empty([B, H], 'float32', 'cpu');
        const cn = lstm ? Tensor.empty([B, H], 'float32', 'cpu') : null, res = Tensor.empty([T, B, S], 'float32', 'cpu');
        args.reset().num(mode).num(reverse).num(1).num(0);
        const fwd = [y, hn, cn, res, x, h0, c0, wih, whh, bih, bhh];
        for (const t of fwd) if (t) args.view(t);
        native.rnnForward(...(fwd.map((t) => (t ? t.handle('t') : null)) as Parameters<typeof native.rnnForward>));
        onBoth('rnnBackward', [mode, reverse, 1, 0, 1],
          [{ out: [T, B, I] }, { out: [B, H] }, lstm ? { out: [B, H] } : null, { out: [Gm * H, I] }, { out: [Gm * H, H] },
            { out: [Gm * H] }, { out: [Gm * H] }, { in: rnd([T, B, H]) }, { in: rnd([B, H]) }, lstm ? { in: rnd([B, H]) } : null,
            { in: x }, { in: h0 }, c0 ? { in: c0 } : null, { in: wih }, { in: whh }, { in: y }, { in: res }], 1e-4, `${what} backward`);
      }
    }
  });

  it('an op without a CUDA kernel, and mixed devices, throw errors naming op and devices', () => {
    const x = G(rnd([2, 3])), y = Tensor.empty([2, 3], 'float32', 'cuda');
    args.reset().num(3).num(-1).view(x);
    assert.throws(() => cudaAddon().indexCheck(x.handle('t')),
      /no CUDA kernel \(.* on cuda:0\)/);
    const cpuX = rnd([2, 3]);
    args.reset().num(0).view(y).view(x).view(x);
    assert.throws(() => cudaAddon().binary(y.handle('t'), x.handle('t'), cpuX.handle('t')), /argument 2 is a CPU tensor/);
  });
});
