/** Go's unicode/utf8.DecodeRune over bytes: the rune and its width packed in one number, invalid input as Go reports it. */

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
