/** Prometheus metrics of one server (its own registry, so several servers in a process do not mix). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A server's metrics (InferenceServer.metrics), served at GET /metrics.
 * @example
 * const server = serve.createServer({ models: [{ name: 'mnist', path: './models/mnist/1' }] });
 * const metrics: serve.ServeMetrics = server.metrics;
 * console.log(await metrics.registry.metrics());   // the Prometheus text format
 */
export class ServeMetrics {
  /** The prom-client registry holding every metric below (and the process metrics). */
  readonly registry = new Registry();
  /** Inference requests by model, version and HTTP status. */
  readonly requests = new Counter({ name: 'tensorforge_infer_requests_total', help: 'Inference requests by model, version and HTTP status code',
    labelNames: ['model', 'version', 'code'] as const, registers: [this.registry] });
  /** Time from a request's arrival to its response, per model version. */
  readonly latency = new Histogram({ name: 'tensorforge_infer_request_duration_seconds', help: 'Inference request latency (arrival to reply) in seconds',
    labelNames: ['model', 'version'] as const, buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10], registers: [this.registry] });
  /** Rows per forward pass (1 everywhere: no batching happened). */
  readonly batchSize = new Histogram({ name: 'tensorforge_batch_size', help: 'Rows (samples) per forward pass',
    labelNames: ['model', 'version'] as const, buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers: [this.registry] });
  /** Time one batch spent in the backend, per model version. */
  readonly batchSeconds = new Histogram({ name: 'tensorforge_batch_duration_seconds', help: 'Time one batch spent in the backend, in seconds',
    labelNames: ['model', 'version'] as const, buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1], registers: [this.registry] });
  /** Requests waiting to be batched. */
  readonly queueDepth = new Gauge({ name: 'tensorforge_queue_depth', help: 'Requests waiting for a batch',
    labelNames: ['model', 'version'] as const, registers: [this.registry] });

  constructor() {
    // Process metrics, event-loop lag among them.
    collectDefaultMetrics({ register: this.registry, prefix: 'tensorforge_serve_' });
  }
}
