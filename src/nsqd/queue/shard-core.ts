/**
 * Everything one shard owns: its topics (and through them channels, queues, in-flight and deferred
 * heaps) and the consumer state of every connection subscribed to one of them. It is driven by
 * plain method calls — from the ring decoder in a worker, or directly on the io thread with
 * --workers=0 — and answers only through its CoreAnswers (see shard-contract.ts).
 * Transport-agnostic: no rings, no sockets.
 */

import { formatGoDuration } from '../../go/duration.js';
import { Logger } from '../../log.js';
import { protocolError } from '../../wire/errors.js';
import { MSG_ID_LENGTH, parsedId, parseIdHex } from '../../wire/msgid.js';
import { type CoreAnswers, MPUB, PREACKED, type PubKind, type ShardCommands } from '../contract/shard.js';
import type { TopologyChange } from '../contract/topology.js';
import type { Options } from '../options/options.js';
import { BodyStore } from './body-store.js';
import type { Channel, ChannelConsumer } from './channel.js';
import type { ShardContext } from './context.js';
import { decodeDiskMessage } from './disk-message.js';
import { Message, PubBatch } from './message.js';
import { ShardDisk } from './shard-disk.js';
import { Topic } from './topic.js';

const PUB_NAMES = ['PUB', 'MPUB', 'DPUB'] as const;
const PUB_CODES = ['E_PUB_FAILED', 'E_MPUB_FAILED', 'E_DPUB_FAILED'] as const;

/** the shard clock: whole ms since this thread started (small integers: deadlines stay unboxed) */
function shardClockMs(): number {
  return Math.floor(performance.now());
}

/** the wall clock for publish timestamps: ns since the epoch (a double) */
function wallClockNs(): number {
  return (performance.timeOrigin + performance.now()) * 1e6;
}

/** what the shard core tells the thread that runs it (all optional: tests run without them) */
export interface ShardHooks {
  /** the shard's health changed: null = OK, else "failed to write to diskqueue - ..." */
  health(error: string | null): void;
  /** where the shard's log lines go: the io thread's logger inline, a forwarding one in a worker */
  readonly log: Logger;
  /** nsqd.dat needs rewriting: a non-ephemeral topic/channel came or went, or a pause flag changed */
  metaChanged(): void;
  /** work ran outside a command or tick (a disk drain): flush what it produced */
  afterAsync(): void;
  /** this shard owns `topic` (a dead letter for one it does not is forwarded); inline: every topic */
  isLocal(topic: string): boolean;
  /** a topic or channel came or went (for the lookupd registrar on the io thread) */
  topology(ev: TopologyChange): void;
}

const NO_HOOKS: ShardHooks = {
  health() {},
  log: Logger.silent(),
  metaChanged() {},
  afterAsync() {},
  isLocal: () => true,
  topology() {},
};
/** records a topic hands from its disk to its channels per turn */
const DRAIN_SLICE = 5000;

export class ShardCore implements ShardCommands {
  readonly topics = new Map<string, Topic>();
  /** the shard clock (ms), for admin and stats code outside the core */
  readonly now: () => number;
  readonly consumers = new Map<number, ChannelConsumer>();
  readonly options: Options;
  readonly log: Logger;
  private readonly store = new BodyStore();
  private readonly ctx: ShardContext;
  private exiting = false;
  /** new topics hold their messages until the io thread sends their lookupd channels (startTopic) */
  holdNewTopics = false;

  readonly disk: ShardDisk;
  private readonly hooks: ShardHooks;
  private readonly draining = new Set<Topic>();
  /** durable publish: answers waiting for the next group commit */
  private readonly commitConns: number[] = [];
  private readonly commitKinds: PubKind[] = [];
  private commitArmed = false;
  private drainArmed = false;
  /** dead letters of this turn (beyond nsqd), placed once the command that made them is done */
  private deadLetters: { topic: string; m: Message }[] = [];

  constructor(
    options: Options,
    answers: CoreAnswers,
    now: () => number = shardClockMs,
    random = Math.random,
    hooks: Partial<ShardHooks> = {},
  ) {
    this.now = now;
    this.options = options;
    this.hooks = { ...NO_HOOKS, ...hooks };
    const log = this.hooks.log;
    this.log = log;
    this.disk = new ShardDisk(options, {
      health: (e) => this.hooks.health(e),
      log: (l, m) => log[l](m),
    });
    this.ctx = {
      outbox: answers,
      options,
      now,
      wallNs: wallClockNs,
      random,
      log,
      durable: options.syncPublish,
      disk: this.disk,
      scheduleDrain: (t) => this.scheduleDrain(t),
      metaChanged: () => this.hooks.metaChanged(),
      topologyChanged: (ev) => this.hooks.topology(ev),
      channelEmptied: (ch) => this.deleteChannel(ch),
      deadLetter: (topic, m) => this.deadLetter(topic, m),
    };
  }

