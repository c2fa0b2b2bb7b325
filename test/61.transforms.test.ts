/** Image transforms (native kernels) against float64 references, on every ISA; seeded
 * reproducibility; bad inputs. */
import * as assert from 'assert';
import { tf, assertClose, assertThrows, forEachIsa, toNd } from './helpers';
import { native, args } from '../lib/native';
import * as ref from './reference/image';

const { data } = tf;
const T = data.transforms;
const SHAPES = [[1, 1, 1, 1], [2, 3, 5, 7], [3, 1, 8, 8], [4, 2, 13, 6], [64, 3, 32, 32]];

describe('61 transforms', () => {
  it('normalize matches the reference per channel', () => {
    forEachIsa((isa) => {
      for (const s of SHAPES) {
        const x = tf.rand(s);
        const mean = Array.from({ length: s[1] }, (_, c) => 0.1 * c + 0.2), std = Array.from({ length: s[1] }, (_, c) => 0.5 + c);
        assertClose(new data.Normalize(mean, std).apply(x), ref.normalize(toNd(x), mean, std), 1e-5, 1e-6, `${isa} ${s}`);
      }
    });
  });

  it('flips exactly the flagged samples', () => {
    forEachIsa((isa) => {
      for (const s of SHAPES) {
        const x = tf.rand(s);
        const flags = Array.from({ length: s[0] }, (_, i) => i % 2);
        for (const h of [true, false]) {
          const y = T.flip(x, tf.tensor(flags), h);
          assert.deepStrictEqual(Array.from(y.dataSync()), Array.from(ref.flip(toNd(x), flags, h).data, Math.fround), `${isa} ${s} ${h}`);
        }
      }
    });
  });

  it('affine warps (rotation, translation, scale, shear) match the bilinear reference', () => {
    forEachIsa((isa) => {
      for (const s of SHAPES) {
        const x = tf.rand(s);
        const params = Float32Array.from({ length: s[0] * 5 }, (_, k) => {
          const col = k % 5;
          return [Math.sin(k) * 0.7, Math.cos(k) * 2.5, Math.sin(3 * k) * 1.5, 0.8 + 0.1 * (k % 4), 0.2 * Math.cos(k)][col];
        });
        const p = tf.tensor(params, { shape: [s[0], 5] });
        const y = T.affine(x, p, 0.25);
        assertClose(y, ref.affine(toNd(x), params, 0.25), 1e-4, 1e-5, `${isa} ${s}`);
      }
    });
  });

  it('identity affine is an exact copy; 90 degree rotation permutes pixels', () => {
    const x = tf.rand([2, 3, 5, 5]);
    const id = T.affine(x, tf.tensor([[0, 0, 0, 1, 0], [0, 0, 0, 1, 0]]));
    assert.deepStrictEqual(Array.from(id.dataSync()), Array.from(x.dataSync()));
    const img = tf.tensor([[[[1, 2], [3, 4]]]]);
    // Counter-clockwise by 90 degrees: the top-right pixel moves to the top-left.
    const r = T.affine(img, tf.tensor([[Math.PI / 2, 0, 0, 1, 0]]));
    assertClose(r, { shape: [1, 1, 2, 2], data: Float64Array.from([2, 4, 1, 3]) }, 1e-5, 1e-5);
  });

  it('crop with padding matches the reference', () => {
    forEachIsa((isa) => {
      for (const s of SHAPES) {
        const x = tf.rand(s);
        const pad = 2, oh = Math.max(1, s[2] - 1), ow = s[3] + 1;
        const offs = Int32Array.from({ length: s[0] * 2 }, (_, k) => (k * 7) % ((k % 2 ? s[3] + 2 * pad - ow : s[2] + 2 * pad - oh) + 1));
        const y = T.crop(x, tf.tensor(offs, { shape: [s[0], 2] }), [oh, ow], pad, -1);
        assert.deepStrictEqual(Array.from(y.dataSync()), Array.from(ref.crop(toNd(x), offs, oh, ow, pad, -1).data, Math.fround), `${isa} ${s}`);
      }
    });
  });

  it('random transforms: seeded reproducibility and draws in range', () => {
    const x = tf.rand([16, 3, 12, 12]);
    const aug = new data.Compose([
      new data.RandomCrop(10, { padding: 2 }), new data.RandomHorizontalFlip(0.5), new data.RandomVerticalFlip(0.3),
      new data.RandomRotation(15), new data.RandomAffine({ degrees: 5, translate: [0.1, 0.1], scale: [0.9, 1.1], shear: 5 }),
      new data.GaussianNoise(0.05), new data.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]),
    ]);
    tf.manualSeed(7);
    const a = aug.apply(x).dataSync();
    tf.manualSeed(7);
    const b = aug.apply(x).dataSync();
    assert.deepStrictEqual(Array.from(a), Array.from(b));
    const c = aug.apply(x).dataSync();
    assert.notDeepStrictEqual(Array.from(a), Array.from(c));
    assert.strictEqual(a.length, 16 * 3 * 10 * 10);
    // Each sample is flipped or not: the result equals one of the two references.
    tf.manualSeed(3);
    const f = new data.RandomHorizontalFlip(0.5).apply(x);
    const fx = toNd(f), x0 = toNd(x), xf = ref.flip(x0, new Array(16).fill(1), true);
    let flipped = 0;
    const per = 3 * 12 * 12;
    for (let n = 0; n < 16; n++) {
      const got = fx.data.subarray(n * per, (n + 1) * per);
      const same = got.every((v, i) => v === x0.data[n * per + i]), mirrored = got.every((v, i) => v === Math.fround(xf.data[n * per + i]));
      assert.ok(same || mirrored, `sample ${n} is neither original nor mirrored`);
      if (mirrored && !same) flipped++;
    }
    assert.ok(flipped > 0 && flipped < 16, `flipped ${flipped} of 16 with p = 0.5`);
    // RandomCrop of an unpadded same-size crop is the identity.
    assert.deepStrictEqual(Array.from(new data.RandomCrop(12).apply(x).dataSync()), Array.from(x.dataSync()));
    // Noise has about the requested std.
    const z = tf.zeros([4, 1, 64, 64]);
    const std = new data.GaussianNoise(0.5).apply(z).std().item();
    assert.ok(Math.abs(std - 0.5) < 0.03, `noise std ${std}`);
  });

  it('a 3-D image is a batch of one', () => {
    const x = tf.rand([3, 4, 4]);
    const y = new data.Normalize([0, 0, 0], [2, 2, 2]).apply(x);
    assert.deepStrictEqual(y.shape, [3, 4, 4]);
    assertClose(y, { shape: [3, 4, 4], data: Float64Array.from(x.dataSync(), (v) => v / 2) });
  });

  it('rejects bad inputs with clear errors', () => {
    assertThrows(() => new data.Normalize([0.5], [0.5]).apply(tf.rand([2, 3, 4, 4])), RangeError, /normalize/, /1 channels/);
    assertThrows(() => new data.Normalize([0.5], [0]), RangeError, /std/);
    assertThrows(() => new data.RandomHorizontalFlip(1.5), RangeError, /p must be in \[0, 1\]/);
    assertThrows(() => new data.RandomCrop(8).apply(tf.rand([1, 1, 4, 4])), RangeError, /RandomCrop/, /larger than the padded input/);
    assertThrows(() => new data.RandomRotation(10).apply(tf.rand([4, 4])), RangeError, /RandomAffine/, /\[N, C, H, W\]/);
    assertThrows(() => new data.RandomRotation(10).apply(tf.zeros([1, 1, 4, 4], { dtype: 'int32' })), TypeError, /float32/);
    assertThrows(() => T.affine(tf.rand([2, 1, 4, 4]), tf.rand([3, 5])), RangeError, /affine/, /params/);
    assertThrows(() => T.crop(tf.rand([1, 1, 4, 4]), tf.tensor([[5, 0]], { dtype: 'int32' }), [4, 4], 0), RangeError, /randomCrop/, /outside the padded input/);
    assertThrows(() => T.crop(tf.rand([1, 1, 4, 4]), tf.tensor([[0, 0]], { dtype: 'int32' }), [-1, 4]), RangeError, /crop/, /size/);
    assertThrows(() => T.flip(tf.rand([2, 1, 4, 4]), tf.tensor([1]), true), RangeError, /flip/);
    assertThrows(() => new data.Compose([{} as tf.data.Transform]), TypeError, /Compose/);
    assertThrows(() => T.normalize(tf.rand([1, 2, 3, 3]), [0, 0], [1, 0]), RangeError, /normalize/, /std finite and non-zero \(channel 1\)/);
    assertThrows(() => T.affine(tf.rand([1, 1, 3, 3]), tf.tensor([[NaN, 0, 0, 1, 0]])), RangeError, /affine/, /params must be finite/);
  });

  it('the native bindings validate on their own and never crash', () => {
    // NOTE: every tensor is created before the argument buffer is written (creation uses it too).
    const x = tf.rand([2, 1, 4, 4]), y = tf.rand([2, 1, 4, 4]), flags = tf.zeros([2]);
    const intParams = tf.zeros([2, 5], { dtype: 'int32' }), offsets = tf.zeros([2, 2], { dtype: 'int32' });
    const small = tf.zeros([4]), ints = tf.zeros([32], { dtype: 'int32' });
    const h = (t: tf.Tensor) => t.handle('test');
    const image = (dtypeCode: number) => ({ dtypeCode, shape: [2, 1, 4, 4], strides: [16, 16, 4, 1], offset: 0 });
    // Output aliasing the input.
    args.reset().num(1).view(x).view(x).view(flags);
    assertThrows(() => native.imageFlip(h(x), h(x), h(flags)), RangeError, /^flip: output must not share storage/);
    // Wrong parameter dtype.
    args.reset().num(0).view(y).view(x).view(intParams);
    assertThrows(() => native.imageAffine(h(y), h(x), h(intParams)), RangeError, /^affine: params must be a contiguous float32 \[N, 5\]/);
    // A view claiming more elements than its storage holds.
    args.reset().num(0).num(0).view(y).view(image(0)).view(offsets);
    assertThrows(() => native.imageCrop(h(y), h(small), h(offsets)), RangeError, /^randomCrop: input: view reaches element 31 beyond its storage of 16 bytes/);
    // Dtype checks.
    args.reset().num(1).num(0.5).num(1).view(y).view(image(1));
    assertThrows(() => native.imageNormalize(h(y), h(ints)), RangeError, /^normalize: input and output must be contiguous float32/);
  });
});
