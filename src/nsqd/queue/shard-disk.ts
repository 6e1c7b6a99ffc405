/**
 * A shard's disk side: opens the go-diskqueue queues of its topics and channels (never for
 * ephemeral ones), writes messages into them — one at a time through one scratch buffer, or staged
 * for the length of a batch (a publish, a drain slice) and then written with one write per queue —
 * runs their sync timers, and keeps the shard's health (nsqd's "NOK - <error>" after a failed
 * write, OK after the next good one). Only shards own one: disk I/O never happens on the io thread
 * (except --workers=0, where the io thread is the shard).
 */

import { DeferredStore } from '../disk/deferred-store.js';
import { DiskQueue } from '../disk/diskqueue.js';
import type { Options } from '../options/options.js';
import {
  DISK_MESSAGE_HEADER,
  decodeDiskMessage,
  encodeDiskMessage,
  readDiskMessage,
} from './disk-message.js';
import type { Message, PubBatch } from './message.js';

export interface ShardDiskEvents {
  /** the health changed: null = OK, else the error text */
  health(error: string | null): void;
  log(level: 'info' | 'warn' | 'error', msg: string): void;
}

/** the topic or channel a batch stages records for: what becomes of them when the batch is written */
export interface DiskOwner {
  /** the batch's write failed: `m` (with a body of its own) is not on disk; keep it in memory */
  keep(m: Message): void;
  /** the batch's records are on disk: there is something to read */
  written(): void;
}

/** one queue's records staged in the current batch, packed as its data file holds them */
interface Staged {
  readonly q: DiskQueue;
  /** null: a failed write fails the batch (the publisher gets E_PUB_FAILED) */
  readonly owner: DiskOwner | null;
  buf: Buffer;
  len: number;
}

/** a staging buffer's first size: an MPUB of 200 × 200 B stages 46 KB for each queue it reaches */
const STAGING_MIN = 64 * 1024;
/** staging buffers kept for the next batch: how many, and up to what size */
const SPARE_BUFFERS = 8;
const STAGING_KEEP = 1024 * 1024;

export class ShardDisk {
  private readonly options: Options;
  private readonly events: ShardDiskEvents;
  /** one message is encoded here (disk-message.ts) before the queue copies it into a record */
  private scratch: Buffer;
  private readonly queues = new Set<DiskQueue>();
  private error: string | null = null;
  /** queues written since the last commit (durable publish) */
  private readonly dirty = new Set<DiskQueue>();
  /** between beginBatch and endBatch: stage() stages, per queue in first-staged order */
  private batching = false;
  private readonly staged = new Map<DiskQueue, Staged>();
  /** staging buffers between batches */
  private readonly spare: Buffer[] = [];

  constructor(options: Options, events: ShardDiskEvents) {
    this.options = options;
    this.events = events;
    this.scratch = Buffer.allocUnsafe(DISK_MESSAGE_HEADER + Math.min(options.maxMsgSize, 64 * 1024));
  }

  /**
   * the queue named like nsqd's (`topic` or `topic:channel`), resuming whatever is on disk; with
   * --sync-publish its reads are held until released, so a crash redelivers what was not finished
   */
  open(name: string): DiskQueue {
    const o = this.options;
    const q = DiskQueue.open({
      dataPath: o.dataPath === '' ? process.cwd() : o.dataPath,
      name,
      maxBytesPerFile: o.maxBytesPerFile,
      minMsgSize: DISK_MESSAGE_HEADER,
      maxMsgSize: o.maxMsgSize + DISK_MESSAGE_HEADER,
      syncEvery: o.syncEvery,
      syncTimeoutMs: o.syncTimeout,
      log: (level, msg) => this.events.log(level, msg),
      holdReads: o.syncPublish,
      backgroundSync: true,
    });
    this.queues.add(q);
    return q;
  }

  /**
   * Beyond nsqd: the deferred store of the channel queue `name` (disk/deferred-store.ts) with
   * --persist-deferred, or where an earlier run left one (it is read whatever the flag); else null
   */
  openDeferred(name: string): DeferredStore | null {
    const o = this.options;
    const dataPath = o.dataPath === '' ? process.cwd() : o.dataPath;
    if (!o.persistDeferred && !DeferredStore.exists(dataPath, name)) return null;
    return new DeferredStore(dataPath, name, (msg) => this.events.log('error', msg));
  }

  /** shutdown: sync and close a queue */
  close(q: DiskQueue): void {
    q.closeAndSync();
    this.queues.delete(q);
  }

  /** its topic or channel was deleted: the files go too */
  delete(q: DiskQueue): void {
    q.deleteQueue();
    this.queues.delete(q);
    this.dirty.delete(q);
  }

