/**
 * Go-compatible scalar text on the wire: ByteToBase10 for command params, Go's utf8.DecodeRune, and
 * strconv.Quote (`%q`) for error texts that echo client bytes. Pure; no I/O.
 */

/**
 * Go's protocol.ByteToBase10 over `buf[start..end)`: digits only, an empty range is 0, any other byte
 * (including `-` and `+`) gives -1. Values past 2^53 lose precision; Go's uint64 would wrap at 2^64
 * instead, and both are far outside every range nsqd accepts.
 */
export function parseBase10(buf: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** U+FFFD, what Go's DecodeRune returns for an invalid sequence (with width 1). */
export const RUNE_ERROR = 0xfffd;

const WIDTH_SHIFT = 0x200000; // 2^21, just above the largest rune

/**
 * Go's utf8.DecodeRune at `buf[i]` (i < end): returns `rune + width * 2^21`; unpack with
 * `runeOf(packed)` / `widthOf(packed)`. Invalid or truncated sequences, overlongs, surrogates and
 * values past U+10FFFF give RUNE_ERROR with width 1, exactly as Go.
 */
export function decodeRune(buf: Uint8Array, i: number, end: number): number {
  const b0 = buf[i]!;
  if (b0 < 0x80) return b0 + WIDTH_SHIFT;
  const bad = RUNE_ERROR + WIDTH_SHIFT;
  if (b0 < 0xc2 || b0 > 0xf4) return bad;
  if (b0 < 0xe0) {
    if (i + 1 >= end) return bad;
    const b1 = buf[i + 1]!;
    if (b1 < 0x80 || b1 > 0xbf) return bad;
    return (((b0 & 0x1f) << 6) | (b1 & 0x3f)) + 2 * WIDTH_SHIFT;
  }
  // second-byte range depends on the first byte (rules out overlongs, surrogates, > U+10FFFF)
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 === 0xe0) lo = 0xa0;
  else if (b0 === 0xed) hi = 0x9f;
  else if (b0 === 0xf0) lo = 0x90;
  else if (b0 === 0xf4) hi = 0x8f;
  if (i + 1 >= end) return bad;
  const b1 = buf[i + 1]!;
  if (b1 < lo || b1 > hi) return bad;
  if (i + 2 >= end) return bad;
  const b2 = buf[i + 2]!;
  if (b2 < 0x80 || b2 > 0xbf) return bad;
  if (b0 < 0xf0) return (((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f)) + 3 * WIDTH_SHIFT;
  if (i + 3 >= end) return bad;
  const b3 = buf[i + 3]!;
  if (b3 < 0x80 || b3 > 0xbf) return bad;
  return (((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f)) + 4 * WIDTH_SHIFT;
}

export function runeOf(packed: number): number {
  return packed % WIDTH_SHIFT;
}

export function widthOf(packed: number): number {
  return Math.floor(packed / WIDTH_SHIFT);
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function isPrint(r: number): boolean {
  if (r < 0x7f) return r >= 0x20;
  if (r < 0xa1) return false; // DEL, C1 controls, NBSP
  return PRINTABLE.test(String.fromCodePoint(r));
}

const HEX = '0123456789abcdef';

function hex(n: number, digits: number): string {
  let s = '';
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) s += HEX[(n >>> shift) & 0xf];
  return s;
}

function escapeRune(r: number): string {
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return `\\x${hex(r, 2)}`;
  if (r < 0x10000) return `\\u${hex(r, 4)}`;
  return `\\U${hex(r, 8)}`;
}

/**
 * Go's strconv.Quote (what `fmt.Sprintf("%q", s)` prints) of the raw bytes. A string argument is
 * taken as its UTF-8 encoding.
 */
export function goQuote(input: Uint8Array | string): string {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const end = buf.length;
  let out = '"';
  let i = 0;
  while (i < end) {
    const b = buf[i]!;
    if (b >= 0x20 && b < 0x7f) {
      out += b === 0x22 || b === 0x5c ? `\\${String.fromCharCode(b)}` : String.fromCharCode(b);
      i++;
      continue;
    }
    const packed = decodeRune(buf, i, end);
    const r = runeOf(packed);
    const w = widthOf(packed);
    if (w === 1 && r === RUNE_ERROR) {
      out += `\\x${hex(b, 2)}`;
    } else if (isPrint(r)) {
      out += String.fromCodePoint(r);
    } else {
      out += escapeRune(r);
    }
    i += w;
  }
  return `${out}"`;
}
