/**
 * The byte layers under one connection: the socket (plain, or the TLSSocket that replaced it after
 * a `tls_v1` upgrade) and the compression codec on top after `snappy` or `deflate`. Output from the
 * connection's writer goes down through them, input comes up through them to the parser. Owns the
 * current socket, the codec and the TLS facts; the connection decides when layers switch on.
 */

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type CodecHost, DeflateCodec, SnappyCodec, type StreamCodec } from '../../net/stream-codec.js';
import { loadedSnappyBlockCodec } from '../../wire/snappy-block.js';
import { type TlsFacts, tlsFactsOf } from './tls.js';
import type { ByteSink } from './writer.js';

/** what IDENTIFY negotiated, applied in Go's order: TLS, then snappy, then deflate */
export interface Upgrades {
  tls: boolean;
  snappy: boolean;
  deflate: boolean;
  deflateLevel: number;
}

/** the connection above the layers */
export interface TransportOwner {
  onPlain(buf: Buffer): void;
  onPlainEnd(): void;
  onCodecError(text: string): void;
  holdInput(hold: boolean): void;
  /** the codec's pending output drained (the socket reports its own 'drain') */
  onOutputDrained(): void;
}

export class Transport implements ByteSink, CodecHost {
  socket: Socket;
  /** set once the TLS handshake finished */
  tls: TlsFacts | null = null;
  codec: StreamCodec | null = null;
  private readonly owner: TransportOwner;

  constructor(socket: Socket, owner: TransportOwner) {
    this.socket = socket;
    this.owner = owner;
  }

  /** output from the writer: through the codec, if any, to the socket */
  write(chunk: Buffer): boolean {
    if (this.codec !== null) {
      this.codec.write(chunk);
      return true;
    }
    return this.socket.write(chunk);
  }

  /** input from the socket */
  receive(chunk: Buffer): void {
    if (this.codec !== null) this.codec.push(chunk);
    else this.owner.onPlain(chunk);
  }

  receiveEnd(): void {
    if (this.codec !== null) this.codec.end();
    else this.owner.onPlainEnd();
  }

  /** the TLS handshake finished: the secure socket carries everything from now on */
  secured(t: TLSSocket): void {
    this.socket = t;
    this.tls = tlsFactsOf(t);
  }

  /** switch compression on (after IDENTIFY's JSON and, with TLS, its OK) */
  compress(u: Upgrades): void {
    if (u.snappy) {
      const block = loadedSnappyBlockCodec();
      if (block === null) throw new Error('snappy codec not loaded');
      this.codec = new SnappyCodec(block, this);
    } else if (u.deflate) {
      this.codec = new DeflateCodec(u.deflateLevel, this);
    }
  }

  /** output accepted but not yet sent */
  get pendingOutput(): number {
    return this.socket.writableLength + (this.codec?.pendingOutput ?? 0);
  }

  /** `cb` once the codec handed every write so far to the socket */
  afterOutput(cb: () => void): void {
    if (this.codec === null) cb();
    else this.codec.afterOutput(cb);
  }

  pauseInput(): void {
    this.codec?.pause();
  }

  resumeInput(): void {
    this.codec?.resume();
  }

  close(): void {
    this.codec?.close();
  }

  // ---- CodecHost ----
  onPlain(buf: Buffer): void {
    this.owner.onPlain(buf);
  }

  onEncoded(buf: Buffer): void {
    this.socket.write(buf);
  }

  onPlainEnd(): void {
    this.owner.onPlainEnd();
  }

  onCodecError(text: string): void {
    this.owner.onCodecError(text);
  }

  holdInput(hold: boolean): void {
    this.owner.holdInput(hold);
  }

  outputDrained(): void {
    this.owner.onOutputDrained();
  }
}
