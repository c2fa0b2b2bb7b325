/**
 * Recurrent workloads: one LSTM / GRU layer, sequence 50, batch 64, input 64, hidden 256,
 * sequence-major, zero initial state, both biases; forward (no grad) and forward+backward
 * (gradients of input, weights and biases from a fixed random gradient of the output).
 * Peers: bench/peers/rnn.py (torch.nn.LSTM/GRU), tfjs (tf.layers.lstm/gru, batch-major; tfjs's GRU
 * applies the reset gate before the recurrent matmul, reset_after=false).
 */
import * as tf from '../lib';
import { guard, measure, type Family, type Options, type Workload } from './common';

type P = { mode: 'lstm' | 'gru'; t: number; b: number; i: number; h: number; backward: boolean };
const clearGrads = (ts: tf.Tensor[]): void => { for (const t of ts) { t.grad?.dispose(); t.grad = null; } };

function family(mode: 'lstm' | 'gru'): Family {
  const G = mode === 'lstm' ? 4 : 3;
  return {
    name: mode,
    python: 'rnn',
    workloads(o: Options): Workload[] {
      const t = o.quick ? 5 : 50, b = o.quick ? 8 : 64, i = 64, h = o.quick ? 32 : 256;
      return [false, true].map((backward) => ({
        name: `${mode.toUpperCase()} T${t} B${b} I${i} H${h} ${backward ? 'fwd+bwd' : 'fwd'}`, unit: 'ms' as const,
        params: { mode, t, b, i, h, backward }, tfjsCpu: o.quick, training: backward,
      }));
    },
    ours(wl, o) {
      const { t, b, i, h, backward } = wl.params as P;
      const s = 1 / Math.sqrt(h);
      const mk = (shape: number[]): tf.Tensor => tf.noGrad(() => tf.rand(shape).mul(2 * s).sub(s)).requiresGrad_(backward);
      const x = tf.randn([t, b, i], { requiresGrad: backward });
      const params = { weightIh: mk([G * h, i]), weightHh: mk([G * h, h]), biasIh: mk([G * h]), biasHh: mk([G * h]) };
      const leaves = [x, params.weightIh, params.weightHh, params.biasIh, params.biasHh];
      const g = tf.randn([t, b, h]);
      const layer = (): tf.Tensor => (mode === 'lstm' ? tf.lstmLayer(x, null, null, params) : tf.gruLayer(x, null, params)).output;
      try {
        if (!backward) return measure(() => tf.tidy(() => tf.noGrad(() => { layer(); })), o);
        return measure(() => { clearGrads(leaves); tf.tidy(() => { layer().backward({ grad: g }); }); }, o);
      } finally { clearGrads(leaves); for (const z of [...leaves, g]) z.dispose(); }
    },
    tfjs(T, backend, wl, o) {
      const { t, b, i, h, backward } = wl.params as P;
      const cfg = { units: h, returnSequences: true, inputShape: [t, i], recurrentInitializer: 'glorotUniform' };
      const layer = mode === 'lstm' ? T.layers.lstm(cfg) : T.layers.gru(cfg);
      const x = T.randomNormal([b, t, i]), g = T.randomNormal([b, t, h]);
      T.tidy(() => { layer.apply(x); }); // builds the weights
      const cap = backend === 'cpu' ? o.tfjsCpuCapS : o.tfjsWasmCapS;
      try {
        return guard(() => measure(() => {
          if (!backward) { const y = T.tidy(() => layer.apply(x)); y.dataSync(); y.dispose(); return; }
          const { grads, value } = T.variableGrads(() => T.sum(T.mul(layer.apply(x), g)), layer.trainableWeights.map((v: any) => v.val));
          value.dispose();
          for (const k of Object.keys(grads)) { grads[k].dataSync(); grads[k].dispose(); }
        }, { ...o, capS: cap, warmup: 1 }));
      } finally { x.dispose(); g.dispose(); try { layer.dispose(); } catch { /* never built */ } }
    },
  };
}

export const lstm = family('lstm');
export const gru = family('gru');
