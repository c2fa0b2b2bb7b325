/**
 * File loaders: CSV (parsed by the `csv-parse` package into typed columns) and IDX, the
 * binary format of the MNIST family (raw or gzip), validated before any data is used.
 */
import * as zlib from 'zlib';
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { checkOptions } from '../options';
import { tensor } from '../ops/creation';
import { checkTensor } from '../ops/util';
import { writeAll, writeFileAtomic } from '../io/atomic';
import { tensorFromTyped } from '../io/safetensors';
import { readRegularFile } from '../io/files';

// csv-parse ships its CommonJS typings under package "exports", which this project's
// module resolution does not read; the part we use is typed here.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { parse: parseCsvSync } = require('csv-parse/sync') as {
  parse: (input: string | Buffer, opts: Record<string, unknown>) => string[][];
};

/**
 * The type a CSV column is parsed as ('auto': float32 when every value is a number, else string).
 * @example
 * const types: Record<string, data.ColumnType> = { id: 'int32', name: 'string', score: 'auto' };
 * const t = data.parseCsv('id,name,score\n1,x,0.5\n', { columns: types });
 */
export type ColumnType = 'float32' | 'int32' | 'string' | 'auto';

/**
 * Options of `readCsv` / `parseCsv`.
 * @example
 * const opts: data.CsvOptions = { header: false, delimiter: ';', columns: { c1: 'int32' }, missing: ['-'] };
 * const table = data.parseCsv('0.5;1\n-;2\n', opts);
 */
export interface CsvOptions {
  /** First row holds column names (default true); otherwise columns are named c0, c1, ... */
  header?: boolean;
  delimiter?: string;
  /** Column types by name; 'auto' (default) is float32 if every non-missing value is a number, else string. */
  columns?: Record<string, ColumnType>;
  /** Cell values that mean "missing" (default: '', 'NA', 'N/A', 'NaN', 'nan', 'null', '?'). */
  missing?: string[];
}

const CSV_KEYS = ['header', 'delimiter', 'columns', 'missing'];

/**
 * One parsed column: numbers (NaN for missing) or strings (null for missing).
 * @example
 * const col: data.CsvColumn = data.parseCsv('city\nOslo\nLima\n').column('city');
 */
export type CsvColumn = Float32Array | Int32Array | (string | null)[];

/**
 * A parsed CSV: named, typed columns (float32 missing = NaN, string missing = null).
 * @example
 * const table = data.parseCsv('a,b\n1,2\n3,NA\n');
 * console.log(table.names, table.numRows, table.column('b'));   // ['a', 'b'] 2 Float32Array [2, NaN]
 */
export class CsvTable {
  constructor(readonly names: string[], readonly columns: Record<string, CsvColumn>, readonly numRows: number) {}
  /** One column by name (throws a RangeError listing the names when absent). */
  column(name: string): CsvColumn {
    const c = Object.prototype.hasOwnProperty.call(this.columns, name) ? this.columns[name] : undefined;
    if (!c) throw rangeError('CsvTable.column', `no column ${JSON.stringify(name)}; columns are ${this.names.join(', ')}`);
    return c;
  }
  /**
   * The given numeric columns (default: all numeric ones) as a float32 [rows, cols] tensor
   * (or int32 when every column is int32); missing values are NaN.
   */
  toTensor(names: string[] = this.names.filter((n) => !Array.isArray(this.columns[n]))): Tensor {
    const cols = names.map((n) => {
      const c = this.column(n);
      if (Array.isArray(c)) throw typeError('CsvTable.toTensor', `column ${JSON.stringify(n)} is a string column; encode it first (LabelEncoder/OneHotEncoder)`);
      return c;
    });
    const allInt = cols.length > 0 && cols.every((c) => c instanceof Int32Array);
    const out = allInt ? new Int32Array(this.numRows * cols.length) : new Float32Array(this.numRows * cols.length);
    cols.forEach((c, j) => { for (let i = 0; i < this.numRows; i++) out[i * cols.length + j] = c[i]; });
    return tensor(out, { shape: [this.numRows, cols.length], dtype: allInt ? 'int32' : 'float32' });
  }
}

const DEFAULT_MISSING = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', '?'];

