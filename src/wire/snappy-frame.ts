/**
 * Snappy's framing format (https://github.com/google/snappy/blob/main/framing_format.txt) as nsqd
 * speaks it after a `snappy` upgrade: the encoder is Go's unbuffered snappy.Writer (stream
 * identifier first, then one compressed or uncompressed chunk per 64 KiB of each write, with the
 * masked CRC-32C), the decoder is Go's snappy.Reader as a resumable push decoder with its exact
 * checks and error texts. The block format comes from a SnappyBlockCodec. No I/O.
 */

import { maskedCrc32c } from './crc32c.js';
import { readSnappyPreamble, type SnappyBlockCodec } from './snappy-block.js';

const CHUNK_COMPRESSED = 0x00;
const CHUNK_UNCOMPRESSED = 0x01;
const CHUNK_STREAM_ID = 0xff;
/** `ff 06 00 00 "sNaPpY"` */
export const SNAPPY_STREAM_ID = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
const CHECKSUM = 4;
const HEADER = 4;
/** the most plaintext one chunk carries (Go's maxBlockSize) */
export const SNAPPY_MAX_BLOCK = 65536;
/** Go's maxEncodedLenOfMaxBlockSize + checksumSize: a longer chunk is "unsupported input" */
export const SNAPPY_MAX_CHUNK = 76490 + CHECKSUM;

export const SNAPPY_CORRUPT = 'snappy: corrupt input';
export const SNAPPY_UNSUPPORTED = 'snappy: unsupported input';

/** one chunk header + checksum in front of `body` */
function writeChunkHeader(out: Buffer, at: number, type: number, bodyLength: number, crc: number): number {
  const len = bodyLength + CHECKSUM;
  out[at] = type;
  out[at + 1] = len & 0xff;
  out[at + 2] = (len >>> 8) & 0xff;
  out[at + 3] = len >>> 16;
  out.writeUInt32LE(crc, at + 4);
  return at + HEADER + CHECKSUM;
}

/** Go's snappy.NewWriter: every `encode` call becomes complete chunks (nsqd buffers in front of it) */
export class SnappyFrameEncoder {
  private readonly codec: SnappyBlockCodec;
  private wroteStreamId = false;

  constructor(codec: SnappyBlockCodec) {
    this.codec = codec;
  }

  /** `src[start, end)` framed: the stream identifier the first time, then its chunks */
  encode(src: Buffer, start = 0, end = src.length): Buffer {
    const parts: Buffer[] = [];
    let total = 0;
    if (!this.wroteStreamId) {
      this.wroteStreamId = true;
      parts.push(SNAPPY_STREAM_ID);
      total += SNAPPY_STREAM_ID.length;
    }
    for (let p = start; p < end; p += SNAPPY_MAX_BLOCK) {
      const block = src.subarray(p, Math.min(end, p + SNAPPY_MAX_BLOCK));
      const crc = maskedCrc32c(block);
      const compressed = this.codec.compress(block);
      // Go keeps the block uncompressed unless it shrinks by at least 1/8
      const raw = compressed.length >= block.length - (block.length >>> 3);
      const body = raw ? block : compressed;
      const head = Buffer.allocUnsafe(HEADER + CHECKSUM);
      writeChunkHeader(head, 0, raw ? CHUNK_UNCOMPRESSED : CHUNK_COMPRESSED, body.length, crc);
      parts.push(head, body);
      total += head.length + body.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }
}

/** where decoded plaintext goes; `onDecoded` may pause the decoder */
export interface SnappyFrameSink {
  onDecoded(buf: Buffer): void;
}

/**
 * Go's snappy.Reader over pushed bytes. `run(budget)` decodes what it has until the input runs out
 * ('idle'), the sink paused it ('paused'), `budget` plaintext bytes were produced this call
 * ('more': call again on a later turn), or the stream is broken (Go's error text).
 */
export class SnappyFrameDecoder {
  private readonly codec: SnappyBlockCodec;
  private readonly sink: SnappyFrameSink;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private seenStreamId = false;
  private pausedFlag = false;
  private failed: string | null = null;
  /** compressed bytes consumed so far (for tests and logs) */
  consumed = 0;

