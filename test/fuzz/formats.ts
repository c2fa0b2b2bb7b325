/**
 * The file formats the loaders fuzz covers: a valid file per seed, its mutations, and a
 * small independent reader of each format as the oracle (when a loader accepts a mutated
 * file, what it returns must be what the bytes say).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { tf } from '../helpers';
import { pick, prng } from './seeds';
import { appendJunk, deepNesting, flipBits, HUGE_SIZES, mutateJsonNumber, mutateJsonStructure, truncate, type Rng } from './mutate';
import { makeTensor, randomValues } from './op_chain';
import type { FuzzDType } from './op_reference';

/** What the child reports for a loaded tensor: dtype, shape and its raw bytes (base64). */
export interface TensorSummary { dtype: string; shape: number[]; b64: string }
export type Kind = 'safetensors' | 'model' | 'idx' | 'csv';

/** One fuzz case: a file (or model directory) to load and how it was made. */
export interface FileCase { id: string; kind: Kind; path: string; how: string; pristine: boolean }

const SAFE_DTYPES: Record<string, { bytes: number; dtype: string }> = {
  F32: { bytes: 4, dtype: 'float32' }, I32: { bytes: 4, dtype: 'int32' }, U8: { bytes: 1, dtype: 'uint8' }, BOOL: { bytes: 1, dtype: 'bool' },
};

/** Independent safetensors reader for the dtypes we write (others: `null` values, checked by shape only). */
export function refSafetensors(buf: Buffer): Record<string, { dtype: string; shape: number[]; b64: string | null }> | string {
  if (buf.length < 8) return 'short';
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.length - 8) return 'header past end';
  let h: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try { h = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')); } catch { return 'bad json'; }
  const data = buf.subarray(8 + n);
  const out: Record<string, { dtype: string; shape: number[]; b64: string | null }> = {};
  for (const [k, e] of Object.entries(h)) {
    if (k === '__metadata__') continue;
    const [b, end] = e.data_offsets;
    if (!(end <= data.length && b <= end)) return `offsets of ${k}`;
    const d = SAFE_DTYPES[e.dtype];
    out[k] = d ? { dtype: d.dtype, shape: e.shape, b64: data.subarray(b, end).toString('base64') } : { dtype: '?', shape: e.shape, b64: null };
  }
  return out;
}

/** Independent IDX reader (raw or gzip) for the types encodeIdx writes. */
export function refIdx(input: Buffer): TensorSummary | string {
  let buf = input;
  if (buf[0] === 0x1f && buf[1] === 0x8b) { try { buf = zlib.gunzipSync(buf); } catch { return 'gzip'; } }
  if (buf.length < 4 || buf[0] || buf[1]) return 'magic';
  const rank = buf[3], shape: number[] = [];
  for (let d = 0; d < rank; d++) shape.push(buf.readUInt32BE(4 + 4 * d));
  const n = shape.reduce((a, b) => a * b, 1), at = 4 + 4 * rank;
  if (buf[2] === 0x08) return { dtype: 'uint8', shape, b64: buf.subarray(at, at + n).toString('base64') };
  // Element readers by IDX type code: signed integers load as int32, floats/doubles as float32.
  const read: Record<number, (i: number) => number> = {
    0x09: (i) => buf.readInt8(at + i), 0x0b: (i) => buf.readInt16BE(at + 2 * i), 0x0c: (i) => buf.readInt32BE(at + 4 * i),
    0x0d: (i) => buf.readFloatBE(at + 4 * i), 0x0e: (i) => buf.readDoubleBE(at + 8 * i),
  };
  if (!read[buf[2]]) return `type 0x${buf[2].toString(16)}`;
  const int = buf[2] <= 0x0c, out = int ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = read[buf[2]](i);
  return { dtype: int ? 'int32' : 'float32', shape, b64: Buffer.from(out.buffer).toString('base64') };
}

function randomStateDict(r: Rng): Record<string, ReturnType<typeof makeTensor>> {
  const sd: Record<string, ReturnType<typeof makeTensor>> = {};
  const dtypes: FuzzDType[] = ['float32', 'int32', 'bool'];
  for (let k = 1 + pick(r, 3); k > 0; k--) {
    const shape = Array.from({ length: pick(r, 3) }, () => pick(r, 5));
    const dtype = dtypes[pick(r, 3)];
    sd[`layer${k}.w`] = makeTensor(shape, dtype, randomValues(dtype, shape.reduce((a, b) => a * b, 1), pick(r, 1e9)));
  }
  return sd;
}

/** Rewrites a safetensors header through fn, with a correct length prefix. */
function editHeader(buf: Buffer, fn: (h: unknown) => unknown): Buffer {
  const n = Number(buf.readBigUInt64LE(0));
  const text = JSON.stringify(fn(JSON.parse(buf.subarray(8, 8 + n).toString('utf8'))));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  return Buffer.concat([len, Buffer.from(text), buf.subarray(8 + n)]);
}