  /** write one message (as its fields) now; throws after marking the shard unhealthy */
  write(
    q: DiskQueue,
    idHi: number,
    idLo: number,
    batch: PubBatch,
    offset: number,
    length: number,
    attempts: number,
  ): void {
    try {
      if (DISK_MESSAGE_HEADER + length > this.scratch.length)
        this.scratch = Buffer.allocUnsafe(DISK_MESSAGE_HEADER + length);
      const n = encodeDiskMessage(this.scratch, 0, idHi, idLo, batch, offset, length, attempts);
      q.put(this.scratch.subarray(0, n));
    } catch (err) {
      this.setError(`failed to write to diskqueue - ${(err as Error).message}`);
      throw err;
    }
    this.wroteOk(q);
  }

  /**
   * Write one message for `owner`: inside a batch it is staged (and written, or handed back to the
   * owner, at endBatch); outside one it is written now, as write().
   */
  stage(
    q: DiskQueue,
    owner: DiskOwner | null,
    idHi: number,
    idLo: number,
    batch: PubBatch,
    offset: number,
    length: number,
    attempts: number,
  ): void {
    if (!this.batching) {
      this.write(q, idHi, idLo, batch, offset, length, attempts);
      return;
    }
    let s = this.staged.get(q);
    if (s === undefined) {
      s = { q, owner, buf: this.spare.pop() ?? Buffer.allocUnsafe(STAGING_MIN), len: 0 };
      this.staged.set(q, s);
    }
    const need = s.len + 4 + DISK_MESSAGE_HEADER + length;
    if (need > s.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * s.buf.length));
      s.buf.copy(grown, 0, 0, s.len);
      s.buf = grown;
    }
    const n = encodeDiskMessage(s.buf, s.len + 4, idHi, idLo, batch, offset, length, attempts);
    s.buf.writeInt32BE(n, s.len);
    s.len += 4 + n;
  }

  /**
   * From here to endBatch, stage() collects records per queue (the bodies must stay valid until
   * then). Not with --sync-publish: there every write goes out at once and the commit answers.
   */
  beginBatch(): void {
    this.batching = !this.options.syncPublish;
  }

  /**
   * Write what the batch staged, one putPacked per queue. Records a failed write left off go back
   * to their owner (kept in memory); where there is none, the first such error is returned (the
   * batch's publish failed). Never throws.
   */
  endBatch(): Error | null {
    this.batching = false;
    if (this.staged.size === 0) return null; // the common case: everything stayed in memory
    let failure: Error | null = null;
    for (const { q, owner, buf, len } of this.staged.values()) {
      if (!q.isClosed) {
        const before = q.depth;
        try {
          q.putPacked(buf, len);
          this.wroteOk(q);
        } catch (err) {
          this.setError(`failed to write to diskqueue - ${(err as Error).message}`);
          if (owner === null) failure ??= err as Error;
          else this.handBack(owner, buf, len, q.depth - before);
        }
        owner?.written();
      }
      if (buf.length <= STAGING_KEEP && this.spare.length < SPARE_BUFFERS) this.spare.push(buf);
    }
    this.staged.clear();
    return failure;
  }

  /** the records of `buf[0, len)` after the first `written` go back to `owner`, each with a body of its own */
  private handBack(owner: DiskOwner, buf: Buffer, len: number, written: number): void {
    for (let p = 0, i = 0; p < len; i++) {
      const size = buf.readInt32BE(p);
      p += 4;
      if (i >= written) {
        const m = decodeDiskMessage(Buffer.from(buf.subarray(p, p + size)));
        if (m !== null) owner.keep(m);
      }
      p += size;
    }
  }

  private wroteOk(q: DiskQueue): void {
    this.dirty.add(q);
    if (this.error !== null) this.setError(null);
  }

  /** fsync every queue written since the last commit (one group commit); throws on failure */
  commit(): void {
    try {
      for (const q of this.dirty) if (!q.isClosed) q.sync();
    } catch (err) {
      this.setError(`failed to sync diskqueue - ${(err as Error).message}`);
      throw err;
    } finally {
      this.dirty.clear();
    }
  }

  writeMessage(q: DiskQueue, m: Message): void {
    this.write(q, m.idHi, m.idLo, m.batch, m.offset, m.length, m.attempts);
  }

  read(q: DiskQueue): Message | null {
    return readDiskMessage(q);
  }

  /** the sync timers of every queue (--sync-timeout) */
  /** true while a queue has a sync to do on a later tick */
  tick(nowMs: number): boolean {
    let pending = false;
    for (const q of this.queues) if (q.tick(nowMs)) pending = true;
    return pending;
  }

  get health(): string | null {
    return this.error;
  }

  private setError(e: string | null): void {
    this.error = e;
    this.events.health(e);
  }
}
