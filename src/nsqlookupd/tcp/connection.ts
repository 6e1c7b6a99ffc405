/**
 * One nsqlookupd TCP connection (Go's tcpServer.Handle + IOLoop): the socket fed to the V1 parser,
 * the magic check, each command run by the session and answered in order, fatal errors answered and
 * the connection closed, and on close the peer's registrations removed. Owns the socket and its
 * waits: a new connection has --client-timeout to send the magic and IDENTIFY; an identified peer
 * silent for longer than max(client timeout, --inactive-producer-timeout) is dropped; reading pauses
 * while unread responses exceed a bound.
 */

import type { Socket } from 'node:net';
import type { Logger } from '../../log.js';
import { encodeV1Response, MAGIC_V1, V1Parser } from './parser.js';
import { isV1Error, type LookupContext, LookupSession, type V1Error, type V1Result } from './protocol.js';

/** the longest command line accepted (REGISTER with two 64-byte names is ~140 bytes) */
export const MAX_LINE = 4096;
/** the largest IDENTIFY body accepted (nsqd sends ~200 bytes) */
export const MAX_BODY = 64 * 1024;
/** unread responses past which the connection stops reading until they drain */
const MAX_UNWRITTEN = 256 * 1024;

export interface ConnectionLimits {
  /** ms a connection has to send the magic and IDENTIFY */
  clientTimeout: number;
  /** ms an identified peer may stay silent */
  idleTimeout: number;
}

/** Go's net.Addr string of the socket's peer */
function remoteOf(socket: Socket): string {
  const a = socket.remoteAddress ?? '';
  return `${a.includes(':') ? `[${a}]` : a}:${socket.remotePort ?? 0}`;
}

export class LookupConnection {
  private readonly socket: Socket;
  private readonly log: Logger;
  private readonly limits: ConnectionLimits;
  private readonly session: LookupSession;
  private readonly parser: V1Parser;
  private readonly onClosed: (c: LookupConnection) => void;
  private timer: NodeJS.Timeout | null = null;
  /** the timer is the idle timeout (after IDENTIFY), not the IDENTIFY deadline */
  private idle = false;
  /** the magic was V1: Go's IOLoop ran */
  private v1 = false;
  private closed = false;

  constructor(
    socket: Socket,
    ctx: LookupContext,
    limits: ConnectionLimits,
    onClosed: (c: LookupConnection) => void,
  ) {
    this.socket = socket;
    this.log = ctx.log;
    this.limits = limits;
    this.onClosed = onClosed;
    const remote = remoteOf(socket);
    this.session = new LookupSession(ctx, remote);
    this.parser = new V1Parser(this, MAX_LINE, MAX_BODY);
    this.log.info(`TCP: new client(${remote})`);
    // until IDENTIFY, one deadline from connect; afterwards an idle timeout, re-armed by each read
    this.timer = setTimeout(() => this.timedOut('IDENTIFY'), limits.clientTimeout);
    socket.on('data', (d: Buffer) => this.parser.push(d));
    socket.on('end', () => {
      this.parser.end();
      this.close();
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    socket.on('drain', () => socket.resume());
  }

  // ------------------------------------------------------------ V1Events

  magic(magic: string): void {
    this.log.info(`CLIENT(${this.session.remote}): desired protocol magic '${magic}'`);
    if (magic !== MAGIC_V1) {
      this.log.error(`client(${this.session.remote}) bad protocol magic '${magic}'`);
      this.fail({ code: 'E_BAD_PROTOCOL', text: '' });
      return;
    }
    this.v1 = true;
  }

  line(params: string[]): boolean {
    if (this.session.peer !== null) this.rearm();
    const r = this.session.exec(params);
    if (r === 'body') return true;
    this.answer(r);
    return false;
  }

  body(body: Buffer): void {
    const r = this.session.identify(body);
    if (!isV1Error(r)) this.rearm();
    this.answer(r);
  }

  badBodySize(size: number): void {
    // Go lookupd allocates whatever size it is sent; nsq-ts bounds it with nsqd's texts
    const text =
      size < 0 ? `IDENTIFY invalid body size ${size}` : `IDENTIFY body too big ${size} > ${MAX_BODY}`;
    this.fail({ code: 'E_BAD_BODY', text });
  }

  lineTooLong(): void {
    this.fail({ code: 'E_INVALID', text: `command line longer than ${MAX_LINE} bytes` });
  }

  bodyEof(at: 'size' | 'body'): void {
    const text = at === 'size' ? 'IDENTIFY failed to read body size' : 'IDENTIFY failed to read body';
    this.fail({ code: 'E_BAD_BODY', text, parent: 'EOF' });
  }

  // ------------------------------------------------------------ answers and closing

  private answer(r: V1Result): void {
    if (isV1Error(r)) {
      this.fail(r);
      return;
    }
    this.write(encodeV1Response(r.text, r.json ? 'utf8' : 'latin1'));
  }

  private write(b: Buffer): void {
    if (this.closed) return;
    // pull-based: a client that does not read its answers stops being read
    if (!this.socket.write(b) && this.socket.writableLength > MAX_UNWRITTEN) this.socket.pause();
  }

  /** a fatal error: logged as Go's IOLoop does, answered, then the connection closes */
  private fail(e: V1Error): void {
    const text = e.text === '' ? e.code : `${e.code} ${e.text}`;
    if (e.code !== 'E_BAD_PROTOCOL') {
      this.log.error(`[${this.session.remote}] - ${text}${e.parent === undefined ? '' : ` - ${e.parent}`}`);
    }
    this.parser.stop();
    this.write(encodeV1Response(text));
    this.socket.end();
    this.close();
  }

  private rearm(): void {
    if (this.closed) return;
    if (this.idle && this.timer !== null) {
      this.timer.refresh();
      return;
    }
    if (this.timer !== null) clearTimeout(this.timer);
    this.idle = true;
    this.timer = setTimeout(() => this.timedOut('a command'), this.limits.idleTimeout);
  }

  private timedOut(waitingFor: string): void {
    this.timer = null;
    this.log.error(`client(${this.session.remote}) - timed out waiting for ${waitingFor}`);
    this.socket.destroy();
    this.close();
  }

  /** closes the connection (idempotent): the session's registrations go, the socket is released */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.parser.stop();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.v1) {
      this.log.info(`PROTOCOL(V1): [${this.session.remote}] exiting ioloop`);
    }
    this.session.close();
    // an ended socket still flushes what was written; one that never drains is destroyed later
    if (!this.socket.writableEnded) this.socket.end();
    const s = this.socket;
    setTimeout(() => s.destroy(), 1000).unref();
    this.onClosed(this);
  }

  /** closes from the server side (shutdown) */
  destroy(): void {
    this.socket.destroy();
    this.close();
  }
}
