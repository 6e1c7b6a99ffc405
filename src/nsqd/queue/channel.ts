/**
 * A channel: its memory and disk queues, the in-flight map and deadline heap, and the deferred heap;
 * its Dispatcher picks which consumer gets the next message. Owned by one shard; never touches
 * sockets — deliveries leave through the shard's answers (CoreAnswers, shard-contract.ts).
 */

import { type Consumer, type DeliveryHost, Dispatcher } from '../delivery/dispatcher.js';
import type { DiskQueue } from '../disk/diskqueue.js';
import type { ShardContext } from './context.js';
import { Deferred } from './deferred.js';
import { MessageQueue } from './deque.js';
import { IndexedHeap } from './heap.js';
import { E2eLatency } from './latency.js';
import { dropOldest, QueueLimits } from './limits.js';
import { Message, type PubBatch } from './message.js';
import type { DiskOwner } from './shard-disk.js';
import type { Topic } from './topic.js';

/** a consumer of a channel (shard-core finds its channel through it) */
export type ChannelConsumer = Consumer<Channel>;

export class Channel implements DeliveryHost<Channel, Message>, DiskOwner {
  readonly topic: Topic;
  readonly name: string;
  readonly ephemeral: boolean;
  readonly queue = new MessageQueue();
  /** in-flight messages by idLo; the rare same-idLo messages hang off `Message.chain` */
  private readonly inFlight = new Map<number, Message>();
  inFlightCount = 0;
  readonly inFlightHeap = new IndexedHeap();
  /** DPUB and delayed REQ messages until due (beyond nsqd: on disk past --mem-queue-size, deferred.ts) */
  readonly deferred: Deferred;
  private readonly dispatcher: Dispatcher<Channel, Message>;
  paused = false;
  deleted = false;
  messageCount = 0;
  requeueCount = 0;
  timeoutCount = 0;
  /** past --mem-queue-size in memory, messages go here (`topic:channel`); null when ephemeral */
  readonly disk: DiskQueue | null;
  /** memory and disk both have messages: alternate, so neither starves */
  private diskTurn = false;
  /** publish → FIN latency window; null unless --e2e-processing-latency-percentile is set */
  readonly latency: E2eLatency | null;
  /** beyond nsqd: max attempts (dead letters), TTL, max depth (limits.ts) */
  readonly limits = new QueueLimits();
  private readonly ctx: ShardContext;

  constructor(topic: Topic, name: string, ctx: ShardContext) {
    this.topic = topic;
    this.name = name;
    this.ephemeral = name.endsWith('#ephemeral');
    this.ctx = ctx;
    this.disk = this.ephemeral ? null : ctx.disk.open(`${topic.name}:${name}`);
    const store = this.ephemeral ? null : ctx.disk.openDeferred(`${topic.name}:${name}`);
    this.deferred = new Deferred(ctx, name, this.disk, store);
    this.dispatcher = new Dispatcher(this, ctx);
    const o = ctx.options;
    this.limits.resolve(o, topic.limits.settings, topic.name);
    this.latency =
      o.e2eProcessingLatencyPercentiles.length > 0
        ? new E2eLatency(o.e2eProcessingLatencyWindowTime, ctx.now())
        : null;
  }

  /** a message from the topic's fan-out, as its fields (`attempts` 0 unless a dead letter's) */
  putNew(
    idHi: number,
    idLo: number,
    batch: PubBatch,
    offset: number,
    length: number,
    attempts: number,
  ): void {
    this.messageCount++;
    if (this.ctx.durable && this.disk !== null) {
      // durable publish: on disk before anything else; a failed write fails the publish
      if (this.limits.maxDepth > 0) this.makeRoom();
      this.ctx.disk.write(this.disk, idHi, idLo, batch, offset, length, attempts);
      this.pump();
      return;
    }
    if (
      this.dispatcher.hasReady &&
      !this.paused &&
      this.queue.length === 0 &&
      !this.onDisk &&
      !this.limits.policed
    ) {
      // someone is waiting and nothing is ahead of it: straight to delivery (in flight: kept)
      batch.retain();
      const m = new Message(idHi, idLo, batch, offset, length);
      m.attempts = attempts;
      this.dispatcher.offer(m);
      return;
    }
    this.enqueue(idHi, idLo, batch, offset, length, attempts);
    this.pump();
  }

