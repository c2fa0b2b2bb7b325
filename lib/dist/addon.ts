/**
 * Loader of the optional distributed addon `tensorforge_dist.node` (Gloo process groups),
 * built by `npm run build:dist` where libgloo-dev is installed. Loaded lazily on the first
 * process group, like the CUDA addon (lib/cuda.ts): importing tensorforge never needs it, and a
 * machine without it gets an error naming the package only when it asks for a process group.
 *
 * @example
 * import { distAvailable } from './addon';
 * if (!distAvailable().available) console.log(distAvailable().reason);
 */
import * as fs from 'fs';
import * as path from 'path';

/**
 * When the group's worker ran an op (ms on the monotonic clock of `process.hrtime`): what
 * each Backend method resolves to.
 * @example
 * const t0 = Number(process.hrtime.bigint()) / 1e6;
 * const timing: dist.OpTiming = { startMs: t0, endMs: t0 };   // a collective with nothing to move
 */
export interface OpTiming { startMs: number; endMs: number }

/** The native group: collectives on typed arrays, in place, in the order issued. */
export interface NativeProcessGroup {
  connect(): Promise<OpTiming>;
  /** With `signal` (an Int32Array over buf's ArrayBuffer) it starts once signal[0] != 0. */
  allReduce(buf: Float32Array | Int32Array, shape: readonly number[], reduce: number, checked?: boolean, signal?: Int32Array): Promise<OpTiming>;
  broadcast(buf: Float32Array | Int32Array, shape: readonly number[], root: number): Promise<OpTiming>;
  allGather(input: Float32Array | Int32Array, shape: readonly number[], output: Float32Array | Int32Array): Promise<OpTiming>;
  reduceScatter(input: Float32Array | Int32Array, shape: readonly number[], reduce: number, output: Float32Array | Int32Array): Promise<OpTiming>;
  barrier(): Promise<OpTiming>;
  destroy(): Promise<OpTiming>;
  /** How allreduce moves the bytes (after connect): 'shared memory' (every rank on this machine) or 'tcp'. */
  transport(): string;
}

export interface NativeGroupOptions {
  rank: number;
  worldSize: number;
  /** 'file:///dir' or 'redis://host:port'. */
  store: string;
  /** Key prefix in the store (one per job run). */
  prefix: string;
  timeoutMs: number;
  /** Address to listen on ('' = the host name's address). */
  host: string;
  /** Network interface to listen on ('' = by host). */
  iface: string;
}

export interface DistAddon {
  ProcessGroup: new (opts: NativeGroupOptions) => NativeProcessGroup;
  glooVersion: string;
}

const ROOT = path.join(__dirname, '..', '..', '..');

/** Where tensorforge_dist.node may live, first match wins (env TENSORFORGE_DIST_ADDON: only there). */
export function distAddonCandidates(): string[] {
  const env = process.env.TENSORFORGE_DIST_ADDON;
  const name = 'tensorforge_dist.node';
  if (env) return [path.resolve(env)];
  return [
    path.join(ROOT, 'build-dist', 'Release', name),
    path.join(ROOT, 'build-cmake', 'Release', name),
    path.join(ROOT, 'build', 'Release', name),
  ];
}

let loaded: { addon: DistAddon | null; reason: string } | null = null;

/**
 * Whether process groups can be created here, and why not.
 * @example
 * const { available, reason } = dist.distAvailable();
 * if (!available) console.log(`single process: ${reason}`);
 */
export function distAvailable(): { available: boolean; reason: string } {
  if (!loaded) {
    const file = distAddonCandidates().find((f) => fs.existsSync(f));
    if (!file) {
      loaded = {
        addon: null,
        reason: 'the distributed addon tensorforge_dist.node is not built: install Gloo (apt install libgloo-dev ' +
          'libhiredis-dev) and run `npm run build:dist`',
      };
    } else {
      try {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        loaded = { addon: require(file) as DistAddon, reason: '' };
      } catch (e) {
        loaded = { addon: null, reason: `failed to load ${file} (is libgloo0 from libgloo-dev installed?): ${(e as Error).message}` };
      }
    }
  }
  return { available: loaded.addon !== null, reason: loaded.reason };
}

/** The addon, or an Error naming libgloo-dev. */
export function distAddon(): DistAddon {
  const st = distAvailable();
  if (!st.available) throw new Error(`initProcessGroup: ${st.reason}`);
  return (loaded as { addon: DistAddon }).addon;
}
