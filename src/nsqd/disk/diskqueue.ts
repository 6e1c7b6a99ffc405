/** A go-diskqueue v1.1.0 compatible FIFO of byte records, driven synchronously by the shard that owns it; it alone touches its `<name>.diskqueue.*` files and never interprets a record. */

import { BackgroundSync } from './background-sync.js';
import { packRecord, RecordReader, RecordWriter } from './data-file.js';
import {
  dataFileName,
  formatMeta,
  metaFileName,
  type QueueMeta,
  quarantine,
  removeFile,
  writeFileAtomic,
} from './files.js';
import { HeldReads } from './held-reads.js';
import { type DiskLog, type DiskQueueOptions, validateOptions } from './options.js';
import { loadQueueState } from './recovery.js';

export type { DiskLog, DiskQueueOptions, QueueMeta };

/** Open/read errors that say nothing about the file's data: retried on the next peek, never quarantined. */
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EINTR', 'ENOMEM']);

function noLog(): void {}

export class DiskQueue {
  private readonly dataPath: string;
  private readonly name: string;
  private readonly maxBytesPerFile: number;
  private readonly minMsgSize: number;
  private readonly maxMsgSize: number;
  private readonly syncEvery: number;
  private readonly syncTimeoutMs: number;
  private readonly log: DiskLog;
  private readonly metaFile: string;
  // the persisted state
  private readFileNum = 0;
  private readPos = 0;
  private writeFileNum = 0;
  private writePos = 0;
  private depthN = 0;
  /** the record at readPos once read ahead: peek() hands it out, advance() takes it */
  private peeked: Buffer | null = null;
  private readonly reader: RecordReader;
  private readonly writer = new RecordWriter();
  // the sync policy: reads+writes since the last sync, writes alone, a pending sync, the tick deadline
  private count = 0;
  private writes = 0;
  private needSync = false;
  private nextTickAt = Number.NaN;
  private closed = false;
  /** durable mode: records handed out and not yet released (the persisted read position waits for them) */
  private readonly held: HeldReads | null;
  /** policy-driven syncs off the thread (null: they run inline) */
  private readonly background: BackgroundSync | null;

  private constructor(o: DiskQueueOptions) {
    this.dataPath = o.dataPath;
    this.name = o.name;
    this.maxBytesPerFile = o.maxBytesPerFile;
    this.minMsgSize = o.minMsgSize;
    this.maxMsgSize = o.maxMsgSize;
    this.syncEvery = o.syncEvery;
    this.syncTimeoutMs = o.syncTimeoutMs;
    this.log = o.log ?? noLog;
    this.metaFile = metaFileName(o.dataPath, o.name);
    this.reader = new RecordReader(o.minMsgSize, o.maxMsgSize);
    this.held = o.holdReads === true ? new HeldReads() : null;
    this.background =
      o.backgroundSync !== true
        ? null
        : new BackgroundSync(this.name, this.metaFile, this.log, this.writer, {
            snapshot: () => formatMeta(this.state),
            failed: () => {
              this.needSync = true;
            },
            closed: () => this.closed,
          });
  }

  /** Opens a queue (files are created on the first write): metadata, go-diskqueue's start-up checks, tail check. */
  static open(o: DiskQueueOptions): DiskQueue {
    validateOptions(o);
    const q = new DiskQueue(o);
    const { meta, dirty } = loadQueueState({ ...o, log: q.log });
    q.depthN = meta.depth;
    q.readFileNum = meta.readFileNum;
    q.readPos = meta.readPos;
    q.writeFileNum = meta.writeFileNum;
    q.writePos = meta.writePos;
    q.needSync = dirty;
    q.checkTail();
    return q;
  }

  /**
   * Records written and not yet taken (go-diskqueue's Depth()): reported, never used to decide
   * whether there is something to read (hasData is; after a crash the two may disagree until the
   * tail check reconciles them).
   */
  get depth(): number {
    return this.depthN;
  }

  /** The positions say a record is left to read (go-diskqueue's `readFileNum < writeFileNum || readPos < writePos`). */
  get hasData(): boolean {
    const rf = this.readFileNum;
    const wf = this.writeFileNum;
    return rf < wf || (rf === wf && this.readPos < this.writePos);
  }

  /** Reads + writes since the last sync (go-diskqueue's `count`). */
  get opsSinceSync(): number {
    return this.count;
  }

  /** Records put since the last sync: while non-zero, some records are only in the page cache. */
  get writesSinceSync(): number {
    return this.writes;
  }