  private scheduleDrain(t: Topic): void {
    this.draining.add(t);
    if (this.drainArmed) return;
    this.drainArmed = true;
    setImmediate(() => this.runDrains());
  }

  /** topics with messages on disk feed their channels a slice per turn, so commands keep flowing */
  private runDrains(): void {
    this.drainArmed = false;
    if (this.exiting) return; // the disk queues are closed at shutdown
    this.disk.beginBatch();
    for (const t of this.draining) {
      if (!this.topics.has(t.name) || !t.drainDisk(DRAIN_SLICE)) this.draining.delete(t);
    }
    // channels own every record a drain stages: a failed write leaves them in memory, not an error
    this.disk.endBatch();
    this.hooks.afterAsync();
    if (this.draining.size > 0) {
      this.drainArmed = true;
      setImmediate(() => this.runDrains());
    }
  }

  /** PUB or DPUB: `src[start, end)` is the body */
  publishOne(
    conn: number,
    kind: PubKind,
    topicName: string,
    deferMs: number,
    src: Buffer,
    start: number,
    end: number,
  ): void {
    this.accept(conn, kind, topicName, deferMs, src, start, end, 1, false);
  }

  /** MPUB: `src[start, end)` holds `count` messages as `[u32 size][body]...`; `deferMs` from /mpub?defer= */
  publishBatch(
    conn: number,
    topicName: string,
    src: Buffer,
    start: number,
    end: number,
    count: number,
    deferMs: number,
  ): void {
    this.accept(conn, MPUB, topicName, deferMs, src, start, end, count, true);
  }

  /** a dead letter another shard forwarded: `buf[start, end)` is the message as a frame's data */
  adopt(topicName: string, buf: Buffer, start: number, end: number): void {
    const m = decodeDiskMessage(Buffer.from(buf.subarray(start, end)));
    if (m === null || this.exiting) return;
    this.place(topicName, m);
  }

  /**
   * Beyond nsqd: a channel dead-lettered `m` (its attempts spent) for `topic`. It is placed once the
   * current command is done (so no queue is re-entered): here when this shard owns the topic, else
   * forwarded to the shard that does, through the io thread.
   */
  private deadLetter(topic: string, m: Message): void {
    this.deadLetters.push({ topic, m });
    if (this.deadLetters.length === 1) setImmediate(() => this.placeDeadLetters());
  }

  private placeDeadLetters(): void {
    const list = this.deadLetters;
    if (list.length === 0) return;
    this.deadLetters = [];
    for (const { topic, m } of list) {
      if (this.hooks.isLocal(topic)) this.place(topic, m);
      else this.ctx.outbox.forward(topic, m);
    }
    this.hooks.afterAsync();
  }

  /** a dead letter into a topic of this shard, with its ID, timestamp, attempts and body */
  private place(topicName: string, m: Message): void {
    m.ownBody();
    this.disk.beginBatch();
    this.getOrCreateTopic(topicName).adopt(m);
    this.disk.endBatch();
  }

  /** the bytes are copied into the body store at most once, for all the messages they hold, and only if one is kept in memory */
  private accept(
    conn: number,
    kind: PubKind,
    topicName: string,
    deferMs: number,
    src: Buffer,
    start: number,
    end: number,
    count: number,
    framed: boolean,
  ): void {
    const topic = this.topicFor(conn, kind, topicName);
    if (topic === null) return;
    if (conn !== PREACKED && topic.rejects(count)) {
      // beyond nsqd: a reject-new queue at its max depth (the io thread pre-acks none while one
      // exists); the connection stays open, so the publisher may retry once there is room
      const text = `${PUB_NAMES[kind]} failed ${topic.rejectReason}`;
      this.ctx.outbox.error(conn, { ...protocolError(PUB_CODES[kind], text), fatal: false });
      return;
    }
    const due = deferMs > 0 ? this.ctx.now() + deferMs : 0;
    const nowNs = this.ctx.wallNs();
    const batch = PubBatch.arriving(src, start, end, this.store, nowNs);
    const guid = topic.guid;
    const answered = conn === PREACKED;
    // the publish's disk records are written together, one write per queue
    this.disk.beginBatch();
    let failure: Error | null = null;
    let p = start;
    try {
      for (let i = 0; i < count; i++) {
        let len = end - start;
        if (framed) {
          len = src.readUInt32BE(p);
          p += 4;
        }
        guid.next(nowNs);
        if (due === 0) {
          topic.put(guid.hi, guid.lo, batch, p, len, answered);
        } else {
          const m = new Message(guid.hi, guid.lo, batch, p, len);
          m.pri = due;
          topic.putDeferred(m);
        }
        p += len;
      }
    } catch (err) {
      failure = err as Error;
    }
    failure ??= this.disk.endBatch();
    batch.settle();
    if (failure !== null) {
      // the topic's disk queue refused a write: nsqd answers E_PUB_FAILED (the shard is now NOK)
      const text = `${PUB_NAMES[kind]} failed ${failure.message}`;
      this.ctx.outbox.error(conn, protocolError(PUB_CODES[kind], text));
      return;
    }
    if (answered) return;
    if (this.ctx.durable) this.awaitCommit(conn, kind);
    else this.ctx.outbox.ok(conn);
  }