  constructor(codec: SnappyBlockCodec, sink: SnappyFrameSink) {
    this.codec = codec;
    this.sink = sink;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.failed !== null) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
  }

  pause(): void {
    this.pausedFlag = true;
  }

  resume(): void {
    this.pausedFlag = false;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  /** compressed bytes waiting: more than 0 at the end of input means it ended inside a chunk */
  get buffered(): number {
    return this.queued;
  }

  run(budget: number): 'idle' | 'paused' | 'more' | string {
    if (this.failed !== null) return this.failed;
    let produced = 0;
    for (;;) {
      if (this.pausedFlag) return 'paused';
      if (produced >= budget) return 'more';
      if (this.queued < HEADER) return 'idle';
      const type = this.peekByte(0);
      const len = this.peekByte(1) | (this.peekByte(2) << 8) | (this.peekByte(3) << 16);
      const bad = this.headerError(type, len);
      if (bad !== null) return this.fail(bad);
      if (this.queued < HEADER + len) return 'idle';
      this.take(HEADER);
      const out = this.chunk(type, this.take(len));
      if (typeof out === 'string') return this.fail(out);
      if (out !== null && out.length > 0) {
        produced += out.length;
        this.sink.onDecoded(out);
      }
    }
  }

  /** Go's checks on a chunk header, before its body is read */
  private headerError(type: number, len: number): string | null {
    if (!this.seenStreamId && type !== CHUNK_STREAM_ID) return SNAPPY_CORRUPT;
    if (len > SNAPPY_MAX_CHUNK) return SNAPPY_UNSUPPORTED;
    if ((type === CHUNK_COMPRESSED || type === CHUNK_UNCOMPRESSED) && len < CHECKSUM) return SNAPPY_CORRUPT;
    if (type === CHUNK_STREAM_ID && len !== 6) return SNAPPY_CORRUPT;
    if (type >= 0x02 && type <= 0x7f) return SNAPPY_UNSUPPORTED;
    if (type === CHUNK_UNCOMPRESSED && len - CHECKSUM > SNAPPY_MAX_BLOCK) return SNAPPY_CORRUPT;
    return null;
  }

  /** a whole chunk: its plaintext, null for one that carries none, or Go's error text */
  private chunk(type: number, body: Buffer): Buffer | null | string {
    switch (type) {
      case CHUNK_STREAM_ID:
        if (!body.equals(SNAPPY_STREAM_ID.subarray(HEADER))) return SNAPPY_CORRUPT;
        this.seenStreamId = true;
        return null;
      case CHUNK_COMPRESSED: {
        const block = body.subarray(CHECKSUM);
        const pre = readSnappyPreamble(block);
        if (pre === null || pre.length > SNAPPY_MAX_BLOCK) return SNAPPY_CORRUPT;
        let out: Buffer;
        try {
          out = this.codec.uncompress(block);
        } catch {
          return SNAPPY_CORRUPT;
        }
        if (out.length !== pre.length || maskedCrc32c(out) !== body.readUInt32LE(0)) return SNAPPY_CORRUPT;
        return out;
      }
      case CHUNK_UNCOMPRESSED: {
        const out = body.subarray(CHECKSUM);
        return maskedCrc32c(out) === body.readUInt32LE(0) ? out : SNAPPY_CORRUPT;
      }
      default:
        // padding (0xfe) and reserved skippable chunks (0x80-0xfd)
        return null;
    }
  }

  private fail(text: string): string {
    this.failed = text;
    this.queue.length = 0;
    this.queued = 0;
    return text;
  }

  private peekByte(i: number): number {
    let at = i;
    for (const b of this.queue) {
      if (at < b.length) return b[at]!;
      at -= b.length;
    }
    return 0;
  }

  /** the next n queued bytes: a view when they lie in one pushed chunk, else one copy */
  private take(n: number): Buffer {
    this.queued -= n;
    this.consumed += n;
    const first = this.queue[0]!;
    if (first.length >= n) {
      if (first.length === n) this.queue.shift();
      else this.queue[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let w = 0;
    while (w < n) {
      const b = this.queue[0]!;
      const k = Math.min(n - w, b.length);
      b.copy(out, w, 0, k);
      w += k;
      if (k === b.length) this.queue.shift();
      else this.queue[0] = b.subarray(k);
    }
    return out;
  }
}
