/**
 * --workers=0: one shard core on the io thread, called directly. It is the ShardLink the sessions
 * call, and the core answers straight into the io thread's ShardAnswers, so no record is ever
 * encoded and no command is ever refused. Owns its ShardCore and the queue-scan timer.
 */

import type { IoAnswers, PubKind, ShardLink } from '../contract/shard.js';
import type { Options } from '../options/options.js';
import { type ControlRequest, type ControlResponse, control } from '../queue/admin.js';
import { ShardCore, type ShardHooks } from '../queue/shard-core.js';

export class InlineShard implements ShardLink {
  readonly index = 0;
  /** the core answers every publish before the call returns: nothing to answer early */
  readonly preAcks = false;
  readonly core: ShardCore;
  private readonly scan: NodeJS.Timeout;

  constructor(options: Options, answers: IoAnswers, hooks: Partial<ShardHooks> = {}) {
    this.core = new ShardCore(options, answers, undefined, undefined, hooks);
    this.scan = setInterval(() => this.core.tick(), options.queueScanInterval);
    this.scan.unref();
  }

  publishOne(
    conn: number,
    kind: PubKind,
    topic: string,
    deferMs: number,
    buf: Buffer,
    start: number,
    end: number,
  ): boolean {
    this.core.publishOne(conn, kind, topic, deferMs, buf, start, end);
    return true;
  }
  publishBatch(
    conn: number,
    topic: string,
    buf: Buffer,
    start: number,
    end: number,
    count: number,
    deferMs: number,
  ): boolean {
    this.core.publishBatch(conn, topic, buf, start, end, count, deferMs);
    return true;
  }
  adopt(topic: string, buf: Buffer, start: number, end: number): boolean {
    this.core.adopt(topic, buf, start, end);
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

  /** a control-plane request (admin action, stats), answered at once */
  control(req: ControlRequest): Promise<ControlResponse> {
    return Promise.resolve(control(this.core, req));
  }

  /** clean shutdown: queues, in-flight and deferred messages go to disk */
  stop(): void {
    clearInterval(this.scan);
    this.core.shutdown(this.index);
  }
}
