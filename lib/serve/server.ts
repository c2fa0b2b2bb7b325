/**
 * The inference server: Open Inference Protocol (KServe v2) REST on fastify, several models
 * each with versions, dynamic batching per model version, inference off the event loop
 * (worker threads, or onnxruntime's threads for .onnx files), Prometheus metrics and a page
 * at / to try a model.
 */
import * as fs from 'fs';
import * as path from 'path';
import Fastify, { LogController, type FastifyBodyParser, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { readModelInfo } from '../io';
import { checkOptions } from '../options';
import { WorkerPool, type ModelBackend, type PoolModel } from './backend';
import { Batcher } from './batcher';
import type { Counter, Histogram } from 'prom-client';
import { ServeMetrics } from './metrics';
import { onnxBackend } from './onnx';
import { PAGE_HTML, PAGE_JS } from './page';
import { sampleShape } from './spec';
import { RequestError, decodeInputs, encodeOutput, type RequestTensor } from './tensors';

/**
 * One model version to serve: a directory written by io.saveModel, an .onnx file, or a backend of your own.
 * @example
 * const models: serve.ModelSource[] = [
 *   { name: 'mnist', path: './models/mnist/1' },
 *   { name: 'mnist', version: '2', path: './models/mnist.onnx', inputShape: [1, 28, 28] },
 * ];
 * const server = serve.createServer({ models });
 */
export interface ModelSource {
  name: string;
  /** A model directory or an .onnx file (unless `backend` is given). */
  path?: string;
  /**
   * Runs the batches itself instead of a loaded file (another runtime, a remote service, a
   * test double); its busy() must be false again once a run() promise settles.
   */
  backend?: ModelBackend;
  /** Defaults to '1'. */
  version?: string;
  /** One input sample's shape (batch excluded) where model.json or the file does not give it. */
  inputShape?: number[];
}

/**
 * Options of {@link createServer}.
 * @example
 * const opts: serve.ServerOptions = {
 *   models: [{ name: 'mnist', path: './models/mnist/1' }],
 *   maxBatch: 64, maxDelayMs: 2, maxQueue: 256, timeoutMs: 10000, workers: 2, threads: 1, logger: { level: 'warn' },
 * };
 * const server = serve.createServer(opts);
 */
export interface ServerOptions {
  models: ModelSource[];
  /** Most rows per forward pass (default 32; 1 turns dynamic batching off). */
  maxBatch?: number;
  /** How long a request may wait for others to join its batch (default 5 ms). */
  maxDelayMs?: number;
  /** Most requests waiting per model version before 503 (default 1024). */
  maxQueue?: number;
  /** A request not answered in this time gets 504 (default 30 s). */
  timeoutMs?: number;
  /** Largest request body in bytes (default 16 MiB; larger gets 413). */
  bodyLimit?: number;
  /** Inference worker threads, each holding every tensorforge model (default 1). */
  workers?: number;
  /** Native threads per worker (and onnxruntime intra-op threads); default: the library's. */
  threads?: number;
  /** fastify's pino logger: false (default), true, or pino options such as { level: 'info' }. */
  logger?: boolean | { level: string };
}

/**
 * A server made by {@link createServer}: listen() loads the models and starts, close() drains.
 * @example
 * const server: serve.InferenceServer = serve.createServer({ models: [{ name: 'mnist', path: './models/mnist/1' }] });
 * await server.listen({ port: 0 });   // any free port
 * const res = await server.app.inject({ method: 'GET', url: '/v2/models/mnist/ready' });
 * console.log(res.statusCode);        // 200
 * await server.close();
 */
export interface InferenceServer {
  /** The fastify instance (for inject() in tests or extra routes). */
  readonly app: FastifyInstance;
  readonly metrics: ServeMetrics;
  /** Loads the models and listens; resolves to the address, e.g. http://127.0.0.1:8080. */
  listen(opts?: { port?: number; host?: string }): Promise<string>;
  /** Stops accepting, answers what is in flight, then stops the workers. */
  close(): Promise<void>;
}

/**
 * A served model version. NOTE: its metric children are bound once (prom-client hashes a
 * label object on every inc/observe otherwise); `answered` holds one per HTTP status seen.
 */
interface Served {
  name: string; version: string; backend: ModelBackend; batcher: Batcher;
  latency: Histogram.Internal<'model' | 'version'>; answered: Map<number, Counter.Internal>;
}

const NAME = 'tensorforge';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION = (require('../../../package.json') as { version: string }).version;

const posInt = (fn: string, v: unknown, name: string, dflt: number, min = 1): number => {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`${fn}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
};

/** Checks the model list: names and versions usable in a URL, each (name, version) once. */
function checkModels(models: unknown): ModelSource[] {
  if (!Array.isArray(models) || !models.length) throw new TypeError('serve.createServer: models must be a non-empty array of { name, path, version? }');
  const seen = new Set<string>();
  for (const m of models as ModelSource[]) {
    if (!m || (m.backend === undefined) === (typeof m.path !== 'string' || !m.path)) throw new TypeError(`serve.createServer: every model needs a path or a backend (one of them), got ${JSON.stringify(m)}`);
    checkOptions('serve.createServer', m, ['name', 'path', 'version', 'inputShape', 'backend']);
    if (m.backend && m.inputShape) throw new TypeError(`serve.createServer: model ${m.name}: inputShape goes with a path; a backend states its own inputs`);
    for (const [k, v] of [['name', m.name], ['version', m.version ?? '1']]) {
      if (typeof v !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(v)) throw new TypeError(`serve.createServer: model ${k} must be 1-128 characters of A-Z a-z 0-9 _ . -, got ${JSON.stringify(v)}`);
    }
    const key = `${m.name}/${m.version ?? '1'}`;
    if (seen.has(key)) throw new TypeError(`serve.createServer: model ${m.name} version ${m.version ?? '1'} is given twice`);
    seen.add(key);
  }
  return models as ModelSource[];
}

/** The default version: the highest number, else the last in name order. */
function latest(versions: Map<string, Served>): Served {
  const vs = [...versions.keys()].sort((a, b) => (Number(a) - Number(b)) || a.localeCompare(b));
  return versions.get(vs[vs.length - 1])!;
}

/** JSON schema of an inference request (types only; shapes and data are checked against the model). */
const INFER_SCHEMA = {
  type: 'object', required: ['inputs'], additionalProperties: false,
  properties: {
    id: { type: 'string' },
    parameters: { type: 'object' },
    inputs: {
      type: 'array', minItems: 1, maxItems: 64,
      items: {
        type: 'object', required: ['name', 'shape', 'datatype', 'data'], additionalProperties: false,
        properties: {
          name: { type: 'string' }, datatype: { type: 'string' }, parameters: { type: 'object' }, data: { type: 'array' },
          shape: { type: 'array', maxItems: 16, items: { type: 'integer', minimum: 0 } },
        },
      },
    },
    outputs: {
      type: 'array', maxItems: 64,
      items: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' }, parameters: { type: 'object' } } },
    },
  },
} as const;

interface InferBody { id?: string; parameters?: Record<string, unknown>; inputs: RequestTensor[]; outputs?: { name: string; parameters?: Record<string, unknown> }[] }
type ModelParams = { name: string; version?: string };

/**
 * fastify's JSON body parser (secure-json-parse: JSON.parse, then a scan of the text for
 * prototype-poisoning keys) with the scan skipped where it cannot find anything: a body without
 * `__proto__`, `constructor`, a `\u` escape or a byte-order mark is what JSON.parse makes of
 * it. NOTE: the two regular-expression scans cost about a tenth of the parse of an image sent
 * as float text; a body that fails JSON.parse goes to fastify's parser for its usual 400.
 */
function jsonParser(secure: FastifyBodyParser<string>): FastifyBodyParser<string> {
  return (req, body, done) => {
    if (!body.length || body.charCodeAt(0) === 0xfeff || body.includes('__proto__') || body.includes('constructor') || body.includes('\\u')) {
      return secure(req, body, done);
    }
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return secure(req, body, done);
    }
    done(null, value);
  };
}

/** Refuses parameters the protocol (or an extension this server does not offer) defines, except a false binary flag. */
function checkParameters(p: Record<string, unknown> | undefined, where: string, binaryKey: string): void {
  for (const [k, v] of Object.entries(p ?? {})) {
    if (k === binaryKey && v === false) continue;
    throw new RequestError(400, `${where}: parameter ${JSON.stringify(k)}${k === binaryKey ? ' = true (the binary tensor extension)' : ''} is not supported`);
  }
}

/** The server behind serve.createServer (lib/serve/index.ts, which loads this module on first use). */
export function createServer(options: ServerOptions): InferenceServer {
  const fn = 'serve.createServer';
  if (options === null || typeof options !== 'object') throw new TypeError(`${fn}: options must be an object`);
  checkOptions(fn, options, ['models', 'maxBatch', 'maxDelayMs', 'maxQueue', 'timeoutMs', 'bodyLimit', 'workers', 'threads', 'logger']);
  const sources = checkModels(options.models);
  const batch = {
    maxBatch: posInt(fn, options.maxBatch, 'maxBatch', 32), maxDelayMs: posInt(fn, options.maxDelayMs, 'maxDelayMs', 5, 0),
    maxQueue: posInt(fn, options.maxQueue, 'maxQueue', 1024), timeoutMs: posInt(fn, options.timeoutMs, 'timeoutMs', 30000),
  };
  const bodyLimit = posInt(fn, options.bodyLimit, 'bodyLimit', 16 * 2 ** 20);
  const workers = posInt(fn, options.workers, 'workers', 1);
  const threads = options.threads === undefined ? undefined : posInt(fn, options.threads, 'threads', 1);
  const logger = options.logger ?? false;
  const metrics = new ServeMetrics();
  const models = new Map<string, Map<string, Served>>();
  /** Each model's default version (latest() of its versions, kept as they are added). */
  const defaults = new Map<string, Served>();
  let pool: WorkerPool | null = null;
  let state: 'new' | 'loading' | 'ready' | 'closing' = 'new';
  // Every backend's idle signal pumps every batcher (a pool worker may serve any model).
  const pumpAll = (): void => { for (const vs of models.values()) for (const s of vs.values()) s.batcher.pump(); };

  const app = Fastify({
    bodyLimit,
    logger,
    // Per-request log lines only at debug or trace level (a line per request would swamp a loaded server).
    logController: new LogController({ disableRequestLogging: typeof logger !== 'object' || !['debug', 'trace'].includes(logger.level) }),
    // NOTE: strict validation: no type coercion ("3" is not 3), no silently dropped fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    forceCloseConnections: 'idle',
    // Router-level faults (an over-long URL parameter, a bad URL encoding) answer as the rest do.
    frameworkErrors: (err, _req, reply) => { void (reply as FastifyReply).code(err.statusCode ?? 400).send({ error: err.message }); },
  });
  // NOTE: any content type is read as JSON, so `curl -d @request.json` works as the protocol's clients do.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', '*'], { parseAs: 'string' }, jsonParser(app.getDefaultJsonParser('error', 'error')));

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown; validationContext?: string }, req, reply) => {
    let status = err instanceof RequestError ? err.status : err.validation ? 400 : err.statusCode ?? 500;
    if (status < 400 || status > 599) status = 500;
    const msg = err.validation ? `invalid request: ${err.message}` : err.message;
    if (status >= 500 && !(err instanceof RequestError)) req.log.error(err);
    void reply.code(status).send({ error: status >= 500 && !(err instanceof RequestError) ? `internal error: ${msg}` : msg });
  });
  // NOTE: while closing, each reply closes its connection: a keep-alive connection whose request
  // was in flight when close began would otherwise hold the server open until it times out.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (state === 'closing') void reply.header('connection', 'close');
    done(null, payload);
  });
  app.setNotFoundHandler((req, reply) => { void reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0].slice(0, 200)}` }); });

  /** The served model version a URL names, or undefined. */
  const served = (p: ModelParams): Served | undefined => {
    return p.version === undefined ? defaults.get(p.name) : models.get(p.name)?.get(p.version);
  };
  /** The served model version a URL names, or a 404 naming what exists. */
  const find = (p: ModelParams): Served => {
    const vs = models.get(p.name);
    if (!vs) throw new RequestError(404, `unknown model ${JSON.stringify(p.name)} (serving ${[...models.keys()].map((n) => JSON.stringify(n)).join(', ')})`);
    if (p.version === undefined) return defaults.get(p.name)!;
    const s = vs.get(p.version);
    if (!s) throw new RequestError(404, `model ${JSON.stringify(p.name)} has no version ${JSON.stringify(p.version)} (versions ${[...vs.keys()].join(', ')})`);
    return s;
  };

  app.get('/', (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE_HTML));
  app.get('/page.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(PAGE_JS));
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get('/v2/health/live', async () => ({ live: true }));
  // NOTE: the protocol answers health and readiness by status: 200 true, 4xx false.
  app.get('/v2/health/ready', async (_req, reply) => reply.code(state === 'ready' ? 200 : 400).send({ ready: state === 'ready' }));
  app.get('/v2', async () => ({ name: NAME, version: VERSION, extensions: [] as string[] }));
  // NOTE: a non-protocol listing for the page and for people: every model with its versions and specs.
  app.get('/v2/models', async () => ({
    models: [...models.entries()].map(([name, vs]) => ({ ...metadata(name, vs, latest(vs)), default_version: latest(vs).version })),
  }));

  const metadata = (name: string, vs: Map<string, Served>, s: Served): object => ({
    name, versions: [...vs.keys()], platform: s.backend.platform, inputs: s.backend.inputs, outputs: s.backend.outputs,
  });
  const metaRoute = async (req: FastifyRequest<{ Params: ModelParams }>): Promise<object> => {
    const s = find(req.params);
    return req.params.version === undefined ? metadata(s.name, models.get(s.name)!, s) : { ...metadata(s.name, models.get(s.name)!, s), versions: [s.version] };
  };
  const readyRoute = async (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply): Promise<object> => {
    const s = find(req.params);
    const ready = state === 'ready';
    return reply.code(ready ? 200 : 400).send({ name: s.name, version: s.version, ready });
  };

  const infer = async (req: FastifyRequest<{ Params: ModelParams; Body: InferBody }>, reply: FastifyReply): Promise<object> => {
    const s = find(req.params);
    const body = req.body;
    checkParameters(body.parameters, 'request', 'binary_data_output');
    const outSpecs = s.backend.outputs;
    const wanted = (body.outputs ?? outSpecs.map((o) => ({ name: o.name, parameters: undefined }))).map((o) => {
      const i = outSpecs.findIndex((x) => x.name === o.name);
      if (i < 0) throw new RequestError(400, `unknown output ${JSON.stringify(o.name)} (the model gives ${outSpecs.map((x) => JSON.stringify(x.name)).join(', ')})`);
      checkParameters(o.parameters, `output ${JSON.stringify(o.name)}`, 'binary_data');
      return i;
    });
    const elements = Math.floor(bodyLimit / 2);  // a JSON number takes at least 2 bytes ("0,")
    const { batch: rows, data } = decodeInputs(body.inputs, s.backend.inputs, elements);
    const queued = s.batcher.submit(data, rows);
    arrived(req);
    const outputs = await queued;
    const res: Record<string, unknown> = { model_name: s.name, model_version: s.version };
    if (body.id !== undefined) res.id = body.id;
    res.outputs = wanted.map((i) => encodeOutput(outSpecs[i], rows, outputs[i]));
    return reply.send(res);
  };
  // A request for a served model is "arriving" from its first byte until it is queued or answered (see Batcher.arrival).
  const arriving = new WeakMap<FastifyRequest, Batcher>();
  const arrive = (req: FastifyRequest<{ Params: ModelParams }>, _reply: FastifyReply, done: () => void): void => {
    const s = served(req.params);
    if (s) { arriving.set(req, s.batcher); s.batcher.arrival(1); }
    done();
  };
  /** Ends a request's arrival (once); the handler calls it as it queues, onResponse otherwise. */
  const arrived = (req: FastifyRequest): void => {
    const b = arriving.get(req);
    if (b) { arriving.delete(req); b.arrival(-1); }
  };
  /** Counts every answer of a served model's infer route, schema and JSON errors included (not unknown names). */
  const count = (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply, done: () => void): void => {
    arrived(req);
    const s = served(req.params);
    if (s) {
      const code = reply.statusCode;
      let c = s.answered.get(code);
      if (!c) s.answered.set(code, c = metrics.requests.labels(s.name, s.version, String(code)));
      c.inc();
      s.latency.observe(reply.elapsedTime / 1e3);
    }
    done();
  };

  for (const base of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    app.get(base, metaRoute);
    app.get(`${base}/ready`, readyRoute);
    app.post(`${base}/infer`, { schema: { body: INFER_SCHEMA }, onRequest: arrive, onResponse: count }, infer);
  }

  /** Loads every model: tensorforge directories into the worker pool, .onnx files into onnxruntime. */
  const load = async (): Promise<void> => {
    const dirs: (PoolModel & { src: ModelSource })[] = [];
    const onnx: ModelSource[] = [];
    const own: ModelSource[] = [];
    for (const src of sources) {
      if (src.backend) { own.push(src); continue; }
      if (!src.path) continue;
      if (src.path.endsWith('.onnx')) { onnx.push(src); continue; }
      if (!fs.existsSync(src.path)) throw new Error(`${fn}: model ${src.name}: ${src.path} does not exist`);
      const info = readModelInfo(src.path);
      dirs.push({ key: `${src.name}/${src.version ?? '1'}`, path: path.resolve(src.path), inputShape: sampleShape(info, src.inputShape, src.path), src });
    }
    if (dirs.length) pool = await WorkerPool.start(dirs, workers, threads, pumpAll);
    const add = (src: ModelSource, backend: ModelBackend): void => {
      const version = src.version ?? '1';
      const labels = { model: src.name, version };
      const batcher = new Batcher(backend, batch, {
        batch: (n, sec) => { metrics.batchSize.observe(labels, n); metrics.batchSeconds.observe(labels, sec); },
        queue: (d) => metrics.queueDepth.set(labels, d),
      });
      if (!models.has(src.name)) models.set(src.name, new Map());
      models.get(src.name)!.set(version, { name: src.name, version, backend, batcher,
        latency: metrics.latency.labels(src.name, version), answered: new Map() });
      defaults.set(src.name, latest(models.get(src.name)!));
    };
    for (const d of dirs) add(d.src, pool!.backend(d.key));
    for (const src of onnx) add(src, await onnxBackend(src.path!, pumpAll, { inputShape: src.inputShape, threads }));
    for (const src of own) add(src, src.backend!);
  };

  let loaded: Promise<void> | null = null;
  return {
    app,
    metrics,
    async listen(opts = {}) {
      if (state === 'closing') throw new Error(`${fn}: the server was closed`);
      if (!loaded) {
        state = 'loading';
        loaded = load().then(() => { if (state === 'loading') state = 'ready'; });
      }
      try {
        await loaded;
      } catch (e) {
        await pool?.close();
        throw e;
      }
      return app.listen({ port: opts.port ?? 8080, host: opts.host ?? '127.0.0.1' });
    },
    async close() {
      state = 'closing';
      // fastify stops accepting, answers new requests on open connections with 503, and
      // resolves once the requests in flight have been answered.
      await app.close();
      for (const vs of models.values()) for (const s of vs.values()) await s.batcher.drain();
      await pool?.close();
    },
  };
}
