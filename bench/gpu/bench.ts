/**
 * tensorforge side of the GPU benchmark: times every case of cases.ts on the CUDA addon and
 * prints one JSON object per line ({name, ms, gflops}). Run by bench/gpu/run.sh.
 */
import { Tensor, rand } from '../../lib';
import { args } from '../../lib/native';
import { cuda, cudaAddon, cudaAvailable, cudaUnavailableReason, setMatmulPrecision } from '../../lib/cuda';
import { CASES, flops, type Case } from './cases';

function gpu(shape: number[]): Tensor { return rand(shape, { low: -1, high: 1 }).to('cuda'); }

/** Median milliseconds of `reps` timed runs after `warm` warm-ups (synchronized each run). */
function time(fn: () => void, warm = 3, reps = 10): number {
  for (let i = 0; i < warm; i++) fn();
  cuda.synchronize();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    cuda.synchronize();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

function run(c: Case): number {
  const K = cudaAddon();
  if (c.kind === 'gemm') {
    setMatmulPrecision(c.precision);
    const a = gpu([c.n, c.n]), b = gpu([c.n, c.n]), y = Tensor.empty([c.n, c.n], 'float32', 'cuda');
    const ms = time(() => {
      args.reset().num(0).num(0).view(y).view(a).view(b);
      K.matmul(y.handle('b'), a.handle('b'), b.handle('b'));
    }, 2, c.n >= 8192 ? 5 : 10);
    a.dispose(); b.dispose(); y.dispose();
    return ms;
  }
  setMatmulPrecision('highest');
  if (c.kind === 'conv') {
    const [N, , H, W] = c.x, [OC, , KH, KW] = c.w;
    const OH = Math.floor((H + 2 * c.pad - KH) / c.stride) + 1, OW = Math.floor((W + 2 * c.pad - KW) / c.stride) + 1;
    const x = gpu(c.x), w = gpu(c.w), y = Tensor.empty([N, OC, OH, OW], 'float32', 'cuda');
    const dx = Tensor.empty(c.x, 'float32', 'cuda'), dw = Tensor.empty(c.w, 'float32', 'cuda');
    // [algo, sH, sW, padTop, padBottom, padLeft, padRight, dilH, dilW, groups, precision] (lib/ops/conv.ts)
    const p = [-1, c.stride, c.stride, c.pad, c.pad, c.pad, c.pad, 1, 1, 1, 0];
    const put = (extra: number[], ...ts: Tensor[]): void => {
      args.reset();
      [...p, ...extra].forEach((v) => args.num(v));
      ts.forEach((t) => args.view(t));
    };
    const ms = time(() => {
      if (c.pass === 'fwd') {
        put([0, 0], y, x, w);
        K.conv2dForward(y.handle('b'), x.handle('b'), w.handle('b'));
      } else {
        put([], dx, y, w);
        K.conv2dBackwardInput(dx.handle('b'), y.handle('b'), w.handle('b'));
        put([0], dw, y, x);
        K.conv2dBackwardWeight(dw.handle('b'), y.handle('b'), x.handle('b'));
      }
    });
    for (const t of [x, w, y, dx, dw]) t.dispose();
    return ms;
  }
  // One LSTM layer through the shared rnnForward binding (lib/native.ts): y, hn, cn, reserve.
  const x = gpu([c.T, c.B, c.I]), wih = gpu([4 * c.H, c.I]), whh = gpu([4 * c.H, c.H]), bias = gpu([4 * c.H]);
  const h0 = gpu([c.B, c.H]), c0 = gpu([c.B, c.H]), y = Tensor.empty([c.T, c.B, c.H], 'float32', 'cuda');
  const hn = Tensor.empty([c.B, c.H], 'float32', 'cuda'), cn = Tensor.empty([c.B, c.H], 'float32', 'cuda');
  const reserve = Tensor.empty([c.T, c.B, 5 * c.H], 'float32', 'cuda');
  const ts = [y, hn, cn, reserve, x, h0, c0, wih, whh, bias, bias];
  const ms = time(() => {
    args.reset().num(2).num(0).num(1).num(0);
    for (const t of ts) args.view(t);
    const [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10] = ts.map((t) => t.handle('b'));
    K.rnnForward(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
  });
  for (const t of [x, wih, whh, bias, h0, c0, y, hn, cn, reserve]) t.dispose();
  return ms;
}

function main(): void {
  if (!cudaAvailable()) {
    console.error(`bench/gpu: CUDA unavailable: ${cudaUnavailableReason()}`);
    process.exit(2);
  }
  const only = process.argv[2];
  for (const c of CASES) {
    if (only && !c.name.includes(only)) continue;
    try {
      const ms = run(c);
      console.log(JSON.stringify({ name: c.name, ms, gflops: flops(c) / (ms * 1e6) }));
    } catch (e) {
      console.log(JSON.stringify({ name: c.name, error: (e as Error).message }));
    }
    cuda.emptyCache();
  }
}

main();
