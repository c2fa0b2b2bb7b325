/**
 * An inference worker thread: loads every model of the pool (eval mode), answers with each
 * model's output sample shape (a trial forward on zeros), then runs batches one at a time.
 */
import { parentPort, workerData } from 'worker_threads';
import * as tf from '../index';
import type { SerializableLayer } from '../io';
import type { PoolModel, WorkerJob, WorkerReply } from './backend';

type Forward = SerializableLayer & { forward(x: tf.Tensor): tf.Tensor };

const { models, threads } = workerData as { models: PoolModel[]; threads?: number };
const port = parentPort!;
const send = (m: WorkerReply): void => port.postMessage(m);

/** Runs the model on a float32 batch [batch, ...sample] and copies out the output. */
function forward(model: Forward, data: Float32Array, shape: number[]): { data: Float32Array; shape: number[] } {
  return tf.noGrad(() => tf.tidy(() => {
    const y = model.forward(tf.tensor(data, { shape }));
    return { data: y.dataSync() as Float32Array, shape: y.shape.slice() };
  }));
}

const loaded = new Map<string, { model: Forward; sample: number[] }>();
try {
  if (threads !== undefined) tf.setNumThreads(threads);
  // NOTE: a worker runs one forward pass and reads its output at once, so the CPU stream's
  // queue only adds a hand-off to the stream thread per op; kernels run on this thread.
  tf.setExecutionMode('sync');
  const outputs: Record<string, number[]> = {};
  for (const m of models) {
    const model = tf.io.loadModel<Forward>(m.path);
    // NOTE: a model saved in training mode (dropout, batch statistics) is served in eval mode.
    model.train?.(false);
    const trial = forward(model, new Float32Array(m.inputShape.reduce((a, b) => a * b, 1)), [1, ...m.inputShape]);
    outputs[m.key] = trial.shape.slice(1);
    loaded.set(m.key, { model, sample: m.inputShape });
  }
  send({ type: 'ready', outputs });
} catch (e) {
  send({ type: 'failed', message: (e as Error).message });
}

// The pool's shared buffers (see WorkerJob): rows in, rows out.
let input: Float32Array = new Float32Array(0), output: Float32Array = new Float32Array(0);
port.on('message', (job: WorkerJob) => {
  if (job.input) input = new Float32Array(job.input);
  if (job.output) output = new Float32Array(job.output);
  if (job.id === 0) return;  // buffers only
  try {
    const m = loaded.get(job.key);
    if (!m) throw new Error(`serve: worker has no model ${job.key}`);
    const n = job.batch * m.sample.reduce((a, b) => a * b, 1);
    const y = forward(m.model, input.subarray(0, n), [job.batch, ...m.sample]);
    if (y.data.length > output.length) throw new Error(`serve: ${y.data.length} output values for a buffer of ${output.length}`);
    output.set(y.data);
    send({ type: 'done', id: job.id });
  } catch (e) {
    send({ type: 'error', id: job.id, message: (e as Error).message });
  }
});