/** One mutation of a safetensors file (named in `how`). */
export function mutateSafetensors(r: Rng, buf: Buffer): { bytes: Buffer; how: string } {
  const n = Number(buf.readBigUInt64LE(0));
  const m = pick(r, 8);
  switch (m) {
    case 0: return { bytes: flipBits(r, buf, 0, 8 + n), how: 'bit flips in the header' };
    case 1: return { bytes: flipBits(r, buf, 8 + n), how: 'bit flips in the data' };
    case 2: return { bytes: truncate(r, buf), how: 'truncated' };
    case 3: {
      const out = Buffer.from(buf), v = [2n ** 63n, 2n ** 40n, 0n, 1n, BigInt(n + 8), BigInt(Math.max(n - 8, 0))][pick(r, 6)];
      out.writeBigUInt64LE(v);
      return { bytes: out, how: `header length set to ${v}` };
    }
    case 4: return { bytes: editHeader(buf, (h) => mutateJsonNumber(r, h)), how: 'a shape/offset number replaced' };
    case 5: return { bytes: editHeader(buf, (h) => mutateJsonStructure(r, h)), how: 'a header key or value replaced' };
    case 6: {
      const huge = HUGE_SIZES[pick(r, 9)];
      const bytes = editHeader(buf, (h) => ({ ...(h as object), big: { dtype: 'F32', shape: [huge, huge], data_offsets: [0, huge * huge * 4] } }));
      return { bytes, how: `a tensor of declared shape [${huge}, ${huge}] added` };
    }
    default: return { bytes: appendJunk(r, buf), how: 'junk appended' };
  }
}

/** One mutation of an IDX file; some are gzip bombs (a tiny file that inflates to 256 MiB). */
export function mutateIdx(r: Rng, buf: Buffer): { bytes: Buffer; how: string } {
  const raw = buf[0] === 0x1f ? zlib.gunzipSync(buf) : buf;
  const gz = buf[0] === 0x1f;
  const pack = (b: Buffer): Buffer => (gz ? zlib.gzipSync(b) : b);
  switch (pick(r, 7)) {
    case 0: return { bytes: flipBits(r, buf), how: 'bit flips' };
    case 1: return { bytes: pack(flipBits(r, raw, 0, Math.min(raw.length, 4 + 4 * raw[3]))), how: 'bit flips in the header' };
    case 2: return { bytes: truncate(r, buf), how: 'truncated' };
    case 3: {
      const out = Buffer.from(raw), d = pick(r, Math.max(out[3], 1)), v = [0, 2 ** 31 - 1, 2 ** 32 - 1, 65536, 1][pick(r, 5)];
      if (out.length >= 8 + 4 * d) out.writeUInt32BE(v, 4 + 4 * d);
      return { bytes: pack(out), how: `dim ${d} declared as ${v}` };
    }
    case 4: {
      const out = Buffer.from(raw);
      out[pick(r, 2) ? 3 : 2] = pick(r, 256);
      return { bytes: pack(out), how: 'rank or type byte replaced' };
    }
    case 5: return { bytes: pack(appendJunk(r, raw)), how: 'junk appended' };
    default: {
      // A valid [4] ubyte header followed by 256 MiB of zeros, as 256 gzip members of 1 MiB each.
      const member = zlib.gzipSync(Buffer.alloc(1 << 20));
      const head = zlib.gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 3, 4]));
      return { bytes: Buffer.concat([head, ...new Array<Buffer>(256).fill(member)]), how: 'gzip bomb (256 MiB inflated)' };
    }
  }
}

const NAMES = ['a', 'b', 'x1', 'label', 'y', 'z z'];

