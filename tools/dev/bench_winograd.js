// Chooser measurements for kConvWinograd: conv2d 3x3 padding 1, batch 64, 2 threads, forced
// 'implicit' / 'im2col' / 'winograd', forward (no grad) and forward+backward; median of
// interleaved repeats (wall ms). Run after `npx tsc -p .`: node tools/dev/bench_winograd.js [reps] [shape...]
const tf = require('../../dist/lib');
const reps = Number(process.argv[2] || 7);
const all = [[64, 16, 64], [3, 32, 32], [16, 14, 32], [64, 8, 64], [32, 32, 32], [128, 7, 128], [32, 16, 32], [16, 16, 16], [16, 16, 64], [64, 16, 16]];
const pick = process.argv.slice(3);
const shapes = pick.length ? all.filter(([c, h, k]) => pick.includes(`${h}x${h}x${c}->${k}`)) : all;
tf.setNumThreads(2);
const algos = ['implicit', 'im2col', 'winograd'];
const now = () => Number(process.hrtime.bigint()) / 1e6;
const med = (a) => a.slice().sort((u, v) => u - v)[a.length >> 1];
const min = (a) => Math.min(...a);
for (const [c, h, k] of shapes) {
  const n = 64;
  const x = tf.randn([n, c, h, h], { requiresGrad: true }), w = tf.randn([k, c, 3, 3], { requiresGrad: true });
  const b = tf.randn([k], { requiresGrad: true }), g = tf.randn([n, k, h, h]);
  const clear = () => { for (const t of [x, w, b]) { t.grad?.dispose(); t.grad = null; } };
  const fwd = (algorithm) => tf.tidy(() => tf.noGrad(() => { tf.conv2d(x, w, b, { padding: 1, algorithm }).dataSync(); }));
  const both = (algorithm) => { clear(); tf.tidy(() => { tf.conv2d(x, w, b, { padding: 1, algorithm }).backward({ grad: g }); }); };
  const t = {};
  for (const a of algos) { t[a] = { f: [], fb: [] }; fwd(a); both(a); }
  for (let r = 0; r < reps; ++r)
    for (const a of algos) {
      let s = now(); fwd(a); t[a].f.push(now() - s);
      s = now(); both(a); t[a].fb.push(now() - s);
    }
  for (const [name, f] of [['median', med], ['min', min]]) {
    const line = algos.map((a) => `${a} ${f(t[a].f).toFixed(2)} / ${f(t[a].fb).toFixed(2)}`).join('  ');
    const wi = t.winograd, im = t.implicit, ic = t.im2col;
    console.log(`${h}x${h}x${c}->${k} ${name}: fwd / fwd+bwd ms: ${line}  | winograd/implicit ${(f(wi.f) / f(im.f)).toFixed(2)} / ${(f(wi.fb) / f(im.fb)).toFixed(2)}` +
      `  winograd/im2col ${(f(wi.f) / f(ic.f)).toFixed(2)} / ${(f(wi.fb) / f(ic.fb)).toFixed(2)}`);
  }
  clear();
}
