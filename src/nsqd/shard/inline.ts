/**
 * --workers=0: one shard core on the io thread, called directly. It is both the ShardLink the
 * sessions call and the Outbox the core answers through, so no record is ever encoded. Owns its
 * ShardCore and the queue-scan timer.
 */

import type { ProtocolError } from '../../wire/errors.js';
import type { Options } from '../options/options.js';
import { type ControlRequest, type ControlResponse, control } from '../queue/admin.js';
import type { Message } from '../queue/message.js';
import type { Outbox } from '../queue/outbox.js';
import { type PubKind, ShardCore, type ShardHooks } from '../queue/shard-core.js';
import type { ShardLink } from '../router/link.js';

/** how the inline shard reaches connections */
export interface InlineConnections {
  onShardOk(conn: number): void;
  onShardProtocolError(conn: number, err: ProtocolError): void;
  onShardDeliver(conn: number, msg: Message, flush: boolean): void;
  onShardClose(conn: number): void;
}

const SCAN_INTERVAL_MS = 100;

export class InlineShard implements ShardLink, Outbox {
  readonly index = 0;
  readonly core: ShardCore;
  private readonly conns: InlineConnections;
  private readonly scan: NodeJS.Timeout;

  constructor(options: Options, conns: InlineConnections, hooks: Partial<ShardHooks> = {}) {
    this.conns = conns;
    this.core = new ShardCore(options, this, undefined, undefined, hooks);
    this.scan = setInterval(() => this.core.tick(), SCAN_INTERVAL_MS);
    this.scan.unref();
  }

  // ---- ShardLink ----
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
  ): boolean {
    if (framed) this.core.publish(conn, kind, topic, deferMs, buf, start, end, count);
    else this.core.publishOne(conn, kind, topic, deferMs, buf, start, end);
    return true;
  }
  subscribe(conn: number, topic: string, channel: string, msgTimeout: number, sampleRate: number): boolean {
    this.core.subscribe(conn, topic, channel, msgTimeout, sampleRate);
    return true;
  }
  ready(conn: number, count: number): boolean {
    this.core.ready(conn, count);
    return true;
  }
  finish(conn: number, buf: Buffer, idStart: number): boolean {
    this.core.finish(conn, buf, idStart);
    return true;
  }
  requeue(conn: number, buf: Buffer, idStart: number, delayMs: number): boolean {
    this.core.requeue(conn, buf, idStart, delayMs);
    return true;
  }
  touch(conn: number, buf: Buffer, idStart: number): boolean {
    this.core.touch(conn, buf, idStart);
    return true;
  }
  startClose(conn: number): boolean {
    this.core.startClose(conn);
    return true;
  }
  disconnect(conn: number): void {
    this.core.disconnect(conn);
  }

  // ---- Outbox ----
  ok(conn: number): void {
    this.conns.onShardOk(conn);
  }
  error(conn: number, err: ProtocolError): void {
    this.conns.onShardProtocolError(conn, err);
  }
  deliver(conn: number, msg: Message, flush: boolean): void {
    this.conns.onShardDeliver(conn, msg, flush);
  }
  close(conn: number): void {
    this.conns.onShardClose(conn);
  }

  /** a control-plane request (admin action, stats), answered at once */
  control(req: ControlRequest): Promise<ControlResponse> {
    return Promise.resolve(control(this.core, req));
  }

  /** clean shutdown: queues, in-flight and deferred messages go to disk */
  stop(): void {
    clearInterval(this.scan);
    this.core.shutdown();
  }
}
