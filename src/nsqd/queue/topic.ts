/**
 * A topic: its ID factory, the buffer that holds messages while it has no channel (or is paused),
 * and the fan-out that hands every channel its own copy of each message (the body is shared).
 * Owned by one shard.
 */

import type { DiskQueue } from '../disk/diskqueue.js';
import { Channel } from './channel.js';
import type { ShardContext } from './context.js';
import { MessageQueue } from './deque.js';
import { GuidFactory } from './guid.js';
import type { Message, PubBatch } from './message.js';
import type { DiskOwner } from './shard-disk.js';

export class Topic implements DiskOwner {
  readonly name: string;
  readonly ephemeral: boolean;
  readonly guid: GuidFactory;
  readonly channels = new Map<string, Channel>();
  /** channels in creation order, for allocation-free fan-out */
  private channelList: Channel[] = [];
  /** what waits while there is no channel (or the topic is paused) */
  readonly queue = new MessageQueue();
  /** DPUB messages that arrived while there was no channel: their deferral starts at fan-out */
  private held: Message[] = [];
  /** past --mem-queue-size while waiting at the topic, messages go here; null when ephemeral */
  readonly disk: DiskQueue | null;
  paused = false;
  /** new, waiting for the channels the lookupds list (nsqd starts a topic only after creating them) */
  waiting = false;
  messageCount = 0;
  messageBytes = 0;
  private readonly ctx: ShardContext;

  constructor(name: string, ctx: ShardContext) {
    this.name = name;
    this.ephemeral = name.endsWith('#ephemeral');
    this.ctx = ctx;
    this.guid = new GuidFactory(ctx.options.nodeId);
    this.disk = this.ephemeral ? null : ctx.disk.open(name);
  }

  /**
   * A new message, as its fields: every channel gets its own queue entry sharing the body.
   * `answered`: the publisher has its OK already, so a failed disk write keeps the message in
   * memory (the shard is unhealthy now) instead of failing the publish.
   */
  put(idHi: number, idLo: number, batch: PubBatch, offset: number, length: number, answered = false): void {
    this.messageCount++;
    this.messageBytes += length;
    const list = this.channelList;
    if (list.length === 0 || this.paused || this.waiting) {
      const d = this.disk;
      if (
        this.queue.length >= this.ctx.options.memQueueSize ||
        (d !== null && (this.ctx.durable || d.hasData))
      ) {
        // an ephemeral topic has no disk to overflow to: it drops, as nsqd does; a failed disk
        // write fails the publish with E_PUB_FAILED, unless it was answered already
        if (d === null) return;
        try {
          this.ctx.disk.stage(d, answered ? this : null, idHi, idLo, batch, offset, length, 0);
          return;
        } catch (err) {
          if (!answered) throw err;
        }
      }
      this.queue.push(idHi, idLo, batch, offset, length, 0);
      return;
    }
    for (let i = 0; i < list.length; i++) list[i]!.putNew(idHi, idLo, batch, offset, length);
  }

  // ---- DiskOwner: the end of a batch that staged records for this topic's queue ----

  keep(m: Message): void {
    this.queue.pushMessage(m);
  }

  written(): void {
    // read when a channel comes (drain)
  }

  /** a DPUB message (`m.pri` = due time on the shard clock) */
  putDeferred(m: Message): void {
    this.messageCount++;
    this.messageBytes += m.length;
    m.ownBody(); // parked until due: once here, every channel's copy shares it
    if (this.channelList.length === 0 || this.paused || this.waiting) {
      if (!this.dropsOverflow()) this.held.push(m);
      return;
    }
    this.fanOutDeferred(m);
  }

  /** an ephemeral topic has no disk to overflow to: past mem-queue-size it drops, as nsqd does */
  private dropsOverflow(): boolean {
    return this.ephemeral && this.queue.length + this.held.length >= this.ctx.options.memQueueSize;
  }

  private fanOutDeferred(m: Message): void {
    const list = this.channelList;
    const due = m.pri;
    // copies first: the first channel may deliver (and so change) the original
    for (let i = 1; i < list.length; i++) {
      const c = m.copy();
      c.pri = due;
      list[i]!.putDeferred(c);
    }
    list[0]!.putDeferred(m);
  }

