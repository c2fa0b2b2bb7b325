/**
 * Execution mode of the CPU backend. In `'async'` mode every op is queued on the addon's
 * CPU stream and JavaScript returns at once; a native thread runs the kernels in order (on
 * the thread pool), the way a CUDA stream does. Reading values synchronizes: `await
 * t.data()` / `t.itemAsync()` / `t.array()` resolve without blocking the event loop, while
 * `dataSync()`, `item()` and `toArray()` block until the tensor is computed. In `'sync'`
 * mode kernels run on the calling thread before the op returns.
 *
 * The default is `'async'`; env `TENSORFORGE_EXEC=sync` (read at load) or
 * `setExecutionMode('sync')` select the synchronous mode. Each worker thread has its own.
 *
 * @example
 * import { setExecutionMode, synchronize, randn } from 'tensorforge';
 * setExecutionMode('async');
 * const y = randn([512, 512]).matmul(randn([512, 512]));  // returns at once
 * const values = await y.data();                          // the loop stays free meanwhile
 */
import { native, type NativeStreamStats } from './native';
import type { Tensor } from './tensor';

/**
 * How CPU kernels run: queued on the addon's stream (`'async'`) or on the calling thread (`'sync'`).
 * @example
 * const mode: ExecutionMode = process.env.PROFILE ? 'sync' : 'async';
 * setExecutionMode(mode);
 */
export type ExecutionMode = 'sync' | 'async';

let mode: ExecutionMode = 'sync';

/**
 * Switches between queued (`'async'`) and immediate (`'sync'`) CPU kernels.
 * @example
 * setExecutionMode('sync');     // kernels run before each op returns (easier to profile op by op)
 * const y = randn([256, 256]).matmul(randn([256, 256]));
 * setExecutionMode('async');    // the default: ops are queued on the CPU stream
 */
export function setExecutionMode(m: ExecutionMode): void {
  if (m !== 'sync' && m !== 'async') {
    throw new TypeError(`setExecutionMode: mode must be 'sync' or 'async', got ${JSON.stringify(m)}`);
  }
  native.setAsync(m === 'async');
  mode = m;
}

/**
 * The current CPU execution mode.
 * @example
 * console.log(getExecutionMode());   // 'async' unless TENSORFORGE_EXEC=sync or setExecutionMode('sync')
 */
export function getExecutionMode(): ExecutionMode { return mode; }

/**
 * Blocks until every queued kernel has run (a no-op in sync mode).
 * @example synchronize(); const t0 = performance.now();
 */
export function synchronize(): void { native.synchronize(); }

/**
 * Resolves once every kernel queued so far has run, without blocking the event loop.
 * @example await whenIdle();
 */
export function whenIdle(): Promise<void> { return native.whenIdle(); }

/**
 * Queue statistics of the CPU stream (all zero in sync mode).
 * @example
 * const y = randn([512, 512]).matmul(randn([512, 512]));
 * console.log(streamStats());   // queue statistics of the CPU stream
 * await y.data();
 */
export function streamStats(): NativeStreamStats { return native.streamStats(); }

const envMode = process.env.TENSORFORGE_EXEC;
if (envMode !== undefined && envMode !== '' && envMode !== 'sync' && envMode !== 'async') {
  throw new TypeError(`TENSORFORGE_EXEC must be 'sync' or 'async', got ${JSON.stringify(envMode)}`);
}
setExecutionMode(envMode === 'sync' ? 'sync' : 'async');

const EMPTY = new Uint8Array(0);

/**
 * @internal Resolves once the kernels writing `t` have run (copying nothing), without
 * blocking the event loop; rejects with the error of a failed kernel `t` depends on.
 */
export function whenComputed(t: Tensor): Promise<void> {
  return t.kernels.readAsync(t.handle('whenComputed'), 0, EMPTY);
}

/** The error a cancelled `fit`/`evaluate`/`predict` throws: the signal's reason, else an AbortError. */
export function abortError(op: string, signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error(`${op}: aborted${r === undefined ? '' : `: ${String(r)}`}`);
  e.name = 'AbortError';
  return e;
}
