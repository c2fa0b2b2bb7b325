/**
 * Open Inference Protocol tensors in JSON: { name, shape, datatype, data } with `data` row-major,
 * flat or nested. Decoding checks a request tensor against the model's input spec (name,
 * datatype, shape with -1 for the batch dimension) and converts it to float32; every fault is
 * a RequestError (HTTP 4xx) naming the input and what was expected.
 */
import { fmtShape } from '../errors';

/**
 * The protocol's datatypes this server converts to and from the model's float32.
 * @example
 * console.log(serve.DATATYPES.includes('FP32'));   // true
 */
export const DATATYPES = ['FP32', 'FP64', 'INT32', 'UINT8', 'BOOL'] as const;
/**
 * One of {@link DATATYPES}.
 * @example
 * const dt: serve.Datatype = 'UINT8';   // e.g. image pixels, converted to float32 for the model
 */
export type Datatype = typeof DATATYPES[number];
/** Every datatype the protocol names (others are refused as unsupported, not as unknown). */
export const PROTOCOL_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'];

/**
 * A model input or output as the metadata endpoint describes it; shape[0] is -1 (any batch).
 * @example
 * const spec: serve.TensorSpec = { name: 'input', datatype: 'FP32', shape: [-1, 1, 28, 28] };
 */
export interface TensorSpec { name: string; datatype: Datatype; shape: number[] }

/** A request tensor as sent (after the JSON-schema check of its fields' JSON types). */
export interface RequestTensor { name: string; shape: number[]; datatype: string; data: unknown[]; parameters?: Record<string, unknown> }

/** A fault in a request: answered with `status` and { error: message }. */
export class RequestError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

const bad = (msg: string): RequestError => new RequestError(400, msg);

/** Checks one element against the datatype and returns it as a number. */
function element(v: unknown, dt: Datatype, where: string): number {
  switch (dt) {
    case 'BOOL':
      if (typeof v === 'boolean') return v ? 1 : 0;
      break;
    case 'UINT8':
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255) return v;
      break;
    case 'INT32':
      if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return v;
      break;
    case 'FP32':
      // NOTE: 1e39 or 1e400 would become Infinity; JSON cannot carry it back, so it is refused.
      if (typeof v === 'number' && Math.abs(v) <= 3.4028234663852886e38) return v;
      break;
    default:
      if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  throw bad(`${where} holds ${typeof v === 'number' ? String(v) : JSON.stringify(v)?.slice(0, 40)}, which is not a valid ${dt} value`);
}

/**
 * Copies `data` (flat, or nested to the tensor's shape) into `out` as float32, checking every
 * element against the datatype and the element count against the shape.
 */
function fill(data: unknown[], shape: number[], dt: Datatype, out: Float32Array, name: string): void {
  const where = `input ${JSON.stringify(name)}`;
  if (data.length === out.length && !data.some(Array.isArray)) {
    for (let i = 0; i < data.length; i++) out[i] = element(data[i], dt, where);
    return;
  }
  // Nested: every level must match shape (the recursion is as deep as the model's input rank).
  let k = 0;
  const walk = (a: unknown[], depth: number): void => {
    if (depth >= shape.length || a.length !== shape[depth]) {
      throw bad(`${where}: data does not match shape ${fmtShape(shape)} (a list of ${a.length} at depth ${depth}; send ${out.length} values flat or nested to the shape)`);
    }
    const leaf = depth === shape.length - 1;
    for (const v of a) {
      if (leaf) {
        if (Array.isArray(v)) throw bad(`${where}: data is nested deeper than shape ${fmtShape(shape)}`);
        out[k++] = element(v, dt, where);
      } else {
        if (!Array.isArray(v)) throw bad(`${where}: data is not nested to shape ${fmtShape(shape)} (found ${JSON.stringify(v)?.slice(0, 20)} at depth ${depth + 1})`);
        walk(v, depth + 1);
      }
    }
  };
  if (shape.length === 0 || data.length === 0) throw bad(`${where}: data holds ${data.length} values, shape ${fmtShape(shape)} needs ${out.length}`);
  walk(data, 0);
}

/** Whether a request shape matches a spec shape whose -1 entries match any size. */
function shapeMatches(spec: readonly number[], got: readonly number[]): boolean {
  return spec.length === got.length && spec.every((s, i) => s === -1 || s === got[i]);
}

/**
 * Decodes the request's inputs against the model's input specs: one tensor per spec, each with
 * the same batch size, returned as float32 [batch, ...sample] in spec order.
 */
export function decodeInputs(inputs: RequestTensor[], specs: readonly TensorSpec[], maxElements: number): { batch: number; data: Float32Array[] } {
  const byName = new Map<string, RequestTensor>();
  for (const t of inputs) {
    if (byName.has(t.name)) throw bad(`input ${JSON.stringify(t.name)} is given twice`);
    if (!specs.some((s) => s.name === t.name)) throw bad(`unknown input ${JSON.stringify(t.name)} (the model takes ${specs.map((s) => JSON.stringify(s.name)).join(', ')})`);
    byName.set(t.name, t);
  }
  let batch = -1;
  const data = specs.map((spec) => {
    const t = byName.get(spec.name);
    if (!t) throw bad(`input ${JSON.stringify(spec.name)} is missing`);
    if (t.parameters && Object.keys(t.parameters).length) throw bad(`input ${JSON.stringify(t.name)}: parameters ${Object.keys(t.parameters).join(', ')} are not supported`);
    if (!(DATATYPES as readonly string[]).includes(t.datatype)) {
      const known = PROTOCOL_DATATYPES.includes(t.datatype);
      throw bad(`input ${JSON.stringify(t.name)}: datatype ${JSON.stringify(t.datatype)} is ${known ? 'not supported' : 'not a protocol datatype'} (send ${spec.datatype}, or one of ${DATATYPES.join(', ')})`);
    }
    if (!shapeMatches(spec.shape, t.shape)) throw bad(`input ${JSON.stringify(t.name)} has shape ${fmtShape(t.shape)}, the model expects ${fmtShape(spec.shape)} (-1: any batch size)`);
    if (t.shape[0] < 1) throw bad(`input ${JSON.stringify(t.name)} has shape ${fmtShape(t.shape)}: the batch dimension must be at least 1`);
    if (batch !== -1 && t.shape[0] !== batch) throw bad(`input ${JSON.stringify(t.name)} has batch size ${t.shape[0]}, other inputs ${batch}`);
    batch = t.shape[0];
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n > maxElements) throw new RequestError(413, `input ${JSON.stringify(t.name)} has ${n} elements, more than the ${maxElements} this server accepts`);
    const out = new Float32Array(n);
    fill(t.data, t.shape, t.datatype as Datatype, out, t.name);
    return out;
  });
  return { batch, data };
}

/** A response tensor: float32 values as a flat row-major list. */
export function encodeOutput(spec: TensorSpec, batch: number, data: Float32Array): { name: string; datatype: Datatype; shape: number[]; data: number[] } {
  return { name: spec.name, datatype: spec.datatype, shape: [batch, ...spec.shape.slice(1)], data: Array.from(data) };
}
