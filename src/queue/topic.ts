/**
 * A topic: its ID factory, the buffer that holds messages while it has no channel (or is paused),
 * and the fan-out that hands every channel its own copy of each message (the body is shared).
 * Owned by one shard.
 */

import { Channel } from './channel.js';
import type { ShardContext } from './context.js';
import { Deque } from './deque.js';
import { GuidFactory } from './guid.js';
import type { Message } from './message.js';

export class Topic {
  readonly name: string;
  readonly ephemeral: boolean;
  readonly guid: GuidFactory;
  readonly channels = new Map<string, Channel>();
  /** channels in creation order, for allocation-free fan-out */
  private channelList: Channel[] = [];
  readonly queue = new Deque();
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

  put(m: Message): void {
    this.messageCount++;
    this.messageBytes += m.length;
    if (this.channelList.length === 0 || this.paused) {
      // an ephemeral topic has no disk to overflow to: past mem-queue-size it drops, as nsqd does
      if (this.ephemeral && this.queue.length >= this.ctx.options.memQueueSize) return;
      this.queue.push(m);
      return;
    }
    this.fanOut(m);
  }

  private fanOut(m: Message): void {
    const list = this.channelList;
    if (list.length === 1) {
      list[0]!.putNew(m);
      return;
    }
    // the first channel may deliver (and so change) the original: copies keep the publish-time deferral
    const due = m.pri;
    list[0]!.putNew(m);
    for (let i = 1; i < list.length; i++) {
      const c = m.copy();
      c.pri = due;
      list[i]!.putNew(c);
    }
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
    if (this.paused || this.channelList.length === 0) return;
    for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift()) this.fanOut(m);
  }

  get depth(): number {
    return this.queue.length;
  }
}
