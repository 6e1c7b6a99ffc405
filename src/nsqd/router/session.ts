/**
 * A connection's protocol state on the io thread: the V2 state machine (init → subscribed →
 * closing), what IDENTIFY negotiated, and the ordering of responses. Commands that a shard answers
 * (PUB, MPUB, DPUB, SUB) are counted in `pending`; any response the io thread makes itself waits
 * until they are answered, and a command for another shard waits too, so replies always come back
 * in command order (go-nsq's producer depends on it). Never decides delivery.
 */

import { type ProtocolError, protocolError } from '../../wire/errors.js';
import { OK_FRAME } from '../../wire/encode.js';
import type { BodyRule } from '../../wire/parser.js';
import type { OutputWriter } from '../acceptor/writer.js';
import { onAuthBody, onIdentifyBody } from './commands/identify.js';
import { cls, fin, rdy, req, sub, touch } from './commands/consume.js';
import { onPublishBody, publishLine } from './commands/publish.js';
import type { ServerContext } from './context.js';
import { shardIndexOf } from './link.js';
import * as L from '../../wire/line.js';

export const STATE_INIT = 0;
export const STATE_SUBSCRIBED = 3;
export const STATE_CLOSING = 4;

/** what a session needs from its connection */
export interface ConnectionPort {
  readonly id: number;
  readonly writer: OutputWriter;
  readonly remoteAddress: string;
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
  /** ms; 0 = disabled. nsqd's default is ClientTimeout / 2 */
  heartbeatInterval = 30000;
  msgTimeout: number;
  sampleRate = 0;
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
  /** what was being read as a body: set by onLine, used by onBody */
  bodyCmd = L.CMD_UNKNOWN;
  bodyTopic = '';
  bodyDefer = 0;
  private stalled: (() => boolean) | null = null;
  readonly line = new L.Line();

  constructor(port: ConnectionPort, ctx: ServerContext) {
    this.port = port;
    this.ctx = ctx;
    this.clientId = port.remoteAddress;
    this.hostname = port.remoteAddress;
    this.msgTimeout = ctx.options.msgTimeout;
  }

  onLine(buf: Buffer, start: number, end: number): BodyRule | null {
    const line = this.line;
    line.parse(buf, start, end);
    const cmd = line.command();
    switch (cmd) {
      case L.CMD_PUB:
      case L.CMD_MPUB:
      case L.CMD_DPUB:
        return publishLine(this, cmd);
      case L.CMD_FIN:
        fin(this);
        return null;
      case L.CMD_RDY:
        rdy(this);
        return null;
      case L.CMD_REQ:
        req(this);
        return null;
      case L.CMD_TOUCH:
        touch(this);
        return null;
      case L.CMD_NOP:
        return null;
      case L.CMD_SUB:
        sub(this);
        return null;
      case L.CMD_CLS:
        cls(this);
        return null;
      case L.CMD_IDENTIFY:
        if (this.state !== STATE_INIT) return this.fatal('E_INVALID', 'cannot IDENTIFY in current state');
        this.bodyCmd = cmd;
        return this.ctx.rules.IDENTIFY;
      case L.CMD_AUTH:
        if (this.state !== STATE_INIT) return this.fatal('E_INVALID', 'cannot AUTH in current state');
        if (line.count !== 1) return this.fatal('E_INVALID', 'AUTH invalid number of parameters');
        this.bodyCmd = cmd;
        return this.ctx.rules.AUTH;
      default:
        return this.fatal('E_INVALID', `invalid command ${line.str(0)}`);
    }
  }

  onBody(buf: Buffer, start: number, end: number): void {
    switch (this.bodyCmd) {
      case L.CMD_IDENTIFY:
        onIdentifyBody(this, buf, start, end);
        break;
      case L.CMD_AUTH:
        onAuthBody(this);
        break;
      default:
        onPublishBody(this, buf, start, end);
    }
  }

  shardOf(topic: string): number {
    return shardIndexOf(topic, this.ctx.links.length);
  }

  /**
   * May a command for shard k that the shard will answer go out now? Not while another shard owes
   * this connection an answer (replies must keep command order). When it may, it is counted.
   */
  claim(k: number): boolean {
    if (this.pending > 0 && this.pendingShard !== k) return false;
    this.pending++;
    this.pendingShard = k;
    return true;
  }

  /** the link refused the command (ring full): take the claim back */
  unclaim(): void {
    this.pending--;
  }

  /** a response made on the io thread: written now, or after the answers still owed */
  respond(frame: Buffer): void {
    this.inOrder(() => this.port.writer.writeFrame(frame));
  }

  /** a fatal protocol error made on the io thread, in order like any response */
  fatal(code: ProtocolError['code'], text: string): null {
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

  /** stop taking commands until `retry` succeeds (it is retried on every shard answer or ring poll) */
  stall(retry: () => boolean): void {
    if (this.stalled !== null) throw new Error('session already stalled');
    this.stalled = retry;
    this.port.pauseInput();
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
    this.port.writer.writeFrame(OK_FRAME);
    if (this.stalled !== null) this.retryStalled();
  }

  onShardError(err: ProtocolError): void {
    if (err.fatal) {
      this.pending--;
      this.port.fail(err);
      return;
    }
    this.port.writer.writeError(err);
  }
}
