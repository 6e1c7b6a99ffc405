/**
 * The io thread's table of everything a shard may answer, by id: TCP connections, and HTTP
 * publishes waiting for their OK. It is the io thread's ShardAnswers: each answer (inline, or from
 * a worker's outbound ring) goes to the peer its id names. It also holds the stall set, the one
 * list of peers waiting for room in a shard's inbound ring, retried whenever a link says a ring has
 * room. Owns the id sequence, the maps and the stall set; a peer removes itself when it is done.
 */

import type { ProtocolError } from '../../wire/errors.js';
import {
  IO_THREAD_SHIFT,
  type IoAnswers,
  type OutgoingMessage,
  type ShardAnswers,
} from '../contract/shard.js';
import { DISK_MESSAGE_HEADER, encodeDiskMessage } from '../queue/disk-message.js';
import type { Connection } from './connection.js';

/** the largest low part of an id: past it the sequence starts again at 1 */
const ID_SEQ_MAX = (1 << IO_THREAD_SHIFT) - 1;

export class ConnectionTable implements IoAnswers {
  private readonly peers = new Map<number, ShardAnswers>();
  private readonly tcp = new Map<number, Connection>();
  /** the io thread's number in the top byte of every id it gives (contract/shard.ts ioThreadOf) */
  private readonly idBase: number;
  /** the low 24 bits of the next id: 1.., wrapping past ids still in use */
  private nextSeq = 1;
  /** peers that could not go on (a full ring, or answers owed): each is told ringSpace() */
  private readonly stalled = new Set<ShardAnswers>();
  /** where dead letters for another shard's topic go (router/dead-letters.ts); set by the broker */
  deadLetters: { route(topic: string, buf: Buffer, start: number, end: number): void } | null = null;

  /** `ioThread`: which io thread this table belongs to (0: the main thread) */
  constructor(ioThread = 0) {
    this.idBase = (ioThread << IO_THREAD_SHIFT) >>> 0;
  }

  /** a fresh id (never 0, PREACKED; never one a live peer holds) */
  newId(): number {
    for (;;) {
      const seq = this.nextSeq;
      this.nextSeq = seq === ID_SEQ_MAX ? 1 : seq + 1;
      const id = (this.idBase | seq) >>> 0;
      if (!this.peers.has(id)) return id;
    }
  }

  add(c: Connection): void {
    this.peers.set(c.id, c);
    this.tcp.set(c.id, c);
  }

  remove(c: Connection): void {
    this.peers.delete(c.id);
    this.tcp.delete(c.id);
    this.stalled.delete(c);
  }

  /** a peer that is not a TCP connection (an HTTP publish) */
  addPeer(id: number, peer: ShardAnswers): void {
    this.peers.set(id, peer);
  }

  removePeer(id: number): void {
    const p = this.peers.get(id);
    if (p === undefined) return;
    this.peers.delete(id);
    this.stalled.delete(p);
  }

  get size(): number {
    return this.tcp.size;
  }

  /** the live TCP connections */
  all(): IterableIterator<Connection> {
    return this.tcp.values();
  }

  connection(id: number): Connection | undefined {
    return this.tcp.get(id);
  }

  /** the peer waits: tell it ringSpace() until it says it goes on */
  noteStalled(peer: ShardAnswers): void {
    this.stalled.add(peer);
  }

  noteResumed(peer: ShardAnswers): void {
    this.stalled.delete(peer);
  }

  // ---- ShardAnswers: each to the peer it names ----
  ok(conn: number): void {
    this.peers.get(conn)?.ok(conn);
  }
  error(conn: number, err: ProtocolError): void {
    this.peers.get(conn)?.error(conn, err);
  }
  deliver(conn: number, msg: OutgoingMessage, flush: boolean): void {
    this.peers.get(conn)?.deliver(conn, msg, flush);
  }
  deliverFrame(conn: number, buf: Buffer, start: number, end: number, flush: boolean): void {
    this.peers.get(conn)?.deliverFrame(conn, buf, start, end, flush);
  }
  close(conn: number): void {
    this.peers.get(conn)?.close(conn);
  }
  forward(topic: string, msg: OutgoingMessage): void {
    const frame = Buffer.allocUnsafe(DISK_MESSAGE_HEADER + msg.length);
    const n = encodeDiskMessage(
      frame,
      0,
      msg.idHi,
      msg.idLo,
      msg.batch,
      msg.offset,
      msg.length,
      msg.attempts,
    );
    this.forwardFrame(topic, frame, 0, n);
  }
  forwardFrame(topic: string, buf: Buffer, start: number, end: number): void {
    this.deadLetters?.route(topic, buf, start, end);
  }
  shardLost(index: number): void {
    for (const p of [...this.peers.values()]) p.shardLost(index);
    // a publish the lost shard's full ring refused goes to the fresh shard in its place
    this.ringSpace();
  }
  ringSpace(): void {
    for (const p of this.stalled) p.ringSpace();
  }
}