  /** The policy wants a sync that has not happened yet (normally only after a failed one). */
  get needsSync(): boolean {
    return this.needSync || this.count >= this.syncEvery;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * The positions as the metadata file would record them now: with held reads, the read position
   * is the oldest unreleased record's and the depth counts every record from there on.
   */
  get state(): QueueMeta {
    const { depthN: depth, readFileNum, readPos, writeFileNum, writePos } = this;
    const h = this.held;
    if (h === null || h.empty) return { depth, readFileNum, readPos, writeFileNum, writePos };
    return {
      depth: depth + h.span,
      readFileNum: h.headFileNum,
      readPos: h.headPos,
      writeFileNum,
      writePos,
    };
  }

  /** Records handed out and not yet released (always 0 unless the queue holds reads). */
  get heldReads(): number {
    return this.held === null ? 0 : this.held.count;
  }

  /** Appends one record as `[int32 BE length][payload]` in one write; throws on a bad size or an fs error. */
  put(record: Uint8Array): void {
    this.ensureOpen();
    this.checkSize(record.length);
    const total = 4 + record.length;
    if (this.writePos > 0 && this.writePos + total > this.maxBytesPerFile) this.rollover();
    this.writeRecords(packRecord(record), total);
    this.wrote(total, 1);
    this.maybeSync();
  }

  /**
   * Appends packed records — `packed[0, len)` laid out as `[int32 BE length][payload]...` — in
   * order, with one write per data file touched, applying the rollover rule per record. All sizes
   * are checked before anything is written; on an fs error the records of earlier files stay
   * written (and counted in the depth) and the error is thrown.
   */
  putPacked(packed: Buffer, len: number): void {
    this.ensureOpen();
    let p = 0;
    while (p + 4 <= len) {
      const size = packed.readInt32BE(p);
      this.checkSize(size);
      p += 4 + size;
    }
    if (p !== len) throw new Error(`invalid packed records: ${len} bytes do not end on a record`);
    for (let i = 0; i < len; ) {
      const first = 4 + packed.readInt32BE(i);
      if (this.writePos > 0 && this.writePos + first > this.maxBytesPerFile) this.rollover();
      let j = i + first;
      let n = 1;
      for (; j < len; n++) {
        const next = 4 + packed.readInt32BE(j);
        if (this.writePos + (j - i) + next > this.maxBytesPerFile) break;
        j += next;
      }
      this.writeRecords(i === 0 ? packed : packed.subarray(i), j - i);
      this.wrote(j - i, n);
      i = j;
    }
    this.maybeSync();
  }

  /**
   * The next record's payload (a buffer the caller owns), or null when the queue is empty. It stays
   * the same record until advance(). Corrupt data is logged, quarantined and skipped, never thrown.
   */
  peek(): Buffer | null {
    if (this.peeked !== null || this.closed) return this.peeked;
    for (;;) {
      if (!this.hasData) {
        this.checkTail();
        this.maybeSync();
        return null;
      }
      try {
        if (!this.reader.isOpen) this.openReadFile();
        const end = this.readLimit();
        // rotation is decided before a header is read: the end of a complete file is not corruption
        if (this.readFileNum < this.writeFileNum && this.readPos >= end) this.finishReadFile();
        else return (this.peeked = this.reader.read(this.readPos, end));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== undefined && TRANSIENT.has(code)) {
          this.log('error', `DISKQUEUE(${this.name}) reading ${this.fileName(this.readFileNum)} - ${err}`);
          return null;
        }
        this.handleReadError(err instanceof Error ? err.message : String(err));
      }
      this.maybeSync();
    }
  }

  /**
   * The consumer took the record peek() returned: positions and depth advance and a finished complete
   * file is deleted. A no-op when nothing is peeked (so a record is never taken unseen). Returns the
   * record's ticket for release() when the queue holds reads, else -1.
   */
  advance(): number {
    if (this.peeked === null) return -1;
    this.peeked = null;
    const ticket = this.held === null ? -1 : this.held.hold(this.readFileNum, this.readPos);
    this.readPos = this.reader.next;
    this.depthN--;
    this.count++;
    if (this.readFileNum < this.writeFileNum && this.reader.isOpen) {
      try {
        if (this.readPos >= this.reader.completeSize()) this.finishReadFile();
      } catch {
        // fstat failed: the next peek decides, with its error handling
      }
    }
    this.checkTail();
    this.maybeSync();
    return ticket;
  }

