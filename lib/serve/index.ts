/**
 * Serving: an Open Inference Protocol (KServe v2) REST server for models saved by
 * io.saveModel (and .onnx files), with dynamic batching on worker threads.
 * @example
 * const server = serve.createServer({ models: [{ name: 'mnist', path: './mnist-cnn' }] });
 * await server.listen({ port: 8080 });
 */
export { createServer, type InferenceServer, type ModelSource, type ServerOptions } from './server';
export { discoverModels } from './discover';
export { type ModelBackend } from './backend';
export { type TensorSpec, type Datatype, DATATYPES } from './tensors';
