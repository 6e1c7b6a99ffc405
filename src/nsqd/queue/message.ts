/**
 * One message as a channel (or a channel-less topic) holds it. The body lives once (in the shard's
 * BodyStore, or in a buffer of its own once parked or read from disk) and is shared, with its publish timestamp, through one PubBatch per PUB/MPUB;
 * every channel's copy shares both. Only the per-channel delivery state (attempts, in-flight owner,
 * deadline, heap slot) is per copy. Every numeric field holds a small integer, so V8 keeps them
 * inline: no heap number, no string per message.
 */

import type { BodyStore } from './body-store.js';
import type { ChannelConsumer } from './channel.js';

const EMPTY = Buffer.alloc(0);

/**
 * What one PUB/MPUB/DPUB shares among its messages: the bytes with their bodies and the publish
 * time. A batch starts out over the bytes it arrived in (a ring record or a socket chunk, valid
 * only while the shard accepts it); only when something keeps one of its messages in memory does
 * retain() copy the bodies into the shard's BodyStore, once for the whole batch. Messages that go
 * straight to disk never cost a store copy, so a disk backlog churns no store slabs.
 */
export class PubBatch {
  /** the bodies' bytes: the arrival bytes, then a store slab, or a buffer of the message's own */
  slab: Buffer;
  /** a message's body starts at slab[message.offset + shift] */
  shift: number;
  /** publish time in ns since the epoch, as the two big-endian uint32 halves of the wire int64 */
  readonly tsHi: number;
  readonly tsLo: number;
  /**
   * the slab holds other publishes' bodies too: a message that parks for long must not keep it
   * alive, so it moves its body out first (Message.ownBody)
   */
  readonly shared: boolean;
  /** while still over the arrival bytes: the store retain() copies into, and the batch's extent */
  private store: BodyStore | null;
  private readonly start: number;
  private readonly end: number;

  private constructor(
    slab: Buffer,
    tsHi: number,
    tsLo: number,
    shared: boolean,
    store: BodyStore | null,
    start: number,
    end: number,
  ) {
    this.slab = slab;
    this.shift = 0;
    this.tsHi = tsHi | 0;
    this.tsLo = tsLo | 0;
    this.shared = shared;
    this.store = store;
    this.start = start;
    this.end = end;
  }

  /** a publish arriving now in `src[start, end)`: `tsNs` is ns since the epoch (a double) */
  static arriving(src: Buffer, start: number, end: number, store: BodyStore, tsNs: number): PubBatch {
    const hi = Math.floor(tsNs / 4294967296);
    return new PubBatch(src, hi, tsNs - hi * 4294967296, true, store, start, end);
  }

  /** bytes no other message shares (a disk record, a parked body) */
  static own(buf: Buffer, tsHi: number, tsLo: number): PubBatch {
    return new PubBatch(buf, tsHi, tsLo, false, null, 0, buf.length);
  }

  /** something keeps a message of this batch in memory: its bodies move into the store (once) */
  retain(): void {
    const store = this.store;
    if (store === null) return;
    this.store = null;
    this.slab = store.copyIn(this.slab, this.start, this.end);
    this.shift = store.lastOffset - this.start;
  }

  /** the accept is over: a batch nothing retained lets go of the arrival bytes (about to be reused) */
  settle(): void {
    if (this.store === null) return;
    this.store = null;
    this.slab = EMPTY;
  }

  /** the publish time in ns (a double: exact to 256 ns) */
  get timestampNs(): number {
    return (this.tsHi >>> 0) * 4294967296 + (this.tsLo >>> 0);
  }
}

export class Message {
  /** the guid as two int32 halves; the wire form is their 16 hex chars (wire/msgid.ts) */
  readonly idHi: number;
  readonly idLo: number;
  /** the body's batch and where the body is in it (batch.slab[offset + batch.shift]; changed only by ownBody) */
  batch: PubBatch;
  offset: number;
  readonly length: number;
  /** delivery attempts so far (uint16, wraps like nsqd) */
  attempts: number;
  /** heap priority on the shard clock (ms): in-flight deadline, deferred due time, or DPUB due time; 0 = none */
  pri: number;
  /** position in whichever IndexedHeap holds it, -1 when in none */
  heapIndex: number;
  /** the consumer it is in flight to, or null */
  owner: ChannelConsumer | null;
  /** when it was last delivered (shard clock, ms), for the TOUCH cap */
  deliveredAt: number;
  /** the next in-flight message of the same channel whose idLo is the same (rare) */
  chain: Message | null;
  /** durable mode: its record in the channel's disk queue is held until FIN or write-back; else -1 */
  ticket: number;

  constructor(idHi: number, idLo: number, batch: PubBatch, offset: number, length: number) {
    this.idHi = idHi;
    this.idLo = idLo;
    this.batch = batch;
    this.offset = offset;
    this.length = length;
    this.attempts = 0;
    this.pri = 0;
    this.heapIndex = -1;
    this.owner = null;
    this.deliveredAt = 0;
    this.chain = null;
    this.ticket = -1;
  }

  /**
   * Before a message parks for an unbounded time (deferred, or requeued into a memory queue), its
   * body moves out of the shared store slab into a buffer of its own, so one parked message never
   * pins a megabyte slab whose other bodies are long gone (to disk or finished). Bytes already handed
   * out stay valid: the slab is not touched.
   */
  ownBody(): void {
    const b = this.batch;
    if (!b.shared) return;
    const own = Buffer.allocUnsafeSlow(this.length);
    const at = this.offset + b.shift;
    b.slab.copy(own, 0, at, at + this.length);
    this.batch = PubBatch.own(own, b.tsHi, b.tsLo);
    this.offset = 0;
  }

  /** a fresh per-channel copy for fan-out: same ID, body and timestamp; attempts 0 */
  copy(): Message {
    return new Message(this.idHi, this.idLo, this.batch, this.offset, this.length);
  }
}
