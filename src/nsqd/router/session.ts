/**
 * A connection's protocol state on the io thread, as nsqd's clientV2: the V2 state machine (init →
 * subscribed → closing) and its transitions (subscribe, startClose, applyIdentify), what IDENTIFY
 * negotiated, and the ordering of responses. Commands that a shard answers (SUB, and PUB, MPUB,
 * DPUB unless the link pre-acks them) are counted in `pending`; any response the io thread makes itself waits until they are
 * answered, and a command for another shard waits too, so replies always come back in command
 * order (go-nsq's producer depends on it). The commands (commands/*.ts) parse and check, then call
 * in here. Never decides delivery.
 */

import { CLOSE_WAIT_FRAME, OK_FRAME } from '../../wire/encode.js';
import { type ErrorCode, type ProtocolError, protocolError } from '../../wire/errors.js';
import type { IdentifyData } from '../../wire/identify.js';
import * as L from '../../wire/line.js';
import { PREACKED, type PubKind, type ShardLink } from '../contract/shard.js';
import type { SessionAuth } from './commands/auth.js';
import type { ServerContext } from './context.js';
import { shardIndexOf } from './shard-map.js';

export const STATE_INIT = 0;
export const STATE_SUBSCRIBED = 3;
export const STATE_CLOSING = 4;

/** nsqd's defaultBufferSize: the output buffer before IDENTIFY's output_buffer_size */
const DEFAULT_OUTPUT_BUFFER_SIZE = 16 * 1024;

/** what a session needs from its connection */
export interface ConnectionPort {
  readonly id: number;
  readonly remoteAddress: string;
  /** `ip:port`: the client as nsqd's log lines name it */
  readonly remoteHostPort: string;
  /** a response frame (OK, CLOSE_WAIT, IDENTIFY's JSON): written out at the end of the current event */
  writeFrame(frame: Buffer): void;
  /** a non-fatal error frame */
  writeError(err: ProtocolError): void;
  /** IDENTIFY set output_buffer_size (bytes) and output_buffer_timeout (ms; 0 = end of event) */
  setOutputBuffer(size: number, timeoutMs: number): void;
  /** stop parsing and reading until resumeInput */
  pauseInput(): void;
  resumeInput(): void;
  /** send the error frame, then close */
  fail(err: ProtocolError): void;
  close(): void;
  /** IDENTIFY changed the heartbeat interval */
  heartbeatChanged(): void;
}

export class Session {
  readonly port: ConnectionPort;
  readonly ctx: ServerContext;
  state = STATE_INIT;
  clientId: string;
  hostname: string;
  userAgent = '';
  /** ms; 0 = disabled. The default (nsqd's ClientTimeout / 2) is an internal option */
  heartbeatInterval: number;
  msgTimeout: number;
  sampleRate = 0;
  outputBufferSize = DEFAULT_OUTPUT_BUFFER_SIZE;
  /** ms; 0 = flush at the end of each event */
  outputBufferTimeout: number;
  identified = false;
  topologyZone = '';
  topologyRegion = '';
  /** messages published per topic (nsqd's pub_counts; a producer is a session with any) */
  readonly pubCounts = new Map<string, number>();
  /** the shard owning the subscribed topic, -1 before SUB */
  subShard = -1;
  /** shard-answered commands not yet answered, all to `pendingShard` */
  pending = 0;
  pendingShard = -1;
  /** what was being read as a body: set when its line is parsed, used when the body arrives */
  bodyCmd = L.CMD_UNKNOWN;
  bodyTopic = '';
  bodyDefer = 0;
  private stalled: (() => boolean) | null = null;
  readonly line = new L.Line();
  /** what AUTH got from the auth server (commands/auth.ts owns it); null before AUTH */
  auth: SessionAuth | null = null;
  /** aborts what the session waits on outside the shards (the auth server) if the connection closes */
  private outside: AbortController | null = null;

  constructor(port: ConnectionPort, ctx: ServerContext) {
    this.port = port;
    this.ctx = ctx;
    this.clientId = port.remoteAddress;
    this.hostname = port.remoteAddress;
    this.heartbeatInterval = ctx.options.heartbeatInterval;
    this.msgTimeout = ctx.options.msgTimeout;
    this.outputBufferTimeout = ctx.options.outputBufferTimeout;
  }

  shardOf(topic: string): number {
    return shardIndexOf(topic, this.ctx.links.length);
  }

  // ---- transitions and commands, after the command's checks ----

