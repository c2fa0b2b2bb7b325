/**
 * safetensors, spec-exact: 8-byte little-endian header length N, N bytes of JSON header
 * ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}) padded
 * with spaces to a multiple of 8, then the tensors' bytes back to back (offsets relative
 * to the end of the header). The reader validates everything before touching the data.
 */
import * as fs from 'fs';
import { Tensor } from '../tensor';
import { DTYPE_BYTES, type AnyTypedArray, type DType } from '../dtype';
import { fmtShape, typeError } from '../errors';
import { native } from '../native';
import { writeAll, writeFileAtomic } from './atomic';
import { openRegular } from './files';

/**
 * Tensors by name, as saved in and loaded from a safetensors file.
 * @example
 * const sd: io.StateDict = { 'fc.weight': randn([2, 3]), 'fc.bias': zeros([2]) };
 * const bytes = io.serialize(sd);
 */
export type StateDict = Record<string, Tensor>;
/**
 * The string-to-string metadata of a safetensors header.
 * @example
 * const meta: io.Metadata = { framework: 'tensorforge', epoch: '10' };
 * const bytes = io.serialize({ w: zeros([1]) }, meta);
 */
export type Metadata = Record<string, string>;

/** Largest header we accept (the Rust reference implementation uses 100 MB). */
const MAX_HEADER = 100 * 1024 * 1024;

const WRITE_DTYPE: Record<DType, string> = { float32: 'F32', int32: 'I32', uint8: 'U8', bool: 'BOOL' };

/** File dtypes we read: bytes per element and the dtype they load as. */
const READ_DTYPE: Record<string, { bytes: number; dtype: DType }> = {
  F32: { bytes: 4, dtype: 'float32' }, F16: { bytes: 2, dtype: 'float32' }, BF16: { bytes: 2, dtype: 'float32' },
  F64: { bytes: 8, dtype: 'float32' }, I64: { bytes: 8, dtype: 'int32' }, I32: { bytes: 4, dtype: 'int32' },
  U8: { bytes: 1, dtype: 'uint8' }, BOOL: { bytes: 1, dtype: 'bool' },
};

function entries(op: string, sd: StateDict | Map<string, Tensor>): [string, Tensor][] {
  const list = sd instanceof Map ? [...sd.entries()] : Object.entries(sd ?? {});
  if (sd === null || typeof sd !== 'object') throw typeError(op, 'stateDict must be an object or Map of name -> Tensor');
  for (const [k, t] of list) {
    if (!(t instanceof Tensor)) throw typeError(op, `entry ${JSON.stringify(k)} is not a Tensor`);
    if (k === '__metadata__' || k === '__proto__') throw typeError(op, `a tensor cannot be named ${k}`);
  }
  return list;
}

/** The header JSON and total data size for a state dict (tensor order is kept). */
function buildHeader(list: [string, Tensor][], metadata?: Metadata): { header: Buffer; dataBytes: number } {
  const obj: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') throw typeError('io.save', 'metadata must be an object of string values');
    for (const [k, v] of Object.entries(metadata)) {
      // NOTE: io.save(sd, file, { metadata: {...} }) is a common slip: the map itself is the argument.
      if (k === 'metadata' && v !== null && typeof v === 'object') throw typeError('io.save', 'metadata is the string map itself: save(sd, file, { epoch: \'3\' }), not { metadata: {...} }');
      if (typeof v !== 'string') throw typeError('io.save', `metadata value for ${JSON.stringify(k)} must be a string, got ${typeof v}`);
      // NOTE: the reader refuses this key (it would set the map's prototype), so it is refused here too.
      if (k === '__proto__') throw typeError('io.save', 'metadata key __proto__ is not allowed (the file could not be loaded)');
    }
    obj.__metadata__ = metadata;
  }
  let off = 0;
  for (const [k, t] of list) {
    const n = t.numel * DTYPE_BYTES[t.dtype];
    obj[k] = { dtype: WRITE_DTYPE[t.dtype], shape: t.shape.slice(), data_offsets: [off, off + n] };
    off += n;
  }
  let json = JSON.stringify(obj);
  // NOTE: pad with spaces so the data starts 8-byte aligned (8 + header length = 0 mod 8).
  const len = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (len % 8)) % 8);
  return { header: Buffer.from(json, 'utf8'), dataBytes: off };
}

