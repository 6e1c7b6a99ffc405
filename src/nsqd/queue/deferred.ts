/**
 * A channel's deferred messages (DPUB, REQ with a delay): nsqd's in-memory heap by due time, and
 * beyond nsqd (--persist-deferred) its store on disk (disk/deferred-store.ts) for those past
 * --mem-queue-size and, at shutdown, for all of them, so a restart delivers them when due rather
 * than at once. Owns the heap and the store; the channel decides what a due message does.
 */

import type { DeferredStore } from '../disk/deferred-store.js';
import type { DiskQueue } from '../disk/diskqueue.js';
import type { ShardContext } from './context.js';
import { DISK_MESSAGE_HEADER, decodeDiskMessage, encodeDiskMessage } from './disk-message.js';
import { IndexedHeap } from './heap.js';
import type { Message } from './message.js';

export class Deferred {
  /** in memory, by due time (`Message.pri`, shard clock) */
  readonly heap = new IndexedHeap();
  /** on disk (--persist-deferred, or left by an earlier run); null for an ephemeral channel */
  private readonly store: DeferredStore | null;
  private readonly ctx: ShardContext;
  /** the channel's queue, whose held records (durable mode) a stored message lets go */
  private readonly disk: DiskQueue | null;
  private readonly name: string;

  constructor(ctx: ShardContext, name: string, disk: DiskQueue | null, store: DeferredStore | null) {
    this.ctx = ctx;
    this.name = name;
    this.disk = disk;
    this.store = store;
  }

  /** deferred messages, in memory and on disk */
  get length(): number {
    return this.heap.length + (this.store?.count ?? 0);
  }

  /** `m` (`m.pri` = due) waits: in memory up to --mem-queue-size, then (--persist-deferred) on disk */
  park(m: Message): void {
    const s = this.store;
    const o = this.ctx.options;
    if (s !== null && o.persistDeferred && this.heap.length >= o.memQueueSize) this.toStore(s, m);
    else this.heap.push(m);
  }

  private toStore(s: DeferredStore, m: Message): void {
    const rec = Buffer.allocUnsafe(DISK_MESSAGE_HEADER + m.length);
    encodeDiskMessage(rec, 0, m.idHi, m.idLo, m.batch, m.offset, m.length, m.attempts);
    s.add(this.ctx.wallNs() / 1e6 + (m.pri - this.ctx.now()), rec);
    if (m.ticket >= 0) {
      s.flush(); // durable: on disk here before its queue record is let go
      this.disk?.release(m.ticket);
    }
  }

  /** every message due by `now` (shard clock), taken out, to `due` */
  release(now: number, due: (m: Message) => void): void {
    let m = this.heap.peek();
    while (m !== undefined && m.pri <= now) {
      this.heap.pop();
      due(m);
      m = this.heap.peek();
    }
    const s = this.store;
    if (s !== null && s.count > 0) this.scanStore(s, now, due);
  }

  /** write what the store holds in memory, and take back the minutes that have begun */
  private scanStore(s: DeferredStore, now: number, due: (m: Message) => void): void {
    try {
      s.flush();
    } catch (err) {
      this.ctx.log.error(
        `CHANNEL(${this.name}): failed to write deferred messages - ${(err as Error).message}`,
      );
    }
    const wall = this.ctx.wallNs() / 1e6;
    if (s.nextDue > wall) return;
    s.takeBegun(wall, (dueMs, payload) => {
      const m = decodeDiskMessage(Buffer.from(payload));
      if (m === null) return;
      m.pri = now + Math.max(0, Math.ceil(dueMs - wall));
      if (m.pri <= now) due(m);
      else this.heap.push(m);
    });
  }

  /**
   * Clean shutdown: with --persist-deferred every message in memory goes to the store with its due
   * time; else (nsqd) each is handed to `write` (the channel's queue: a restart delivers it at once).
   * Returns how many there were in memory.
   */
  flush(write: (m: Message) => void): number {
    const n = this.heap.length;
    const s = this.store;
    if (s !== null && this.ctx.options.persistDeferred) {
      for (const m of this.heap.drain()) this.toStore(s, m);
      s.flush();
    } else {
      for (const m of this.heap.drain()) write(m);
      s?.flush();
    }
    return n;
  }

  /** drop them all (channel emptied or deleted: the store's files go too) */
  clear(): void {
    this.heap.drain();
    this.store?.clear();
  }
}
