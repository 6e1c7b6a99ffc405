/**
 * A topic: its ID factory, the buffer that holds messages while it has no channel (or is paused),
 * and the fan-out that hands every channel its own copy of each message (the body is shared).
 * Owned by one shard.
 */

import { Channel } from './channel.js';
import type { ShardContext } from './context.js';
import { MessageQueue } from './deque.js';
import { GuidFactory } from './guid.js';
import type { Message, PubBatch } from './message.js';

export class Topic {
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
  paused = false;
  messageCount = 0;
  messageBytes = 0;
  private readonly ctx: ShardContext;

  constructor(name: string, ctx: ShardContext) {
    this.name = name;
    this.ephemeral = name.endsWith('#ephemeral');
    this.ctx = ctx;
    this.guid = new GuidFactory(ctx.options.nodeId);
  }

  /** a new message, as its fields: every channel gets its own queue entry sharing the body */
  put(idHi: number, idLo: number, batch: PubBatch, offset: number, length: number): void {
    this.messageCount++;
    this.messageBytes += length;
    const list = this.channelList;
    if (list.length === 0 || this.paused) {
      if (this.dropsOverflow()) return;
      this.queue.push(idHi, idLo, batch, offset, length, 0);
      return;
    }
    for (let i = 0; i < list.length; i++) list[i]!.putNew(idHi, idLo, batch, offset, length);
  }

  /** a DPUB message (`m.pri` = due time on the shard clock) */
  putDeferred(m: Message): void {
    this.messageCount++;
    this.messageBytes += m.length;
    if (this.channelList.length === 0 || this.paused) {
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
      this.drain();
    }
    return ch;
  }

  deleteChannel(ch: Channel): void {
    if (this.channels.get(ch.name) !== ch) return;
    ch.deleted = true;
    ch.empty();
    this.channels.delete(ch.name);
    this.channelList = [...this.channels.values()];
  }

  /** hand buffered messages to the channels, if there are any and the topic is not paused */
  drain(): void {
    const list = this.channelList;
    if (this.paused || list.length === 0) return;
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
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.drain();
  }

  /** drop what waits at the topic (its channels keep theirs) */
  empty(): void {
    this.queue.clear();
    this.held = [];
  }

  get depth(): number {
    return this.queue.length + this.held.length;
  }
}
