/**
 * RNNCell / LSTMCell / GRUCell, PixelShuffle / PixelUnshuffle and Dropout2d: against PyTorch
 * 1.13 on the same weights and inputs (state dicts through safetensors both ways), gradients
 * against central differences, and the channel structure of Dropout2d.
 */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, gradcheck, toNd } from './helpers';
import { parityTests, type ParityCase } from './torch_parity';
import type { Tensor } from '../lib';

const { nn } = tf;
const F = nn.functional;

type Built = ParityCase;

function buildCases(): Built[] {
  const out: Built[] = [];
  const mod = (name: string, build: string, call: string, m: tf.nn.AnyModule, fresh: tf.nn.AnyModule, inputs: Record<string, Tensor>, ours: Tensor[]): void => {
    out.push({ ours, fresh, case: { name, build, call, weights: m.stateDict(), inputs } });
  };
  {
    const m = new nn.RNNCell(5, 7, { nonlinearity: 'relu' }), x = { x: tf.randn([3, 5]), h: tf.randn([3, 7]) };
    mod('rnn_cell_relu', "nn.RNNCell(5, 7, nonlinearity='relu')", "m(x['x'], x['h'])", m, new nn.RNNCell(5, 7, { nonlinearity: 'relu' }), x, [m.forward(x.x, x.h)]);
  }
  {
    const m = new nn.RNNCell(4, 6, { bias: false }), x = { x: tf.randn([4]) };
    mod('rnn_cell_unbatched_nobias', 'nn.RNNCell(4, 6, bias=False)', "m(x['x'])", m, new nn.RNNCell(4, 6, { bias: false }), x, [m.forward(x.x)]);
  }
  {
    const m = new nn.LSTMCell(5, 6), x = { x: tf.randn([2, 5]), h: tf.randn([2, 6]), c: tf.randn([2, 6]) };
    mod('lstm_cell', 'nn.LSTMCell(5, 6)', "m(x['x'], (x['h'], x['c']))", m, new nn.LSTMCell(5, 6), x, m.forward(x.x, [x.h, x.c]));
  }
  {
    const m = new nn.GRUCell(3, 8), x = { x: tf.randn([4, 3]), h: tf.randn([4, 8]) };
    mod('gru_cell', 'nn.GRUCell(3, 8)', "m(x['x'], x['h'])", m, new nn.GRUCell(3, 8), x, [m.forward(x.x, x.h)]);
  }
  {
    const x = { x: tf.randn([2, 3, 18, 4, 5]) };
    out.push({ ours: [F.pixelShuffle(x.x, 3), F.pixelUnshuffle(x.x.reshape([2, 3, 2, 12, 15]), 3)], fresh: null,
      case: { name: 'pixel_shuffle', build: 'None', call: "(F.pixel_shuffle(x['x'], 3), F.pixel_unshuffle(x['x'].reshape(2, 3, 2, 12, 15), 3))", weights: {}, inputs: x } });
  }
  return out;
}

describe('53 recurrent cells and pixel shuffle against PyTorch', function () {
  parityTests(buildCases, ['rnn_cell_relu', 'rnn_cell_unbatched_nobias', 'lstm_cell', 'gru_cell', 'pixel_shuffle'], 1e-5, 1e-6);
});

describe('53 recurrent cells, pixel shuffle, Dropout2d', () => {
  it('cells: a step equals one step of the matching sequence layer; gradients match central differences', () => {
    const cell = new nn.GRUCell(3, 4), gru = new nn.GRU(3, 4);
    gru.loadStateDict({ weight_ih_l0: cell.weight_ih, weight_hh_l0: cell.weight_hh, bias_ih_l0: cell.bias_ih!, bias_hh_l0: cell.bias_hh! });
    const x = tf.randn([2, 3]), h = tf.randn([2, 4]);
    assertClose(cell.forward(x, h), toNd(gru.forward(x.unsqueeze(0), h.unsqueeze(0))[1].squeeze(0)), 1e-6, 1e-7, 'GRUCell vs GRU');
    const lstm = new nn.LSTMCell(3, 2);
    gradcheck((xi, hi, ci) => { const [a, b] = lstm.forward(xi, [hi, ci]); return a.add(b.mul(2)); }, [x, tf.randn([2, 2]), tf.randn([2, 2])]);
    const rnn = new nn.RNNCell(3, 2);
    gradcheck((xi, hi) => rnn.forward(xi, hi), [x, tf.randn([2, 2])]);
  });

  it('pixelShuffle and pixelUnshuffle invert each other and have exact gradients', () => {
    const x = tf.randn([2, 8, 3, 5]);
    assertClose(F.pixelUnshuffle(F.pixelShuffle(x, 2), 2), toNd(x), 0, 0, 'round trip');
    assert.deepStrictEqual(new nn.PixelShuffle(2).forward(x).shape, [2, 2, 6, 10]);
    gradcheck((t) => F.pixelShuffle(t, 2), [tf.randn([1, 4, 2, 3])]);
    gradcheck((t) => new nn.PixelUnshuffle(2).forward(t), [tf.randn([1, 2, 4, 2])]);
  });

  it('Dropout2d zeroes whole channels and scales the rest; the identity in eval mode', () => {
    const d = new nn.Dropout2d(0.5), x = tf.ones([8, 16, 3, 3]);
    const y = d.forward(x).dataSync();
    let zeros = 0;
    for (let c = 0; c < 8 * 16; c++) {
      const plane = Array.from(y.slice(c * 9, c * 9 + 9));
      assert.ok(plane.every((v) => v === plane[0]) && (plane[0] === 0 || plane[0] === 2), `channel ${c}: ${plane}`);
      zeros += plane[0] === 0 ? 1 : 0;
    }
    assert.ok(zeros > 30 && zeros < 98, `${zeros} of 128 channels dropped`);
    assert.strictEqual(F.dropout2d(tf.ones([4, 2, 2]), 0.5).dataSync().length, 16);
    d.eval();
    assertClose(d.forward(x), toNd(x), 0, 0, 'eval');
  });

  it('rejects bad arguments naming the layer or function', () => {
    assertThrows(() => new nn.LSTMCell(3, 0), RangeError, /LSTMCell/, /hiddenSize/);
    assertThrows(() => new nn.GRUCell(3, 4).forward(tf.randn([2, 5])), RangeError, /GRUCell/, /\[2, 5\]/);
    assertThrows(() => new nn.RNNCell(3, 4).forward(tf.randn([2, 3]), tf.randn([3, 4])), RangeError, /RNNCell/, /hx/);
    assertThrows(() => new nn.RNNCell(3, 4, { nonlinearity: 'gelu' as never }), TypeError, /nonlinearity/);
    assertThrows(() => F.pixelShuffle(tf.randn([1, 6, 2, 2]), 2), RangeError, /pixelShuffle/, /divisible/);
    assertThrows(() => F.pixelUnshuffle(tf.randn([1, 1, 3, 4]), 2), RangeError, /pixelUnshuffle/, /divisible/);
    assertThrows(() => F.dropout2d(tf.randn([2, 3]), 0.5), RangeError, /dropout2d/, /\(N, C, H, W\)/);
    assertThrows(() => new nn.Dropout2d(1.5), RangeError, /Dropout2d/);
  });
});
