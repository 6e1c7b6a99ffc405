/** The disk queue's file-level helpers: go-diskqueue file names, the 3-line metadata text, atomic replace, and full positional writes; no queue state lives here. */

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Read/write positions and depth as go-diskqueue persists them in `<name>.diskqueue.meta.dat`. */
export interface QueueMeta {
  depth: number;
  readFileNum: number;
  readPos: number;
  writeFileNum: number;
  writePos: number;
}

/** `<dataPath>/<name>.diskqueue.%06d.dat` (the number is zero-padded to 6 digits and may grow past them). */
export function dataFileName(dataPath: string, name: string, fileNum: number): string {
  return path.join(dataPath, `${name}.diskqueue.${String(fileNum).padStart(6, '0')}.dat`);
}

/**
 * Any queue's data or metadata file name, as dataFileName and metaFileName make them: [1] the queue's
 * name, [2] the data file's number (undefined for the metadata file). `.bad` files do not match.
 */
export const QUEUE_FILE = /^(.+)\.diskqueue\.(?:(\d{6,})|meta)\.dat$/;

/** `<dataPath>/<name>.diskqueue.meta.dat` */
export function metaFileName(dataPath: string, name: string): string {
  return path.join(dataPath, `${name}.diskqueue.meta.dat`);
}

/** The metadata text exactly as go-diskqueue writes it: `"<depth>\n<rf>,<rp>\n<wf>,<wp>\n"`. */
export function formatMeta(m: QueueMeta): string {
  return `${m.depth}\n${m.readFileNum},${m.readPos}\n${m.writeFileNum},${m.writePos}\n`;
}

const META_RE = /^\s*([-+]?\d+)\s*\n\s*([-+]?\d+),([-+]?\d+)\s*\n\s*([-+]?\d+),([-+]?\d+)\s*(\n|$)/;

/** Parses the metadata text (Go's `Fscanf("%d\n%d,%d\n%d,%d\n")`); null when it does not match or a value is out of range. */
export function parseMeta(text: string): QueueMeta | null {
  const m = META_RE.exec(text);
  if (m === null) return null;
  const v = m.slice(1, 6).map(Number);
  if (v.some((x) => !Number.isSafeInteger(x))) return null;
  const [depth, readFileNum, readPos, writeFileNum, writePos] = v as [number, number, number, number, number];
  if (readFileNum < 0 || readPos < 0 || writeFileNum < 0 || writePos < 0) return null;
  return { depth, readFileNum, readPos, writeFileNum, writePos };
}

/** Writes all of `buf[off, off+len)` at file position `pos`, looping over short writes; throws on an fs error. */
export function writeAll(fd: number, buf: Uint8Array, off: number, len: number, pos: number): void {
  let done = 0;
  while (done < len) done += fs.writeSync(fd, buf, off + done, len - done, pos + done);
}

/**
 * Atomic replace as go-diskqueue's persistMetaData: write `<file>.<randint>.tmp` (0600), fsync it,
 * rename it over `file`. The directory is not fsynced. The tmp file is removed if anything fails.
 */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${Math.floor(Math.random() * Number.MAX_SAFE_INTEGER)}.tmp`;
  const fd = fs.openSync(tmp, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC, 0o600);
  try {
    const buf = Buffer.from(text, 'latin1');
    writeAll(fd, buf, 0, buf.length, 0);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Removes a file; a missing file is not an error. Returns the error instead of throwing it. */
export function removeFile(file: string): NodeJS.ErrnoException | null {
  try {
    fs.unlinkSync(file);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code === 'ENOENT' ? null : e;
  }
}

/** The size of `file`, or -1 when it does not exist (other stat errors throw). */
export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw err;
  }
}

/** The file numbers of this queue's data files in `dataPath` (not `.bad` ones), ascending. */
export function listDataFiles(dataPath: string, name: string): number[] {
  const nums: number[] = [];
  for (const entry of fs.readdirSync(dataPath)) {
    const m = QUEUE_FILE.exec(entry);
    if (m !== null && m[1] === name && m[2] !== undefined) nums.push(Number(m[2]));
  }
  return nums.sort((a, b) => a - b);
}

/** Go-diskqueue's handling of a corrupt data file: renamed to `<file>.bad`, kept for inspection. */
export function quarantine(file: string, log: (level: 'warn' | 'error', msg: string) => void): void {
  const bad = `${file}.bad`;
  log('warn', `jump to next file and saving bad file as ${bad}`);
  try {
    fs.renameSync(file, bad);
  } catch (err) {
    log('error', `failed to rename bad diskqueue file ${file} to ${bad} - ${err}`);
  }
}
