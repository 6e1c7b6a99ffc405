/**
 * The input side of a `deflate` connection: the client's raw deflate stream in, plaintext out.
 * Clients end every command with a sync flush (a byte-aligned block boundary, `00 00 ff ff`), so
 * a read that ends in one is inflated inline on the io thread with the last 32 KiB of plaintext as
 * the dictionary — no round trip through libuv's pool per command, which was most of a PUB's
 * latency. Each inline inflate is verified: the read, with an empty final block appended, must
 * form a complete stream that ends exactly there. A read that stops elsewhere is held until the
 * rest of the client's flush arrives (a client's write and its flush often come in two reads).
 * Anything else (no boundary within HOLD_MS, held input over SYNC_MAX_IN, output over
 * SYNC_MAX_OUT, broken input, the end of the input) switches the connection for good to
 * node:zlib's streaming inflater on the pool, primed with the same dictionary, which also produces
 * the errors. Owns the window, the held reads and the streaming inflater.
 */

import { createInflateRaw, type InflateRaw, inflateRawSync } from 'node:zlib';

/** node:zlib's output chunk for the streaming inflater (its default is 16 KiB) */
const INFLATE_CHUNK = 64 * 1024;
/** deflate's window: back-references reach at most this far */
const WINDOW = 32 * 1024;
/** held compressed input above this goes to the streaming inflater */
const SYNC_MAX_IN = 64 * 1024;
/** plaintext one inline inflate may produce (~1 ms of work, what snappy decodes per turn) */
const SYNC_MAX_OUT = 1024 * 1024;
/** how long input not ending at a block boundary waits for the rest of the client's flush */
const HOLD_MS = 10;
/** an empty final stored block: closes a stream that stopped at a block boundary */
const FINAL_EMPTY = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);

export interface InflateSink {
  onPlain(buf: Buffer): void;
  onPlainEnd(): void;
  /** Go's reader error text */
  onInflateError(text: string): void;
}

/** Go's flate reader error for input that stops making sense (the offset is of the bytes read) */
function flateError(offset: number): string {
  return `flate: corrupt input before offset ${offset}`;
}

function endsAtSyncFlush(b: Buffer): boolean {
  const n = b.length;
  return n >= 4 && b[n - 4] === 0 && b[n - 3] === 0 && b[n - 2] === 0xff && b[n - 1] === 0xff;
}

export class InflateInput {
  private readonly sink: InflateSink;
  /** the streaming inflater, once the inline path was left (never before) */
  private stream: InflateRaw | null = null;
  /** the last WINDOW bytes of plaintext (inline path only) */
  private window: Buffer = Buffer.alloc(0);
  /** reads not inflated yet: paused, or not ending at a block boundary */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private paused = false;
  /** set while held input waits for a block boundary */
  private holdTimer: NodeJS.Timeout | null = null;
  private received = 0;
  private ending = false;
  /** the input is over (ended or broken) */
  private done = false;
  private closed = false;

  constructor(sink: InflateSink) {
    this.sink = sink;
  }

  push(chunk: Buffer): void {
    if (this.closed || this.done) return;
    this.received += chunk.length;
    if (this.stream !== null) {
      this.stream.write(chunk);
      return;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    this.inflateHeld();
  }

  end(): void {
    if (this.closed || this.done) return;
    this.ending = true;
    // the streaming inflater tells a clean end (a final block) from a truncated one, Go's way
    this.toStream().end();
  }

  pause(): void {
    this.paused = true;
    this.stream?.pause();
  }

  resume(): void {
    this.paused = false;
    if (this.stream !== null) this.stream.resume();
    else this.inflateHeld();
  }

  close(): void {
    this.closed = true;
    this.held = [];
    this.stopHoldTimer();
    this.stream?.destroy();
  }

  /** the held reads inflated inline if they end at a block boundary; else wait a turn, or stream */
  private inflateHeld(): void {
    if (this.paused || this.stream !== null || this.held.length === 0 || this.closed) return;
    if (this.heldBytes > SYNC_MAX_IN) {
      this.toStream();
      return;
    }
    if (!endsAtSyncFlush(this.held[this.held.length - 1]!)) {
      this.holdTimer ??= setTimeout(holdExpired, HOLD_MS, this);
      return;
    }
    this.stopHoldTimer();
    const input = Buffer.concat([...this.held, FINAL_EMPTY], this.heldBytes + FINAL_EMPTY.length);
    let out: Buffer;
    try {
      const r = inflateRawSync(input, {
        ...(this.window.length > 0 ? { dictionary: this.window } : {}),
        maxOutputLength: SYNC_MAX_OUT,
        info: true,
      }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      if (r.engine.bytesWritten !== input.length) throw new Error('not at a block boundary');
      out = r.buffer;
    } catch {
      this.toStream();
      return;
    }
    this.held = [];
    this.heldBytes = 0;
    this.remember(out);
    if (out.length > 0) this.sink.onPlain(out);
  }

  /** no block boundary came in time: the streaming inflater takes over */
  holdExpired(): void {
    this.holdTimer = null;
    if (this.stream === null && this.held.length > 0 && !this.closed) this.toStream();
  }

  private stopHoldTimer(): void {
    if (this.holdTimer === null) return;
    clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }

  private remember(out: Buffer): void {
    if (out.length >= WINDOW) {
      this.window = Buffer.from(out.subarray(out.length - WINDOW));
      return;
    }
    const keep = Math.min(this.window.length, WINDOW - out.length);
    this.window = Buffer.concat([this.window.subarray(this.window.length - keep), out], keep + out.length);
  }

  /** the streaming inflater, primed with the window and fed what is held; the inline path ends */
  private toStream(): InflateRaw {
    if (this.stream !== null) return this.stream;
    this.stopHoldTimer();
    const s = createInflateRaw({
      // big output chunks: a 64 KiB read of compressed PUBs inflates to megabytes
      chunkSize: INFLATE_CHUNK,
      ...(this.window.length > 0 ? { dictionary: this.window } : {}),
    });
    this.stream = s;
    this.window = Buffer.alloc(0);
    s.on('data', (buf: Buffer) => {
      if (!this.closed && !this.done) this.sink.onPlain(buf);
    });
    s.on('end', () => {
      if (this.closed || this.done) return;
      this.done = true;
      this.sink.onPlainEnd();
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (this.closed || this.done) return;
      this.done = true;
      // the input ended between sync-flushed blocks (no final block): Go's ErrUnexpectedEOF
      const eof = this.ending && err.code === 'Z_BUF_ERROR';
      this.sink.onInflateError(eof ? 'unexpected EOF' : flateError(this.received));
    });
    if (this.paused) s.pause();
    for (const b of this.held) s.write(b);
    this.held = [];
    this.heldBytes = 0;
    return s;
  }
}

function holdExpired(i: InflateInput): void {
  i.holdExpired();
}
