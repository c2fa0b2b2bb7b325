/**
 * Atomic file writes: data goes to a temporary file in the target's directory, is fsynced,
 * then renamed over the target (and the directory fsynced), so readers see the old file or
 * the complete new one, never a half-written file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';

/**
 * Writes the chunks produced by `write(fd)` to `file` atomically.
 * @example
 * import * as fs from 'fs';
 * import * as os from 'os';
 * import * as path from 'path';
 * import { io } from 'tensorforge';
 * io.writeFileAtomic(path.join(os.tmpdir(), 'note.txt'), (fd) => { fs.writeSync(fd, 'complete or absent\n'); });
 */
export function writeFileAtomic(file: string, write: (fd: number) => void): void {
  const dir = path.dirname(path.resolve(file));
  removeStaleTemps(dir, path.basename(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  let ok = false;
  try {
    write(fd);
    fs.fsyncSync(fd);
    ok = true;
  } finally {
    fs.closeSync(fd);
    if (!ok) try { fs.unlinkSync(tmp); } catch { /* already gone */ }
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  fsyncDir(dir);
}

/** Writes every byte of buf at the current position of fd. */
export function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

/** Whether process `pid` exists (EPERM: it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes `.<base>.<pid>.<hex>.tmp` files left in `dir` by writes of `base` whose process
 * died (a kill between open and rename); a live process's temporary is left alone.
 */
export function removeStaleTemps(dir: string, base: string): void {
  const re = new RegExp(`^\\.${escapeRe(base)}\\.(\\d+)\\.[0-9a-f]{12}\\.tmp$`);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = re.exec(n);
    if (m && !pidAlive(Number(m[1]))) try { fs.unlinkSync(path.join(dir, n)); } catch { /* raced with another cleaner */ }
  }
}

/** fsync a directory so renames and unlinks in it are durable. */
export function fsyncDir(dir: string): void {
  let dfd: number | null = null;
  try {
    dfd = fs.openSync(dir, 'r');
    fs.fsyncSync(dfd);
  } catch {
    // NOTE: some platforms/filesystems cannot fsync a directory; the rename is still atomic.
  } finally {
    if (dfd !== null) fs.closeSync(dfd);
  }
}
