/**
 * OnnxGraph: the graph an export builds. Converters add nodes with their output shapes
 * (inferred here in TS, so a mismatch is an error at export time, not a broken file),
 * constants and weights (initializers, float32 as little-endian raw_data), and call the
 * converters of child modules. `toModel()` gives the ModelProto object for schema.ts.
 */
import * as os from 'os';
import { Tensor } from '../../tensor';
import { rangeError, typeError } from '../../errors';
import type { AnyModule } from '../../nn/module';
import { ATTR_TYPE, DATA_TYPE } from './schema';

/** A dimension: a size, or a symbolic name (dim_param) such as 'batch'. */
export type Dim = number | string;
export type OnnxDType = keyof typeof DATA_TYPE;

/** A value in the graph: a graph input, an initializer or a node output. */
export interface OnnxValue { readonly name: string; readonly shape: readonly Dim[]; readonly dtype: OnnxDType }

/** An attribute: plain numbers are INT(S); `{ float }`/`{ floats }` are FLOAT(S); strings are STRING(S). */
export type AttrValue = number | number[] | string | string[] | { float: number } | { floats: number[] };

/** A module converter: emits the module's inference graph for its inputs; returns its output(s). */
export type OnnxConverter<M extends AnyModule = AnyModule> =
  (g: OnnxGraph, module: M, inputs: OnnxValue[]) => OnnxValue | OnnxValue[];

type ConverterLookup = (m: AnyModule) => OnnxConverter | undefined;

export const fmtDims = (s: readonly Dim[]): string => `[${s.join(', ')}]`;
export const isStatic = (d: Dim): d is number => typeof d === 'number';
export const sameDim = (a: Dim, b: Dim): boolean => a === b;

interface NodeSpec { input: string[]; output: string[]; name: string; opType: string; attribute: Record<string, unknown>[] }
interface TensorSpec { name: string; dims: number[]; dataType: number; rawData: Buffer }

function attribute(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: ATTR_TYPE.INT, i: v };
  if (typeof v === 'string') return { name, type: ATTR_TYPE.STRING, s: Buffer.from(v) };
  if (Array.isArray(v)) {
    return typeof v[0] === 'string'
      ? { name, type: ATTR_TYPE.STRINGS, strings: (v as string[]).map((s) => Buffer.from(s)) }
      : { name, type: ATTR_TYPE.INTS, ints: v };
  }
  return 'float' in v ? { name, type: ATTR_TYPE.FLOAT, f: v.float } : { name, type: ATTR_TYPE.FLOATS, floats: v.floats };
}

function valueInfo(v: OnnxValue): Record<string, unknown> {
  const dim = v.shape.map((d) => (isStatic(d) ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: DATA_TYPE[v.dtype], shape: { dim } } } };
}

