// Deep reinforcement learning: REINFORCE with a learned baseline (Williams 1992; Sutton &
// Barto, ch. 13.4) on CartPole written here in TypeScript (examples/cartpole.ts). The policy
// network maps the 4 state variables to the log-probabilities of pushing left or right; a
// value network learns the expected return from each state, and the policy is pushed towards
// actions that did better than that baseline. CartPole-v0 counts as solved at an average
// return of 195 over 100 consecutive episodes (the maximum is 200).
//   npm run example -- reinforce [--quick]
import * as path from 'path';
import { manualSeed, noGrad, tidy, tensor, nn, optim, train } from '../lib';
import type { ExampleArgs, ExampleResult } from './run';
import { CartPole } from './cartpole';
import { uniform } from './helpers/random';

const GAMMA = 0.99;

type Policy = (obs: Float64Array) => number;

/** Runs one episode with `act`; returns the observations [T*4], actions and return. */
function episode(env: CartPole, act: Policy): { obs: number[]; actions: number[]; ret: number } {
  const obs: number[] = [], actions: number[] = [];
  let s = env.reset(), ret = 0;
  while (!env.done) {
    const a = act(s);
    obs.push(...s); actions.push(a);
    ret += env.step(a).reward;
    s = env.state;
  }
  return { obs, actions, ret };
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

export async function main({ quick, outDir }: ExampleArgs): Promise<ExampleResult> {
  manualSeed(0);
  const rand = uniform(42), env = new CartPole(rand);
  const policy = new nn.Sequential(new nn.Linear(4, 64), new nn.Tanh(), new nn.Linear(64, 2), new nn.LogSoftmax(1));
  const value = new nn.Sequential(new nn.Linear(4, 64), new nn.Tanh(), new nn.Linear(64, 1));
  const optP = new optim.Adam(policy.parameters(), { lr: 1e-2 });
  const optV = new optim.Adam(value.parameters(), { lr: 1e-2 });
  /** π(left | s) for one state. */
  const sampleProb = (s: Float64Array): number => noGrad(() => tidy(() => policy.forward(tensor(Array.from(s), { shape: [1, 4] })).exp().dataSync()[0]));
  const sampleAction: Policy = (s) => (rand() < sampleProb(s) ? 0 : 1);

  const random = Array.from({ length: 100 }, () => episode(env, () => (rand() < 0.5 ? 0 : 1)).ret);
  const randomMean = mean(random);
  console.log(`random policy: average return ${randomMean.toFixed(1)} over 100 episodes`);

  // Training: batches of `perUpdate` episodes; one policy and one value update per batch.
  const maxEpisodes = quick ? 160 : 3000, perUpdate = 4;
  const returns: number[] = [], avg100: number[] = [];
  let solvedAt = -1;
  const t0 = performance.now();
  for (let ep = 0; ep < maxEpisodes && solvedAt < 0; ep += perUpdate) {
    const batch = Array.from({ length: perUpdate }, () => episode(env, sampleAction));
    const obs: number[] = [], acts: number[] = [], rets: number[] = [];
    for (const e of batch) {
      // Discounted return-to-go G_t = r_t + γ G_{t+1} at every step.
      const g = new Array<number>(e.actions.length);
      for (let t = e.actions.length - 1, run = 0; t >= 0; t--) g[t] = run = 1 + GAMMA * run;
      obs.push(...e.obs); acts.push(...e.actions); rets.push(...g);
      returns.push(e.ret);
      avg100.push(mean(returns.slice(-100)));
    }
    tidy(() => {
      const T = acts.length;
      const s = tensor(obs, { shape: [T, 4] }), a = tensor(acts, { shape: [T, 1], dtype: 'int32' }), G = tensor(rets, { shape: [T, 1] });
      // Advantage A_t = G_t - V(s_t), normalised per batch; the baseline changes the variance, not the expected gradient.
      const adv = noGrad(() => { const d = G.sub(value.forward(s)); return d.sub(d.mean()).div(d.std().add(1e-8)); });
      const policyLoss = policy.forward(s).gather(1, a).mul(adv).mean().neg();
      optP.zeroGrad(); policyLoss.backward(); optP.step();
      const valueLoss = nn.functional.mseLoss(value.forward(s), G);
      optV.zeroGrad(); valueLoss.backward(); optV.step();
    });
    const n = returns.length;
    if (n % 100 < perUpdate || n >= maxEpisodes) console.log(`episode ${String(n).padStart(4)}  average return (last 100) ${avg100[n - 1].toFixed(1)}`);
    if (n >= 100 && avg100[n - 1] >= 195) solvedAt = n;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (solvedAt > 0) console.log(`solved after ${solvedAt} episodes (average of the last 100 >= 195) in ${seconds.toFixed(1)} s`);
  else console.log(`not solved within ${returns.length} episodes (${seconds.toFixed(1)} s)`);

  // The trained policy, still sampling its actions, on 100 fresh episodes.
  const final = Array.from({ length: 100 }, () => episode(env, sampleAction).ret);
  const finalMean = mean(final);
  console.log(`trained policy: average return ${finalMean.toFixed(1)} over 100 new episodes (min ${Math.min(...final)}, random policy ${randomMean.toFixed(1)})`);
  const greedy = mean(Array.from({ length: 100 }, () => episode(env, (st) => (sampleProb(st) >= 0.5 ? 0 : 1)).ret));
  console.log(`trained policy, always taking its more likely action: average return ${greedy.toFixed(1)} over 100 new episodes`);
  train.writeTextAtomic(path.join(outDir, 'returns.svg'), train.lineChartSvg('CartPole: REINFORCE with baseline',
    { 'episode return': returns, 'average of last 100': avg100, 'solved (195)': returns.map(() => 195) }, 'return'));
  return { metrics: { randomReturn: randomMean, finalReturn: finalMean, greedyReturn: greedy, trainingAverage100: avg100[avg100.length - 1], episodes: returns.length, solvedAt } };
}
