/**
 * How the io thread hands commands to one shard: the same calls whether the shard runs inline
 * (direct calls into its core) or in a worker (records on its inbound ring). A `false` return means
 * the ring is full right now: the caller stalls the connection and retries. Owns nothing.
 */

import type { PubKind } from '../queue/shard-core.js';

export interface ShardLink {
  readonly index: number;
  /**
   * PUB/DPUB: `framed` false, `buf[start, end)` is the one body. MPUB: `framed` true,
   * `buf[start, end)` is `[u32 size][body]...` for `count` messages.
   */
  publish(
    conn: number,
    kind: PubKind,
    topic: string,
    deferMs: number,
    buf: Buffer,
    start: number,
    end: number,
    count: number,
    framed: boolean,
  ): boolean;
  subscribe(conn: number, topic: string, channel: string, msgTimeout: number, sampleRate: number): boolean;
  ready(conn: number, count: number): boolean;
  /** FIN, REQ, TOUCH: the 16-byte ID is buf[idStart, idStart + 16) */
  finish(conn: number, buf: Buffer, idStart: number): boolean;
  requeue(conn: number, buf: Buffer, idStart: number, delayMs: number): boolean;
  touch(conn: number, buf: Buffer, idStart: number): boolean;
  startClose(conn: number): boolean;
  /** never refused: a link queues it if its ring is full */
  disconnect(conn: number): void;
}

/** FNV-1a over the topic name: the stable topic → shard map */
export function shardIndexOf(topic: string, shards: number): number {
  if (shards === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) {
    h ^= topic.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
