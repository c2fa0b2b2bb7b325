/**
 * ONNX export: a module (nn.Sequential, built-in layers, nested containers, or modules with a
 * registered converter) becomes an inference graph (opset 17 by default, 18-21 selectable)
 * written atomically as a .onnx file, weights inline as float32 raw_data. The graph is built
 * structurally from the module tree, not by running forward(); every intermediate shape is
 * inferred on the way, so a mismatch is an error here rather than a file that fails to load.
 * Layer -> op mapping and opset notes: docs/export.md.
 */
import { typeError, rangeError } from '../errors';
import { Module, type AnyModule } from '../nn/module';
import { writeAll, writeFileAtomic } from './atomic';
import { OnnxGraph, type Dim, type OnnxConverter, type OnnxValue } from './onnx/graph';
import { BUILTIN } from './onnx/layers';
import './onnx/spatial';
import './onnx/norm';
import './onnx/rnn';
import { encodeModel } from './onnx/schema';

export { OnnxGraph, type OnnxConverter, type OnnxValue, type Dim, type AttrValue, type OnnxDType } from './onnx/graph';
export { decodeModel as decodeOnnxModel } from './onnx/schema';

export const ONNX_OPSETS = [17, 18, 19, 20, 21] as const;
export const ONNX_DEFAULT_OPSET = 17;
/** The IR version each opset was released with (what readers check the file against). */
const IR_VERSION: Record<number, number> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

export interface OnnxInputSpec {
  name: string;
  /** Sizes; -1 or null is symbolic ('batch' for the first such dim of an input). */
  shape: (number | null)[];
  /** Default float32; Embedding takes 'int32' (or 'int64') indices. */
  dtype?: 'float32' | 'int32' | 'int64';
}

export interface OnnxExportOptions {
  inputs: OnnxInputSpec[];
  /** Names for the graph outputs, in the order the model returns them (default output, output_1, ...). */
  outputs?: { name: string }[];
  /** Default 17. */
  opset?: number;
  /** Stored as the model's doc_string. */
  docString?: string;
}

/** What was exported: the graph's inputs and outputs with their (symbolic) shapes. */
export interface OnnxExportInfo { opset: number; inputs: OnnxValue[]; outputs: OnnxValue[]; bytes: number }

type ModuleClass = abstract new (...a: never[]) => AnyModule;
const custom = new Map<ModuleClass, OnnxConverter>();

/**
 * Teaches the exporter a module type: `convert(g, module, inputs)` emits its graph with
 * `g.call(child, x)` for submodules and `g.op(...)` for ONNX nodes, and returns its output(s).
 * Matched by exact class (a subclass needs its own).
 * @example
 * // Classifier.forward(x): [out] = this.lstm.forward(x); return this.fc.forward(the last step of out)
 * io.registerOnnxConverter(Classifier, (g, m, [x]) => {
 *   const [out] = g.call(m.lstm, x) as io.OnnxValue[];          // [B, T, 2H]
 *   const last = g.op('Gather', [out, g.int64s('last', [-1], [])], [out.shape[0], out.shape[2]], { axis: 1 });
 *   return g.call(m.fc, last);
 * });
 */
export function registerOnnxConverter<M extends AnyModule>(cls: abstract new (...a: never[]) => M, convert: OnnxConverter<M>): void {
  if (typeof cls !== 'function' || !(cls.prototype instanceof Module)) throw typeError('registerOnnxConverter', 'cls must be a Module subclass');
  if (typeof convert !== 'function') throw typeError('registerOnnxConverter', `convert must be a function, got ${typeof convert}`);
  custom.set(cls, convert as OnnxConverter);
}

const lookup = (m: AnyModule): OnnxConverter | undefined => {
  const cls = m.constructor as ModuleClass;
  return custom.get(cls) ?? BUILTIN.get(cls);
};

