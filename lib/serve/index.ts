/**
 * Serving: an Open Inference Protocol (KServe v2) REST server for models saved by
 * io.saveModel (and .onnx files), with dynamic batching on worker threads.
 * @example
 * const server = serve.createServer({ models: [{ name: 'mnist', path: './mnist-cnn' }] });
 * await server.listen({ port: 8080 });
 */
import type * as Server from './server';

export { type InferenceServer, type ModelSource, type ServerOptions } from './server';
export { discoverModels } from './discover';
export { type ModelBackend } from './backend';
export { type TensorSpec, type Datatype, DATATYPES } from './tensors';
export { type ServeMetrics } from './metrics';

/**
 * Creates a KServe v2 inference server for the given models; listen() loads them and starts.
 * NOTE: fastify and prom-client load here, on first use, not with every import of tensorforge.
 * @example
 * const server = serve.createServer({ models: [{ name: 'mnist', path: './mnist-cnn' }], maxBatch: 32, maxDelayMs: 5 });
 * console.log(await server.listen({ port: 8080 }));  // POST /v2/models/mnist/infer
 * await server.close();
 */
export function createServer(options: Server.ServerOptions): Server.InferenceServer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./server') as typeof Server).createServer(options);
}
