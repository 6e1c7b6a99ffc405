/**
 * The compression layer of one V2 connection after a `snappy` or `deflate` upgrade, both behind one
 * StreamCodec, shared by nsqd's acceptor and the client's transport: output plaintext in,
 * compressed bytes out (each write is one flush — nsqd's, or a client's batch of commands: snappy
 * chunks, or a raw-deflate block ending in a sync flush); compressed input in, plaintext out to
 * the parser, paused with it. Work per event-loop turn is bounded: snappy decodes at most
 * INPUT_BUDGET bytes a turn and yields; deflate input is inflate.ts's (inline per read up to a
 * bound, else on libuv's pool), deflate output is compressed inline per flush (up to
 * SYNC_DEFLATE_MAX, bigger flushes on the pool). Errors carry Go's reader texts.
 */

import { constants, deflateRaw, deflateRawSync, type ZlibOptions } from 'node:zlib';
import type { SnappyBlockCodec } from '../wire/snappy-block.js';
import { SnappyFrameDecoder, SnappyFrameEncoder, type SnappyFrameSink } from '../wire/snappy-frame.js';
import { InflateInput } from './inflate-input.js';

/** flushes up to this size (responses) go out as a stored block: a deflate context costs more */
const STORED_MAX = 128;
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

export class DeflateCodec implements StreamCodec {
  readonly kind = 'deflate';
  private readonly host: CodecHost;
  private readonly input: InflateInput;
  /** one-shot raw deflate of one flush, ending in a sync flush (00 00 ff ff), never the last block */
  private readonly deflateOptions: ZlibOptions;
  private closed = false;
  /** flushes too big to compress inline, compressed on the pool one at a time, in order */
  private readonly outQueue: Buffer[] = [];
  private outQueued = 0;
  private waiters: (() => void)[] = [];

  constructor(level: number, host: CodecHost) {
    this.host = host;
    this.deflateOptions = { level, finishFlush: constants.Z_SYNC_FLUSH };
    this.input = new InflateInput({
      onPlain: (buf) => host.onPlain(buf),
      onPlainEnd: () => host.onPlainEnd(),
      onInflateError: (text) => host.onCodecError(text),
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
      this.host.onEncoded(
        plain.length <= STORED_MAX ? storedBlock(plain) : deflateRawSync(plain, this.deflateOptions),
      );
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
    if (!this.closed) this.input.push(compressed);
  }

  end(): void {
    if (!this.closed) this.input.end();
  }

  pause(): void {
    this.input.pause();
  }

  resume(): void {
    this.input.resume();
  }

  get pendingOutput(): number {
    return this.outQueued;
  }

  close(): void {
    this.closed = true;
    this.input.close();
    this.outQueue.length = 0;
    this.outQueued = 0;
    this.runWaiters();
  }
}

/**
 * `plain` as one stored (uncompressed) deflate block and the empty stored block a sync flush
 * ends with: `00 LEN NLEN data 00 00 00 ff ff`, byte-aligned like every flush before it.
 */
function storedBlock(plain: Buffer): Buffer {
  const n = plain.length;
  const out = Buffer.allocUnsafe(n + 10);
  out[0] = 0x00;
  out.writeUInt16LE(n, 1);
  out.writeUInt16LE(~n & 0xffff, 3);
  plain.copy(out, 5);
  out[n + 5] = 0x00;
  out.writeUInt32BE(0x0000ffff, n + 6);
  return out;
}