/**
 * Writes tensors to a safetensors file, atomically (temp file + fsync + rename).
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { io, nn } from 'tensorforge';
 * const model = new nn.Linear(4, 2);
 * io.save(model.stateDict(), path.join(os.tmpdir(), 'linear.safetensors'), { epoch: '1' });   // PyTorch's safetensors.torch.load_file reads it
 */
export function save(stateDict: StateDict | Map<string, Tensor>, file: string, metadata?: Metadata): void {
  const list = entries('io.save', stateDict);
  for (const [k, t] of list) t.assertAlive(`io.save (${k})`);
  const { header } = buildHeader(list, metadata);
  writeFileAtomic(file, (fd) => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    writeAll(fd, len);
    writeAll(fd, header);
    for (const [, t] of list) {
      if (!t.numel) continue;
      const d = t.dataSync();
      writeAll(fd, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
  });
}

/**
 * Encodes a state dict as safetensors bytes in memory.
 * @example
 * const bytes: Buffer = io.serialize({ w: randn([3, 3]) }, { note: 'in memory' });
 * const { tensors } = io.deserialize(bytes);
 */
export function serialize(stateDict: StateDict | Map<string, Tensor>, metadata?: Metadata): Buffer {
  const list = entries('io.serialize', stateDict);
  const { header, dataBytes } = buildHeader(list, metadata);
  const out = Buffer.alloc(8 + header.length + dataBytes);
  out.writeBigUInt64LE(BigInt(header.length));
  header.copy(out, 8);
  let at = 8 + header.length;
  for (const [, t] of list) {
    const d = t.dataSync();
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

interface Entry { name: string; dtype: string; shape: number[]; begin: number; end: number }

/**
 * What `readHeader` returns: each tensor's name, dtype, shape and byte range, and the metadata.
 * @example
 * const header: io.SafetensorsHeader = { tensors: [{ name: 'w', dtype: 'F32', shape: [2], dataOffsets: [0, 8] }], metadata: {} };
 */
export interface SafetensorsHeader {
  tensors: { name: string; dtype: string; shape: number[]; dataOffsets: [number, number] }[];
  metadata: Metadata;
}

function bad(what: string, msg: string): Error { return new Error(`io.load: ${what}: ${msg}`); }

/** Parses and validates a header against the size of the data section. */
function parseHeader(json: Buffer, dataBytes: number, what: string): { entries: Entry[]; metadata: Metadata } {
  let obj: unknown;
  try {
    obj = JSON.parse(json.toString('utf8'));
  } catch (e) {
    throw bad(what, `header is not valid JSON (${(e as Error).message})`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw bad(what, 'header must be a JSON object');
  const metadata: Metadata = {};
  const list: Entry[] = [];
  for (const [name, v] of Object.entries(obj as Record<string, unknown>)) {
    if (name === '__proto__') throw bad(what, 'a tensor named __proto__ is not allowed');
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(what, '__metadata__ must be an object of strings');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') throw bad(what, `__metadata__ value for ${JSON.stringify(k)} is not a string`);
        if (k === '__proto__') throw bad(what, '__metadata__ key __proto__ is not allowed');
        metadata[k] = s;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') throw bad(what, `entry ${JSON.stringify(name)} must be an object`);
    if (typeof e.dtype !== 'string' || !READ_DTYPE[e.dtype]) {
      throw bad(what, `tensor ${JSON.stringify(name)} has unsupported dtype ${JSON.stringify(e.dtype)} (supported: ${Object.keys(READ_DTYPE).join(', ')})`);
    }
    if (!Array.isArray(e.shape) || !e.shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      throw bad(what, `tensor ${JSON.stringify(name)} has an invalid shape ${JSON.stringify(e.shape)}`);
    }
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isSafeInteger(x) && x >= 0) || off[0] > off[1]) {
      throw bad(what, `tensor ${JSON.stringify(name)} has invalid data_offsets ${JSON.stringify(off)}`);
    }
    if (off[1] > dataBytes) throw bad(what, `tensor ${JSON.stringify(name)} data_offsets [${off}] run past the end of the data (${dataBytes} bytes; file truncated?)`);
    const shape = e.shape as number[];
    const numel = shape.reduce((a, b) => a * b, 1);
    const need = numel * READ_DTYPE[e.dtype].bytes;
    if (off[1] - off[0] !== need) {
      throw bad(what, `tensor ${JSON.stringify(name)} is ${e.dtype} ${fmtShape(shape)} = ${need} bytes but data_offsets [${off}] span ${off[1] - off[0]}`);
    }
    if (shape.length > 12) throw bad(what, `tensor ${JSON.stringify(name)} has ${shape.length} dims (at most 12)`);
    list.push({ name, dtype: e.dtype, shape, begin: off[0], end: off[1] });
  }
  // The data section must be covered exactly once, in offset order (as the reference reader checks).
  const sorted = list.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin < at) throw bad(what, `tensor ${JSON.stringify(e.name)} overlaps the previous tensor (offset ${e.begin} < ${at})`);
    if (e.begin > at) throw bad(what, `gap in the data before tensor ${JSON.stringify(e.name)} (offset ${e.begin}, expected ${at})`);
    at = e.end;
  }
  if (at !== dataBytes) throw bad(what, `the data section has ${dataBytes} bytes but the tensors cover ${at}`);
  return { entries: list, metadata };
}

/** Converts one tensor's little-endian bytes to our dtype. */
function decode(e: Entry, bytes: Buffer, what: string): Tensor {
  const n = e.shape.reduce((a, b) => a * b, 1);
  // Copy into a fresh, aligned buffer (the slice of the file may be unaligned).
  const ab = new ArrayBuffer(bytes.length);
  new Uint8Array(ab).set(bytes);
  const target = READ_DTYPE[e.dtype].dtype;
  let data: AnyTypedArray;
  switch (e.dtype) {
    case 'F32': data = new Float32Array(ab); break;
    case 'I32': data = new Int32Array(ab); break;
    case 'U8': data = new Uint8Array(ab); break;
    case 'BOOL': {
      data = new Uint8Array(ab);
      const badAt = data.findIndex((v) => v > 1);
      if (badAt >= 0) throw bad(what, `BOOL tensor ${JSON.stringify(e.name)} holds ${data[badAt]} at element ${badAt} (must be 0 or 1)`);
      break;
    }
    case 'F64': data = Float32Array.from(new Float64Array(ab)); break;
    case 'BF16': {
      const src = new Uint16Array(ab), bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = src[i] << 16;
      data = new Float32Array(bits.buffer);
      break;
    }
    case 'F16': {
      const src = new Uint16Array(ab), out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(src[i]);
      data = out;
      break;
    }
    case 'I64': {
      const src = new BigInt64Array(ab), out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (v > 2147483647n || v < -2147483648n) throw bad(what, `I64 tensor ${JSON.stringify(e.name)} element ${i} = ${v} does not fit in int32`);
        out[i] = Number(v);
      }
      data = out;
      break;
    }
    default: throw bad(what, `unsupported dtype ${e.dtype}`);
  }
  return tensorFromTyped(data, e.shape.slice(), target);
}

