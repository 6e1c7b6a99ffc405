/**
 * HTTP publishing (/pub, /mpub) on the io thread: the same link into the topic's shard as a TCP
 * PUB/MPUB/DPUB, answered the same way: at once where the link pre-acks, else by the shard. Each request is a short-lived peer in the io thread's
 * table (ShardAnswers under its own id) that resolves when its shard says OK (or refuses); when the
 * shard's ring is full it waits in the table's stall set like a TCP connection. Owns nothing beyond
 * one request.
 */

import type { ProtocolError } from '../../wire/errors.js';
import { DEPTH_REJECTED } from '../contract/constants.js';
import { DPUB, PREACKED, PUB, type ShardAnswers, type ShardLink } from '../contract/shard.js';
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
/** beyond nsqd: a reject-new queue at its max depth refused the publish */
const MAX_DEPTH: ApiResult = { status: 503, message: 'MAX_DEPTH' };
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
  const link = links[shardIndexOf(topic, links.length)]!;
  const p: Publish = { topic, bodies, framed: bodies.length > 1 ? frameBodies(bodies) : null, deferMs };
  if (link.preAcks && send(link, PREACKED, p)) return Promise.resolve(null);
  return new Promise((resolve) => new HttpPublish(table, link, p, resolve).start());
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

/** one request's publish: one body (PUB, or DPUB with deferMs) or several (MPUB, framed) */
interface Publish {
  readonly topic: string;
  readonly bodies: readonly Buffer[];
  readonly framed: Buffer | null;
  readonly deferMs: number;
}

/** hand the publish to the shard's link; false when its ring is full */
function send(link: ShardLink, conn: number, p: Publish): boolean {
  const f = p.framed;
  if (f !== null) return link.publishBatch(conn, p.topic, f, 0, f.length, p.bodies.length, p.deferMs);
  const body = p.bodies[0]!;
  return link.publishOne(conn, p.deferMs > 0 ? DPUB : PUB, p.topic, p.deferMs, body, 0, body.length);
}

class HttpPublish implements ShardAnswers {
  private readonly table: PeerTable;
  private readonly link: ShardLink;
  private readonly id: number;
  private readonly publish: Publish;
  private readonly resolve: (r: ApiResult) => void;
  private deadline: NodeJS.Timeout | null = null;
  private done = false;

  constructor(table: PeerTable, link: ShardLink, publish: Publish, resolve: (r: ApiResult) => void) {
    this.table = table;
    this.link = link;
    this.id = table.newId();
    this.publish = publish;
    this.resolve = resolve;
  }

  start(): void {
    this.table.addPeer(this.id, this);
    if (send(this.link, this.id, this.publish)) return;
    this.table.noteStalled(this);
    this.deadline = setTimeout(() => this.finish(EXITING), RING_WAIT_MS);
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
  error(_conn: number, err: ProtocolError): void {
    this.finish(err.text.includes(DEPTH_REJECTED) ? MAX_DEPTH : EXITING);
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
    if (this.done || !send(this.link, this.id, this.publish)) return;
    this.table.noteResumed(this);
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.deadline = null;
  }
}
