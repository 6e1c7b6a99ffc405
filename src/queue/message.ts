/**
 * One message as a channel (or a channel-less topic) holds it. The body lives once in the shard's
 * BodyStore slab and is shared, with its publish timestamp, through one PubBatch per PUB/MPUB;
 * every channel's copy shares both. Only the per-channel delivery state (attempts, in-flight owner,
 * deadline, heap slot) is per copy. Every numeric field holds a small integer, so V8 keeps them
 * inline: no heap number, no string per message.
 */

import type { Consumer } from '../delivery/consumer.js';

/** what one PUB/MPUB/DPUB shares among its messages: the slab with their bodies, the publish time */
export class PubBatch {
  readonly slab: Buffer;
  /** publish time in ns since the epoch, as the two big-endian uint32 halves of the wire int64 */
  readonly tsHi: number;
  readonly tsLo: number;

  constructor(slab: Buffer, tsHi: number, tsLo: number) {
    this.slab = slab;
    this.tsHi = tsHi | 0;
    this.tsLo = tsLo | 0;
  }

  /** a batch published now: `tsNs` is ns since the epoch (a double) */
  static at(slab: Buffer, tsNs: number): PubBatch {
    const hi = Math.floor(tsNs / 4294967296);
    return new PubBatch(slab, hi, tsNs - hi * 4294967296);
  }

  /** the publish time in ns (a double: exact to 256 ns) */
  get timestampNs(): number {
    return (this.tsHi >>> 0) * 4294967296 + (this.tsLo >>> 0);
  }
}

export class Message {
  /** the guid as two int32 halves; the wire form is their 16 hex chars (frame/msgid.ts) */
  readonly idHi: number;
  readonly idLo: number;
  readonly batch: PubBatch;
  /** where the body is in batch.slab */
  readonly offset: number;
  readonly length: number;
  /** delivery attempts so far (uint16, wraps like nsqd) */
  attempts: number;
  /** heap priority on the shard clock (ms): in-flight deadline, deferred due time, or DPUB due time; 0 = none */
  pri: number;
  /** position in whichever IndexedHeap holds it, -1 when in none */
  heapIndex: number;
  /** the consumer it is in flight to, or null */
  owner: Consumer | null;
  /** when it was last delivered (shard clock, ms), for the TOUCH cap */
  deliveredAt: number;
  /** the next in-flight message of the same channel whose idLo is the same (rare) */
  chain: Message | null;

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
  }

  /** a fresh per-channel copy for fan-out: same ID, body and timestamp; attempts 0 */
  copy(): Message {
    return new Message(this.idHi, this.idLo, this.batch, this.offset, this.length);
  }
}