/**
 * Parses CSV text into typed columns.
 * @example
 * const t = data.parseCsv('sepal,species\n5.1,setosa\n7.0,versicolor\n');
 * console.log(t.toTensor(['sepal']).shape);   // [2, 1]
 */
export function parseCsv(text: string | Buffer, opts: CsvOptions = {}): CsvTable {
  checkOptions('parseCsv', opts, CSV_KEYS);
  const header = opts.header ?? true;
  let rows: string[][];
  try {
    rows = parseCsvSync(text, { delimiter: opts.delimiter ?? ',', skip_empty_lines: true, trim: true, relax_column_count: false, bom: true });
  } catch (e) {
    throw new Error(`parseCsv: ${(e as Error).message}`);
  }
  const width = rows.length ? rows[0].length : 0;
  const names = header ? (rows.shift() ?? []) : Array.from({ length: width }, (_, i) => `c${i}`);
  if (new Set(names).size !== names.length) throw rangeError('parseCsv', `duplicate column names in header: ${names.join(', ')}`);
  const missing = new Set(opts.missing ?? DEFAULT_MISSING);
  if (opts.columns !== undefined && (opts.columns === null || typeof opts.columns !== 'object' || Array.isArray(opts.columns))) {
    throw typeError('parseCsv', `columns must be an object of column name -> type, got ${JSON.stringify(opts.columns)}`);
  }
  // NOTE: column names are data: a Map and a null-prototype record make 'constructor',
  // 'toString' or '__proto__' ordinary columns rather than Object.prototype members.
  const types = new Map(Object.entries(opts.columns ?? {}));
  for (const [n, t] of types) {
    if (!names.includes(n)) throw rangeError('parseCsv', `columns option names ${JSON.stringify(n)}, which is not in the header (${names.join(', ')})`);
    if (!['float32', 'int32', 'string', 'auto'].includes(t)) throw typeError('parseCsv', `column ${JSON.stringify(n)} type must be 'float32', 'int32', 'string' or 'auto', got ${JSON.stringify(t)}`);
  }
  const columns = Object.create(null) as Record<string, CsvColumn>;
  names.forEach((name, j) => {
    const raw = rows.map((r) => r[j]);
    const type = types.get(name) ?? 'auto';
    const isMissing = (s: string): boolean => missing.has(s);
    const num = (s: string): number => (s.trim() === '' ? NaN : Number(s));
    let t = type;
    if (t === 'auto') t = raw.every((s) => isMissing(s) || !Number.isNaN(num(s))) ? 'float32' : 'string';
    if (t === 'string') { columns[name] = raw.map((s) => (isMissing(s) ? null : s)); return; }
    const out = t === 'int32' ? new Int32Array(raw.length) : new Float32Array(raw.length);
    raw.forEach((s, i) => {
      const line = i + (header ? 2 : 1);
      if (isMissing(s)) {
        if (t === 'int32') throw rangeError('parseCsv', `missing value in int32 column ${JSON.stringify(name)} at line ${line}; read it as float32 (missing = NaN)`);
        out[i] = NaN;
        return;
      }
      const v = num(s);
      if (Number.isNaN(v)) throw rangeError('parseCsv', `column ${JSON.stringify(name)} line ${line}: ${JSON.stringify(s)} is not a number`);
      if (t === 'int32' && !(Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)) {
        throw rangeError('parseCsv', `column ${JSON.stringify(name)} line ${line}: ${JSON.stringify(s)} is not an int32`);
      }
      out[i] = v;
    });
    columns[name] = out;
  });
  return new CsvTable(names, columns, rows.length);
}

/**
 * Reads and parses a CSV file (see parseCsv).
 * @example
 * import * as fs from 'fs';
 * import * as os from 'os';
 * import * as path from 'path';
 * import { data } from 'tensorforge';
 * const file = path.join(os.tmpdir(), 'points.csv');
 * fs.writeFileSync(file, 'x,y,label\n1,2,a\n3,4,b\n');
 * const table = data.readCsv(file);
 * console.log(table.toTensor(['x', 'y']).toArray(), table.column('label'));   // [[1, 2], [3, 4]] ['a', 'b']
 */
export function readCsv(file: string, opts: CsvOptions = {}): CsvTable {
  checkOptions('readCsv', opts, CSV_KEYS);
  return parseCsv(readRegularFile('readCsv', file), opts);
}

