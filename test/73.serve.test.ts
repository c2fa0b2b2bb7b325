/**
 * The inference server through the Open Inference Protocol (KServe v2) REST API, driven by a
 * client written from the protocol with plain fetch: health, metadata, predictions against
 * model.forward in-process, every kind of bad request (4xx, the process stays up), load
 * shedding, dynamic batching seen in /metrics, and a graceful SIGTERM of the CLI.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { tf, requireOrSkip } from './helpers';
import type { Tensor } from '../lib';

const { nn, io, serve } = tf;
type Json = Record<string, unknown>;
interface Reply { status: number; body: Json }

/** The protocol client: JSON in, { status, body } out. */
async function call(base: string, route: string, body?: unknown, raw?: string): Promise<Reply> {
  const init: RequestInit = body === undefined && raw === undefined ? {} :
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) };
  const r = await fetch(`${base}${route}`, init);
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) as Json : {} };
}

const infer = (base: string, model: string, body: unknown, version?: string): Promise<Reply> =>
  call(base, `/v2/models/${model}${version ? `/versions/${version}` : ''}/infer`, body);

const fp32 = (x: Tensor): Json => ({ name: 'input', shape: x.shape, datatype: 'FP32', data: Array.from(x.dataSync()) });

/** Asserts a protocol output tensor equals y (float32 values, same shape). */
function assertOutput(out: Json, y: Tensor, what: string): void {
  assert.deepStrictEqual(out.shape, y.shape, `${what} shape`);
  assert.strictEqual(out.datatype, 'FP32');
  const want = y.dataSync(), got = out.data as number[];
  assert.strictEqual(got.length, want.length);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-5 + 1e-5 * Math.abs(want[i]), `${what} element ${i}: ${v} vs ${want[i]}`));
}

/** A metric's summed value over label sets whose labels include `match`. */
function metric(text: string, name: string, match = ''): number {
  return text.split('\n').filter((l) => l.startsWith(name) && (l[name.length] === '{' || l[name.length] === ' ') && l.includes(match))
    .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const cnnOf = (): tf.nn.Sequential => new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Flatten(), new nn.Linear(4 * 6 * 6, 10));

