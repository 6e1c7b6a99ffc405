/**
 * Snappy's block format (https://github.com/google/snappy/blob/main/format_description.txt) in
 * plain JavaScript: the twin of the native `snappy` binding behind src/wire/snappy-block.ts, used
 * where that addon cannot load (or under `node --no-addons`). The encoder is the classic greedy
 * one (4-byte hash of the input, 64 KiB blocks, literals and copies), like Go's encodeBlock; the
 * decoder checks every offset and length against the preamble. No I/O, no state between calls.
 */

import type { SnappyBlockCodec } from '../src/wire/snappy-block.js';
import { readSnappyPreamble, SnappyCorrupt } from '../src/wire/snappy-block.js';

const TAG_LITERAL = 0;
const TAG_COPY1 = 1;
const TAG_COPY2 = 2;
// tag 3 (copy with a 4-byte offset) is the default case of the decoder

/** the encoder's hash table: 1 << 14 slots (Go's maxTableSize) */
const TABLE_BITS = 14;
/** the encoder's table, shared by every call (the io thread runs one encode at a time) */
const table = new Int32Array(1 << TABLE_BITS);
/** the longest input one encoder block covers */
const BLOCK = 65536;
/** bytes at the end of a block never searched for a match (Go's inputMargin) */
const INPUT_MARGIN = 15;

/** the most bytes `compress` may need for `n` input bytes (snappy's MaxEncodedLen) */
export function maxEncodedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

function load32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function hash(u: number, shift: number): number {
  return Math.imul(u, 0x1e35a7bd) >>> shift;
}

function emitLiteral(dst: Uint8Array, d: number, src: Uint8Array, start: number, end: number): number {
  const n = end - start - 1;
  if (n < 60) {
    dst[d++] = (n << 2) | TAG_LITERAL;
  } else if (n < 1 << 8) {
    dst[d++] = (60 << 2) | TAG_LITERAL;
    dst[d++] = n;
  } else if (n < 1 << 16) {
    dst[d++] = (61 << 2) | TAG_LITERAL;
    dst[d++] = n & 0xff;
    dst[d++] = n >>> 8;
  } else {
    dst[d++] = (62 << 2) | TAG_LITERAL;
    dst[d++] = n & 0xff;
    dst[d++] = (n >>> 8) & 0xff;
    dst[d++] = n >>> 16;
  }
  dst.set(src.subarray(start, end), d);
  return d + end - start;
}

/** a copy of `length` (4..) bytes from `offset` back, as Go's emitCopy splits it */
function emitCopy(dst: Uint8Array, d: number, offset: number, length: number): number {
  let len = length;
  while (len >= 68) {
    dst[d++] = (63 << 2) | TAG_COPY2;
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    len -= 64;
  }
  if (len > 64) {
    dst[d++] = (59 << 2) | TAG_COPY2;
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    len -= 60;
  }
  if (len >= 12 || offset >= 2048) {
    dst[d++] = ((len - 1) << 2) | TAG_COPY2;
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    return d;
  }
  dst[d++] = ((offset >>> 8) << 5) | ((len - 4) << 2) | TAG_COPY1;
  dst[d++] = offset & 0xff;
  return d;
}

/** one block of at most 64 KiB: `src[start, end)` → `dst` from `d`; returns the new end */
function encodeBlock(dst: Uint8Array, d: number, src: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < INPUT_MARGIN + 2) return n > 0 ? emitLiteral(dst, d, src, start, end) : d;
  // a table as small as the block allows (Go's tableSize loop): small inputs clear less
  let bits = 8;
  while (bits < TABLE_BITS && 1 << bits < n) bits++;
  const shift = 32 - bits;
  table.fill(-1, 0, 1 << bits);
  const sLimit = end - INPUT_MARGIN;
  let nextEmit = start;
  let s = start + 1;
  let nextHash = hash(load32(src, s), shift);
  for (;;) {
    // find a 4-byte match, skipping faster the longer nothing matched (Go's heuristic)
    let skip = 32;
    let nextS = s;
    let candidate = -1;
    for (;;) {
      s = nextS;
      const step = skip >>> 5;
      nextS = s + step;
      skip += step;
      if (nextS > sLimit) return nextEmit < end ? emitLiteral(dst, d, src, nextEmit, end) : d;
      const c = table[nextHash]!;
      table[nextHash] = s - start;
      nextHash = hash(load32(src, nextS), shift);
      if (c >= 0 && load32(src, start + c) === load32(src, s)) {
        candidate = start + c;
        break;
      }
    }
    d = emitLiteral(dst, d, src, nextEmit, s);
    // extend the match, emit it, and keep matching right after it
    for (;;) {
      const base = s;
      s += 4;
      let i = candidate + 4;
      while (s < end && src[i] === src[s]) {
        i++;
        s++;
      }
      d = emitCopy(dst, d, base - candidate, s - base);
      nextEmit = s;
      if (s >= sLimit) return nextEmit < end ? emitLiteral(dst, d, src, nextEmit, end) : d;
      const prev = hash(load32(src, s - 1), shift);
      table[prev] = s - 1 - start;
      const h = hash(load32(src, s), shift);
      const c = table[h]!;
      table[h] = s - start;
      if (c < 0 || load32(src, start + c) !== load32(src, s)) {
        s++;
        nextHash = hash(load32(src, s), shift);
        break;
      }
      candidate = start + c;
    }
  }
}