  /**
   * Durable publish: the answer waits for one fsync of every queue written since the last
   * commit. The commit runs once the current batch of commands is done, so publishers that
   * arrive together share it (group commit).
   */
  private awaitCommit(conn: number, kind: PubKind): void {
    this.commitConns.push(conn);
    this.commitKinds.push(kind);
    if (this.commitArmed) return;
    this.commitArmed = true;
    setImmediate(() => this.commit());
  }

  private commit(): void {
    this.commitArmed = false;
    let failure: string | null = null;
    try {
      this.disk.commit();
    } catch (err) {
      failure = (err as Error).message;
    }
    const out = this.ctx.outbox;
    for (let i = 0; i < this.commitConns.length; i++) {
      const conn = this.commitConns[i]!;
      const kind = this.commitKinds[i]!;
      if (failure === null) out.ok(conn);
      else out.error(conn, protocolError(PUB_CODES[kind], `${PUB_NAMES[kind]} failed ${failure}`));
    }
    this.commitConns.length = 0;
    this.commitKinds.length = 0;
    this.hooks.afterAsync();
  }

  private topicFor(conn: number, kind: PubKind, topicName: string): Topic | null {
    if (this.exiting) {
      this.ctx.outbox.error(conn, protocolError(PUB_CODES[kind], `${PUB_NAMES[kind]} failed exiting`));
      return null;
    }
    return this.getOrCreateTopic(topicName);
  }

  subscribe(
    conn: number,
    topicName: string,
    channelName: string,
    msgTimeout: number,
    sampleRate: number,
  ): void {
    if (this.exiting) {
      this.ctx.outbox.error(conn, protocolError('E_SUB_FAILED', 'SUB failed exiting'));
      return;
    }
    const topic = this.getOrCreateTopic(topicName);
    const channel = topic.getOrCreateChannel(channelName);
    const max = this.ctx.options.maxChannelConsumers;
    if (max !== 0 && channel.consumers.length >= max) {
      this.ctx.outbox.error(
        conn,
        protocolError(
          'E_SUB_FAILED',
          `SUB failed consumers for ${topicName}:${channelName} exceeds limit of ${max}`,
        ),
      );
      return;
    }
    this.consumers.set(conn, channel.addConsumer(conn, msgTimeout, sampleRate));
    this.ctx.outbox.ok(conn);
  }

  ready(conn: number, count: number): void {
    const c = this.consumers.get(conn);
    if (c !== undefined && !c.closing) c.channel.setReady(c, count);
  }

  /** FIN, REQ and TOUCH name the message by its 16 wire bytes at buf[idStart] */
  finish(conn: number, buf: Buffer, idStart: number): void {
    const c = this.consumers.get(conn);
    let reason = 'ID not in flight';
    if (c !== undefined && parseIdHex(buf, idStart)) {
      const r = c.channel.finish(c, parsedId.hi, parsedId.lo);
      if (r === null) return;
      reason = r;
    }
    this.fail(conn, 'E_FIN_FAILED', 'FIN', buf, idStart, reason);
  }

  requeue(conn: number, buf: Buffer, idStart: number, delayMs: number): void {
    const c = this.consumers.get(conn);
    let reason = this.exiting ? 'exiting' : 'ID not in flight';
    if (!this.exiting && c !== undefined && parseIdHex(buf, idStart)) {
      const r = c.channel.requeue(c, parsedId.hi, parsedId.lo, delayMs);
      if (r === null) return;
      reason = r;
    }
    this.fail(conn, 'E_REQ_FAILED', 'REQ', buf, idStart, reason);
  }

  touch(conn: number, buf: Buffer, idStart: number): void {
    const c = this.consumers.get(conn);
    let reason = 'ID not in flight';
    if (c !== undefined && parseIdHex(buf, idStart)) {
      const r = c.channel.touch(c, parsedId.hi, parsedId.lo);
      if (r === null) return;
      reason = r;
    }
    this.fail(conn, 'E_TOUCH_FAILED', 'TOUCH', buf, idStart, reason);
  }

