/**
 * The io thread's side of one worker shard: encodes commands as records on the shard's inbound
 * ring (see records.ts), and decodes the shard's outbound ring into connection calls. Owns the
 * producer end of the inbound ring and the consumer end of the outbound ring; nothing else.
 */

import type { ShardLink } from '../router/link.js';
import type { PubKind } from '../queue/shard-core.js';
import type { ErrorCode } from '../../wire/errors.js';
import { RingReader, RingWriter } from './ring.js';
import * as R from './records.js';

/** the longest the io thread sleeps on a shard's doorbell before looking anyway */
const DOORBELL_TIMEOUT_MS = 100;

/** what the link needs from the io thread: find a connection's session and writer by id */
export interface ConnectionLookup {
  onShardOk(conn: number): void;
  onShardError(conn: number, code: ErrorCode, text: string, fatal: boolean): void;
  onShardMessage(conn: number, buf: Buffer, start: number, end: number, flush: boolean): void;
  onShardClose(conn: number): void;
  /** a ring that was full may have room again: retry stalled sessions */
  onRingSpace(): void;
}

export class WorkerLink implements ShardLink {
  readonly index: number;
  private readonly in: RingWriter;
  private readonly out: RingReader;
  private readonly conns: ConnectionLookup;
  /** GONE records that did not fit; sent before anything else once there is room */
  private readonly gone: number[] = [];
  private dirty = false;
  private flushArmed = false;
  private stopped = false;

  constructor(
    index: number,
    inbound: SharedArrayBuffer,
    outbound: SharedArrayBuffer,
    conns: ConnectionLookup,
  ) {
    this.index = index;
    this.in = new RingWriter(inbound);
    this.out = new RingReader(outbound);
    this.conns = conns;
  }

  // ---- inbound: commands ----

  private begin(op: number, conn: number, payload: number, a = 0, b = 0, c = 0): boolean {
    if (this.gone.length > 0 && !this.sendGone()) return false;
    if (!this.in.begin(R.HEAD + payload)) return false;
    const w = this.in;
    w.u8(op);
    w.u8(a);
    w.u8(b);
    w.u8(c);
    w.u32(conn);
    return true;
  }

  private done(): true {
    this.in.end();
    if (!this.dirty) {
      this.dirty = true;
      if (!this.flushArmed) {
        this.flushArmed = true;
        queueMicrotask(() => this.flushRing());
      }
    }
    return true;
  }

  /** make the records written so far visible to the shard (once per event, not per record) */
  flushRing(): void {
    this.flushArmed = false;
    if (!this.dirty) return;
    this.dirty = false;
    this.in.publish();
  }

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
    const size = framed ? end - start : 4 + (end - start);
    const fixed = R.HEAD + R.PUB_FIXED + topic.length + (framed ? 0 : 4);
    const pad = (buf.byteOffset + start - (this.in.nextPayloadOffset() + fixed)) & 7;
    if (!this.begin(R.IN_PUB, conn, R.PUB_FIXED + topic.length + pad + size, kind, topic.length, pad))
      return false;
    const w = this.in;
    w.u32(deferMs);
    w.u32(count);
    w.latin1(topic);
    for (let i = 0; i < pad; i++) w.u8(0);
    if (!framed) w.u32(end - start);
    w.bytes(buf, start, end);
    return this.done();
  }

  subscribe(conn: number, topic: string, channel: string, msgTimeout: number, sampleRate: number): boolean {
    const n = R.SUB_FIXED + topic.length + channel.length;
    if (!this.begin(R.IN_SUB, conn, n, 0, topic.length, channel.length)) return false;
    const w = this.in;
    w.u32(msgTimeout);
    w.u32(sampleRate);
    w.latin1(topic);
    w.latin1(channel);
    return this.done();
  }

  ready(conn: number, count: number): boolean {
    if (!this.begin(R.IN_RDY, conn, 4)) return false;
    this.in.u32(count);
    return this.done();
  }

  finish(conn: number, buf: Buffer, idStart: number): boolean {
    if (!this.begin(R.IN_FIN, conn, R.ID_LENGTH)) return false;
    this.in.bytes(buf, idStart, idStart + R.ID_LENGTH);
    return this.done();
  }

  requeue(conn: number, buf: Buffer, idStart: number, delayMs: number): boolean {
    if (!this.begin(R.IN_REQ, conn, 4 + R.ID_LENGTH)) return false;
    this.in.u32(delayMs);
    this.in.bytes(buf, idStart, idStart + R.ID_LENGTH);
    return this.done();
  }

  touch(conn: number, buf: Buffer, idStart: number): boolean {
    if (!this.begin(R.IN_TOUCH, conn, R.ID_LENGTH)) return false;
    this.in.bytes(buf, idStart, idStart + R.ID_LENGTH);
    return this.done();
  }

  startClose(conn: number): boolean {
    if (!this.begin(R.IN_CLS, conn, 0)) return false;
    return this.done();
  }

  disconnect(conn: number): void {
    this.gone.push(conn);
    this.sendGone();
  }

  private sendGone(): boolean {
    const gone = this.gone;
    while (gone.length > 0) {
      if (!this.in.begin(R.HEAD)) return false;
      const w = this.in;
      w.u8(R.IN_GONE);
      w.u8(0);
      w.u8(0);
      w.u8(0);
      w.u32(gone.shift()!);
      this.done();
    }
    return true;
  }

  // ---- outbound: what the shard says ----

  /** decode everything the shard has published; returns how many records were handled */
  drain(): number {
    const r = this.out;
    const conns = this.conns;
    let n = 0;
    while (r.next()) {
      n++;
      const op = r.u8();
      const a = r.u8();
      r.skip(2);
      const conn = r.u32();
      switch (op) {
        case R.OUT_OK:
          conns.onShardOk(conn);
          break;
        case R.OUT_MSG: {
          const start = r.pos;
          conns.onShardMessage(conn, r.buf, start, r.start + r.length, a === 1);
          break;
        }
        case R.OUT_ERR: {
          const data = r.latin1(r.length - R.HEAD);
          const sp = data.indexOf(' ');
          const code = (sp < 0 ? data : data.slice(0, sp)) as ErrorCode;
          conns.onShardError(conn, code, sp < 0 ? '' : data.slice(sp + 1), a === 1);
          break;
        }
        case R.OUT_CLOSE:
          conns.onShardClose(conn);
          break;
        default:
          throw new Error(`shard ${this.index}: unknown outbound record op ${op}`);
      }
    }
    if (n > 0) {
      r.release();
      if (this.gone.length > 0) this.sendGone();
    }
    return n;
  }

  /**
   * Wait for the shard to publish; null if there is something to drain already. Bounded, so a
   * missed doorbell costs at most one interval instead of a stuck connection.
   */
  waitOutbound(): Promise<unknown> | null {
    return this.out.waitAsync(DOORBELL_TIMEOUT_MS);
  }

  stop(): void {
    this.stopped = true;
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}
