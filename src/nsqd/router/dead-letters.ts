/**
 * Dead letters between shards, on the io thread (beyond nsqd): a shard that dead-letters a message
 * for a topic another shard owns says so on its outbound ring (OUT_FORWARD); this sends it on into
 * the owner's inbound ring (IN_ADOPT), by the topic → shard map every publish takes. Neither shard
 * waits. While the owner's ring is full the dead letters wait here, in order, copied, and go on
 * when the ring has room; what waits is bounded. Owns that waiting list only.
 */

import type { Logger } from '../../log.js';
import type { ShardAnswers, ShardLink } from '../contract/shard.js';
import { shardIndexOf } from './shard-map.js';

/** what waits for a full ring, at most: past it a dead letter is dropped (and logged) */
const MAX_WAITING_BYTES = 64 * 1024 * 1024;

/** the stall set of the io thread's table (acceptor/table.ts) */
export interface StallSet {
  noteStalled(peer: ShardAnswers): void;
  noteResumed(peer: ShardAnswers): void;
}

interface Waiting {
  readonly topic: string;
  readonly frame: Buffer;
}

export class DeadLetterRouter implements ShardAnswers {
  private readonly links: readonly ShardLink[];
  private readonly stalls: StallSet;
  private readonly log: Logger;
  private readonly waiting: Waiting[] = [];
  private waitingBytes = 0;
  /** dropped since the last log line about it */
  private dropped = 0;

  constructor(links: readonly ShardLink[], stalls: StallSet, log: Logger) {
    this.links = links;
    this.stalls = stalls;
    this.log = log;
  }

  /** a dead letter for `topic`: `buf[start, end)` is the message as a frame's data */
  route(topic: string, buf: Buffer, start: number, end: number): void {
    if (this.waiting.length === 0 && this.send(topic, buf, start, end)) return;
    const n = end - start;
    if (this.waitingBytes + n > MAX_WAITING_BYTES) {
      if (this.dropped++ === 0)
        this.log.error(
          `dead letters for ${topic}: over ${MAX_WAITING_BYTES} bytes wait for a full shard ring; dropping`,
        );
      return;
    }
    this.waiting.push({ topic, frame: Buffer.from(buf.subarray(start, end)) });
    this.waitingBytes += n;
    if (this.waiting.length === 1) this.stalls.noteStalled(this);
  }

  private send(topic: string, buf: Buffer, start: number, end: number): boolean {
    return this.links[shardIndexOf(topic, this.links.length)]!.adopt(topic, buf, start, end);
  }

  // ---- ShardAnswers: only ringSpace concerns it ----
  ringSpace(): void {
    const w = this.waiting;
    let i = 0;
    for (; i < w.length; i++) {
      const { topic, frame } = w[i]!;
      if (!this.send(topic, frame, 0, frame.length)) break;
      this.waitingBytes -= frame.length;
    }
    w.splice(0, i);
    if (w.length > 0) return;
    this.stalls.noteResumed(this);
    if (this.dropped > 0) this.log.error(`dead letters: ${this.dropped} dropped while shard rings were full`);
    this.dropped = 0;
  }
  shardLost(): void {}
  ok(): void {}
  error(): void {}
  deliver(): void {}
  deliverFrame(): void {}
  close(): void {}
}
