/**
 * HTTP publishing (/pub, /mpub) on the io thread: the same link into the topic's shard as a TCP
 * PUB/MPUB/DPUB, answered the same way. Each request is a short-lived peer in the io thread's
 * table (ShardAnswers under its own id) that resolves when its shard says OK (or refuses); when the
 * shard's ring is full it waits in the table's stall set like a TCP connection. Owns nothing beyond
 * one request.
 */

import { DPUB, PUB, type ShardAnswers, type ShardLink } from '../contract/shard.js';
import type { ApiResult } from '../http/api.js';
import { shardIndexOf } from './shard-map.js';

/** what HTTP publishing needs from the io thread's table of peers (acceptor/table.ts) */
export interface PeerTable {
  newId(): number;
  addPeer(id: number, peer: ShardAnswers): void;
  /** forgets the peer, in the stall set too */
  removePeer(id: number): void;
  noteStalled(peer: ShardAnswers): void;
  noteResumed(peer: ShardAnswers): void;
}

const EXITING: ApiResult = { status: 503, message: 'EXITING' };
/** how long a publish may wait for room in a full ring before it is refused */
const RING_WAIT_MS = 5000;

export function publishViaShards(
  table: PeerTable,
  links: readonly ShardLink[],
  topic: string,
  bodies: readonly Buffer[],
  deferMs: number,
): Promise<ApiResult> {
  if (bodies.length === 0) return Promise.resolve(null);
  return new Promise((resolve) => new HttpPublish(table, links, topic, bodies, deferMs, resolve).start());
}

/** MPUB's body after its count: `[u32 size][body]...` */
function frameBodies(bodies: readonly Buffer[]): Buffer {
  let n = 0;
  for (const b of bodies) n += 4 + b.length;
  const out = Buffer.allocUnsafe(n);
  let p = 0;
  for (const b of bodies) {
    p = out.writeUInt32BE(b.length, p);
    p += b.copy(out, p);
  }
  return out;
}

class HttpPublish implements ShardAnswers {
  private readonly table: PeerTable;
  private readonly link: ShardLink;
  private readonly id: number;
  private readonly topic: string;
  private readonly bodies: readonly Buffer[];
  /** MPUB's framed bodies, or null for a single PUB/DPUB body */
  private readonly framed: Buffer | null;
  private readonly deferMs: number;
  private readonly resolve: (r: ApiResult) => void;
  private deadline: NodeJS.Timeout | null = null;
  private done = false;

  constructor(
    table: PeerTable,
    links: readonly ShardLink[],
    topic: string,
    bodies: readonly Buffer[],
    deferMs: number,
    resolve: (r: ApiResult) => void,
  ) {
    this.table = table;
    this.link = links[shardIndexOf(topic, links.length)]!;
    this.id = table.newId();
    this.topic = topic;
    this.bodies = bodies;
    this.framed = bodies.length > 1 ? frameBodies(bodies) : null;
    this.deferMs = deferMs;
    this.resolve = resolve;
  }

  start(): void {
    this.table.addPeer(this.id, this);
    if (this.send()) return;
    this.table.noteStalled(this);
    this.deadline = setTimeout(() => this.finish(EXITING), RING_WAIT_MS);
  }

  /** hand the publish to the shard's link; false when its ring is full */
  private send(): boolean {
    const f = this.framed;
    if (f !== null) return this.link.publishBatch(this.id, this.topic, f, 0, f.length, this.bodies.length);
    const body = this.bodies[0]!;
    const kind = this.deferMs > 0 ? DPUB : PUB;
    return this.link.publishOne(this.id, kind, this.topic, this.deferMs, body, 0, body.length);
  }

  private finish(r: ApiResult): void {
    if (this.done) return;
    this.done = true;
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.table.removePeer(this.id);
    this.resolve(r);
  }

  // ---- ShardAnswers ----
  ok(): void {
    this.finish(null);
  }
  error(): void {
    this.finish(EXITING);
  }
  deliver(): void {}
  deliverFrame(): void {}
  close(): void {
    this.finish(EXITING);
  }
  shardLost(index: number): void {
    if (index === this.link.index) this.finish(EXITING);
  }
  ringSpace(): void {
    if (this.done || !this.send()) return;
    this.table.noteResumed(this);
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.deadline = null;
  }
}
