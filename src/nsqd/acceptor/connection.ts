/**
 * One TCP client on the io thread: reads are pulled through the frame parser into its Session (by
 * the command table), shard answers for it arrive as ShardAnswers, writes go through its
 * OutputWriter, and it enforces nsqd's heartbeats and deadlines (read: 2 x
 * heartbeat interval between commands; write: no progress for 1 x interval). A client that
 * half-closes still gets the answers it is owed (a "failed to read" error for a body cut short)
 * before the close. It logs what nsqd's tcp.go and IOLoop log about a client (connect, magic,
 * protocol errors, exit; each command and delivery at debug). It owns the socket, the parser and
 * the timers; it never decides delivery.
 */

import type { Socket } from 'node:net';
import { goErrnoText } from '../../go/errors.js';
import { LOG_DEBUG, type Logger } from '../../log.js';
import { encodeError, HEARTBEAT_FRAME } from '../../wire/encode.js';
import { type ProtocolError, protocolError } from '../../wire/errors.js';
import { idHexString, MSG_ID_LENGTH } from '../../wire/msgid.js';
import { type BodyRule, FrameParser, type FrameSink } from '../../wire/parser.js';
import type { OutgoingMessage, ShardAnswers } from '../contract/shard.js';
import { deliveryLine, hostPort, readOpText } from '../router/client-log.js';
import { onCommandBody, onCommandLine } from '../router/commands/dispatch.js';
import type { ServerContext } from '../router/context.js';
import { type ConnectionPort, Session } from '../router/session.js';
import type { ConnectionTable } from './table.js';
import { OutputWriter } from './writer.js';

/** Go's bufio reader size: the longest command line */
const MAX_LINE = 16 * 1024;
/** stop reading a client whose unsent output passes this (it is not reading its responses) */
const WRITE_HIGH_WATER = 4 * 1024 * 1024;
/** after a fatal error frame, how long the client gets to close before we destroy the socket */
const LINGER_MS = 2000;

const kConn = Symbol('nsq.connection');
type TaggedSocket = Socket & { [kConn]?: Connection };

export class Connection implements FrameSink, ConnectionPort, ShardAnswers {
  readonly id: number;
  readonly socket: Socket;
  readonly writer: OutputWriter;
  readonly session: Session;
  readonly remoteAddress: string;
  /** Go's `read tcp L->R` for this socket, taken at accept (a reset socket no longer knows its ports) */
  private readonly readOp: string;
  /** `ip:port` of the client, for /stats */
  readonly remoteHostPort: string;
  /** unix seconds when it connected */
  readonly connectTs = Math.floor(Date.now() / 1000);
  private readonly parser: FrameParser;
  private readonly table: ConnectionTable;
  private readonly log: Logger;
  /** why the connection ends, as nsqd's `client(...) - <err>` line says it; null: a clean end */
  private exitError: string | null = null;
  private badMagic = false;
  /** nsqd's ClientTimeout (an internal option): the read deadline until the magic arrives */
  private readonly clientTimeout: number;
  private lastCommandAt: number;
  private magicSeen = false;
  private timer: NodeJS.Timeout | null = null;
  private nextHeartbeatAt = 0;
  private lastBytesWritten = 0;
  private closed = false;
  private inputPaused = false;
  private writeBlocked = false;