  /**
   * The owner is done with a record advance() handed out (FINed, or written back as a new record):
   * the persisted read position may move past it, and files it kept are deleted.
   */
  release(ticket: number): void {
    const h = this.held;
    if (h === null || this.closed || !h.release(ticket)) return;
    this.count++;
    this.deletePassedFiles();
  }

  /** fsync the current write file, then persist the metadata (tmp + fsync + rename); throws on failure. */
  sync(): void {
    this.ensureOpen();
    this.writer.sync();
    this.background?.supersede();
    writeFileAtomic(this.metaFile, formatMeta(this.state));
    this.policySatisfied();
  }

  /**
   * Call periodically with a monotonic clock: syncs every syncTimeoutMs if there was activity
   * meanwhile. True while a later tick has a sync to do.
   */
  tick(nowMs: number): boolean {
    if (this.closed) return false;
    if (Number.isNaN(this.nextTickAt)) this.nextTickAt = nowMs + this.syncTimeoutMs;
    if (nowMs >= this.nextTickAt) {
      this.nextTickAt = nowMs + this.syncTimeoutMs;
      if (this.count > 0 || this.needSync) this.autoSync();
      if (this.peeked === null && !this.hasData) this.reader.release(); // an idle queue keeps no read buffer
    }
    return this.count > 0 || this.needSync;
  }

  /** Drops everything: deletes data files read..write, moves to a fresh write file, deletes the metadata file. */
  empty(): void {
    this.ensureOpen();
    this.log('info', `DISKQUEUE(${this.name}): emptying`);
    const err = this.skipToNextRWFile();
    this.background?.supersede();
    const metaErr = removeFile(this.metaFile);
    if (metaErr !== null)
      this.log('error', `DISKQUEUE(${this.name}) failed to remove metadata file - ${metaErr.message}`);
    this.policySatisfied();
    if (metaErr !== null) throw metaErr;
    if (err !== null) throw err;
  }

  /**
   * Closes the files and writes the metadata; the data file is not fsynced (as go-diskqueue's Close).
   * Held reads are dropped first: at a clean close the owner has written back what it still holds.
   */
  close(): void {
    if (this.closed) return;
    this.log('info', `DISKQUEUE(${this.name}): closing`);
    this.dropHeld();
    this.closeAll();
    this.background?.supersede();
    writeFileAtomic(this.metaFile, formatMeta(this.state));
  }

  /** close(), after an fsync of the current write file. */
  closeAndSync(): void {
    if (this.closed) return;
    let err: unknown = null;
    try {
      this.writer.sync();
    } catch (e) {
      err = e;
    }
    this.close();
    if (err !== null) throw err;
  }

  /** Topic/channel deletion: empty(), then close without persisting anything. */
  deleteQueue(): void {
    if (this.closed) return;
    this.log('info', `DISKQUEUE(${this.name}): deleting`);
    try {
      this.empty();
    } finally {
      this.closeAll();
    }
  }

  // --- write side ---

  private ensureOpen(): void {
    if (this.closed) throw new Error('exiting');
  }

  private checkSize(n: number): void {
    if (n < this.minMsgSize || n > this.maxMsgSize)
      throw new Error(
        `invalid message write size (${n}) minMsgSize=${this.minMsgSize} maxMsgSize=${this.maxMsgSize}`,
      );
  }

  /**
   * Starts a new write file: sync (fsyncs the old one, persists the new positions), then close the
   * old one (a background fsync keeps it open until done). With a background sync already running,
   * the old file is synced here: the next background one only covers the new file.
   */
  private rollover(): void {
    this.writeFileNum++;
    this.writePos = 0;
    this.autoSync(this.background?.busy === true);
    this.writer.close();
  }

  /** One positional write at writePos into the current write file (opened on the first write). */
  private writeRecords(buf: Buffer, len: number): void {
    if (!this.writer.isOpen) {
      const file = this.fileName(this.writeFileNum);
      this.writer.open(file);
      this.log('info', `DISKQUEUE(${this.name}): writeOne() opened ${file}`);
    }
    this.writer.write(buf, len, this.writePos);
  }

  private wrote(bytes: number, records: number): void {
    this.writePos += bytes;
    this.depthN += records;
    this.count += records;
    this.writes += records;
  }

  // --- read side ---

  private openReadFile(): void {
    const file = this.fileName(this.readFileNum);
    this.reader.open(file);
    this.log('info', `DISKQUEUE(${this.name}): readOne() opened ${file}`);
  }

  /** Where the read file's data ends: its actual size once complete, writePos while it is being written. */
  private readLimit(): number {
    return this.readFileNum < this.writeFileNum ? this.reader.completeSize() : this.writePos;
  }

