/**
 * The compression layer of one V2 connection after a `snappy` or `deflate` upgrade, both behind one
 * StreamCodec, shared by nsqd's acceptor and the client's transport: output plaintext in,
 * compressed bytes out (each write is one flush: snappy chunks, or a raw-deflate block ending in a
 * sync flush); compressed input in, plaintext out to the parser, paused with it. Work per event-loop turn is bounded: snappy decodes at most
 * INPUT_BUDGET bytes a turn and yields, zlib runs on libuv's pool. Errors carry Go's reader texts.
 */

import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';
import type { SnappyBlockCodec } from '../wire/snappy-block.js';
import { SnappyFrameDecoder, SnappyFrameEncoder, type SnappyFrameSink } from '../wire/snappy-frame.js';

/** node:zlib's output chunk for inflating client input (its default is 16 KiB) */
const INFLATE_CHUNK = 64 * 1024;
/** plaintext decoded from one connection's input per event-loop turn before it yields (~1 ms of work) */
const INPUT_BUDGET = 1024 * 1024;

/** what a codec reports to its connection */
export interface CodecHost {
  /** decoded input for the parser */
  onPlain(buf: Buffer): void;
  /** compressed output for the socket */
  onEncoded(buf: Buffer): void;
  /** the input ended and everything before the end was decoded */
  onPlainEnd(): void;
  /** the compressed input is broken: Go's reader error */
  onCodecError(text: string): void;
  /** the codec holds input back for a turn (true) or takes it again (false) */
  holdInput(hold: boolean): void;
  /** output the codec held past its buffer went out (after a write it took with pendingOutput high) */
  outputDrained(): void;
}

export interface StreamCodec {
  readonly kind: 'snappy' | 'deflate';
  write(plain: Buffer): void;
  push(compressed: Buffer): void;
  end(): void;
  pause(): void;
  resume(): void;
  /** output bytes accepted but not yet handed to the socket */
  readonly pendingOutput: number;
  /** `cb` once every write so far reached onEncoded */
  afterOutput(cb: () => void): void;
  close(): void;
}

export class SnappyCodec implements StreamCodec, SnappyFrameSink {
  readonly kind = 'snappy';
  readonly pendingOutput = 0;
  private readonly host: CodecHost;
  private readonly encoder: SnappyFrameEncoder;
  private readonly decoder: SnappyFrameDecoder;
  private ended = false;
  /** the input side is over (ended or broken); output may still go out (an error frame) */
  private inputDone = false;
  private closed = false;
  private yielding = false;

  constructor(block: SnappyBlockCodec, host: CodecHost) {
    this.host = host;
    this.encoder = new SnappyFrameEncoder(block);
    this.decoder = new SnappyFrameDecoder(block, this);
  }

  onDecoded(buf: Buffer): void {
    this.host.onPlain(buf);
  }

  write(plain: Buffer): void {
    if (!this.closed) this.host.onEncoded(this.encoder.encode(plain));
  }

  push(compressed: Buffer): void {
    this.decoder.push(compressed);
    this.pump();
  }

  end(): void {
    this.ended = true;
    this.pump();
  }

  pause(): void {
    this.decoder.pause();
  }

  resume(): void {
    if (!this.decoder.paused) return;
    this.decoder.resume();
    this.pump();
  }

  pump(): void {
    if (this.closed || this.inputDone || this.yielding) return;
    const r = this.decoder.run(INPUT_BUDGET);
    if (r === 'paused') return;
    if (r === 'more') {
      this.yielding = true;
      this.host.holdInput(true);
      setImmediate(resumeSnappy, this);
      return;
    }
    if (r === 'idle') {
      if (this.ended) {
        this.inputDone = true;
        this.host.onPlainEnd();
      }
      return;
    }
    this.inputDone = true;
    this.host.onCodecError(r);
  }

  afterOutput(cb: () => void): void {
    cb();
  }

  afterYield(): void {
    this.yielding = false;
    this.host.holdInput(false);
    this.pump();
  }

  close(): void {
    this.closed = true;
  }
}

function resumeSnappy(c: SnappyCodec): void {
  c.afterYield();
}

/** Go's flate reader error for input that stops making sense (the offset is of the bytes read) */
function flateError(offset: number): string {
  return `flate: corrupt input before offset ${offset}`;
}

export class DeflateCodec implements StreamCodec {
  readonly kind = 'deflate';
  private readonly deflater: DeflateRaw;
  private readonly inflater: InflateRaw;
  private received = 0;
  private closed = false;
  /** the input side is over (ended or broken); output may still go out (an error frame) */
  private inputDone = false;
  /** the socket's input ended: the inflater is told to finish */
  private ending = false;
  /** sync flushes not yet done, and who waits for them */
  private flushing = 0;
  private waiters: (() => void)[] = [];
  private readonly flushed = (): void => {
    if (--this.flushing > 0 || this.waiters.length === 0) return;
    // the flush's output reaches 'data' on a later tick than its callback: wait one turn
    setImmediate(runWaiters, this);
  };

  runWaiters(): void {
    if (this.flushing > 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const cb of w) cb();
  }

  constructor(level: number, host: CodecHost) {
    this.deflater = createDeflateRaw({ level });
    // big output chunks: a 64 KiB read of compressed PUBs inflates to megabytes
    this.inflater = createInflateRaw({ chunkSize: INFLATE_CHUNK });
    this.deflater.on('drain', () => host.outputDrained());
    this.deflater.on('data', (buf: Buffer) => {
      if (!this.closed) host.onEncoded(buf);
    });
    this.deflater.on('error', () => {});
    this.inflater.on('data', (buf: Buffer) => {
      if (!this.closed && !this.inputDone) host.onPlain(buf);
    });
    this.inflater.on('end', () => {
      if (this.closed || this.inputDone) return;
      this.inputDone = true;
      host.onPlainEnd();
    });
    this.inflater.on('error', (err: NodeJS.ErrnoException) => {
      if (this.closed || this.inputDone) return;
      this.inputDone = true;
      // the input ended between sync-flushed blocks (no final block): Go's ErrUnexpectedEOF
      const eof = this.ending && err.code === 'Z_BUF_ERROR';
      host.onCodecError(eof ? 'unexpected EOF' : flateError(this.received));
    });
  }

  write(plain: Buffer): void {
    if (this.closed) return;
    this.deflater.write(plain);
    // every flush (nsqd's, or a client's batch of commands) ends the deflate block with a sync
    // flush (00 00 ff ff)
    this.flushing++;
    this.deflater.flush(constants.Z_SYNC_FLUSH, this.flushed);
  }

  afterOutput(cb: () => void): void {
    if (this.flushing === 0 || this.closed) cb();
    else this.waiters.push(cb);
  }

  push(compressed: Buffer): void {
    if (this.closed || this.inputDone) return;
    this.received += compressed.length;
    this.inflater.write(compressed);
  }

  end(): void {
    if (this.closed || this.inputDone) return;
    this.ending = true;
    this.inflater.end();
  }

  pause(): void {
    this.inflater.pause();
  }

  resume(): void {
    this.inflater.resume();
  }

  get pendingOutput(): number {
    return this.deflater.writableLength + this.deflater.readableLength;
  }

  close(): void {
    this.closed = true;
    this.deflater.destroy();
    this.inflater.destroy();
    const w = this.waiters;
    this.waiters = [];
    for (const cb of w) cb();
  }
}

function runWaiters(c: DeflateCodec): void {
  c.runWaiters();
}