  constructor(socket: Socket, ctx: ServerContext, table: ConnectionTable) {
    this.id = table.newId();
    this.socket = socket;
    this.table = table;
    this.clientTimeout = ctx.options.clientTimeout;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remoteHostPort = hostPort(socket.remoteAddress, socket.remotePort);
    this.readOp = readOpText(socket);
    this.log = ctx.log;
    this.log.info(`TCP: new client(${this.remoteHostPort})`);
    this.session = new Session(this, ctx);
    this.writer = new OutputWriter(socket, this.session.outputBufferSize, this.session.outputBufferTimeout);
    this.parser = new FrameParser(this, { maxLineLength: MAX_LINE });
    this.lastCommandAt = Date.now();
    table.add(this);
    (socket as TaggedSocket)[kConn] = this;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30000);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('drain', onDrain);
    socket.on('error', onError);
    socket.on('close', onClose);
    this.armTimer();
  }

  // ---- FrameSink ----
  onMagic(): void {
    this.log.info(`CLIENT(${this.remoteHostPort}): desired protocol magic '  V2'`);
    this.magicSeen = true;
    this.lastCommandAt = Date.now();
    this.armTimer();
  }

  onBadMagic(magic: string): void {
    this.log.info(`CLIENT(${this.remoteHostPort}): desired protocol magic '${magic}'`);
    this.log.error(`client(${this.remoteHostPort}) bad protocol magic '${magic}'`);
    this.badMagic = true;
    // nsqd answers a bad magic with a bare framed E_BAD_PROTOCOL
    this.sendFatal(protocolError('E_BAD_PROTOCOL', ''));
  }

  onLine(buf: Buffer, start: number, end: number): BodyRule | null {
    this.lastCommandAt = Date.now();
    if (this.log.enabled(LOG_DEBUG))
      this.log.debug(`PROTOCOL(V2): [${this.remoteHostPort}] [${buf.toString('utf8', start, end)}]`);
    return onCommandLine(this.session, buf, start, end);
  }

  onBody(_rule: BodyRule, buf: Buffer, start: number, end: number): void {
    onCommandBody(this.session, buf, start, end);
  }

  onFrameError(err: ProtocolError): void {
    this.session.fatal(err.code, err.text);
  }

  onEnd(err: ProtocolError | null): void {
    this.session.inputEnded(err);
  }

  // ---- ConnectionPort ----
  writeFrame(frame: Buffer): void {
    this.writer.writeFrame(frame);
  }

  writeError(err: ProtocolError): void {
    this.logError(err);
    this.writer.writeError(err);
  }

  /** protocol_v2.go's line for an error a command returned: `[client] - E_CODE description` */
  private logError(err: ProtocolError): string {
    const text = err.text === '' ? err.code : `${err.code} ${err.text}`;
    this.log.error(`[${this.remoteHostPort}] - ${text}`);
    return text;
  }

  setOutputBuffer(size: number, timeoutMs: number): void {
    this.writer.bufferSize = size;
    this.writer.bufferTimeout = timeoutMs;
  }

  pauseInput(): void {
    this.inputPaused = true;
    this.parser.pause();
    this.socket.pause();
    this.table.noteStalled(this);
  }

  resumeInput(): void {
    if (this.closed) return;
    this.inputPaused = false;
    // as nsqd sets the read deadline before each read: a paused wait (a shard, the auth server) is not idleness
    this.lastCommandAt = Date.now();
    this.table.noteResumed(this);
    this.parser.resume();
    if (!this.inputPaused && !this.writeBlocked) this.socket.resume();
  }

  fail(err: ProtocolError): void {
    if (this.closed) return;
    this.exitError ??= this.logError(err);
    this.sendFatal(err);
  }

  private sendFatal(err: ProtocolError): void {
    if (this.closed) return;
    this.writer.writeFrame(encodeError(err));
    this.shutdown();
  }

  close(): void {
    if (!this.closed) this.shutdown();
  }

  /** flush what is buffered, stop reading and timing, then end the socket (destroyed if it lingers) */
  private shutdown(): void {
    this.writer.flush();
    this.closed = true;
    this.parser.close();
    this.stopTimer();
    this.writer.close();
    this.socket.end();
    setTimeout(destroySocket, LINGER_MS, this.socket).unref();
  }

  // ---- ShardAnswers (the table hands this connection's answers here) ----
  ok(): void {
    this.session.onShardOk();
  }

  error(_conn: number, err: ProtocolError): void {
    this.session.onShardError(err);
  }

  deliver(_conn: number, msg: OutgoingMessage, flush: boolean): void {
    if (this.log.enabled(LOG_DEBUG)) {
      const at = msg.offset + msg.batch.shift;
      const body = msg.batch.slab.subarray(at, at + msg.length);
      this.log.debug(deliveryLine(this.remoteHostPort, idHexString(msg.idHi, msg.idLo), body));
    }
    this.writer.writeMessage(msg, flush);
  }

  deliverFrame(_conn: number, buf: Buffer, start: number, end: number, flush: boolean): void {
    if (this.log.enabled(LOG_DEBUG)) {
      // the frame data: timestamp (8), attempts (2), ID (16), body
      const id = buf.toString('latin1', start + 10, start + 10 + MSG_ID_LENGTH);
      this.log.debug(deliveryLine(this.remoteHostPort, id, buf.subarray(start + 10 + MSG_ID_LENGTH, end)));
    }
    this.writer.writeEncodedMessage(buf, start, end, flush);
  }

  shardLost(index: number): void {
    const s = this.session;
    if (s.subShard === index || (s.pending > 0 && s.pendingShard === index)) this.close();
  }

  ringSpace(): void {
    this.session.retryStalled();
  }

  heartbeatChanged(): void {
    this.armTimer();
  }

  // ---- socket events ----
  handleData(chunk: Buffer): void {
    if (this.closed) return;
    this.parser.push(chunk);
    if (!this.closed && this.socket.writableLength > WRITE_HIGH_WATER) {
      this.writeBlocked = true;
      this.socket.pause();
    }
  }

  handleDrain(): void {
    if (!this.writeBlocked) return;
    this.writeBlocked = false;
    // resume on the next turn, never straight from 'drain'
    setImmediate(resumeSocket, this);
  }

  /** the client half-closed (the socket allows half-open): parse what came before, then answer */
  handleEnd(): void {
    if (!this.closed) this.parser.end();
  }

  resumeSocketIfIdle(): void {
    if (!this.closed && !this.inputPaused && !this.writeBlocked) this.socket.resume();
  }

  /** the socket failed (reset by the peer, ...): 'close' follows */
  handleError(err: NodeJS.ErrnoException): void {
    this.readFailed(goErrnoText(err));
  }

  /** a read failed (Go's words for `reason`): the error nsqd's exit line gives */
  private readFailed(reason: string): void {
    const what = this.magicSeen ? 'failed to read command - ' : '';
    this.exitError ??= `${what}${`${this.readOp}: ${reason}`}`;
  }

  handleClose(): void {
    this.logExit();
    this.closed = true;
    this.parser.close();
    this.stopTimer();
    this.writer.close();
    this.table.remove(this);
    const s = this.session;
    s.closed();
    const links = s.ctx.links;
    if (s.subShard >= 0) links[s.subShard]!.disconnect(this.id);
  }

  /** what nsqd logs when a client's IOLoop ends (or, before the magic, its read of the magic) */
  private logExit(): void {
    const client = this.remoteHostPort;
    if (this.badMagic) return;
    if (!this.magicSeen) {
      const why = this.exitError ?? (this.socket.bytesRead > 0 ? 'unexpected EOF' : 'EOF');
      this.log.error(`failed to read protocol version - ${why}`);
      return;
    }
    this.log.info(`PROTOCOL(V2): [${client}] exiting ioloop`);
    if (this.exitError !== null) this.log.error(`client(${client}) - ${this.exitError}`);
    this.log.info(`PROTOCOL(V2): [${client}] exiting messagePump`);
  }

  // ---- heartbeats and deadlines ----
  private readDeadlineMs(): number {
    if (!this.magicSeen) return this.clientTimeout;
    const hb = this.session.heartbeatInterval;
    return hb > 0 ? 2 * hb : Number.POSITIVE_INFINITY;
  }

  private armTimer(): void {
    this.stopTimer();
    if (this.closed) return;
    const hb = this.session.heartbeatInterval;
    if (this.magicSeen && hb <= 0) return; // heartbeats disabled: no deadlines, as nsqd
    const now = Date.now();
    this.nextHeartbeatAt = now + (hb > 0 ? hb : this.clientTimeout);
    this.lastBytesWritten = this.socket.bytesWritten;
    this.schedule(now);
  }

  private schedule(now: number): void {
    const readDeadline = this.lastCommandAt + this.readDeadlineMs();
    const at = Math.min(readDeadline, this.magicSeen ? this.nextHeartbeatAt : readDeadline);
    this.timer = setTimeout(onTimer, Math.max(1, at - now), this);
  }

  private stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  tick(): void {
    this.timer = null;
    if (this.closed) return;
    const now = Date.now();
    if (this.inputPaused)
      this.lastCommandAt = now; // not reading: no read deadline runs
    else if (now - this.lastCommandAt >= this.readDeadlineMs()) {
      this.readTimeout();
      return;
    }
    const hb = this.session.heartbeatInterval;
    if (this.magicSeen && hb > 0 && now >= this.nextHeartbeatAt) {
      // write deadline: output pending and no byte went out for a whole interval
      const written = this.socket.bytesWritten;
      if (this.socket.writableLength > 0 && written === this.lastBytesWritten) {
        this.close();
        return;
      }
      this.lastBytesWritten = written;
      this.writer.writeFrame(HEARTBEAT_FRAME);
      this.nextHeartbeatAt = now + hb;
    }
    this.schedule(now);
  }

  /** idle past the read deadline: mid-frame clients get nsqd's "failed to read" error first */
  private readTimeout(): void {
    const err = this.parser.truncationError();
    if (err !== null) {
      this.fail(err);
      return;
    }
    this.readFailed('i/o timeout');
    this.close();
  }
}

function onData(this: TaggedSocket, chunk: Buffer): void {
  this[kConn]!.handleData(chunk);
}
function onEnd(this: TaggedSocket): void {
  this[kConn]!.handleEnd();
}
function onDrain(this: TaggedSocket): void {
  this[kConn]!.handleDrain();
}
function onError(this: TaggedSocket, err: Error): void {
  this[kConn]!.handleError(err);
}
function onClose(this: TaggedSocket): void {
  this[kConn]!.handleClose();
}
function onTimer(c: Connection): void {
  c.tick();
}
function resumeSocket(c: Connection): void {
  c.resumeSocketIfIdle();
}
function destroySocket(s: Socket): void {
  s.destroy();
}
