/**
 * scaledDotProductAttention beyond the op-table samples (fully masked rows, the dropout path,
 * errors), and MultiheadAttention and the Transformer layers against PyTorch 1.13 on the same
 * weights (through safetensors both ways: our state dict loads into torch with strict=True,
 * torch's fresh state dict loads into ours with strict=true).
 */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa, toNd } from './helpers';
import { parityTests, type ParityCase } from './torch_parity';
import type { Tensor } from '../lib';
import { composedAttention } from '../lib/ops/attention';
import { attention } from './reference/attention';

const { nn } = tf;

describe('52 scaledDotProductAttention', () => {
  it('a row whose keys are all masked gives NaN (as the composed softmax); the others are exact', () => {
    const q = tf.randn([2, 3, 4]), k = tf.randn([2, 5, 4]), v = tf.randn([2, 5, 2]);
    const m = tf.tensor([[1, 1, 0, 0, 1], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]].flat(), { dtype: 'bool', shape: [3, 5] });
    const y = tf.scaledDotProductAttention(q, k, v, { attnMask: m }).dataSync();
    const want = attention(toNd(q), toNd(k), toNd(v), { mask: { ...toNd(m), bool: true } });
    for (let i = 0; i < y.length; i++) {
      const row = Math.floor(i / 2) % 3;
      if (row === 1) assert.ok(Number.isNaN(y[i]), `element ${i} should be NaN`);
      else assert.ok(Math.abs(y[i] - want.data[i]) < 1e-5, `element ${i}: ${y[i]} vs ${want.data[i]}`);
    }
  });

  it('S = 0 gives zeros; dropoutP 1 gives zeros; dropoutP in (0, 1) keeps the expectation', () => {
    const q = tf.randn([2, 3, 4]);
    assert.deepStrictEqual(Array.from(tf.scaledDotProductAttention(q, tf.randn([2, 0, 4]), tf.randn([2, 0, 3])).dataSync()), new Array(18).fill(0));
    const k = tf.randn([2, 6, 4]), v = tf.randn([2, 6, 3]);
    assert.ok(tf.scaledDotProductAttention(q, k, v, { dropoutP: 1 }).dataSync().every((x) => x === 0));
    // E[dropout(w)] = w: the mean over many draws approaches the dropout-free output.
    const exact = tf.scaledDotProductAttention(q, k, v).dataSync();
    const qs = q.expand([400, 2, 3, 4]);
    const mean = tf.scaledDotProductAttention(qs, k, v, { dropoutP: 0.3 }).mean(0).dataSync();
    for (let i = 0; i < exact.length; i++) assert.ok(Math.abs(mean[i] - exact[i]) < 0.25, `element ${i}: ${mean[i]} vs ${exact[i]}`);
  });

  it('the fused kernel and the composed ops agree, values and gradients, on the ISAs', () => {
    const q = tf.randn([2, 2, 33, 8], { requiresGrad: true }), k = tf.randn([2, 2, 140, 8], { requiresGrad: true });
    const v = tf.randn([2, 2, 140, 5], { requiresGrad: true }), m = tf.randn([2, 1, 33, 140], { requiresGrad: true });
    const grads = (f: () => Tensor): ArrayLike<number>[] => {
      for (const t of [q, k, v, m]) t.grad = null;
      const y = f();
      y.mul(y).sum().backward();
      return [y.dataSync(), ...[q, k, v, m].map((t) => t.grad!.dataSync())];
    };
    const composed = grads(() => q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(8)).add(m).softmax(-1).matmul(v));
    forEachIsa((isa) => {
      const fused = grads(() => tf.scaledDotProductAttention(q, k, v, { attnMask: m }));
      fused.forEach((f, j) => assertClose({ shape: [f.length], data: Float64Array.from(f) }, { shape: [f.length], data: Float64Array.from(composed[j]) }, 1e-4, 1e-5, `${isa}: output/grad ${j}`));
    });
    // Causal, L != S, several query and key blocks (96 x 256 in the kernel).
    const [cq, ck, cv] = [[1, 200, 8], [1, 300, 8], [1, 300, 4]].map((sh) => tf.randn(sh));
    assertClose(tf.scaledDotProductAttention(cq, ck, cv, { isCausal: true }), toNd(composedAttention(cq, ck, cv, { isCausal: true })), 1e-4, 1e-5, 'causal, blocks');
  });

  it('rejects bad input naming the op, the argument and the shapes', () => {
    const q = tf.randn([2, 3, 4]), k = tf.randn([2, 5, 4]), v = tf.randn([2, 5, 2]);
    assertThrows(() => tf.scaledDotProductAttention(q, tf.randn([2, 5, 3]), v), RangeError, /scaledDotProductAttention/, /key \[2, 5, 3\]/);
    assertThrows(() => tf.scaledDotProductAttention(q, k, tf.randn([2, 4, 2])), RangeError, /value \[2, 4, 2\]/);
    assertThrows(() => tf.scaledDotProductAttention(q, k, v, { attnMask: tf.randn([3, 4]) }), RangeError, /attnMask \[3, 4\]/);
    assertThrows(() => tf.scaledDotProductAttention(q, k, v, { attnMask: tf.randn([3, 5]), isCausal: true }), TypeError, /isCausal/);
    assertThrows(() => tf.scaledDotProductAttention(q, k, v, { dropoutP: 2 }), RangeError, /dropoutP/);
    assertThrows(() => tf.scaledDotProductAttention(tf.randn([4]), k, v), RangeError, /query must have at least 2 dims/);
  });
});

