/**
 * A server-side WebSocket as a byte stream with the net.Socket surface a TCP protocol handler uses
 * (remote/local address and port, bytesRead/bytesWritten, writableLength, pause/resume, end,
 * destroy, setNoDelay/setKeepAlive as no-ops), so a program can serve its TCP protocol over a
 * WebSocket unchanged: each binary message's payload is the next bytes read, each write goes out
 * as one binary message. Text messages are refused (close 1003). Both HTTP adapters feed it through
 * a WsTransport (uws.ts: uWebSockets.js; node.ts: the `ws` package).
 *
 * Backpressure both ways, bounded: a write completes once the transport has less than
 * TRANSPORT_HIGH_WATER bytes unsent, so what the peer does not read piles up in writableLength
 * (where the handler's own output bound and write deadline see it), never in the transport. Reads
 * pause the transport when the handler pauses; a transport that cannot pause (uWebSockets.js) is
 * closed (1008) once more than `maxBufferedInput` bytes wait unread. Owns the transport; knows no
 * protocol.
 */

import { Duplex } from 'node:stream';

/** what an adapter's WebSocket must do for the stream */
export interface WsTransport {
  /** send one binary message; `done` once it left the process (or the socket failed) */
  send(chunk: Buffer, done: () => void): void;
  /** bytes accepted by send and not yet written to the socket */
  readonly bufferedAmount: number;
  /** stop and restart reading (a no-op where the transport cannot) */
  pauseReading(): void;
  resumeReading(): void;
  /** a close frame with `code`, then the close */
  close(code: number, reason: string): void;
  /** close at once, no close frame */
  terminate(): void;
}

/** where the connection runs, as net.Socket reports it */
export interface WsEndpoints {
  remoteAddress: string;
  /** 0 where the server does not know it (uWebSockets.js) */
  remotePort: number;
  localAddress: string;
  localPort: number;
}

/** a write completes while the transport holds less than this unsent */
const TRANSPORT_HIGH_WATER = 256 * 1024;
/** after the peer closed, how long the handler has to finish what it read before the stream is destroyed */
const CLOSE_LINGER_MS = 2000;

export const WS_CLOSE_NORMAL = 1000;
export const WS_CLOSE_UNSUPPORTED_DATA = 1003;
export const WS_CLOSE_POLICY = 1008;

export class WsStream extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  bytesRead = 0;
  bytesWritten = 0;
  private readonly transport: WsTransport;
  private readonly maxBufferedInput: number;
  /** the transport closed (by the peer, or by us): nothing more is sent or read */
  private transportClosed = false;
  /** the input's end was pushed */
  private inputEnded = false;
  private readingPaused = false;
  /** the write waiting for the transport to drain, and its size */
  private pendingWrite: ((err?: Error | null) => void) | null = null;
  private pendingBytes = 0;

  constructor(transport: WsTransport, where: WsEndpoints, maxBufferedInput: number) {
    super({ allowHalfOpen: true, readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
    this.transport = transport;
    this.remoteAddress = where.remoteAddress;
    this.remotePort = where.remotePort;
    this.localAddress = where.localAddress;
    this.localPort = where.localPort;
    this.maxBufferedInput = maxBufferedInput;
  }

  // ---- the net.Socket options a TCP handler sets: meaningless here ----
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }
  setKeepAlive(_enable?: boolean, _initialDelay?: number): this {
    return this;
  }

  // ---- from the transport ----

  /** a message arrived */
  onMessage(data: Buffer, binary: boolean): void {
    if (this.transportClosed) return;
    if (!binary) {
      this.closeTransport(WS_CLOSE_UNSUPPORTED_DATA, 'binary messages only');
      return;
    }
    this.bytesRead += data.length;
    // (the handler may have closed the stream while it read this)
    if (!this.push(data) && !this.readingPaused && !this.transportClosed) {
      this.readingPaused = true;
      this.transport.pauseReading();
    }
    if (this.readableLength > this.maxBufferedInput) {
      this.closeTransport(WS_CLOSE_POLICY, 'too much input unread');
    }
  }

  /** the transport wrote some of what it held */
  onDrain(): void {
    if (this.pendingWrite !== null && this.transport.bufferedAmount < TRANSPORT_HIGH_WATER)
      this.completeWrite();
  }

  /** the connection is closed (by either side): what was read is still handed over, then the stream ends */
  onClose(): void {
    this.transportClosed = true;
    if (this.inputEnded || this.destroyed) return;
    this.inputEnded = true;
    if (this.pendingWrite !== null) this.completeWrite();
    this.push(null);
    setTimeout(destroyStream, CLOSE_LINGER_MS, this).unref();
  }

  onError(err: Error): void {
    this.destroy(err);
  }

  // ---- Duplex ----

  override _read(): void {
    if (this.readingPaused && !this.transportClosed) {
      this.readingPaused = false;
      this.transport.resumeReading();
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.transportClosed) {
      cb(); // the peer is gone: dropped, as a write to a reset socket
      return;
    }
    this.pendingWrite = cb;
    this.pendingBytes = chunk.length;
    this.transport.send(chunk, () => this.onDrain());
    if (this.pendingWrite === cb && this.transport.bufferedAmount < TRANSPORT_HIGH_WATER)
      this.completeWrite();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.closeTransport(WS_CLOSE_NORMAL, '');
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.transportClosed) {
      this.transportClosed = true;
      this.transport.terminate();
    }
    const w = this.pendingWrite;
    this.pendingWrite = null;
    w?.();
    cb(err);
  }

  private completeWrite(): void {
    const cb = this.pendingWrite!;
    this.pendingWrite = null;
    this.bytesWritten += this.pendingBytes;
    this.pendingBytes = 0;
    cb();
  }

  private closeTransport(code: number, reason: string): void {
    if (this.transportClosed) return;
    this.transport.close(code, reason);
    this.onClose();
  }
}

function destroyStream(s: WsStream): void {
  s.destroy();
}
