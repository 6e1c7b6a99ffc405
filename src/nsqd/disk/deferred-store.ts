/**
 * Beyond nsqd: one channel's deferred messages on disk, by due time (--persist-deferred). Go nsqd
 * keeps deferred messages in memory only and writes them into the channel's queue at shutdown, so a
 * restart delivers them early; this store keeps them, with their due time, in files of one minute's
 * due times each, and hands a minute's records back once it has begun. Owns the channel's store
 * directory and its files; knows nothing of messages (a record is a due time and opaque bytes).
 *
 * Directory `<data-path>/<topic>:<channel>.deferred/` (Go nsqd ignores directories), one file per
 * minute of due times, named by that minute (`<dueMs / 60000>.dat`), appended to:
 *
 *   +----------------+-------------------+-----------------+
 *   | size u32 (BE)  | due ms (2 × u32)  | payload ...     |   size = 8 + payload length
 *   +----------------+-------------------+-----------------+
 *
 * Writes wait in memory until flush() (the shard's queue scan, every 100 ms) and are then appended
 * and fsynced, one write per file; a truncated tail record (a crash mid-append) is skipped when the
 * file is read. A file is deleted once its records are handed back: from then on they live in
 * memory, as nsqd's deferred messages do, until due.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

/** the due times one file holds (ms): the longest a record loaded early waits in memory */
export const BUCKET_MS = 60_000;
/** what waits for flush() before it writes anyway */
const FLUSH_BYTES = 1024 * 1024;
const RECORD_HEAD = 12;
const BUCKET_FILE = /^(\d+)\.dat$/;

export class DeferredStore {
  private readonly dir: string;
  private readonly log: (msg: string) => void;
  /** records per bucket (on disk and waiting), by bucket number */
  private readonly counts = new Map<number, number>();
  /** bucket numbers, ascending */
  private buckets: number[] = [];
  /** records not yet written, per bucket */
  private readonly pending = new Map<number, Buffer[]>();
  private pendingBytes = 0;
  private total = 0;
  private dirMade: boolean;

  /** the store of the queue `name` (`topic:channel`), resuming what its files hold */
  constructor(dataPath: string, name: string, log: (msg: string) => void) {
    this.dir = path.join(dataPath, `${name}.deferred`);
    this.log = log;
    this.dirMade = false;
    let files: string[];
    try {
      files = fs.readdirSync(this.dir);
      this.dirMade = true;
    } catch {
      return; // nothing deferred to disk yet
    }
    for (const f of files) {
      const m = BUCKET_FILE.exec(f);
      if (m === null) continue;
      const n = countRecords(fs.readFileSync(path.join(this.dir, f)));
      if (n === 0) continue;
      this.note(Number(m[1]), n);
    }
  }

  /** whether the store directory exists (a store that was written to, even by an earlier run) */
  static exists(dataPath: string, name: string): boolean {
    return fs.existsSync(path.join(dataPath, `${name}.deferred`));
  }

  /** records in the store */
  get count(): number {
    return this.total;
  }

  /** the earliest due time a record may have (ms since the epoch); Infinity when empty */
  get nextDue(): number {
    return this.buckets.length === 0 ? Number.POSITIVE_INFINITY : this.buckets[0]! * BUCKET_MS;
  }

  private note(bucket: number, n: number): void {
    const had = this.counts.get(bucket);
    this.counts.set(bucket, (had ?? 0) + n);
    this.total += n;
    if (had === undefined) {
      let i = this.buckets.length;
      while (i > 0 && this.buckets[i - 1]! > bucket) i--;
      this.buckets.splice(i, 0, bucket);
    }
  }

  /** keep `payload` until `dueMs` (ms since the epoch); written at the next flush */
  add(dueMs: number, payload: Buffer): void {
    const bucket = Math.floor(dueMs / BUCKET_MS);
    const rec = Buffer.allocUnsafe(RECORD_HEAD + payload.length);
    rec.writeUInt32BE(8 + payload.length, 0);
    rec.writeUInt32BE(Math.floor(dueMs / 2 ** 32), 4);
    rec.writeUInt32BE(dueMs >>> 0, 8);
    payload.copy(rec, RECORD_HEAD);
    let list = this.pending.get(bucket);
    if (list === undefined) this.pending.set(bucket, (list = []));
    list.push(rec);
    this.pendingBytes += rec.length;
    this.note(bucket, 1);
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** append and fsync what waits, one write per file; throws on a failed write (what waits stays) */
  flush(): void {
    if (this.pending.size === 0) return;
    if (!this.dirMade) {
      fs.mkdirSync(this.dir, { recursive: true });
      this.dirMade = true;
    }
    for (const [bucket, recs] of this.pending) {
      appendSynced(this.file(bucket), recs);
      for (const r of recs) this.pendingBytes -= r.length;
      this.pending.delete(bucket);
    }
  }

  /**
   * Hand back every record of each bucket whose minute has begun by `nowMs` (so none is due later
   * than a minute from now), as `(dueMs, payload)`; their files are deleted.
   */
  takeBegun(nowMs: number, take: (dueMs: number, payload: Buffer) => void): void {
    while (this.buckets.length > 0 && this.buckets[0]! * BUCKET_MS <= nowMs) {
      const bucket = this.buckets.shift()!;
      this.total -= this.counts.get(bucket) ?? 0;
      this.counts.delete(bucket);
      const file = this.file(bucket);
      let data: Buffer | null = null;
      try {
        data = fs.readFileSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          this.log(`failed to read ${file} - ${(err as Error).message}`);
      }
      const waiting = this.pending.get(bucket);
      this.pending.delete(bucket);
      if (data !== null) eachRecord(data, take);
      for (const r of waiting ?? []) {
        this.pendingBytes -= r.length;
        eachRecord(r, take);
      }
      if (data !== null) fs.rmSync(file, { force: true });
    }
  }

  /** drop everything (the channel was emptied or deleted) */
  clear(): void {
    this.pending.clear();
    this.pendingBytes = 0;
    this.counts.clear();
    this.buckets = [];
    this.total = 0;
    if (this.dirMade) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dirMade = false;
  }

  private file(bucket: number): string {
    return path.join(this.dir, `${bucket}.dat`);
  }
}

function appendSynced(file: string, recs: readonly Buffer[]): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
  try {
    const data = recs.length === 1 ? recs[0]! : Buffer.concat(recs);
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** each whole record in `data`; a truncated tail is left off */
function eachRecord(data: Buffer, take: (dueMs: number, payload: Buffer) => void): void {
  let p = 0;
  while (p + RECORD_HEAD <= data.length) {
    const size = data.readUInt32BE(p);
    if (size < 8 || p + 4 + size > data.length) return;
    const due = data.readUInt32BE(p + 4) * 2 ** 32 + data.readUInt32BE(p + 8);
    take(due, data.subarray(p + RECORD_HEAD, p + 4 + size));
    p += 4 + size;
  }
}

function countRecords(data: Buffer): number {
  let n = 0;
  eachRecord(data, () => n++);
  return n;
}