/** Little-endian bytes of a typed array (a copy; swapped on a big-endian host). */
function leBytes(a: Float32Array | Int32Array | BigInt64Array): Buffer {
  const b = Buffer.from(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  if (os.endianness() === 'BE') (a.BYTES_PER_ELEMENT === 8 ? b.swap64() : b.swap32());
  return b;
}

export class OnnxGraph {
  private readonly nodes: NodeSpec[] = [];
  private readonly inits: TensorSpec[] = [];
  private readonly infos: OnnxValue[] = [];
  private readonly used = new Set<string>();
  /** Node outputs renamed to graph output names: old name -> new name. */
  private readonly renamed = new Map<string, string>();
  /** The modules being converted, innermost last, with their dotted paths. */
  private readonly stack: [AnyModule, string][] = [];

  constructor(readonly opset: number, private readonly lookup: ConverterLookup) {}

  /** `base`, or `base_1`, `base_2`, ...: a name not used yet in this graph. */
  unique(base: string): string {
    let name = base || 'v', i = 0;
    while (this.used.has(name)) name = `${base}_${++i}`;
    this.used.add(name);
    return name;
  }

  /** The dotted path of the module being converted ('' at the top). */
  get path(): string { return this.stack.length ? this.stack[this.stack.length - 1][1] : ''; }

  /** `exportOnnx: module 'a.b' (Type)` for messages about the module being converted. */
  where(): string {
    const top = this.stack[this.stack.length - 1];
    return top ? `module '${top[1] || '(root)'}' (${top[0].constructor.name})` : 'graph';
  }

  /** A RangeError naming the module being converted. */
  error(msg: string): RangeError { return rangeError('exportOnnx', `${this.where()}: ${msg}`); }

  /** Declares a graph input. */
  input(name: string, shape: readonly Dim[], dtype: OnnxDType): OnnxValue {
    if (this.used.has(name)) throw typeError('exportOnnx', `input name ${JSON.stringify(name)} is used twice`);
    this.used.add(name);
    return { name, shape: shape.slice(), dtype };
  }

  /** A weight: the tensor's values as a float32 (or int32) initializer named `base` (made unique). */
  weight(base: string, t: Tensor): OnnxValue {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw this.error(`weight ${base} has dtype ${t.dtype}; only float32 and int32 are exported`);
    const data = t.contiguous().dataSync() as Float32Array | Int32Array;
    return this.addInit(base, t.shape.slice(), t.dtype, leBytes(data));
  }

  /** A float32 constant of the given shape (values.length must equal its size). */
  floats(base: string, values: readonly number[], shape: readonly number[] = [values.length]): OnnxValue {
    return this.addInit(base, shape.slice(), 'float32', leBytes(Float32Array.from(values)));
  }

  /** An int64 constant (shapes, axes, indices); a 1-D list unless shape says otherwise. */
  int64s(base: string, values: readonly number[], shape: readonly number[] = [values.length]): OnnxValue {
    return this.addInit(base, shape.slice(), 'int64', leBytes(BigInt64Array.from(values.map((v) => BigInt(v)))));
  }

  private addInit(base: string, dims: number[], dtype: OnnxDType, rawData: Buffer): OnnxValue {
    const want = dims.reduce((a, b) => a * b, 1) * (dtype === 'int64' ? 8 : 4);
    if (rawData.length !== want) throw this.error(`constant ${base}: ${rawData.length} bytes of ${dtype} data do not fill shape ${fmtDims(dims)}`);
    const name = this.unique(base);
    this.inits.push({ name, dims, dataType: DATA_TYPE[dtype], rawData });
    return { name, shape: dims, dtype };
  }

  /**
   * Adds a node `op(inputs) -> outputs` with the given output shapes (dtype of the first
   * input unless given); null inputs are ONNX's skipped optional inputs.
   */
  node(op: string, inputs: (OnnxValue | null)[], outShapes: readonly (readonly Dim[])[], attrs: Record<string, AttrValue | undefined> = {},
    outDtype?: OnnxDType): OnnxValue[] {
    const dtype = outDtype ?? inputs.find((v) => v !== null)?.dtype ?? 'float32';
    // NOTE: skipped optional inputs are '' between given ones; trailing ones are left out.
    const last = inputs.map((v) => v !== null).lastIndexOf(true);
    inputs = inputs.slice(0, last + 1);
    for (const s of outShapes) {
      if (!s.every((d) => (isStatic(d) ? Number.isSafeInteger(d) && d >= 0 : d.length > 0))) throw this.error(`${op} would produce the invalid shape ${fmtDims(s)}`);
    }
    const base = this.path ? `${this.path}/${op}` : op;
    const outs = outShapes.map((shape) => ({ name: this.unique(base), shape: shape.slice(), dtype }));
    this.nodes.push({
      input: inputs.map((v) => (v === null ? '' : v.name)), output: outs.map((v) => v.name), name: this.unique(`node:${base}`), opType: op,
      attribute: Object.entries(attrs).filter((e): e is [string, AttrValue] => e[1] !== undefined).map(([k, v]) => attribute(k, v)),
    });
    this.infos.push(...outs);
    return outs;
  }

  /** A node with one output. */
  op(op: string, inputs: (OnnxValue | null)[], outShape: readonly Dim[], attrs: Record<string, AttrValue | undefined> = {}, outDtype?: OnnxDType): OnnxValue {
    return this.node(op, inputs, [outShape], attrs, outDtype)[0];
  }

  /**
   * Converts `child` (a submodule of the module being converted, or the model itself at the
   * top) on `inputs`; its path in messages and names comes from where it sits in its parent.
   */
  call(child: AnyModule, ...inputs: OnnxValue[]): OnnxValue | OnnxValue[] {
    const parent = this.stack[this.stack.length - 1];
    let path = '';
    if (parent) {
      if (child === parent[0]) throw this.error('call() was given the module being converted itself');
      const found = [...parent[0].namedModules(parent[1])].find(([, m]) => m === child);
      if (!found) throw this.error(`call() was given a ${child.constructor.name} that is not one of its submodules`);
      path = found[0];
    }
    const conv = this.lookup(child);
    if (!conv) {
      throw typeError('exportOnnx', `module '${path || '(root)'}' has type ${child.constructor.name}, which the ONNX exporter does not know; ` +
        'export it structurally (nn.Sequential and built-in layers) or register a converter with io.registerOnnxConverter');
    }
    this.stack.push([child, path]);
    try {
      return conv(this, child, inputs);
    } finally {
      this.stack.pop();
    }
  }

  /** Like call(), for a child that must give exactly one output. */
  call1(child: AnyModule, ...inputs: OnnxValue[]): OnnxValue {
    const out = this.call(child, ...inputs);
    if (Array.isArray(out)) {
      throw this.error(`its submodule ${child.constructor.name} gives ${out.length} outputs where one tensor is needed ` +
        '(wrap it in a module with a converter that picks one)');
    }
    return out;
  }

  /** The ModelProto's `graph` for these nodes, with the given graph inputs and outputs. */
  toGraph(name: string, inputs: OnnxValue[], outputs: OnnxValue[]): Record<string, unknown> {
    const io = new Set([...inputs, ...outputs].map((v) => v.name));
    return {
      name, node: this.nodes, initializer: this.inits,
      input: inputs.map(valueInfo), output: outputs.map(valueInfo),
      valueInfo: this.infos.filter((v) => !io.has(v.name)).map(valueInfo),
    };
  }

  /** The bytes of all initializers (a protobuf message, so the file, is limited to 2 GiB). */
  get initializerBytes(): number { return this.inits.reduce((n, t) => n + t.rawData.length, 0); }

  /**
   * Gives a graph output the requested name: renames the node output, or (for a graph input,
   * a constant or a value already named as another output) adds an Identity node.
   */
  rename(v: OnnxValue, name: string): OnnxValue {
    if (this.used.has(name)) throw typeError('exportOnnx', `output name ${JSON.stringify(name)} is already used in the graph`);
    const node = this.nodes.find((n) => n.output.includes(v.name));
    this.used.add(name);
    if (!node || this.renamed.has(v.name)) {
      const input = this.renamed.get(v.name) ?? v.name;
      this.nodes.push({ input: [input], output: [name], name: this.unique(`node:${name}/Identity`), opType: 'Identity', attribute: [] });
      return { ...v, name };
    }
    this.renamed.set(v.name, name);
    for (const n of this.nodes) n.input = n.input.map((s) => (s === v.name ? name : s));
    node.output = node.output.map((s) => (s === v.name ? name : s));
    const info = this.infos.findIndex((i) => i.name === v.name);
    const out = { ...v, name };
    if (info >= 0) this.infos[info] = out;
    return out;
  }
}
