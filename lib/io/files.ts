/**
 * Reading files users hand us: only regular files are opened (a FIFO would block forever, a
 * directory gives EISDIR), and a read never grows past what the caller allows.
 */
import * as fs from 'fs';

/** 'directory', 'FIFO', ... for an error message. */
function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Opens `file` for reading if it is a regular file; otherwise throws an Error naming `op`
 * and the file.
 * NOTE: O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; the
 * fstat on the open descriptor then refuses it (no gap between a check and the open).
 */
export function openRegular(op: string, file: string, verb = 'open'): number {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new Error(`${op}: cannot ${verb} ${file}: ${(e as Error).message}`);
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new Error(`${op}: ${file} is ${kindOf(st)}, expected a regular file`);
  }
  return fd;
}

/** Reads a whole regular file of at most `maxBytes` bytes. */
export function readRegularFile(op: string, file: string, maxBytes = 2 ** 31 - 1): Buffer {
  const fd = openRegular(op, file, 'read');
  try {
    const size = fs.fstatSync(fd).size;
    if (size > maxBytes) throw new Error(`${op}: ${file} is ${size} bytes, more than the ${maxBytes}-byte limit`);
    const buf = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const r = fs.readSync(fd, buf, got, size - got, got);
      if (r === 0) break;
      got += r;
    }
    return got === size ? buf : buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}
