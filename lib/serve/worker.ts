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
const send = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

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

port.on('message', (job: WorkerJob) => {
  try {
    const m = loaded.get(job.key);
    if (!m) throw new Error(`serve: worker has no model ${job.key}`);
    const y = forward(m.model, job.inputs[0], [job.batch, ...m.sample]);
    send({ type: 'done', id: job.id, outputs: [y.data] }, [y.data.buffer as ArrayBuffer]);
  } catch (e) {
    send({ type: 'error', id: job.id, message: (e as Error).message });
  }
});
