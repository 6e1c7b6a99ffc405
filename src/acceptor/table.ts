/**
 * The io thread's table of live connections by id: where shard answers (inline or from a worker's
 * outbound ring) find their connection, and where stalled sessions are retried from. Owns the
 * id sequence and the map; a connection removes itself when its socket closes.
 */

import type { ErrorCode, ProtocolError } from '../errors.js';
import { protocolError } from '../errors.js';
import type { Message } from '../queue/message.js';
import type { InlineConnections } from '../shard/inline.js';
import type { ShardHostEvents } from '../shard/host.js';
import type { Connection } from './connection.js';

const RETRY_MS = 1;

export class ConnectionTable implements InlineConnections, ShardHostEvents {
  private readonly byId = new Map<number, Connection>();
  private nextId = 1;
  /** sessions waiting for ring space or for answers, retried on a short timer */
  private readonly stalled = new Set<Connection>();
  private retryTimer: NodeJS.Timeout | null = null;

  newId(): number {
    return this.nextId++;
  }

  add(c: Connection): void {
    this.byId.set(c.id, c);
  }

  remove(c: Connection): void {
    this.byId.delete(c.id);
    this.stalled.delete(c);
  }

  get size(): number {
    return this.byId.size;
  }

  all(): IterableIterator<Connection> {
    return this.byId.values();
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
    this.byId.get(conn)?.session.onShardOk();
  }
  onShardProtocolError(conn: number, err: ProtocolError): void {
    this.byId.get(conn)?.session.onShardError(err);
  }
  onShardError(conn: number, code: ErrorCode, text: string, fatal: boolean): void {
    const c = this.byId.get(conn);
    if (c === undefined) return;
    const err = protocolError(code, text);
    c.session.onShardError(err.fatal === fatal ? err : { code, text, fatal });
  }
  onShardDeliver(conn: number, msg: Message, flush: boolean): void {
    this.byId.get(conn)?.writer.writeMessage(msg, flush);
  }
  onShardMessage(conn: number, buf: Buffer, start: number, end: number, flush: boolean): void {
    this.byId.get(conn)?.writer.writeEncodedMessage(buf, start, end, flush);
  }
  onShardClose(conn: number): void {
    this.byId.get(conn)?.close();
  }
  onRingSpace(): void {
    if (this.stalled.size > 0) this.retryAll();
  }
  onShardLost(index: number): void {
    for (const c of this.byId.values()) {
      if (c.session.subShard === index || (c.session.pending > 0 && c.session.pendingShard === index))
        c.close();
    }
  }
}