/** A tensor holding `data` (already of the dtype's element type) with a single copy. */
export function tensorFromTyped(data: AnyTypedArray, shape: number[], dtype: DType): Tensor {
  const t = Tensor.empty(shape, dtype);
  if (data.length) native.write(t.handle('load'), 0, data);
  return t;
}

/**
 * IEEE 754 binary16 bits to a number.
 * @example
 * console.log(io.halfToFloat(0x3c00), io.halfToFloat(0xc000));   // 1 -2
 */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Reads and validates the header of a safetensors file without loading any tensor data.
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { io, zeros } from 'tensorforge';
 * const file = path.join(os.tmpdir(), 'h.safetensors');
 * io.save({ bias: zeros([4]) }, file);
 * console.log(io.readHeader(file).tensors[0]);   // { name: 'bias', dtype: 'F32', shape: [4], dataOffsets: [0, 16] }
 */
export function readHeader(file: string): SafetensorsHeader {
  const fd = openRead(file);
  try {
    const { entries: list, metadata } = readValidatedHeader(fd, file);
    return { tensors: list.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, dataOffsets: [e.begin, e.end] as [number, number] })), metadata };
  } finally {
    fs.closeSync(fd);
  }
}

function openRead(file: string): number { return openRegular('io.load', file); }

