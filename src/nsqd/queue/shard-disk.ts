/**
 * A shard's disk side: opens the go-diskqueue queues of its topics and channels (never for
 * ephemeral ones), writes messages into them through one scratch buffer, runs their sync timers,
 * and keeps the shard's health (nsqd's "NOK - <error>" after a failed write, OK after the next good
 * one). Only shards own one: disk I/O never happens on the io thread (except --workers=0, where the
 * io thread is the shard).
 */

import { DiskQueue } from '../disk/diskqueue.js';
import type { Options } from '../options/options.js';
import { DISK_MESSAGE_HEADER, encodeDiskMessage, readDiskMessage } from './disk-message.js';
import type { Message, PubBatch } from './message.js';

export interface ShardDiskEvents {
  /** the health changed: null = OK, else the error text */
  health(error: string | null): void;
  log(level: 'info' | 'warn' | 'error', msg: string): void;
}

export class ShardDisk {
  private readonly options: Options;
  private readonly events: ShardDiskEvents;
  /** one message is encoded here (disk-message.ts) before the queue copies it into a record */
  private scratch: Buffer;
  private readonly queues = new Set<DiskQueue>();
  private error: string | null = null;
  /** queues written since the last commit (durable publish) */
  private readonly dirty = new Set<DiskQueue>();

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
    });
    this.queues.add(q);
    return q;
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

  /** write one message (as its fields); throws after marking the shard unhealthy */
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
      const n = encodeDiskMessage(this.scratch, idHi, idLo, batch, offset, length, attempts);
      q.put(this.scratch.subarray(0, n));
    } catch (err) {
      this.setError(`failed to write to diskqueue - ${(err as Error).message}`);
      throw err;
    }
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
  tick(nowMs: number): void {
    for (const q of this.queues) q.tick(nowMs);
  }

  get health(): string | null {
    return this.error;
  }

  private setError(e: string | null): void {
    this.error = e;
    this.events.health(e);
  }
}