describe('73 serve (KServe v2 REST)', function () {
  this.timeout(60000);
  let dir: string;
  let cnn: tf.nn.Sequential, mlp1: tf.nn.Sequential, mlp2: tf.nn.Sequential;
  let server: tf.serve.InferenceServer, base: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-serve-'));
    cnn = cnnOf().eval();
    mlp1 = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
    mlp2 = new nn.Sequential(new nn.Linear(4, 3));
    io.saveModel(cnn, path.join(dir, 'cnn'), { inputShape: [1, 12, 12] });
    io.saveModel(mlp1, path.join(dir, 'mlp', '1'));  // input shape from Linear(4, ...)
    io.saveModel(mlp2, path.join(dir, 'mlp', '2'));
    server = serve.createServer({
      models: [{ name: 'cnn', path: path.join(dir, 'cnn') }, ...serve.discoverModels(`mlp=${path.join(dir, 'mlp')}`)],
      maxBatch: 8, maxDelayMs: 2, bodyLimit: 64 * 1024, workers: 1,
    });
    base = await server.listen({ port: 0 });
  });
  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers health, server metadata, model metadata (-1 batch dim) and readiness', async () => {
    assert.strictEqual((await call(base, '/v2/health/live')).status, 200);
    assert.strictEqual((await call(base, '/v2/health/ready')).status, 200);
    const meta = await call(base, '/v2');
    assert.strictEqual(meta.body.name, 'tensorforge');
    assert.ok(typeof meta.body.version === 'string' && Array.isArray(meta.body.extensions));
    const m = await call(base, '/v2/models/cnn');
    assert.deepStrictEqual(m.body, { name: 'cnn', versions: ['1'], platform: 'tensorforge',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 1, 12, 12] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 10] }] });
    assert.deepStrictEqual((await call(base, '/v2/models/mlp')).body.versions, ['1', '2']);
    const v2 = await call(base, '/v2/models/mlp/versions/2');
    assert.deepStrictEqual(v2.body.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }]);
    assert.deepStrictEqual(v2.body.outputs, [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }]);
    assert.strictEqual((await call(base, '/v2/models/mlp/versions/1/ready')).status, 200);
    assert.strictEqual((await call(base, '/v2/models/cnn/ready')).body.ready, true);
  });

  it('predicts what model.forward gives, for flat and nested data, each version, with the id echoed', async () => {
    const x = tf.randn([3, 1, 12, 12]);
    const r = await infer(base, 'cnn', { id: 'req-7', inputs: [{ ...fp32(x), data: x.toArray() }] });
    assert.strictEqual(r.status, 200, JSON.stringify(r.body));
    assert.strictEqual(r.body.id, 'req-7');
    assert.strictEqual(r.body.model_name, 'cnn');
    assertOutput((r.body.outputs as Json[])[0], tf.noGrad(() => cnn.forward(x)), 'cnn');
    const v = tf.randn([2, 4]);
    for (const [version, model] of [['1', mlp1], ['2', mlp2]] as const) {
      const rv = await infer(base, 'mlp', { inputs: [fp32(v)] }, version);
      assert.strictEqual(rv.body.model_version, version);
      assertOutput((rv.body.outputs as Json[])[0], tf.noGrad(() => model.forward(v)), `mlp v${version}`);
    }
    // A byte-order mark and escapes in strings parse as JSON.parse reads them.
    const raw = `\ufeff{"id":"caf\\u00e9 \\"7\\"","inputs":[${JSON.stringify(fp32(v))}]}`;
    const escaped = await call(base, '/v2/models/mlp/versions/1/infer', undefined, raw);
    assert.strictEqual(escaped.status, 200, JSON.stringify(escaped.body));
    assert.strictEqual(escaped.body.id, 'caf\u00e9 "7"');
    assertOutput((escaped.body.outputs as Json[])[0], tf.noGrad(() => mlp1.forward(v)), 'escaped body');
    // More rows than a worker's first shared buffers hold (1024 values), then fewer again.
    for (const rows of [20, 1]) {
      const xr = tf.randn([rows, 1, 12, 12]);
      const rr = await infer(base, 'cnn', { inputs: [fp32(xr)] });
      assertOutput((rr.body.outputs as Json[])[0], tf.noGrad(() => cnn.forward(xr)), `cnn ${rows} rows`);
    }
    // No version: the highest.
    const latest = await infer(base, 'mlp', { inputs: [fp32(v)], outputs: [{ name: 'output' }] });
    assert.strictEqual(latest.body.model_version, '2');
    assert.strictEqual(latest.body.id, undefined);
  });

  it('converts INT32, UINT8, BOOL and FP64 inputs to the model\'s float32', async () => {
    const vals = [[1, 0, 3, 255]];
    const want = tf.noGrad(() => mlp2.forward(tf.tensor(vals)));
    for (const datatype of ['INT32', 'UINT8', 'FP64']) {
      const r = await infer(base, 'mlp', { inputs: [{ name: 'input', shape: [1, 4], datatype, data: vals[0] }] }, '2');
      assertOutput((r.body.outputs as Json[])[0], want, datatype);
    }
    const r = await infer(base, 'mlp', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'BOOL', data: [true, false, true, true] }] }, '2');
    assertOutput((r.body.outputs as Json[])[0], tf.noGrad(() => mlp2.forward(tf.tensor([[1, 0, 1, 1]]))), 'BOOL');
  });

  it('answers every bad request with a 4xx { error } naming the fault, and stays up', async () => {
    const good = { name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] };
    const cases: [string, Promise<Reply>, number, RegExp][] = [
      ['malformed JSON', call(base, '/v2/models/mlp/infer', undefined, '{"inputs": [{'), 400, /JSON/],
      ['prototype key', call(base, '/v2/models/mlp/infer', undefined, `{"inputs":[${JSON.stringify(good)}],"__proto__":{"id":"x"}}`), 400, /JSON/],
      ['escaped prototype key', call(base, '/v2/models/mlp/infer', undefined, `{"inputs":[${JSON.stringify(good)}],"\\u005f_proto__":{"id":"x"}}`), 400, /JSON/],
      ['not an object', call(base, '/v2/models/mlp/infer', undefined, '[1, 2]'), 400, /body must be object/],
      ['no inputs', infer(base, 'mlp', {}), 400, /inputs/],
      ['unknown field', infer(base, 'mlp', { inputs: [good], extra: 1 }), 400, /additional properties/],
      ['string shape', infer(base, 'mlp', { inputs: [{ ...good, shape: ['1', 4] }] }), 400, /shape\/0 must be integer/],
      ['wrong shape', infer(base, 'mlp', { inputs: [{ ...good, shape: [1, 5], data: [1, 2, 3, 4, 5] }] }), 400, /input "input" has shape \[1, 5\], the model expects \[-1, 4\]/],
      ['wrong rank', infer(base, 'cnn', { inputs: [{ ...good, shape: [1, 144] }] }), 400, /\[1, 144\].*\[-1, 1, 12, 12\]/],
      ['zero batch', infer(base, 'mlp', { inputs: [{ ...good, shape: [0, 4], data: [] }] }), 400, /batch dimension/],
      ['too few values', infer(base, 'mlp', { inputs: [{ ...good, data: [1, 2, 3] }] }), 400, /data does not match shape \[1, 4\]/],
      ['ragged nesting', infer(base, 'mlp', { inputs: [{ ...good, data: [[1, 2], [3, 4]] }] }), 400, /does not match shape/],
      ['string value', infer(base, 'mlp', { inputs: [{ ...good, data: [1, 2, '3', 4] }] }), 400, /"3", which is not a valid FP32 value/],
      ['FP32 overflow', call(base, '/v2/models/mlp/infer', undefined, '{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,1e39]}]}'), 400, /1e\+39, which is not a valid FP32/],
      ['text/plain body', fetch(`${base}/v2/models/mlp/infer`, { method: 'POST', body: '{"inputs": 1}', headers: { 'content-type': 'text/plain' } })
        .then(async (r) => ({ status: r.status, body: await r.json() as Json })), 400, /inputs must be array/],
      ['over-long name', call(base, `/v2/models/${'m'.repeat(300)}/ready`), 414, /m{50}/],
      ['INT32 fraction', infer(base, 'mlp', { inputs: [{ ...good, datatype: 'INT32', data: [1, 2.5, 3, 4] }] }), 400, /2\.5, which is not a valid INT32/],
      ['UINT8 range', infer(base, 'mlp', { inputs: [{ ...good, datatype: 'UINT8', data: [1, 256, 3, 4] }] }), 400, /256, which is not a valid UINT8/],
      ['unsupported datatype', infer(base, 'mlp', { inputs: [{ ...good, datatype: 'INT64' }] }), 400, /"INT64" is not supported/],
      ['unknown datatype', infer(base, 'mlp', { inputs: [{ ...good, datatype: 'float' }] }), 400, /"float" is not a protocol datatype/],
      ['unknown input', infer(base, 'mlp', { inputs: [{ ...good, name: 'x' }] }), 400, /unknown input "x"/],
      ['input twice', infer(base, 'mlp', { inputs: [good, good] }), 400, /given twice/],
      ['unknown output', infer(base, 'mlp', { inputs: [good], outputs: [{ name: 'probs' }] }), 400, /unknown output "probs"/],
      ['binary output', infer(base, 'mlp', { inputs: [good], outputs: [{ name: 'output', parameters: { binary_data: true } }] }), 400, /binary_data/],
      ['unknown model', infer(base, 'resnet', { inputs: [good] }), 404, /unknown model "resnet"/],
      ['unknown version', infer(base, 'mlp', { inputs: [good] }, '9'), 404, /no version "9" \(versions 1, 2\)/],
      ['unknown version metadata', call(base, '/v2/models/mlp/versions/9'), 404, /no version/],
      ['unknown route', call(base, '/v1/models/mlp:predict'), 404, /no route/],
      ['oversized body', infer(base, 'cnn', { inputs: [{ ...good, shape: [100, 1, 12, 12], data: new Array(14400).fill(0.123456) }] }), 413, /too large/i],
    ];
    for (const [what, p, status, re] of cases) {
      const r = await p;
      assert.strictEqual(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.deepStrictEqual(Object.keys(r.body), ['error'], what);
      assert.match(r.body.error as string, re, what);
    }
    assert.strictEqual((await call(base, '/v2/health/live')).status, 200);
    const ok = await infer(base, 'mlp', { inputs: [good] });
    assert.strictEqual(ok.status, 200);
    const codes = await (await fetch(`${base}/metrics`)).text();
    const n400 = cases.filter((c) => c[2] === 400).length;
    assert.strictEqual(metric(codes, 'tensorforge_infer_requests_total', 'code="400"'), n400, 'every 400 is counted under its model');
    assert.strictEqual(metric(codes, 'tensorforge_infer_requests_total', 'code="413"'), 1);
  });

  it('answers concurrent requests of different sizes, each with its own rows of the batched forward pass', async () => {
    const s = serve.createServer({ models: [{ name: 'cnn', path: path.join(dir, 'cnn') }], maxBatch: 32, maxDelayMs: 100 });
    const url = await s.listen({ port: 0 });
    try {
      const xs = Array.from({ length: 12 }, (_, i) => tf.randn([1 + (i % 3), 1, 12, 12]));
      const rs = await Promise.all(xs.map((x) => infer(url, 'cnn', { inputs: [fp32(x)] })));
      rs.forEach((r, i) => assertOutput((r.body.outputs as Json[])[0], tf.noGrad(() => cnn.forward(xs[i])), `request ${i}`));
      const text = await (await fetch(`${url}/metrics`)).text();
      const batches = metric(text, 'tensorforge_batch_size_count'), rows = metric(text, 'tensorforge_batch_size_sum');
      assert.strictEqual(rows, 24);
      // NOTE: how the 12 requests group depends on when they arrive (a lone request does not wait
      // for company); that queued requests are stacked is checked deterministically below.
      assert.ok(batches >= 1 && batches <= 12, `${rows} rows ran in ${batches} batches`);
      assert.ok(metric(text, 'tensorforge_infer_request_duration_seconds_count', 'model="cnn"') === 12);
      assert.ok(text.includes('tensorforge_queue_depth') && text.includes('tensorforge_serve_nodejs_eventloop_lag'));
    } finally {
      await s.close();
    }
  });

  it('stacks the requests that queued while the backend was busy into one batch (batch size in /metrics)', async () => {
    let release: () => void = () => undefined;
    let running = 0;
    const sizes: number[] = [];
    const held: tf.serve.ModelBackend = {
      platform: 'test', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }],
      busy: () => running > 0,
      async run(inputs, batch) {
        running++;
        sizes.push(batch);
        await new Promise<void>((r) => { release = r; });
        running--;
        return [tf.noGrad(() => mlp2.forward(tf.tensor(inputs[0], { shape: [batch, 4] })).dataSync() as Float32Array)];
      },
    };
    const s = serve.createServer({ models: [{ name: 'mlp', backend: held }], maxBatch: 32, maxDelayMs: 0 });
    const url = await s.listen({ port: 0 });
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    try {
      const body = (i: number, rows: number): Json => ({ inputs: [{ name: 'input', shape: [rows, 4], datatype: 'FP32', data: Array.from({ length: rows * 4 }, (_, j) => i + j / 10) }] });
      const first = infer(url, 'mlp', body(0, 1));
      for (let i = 0; i < 500 && sizes.length === 0; i++) await sleep(10);   // the first batch is held
      const rest = Array.from({ length: 11 }, (_, i) => infer(url, 'mlp', body(i + 1, 1 + (i % 3))));
      for (let i = 0; i < 500 && metric(await (await fetch(`${url}/metrics`)).text(), 'tensorforge_queue_depth') < 11; i++) await sleep(10);
      release();                                                           // the 11 queued run together
      for (let i = 0; i < 500 && sizes.length < 2; i++) await sleep(10);
      release();
      const rs = await Promise.all([first, ...rest]);
      assert.deepStrictEqual(sizes, [1, 21], 'one held row, then the 11 queued requests (21 rows) as one batch');
      rs.forEach((r, i) => {
        const rows = i === 0 ? 1 : 1 + ((i - 1) % 3);
        const x = tf.tensor((body(i, rows) as { inputs: { data: number[] }[] }).inputs[0].data, { shape: [rows, 4] });
        assertOutput((r.body.outputs as Json[])[0], tf.noGrad(() => mlp2.forward(x)), `request ${i}`);
      });
      const text = await (await fetch(`${url}/metrics`)).text();
      assert.deepStrictEqual([metric(text, 'tensorforge_batch_size_count'), metric(text, 'tensorforge_batch_size_sum')], [2, 22]);
    } finally {
      release();
      await s.close();
    }
  });

  it('sheds load beyond the queue with 503, times out with 504, and keeps serving', async () => {
    // A backend that holds every batch until released, so the queue fills deterministically.
    let release: () => void = () => undefined;
    let running = 0;
    const held: tf.serve.ModelBackend = {
      platform: 'test', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }],
      busy: () => running > 0,
      async run(inputs, batch) {
        running++;
        await new Promise<void>((r) => { release = r; });
        running--;
        return [tf.noGrad(() => mlp2.forward(tf.tensor(inputs[0], { shape: [batch, 4] })).dataSync() as Float32Array)];
      },
    };
    const s = serve.createServer({ models: [{ name: 'mlp', backend: held }], maxBatch: 1, maxQueue: 4 });
    const url = await s.listen({ port: 0 });
    try {
      const body = { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] };
      const pending = Array.from({ length: 40 }, () => infer(url, 'mlp', body));
      let settled = 0;
      for (const p of pending) void p.then(() => { settled++; });
      const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
      // One batch runs (held), four wait, the other 35 are refused at once.
      for (let i = 0; i < 500 && settled < 35; i++) await sleep(10);
      await sleep(100);
      assert.strictEqual(settled, 35);
      assert.strictEqual((await call(url, '/v2/health/live')).status, 200);
      assert.strictEqual(metric(await (await fetch(`${url}/metrics`)).text(), 'tensorforge_queue_depth'), 4);
      while (settled < 40) { release(); await sleep(5); }
      const rs = await Promise.all(pending);
      assert.deepStrictEqual([rs.filter((r) => r.status === 503).length, rs.filter((r) => r.status === 200).length], [35, 5]);
      for (const r of rs.filter((x) => x.status === 503)) assert.match(r.body.error as string, /queue is full \(4 requests waiting\)/);
      const want = tf.noGrad(() => mlp2.forward(tf.tensor([[1, 2, 3, 4]])));
      for (const r of rs.filter((x) => x.status === 200)) assertOutput((r.body.outputs as Json[])[0], want, 'held');
    } finally {
      release();
      await s.close();
    }
    const t = serve.createServer({ models: [{ name: 'mlp', backend: held }], timeoutMs: 50 });
    const turl = await t.listen({ port: 0 });
    try {
      const r = await infer(turl, 'mlp', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
      assert.strictEqual(r.status, 504);
      assert.match(r.body.error as string, /within 50 ms/);
    } finally {
      release();
      await t.close();
    }
  });

  it('a backend that fails or returns the wrong amount of output answers 500 for its batch only', async () => {
    const spec = { platform: 'test', inputs: [{ name: 'input', datatype: 'FP32' as const, shape: [-1, 4] }], outputs: [{ name: 'output', datatype: 'FP32' as const, shape: [-1, 3] }], busy: () => false };
    const s = serve.createServer({ models: [
      { name: 'short', backend: { ...spec, run: async (_x: Float32Array[], batch: number) => [new Float32Array(batch * 2)] } },
      { name: 'throws', backend: { ...spec, run: () => { throw new Error('device lost'); } } },
    ] });
    const url = await s.listen({ port: 0 });
    try {
      const body = { inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8] }] };
      const short = await infer(url, 'short', body);
      assert.strictEqual(short.status, 500);
      assert.match(short.body.error as string, /outputs of 4 values for 2 rows; the model's outputs need 6/);
      const thrown = await infer(url, 'throws', body);
      assert.strictEqual(thrown.status, 500);
      assert.match(thrown.body.error as string, /device lost/);
      assert.strictEqual((await call(url, '/v2/health/live')).status, 200);
    } finally {
      await s.close();
    }
  });

  it('refuses bad options and a model whose input shape is unknown, naming the fix', async () => {
    assert.throws(() => serve.createServer({ models: [] }), /models must be a non-empty array/);
    assert.throws(() => serve.createServer({ models: [{ name: 'a/b', path: dir }] }), /model name/);
    assert.throws(() => serve.createServer({ models: [{ name: 'a', path: dir }], maxBatch: 0 }), RangeError);
    assert.throws(() => serve.createServer({ models: [{ name: 'a', path: dir }], batch: 3 } as never), /batch/);
    io.saveModel(cnnOf(), path.join(dir, 'noshape'));
    const s = serve.createServer({ models: [{ name: 'c', path: path.join(dir, 'noshape') }] });
    await assert.rejects(s.listen({ port: 0 }), /input shape of .*noshape is unknown \(its first layer Conv2d takes 1 channels but any height and width\): give inputShape/);
    await s.close();
  });

  it('the CLI drains an in-flight request on SIGTERM, refuses new connections and exits 0', async () => {
    const cli = path.join(__dirname, '..', 'lib', 'serve', 'cli.js');
    const child = spawn(process.execPath, [cli, 'serve', `mlp=${path.join(dir, 'mlp', '2')}`, '--port', '0', '--host', '127.0.0.1'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const tick = setInterval(() => {
        const m = /serving mlp\/1 at (http:\/\/[0-9.:]+)/.exec(out);
        if (m) { clearInterval(tick); resolve(m[1]); }
      }, 20);
      void exited.then((code) => { clearInterval(tick); reject(new Error(`the server exited (${code}): ${out}`)); });
    });
    // A request in flight: headers and half the body sent, the rest after SIGTERM.
    const x = tf.randn([1, 4]);
    const body = Buffer.from(JSON.stringify({ inputs: [fp32(x)] }));
    const req = http.request(`${url}/v2/models/mlp/infer`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } });
    const answer = new Promise<Reply>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => { text += d.toString(); });
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Json }));
      });
      req.on('error', reject);
    });
    req.write(body.subarray(0, 20));
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    await sleep(300);
    child.kill('SIGTERM');
    await sleep(300);
    await assert.rejects(fetch(`${url}/v2/health/live`), 'a new connection is refused while draining');
    req.end(body.subarray(20));
    const r = await answer;
    assert.strictEqual(r.status, 200, JSON.stringify(r.body));
    assertOutput((r.body.outputs as Json[])[0], tf.noGrad(() => mlp2.forward(x)), 'drained');
    assert.strictEqual(await exited, 0, out);
    assert.match(out, /SIGTERM: draining/);
  });
});