export function compress(src: Uint8Array): Buffer {
  const dst = Buffer.allocUnsafe(maxEncodedLength(src.length));
  // preamble: the decoded length as a varint
  let d = 0;
  let v = src.length;
  while (v >= 0x80) {
    dst[d++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  dst[d++] = v;
  for (let p = 0; p < src.length; p += BLOCK)
    d = encodeBlock(dst, d, src, p, Math.min(p + BLOCK, src.length));
  return dst.subarray(0, d);
}

/** bytes below which a copy runs as a loop (a copyWithin call costs more than this many stores) */
const SHORT_COPY = 16;

/** `length` bytes from `offset` back to `d` (they overlap when offset < length); returns the new end */
function copyBack(dst: Buffer, d: number, offset: number, length: number): number {
  const stop = d + length;
  if (length <= SHORT_COPY) {
    for (; d < stop; d++) dst[d] = dst[d - offset]!;
    return stop;
  }
  if (offset === 1) {
    // a run of one byte (what repeated input compresses to)
    dst.fill(dst[d - 1]!, d, stop);
    return stop;
  }
  // the pattern of `offset` bytes, doubled each pass: at most log2(length / offset) + 1 copies
  let step = offset;
  while (d < stop) {
    const n = Math.min(step, stop - d);
    dst.copyWithin(d, d - step, d - step + n);
    d += n;
    step += n;
  }
  return stop;
}

/** Decodes a block; throws SnappyCorrupt on any offset, length or preamble that does not add up. */
export function uncompress(src: Uint8Array): Buffer {
  const pre = readSnappyPreamble(src);
  if (pre === null) throw new SnappyCorrupt();
  const dst = Buffer.allocUnsafe(pre.length);
  const dLen = pre.length;
  let s = pre.headerLength;
  let d = 0;
  const sLen = src.length;
  while (s < sLen) {
    const tag = src[s]!;
    let length: number;
    let offset: number;
    switch (tag & 3) {
      case TAG_LITERAL: {
        let x = tag >>> 2;
        s++;
        if (x >= 60) {
          const bytes = x - 59;
          if (s + bytes > sLen) throw new SnappyCorrupt();
          x = 0;
          for (let i = 0; i < bytes; i++) x += src[s + i]! * 2 ** (8 * i);
          s += bytes;
        }
        length = x + 1;
        if (length > dLen - d || length > sLen - s) throw new SnappyCorrupt();
        dst.set(src.subarray(s, s + length), d);
        d += length;
        s += length;
        continue;
      }
      case TAG_COPY1:
        if (s + 2 > sLen) throw new SnappyCorrupt();
        length = 4 + ((tag >>> 2) & 7);
        offset = ((tag & 0xe0) << 3) | src[s + 1]!;
        s += 2;
        break;
      case TAG_COPY2:
        if (s + 3 > sLen) throw new SnappyCorrupt();
        length = 1 + (tag >>> 2);
        offset = src[s + 1]! | (src[s + 2]! << 8);
        s += 3;
        break;
      default:
        if (s + 5 > sLen) throw new SnappyCorrupt();
        length = 1 + (tag >>> 2);
        offset = load32(src, s + 1);
        s += 5;
    }
    if (offset <= 0 || offset > d || length > dLen - d) throw new SnappyCorrupt();
    d = copyBack(dst, d, offset, length);
  }
  if (d !== dLen) throw new SnappyCorrupt();
  return dst;
}

export const jsSnappyBlock: SnappyBlockCodec = { kind: 'js', compress, uncompress };
