/** nn.RNN / nn.LSTM / nn.GRU (lib/nn/layers/rnn.ts) end to end: PyTorch parameter names and
 * shapes, every cell type stacked (2 layers bidirectional, 3 layers without bias) vs the
 * float64 reference with given and default states, batchFirst and unbatched input, the
 * gradient of every parameter, the input and the states vs finite differences of the
 * float64 reference, and inter-layer dropout. (Argument errors: 51.nn.layers.test.ts.) */
import * as assert from 'assert';
import { tf, assertClose, toNd } from './helpers';
import { rnnLayerRef, type RnnRefMode } from './reference/rnn';
import type { Nd } from './reference/ndarray';
import type { Tensor } from '../lib';

const { nn } = tf;
type AnyRnn = InstanceType<typeof nn.RNN> | InstanceType<typeof nn.LSTM> | InstanceType<typeof nn.GRU>;

interface Cfg { numLayers: number; bidirectional: boolean; bias: boolean }

/** The stacked float64 reference: x [T, B, I] sequence-major, states [L*D, B, H]. */
function stackedRef(mode: RnnRefMode, x: Nd, h0: Nd | null, c0: Nd | null, params: Map<string, Nd>, H: number, cfg: Cfg): { output: Nd; hn: Nd; cn: Nd } {
  const [T, B] = x.shape, D = cfg.bidirectional ? 2 : 1, L = cfg.numLayers;
  const hn = new Float64Array(L * D * B * H), cn = new Float64Array(L * D * B * H);
  const stateAt = (s: Nd | null, i: number): Nd => ({ shape: [B, H], data: s ? s.data.slice(i * B * H, (i + 1) * B * H) : new Float64Array(B * H) });
  let input = x;
  for (let l = 0; l < L; l++) {
    const outs: Nd[] = [];
    for (let d = 0; d < D; d++) {
      const i = l * D + d, sfx = `_l${l}${d ? '_reverse' : ''}`;
      const p = (n: string): Nd => params.get(n + sfx) as Nd;
      const r = rnnLayerRef(mode, input, stateAt(h0, i), stateAt(c0, i),
        { wIh: p('weight_ih'), wHh: p('weight_hh'), bIh: cfg.bias ? p('bias_ih') : null, bHh: cfg.bias ? p('bias_hh') : null }, d === 1);
      outs.push(r.output);
      hn.set(r.hn.data, i * B * H);
      if (r.cn) cn.set(r.cn.data, i * B * H);
    }
    const out = new Float64Array(T * B * D * H);
    for (let tb = 0; tb < T * B; tb++) outs.forEach((o, d) => out.set(o.data.slice(tb * H, (tb + 1) * H), tb * D * H + d * H));
    input = { shape: [T, B, D * H], data: out };
  }
  return { output: input, hn: { shape: [L * D, B, H], data: hn }, cn: { shape: [L * D, B, H], data: cn } };
}

function make(mode: RnnRefMode, I: number, H: number, cfg: Cfg & { batchFirst?: boolean; dropout?: number }): AnyRnn {
  if (mode === 'lstm') return new nn.LSTM(I, H, cfg);
  if (mode === 'gru') return new nn.GRU(I, H, cfg);
  return new nn.RNN(I, H, { ...cfg, nonlinearity: mode === 'rnnRelu' ? 'relu' : 'tanh' });
}

function call(m: AnyRnn, x: Tensor, h0: Tensor | null, c0: Tensor | null): { output: Tensor; hn: Tensor; cn: Tensor | null } {
  if (m instanceof nn.LSTM) {
    const [output, [hn, cn]] = m.forward(x, h0 && c0 ? [h0, c0] : null);
    return { output, hn, cn };
  }
  const [output, hn] = (m as InstanceType<typeof nn.GRU>).forward(x, h0);
  return { output, hn, cn: null };
}

const paramsNd = (m: AnyRnn): Map<string, Nd> => new Map([...m.namedParameters()].map(([n, p]) => [n, toNd(p)]));