  getOrCreateChannel(name: string): Channel {
    let ch = this.channels.get(name);
    if (ch === undefined) {
      ch = new Channel(this, name, this.ctx);
      this.channels.set(name, ch);
      this.channelList = [...this.channels.values()];
      this.ctx.log.info(`TOPIC(${this.name}): new channel(${name})`);
      if (!ch.ephemeral && !this.ephemeral) this.ctx.metaChanged();
      this.ctx.topologyChanged({ topic: this.name, channel: name, gone: false, waiting: false });
      this.drain();
    }
    return ch;
  }

  deleteChannel(ch: Channel): void {
    if (this.channels.get(ch.name) !== ch) return;
    ch.deleted = true;
    ch.empty();
    ch.deleteDisk();
    this.channels.delete(ch.name);
    this.channelList = [...this.channels.values()];
  }

  /** hand buffered messages to the channels, if there are any and the topic is not paused */
  drain(): void {
    const list = this.channelList;
    if (this.paused || this.waiting || list.length === 0) return;
    const q = this.queue;
    while (q.length > 0) {
      const hi = q.headIdHi;
      const lo = q.headIdLo;
      const batch = q.headBatch;
      const offset = q.headOffset;
      const length = q.headLength;
      q.drop();
      for (let i = 0; i < list.length; i++) list[i]!.putNew(hi, lo, batch, offset, length);
    }
    const held = this.held;
    this.held = [];
    for (const m of held) this.fanOutDeferred(m);
    if (this.disk?.hasData) this.ctx.scheduleDrain(this);
  }

  /**
   * Move up to `max` messages from the topic's disk to its channels; true while more remain.
   * Durable: the topic's records are released only once the channels' copies are fsynced.
   */
  drainDisk(max: number): boolean {
    const d = this.disk;
    const list = this.channelList;
    if (d === null || this.paused || this.waiting || list.length === 0) return false;
    let first = -1;
    let last = -1;
    let n = 0;
    for (; n < max; n++) {
      const m = this.ctx.disk.read(d);
      if (m === null) break;
      if (first < 0) first = m.ticket;
      last = m.ticket;
      for (let i = 0; i < list.length; i++) list[i]!.putNew(m.idHi, m.idLo, m.batch, m.offset, m.length);
    }
    if (first >= 0) this.releaseDrained(d, first, last);
    return n === max && d.hasData;
  }

  /** tickets first..last (consecutive) were copied into the channels: commit them, then let go */
  private releaseDrained(d: DiskQueue, first: number, last: number): void {
    try {
      this.ctx.disk.commit();
    } catch {
      return; // kept held: a restart redelivers them rather than losing them
    }
    for (let t = first; t <= last; t++) d.release(t);
  }

  /**
   * Clean shutdown, as nsqd's Topic.Close: every channel goes to disk, then what waits at the topic
   * goes to the topic's disk queue, which is synced and closed. Returns the messages written.
   */
  close(): number {
    const log = this.ctx.log;
    log.info(`TOPIC(${this.name}): closing`);
    log.info(`TOPIC(${this.name}): closing ... messagePump`);
    let written = 0;
    for (const ch of this.channels.values()) written += ch.flushToDisk();
    return written + this.flushToDisk();
  }

  private flushToDisk(): number {
    const n = this.queue.length + this.held.length;
    if (n > 0) this.ctx.log.info(`TOPIC(${this.name}): flushing ${n} memory messages to backend`);
    const d = this.disk;
    if (d === null) return 0; // ephemeral: dropped, as nsqd's dummy backend does
    for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift())
      this.ctx.disk.writeMessage(d, m);
    for (const m of this.held) this.ctx.disk.writeMessage(d, m); // DPUB deferral is lost, as in nsqd
    this.held = [];
    this.ctx.disk.close(d);
    return n;
  }

  /** deleted: its disk queue's files go too */
  deleteDisk(): void {
    if (this.disk !== null) this.ctx.disk.delete(this.disk);
  }

  /** the lookupds' channels are created: messages flow (nsqd's Topic.Start) */
  start(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.drain();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.ctx.metaChanged();
    if (!paused) this.drain();
  }

  /** drop what waits at the topic (its channels keep theirs) */
  empty(): void {
    this.queue.clear();
    this.held = [];
    this.disk?.empty();
  }

  get backendDepth(): number {
    return this.disk === null ? 0 : this.disk.depth;
  }

  get depth(): number {
    return this.queue.length + this.held.length + this.backendDepth;
  }
}