  /** IDENTIFY: nsqd's clientV2.Identify, each setter in order; the first invalid value is the error */
  applyIdentify(d: IdentifyData): string | null {
    const o = this.ctx.options;
    this.clientId = d.clientId;
    this.hostname = d.hostname;
    this.userAgent = d.userAgent;
    this.topologyZone = d.topologyZone;
    this.topologyRegion = d.topologyRegion;

    const hb = d.heartbeatInterval;
    if (hb === -1) this.heartbeatInterval = 0;
    else if (hb === 0) {
      // keep the default
    } else if (hb >= 1000 && hb <= o.maxHeartbeatInterval) this.heartbeatInterval = hb;
    else return `heartbeat interval (${hb}) is invalid`;

    let timeout = this.outputBufferTimeout;
    const t = d.outputBufferTimeout;
    if (t === -1) timeout = 0;
    else if (t === 0) {
      // keep the default
    } else if (t >= o.minOutputBufferTimeout && t <= o.maxOutputBufferTimeout) timeout = t;
    else return `output buffer timeout (${t}) is invalid`;
    let size = this.outputBufferSize;
    const z = d.outputBufferSize;
    if (z === -1) {
      size = 1;
      timeout = 0;
    } else if (z === 0) {
      // keep the default
    } else if (z >= 64 && z <= o.maxOutputBufferSize) size = z;
    else return `output buffer size (${z}) is invalid`;
    this.outputBufferSize = size;
    this.outputBufferTimeout = timeout;
    this.port.setOutputBuffer(size, timeout);

    if (d.sampleRate < 0 || d.sampleRate > 99) return `sample rate (${d.sampleRate}) is invalid`;
    this.sampleRate = d.sampleRate;

    const mt = d.msgTimeout;
    if (mt === 0) {
      // keep the default
    } else if (mt >= 1000 && mt <= o.maxMsgTimeout) this.msgTimeout = mt;
    else return `msg timeout (${mt}) is invalid`;
    this.identified = true;
    this.port.heartbeatChanged();
    return null;
  }

  /** PUB or DPUB to the topic's shard */
  publishOne(kind: PubKind, topic: string, deferMs: number, buf: Buffer, start: number, end: number): void {
    const k = this.countPublished(topic, 1);
    this.publish(k, (l, conn) => l.publishOne(conn, kind, topic, deferMs, buf, start, end));
  }

  /** MPUB to the topic's shard: `buf[start, end)` is `[u32 size][body]...` */
  publishBatch(topic: string, buf: Buffer, start: number, end: number, count: number): void {
    const k = this.countPublished(topic, count);
    this.publish(k, (l, conn) => l.publishBatch(conn, topic, buf, start, end, count));
  }

  /**
   * A publish to shard k: answered OK here once it is in the shard's ring, where the link pre-acks
   * and no answer is owed before it; otherwise the shard answers.
   */
  private publish(k: number, send: (link: ShardLink, conn: number) => boolean): void {
    const link = this.ctx.links[k]!;
    if (link.preAcks && this.pending === 0 && this.stalled === null) {
      if (send(link, PREACKED)) {
        this.port.writeFrame(OK_FRAME);
        return;
      }
    } else if (this.claim(k)) {
      if (send(link, this.port.id)) return;
      this.pending--;
    }
    this.stall(this.answered(k, (l) => send(l, this.port.id)));
  }

  private countPublished(topic: string, count: number): number {
    this.pubCounts.set(topic, (this.pubCounts.get(topic) ?? 0) + count);
    return this.shardOf(topic);
  }

  /** SUB: subscribed from now on; the topic's shard answers OK (or refuses) */
  subscribe(topic: string, channel: string): void {
    const k = this.shardOf(topic);
    this.state = STATE_SUBSCRIBED;
    this.subShard = k;
    const { msgTimeout, sampleRate } = this;
    const conn = this.port.id;
    const go = this.answered(k, (l) => l.subscribe(conn, topic, channel, msgTimeout, sampleRate));
    if (!go()) this.stall(go);
  }

  /** CLS: closing from now on; the shard stops delivering, and CLOSE_WAIT follows every answer owed */
  startClose(): void {
    this.state = STATE_CLOSING;
    const link = this.subLink();
    const conn = this.port.id;
    let told = false;
    const done = (): boolean => {
      if (!told) {
        if (!link.startClose(conn)) return false;
        told = true;
      }
      if (this.pending > 0) return false;
      this.port.writeFrame(CLOSE_WAIT_FRAME);
      return true;
    };
    if (!done()) this.stall(done);
  }

