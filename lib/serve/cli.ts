#!/usr/bin/env node
/**
 * `tensorforge serve <model>... [--port 8080] [--host 0.0.0.0] [--max-batch 32] [--max-delay-ms 5]
 * [--max-queue 1024] [--timeout-ms 30000] [--body-limit BYTES] [--workers 1] [--threads N]
 * [--input-shape 1,28,28] [--log-level info]`. Each model is `[name[:version]=]path` (see
 * discoverModels). SIGTERM or SIGINT: stop accepting, answer what is in flight, exit 0.
 */
import { parseArgs } from 'util';
import { createServer, type ServerOptions } from './server';
import { discoverModels } from './discover';

const USAGE = 'usage: tensorforge serve <model-dir|file.onnx|name[:version]=path>... [--port 8080] [--host 0.0.0.0] [--max-batch 32] [--max-delay-ms 5] ' +
  '[--max-queue 1024] [--timeout-ms 30000] [--body-limit BYTES] [--workers 1] [--threads N] [--input-shape 1,28,28] [--log-level info]';

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new RangeError(`tensorforge serve: --${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      port: { type: 'string', default: '8080' }, host: { type: 'string', default: '0.0.0.0' },
      'max-batch': { type: 'string' }, 'max-delay-ms': { type: 'string' }, 'max-queue': { type: 'string' }, 'timeout-ms': { type: 'string' },
      'body-limit': { type: 'string' }, workers: { type: 'string' }, threads: { type: 'string' }, 'input-shape': { type: 'string' },
      'log-level': { type: 'string', default: 'info' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const args = positionals[0] === 'serve' ? positionals.slice(1) : positionals;
  if (values.help || !args.length) {
    console.log(USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const shape = values['input-shape']?.split(',').map((d) => int('input-shape', d.trim()) as number);
  const opts: ServerOptions = {
    models: args.flatMap((a) => discoverModels(a, shape)),
    maxBatch: int('max-batch', values['max-batch']), maxDelayMs: int('max-delay-ms', values['max-delay-ms']),
    maxQueue: int('max-queue', values['max-queue']), timeoutMs: int('timeout-ms', values['timeout-ms']),
    bodyLimit: int('body-limit', values['body-limit']), workers: int('workers', values.workers), threads: int('threads', values.threads),
    logger: { level: values['log-level'] as string },
  };
  const server = createServer(opts);
  const address = await server.listen({ port: int('port', values.port), host: values.host });
  server.app.log.info(`serving ${opts.models.map((m) => `${m.name}/${m.version}`).join(', ')} at ${address}`);
  let stopping = false;
  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    server.app.log.info(`${sig}: draining and shutting down`);
    server.close().then(() => process.exit(0), (e: Error) => { console.error(e); process.exit(1); });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    console.error(`tensorforge serve: ${e.message}`);
    process.exit(1);
  });
}
