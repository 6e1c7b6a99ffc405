/**
 * One message as a channel (or a channel-less topic) holds it. The body lives once in the shard's
 * BodyStore slab and is shared by every channel's copy; only the per-channel delivery state
 * (attempts, in-flight owner, deadline, heap slot) is per copy. Owns nothing else.
 */

import type { Consumer } from '../delivery/consumer.js';

export class Message {
  /** 16 lowercase hex chars: the wire ID, the same in every channel */
  readonly id: string;
  /** publish time in nanoseconds since the epoch (a double: exact to 256 ns) */
  readonly timestampNs: number;
  /** the slab holding the body, and where in it */
  readonly slab: Buffer;
  readonly offset: number;
  readonly length: number;
  /** delivery attempts so far (uint16, wraps like nsqd) */
  attempts: number;
  /** heap priority: in-flight deadline, deferred due time, or (on a topic) the DPUB due time; 0 = none */
  pri: number;
  /** position in whichever IndexedHeap holds it, -1 when in none */
  heapIndex: number;
  /** the consumer it is in flight to, or null */
  owner: Consumer | null;
  /** when it was last delivered (ms), for the TOUCH cap */
  deliveredAt: number;

  constructor(id: string, timestampNs: number, slab: Buffer, offset: number, length: number) {
    this.id = id;
    this.timestampNs = timestampNs;
    this.slab = slab;
    this.offset = offset;
    this.length = length;
    this.attempts = 0;
    this.pri = 0;
    this.heapIndex = -1;
    this.owner = null;
    this.deliveredAt = 0;
  }

  /** a fresh per-channel copy for fan-out: same ID, timestamp, body and deferral; attempts 0 */
  copy(): Message {
    const m = new Message(this.id, this.timestampNs, this.slab, this.offset, this.length);
    m.pri = this.pri;
    return m;
  }
}