  ready(count: number): void {
    const link = this.subLink();
    const conn = this.port.id;
    if (!link.ready(conn, count)) this.stall(() => link.ready(conn, count));
  }

  /** FIN, REQ, TOUCH: the ID is `buf[at, at + 16)` (a stall keeps the line's bytes: input is paused) */
  finish(buf: Buffer, at: number): void {
    const link = this.subLink();
    const conn = this.port.id;
    if (!link.finish(conn, buf, at)) this.stall(() => link.finish(conn, buf, at));
  }

  requeue(buf: Buffer, at: number, delayMs: number): void {
    const link = this.subLink();
    const conn = this.port.id;
    if (!link.requeue(conn, buf, at, delayMs)) this.stall(() => link.requeue(conn, buf, at, delayMs));
  }

  touch(buf: Buffer, at: number): void {
    const link = this.subLink();
    const conn = this.port.id;
    if (!link.touch(conn, buf, at)) this.stall(() => link.touch(conn, buf, at));
  }

  private subLink(): ShardLink {
    return this.ctx.links[this.subShard]!;
  }

  // ---- reply ordering ----

  /**
   * May a command for shard k that the shard will answer go out now? Not while another shard owes
   * this connection an answer (replies must keep command order). When it may, it is counted.
   */
  private claim(k: number): boolean {
    if (this.pending > 0 && this.pendingShard !== k) return false;
    this.pending++;
    this.pendingShard = k;
    return true;
  }

  /** a try at sending a shard-answered command to shard k: claimed, sent, or the claim taken back */
  private answered(k: number, send: (link: ShardLink) => boolean): () => boolean {
    return () => {
      if (!this.claim(k)) return false;
      if (send(this.ctx.links[k]!)) return true;
      this.pending--;
      return false;
    };
  }

  /** a response made on the io thread: written now, or after the answers still owed */
  respond(frame: Buffer): void {
    this.inOrder(() => this.port.writeFrame(frame));
  }

  /** a fatal protocol error made on the io thread, in order like any response */
  fatal(code: ErrorCode, text: string): null {
    const err = protocolError(code, text);
    this.inOrder(() => this.port.fail(err));
    return null;
  }

  /**
   * The client's input ended (it half-closed): after the answers still owed, Go's "failed to read"
   * error for a body cut short, or a silent close.
   */
  inputEnded(err: ProtocolError | null): void {
    if (err !== null) this.inOrder(() => this.port.fail(err));
    else this.inOrder(() => this.port.close());
  }

  /** run `action` now, or once the shards have answered every command before it */
  private inOrder(action: () => void): void {
    if (this.pending === 0 && this.stalled === null) {
      action();
      return;
    }
    this.stall(() => {
      if (this.pending > 0) return false;
      action();
      return true;
    });
  }

  /** stop taking commands until `retry` succeeds (retried on every shard answer and when a ring has room) */
  private stall(retry: () => boolean): void {
    if (this.stalled !== null) throw new Error('session already stalled');
    this.stalled = retry;
    this.port.pauseInput();
  }

  // ---- waiting on the auth server ----

  /**
   * Take no command until `resumeOutside`: an answer from outside the shards (the auth server) is
   * awaited. Shard answers still owed keep arriving in order. The signal aborts if the connection
   * closes first.
   */
  awaitOutside(): AbortSignal {
    const ac = new AbortController();
    this.outside = ac;
    this.stall(never);
    return ac.signal;
  }

  /** the outside answer came: `then` answers (or fails, or stalls again), then commands resume */
  resumeOutside(then: () => void): void {
    this.outside = null;
    this.stalled = null;
    then();
    if (this.stalled === null) this.port.resumeInput();
  }

  /** the connection closed */
  closed(): void {
    this.outside?.abort();
    this.outside = null;
  }

  get isStalled(): boolean {
    return this.stalled !== null;
  }

  /** try the stalled command again; on success, input resumes */
  retryStalled(): void {
    const retry = this.stalled;
    if (retry === null || !retry()) return;
    this.stalled = null;
    this.port.resumeInput();
  }

  // ---- answers from the shard ----

  onShardOk(): void {
    this.pending--;
    this.port.writeFrame(OK_FRAME);
    if (this.stalled !== null) this.retryStalled();
  }

  onShardError(err: ProtocolError): void {
    if (err.fatal) {
      this.pending--;
      this.port.fail(err);
      return;
    }
    this.port.writeError(err);
  }
}

/** a stall that only resumeOutside ends */
function never(): boolean {
  return false;
}