  /** beyond nsqd: the topic's or this channel's settings changed (or were loaded) */
  applyLimits(): void {
    this.limits.resolve(this.ctx.options, this.topic.limits.settings, this.topic.name);
    this.pump();
  }

  /** max depth, drop-oldest: make room for one more (reject-new refused the publish before) */
  private makeRoom(): void {
    const l = this.limits;
    if (l.rejectNew) return;
    while (this.depth >= l.maxDepth && dropOldest(this.queue, this.disk, this.ctx.disk)) l.droppedCount++;
  }

  /**
   * At delivery, with a policy on: a message older than the TTL is dropped, one whose attempts are
   * spent goes to the dead-letter topic. Returns whether `m` was taken.
   */
  private police(m: Message): boolean {
    const l = this.limits;
    if (l.ttlNs > 0 && this.ctx.wallNs() - m.batch.timestampNs > l.ttlNs) {
      l.expiredCount++;
    } else if (l.deadTopic !== null && m.attempts >= l.maxAttempts) {
      l.deadLetterCount++;
      this.ctx.deadLetter(l.deadTopic, m);
    } else {
      return false;
    }
    if (m.ticket >= 0) this.disk?.release(m.ticket);
    return true;
  }

  /** a DPUB message from the topic (`m.pri` = due time); already due goes straight to the queue */
  putDeferred(m: Message): void {
    this.messageCount++;
    if (m.pri > this.ctx.now()) {
      this.deferred.park(m); // its body is its own already (Topic.putDeferred)
      return;
    }
    this.requeueNow(m);
    this.pump();
  }

  /**
   * nsqd's channel put: memory up to --mem-queue-size, then disk; an ephemeral channel drops the
   * overflow, as nsqd's dummy backend does. Beyond nsqd, while the disk queue has a backlog new
   * messages join it instead of refilling memory: memory then holds contiguous publishes only, so a
   * backlog on disk never keeps store slabs alive through scattered survivors. A failed disk write
   * keeps the message in memory (the shard turns unhealthy) rather than losing it.
   */
  private enqueue(
    idHi: number,
    idLo: number,
    batch: PubBatch,
    offset: number,
    length: number,
    attempts: number,
  ): void {
    if (this.limits.maxDepth > 0) this.makeRoom();
    if (this.overflows()) {
      if (this.disk === null) return;
      try {
        this.ctx.disk.stage(this.disk, this, idHi, idLo, batch, offset, length, attempts);
        return;
      } catch {
        // kept in memory below
      }
    }
    this.queue.push(idHi, idLo, batch, offset, length, attempts);
  }

  // ---- DiskOwner: the end of a batch that staged records for this channel's queue ----

  keep(m: Message): void {
    this.queue.pushMessage(m);
  }

  written(): void {
    this.pump();
  }

  private overflows(): boolean {
    return this.queue.length >= this.ctx.options.memQueueSize || this.onDisk;
  }

  /** the disk queue has messages left to read (by its positions, never by its depth counter) */
  private get onDisk(): boolean {
    return this.disk?.hasData === true;
  }

  /**
   * A message back from flight or deferral: memory (with a body of its own) or disk like any put.
   * Durable: always to disk, and only then is its old record released.
   */
  private requeueNow(m: Message): void {
    m.pri = 0;
    const d = this.disk;
    if (this.ctx.durable && d !== null) {
      try {
        this.ctx.disk.writeMessage(d, m);
      } catch {
        m.ownBody();
        this.queue.pushMessage(m); // the disk failed: kept in memory; its old record stays held
        return;
      }
      d.release(m.ticket);
      return;
    }
    if (!this.overflows()) m.ownBody();
    this.enqueue(m.idHi, m.idLo, m.batch, m.offset, m.length, m.attempts);
  }

