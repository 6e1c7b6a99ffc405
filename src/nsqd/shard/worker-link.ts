/**
 * The io thread's side of one worker shard: a ShardLink that encodes commands as records on the
 * shard's inbound ring (see ring-records.ts), and the decoder of the shard's outbound ring into
 * ShardAnswers. When the inbound ring is full it waits on the ring's space doorbell and then tells
 * the answers `ringSpace()`. Owns the producer end of the inbound ring and the consumer end of the
 * outbound ring; nothing else.
 */

import { MSG_ID_LENGTH } from '../../wire/msgid.js';
import { type Flushable, scheduleFlush } from '../acceptor/flush-queue.js';
import {
  DOORBELL_TIMEOUT_MS,
  IN_ADOPT,
  IN_CLS,
  IN_FIN,
  IN_GONE,
  IN_MARK,
  IN_PUB_BATCH,
  IN_PUB_ONE,
  IN_RDY,
  IN_REQ,
  IN_SUB,
  IN_TOUCH,
  type IoAnswers,
  PREACKED,
  type PubKind,
  type ShardLink,
} from '../contract/shard.js';
import { RingReader, RingWriter, ringRecordBytes } from './ring.js';
import * as R from './ring-records.js';
import { doorbellTimeout, SpinPolicy } from './spin.js';

export class WorkerLink implements ShardLink {
  readonly index: number;
  private readonly in: RingWriter;
  private readonly out: RingReader;
  private readonly answers: IoAnswers;
  /** GONE records that did not fit; sent before anything else once there is room */
  private readonly gone: number[] = [];
  private dirty = false;
  private flushArmed = false;
  /** waiting on the inbound ring's space doorbell */
  private spaceArmed = false;
  private stopped = false;
  /** --sync-publish: OK means fsynced, so only the shard can say it */
  private readonly durable: boolean;
  /** the shard's last report: no failed disk write since the last good one */
  healthy = true;
  /** beyond nsqd: a reject-new max depth may refuse a publish, so OK is the shard's to say */
  preAckBlocked = false;
  /** publishes the ring before this round's responses are written */
  private readonly beforeOk: Flushable = { flushScheduled: false, flush: () => this.flushRing() };

  /**
   * With several io threads: the shard's publish counter ([0], shared by every io thread's link to
   * it); each published batch starts with an IN_MARK record holding its count. Null: one io thread.
   */
  private readonly order: Int32Array | null;
  /** where the open batch's IN_MARK count goes, -1 while no batch is open */
  private markPos = -1;

  /**
   * `bell`: the inbound ring whose doorbell wakes the shard (its first; see ring.ts); `order`: the
   * shard's publish counter with several io threads
   */
  constructor(
    index: number,
    inbound: SharedArrayBuffer,
    outbound: SharedArrayBuffer,
    answers: IoAnswers,
    durable: boolean,
    bell: SharedArrayBuffer = inbound,
    order: Int32Array | null = null,
  ) {
    this.index = index;
    this.durable = durable;
    this.order = order;
    this.in = new RingWriter(inbound, bell);
    this.out = new RingReader(outbound);
    this.answers = answers;
  }

  get preAcks(): boolean {
    return this.healthy && !this.durable && !this.stopped && !this.preAckBlocked;
  }

  // ---- inbound: commands ----

  /** open a record of HEAD + `payload` bytes; false (and a wait for space) when it does not fit */
  private open(payload: number): boolean {
    if (this.gone.length > 0 && !this.sendGone()) return false;
    if (this.begin(R.HEAD + payload)) return true;
    this.awaitSpace();
    return false;
  }

  /** begin a record of `bytes`, after the batch's IN_MARK where a batch opens (several io threads) */
  private begin(bytes: number): boolean {
    if (this.order !== null && this.markPos === -1) {
      if (this.in.free() < ringRecordBytes(R.HEAD + 4) + ringRecordBytes(bytes)) return false;
      this.in.begin(R.HEAD + 4);
      const w = this.in;
      w.u8(IN_MARK);
      w.u8(0);
      w.u8(0);
      w.u8(0);
      w.u32(0);
      this.markPos = w.writePos;
      w.u32(0); // the batch's count, set as it is published
      w.end();
    }
    return this.in.begin(bytes);
  }