// IDX type codes (byte 3 of the magic number) and what they load as.
const IDX_TYPES: Record<number, { name: string; bytes: number; dtype: 'uint8' | 'int32' | 'float32' }> = {
  0x08: { name: 'ubyte', bytes: 1, dtype: 'uint8' },
  0x09: { name: 'byte', bytes: 1, dtype: 'int32' },
  0x0b: { name: 'short', bytes: 2, dtype: 'int32' },
  0x0c: { name: 'int', bytes: 4, dtype: 'int32' },
  0x0d: { name: 'float', bytes: 4, dtype: 'float32' },
  0x0e: { name: 'double', bytes: 8, dtype: 'float32' },
};

/** Deflate's largest expansion (output bytes per input byte), plus slack for headers. */
const MAX_INFLATE_RATIO = 1032;

/** The IDX header's byte count and declared total size, from the first bytes of the data. */
function idxDeclared(head: Buffer): { headerBytes: number; total: number } | null {
  if (head.length < 4) return null;
  const headerBytes = 4 + 4 * head[3];
  if (head.length < headerBytes) return null;
  let numel = 1;
  for (let d = 0; d < head[3]; d++) numel *= head.readUInt32BE(4 + 4 * d);
  return { headerBytes, total: headerBytes + numel * (IDX_TYPES[head[2]]?.bytes ?? 1) };
}

/**
 * Gunzips IDX data, stopping at the size its header declares.
 * NOTE: the header is read by inflating growing prefixes of the input (sync flush, so a cut
 * stream is fine) with a bounded output; the whole stream is then inflated with
 * maxOutputLength = the declared size, so a gzip bomb stops there, and a declared size the
 * input cannot expand to is refused before inflating at all.
 */
function gunzipIdx(op: string, buf: Buffer, what: string): Buffer {
  const corrupt = (e: unknown): Error => new Error(`${op}: ${what}: corrupt gzip data (${(e as Error).message})`);
  let declared: { headerBytes: number; total: number } | null = null;
  let head: Buffer = Buffer.alloc(0);
  for (let p = 256; !declared; p *= 4) {
    try {
      head = zlib.gunzipSync(buf.subarray(0, p), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 16 << 20 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') break;
      throw corrupt(e);
    }
    declared = idxDeclared(head);
    if (p >= buf.length || p >= 65536) break;
  }
  // Too short or malformed: decodeIdx names the problem on the bytes we have.
  if (!declared || head[0] !== 0 || head[1] !== 0 || !IDX_TYPES[head[2]] || head[3] < 1 || head[3] > 8) return head;
  const { total } = declared;
  if (total > buf.length * MAX_INFLATE_RATIO + 4096 || total > 2 ** 31 - 1) {
    throw new Error(`${op}: ${what}: IDX header declares ${total} bytes, more than ${buf.length} bytes of gzip data can hold`);
  }
  try {
    return zlib.gunzipSync(buf, { maxOutputLength: total });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`${op}: ${what}: gzip data decompresses to more than the ${total} bytes its IDX header declares (trailing bytes)`);
    }
    throw corrupt(e);
  }
}

/**
 * Decodes an IDX buffer (gzip-compressed or raw): unsigned bytes load as uint8, signed
 * integers as int32, floats and doubles as float32. Throws on any malformed header or size.
 * @example
 * const bytes = data.encodeIdx(tensor([[1, 2], [3, 4]], { dtype: 'uint8' }));
 * console.log(data.decodeIdx(bytes).shape);   // [2, 2]
 */
