/**
 * Go's strconv.Quote (what `%q` prints), the one implementation for every caller: raw bytes (a
 * client's command parameter) or a string (a flag value, taken as its UTF-8 encoding).
 */

import { decodeRune, RUNE_ERROR, runeOf, widthOf } from './utf8.js';

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
