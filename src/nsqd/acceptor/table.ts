/**
 * The io thread's table of everything a shard may answer, by id: TCP connections, and HTTP
 * publishes waiting for their OK. Shard answers (inline or from a worker's outbound ring) find
 * their peer here, and stalled sessions are retried from here. Owns the id sequence and the maps;
 * a peer removes itself when it is done.
 */

import type { ErrorCode, ProtocolError } from '../../wire/errors.js';
import { protocolError } from '../../wire/errors.js';
import type { Message } from '../queue/message.js';
import type { ShardHostEvents } from '../shard/host.js';
import type { InlineConnections } from '../shard/inline.js';
import type { Connection } from './connection.js';

/** anything a shard answers */
export interface ShardPeer {
  onShardOk(): void;
  onShardError(err: ProtocolError): void;
  onShardDeliver(msg: Message, flush: boolean): void;
  onShardMessage(buf: Buffer, start: number, end: number, flush: boolean): void;
  /** the shard dropped this subscriber */
  close(): void;
  /** shard `index` crashed and was restarted */
  onShardLost(index: number): void;
}

const RETRY_MS = 1;

export class ConnectionTable implements InlineConnections, ShardHostEvents {
  private readonly peers = new Map<number, ShardPeer>();
  private readonly tcp = new Map<number, Connection>();
  private nextId = 1;
  /** sessions waiting for ring space or for answers, retried on a short timer */
  private readonly stalled = new Set<Connection>();
  private retryTimer: NodeJS.Timeout | null = null;

  newId(): number {
    return this.nextId++;
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

  addPeer(id: number, peer: ShardPeer): void {
    this.peers.set(id, peer);
  }

  removePeer(id: number): void {
    this.peers.delete(id);
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

  noteStalled(c: Connection): void {
    this.stalled.add(c);
    if (this.retryTimer === null) this.retryTimer = setTimeout(() => this.retryAll(), RETRY_MS);
  }

  private retryAll(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const c of this.stalled) {
      c.session.retryStalled();
      if (!c.session.isStalled) this.stalled.delete(c);
    }
    if (this.stalled.size > 0) this.retryTimer = setTimeout(() => this.retryAll(), RETRY_MS);
  }

  // ---- answers from shards ----
  onShardOk(conn: number): void {
    this.peers.get(conn)?.onShardOk();
  }
  onShardProtocolError(conn: number, err: ProtocolError): void {
    this.peers.get(conn)?.onShardError(err);
  }
  onShardError(conn: number, code: ErrorCode, text: string, fatal: boolean): void {
    const p = this.peers.get(conn);
    if (p === undefined) return;
    const err = protocolError(code, text);
    p.onShardError(err.fatal === fatal ? err : { code, text, fatal });
  }
  onShardDeliver(conn: number, msg: Message, flush: boolean): void {
    this.peers.get(conn)?.onShardDeliver(msg, flush);
  }
  onShardMessage(conn: number, buf: Buffer, start: number, end: number, flush: boolean): void {
    this.peers.get(conn)?.onShardMessage(buf, start, end, flush);
  }
  onShardClose(conn: number): void {
    this.peers.get(conn)?.close();
  }
  onRingSpace(): void {
    if (this.stalled.size > 0) this.retryAll();
  }
  onShardLost(index: number): void {
    for (const p of [...this.peers.values()]) p.onShardLost(index);
  }
}