  /** make the records written so far visible to the shard, as one batch in its publish order */
  private publishRing(): void {
    if (this.markPos !== -1) {
      this.in.patchU32(this.markPos, Atomics.add(this.order!, 0, 1) + 1);
      this.markPos = -1;
    }
    this.in.publish();
  }

  /** the head of a record whose op-specific bytes are all 0 */
  private plain(op: number, conn: number, payload: number): boolean {
    if (!this.open(payload)) return false;
    const w = this.in;
    w.u8(op);
    w.u8(0);
    w.u8(0);
    w.u8(0);
    w.u32(conn);
    return true;
  }

  private done(): true {
    this.in.end();
    if (!this.dirty) {
      this.dirty = true;
      if (!this.flushArmed) {
        this.flushArmed = true;
        setImmediate(flushLink, this);
      }
    }
    return true;
  }

  /**
   * Make the records written so far visible to the shard: once per event-loop turn (setImmediate),
   * so the commands of every socket and HTTP request read in one turn wake the shard once.
   */
  flushRing(): void {
    this.flushArmed = false;
    if (!this.dirty) return;
    this.dirty = false;
    this.publishRing();
  }

  publishOne(
    conn: number,
    kind: PubKind,
    topic: string,
    deferMs: number,
    buf: Buffer,
    start: number,
    end: number,
  ): boolean {
    return this.pub(IN_PUB_ONE, kind, conn, topic, deferMs, -1, buf, start, end);
  }

  publishBatch(
    conn: number,
    topic: string,
    buf: Buffer,
    start: number,
    end: number,
    count: number,
    deferMs: number,
  ): boolean {
    return this.pub(IN_PUB_BATCH, 0, conn, topic, count, deferMs, buf, start, end);
  }

  /**
   * IN_PUB_ONE (`field` = deferMs, `field2` -1: none) or IN_PUB_BATCH (`field` = count, `field2` =
   * deferMs), bodies padded to agree mod 8
   */
  private pub(
    op: number,
    kind: number,
    conn: number,
    topic: string,
    field: number,
    field2: number,
    buf: Buffer,
    start: number,
    end: number,
  ): boolean {
    const fields = field2 < 0 ? R.PUB_FIXED : R.BATCH_FIXED;
    const fixed = R.HEAD + fields + topic.length;
    const pad = (buf.byteOffset + start - (this.in.nextPayloadOffset() + fixed)) & 7;
    if (!this.open(fields + topic.length + pad + (end - start))) return false;
    const w = this.in;
    w.u8(op);
    w.u8(kind);
    w.u8(topic.length);
    w.u8(pad);
    w.u32(conn);
    w.u32(field);
    if (field2 >= 0) w.u32(field2);
    w.latin1(topic);
    for (let i = 0; i < pad; i++) w.u8(0);
    w.bytes(buf, start, end);
    this.done();
    // with several io threads a publish answered OK at once is in the ring before the OK leaves
    // (acceptor/flush-queue.ts), so whatever the client does after the OK on another thread (a
    // control request, which cannot flush this ring; a command on another connection, taken after
    // this batch) finds it there; one io thread flushes its rings itself before a control request
    if (conn === PREACKED && this.order !== null) scheduleFlush(this.beforeOk, true);
    return true;
  }

  subscribe(conn: number, topic: string, channel: string, msgTimeout: number, sampleRate: number): boolean {
    if (!this.open(R.SUB_FIXED + topic.length + channel.length)) return false;
    const w = this.in;
    w.u8(IN_SUB);
    w.u8(0);
    w.u8(topic.length);
    w.u8(channel.length);
    w.u32(conn);
    w.u32(msgTimeout);
    w.u32(sampleRate);
    w.latin1(topic);
    w.latin1(channel);
    return this.done();
  }

  ready(conn: number, count: number): boolean {
    if (!this.plain(IN_RDY, conn, 4)) return false;
    this.in.u32(count);
    return this.done();
  }

  finish(conn: number, buf: Buffer, idStart: number): boolean {
    if (!this.plain(IN_FIN, conn, MSG_ID_LENGTH)) return false;
    this.in.bytes(buf, idStart, idStart + MSG_ID_LENGTH);
    return this.done();
  }

