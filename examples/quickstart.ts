// Quickstart: fit XOR with a two-layer network using only the raw tensor API and autograd.
import { tensor, randn, zeros, noGrad, tidy, manualSeed, memory, backendInfo } from '../lib';

manualSeed(0);
const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const y = tensor([[0], [1], [1], [0]]);
const w1 = randn([2, 8]).mul(0.8).requiresGrad_();
const b1 = zeros([8], { requiresGrad: true });
const w2 = randn([8, 1]).mul(0.5).requiresGrad_();
const b2 = zeros([1], { requiresGrad: true });
const params = [w1, b1, w2, b2];

for (let step = 0; step <= 2000; step++) {
  tidy(() => {
    const hidden = x.matmul(w1).add(b1).tanh();
    const pred = hidden.matmul(w2).add(b2).sigmoid();
    const loss = pred.sub(y).square().mean();
    loss.backward();
    noGrad(() => {
      for (const p of params) {
        p.sub_(p.grad!.mul(2.0));
        p.grad!.zero_();
      }
    });
    if (step % 500 === 0) console.log(`step ${step}  loss ${loss.item().toFixed(5)}`);
  });
}

const pred = noGrad(() => x.matmul(w1).add(b1).tanh().matmul(w2).add(b2).sigmoid());
console.log('predictions', pred.toString());
console.log('rounded', pred.round().toArray(), 'live tensors', memory().numTensors, 'isa', backendInfo().isa);