function readExactly(fd: number, n: number, pos: number, what: string, part: string): Buffer {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const r = fs.readSync(fd, buf, got, n - got, pos + got);
    if (r === 0) throw bad(what, `file ended while reading the ${part}`);
    got += r;
  }
  return buf;
}

function readValidatedHeader(fd: number, what: string): { entries: Entry[]; metadata: Metadata; dataStart: number } {
  const size = fs.fstatSync(fd).size;
  if (size < 8) throw bad(what, `file is ${size} bytes, too short for a safetensors header`);
  const n = readExactly(fd, 8, 0, what, 'header length').readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER)) throw bad(what, `header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  if (n > BigInt(size - 8)) throw bad(what, `header length ${n} runs past the end of the ${size}-byte file (truncated?)`);
  if (n < 2n) throw bad(what, `header length ${n} is too small`);
  const hl = Number(n);
  const json = readExactly(fd, hl, 8, what, 'header');
  if (json[0] !== 0x7b) throw bad(what, "header must start with '{'");
  const { entries: list, metadata } = parseHeader(json, size - 8 - hl, what);
  return { entries: list, metadata, dataStart: 8 + hl };
}

/**
 * Reads a safetensors file into tensors (F16/BF16/F64 become float32, I64 becomes int32
 * after a range check). Malformed or truncated files throw an Error naming the problem.
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { io, nn } from 'tensorforge';
 * const file = path.join(os.tmpdir(), 'linear.safetensors');
 * io.save(new nn.Linear(4, 2).stateDict(), file);
 * const model = new nn.Linear(4, 2);
 * model.loadStateDict(io.load(file));
 */
export function load(file: string): StateDict {
  return loadWithMetadata(file).tensors;
}

/**
 * Like load, and also returns the `__metadata__` map.
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { io, randn } from 'tensorforge';
 * const file = path.join(os.tmpdir(), 'w.safetensors');
 * io.save({ w: randn([2, 2]) }, file, { epoch: '3' });
 * const { tensors, metadata } = io.loadWithMetadata(file);
 * console.log(Object.keys(tensors), metadata.epoch);   // ['w'] '3'
 */
export function loadWithMetadata(file: string): { tensors: StateDict; metadata: Metadata } {
  const fd = openRead(file);
  const out: StateDict = {};
  try {
    const { entries: list, metadata, dataStart } = readValidatedHeader(fd, file);
    for (const e of list) {
      const bytes = e.end > e.begin ? readExactly(fd, e.end - e.begin, dataStart + e.begin, file, `data of ${e.name}`) : Buffer.alloc(0);
      out[e.name] = decode(e, bytes, file);
    }
    return { tensors: out, metadata };
  } catch (err) {
    for (const t of Object.values(out)) t.dispose();
    throw err;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Decodes safetensors bytes held in memory (same validation as load).
 * @example
 * const { tensors, metadata } = io.deserialize(io.serialize({ x: tensor([1, 2]) }));
 * console.log(tensors.x.toArray());   // [1, 2]
 */
export function deserialize(buf: Uint8Array, what = 'buffer'): { tensors: StateDict; metadata: Metadata } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8) throw bad(what, `${b.length} bytes is too short for a safetensors header`);
  const n = b.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER)) throw bad(what, `header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  if (n > BigInt(b.length - 8)) throw bad(what, `header length ${n} runs past the end of the ${b.length}-byte buffer (truncated?)`);
  const hl = Number(n);
  if (hl < 2 || b[8] !== 0x7b) throw bad(what, "header must start with '{'");
  const { entries: list, metadata } = parseHeader(b.subarray(8, 8 + hl), b.length - 8 - hl, what);
  const tensors: StateDict = {};
  for (const e of list) tensors[e.name] = decode(e, b.subarray(8 + hl + e.begin, 8 + hl + e.end), what);
  return { tensors, metadata };
}