  /** The reader is at the end of a complete file: delete it (once no held record is in it) and move on. */
  private finishReadFile(): void {
    const done = this.readFileNum;
    this.reader.close();
    this.readFileNum++;
    this.readPos = 0;
    this.needSync = true;
    if (this.held === null || this.held.mayDelete(done)) this.removeDataFile(done);
  }

  private removeDataFile(fileNum: number): void {
    const file = this.fileName(fileNum);
    const err = removeFile(file);
    if (err !== null) this.log('error', `DISKQUEUE(${this.name}) failed to Remove(${file}) - ${err.message}`);
  }

  /** deletes the kept files that the oldest held record has moved past */
  private deletePassedFiles(): void {
    for (const f of this.held?.passedFiles(this.readFileNum) ?? []) this.removeDataFile(f);
  }

  /** forgets every held record and deletes the files only they kept */
  private dropHeld(): void {
    if (this.held === null) return;
    this.held.clear();
    this.deletePassedFiles();
  }

  /** Quarantines the read file as `.bad` and skips to the next one (the writer too, if it is the same file). */
  private handleReadError(reason: string): void {
    const file = this.fileName(this.readFileNum);
    this.log('error', `DISKQUEUE(${this.name}) reading at ${this.readPos} of ${file} - ${reason}`);
    if (this.readFileNum === this.writeFileNum) {
      this.writer.close();
      this.writeFileNum++;
      this.writePos = 0;
    }
    this.reader.close();
    quarantine(file, (level, msg) => this.log(level, `DISKQUEUE(${this.name}) ${msg}`));
    this.readFileNum++;
    this.readPos = 0;
    this.needSync = true;
  }

  /** The reader has caught up with the writer: depth must be 0 and the positions must agree. */
  private checkTail(): void {
    if (this.hasData) return;
    const { depthN: depth, readFileNum: rf, readPos: rp, writeFileNum: wf, writePos: wp } = this;
    if (depth !== 0) {
      const why =
        depth < 0
          ? 'negative depth at tail (%d), metadata corruption'
          : 'positive depth at tail (%d), data loss';
      this.log('error', `DISKQUEUE(${this.name}) ${why.replace('%d', String(depth))}, resetting 0...`);
      this.depthN = 0;
      this.needSync = true;
    }
    if (rf !== wf || rp !== wp) {
      this.log(
        'error',
        `DISKQUEUE(${this.name}) read ${rf},${rp} > write ${wf},${wp}, corruption, skipping to next writeFileNum and resetting 0...`,
      );
      this.skipToNextRWFile();
      this.needSync = true;
    }
  }

  /** Deletes the data files read..write and restarts both sides at a fresh file with depth 0. */
  private skipToNextRWFile(): NodeJS.ErrnoException | null {
    this.reader.close();
    this.writer.close();
    this.dropHeld();
    let err: NodeJS.ErrnoException | null = null;
    for (let i = this.readFileNum; i <= this.writeFileNum; i++) {
      const e = removeFile(this.fileName(i));
      if (e === null) continue;
      this.log('error', `DISKQUEUE(${this.name}) failed to remove data file - ${e.message}`);
      err = e;
    }
    this.writeFileNum = Math.max(this.readFileNum, this.writeFileNum) + 1;
    this.writePos = 0;
    this.readFileNum = this.writeFileNum;
    this.readPos = 0;
    this.depthN = 0;
    this.peeked = null;
    return err;
  }

  // --- sync and files ---

  private maybeSync(): void {
    if (this.needSync || this.count >= this.syncEvery) this.autoSync();
  }

  /**
   * A policy-driven sync, in the background when the queue has one (unless `inline`): a failure is
   * logged and leaves the sync pending (retried later), never thrown.
   */
  private autoSync(inline = false): void {
    if (this.background !== null && !inline) {
      this.policySatisfied();
      this.background.request();
      return;
    }
    try {
      this.sync();
    } catch (err) {
      this.log('error', `DISKQUEUE(${this.name}) failed to sync - ${err}`);
      this.count = 0;
      this.needSync = true;
    }
  }

  /** what the sync policy counts starts again: a sync was done (or handed to the background) */
  private policySatisfied(): void {
    this.count = 0;
    this.writes = 0;
    this.needSync = false;
  }

  private fileName(fileNum: number): string {
    return dataFileName(this.dataPath, this.name, fileNum);
  }

  private closeAll(): void {
    this.closed = true;
    this.peeked = null;
    this.reader.close();
    this.reader.release();
    this.writer.close();
  }
}