  /** the subscribers, in round-robin order */
  get consumers(): readonly ChannelConsumer[] {
    return this.dispatcher.consumers;
  }

  addConsumer(conn: number, msgTimeout: number, sampleRate: number): ChannelConsumer {
    return this.dispatcher.add(conn, this, msgTimeout, sampleRate);
  }

  removeConsumer(c: ChannelConsumer): void {
    this.dispatcher.remove(c);
    if (this.ephemeral && this.dispatcher.consumers.length === 0) this.ctx.channelEmptied(this);
  }

  setReady(c: ChannelConsumer, count: number): void {
    this.dispatcher.setReady(c, count);
    this.pump();
  }

  startClose(c: ChannelConsumer): void {
    this.dispatcher.startClose(c);
  }

  /** deliver queued messages to ready consumers until one side runs out */
  pump(): void {
    while (this.dispatcher.hasReady && !this.paused) {
      const m = this.next();
      if (m === undefined) return;
      if (this.limits.policed && this.police(m)) continue;
      this.dispatcher.offer(m);
    }
  }

  /** the next queued message, from memory or disk (alternating while both have some) */
  private next(): Message | undefined {
    const d = this.disk;
    if (d?.hasData && (this.queue.length === 0 || (this.diskTurn = !this.diskTurn))) {
      const m = this.ctx.disk.read(d);
      if (m !== null) return m;
    }
    return this.queue.shift();
  }

  /** DeliveryHost: the dispatcher gave `m` to `c`: in flight until its deadline, then out */
  startFlight(c: ChannelConsumer, m: Message, last: boolean): void {
    const now = this.ctx.now();
    m.attempts = (m.attempts + 1) & 0xffff;
    m.owner = c;
    m.deliveredAt = now;
    m.pri = now + c.msgTimeout;
    this.addInFlight(m);
    this.inFlightHeap.push(m);
    this.ctx.outbox.deliver(c.conn, m, last);
  }

  /** DeliveryHost: sampled out, done with as nsqd drops it (a disk read's record is released) */
  dropSampled(m: Message): void {
    if (m.ticket >= 0) this.disk?.release(m.ticket);
  }

  private addInFlight(m: Message): void {
    const head = this.inFlight.get(m.idLo);
    m.chain = head ?? null;
    this.inFlight.set(m.idLo, m);
    this.inFlightCount++;
  }

  private findInFlight(hi: number, lo: number): Message | undefined {
    let m = this.inFlight.get(lo);
    while (m !== undefined && m.idHi !== hi) m = m.chain ?? undefined;
    return m;
  }

  private removeInFlight(m: Message): void {
    const head = this.inFlight.get(m.idLo);
    if (head === m) {
      if (m.chain === null) this.inFlight.delete(m.idLo);
      else this.inFlight.set(m.idLo, m.chain);
    } else {
      let p: Message | null = head ?? null;
      while (p !== null && p.chain !== m) p = p.chain;
      if (p !== null) p.chain = m.chain;
    }
    m.chain = null;
    this.inFlightCount--;
  }

  /** take an in-flight message back from its owner; a string is nsqd's failure reason */
  private settle(c: ChannelConsumer, hi: number, lo: number): Message | string {
    const m = this.findInFlight(hi, lo);
    if (m === undefined) return 'ID not in flight';
    if (m.owner !== c) return 'client does not own message';
    this.removeInFlight(m);
    this.inFlightHeap.remove(m);
    m.owner = null;
    this.dispatcher.landed(c);
    return m;
  }

  finish(c: ChannelConsumer, hi: number, lo: number): string | null {
    const m = this.settle(c, hi, lo);
    if (typeof m === 'string') return m;
    c.finishCount++;
    if (m.ticket >= 0) this.disk?.release(m.ticket);
    if (this.latency !== null) this.latency.record(this.ctx.wallNs() - m.batch.timestampNs, this.ctx.now());
    this.pump();
    return null;
  }