  requeue(conn: number, buf: Buffer, idStart: number, delayMs: number): boolean {
    if (!this.plain(IN_REQ, conn, 4 + MSG_ID_LENGTH)) return false;
    this.in.u32(delayMs);
    this.in.bytes(buf, idStart, idStart + MSG_ID_LENGTH);
    return this.done();
  }

  touch(conn: number, buf: Buffer, idStart: number): boolean {
    if (!this.plain(IN_TOUCH, conn, MSG_ID_LENGTH)) return false;
    this.in.bytes(buf, idStart, idStart + MSG_ID_LENGTH);
    return this.done();
  }

  /** IN_ADOPT: a dead letter (`buf[start, end)`: the message as a frame's data) for a topic this shard owns */
  adopt(topic: string, buf: Buffer, start: number, end: number): boolean {
    if (!this.open(topic.length + (end - start))) return false;
    const w = this.in;
    w.u8(IN_ADOPT);
    w.u8(0);
    w.u8(topic.length);
    w.u8(0);
    w.u32(0);
    w.latin1(topic);
    w.bytes(buf, start, end);
    return this.done();
  }

  startClose(conn: number): boolean {
    return this.plain(IN_CLS, conn, 0) && this.done();
  }

  disconnect(conn: number): void {
    this.gone.push(conn);
    this.sendGone();
  }

  private sendGone(): boolean {
    const gone = this.gone;
    while (gone.length > 0) {
      if (!this.begin(R.HEAD)) {
        this.awaitSpace();
        return false;
      }
      const w = this.in;
      w.u8(IN_GONE);
      w.u8(0);
      w.u8(0);
      w.u8(0);
      w.u32(gone.shift()!);
      this.done();
    }
    return true;
  }

  /**
   * The inbound ring was full: sleep on its space doorbell (once, however many commands were
   * refused), then send what waits and tell the answers to retry what stalled.
   */
  private awaitSpace(): void {
    if (this.spaceArmed || this.stopped) return;
    this.spaceArmed = true;
    const wait = this.in.waitForSpace(DOORBELL_TIMEOUT_MS);
    if (wait === null) setImmediate(onSpace, this);
    else void wait.then(() => onSpace(this));
  }

  /** the shard released inbound space (or the doorbell timed out) */
  spaceReleased(): void {
    this.spaceArmed = false;
    if (this.stopped) return;
    if (this.gone.length > 0) this.sendGone();
    this.answers.ringSpace();
  }

  // ---- outbound: what the shard says ----

  /** decode everything the shard has published into answers; returns how many records there were */
  drain(): number {
    const r = this.out;
    const answers = this.answers;
    let n = 0;
    while (r.next()) {
      n++;
      R.decodeOutbound(r, answers);
    }
    if (n > 0) r.release();
    return n;
  }

  /**
   * Wait for the shard to publish; null if there is something to drain already. Bounded, so a
   * missed doorbell costs at most one interval instead of a stuck connection.
   */
  waitOutbound(timeoutMs = DOORBELL_TIMEOUT_MS): Promise<unknown> | null {
    return this.out.waitAsync(timeoutMs);
  }

  stop(): void {
    this.stopped = true;
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}

/**
 * Move what the shard says into the io thread's connections until the link stops. After activity
 * it keeps looking once per event-loop turn for a short while before sleeping on the doorbell, when
 * that pays (SpinPolicy): under load the shard then never has to ring (a futex wake and a
 * cross-thread task per ring).
 */
export async function pumpLink(link: WorkerLink): Promise<void> {
  const spin = new SpinPolicy();
  while (!link.isStopped) {
    if (link.drain() > 0) {
      spin.active(performance.now());
    } else if (!spin.keepLooking(performance.now())) {
      const wait = link.waitOutbound(doorbellTimeout(spin, performance.now()));
      if (wait !== null) await wait;
      continue;
    }
    // let sockets and timers run between looks
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function onSpace(link: WorkerLink): void {
  link.spaceReleased();
}

function flushLink(link: WorkerLink): void {
  link.flushRing();
}
