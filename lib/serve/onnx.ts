/**
 * The ONNX backend: an exported .onnx file run by onnxruntime-node (an optional dependency,
 * loaded on first use). Its session.run executes on onnxruntime's own threads, so the event
 * loop only stacks and splits batches. Float32 inputs and outputs; the batch dimension is
 * the first of each, and the other dims must be fixed in the file or given as inputShape.
 */
import type * as Ort from 'onnxruntime-node';
import type { ModelBackend } from './backend';
import type { TensorSpec } from './tensors';

let ort: typeof Ort | null = null;

/** onnxruntime-node, or a clear error saying how to get it. */
function runtime(file: string): typeof Ort {
  if (ort) return ort;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ort = require('onnxruntime-node') as typeof Ort;
  } catch (e) {
    throw new Error(`serve: serving ${file} needs the onnxruntime-node package (npm install onnxruntime-node): ${(e as Error).message.split('\n')[0]}`);
  }
  return ort;
}

/** A value's spec from the file's metadata (-1 for the batch and for symbolic dims). */
function specOf(m: Ort.InferenceSession.ValueMetadata, file: string, given?: number[]): TensorSpec {
  if (!m.isTensor || m.type !== 'float32') {
    throw new TypeError(`serve: ${file}: ${m.name} is ${m.isTensor ? `a ${m.type} tensor` : 'not a tensor'}; the ONNX backend serves float32 tensors`);
  }
  const dims = m.shape.slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : -1));
  return { name: m.name, datatype: 'FP32', shape: [-1, ...(given ?? dims)] };
}

/**
 * Opens an .onnx file; `onIdle` runs when a batch finishes. One batch runs at a time per
 * model (onnxruntime parallelises inside it over `threads` threads).
 * @example const b = await onnxBackend('./lenet.onnx', () => batcher.pump());
 */
export async function onnxBackend(file: string, onIdle: () => void, opts: { inputShape?: number[]; threads?: number } = {}): Promise<ModelBackend> {
  const rt = runtime(file);
  const session = await rt.InferenceSession.create(file, opts.threads ? { intraOpNumThreads: opts.threads } : {});
  const inputs = session.inputMetadata.map((m, i) => specOf(m, file, i === 0 ? opts.inputShape : undefined));
  for (const s of inputs) {
    if (s.shape.slice(1).includes(-1)) throw new TypeError(`serve: ${file}: input ${s.name} has free dims ${JSON.stringify(s.shape)}; give inputShape`);
  }
  const outputs = session.outputMetadata.map((m) => specOf(m, file));
  // Output dims the file leaves symbolic come from a trial run on zeros.
  if (outputs.some((s) => s.shape.slice(1).includes(-1))) {
    const feeds = Object.fromEntries(inputs.map((s) => {
      const shape = [1, ...s.shape.slice(1)];
      return [s.name, new rt.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape)];
    }));
    const r = await session.run(feeds);
    for (const s of outputs) s.shape = [-1, ...r[s.name].dims.slice(1)];
  }
  let running = 0;
  return {
    platform: 'onnxruntime_onnx',
    inputs,
    outputs,
    busy: () => running > 0,
    async run(data, batch) {
      running++;
      try {
        const feeds = Object.fromEntries(inputs.map((s, i) => [s.name, new rt.Tensor('float32', data[i], [batch, ...s.shape.slice(1)])]));
        const r = await session.run(feeds);
        return outputs.map((s) => r[s.name].data as Float32Array);
      } finally {
        running--;
        setImmediate(onIdle);
      }
    },
  };
}
