/**
 * Child process of the file fuzz: loads each case of a job file and appends one JSON line per
 * event to the job's log (synchronously, so a native crash or a kill loses nothing already
 * done): {start}, then {id, ok, ...}. Run: node file_child.js job.json
 */
import * as fs from 'fs';
import * as tf from '../../lib';
import type { Tensor } from '../../lib';
import type { FileCase, TensorSummary } from './formats';

interface Job { log: string; cases: FileCase[] }

const summary = (t: Tensor): TensorSummary => {
  const d = t.dataSync();
  return { dtype: t.dtype, shape: t.shape.slice(), b64: Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64') };
};

function load(c: FileCase): unknown {
  switch (c.kind) {
    case 'safetensors': {
      const sd = tf.io.load(c.path);
      return Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, summary(t)]));
    }
    case 'idx': return summary(tf.data.readIdx(c.path));
    case 'csv': {
      const t = tf.data.readCsv(c.path);
      return { names: t.names, numRows: t.numRows, columns: Object.fromEntries(t.names.map((n) => [n, Array.from(t.column(n) as ArrayLike<unknown>)])) };
    }
    case 'model': {
      const m = tf.io.loadModel(c.path);
      return Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, summary(t)]));
    }
  }
}

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as Job;
const emit = (o: object): void => fs.appendFileSync(job.log, `${JSON.stringify(o)}\n`);
for (const c of job.cases) {
  emit({ start: c.id, rssBeforeKiB: process.resourceUsage().maxRSS });
  let out: object;
  try {
    out = { id: c.id, ok: true, value: tf.tidy(() => load(c)) };
  } catch (e) {
    const isError = e instanceof Error;
    out = { id: c.id, ok: false, isError, name: isError ? e.constructor.name : typeof e, message: isError ? e.message : String(e) };
  }
  emit({ ...out, maxRssKiB: process.resourceUsage().maxRSS });
}
emit({ done: true });