/** A random CSV table: header + rows of numbers, ints, strings and missing cells. */
function randomCsv(r: Rng): string {
  const cols = 1 + pick(r, 4), rows = pick(r, 12);
  const lines = [NAMES.slice(0, cols).join(',')];
  const kinds = Array.from({ length: cols }, () => pick(r, 3));
  for (let i = 0; i < rows; i++) {
    lines.push(kinds.map((k) => (pick(r, 10) === 0 ? 'NA' : k === 0 ? String(Math.fround(r() * 100 - 50)) : k === 1 ? String(pick(r, 1000) - 500) : `s${pick(r, 9)}`)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** One mutation of CSV text: bytes, quoting, header edits, extreme numbers, a long cell. */
export function mutateCsv(r: Rng, text: string): { bytes: Buffer; how: string } {
  const buf = Buffer.from(text);
  const lines = text.split('\n');
  switch (pick(r, 8)) {
    case 0: return { bytes: flipBits(r, buf), how: 'bit flips' };
    case 1: return { bytes: truncate(r, buf), how: 'truncated' };
    case 2: lines[0] = lines[0].replace(/[^,]+$/, lines[0].split(',')[0]); return { bytes: Buffer.from(lines.join('\n')), how: 'duplicate header name' };
    case 3: lines[0] = lines[0].split(',').slice(1).join(','); return { bytes: Buffer.from(lines.join('\n')), how: 'header cell dropped' };
    case 4: { const i = pick(r, buf.length + 1); return { bytes: Buffer.concat([buf.subarray(0, i), Buffer.from('"'), buf.subarray(i)]), how: 'unbalanced quote' }; }
    case 5: return { bytes: Buffer.from(text.replace(/-?\d+(\.\d+)?/, ['1e400', '-1e400', '0x1F', '1e-400', '9'.repeat(400)][pick(r, 5)])), how: 'extreme number' };
    case 6: { const l = 1 + pick(r, Math.max(lines.length - 1, 1)); lines[l] = `${lines[l] ?? ''},${'7'.repeat(1 << 16)}`; return { bytes: Buffer.from(lines.join('\n')), how: 'extra 64 KiB cell' }; }
    default: return { bytes: Buffer.from(`\ufeff${text}`.replace(/,/g, pick(r, 2) ? ';' : ',')), how: 'BOM / other delimiter' };
  }
}

/** Builds `perKind` mutated cases (plus one pristine file) of each format for one seed, under dir. */
export function buildCases(seed: number, dir: string, perKind: number): FileCase[] {
  const r = prng(seed), cases: FileCase[] = [];
  const file = (name: string, bytes: Buffer | string): string => { const p = path.join(dir, name); fs.writeFileSync(p, bytes); return p; };
  const add = (kind: Kind, i: number, p: string, how: string): void => { cases.push({ id: `${seed}/${kind}/${i}`, kind, path: p, how, pristine: i === 0 }); };
  tf.tidy(() => {
    const st = tf.io.serialize(randomStateDict(r));
    const ishape = [1 + pick(r, 4), pick(r, 5)];
    const idx = tf.data.encodeIdx(makeTensor(ishape, 'int32', randomValues('int32', ishape[0] * ishape[1], seed)).to(pick(r, 2) ? 'float32' : 'int32'));
    const idxFile = pick(r, 2) ? zlib.gzipSync(idx) : idx;
    const csv = randomCsv(r);
    const hidden = 1 + pick(r, 4);
    const model = new tf.nn.Sequential(new tf.nn.Linear(3, hidden), new tf.nn.ReLU(), new tf.nn.Linear(hidden, 2));
    const modelDir = path.join(dir, 'model0');
    tf.io.saveModel(model, modelDir);
    add('safetensors', 0, file('st0.safetensors', st), 'pristine');
    add('idx', 0, file('idx0', idxFile), 'pristine');
    add('csv', 0, file('csv0.csv', csv), 'pristine');
    add('model', 0, modelDir, 'pristine');
    const mjson = fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'), mweights = fs.readFileSync(path.join(modelDir, 'model.safetensors'));
    for (let i = 1; i <= perKind; i++) {
      let m = mutateSafetensors(r, st);
      add('safetensors', i, file(`st${i}.safetensors`, m.bytes), m.how);
      m = mutateIdx(r, idxFile);
      add('idx', i, file(`idx${i}`, m.bytes), m.how);
      m = mutateCsv(r, csv);
      add('csv', i, file(`csv${i}.csv`, m.bytes), m.how);
      const d = path.join(dir, `model${i}`);
      fs.mkdirSync(d);
      const mm = mutateModel(r, mjson, mweights);
      fs.writeFileSync(path.join(d, 'model.json'), mm.json);
      fs.writeFileSync(path.join(d, 'model.safetensors'), mm.weights);
      add('model', i, d, mm.how);
    }
  });
  return cases;
}

function mutateModel(r: Rng, json: string, weights: Buffer): { json: string; weights: Buffer; how: string } {
  switch (pick(r, 5)) {
    case 0: return { json: JSON.stringify(mutateJsonNumber(r, JSON.parse(json))), weights, how: 'model.json: a config number replaced' };
    case 1: return { json: JSON.stringify(mutateJsonStructure(r, JSON.parse(json))), weights, how: 'model.json: a key or value replaced' };
    case 2: return { json: flipBits(r, Buffer.from(json)).toString('latin1'), weights, how: 'model.json: bit flips' };
    case 3: {
      // Spliced in as text: building it as a JS value would overflow this process's stack first.
      const j = JSON.parse(json) as { architecture: unknown };
      j.architecture = '@DEEP@';
      const deep = pick(r, 2) ? deepNesting(100000) : `{"className":"Sequential","config":{"modules":${deepNesting(100000)}}}`;
      return { json: JSON.stringify(j).replace('"@DEEP@"', deep), weights, how: 'model.json: deeply nested architecture' };
    }
    default: {
      const m = mutateSafetensors(r, weights);
      return { json, weights: m.bytes, how: `model.safetensors: ${m.how}` };
    }
  }
}