describe('73 serve: the ONNX backend', function () {
  this.timeout(60000);
  let haveOrt = false;
  try { require.resolve('onnxruntime-node'); haveOrt = true; } catch { /* reported by requireOrSkip */ }

  it('serves a model exported by io.exportOnnx behind the same protocol, predicting what forward gives, batched', async function () {
    requireOrSkip(this, haveOrt, 'onnxruntime-node is not installed');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-serve-onnx-'));
    const cnn = cnnOf().eval();
    io.saveModel(cnn, path.join(dir, 'cnn'), { inputShape: [1, 12, 12] });
    io.exportOnnx(cnn, path.join(dir, 'cnn.onnx'), { inputs: [{ name: 'input', shape: [-1, 1, 12, 12] }] });
    const s = serve.createServer({ models: [{ name: 'cnn', path: path.join(dir, 'cnn') }, { name: 'cnn', version: '2', path: path.join(dir, 'cnn.onnx') }], maxDelayMs: 50 });
    const url = await s.listen({ port: 0 });
    try {
      const meta = await call(url, '/v2/models/cnn/versions/2');
      assert.strictEqual(meta.body.platform, 'onnxruntime_onnx');
      assert.deepStrictEqual(meta.body.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 1, 12, 12] }]);
      const out = (meta.body.outputs as Json[])[0];
      assert.deepStrictEqual(out.shape, [-1, 10]);
      const xs = Array.from({ length: 8 }, (_, i) => tf.randn([1 + (i % 2), 1, 12, 12]));
      const rs = await Promise.all(xs.map((x) => infer(url, 'cnn', { inputs: [fp32(x)] }, '2')));
      rs.forEach((r, i) => {
        assert.strictEqual(r.status, 200, JSON.stringify(r.body));
        assertOutput((r.body.outputs as Json[])[0], tf.noGrad(() => cnn.forward(xs[i])), `onnx request ${i}`);
      });
      const both = await Promise.all(['1', '2'].map((v) => infer(url, 'cnn', { inputs: [fp32(xs[0])] }, v)));
      assert.deepStrictEqual(both.map((r) => (r.body.outputs as Json[])[0].shape), [[1, 10], [1, 10]]);
      const bad = await infer(url, 'cnn', { inputs: [{ name: 'input', shape: [1, 144], datatype: 'FP32', data: new Array(144).fill(0) }] }, '2');
      assert.strictEqual(bad.status, 400);
      assert.match(bad.body.error as string, /\[1, 144\], the model expects \[-1, 1, 12, 12\]/);
      const text = await (await fetch(`${url}/metrics`)).text();
      assert.ok(metric(text, 'tensorforge_batch_size_sum', 'version="2"') > metric(text, 'tensorforge_batch_size_count', 'version="2"'), 'the ONNX backend batches too');
    } finally {
      await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
