// Times the transcendental unary ops on 1M float32 elements, 1 and 2 threads, median of
// repeats (ms per op). Compare two builds by pointing at their dist/lib:
//   node tools/dev/bench-unary.js [path/to/dist/lib]   (default: ./dist/lib)
'use strict';
const path = require('path');
const tf = require(path.resolve(process.argv[2] || 'dist/lib'));

const N = 1 << 20, REPS = 21;
const x = tf.rand([N], { low: -8, high: 8 });
const xp = tf.rand([N], { low: 0.01, high: 8 });
const ops = {
  exp: () => x.exp(), log: () => xp.log(), tanh: () => x.tanh(), sigmoid: () => x.sigmoid(),
  silu: () => x.silu(), 'gelu(tanh)': () => x.gelu('tanh'), softplus: () => x.softplus(),
  elu: () => x.elu(), gelu: () => x.gelu(),
};
const median = (v) => v.slice().sort((a, b) => a - b)[v.length >> 1];
console.log(`isa ${tf.backendInfo().isa}, ${N} elements, median of ${REPS} (ms/op)`);
for (const threads of [1, 2]) {
  tf.setNumThreads(threads);
  const row = [];
  for (const [name, f] of Object.entries(ops)) {
    for (let i = 0; i < 3; i++) f().dispose();
    const t = [];
    for (let i = 0; i < REPS; i++) {
      const t0 = process.hrtime.bigint();
      const y = f();
      t.push(Number(process.hrtime.bigint() - t0) / 1e6);
      y.dispose();
    }
    row.push(`${name} ${median(t).toFixed(3)}`);
  }
  console.log(`threads=${threads}: ${row.join(' | ')}`);
}