  /** nsqd's non-fatal `<CMD> <id> failed <reason>`, with the ID exactly as the client sent it */
  private fail(
    conn: number,
    code: 'E_FIN_FAILED' | 'E_REQ_FAILED' | 'E_TOUCH_FAILED',
    cmd: string,
    buf: Buffer,
    idStart: number,
    reason: string,
  ): void {
    const id = buf.toString('latin1', idStart, idStart + MSG_ID_LENGTH);
    this.ctx.outbox.error(conn, protocolError(code, `${cmd} ${id} failed ${reason}`));
  }

  /** CLS: RDY 0 and no more deliveries; FIN/REQ/TOUCH keep working */
  startClose(conn: number): void {
    const c = this.consumers.get(conn);
    if (c !== undefined) c.channel.startClose(c);
  }

  /** the connection is gone: its consumer leaves; its in-flight messages wait out their timeouts */
  disconnect(conn: number): void {
    const c = this.consumers.get(conn);
    if (c === undefined) return;
    this.consumers.delete(conn);
    c.channel.removeConsumer(c);
  }

  /** the queue scan: timeouts and due deferred messages, for every channel */
  /** the queue scan; true while something (in flight, deferred, a sync due) needs the next one */
  tick(): boolean {
    const now = this.ctx.now();
    let busy = false;
    for (const topic of this.topics.values()) {
      for (const ch of topic.channels.values()) {
        if (!ch.needsScan) continue;
        ch.scan(now);
        busy = true;
      }
    }
    return this.disk.tick(now) || busy;
  }

  /** refuse new work from now on (shutdown) */
  stop(): void {
    this.exiting = true;
  }

  /**
   * Clean shutdown: refuse new work, then every channel's memory, in-flight and deferred messages
   * and every topic's waiting messages go to their disk queues, which are synced and closed.
   * Ephemeral topics and channels have no disk: theirs are dropped, as in nsqd. Logs nsqd's
   * closing and flushing lines per topic and channel, then this shard's total and the time it took.
   */
  shutdown(index = 0): void {
    this.placeDeadLetters(); // before the queues close
    this.exiting = true;
    this.draining.clear();
    const started = performance.now();
    let channels = 0;
    let written = 0;
    for (const topic of this.topics.values()) {
      channels += topic.channels.size;
      written += topic.close();
    }
    const took = formatGoDuration(performance.now() - started);
    this.log.info(
      `SHARD(${index}): wrote ${written} messages of ${this.topics.size} topic(s), ${channels} channel(s) to disk in ${took}`,
    );
  }

  getOrCreateTopic(name: string): Topic {
    let t = this.topics.get(name);
    if (t === undefined) {
      t = new Topic(name, this.ctx);
      t.waiting = this.holdNewTopics;
      this.topics.set(name, t);
      this.log.info(`TOPIC(${name}): created`);
      if (!t.ephemeral) this.hooks.metaChanged();
      this.hooks.topology({ topic: name, channel: '', gone: false, waiting: t.waiting });
    }
    return t;
  }

  /**
   * delete a channel (admin, or an ephemeral one whose last consumer left): its subscribers are
   * closed, its messages dropped; an ephemeral topic left without channels goes too, as in nsqd
   */
  deleteChannel(ch: Channel): void {
    const topic = ch.topic;
    this.log.info(`TOPIC(${topic.name}): deleting channel ${ch.name}`);
    this.dropChannel(ch);
    if (topic.ephemeral && topic.channels.size === 0) this.deleteTopic(topic);
  }

  private dropChannel(ch: Channel): void {
    this.log.info(`CHANNEL(${ch.name}): deleting`);
    for (const c of [...ch.consumers]) {
      this.consumers.delete(c.conn);
      this.ctx.outbox.close(c.conn);
      c.gone = true;
    }
    ch.topic.deleteChannel(ch);
    if (!ch.ephemeral) this.hooks.metaChanged();
    this.hooks.topology({ topic: ch.topic.name, channel: ch.name, gone: true, waiting: false });
  }

  /** delete a topic: its channels (closing their subscribers) and its disk files */
  deleteTopic(topic: Topic): void {
    this.log.info(`TOPIC(${topic.name}): deleting`);
    this.log.info(`TOPIC(${topic.name}): closing ... messagePump`);
    for (const ch of [...topic.channels.values()]) this.dropChannel(ch);
    topic.deleteDisk();
    this.topics.delete(topic.name);
    this.draining.delete(topic);
    if (!topic.ephemeral) this.hooks.metaChanged();
    this.hooks.topology({ topic: topic.name, channel: '', gone: true, waiting: false });
  }
}