  requeue(c: ChannelConsumer, hi: number, lo: number, delayMs: number): string | null {
    const m = this.settle(c, hi, lo);
    if (typeof m === 'string') return m;
    this.requeueCount++;
    c.requeueCount++;
    if (delayMs > 0) {
      m.pri = this.ctx.now() + delayMs;
      m.ownBody();
      this.deferred.park(m);
    } else {
      this.requeueNow(m);
    }
    this.pump();
    return null;
  }

  touch(c: ChannelConsumer, hi: number, lo: number): string | null {
    const m = this.findInFlight(hi, lo);
    if (m === undefined) return 'ID not in flight';
    if (m.owner !== c) return 'client does not own message';
    const cap = m.deliveredAt + this.ctx.options.maxMsgTimeout;
    const deadline = this.ctx.now() + c.msgTimeout;
    m.pri = deadline > cap ? cap : deadline;
    this.inFlightHeap.update(m);
    return null;
  }

  /** requeue timed-out in-flight messages and release due deferred ones */
  scan(now: number): void {
    let m = this.inFlightHeap.peek();
    if (m !== undefined && m.pri <= now) {
      while (m !== undefined && m.pri <= now) {
        this.inFlightHeap.pop();
        this.removeInFlight(m);
        this.timeoutCount++;
        const owner = m.owner;
        m.owner = null;
        if (owner !== null) this.dispatcher.landed(owner);
        this.requeueNow(m);
        m = this.inFlightHeap.peek();
      }
    }
    this.deferred.release(now, this.releaseDue);
    this.pump();
  }

  /** a deferred message came due: queued like a requeue */
  private readonly releaseDue = (m: Message): void => this.requeueNow(m);

  /** the queue scan has something to look at here */
  get needsScan(): boolean {
    return this.inFlightHeap.length > 0 || this.deferred.length > 0;
  }

  /** deferred messages, in memory and (beyond nsqd) on disk */
  get deferredCount(): number {
    return this.deferred.length;
  }

  /** drop every queued, in-flight and deferred message (channel empty / delete) */
  empty(): void {
    this.queue.clear();
    for (const m of this.inFlightHeap.drain()) {
      m.chain = null;
      const owner = m.owner;
      m.owner = null;
      if (owner !== null) this.dispatcher.landed(owner);
    }
    this.inFlight.clear();
    this.inFlightCount = 0;
    this.deferred.clear();
    this.disk?.empty();
  }

  /** memory + disk, as nsqd counts it (in-flight and deferred are not in it) */
  get depth(): number {
    return this.queue.length + this.backendDepth;
  }

  get backendDepth(): number {
    return this.disk === null ? 0 : this.disk.depth;
  }

  /**
   * Clean shutdown: memory, then in-flight (with their attempts), then deferred messages go to the
   * disk queue, which is synced and closed. An ephemeral channel's messages are dropped. Logs as
   * nsqd's Channel.Close does; returns the messages written.
   */
  flushToDisk(): number {
    const log = this.ctx.log;
    log.info(`CHANNEL(${this.name}): closing`);
    const memory = this.queue.length;
    const inFlight = this.inFlightCount;
    const deferred = this.deferred.heap.length;
    if (memory + inFlight + deferred > 0) {
      log.info(
        `CHANNEL(${this.name}): flushing ${memory} memory ${inFlight} in-flight ${deferred} deferred messages to backend`,
      );
    }
    const d = this.disk;
    if (d === null) return 0;
    const disk = this.ctx.disk;
    for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift()) disk.writeMessage(d, m);
    for (const m of this.inFlightHeap.drain()) disk.writeMessage(d, m);
    // beyond nsqd, with --persist-deferred: to the deferred store, due as they were
    this.deferred.flush((m) => disk.writeMessage(d, m));
    this.inFlight.clear();
    this.inFlightCount = 0;
    disk.close(d);
    return memory + inFlight + deferred;
  }

  /** deleted: its disk queue's files (and deferred store) go too */
  deleteDisk(): void {
    if (this.disk !== null) this.ctx.disk.delete(this.disk);
    this.deferred.clear();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.ctx.metaChanged();
    if (!paused) this.pump();
  }
}