export function decodeIdx(input: Uint8Array, what = 'buffer'): Tensor {
  const op = 'readIdx';
  let buf: Buffer = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    buf = gunzipIdx(op, buf, what);
  }
  if (buf.length < 4) throw new Error(`${op}: ${what}: file too short for an IDX header (${buf.length} bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new Error(`${op}: ${what}: bad IDX magic ${buf.subarray(0, 4).toString('hex')} (must start with 0000)`);
  const type = IDX_TYPES[buf[2]];
  if (!type) throw new Error(`${op}: ${what}: unknown IDX data type 0x${buf[2].toString(16)}`);
  const ndim = buf[3];
  if (ndim < 1 || ndim > 8) throw new Error(`${op}: ${what}: IDX rank ${ndim} is not in 1..8`);
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < headerBytes) throw new Error(`${op}: ${what}: truncated IDX header (${buf.length} bytes, need ${headerBytes})`);
  const shape: number[] = [];
  let numel = 1;
  for (let d = 0; d < ndim; d++) {
    const s = buf.readUInt32BE(4 + 4 * d);
    if (s > 2 ** 31 - 1) throw new Error(`${op}: ${what}: dimension ${d} size ${s} is too large`);
    shape.push(s);
    numel *= s;
  }
  const dataBytes = numel * type.bytes;
  if (buf.length - headerBytes !== dataBytes) {
    throw new Error(`${op}: ${what}: IDX header says ${fmtShape(shape)} ${type.name} (${dataBytes} data bytes) but the file has ${buf.length - headerBytes}` +
      (buf.length - headerBytes < dataBytes ? ' (truncated)' : ' (trailing bytes)'));
  }
  const dv = new DataView(buf.buffer, buf.byteOffset + headerBytes, dataBytes);
  let data: Uint8Array | Int32Array | Float32Array;
  switch (buf[2]) {
    case 0x08: data = buf.subarray(headerBytes); break;
    case 0x09: data = Int32Array.from(new Int8Array(buf.buffer, buf.byteOffset + headerBytes, numel)); break;
    case 0x0b: data = new Int32Array(numel); for (let i = 0; i < numel; i++) data[i] = dv.getInt16(2 * i); break;
    case 0x0c: data = new Int32Array(numel); for (let i = 0; i < numel; i++) data[i] = dv.getInt32(4 * i); break;
    case 0x0d: data = new Float32Array(numel); for (let i = 0; i < numel; i++) data[i] = dv.getFloat32(4 * i); break;
    default: data = new Float32Array(numel); for (let i = 0; i < numel; i++) data[i] = dv.getFloat64(8 * i); break;
  }
  return tensorFromTyped(data, shape, type.dtype);
}


/**
 * Reads an IDX file (`.gz` or raw; detected from the content).
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { data, tensor } from 'tensorforge';
 * const file = path.join(os.tmpdir(), 'labels.idx1-ubyte');
 * data.writeIdx(file, tensor([3, 1, 4], { dtype: 'uint8' }));
 * console.log(data.readIdx(file).toArray());   // [3, 1, 4]
 */
export function readIdx(file: string): Tensor {
  return decodeIdx(readRegularFile('readIdx', file), file);
}

/**
 * Encodes a uint8, int32 or float32 tensor as IDX bytes (ubyte, int or float).
 * @example
 * const buf: Buffer = data.encodeIdx(tensor([0, 9, 5], { dtype: 'uint8' }));
 */
export function encodeIdx(t: Tensor): Buffer {
  checkTensor('encodeIdx', t, 'tensor');
  if (t.ndim < 1 || t.ndim > 8) throw rangeError('encodeIdx', `rank must be 1..8, got shape ${fmtShape(t.shape)}`);
  const code = t.dtype === 'uint8' || t.dtype === 'bool' ? 0x08 : t.dtype === 'int32' ? 0x0c : 0x0d;
  const bytes = IDX_TYPES[code].bytes;
  const head = 4 + 4 * t.ndim;
  const out = Buffer.alloc(head + t.numel * bytes);
  out[2] = code; out[3] = t.ndim;
  t.shape.forEach((s, d) => out.writeUInt32BE(s, 4 + 4 * d));
  const data = t.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (code === 0x08) out[head + i] = data[i];
    else if (code === 0x0c) out.writeInt32BE(data[i], head + 4 * i);
    else out.writeFloatBE(data[i], head + 4 * i);
  }
  return out;
}

/**
 * Writes a tensor as an IDX file (gzip when `gzip` is true or the name ends in .gz), atomically.
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { data, randint } from 'tensorforge';
 * data.writeIdx(path.join(os.tmpdir(), 'y.idx1-ubyte.gz'), randint(0, 10, [100]).to('uint8'), { gzip: true });
 */
export function writeIdx(file: string, t: Tensor, opts: { gzip?: boolean } = {}): void {
  checkOptions('writeIdx', opts, ['gzip']);
  let bytes = encodeIdx(t);
  if (opts.gzip ?? file.endsWith('.gz')) bytes = zlib.gzipSync(bytes);
  writeFileAtomic(file, (fd) => writeAll(fd, bytes));
}
