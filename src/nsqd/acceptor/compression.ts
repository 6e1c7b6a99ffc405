/**
 * The compression layer of one connection after a `snappy` or `deflate` upgrade, both behind one
 * StreamCodec: output plaintext in, compressed bytes out (each write is one nsqd flush: snappy
 * chunks, or a raw-deflate block ending in a sync flush); compressed input in, plaintext out to
 * the parser, paused with it. Work per event-loop turn is bounded: snappy decodes at most
 * INPUT_BUDGET bytes a turn and yields; inflate runs on libuv's pool, deflate inline per flush
 * (up to SYNC_DEFLATE_MAX, bigger flushes on the pool). Errors carry Go's reader texts.
 */

import {
  constants,
  createInflateRaw,
  deflateRaw,
  deflateRawSync,
  type InflateRaw,
  type ZlibOptions,
} from 'node:zlib';
import type { SnappyBlockCodec } from '../../wire/snappy-block.js';
import { SnappyFrameDecoder, SnappyFrameEncoder, type SnappyFrameSink } from '../../wire/snappy-frame.js';

/** node:zlib's output chunk for inflating client input (its default is 16 KiB) */
const INFLATE_CHUNK = 64 * 1024;
/** the biggest flush deflated inline on the io thread (the writer's chunk; ~1 ms of level-6 work) */
const SYNC_DEFLATE_MAX = 64 * 1024;
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
  private readonly host: CodecHost;
  private readonly inflater: InflateRaw;
  /** one-shot raw deflate of one flush, ending in a sync flush (00 00 ff ff), never the last block */
  private readonly deflateOptions: ZlibOptions;
  private received = 0;
  private closed = false;
  /** the input side is over (ended or broken); output may still go out (an error frame) */
  private inputDone = false;
  /** the socket's input ended: the inflater is told to finish */
  private ending = false;
  /** flushes too big to compress inline, compressed on the pool one at a time, in order */
  private readonly outQueue: Buffer[] = [];
  private outQueued = 0;
  private waiters: (() => void)[] = [];

  constructor(level: number, host: CodecHost) {
    this.host = host;
    this.deflateOptions = { level, finishFlush: constants.Z_SYNC_FLUSH };
    // big output chunks: a 64 KiB read of compressed PUBs inflates to megabytes
    this.inflater = createInflateRaw({ chunkSize: INFLATE_CHUNK });
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

  /**
   * One nsqd flush as deflate blocks ending in a sync flush. Each flush is compressed on its own
   * (a fresh context, no history before it: valid for any inflater, a little less compact than a
   * stream's), inline up to SYNC_DEFLATE_MAX — no round trip through libuv's pool, which was most
   * of a PUB's latency — and bigger ones on the pool, behind whatever is queued.
   */
  write(plain: Buffer): void {
    if (this.closed) return;
    if (this.outQueue.length === 0 && plain.length <= SYNC_DEFLATE_MAX) {
      this.host.onEncoded(deflateRawSync(plain, this.deflateOptions));
      return;
    }
    this.outQueue.push(plain);
    this.outQueued += plain.length;
    if (this.outQueue.length === 1) this.deflateNext();
  }

  private deflateNext(): void {
    const plain = this.outQueue[0]!;
    deflateRaw(plain, this.deflateOptions, (err, out) => {
      if (this.closed) return;
      this.outQueue.shift();
      this.outQueued -= plain.length;
      // zlib fails only out of memory: the connection cannot go on without this block
      if (err !== null) {
        this.host.onCodecError(err.message);
        return;
      }
      this.host.onEncoded(out);
      if (this.outQueue.length > 0) {
        this.deflateNext();
        return;
      }
      this.host.outputDrained();
      this.runWaiters();
    });
  }

  private runWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const cb of w) cb();
  }

  afterOutput(cb: () => void): void {
    if (this.outQueue.length === 0 || this.closed) cb();
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
    return this.outQueued;
  }

  close(): void {
    this.closed = true;
    this.inflater.destroy();
    this.outQueue.length = 0;
    this.outQueued = 0;
    this.runWaiters();
  }
}