function checkOptions(opts: OnnxExportOptions): number {
  if (opts === null || typeof opts !== 'object') throw typeError('exportOnnx', 'options { inputs: [{ name, shape }], outputs?, opset? } are required');
  const opset = opts.opset ?? ONNX_DEFAULT_OPSET;
  if (!(ONNX_OPSETS as readonly number[]).includes(opset)) {
    throw rangeError('exportOnnx', `opset must be one of ${ONNX_OPSETS.join(', ')}, got ${JSON.stringify(opts.opset)}`);
  }
  if (!Array.isArray(opts.inputs) || opts.inputs.length === 0) throw typeError('exportOnnx', 'inputs must be a non-empty array of { name, shape }');
  for (const [i, s] of opts.inputs.entries()) {
    if (s === null || typeof s !== 'object' || typeof s.name !== 'string' || !s.name) throw typeError('exportOnnx', `inputs[${i}] needs a non-empty string name`);
    if (!Array.isArray(s.shape) || !s.shape.every((d) => d === null || d === -1 || (Number.isSafeInteger(d) && d >= 0))) {
      throw typeError('exportOnnx', `inputs[${i}] (${s.name}) shape must hold sizes >= 0 or -1/null (symbolic), got ${JSON.stringify(s.shape)}`);
    }
    if (s.dtype !== undefined && !['float32', 'int32', 'int64'].includes(s.dtype)) {
      throw typeError('exportOnnx', `inputs[${i}] (${s.name}) dtype must be 'float32', 'int32' or 'int64', got ${JSON.stringify(s.dtype)}`);
    }
  }
  if (opts.outputs !== undefined && (!Array.isArray(opts.outputs) || !opts.outputs.every((o) => o !== null && typeof o === 'object' && typeof o.name === 'string' && o.name))) {
    throw typeError('exportOnnx', 'outputs must be an array of { name } with non-empty names');
  }
  return opset;
}

/**
 * The ONNX ModelProto bytes of `model` for the given inputs (see exportOnnx).
 * @example const bytes = io.toOnnx(model, { inputs: [{ name: 'x', shape: [null, 784] }] });
 */
export function toOnnx(model: AnyModule, opts: OnnxExportOptions): { bytes: Uint8Array; info: OnnxExportInfo } {
  if (!(model instanceof Module)) throw typeError('exportOnnx', `model must be a Module, got ${model === null ? 'null' : typeof model}`);
  const opset = checkOptions(opts);
  const g = new OnnxGraph(opset, lookup);
  const inputs = opts.inputs.map((s) => {
    let sym = 0;
    const shape: Dim[] = s.shape.map((d, i) => (d === null || d === -1 ? (sym++ === 0 ? 'batch' : `${s.name}_dim${i}`) : d));
    return g.input(s.name, shape, s.dtype ?? 'float32');
  });
  const result = g.call(model, ...inputs);
  let outputs = Array.isArray(result) ? result : [result];
  const names = opts.outputs?.map((o) => o.name) ?? outputs.map((_, i) => (i ? `output_${i}` : 'output'));
  if (names.length !== outputs.length) {
    throw rangeError('exportOnnx', `the model gives ${outputs.length} output(s), but ${names.length} output name(s) were given`);
  }
  outputs = outputs.map((v, i) => g.rename(v, names[i]));
  // NOTE: protobuf messages are limited to 2 GiB; weights beyond that need ONNX external data.
  if (g.initializerBytes > 2 ** 31 - 2 ** 24) {
    throw rangeError('exportOnnx', `the weights take ${g.initializerBytes} bytes; an ONNX file holds under 2 GiB (external data is not supported)`);
  }
  const bytes = encodeModel({
    irVersion: IR_VERSION[opset], producerName: 'tensorforge', producerVersion: '0.1.0', docString: opts.docString ?? '',
    opsetImport: [{ domain: '', version: opset }],
    graph: g.toGraph(model.constructor.name, inputs, outputs),
  });
  return { bytes, info: { opset, inputs, outputs, bytes: bytes.length } };
}

/**
 * Writes `model` as an ONNX file (atomically: readers see the old file or the whole new one).
 * Inference semantics whatever the module's mode: Dropout is the identity, BatchNorm uses
 * its running statistics. -1/null in an input shape is symbolic (dim_param 'batch').
 * @example
 * const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
 * io.exportOnnx(model, 'mlp.onnx', { inputs: [{ name: 'x', shape: [null, 784] }], outputs: [{ name: 'logits' }] });
 */
export function exportOnnx(model: AnyModule, path: string, opts: OnnxExportOptions): OnnxExportInfo {
  if (typeof path !== 'string' || !path) throw typeError('exportOnnx', `path must be a non-empty string, got ${JSON.stringify(path)}`);
  const { bytes, info } = toOnnx(model, opts);
  writeFileAtomic(path, (fd) => writeAll(fd, bytes));
  return info;
}
