/**
 * The framing of a go-diskqueue data file: records `[int32 BE length][payload]` back to back, no file
 * header, no checksum. A read-ahead reader over one file, the writer appending to one, and the
 * packing of records for one write; it keeps no queue positions and knows nothing of what a payload
 * holds (queue/disk-message.ts does).
 */

import * as fs from 'node:fs';
import { writeAll } from './files.js';

/** Bytes read from a data file at a time; whole records are served from this buffer. */
const READ_CHUNK = 64 * 1024;
/** A staging buffer larger than this is dropped after use instead of kept. */
const STAGING_KEEP = 1 << 20;
const EMPTY = Buffer.alloc(0);

/** A record that cannot be read where the positions say it is: the caller quarantines the file. */
export class CorruptData extends Error {}

/** Reads whole records from one data file through a read-ahead buffer; positional, so no seeks. */
export class RecordReader {
  private readonly minSize: number;
  private readonly maxSize: number;
  private fd = -1;
  private size = -1;
  private buf: Buffer | null = null;
  private bufPos = 0;
  private bufLen = 0;
  /** file position just past the last record read */
  next = 0;

  constructor(minSize: number, maxSize: number) {
    this.minSize = minSize;
    this.maxSize = maxSize;
  }

  get isOpen(): boolean {
    return this.fd >= 0;
  }

  /** Opens `file` for reading; throws the fs error (ENOENT for a missing file). */
  open(file: string): void {
    this.close();
    this.fd = fs.openSync(file, 'r');
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    this.size = -1;
    this.bufLen = 0;
  }

  /** Drops the read-ahead buffer (an idle queue keeps none). */
  release(): void {
    this.buf = null;
    this.bufLen = 0;
  }

  /** The file's actual size, taken once: call it only when the file is complete (no longer written). */
  completeSize(): number {
    if (this.size < 0) this.size = fs.fstatSync(this.fd).size;
    return this.size;
  }

  /** The payload of the record at `pos` as a buffer the caller owns; the data ends at `end`. */
  read(pos: number, end: number): Buffer {
    if (pos + 4 > end) throw new CorruptData(`short read: ${end - pos} bytes left for a length header`);
    this.fill(pos, 4, end);
    const n = this.buf!.readInt32BE(pos - this.bufPos);
    if (n < this.minSize || n > this.maxSize) throw new CorruptData(`invalid message read size (${n})`);
    if (pos + 4 + n > end) throw new CorruptData(`short read: ${n} byte record at ${pos} runs past ${end}`);
    this.fill(pos + 4, n, end);
    const out = Buffer.allocUnsafe(n);
    const off = pos + 4 - this.bufPos;
    this.buf!.copy(out, 0, off, off + n);
    this.next = pos + 4 + n;
    return out;
  }

  /** Makes file bytes [pos, pos+need) available in buf, reading ahead up to READ_CHUNK but never past end. */
  private fill(pos: number, need: number, end: number): void {
    if (this.buf !== null && pos >= this.bufPos && pos + need <= this.bufPos + this.bufLen) return;
    const want = Math.min(Math.max(need, READ_CHUNK), end - pos);
    if (this.buf === null || this.buf.length < want)
      this.buf = Buffer.allocUnsafeSlow(Math.max(want, READ_CHUNK));
    const buf = this.buf;
    this.bufLen = 0;
    let got = 0;
    while (got < want) {
      const r = fs.readSync(this.fd, buf, got, want - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    this.bufPos = pos;
    this.bufLen = got;
    if (got < need) throw new CorruptData(`short read: ${got} of ${need} bytes at ${pos}`);
  }
}

/** The data file being appended to: opened on demand, written positionally, fsynced, closed. */
export class RecordWriter {
  private fd = -1;
  /** the descriptor a background fsync is using: closing it waits for unpin() */
  private pinned = -1;
  private closeWhenUnpinned = false;

  get isOpen(): boolean {
    return this.fd >= 0;
  }

  /** opens `file` for writing (the previous one must be closed) */
  open(file: string): void {
    this.fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  }

  /** Writes `buf[0, len)` at `pos`; on failure the partial tail is cut off, the file closed, the error thrown. */
  write(buf: Buffer, len: number, pos: number): void {
    try {
      writeAll(this.fd, buf, 0, len, pos);
    } catch (err) {
      try {
        fs.ftruncateSync(this.fd, pos);
      } catch {
        // the next write overwrites from pos anyway
      }
      this.close();
      throw err;
    } finally {
      trimStaging();
    }
  }

  /** fsync the open file (none open: nothing to do); on failure it is closed and the error thrown */
  sync(): void {
    if (this.fd < 0) return;
    try {
      fs.fsyncSync(this.fd);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Lends the open descriptor (-1: none) to a background fsync; close() leaves it open until unpin(). */
  pin(): number {
    this.pinned = this.fd;
    return this.fd;
  }

  unpin(fd: number): void {
    if (fd < 0 || fd !== this.pinned) return;
    this.pinned = -1;
    if (this.closeWhenUnpinned) {
      this.closeWhenUnpinned = false;
      closeFd(fd);
    }
  }

  close(): void {
    if (this.fd >= 0 && this.fd === this.pinned) this.closeWhenUnpinned = true;
    else if (this.fd >= 0) closeFd(this.fd);
    this.fd = -1;
  }
}

function closeFd(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // nothing left to do with a descriptor that will not close
  }
}

/** Write staging shared by every queue of this thread: queues run synchronously, one call at a time. */
let staging: Buffer = EMPTY;

/** Lays one record out as `[int32 BE length][payload]` in the thread's staging buffer and returns it; valid until the next pack. */
export function packRecord(record: Uint8Array): Buffer {
  const buf = stagingFor(4 + record.length);
  buf.writeInt32BE(record.length, 0);
  buf.set(record, 4);
  return buf;
}

/** Lets a one-off large staging buffer go once its write is done. */
function trimStaging(): void {
  if (staging.length > STAGING_KEEP) staging = EMPTY;
}

function stagingFor(size: number): Buffer {
  if (staging.length < size) staging = Buffer.allocUnsafeSlow(Math.max(size, READ_CHUNK));
  return staging;
}