/** Our eval-mode outputs and the cases for PyTorch, built once. */
type Built = ParityCase;

function mhaCase(name: string, build: string, call: string, m: tf.nn.MultiheadAttention, fresh: tf.nn.MultiheadAttention,
  inputs: Record<string, Tensor>, run: (x: Record<string, Tensor>) => [Tensor, Tensor | null]): Built {
  m.eval();
  const [y, w] = run(inputs);
  return { ours: w ? [y, w] : [y], fresh, case: { name, build, call, weights: m.stateDict(), inputs } };
}

const boolT = (shape: number[], p: number, keepFirst: number): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1), last = shape[shape.length - 1];
  const d = tf.rand([n]).dataSync();
  return tf.tensor(Uint8Array.from(d, (x, i) => (i % last < keepFirst ? 0 : Number(x < p))), { dtype: 'bool', shape });
};

function buildCases(): Built[] {
  const out: Built[] = [];
  // MHA, (L, N, E), bool attnMask (L, S) and keyPaddingMask (N, S), averaged weights.
  {
    const m = new nn.MultiheadAttention(16, 4), x = { q: tf.randn([5, 3, 16]), am: boolT([5, 5], 0.3, 1), kpm: boolT([3, 5], 0.3, 2) };
    out.push(mhaCase('mha_self_masks', 'nn.MultiheadAttention(16, 4)',
      "m(x['q'], x['q'], x['q'], attn_mask=x['am'], key_padding_mask=x['kpm'])", m, new nn.MultiheadAttention(16, 4), x,
      (i) => m.forward(i.q, i.q, i.q, { attnMask: i.am, keyPaddingMask: i.kpm })));
  }
  // MHA, batchFirst, kdim/vdim, float (N * H, L, S) mask, per-head weights, no bias.
  {
    const opts = { kdim: 6, vdim: 10, batchFirst: true, bias: false };
    const m = new nn.MultiheadAttention(12, 3, opts);
    const x = { q: tf.randn([2, 4, 12]), k: tf.randn([2, 7, 6]), v: tf.randn([2, 7, 10]), am: tf.randn([6, 4, 7]) };
    out.push(mhaCase('mha_kdim_float_mask', 'nn.MultiheadAttention(12, 3, kdim=6, vdim=10, batch_first=True, bias=False)',
      "m(x['q'], x['k'], x['v'], attn_mask=x['am'], average_attn_weights=False)", m, new nn.MultiheadAttention(12, 3, opts), x,
      (i) => m.forward(i.q, i.k, i.v, { attnMask: i.am, averageAttnWeights: false })));
  }
  // MHA without weights (the fused path), cross-attention, unbatched, float keyPaddingMask.
  {
    const m = new nn.MultiheadAttention(8, 2);
    const x = { q: tf.randn([3, 8]), kv: tf.randn([6, 8]), kpm: tf.randn([6]) };
    out.push(mhaCase('mha_unbatched_fused', 'nn.MultiheadAttention(8, 2)',
      "m(x['q'], x['kv'], x['kv'], key_padding_mask=x['kpm'], need_weights=False)", m, new nn.MultiheadAttention(8, 2), x,
      (i) => m.forward(i.q, i.kv, i.kv, { keyPaddingMask: i.kpm, needWeights: false })));
  }
  const layer = (name: string, build: string, call: string, m: tf.nn.AnyModule, fresh: tf.nn.AnyModule,
    inputs: Record<string, Tensor>, run: (x: Record<string, Tensor>) => Tensor): void => {
    m.eval();
    out.push({ ours: [run(inputs)], fresh, case: { name, build, call, weights: m.stateDict(), inputs } });
  };
  {
    const mk = (): tf.nn.TransformerEncoderLayer => new nn.TransformerEncoderLayer(16, 4, { dimFeedforward: 24 });
    const m = mk(), x = { s: tf.randn([6, 2, 16]), am: tf.nn.generateSquareSubsequentMask(6), kpm: boolT([2, 6], 0.3, 1) };
    layer('encoder_layer_post', 'nn.TransformerEncoderLayer(16, 4, dim_feedforward=24)',
      "m(x['s'], src_mask=x['am'], src_key_padding_mask=x['kpm'])", m, mk(), x,
      (i) => m.forward(i.s, { srcMask: i.am, srcKeyPaddingMask: i.kpm }));
  }
  {
    const o = { dimFeedforward: 20, activation: 'gelu' as const, normFirst: true, batchFirst: true, layerNormEps: 1e-6 };
    const mk = (): tf.nn.TransformerEncoder => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, o), 2, new nn.LayerNorm(8));
    const m = mk(), x = { s: tf.randn([3, 5, 8]), kpm: boolT([3, 5], 0.4, 2) };
    layer('encoder_prenorm_gelu', "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=20, activation='gelu', norm_first=True, batch_first=True, layer_norm_eps=1e-6), 2, norm=nn.LayerNorm(8))",
      "m(x['s'], src_key_padding_mask=x['kpm'])", m, mk(), x,
      (i) => m.forward(i.s, { srcKeyPaddingMask: i.kpm }));
  }
  {
    const mk = (): tf.nn.TransformerDecoderLayer => new nn.TransformerDecoderLayer(12, 3, { dimFeedforward: 16 });
    const m = mk(), x = { t: tf.randn([5, 2, 12]), mem: tf.randn([7, 2, 12]), tm: tf.nn.generateSquareSubsequentMask(5), mkpm: boolT([2, 7], 0.3, 1) };
    layer('decoder_layer_post', 'nn.TransformerDecoderLayer(12, 3, dim_feedforward=16)',
      "m(x['t'], x['mem'], tgt_mask=x['tm'], memory_key_padding_mask=x['mkpm'])", m, mk(), x,
      (i) => m.forward(i.t, i.mem, { tgtMask: i.tm, memoryKeyPaddingMask: i.mkpm }));
  }
  {
    const o = { dimFeedforward: 10, normFirst: true, batchFirst: true, activation: 'gelu' as const };
    const mk = (): tf.nn.TransformerDecoder => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 4, o), 2);
    const m = mk(), x = { t: tf.randn([2, 4, 8]), mem: tf.randn([2, 3, 8]), tm: boolT([4, 4], 0.3, 1), mm: tf.randn([4, 3]) };
    layer('decoder_prenorm', "nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 4, dim_feedforward=10, norm_first=True, batch_first=True, activation='gelu'), 2)",
      "m(x['t'], x['mem'], tgt_mask=x['tm'], memory_mask=x['mm'])", m, mk(), x,
      (i) => m.forward(i.t, i.mem, { tgtMask: i.tm, memoryMask: i.mm }));
  }
  return out;
}

