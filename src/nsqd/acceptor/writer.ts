/**
 * A connection's output buffer (nsqd's per-client bufio.Writer): frames are appended to a chunk and
 * written in one socket.write when `output_buffer_size` fills, when the consumer stops being ready,
 * on `output_buffer_timeout`, or — for responses and errors — at the end of the current event.
 * Owns the chunk and its timer; never decides delivery.
 */

import { encodeError, FRAME_MESSAGE, writeMessageHeader } from '../../wire/encode.js';
import type { ProtocolError } from '../../wire/errors.js';
import type { OutgoingMessage } from '../contract/shard.js';
import { type Flushable, scheduleFlush } from './flush-queue.js';

/** where the bytes go: the connection's socket (a test's recorder) */
export interface ByteSink {
  write(chunk: Buffer): boolean;
}

const CHUNK = 64 * 1024;
/** flushes up to this size are copied out instead of giving the chunk away (no 64 KiB allocation per ack) */
const SMALL_WRITE = 2048;

export class OutputWriter implements Flushable {
  flushScheduled = false;
  /** bytes buffered before a message frame forces a write (IDENTIFY output_buffer_size) */
  bufferSize: number;
  /** ms a message frame may wait in the buffer (IDENTIFY output_buffer_timeout); 0 = end of event */
  bufferTimeout: number;
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly socket: ByteSink;

  constructor(socket: ByteSink, bufferSize: number, bufferTimeout: number) {
    this.socket = socket;
    this.bufferSize = bufferSize;
    this.bufferTimeout = bufferTimeout;
  }

  /** a response or error frame: flushed at the end of the current event */
  writeFrame(frame: Buffer): void {
    if (this.closed) return;
    this.append(frame, 0, frame.length);
    scheduleFlush(this);
  }

  writeError(err: ProtocolError): void {
    this.writeFrame(encodeError(err));
  }

  /** a message frame from the inline shard: header plus the body straight from the body store */
  writeMessage(msg: OutgoingMessage, flushNow: boolean): void {
    if (this.closed) return;
    const total = 34 + msg.length;
    this.reserve(total);
    const b = msg.batch;
    const off = writeMessageHeader(
      this.chunk,
      this.used,
      msg.length,
      b.tsHi,
      b.tsLo,
      msg.attempts,
      msg.idHi,
      msg.idLo,
    );
    const at = msg.offset + b.shift;
    b.slab.copy(this.chunk, off, at, at + msg.length);
    this.used = off + msg.length;
    this.afterMessage(flushNow);
  }

  /** a message frame from a worker shard: `src[start, end)` is the frame data (ts, attempts, id, body) */
  writeEncodedMessage(src: Buffer, start: number, end: number, flushNow: boolean): void {
    if (this.closed) return;
    const n = end - start;
    this.reserve(8 + n);
    const c = this.chunk;
    c.writeUInt32BE(4 + n, this.used);
    c.writeUInt32BE(FRAME_MESSAGE, this.used + 4);
    src.copy(c, this.used + 8, start, end);
    this.used += 8 + n;
    this.afterMessage(flushNow);
  }

  private afterMessage(flushNow: boolean): void {
    if (flushNow || this.used >= this.bufferSize || this.bufferTimeout === 0) {
      scheduleFlush(this);
    } else if (this.timer === null) {
      this.timer = setTimeout(onBufferTimeout, this.bufferTimeout, this);
    }
  }

  private append(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.reserve(n);
    src.copy(this.chunk, this.used, start, end);
    this.used += n;
  }

  /** make room for n contiguous bytes, writing out what is buffered if needed */
  private reserve(n: number): void {
    if (this.used + n <= this.chunk.length) return;
    this.flush();
    if (n > this.chunk.length) this.chunk = Buffer.allocUnsafe(n);
  }

  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const n = this.used;
    if (n === 0 || this.closed) return;
    this.used = 0;
    if (n <= SMALL_WRITE) {
      // a few responses: copy them out (from Node's buffer pool) and keep the chunk
      const out = Buffer.allocUnsafe(n);
      this.chunk.copy(out, 0, 0, n);
      this.socket.write(out);
      return;
    }
    // the socket keeps a reference to what it has not sent yet, so the next frames go to a new chunk
    const out = this.chunk.subarray(0, n);
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.socket.write(out);
  }

  get buffered(): number {
    return this.used;
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.closed = true;
  }
}

function onBufferTimeout(w: OutputWriter): void {
  w.flush();
}