describe('nn.RNN / nn.LSTM / nn.GRU', () => {
  it('parameter names, order, shapes and init are PyTorch\'s', () => {
    const m = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    const sd = m.stateDict();
    const want: [string, number[]][] = [];
    for (const l of [0, 1]) {
      for (const sfx of ['', '_reverse']) {
        const I = l === 0 ? 3 : 8;
        want.push([`weight_ih_l${l}${sfx}`, [16, I]], [`weight_hh_l${l}${sfx}`, [16, 4]], [`bias_ih_l${l}${sfx}`, [16]], [`bias_hh_l${l}${sfx}`, [16]]);
      }
    }
    assert.deepStrictEqual(Object.keys(sd), want.map(([n]) => n));
    for (const [n, s] of want) assert.deepStrictEqual(sd[n].shape, s, n);
    for (const p of m.parameters()) for (const v of p.dataSync()) assert.ok(Math.abs(v) <= 0.5, `init bound 1/sqrt(4): ${v}`);
    assert.deepStrictEqual(Object.keys(new nn.GRU(2, 5, { bias: false }).stateDict()), ['weight_ih_l0', 'weight_hh_l0']);
    assert.deepStrictEqual(new nn.GRU(2, 5).stateDict().weight_ih_l0.shape, [15, 2]);
    assert.match(m.toString(), /LSTM\(3, 4, num_layers=2, bidirectional=True\)/);
  });

  for (const mode of ['rnnTanh', 'rnnRelu', 'lstm', 'gru'] as RnnRefMode[]) {
    it(`${mode}: 2 layers, bidirectional, given and default states, batchFirst, unbatched vs the stacked reference`, () => {
      const [T, B, I, H] = [5, 3, 4, 6];
      for (const cfg of [{ numLayers: 2, bidirectional: true, bias: true }, { numLayers: 3, bidirectional: false, bias: false }]) {
        const m = make(mode, I, H, cfg), D = cfg.bidirectional ? 2 : 1;
        const x = tf.randn([T, B, I]), h0 = tf.randn([cfg.numLayers * D, B, H]), c0 = tf.randn([cfg.numLayers * D, B, H]);
        const lstm = mode === 'lstm';
        const got = call(m, x, h0, lstm ? c0 : null);
        const want = stackedRef(mode, toNd(x), toNd(h0), lstm ? toNd(c0) : null, paramsNd(m), H, cfg);
        assertClose(got.output, want.output, 1e-4, 2e-5, 'output');
        assertClose(got.hn, want.hn, 1e-4, 2e-5, 'hn');
        if (lstm) assertClose(got.cn as Tensor, want.cn, 1e-4, 2e-5, 'cn');
        // zero default states
        const z = stackedRef(mode, toNd(x), null, null, paramsNd(m), H, cfg);
        assertClose(call(m, x, null, null).output, z.output, 1e-4, 2e-5, 'default states');
        // batchFirst: same weights, transposed input and output
        const mb = make(mode, I, H, { ...cfg, batchFirst: true });
        mb.loadStateDict(m.stateDict());
        const gb = call(mb, x.transpose(0, 1), h0, lstm ? c0 : null);
        assert.deepStrictEqual(gb.output.shape, [B, T, D * H]);
        assertClose(gb.output.transpose(0, 1), want.output, 1e-4, 2e-5, 'batchFirst output');
        assertClose(gb.hn, want.hn, 1e-4, 2e-5, 'batchFirst hn');
        // unbatched [T, I] with states [L*D, H]
        const x1 = x.slice(1, 0, 1).reshape([T, I]);
        const h1 = h0.slice(1, 0, 1).reshape([cfg.numLayers * D, H]), c1 = c0.slice(1, 0, 1).reshape([cfg.numLayers * D, H]);
        const g1 = call(m, x1, h1, lstm ? c1 : null);
        assert.deepStrictEqual(g1.output.shape, [T, D * H]);
        assertClose(g1.output, { shape: [T, D * H], data: want.output.data.filter((_, k) => Math.floor(k / (D * H)) % B === 0) }, 1e-4, 2e-5, 'unbatched');
        assert.deepStrictEqual(g1.hn.shape, [cfg.numLayers * D, H]);
      }
    });
  }

  for (const mode of ['rnnTanh', 'lstm', 'gru'] as RnnRefMode[]) {
    it(`${mode}: gradients of every parameter, the input and the states vs finite differences (2 layers, bidirectional)`, () => {
      const [T, B, I, H] = [3, 2, 2, 3], cfg = { numLayers: 2, bidirectional: true, bias: true }, lstm = mode === 'lstm';
      const m = make(mode, I, H, cfg);
      const x = tf.randn([T, B, I], { requiresGrad: true });
      const h0 = tf.randn([4, B, H], { requiresGrad: true }), c0 = tf.randn([4, B, H], { requiresGrad: true });
      const got = call(m, x, h0, lstm ? c0 : null);
      const ry = tf.randn(got.output.shape), rh = tf.randn(got.hn.shape), rc = tf.randn(got.hn.shape);
      let loss = got.output.mul(ry).sum().add(got.hn.mul(rh).sum());
      if (got.cn) loss = loss.add(got.cn.mul(rc).sum());
      loss.backward();
      const P = paramsNd(m), xn = toNd(x), hn = toNd(h0), cn = toNd(c0), R = [toNd(ry), toNd(rh), toNd(rc)];
      const L = (): number => {
        const o = stackedRef(mode, xn, hn, lstm ? cn : null, P, H, cfg);
        let s = 0;
        [o.output, o.hn, ...(lstm ? [o.cn] : [])].forEach((nd, k) => nd.data.forEach((v, i) => { s += v * R[k].data[i]; }));
        return s;
      };
      const leaves: [string, Nd, Tensor][] = [...m.namedParameters()].map(([n, p]) => [n, P.get(n) as Nd, p] as [string, Nd, Tensor]);
      leaves.push(['x', xn, x], ['h0', hn, h0]);
      if (lstm) leaves.push(['c0', cn, c0]);
      for (const [name, nd, t] of leaves) {
        const num = new Float64Array(nd.data.length), eps = 1e-6;
        for (let i = 0; i < num.length; i++) {
          const v = nd.data[i];
          nd.data[i] = v + eps; const lp = L();
          nd.data[i] = v - eps; const lm = L();
          nd.data[i] = v;
          num[i] = (lp - lm) / (2 * eps);
        }
        assertClose(t.grad as Tensor, { shape: nd.shape, data: num }, 1e-3, 2e-4, `${mode} d${name}`);
      }
    });
  }

  it('dropout applies between layers in training only', () => {
    const m = new nn.GRU(4, 5, { numLayers: 2, dropout: 0.5 });
    const x = tf.randn([6, 3, 4]);
    const a = m.forward(x)[0].dataSync(), b = m.forward(x)[0].dataSync();
    assert.ok(a.some((v, i) => v !== b[i]), 'two training passes should draw different masks');
    m.eval();
    const want = stackedRef('gru', toNd(x), null, null, paramsNd(m), 5, { numLayers: 2, bidirectional: false, bias: true });
    assertClose(m.forward(x)[0], want.output, 1e-4, 2e-5, 'eval mode has no dropout');
  });
});