describe('52 MultiheadAttention and Transformer layers against PyTorch', function () {
  parityTests(buildCases, ['mha_self_masks', 'mha_kdim_float_mask', 'mha_unbatched_fused', 'encoder_layer_post', 'encoder_prenorm_gelu', 'decoder_layer_post', 'decoder_prenorm'], 1e-4, 2e-5);
});

describe('52 MultiheadAttention and Transformer layers', () => {
  it('MHA: the fused path (needWeights false) equals the explicit one; gradients reach every parameter', () => {
    const m = new nn.MultiheadAttention(16, 4, { batchFirst: true });
    const x = tf.randn([2, 5, 16]), kpm = boolT([2, 5], 0.3, 1);
    const [a, w] = m.forward(x, x, x, { keyPaddingMask: kpm });
    const [b, none] = m.forward(x, x, x, { keyPaddingMask: kpm, needWeights: false });
    assert.strictEqual(none, null);
    assert.deepStrictEqual(w!.shape, [2, 5, 5]);
    assertClose(b, toNd(a), 1e-5, 1e-6, 'fused vs explicit');
    b.sum().backward();
    for (const [k, p] of m.namedParameters()) assert.ok(p.grad && p.grad.abs().sum().item() > 0, `${k} has a gradient`);
  });

  it('an encoder trains: the loss of a copy task falls', () => {
    const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(16, 2, { dimFeedforward: 32, dropout: 0, batchFirst: true }), 2);
    const opt = new tf.optim.Adam(enc.parameters(), { lr: 3e-3 });
    const x = tf.randn([4, 6, 16]);
    const loss = (): Tensor => enc.forward(x).sub(x).square().mean();
    const first = loss().item();
    for (let i = 0; i < 30; i++) { opt.zeroGrad(); const l = loss(); l.backward(); opt.step(); }
    assert.ok(loss().item() < 0.5 * first, `loss ${first} -> ${loss().item()}`);
  });

  it('saves and loads through io.saveModel (config and weights)', () => {
    const dir = require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'tf-tr-'));
    const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 12 }), 2, new nn.LayerNorm(8));
    dec.eval();
    tf.io.saveModel(dec, dir);
    const back = tf.io.loadModel(dir) as tf.nn.TransformerDecoder;
    const t = tf.randn([3, 2, 8]), mem = tf.randn([4, 2, 8]);
    assertClose(back.forward(t, mem), toNd(dec.forward(t, mem)), 0, 0, 'reloaded decoder');
    require('fs').rmSync(dir, { recursive: true, force: true });
  });

  it('rejects bad arguments naming the layer', () => {
    assertThrows(() => new nn.MultiheadAttention(10, 3), RangeError, /MultiheadAttention/, /divisible/);
    const m = new nn.MultiheadAttention(8, 2);
    assertThrows(() => m.forward(tf.randn([3, 2, 7]), tf.randn([3, 2, 8]), tf.randn([3, 2, 8])), RangeError, /query must be/);
    assertThrows(() => m.forward(tf.randn([3, 2, 8]), tf.randn([4, 2, 8]), tf.randn([4, 2, 8]), { attnMask: tf.randn([3, 3]) }), RangeError, /attnMask must be/);
    assertThrows(() => m.forward(tf.randn([3, 2, 8]), tf.randn([4, 2, 8]), tf.randn([4, 2, 8]), { keyPaddingMask: boolT([2, 3], 0, 0) }), RangeError, /keyPaddingMask must be/);
    assertThrows(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as never }), TypeError, /activation/);
    assertThrows(() => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2), 0), RangeError, /numLayers/);
  });
});
