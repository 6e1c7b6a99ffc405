/**
 * Message IDs on the wire: 16 lowercase hex chars of nsqd's 8-byte big-endian guid. Inside the
 * broker an ID is two int32 halves (both small integers to V8, so no string and no heap number per
 * message); this module converts between the two. Pure, no allocation on the hot paths.
 */

export const MSG_ID_LENGTH = 16;

const DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** hex digit value by byte, -1 for anything else (nsqd IDs are lowercase) */
const NIBBLE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE[DIGITS[i]!] = i;

/** write the 16 hex chars of (hi, lo) at dst[off] */
export function writeIdHex(dst: Uint8Array, off: number, hi: number, lo: number): void {
  let h = hi >>> 0;
  let l = lo >>> 0;
  for (let i = 7; i >= 0; i--) {
    dst[off + i] = DIGITS[h & 15]!;
    dst[off + 8 + i] = DIGITS[l & 15]!;
    h >>>= 4;
    l >>>= 4;
  }
}

/** the halves of the last ID parsed by parseIdHex */
export const parsedId = { hi: 0, lo: 0 };

/**
 * Parse 16 lowercase hex bytes at src[off] into `parsedId` (as int32 halves). False when any byte is
 * not [0-9a-f]: such an ID can never be in flight.
 */
export function parseIdHex(src: Uint8Array, off: number): boolean {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 8; i++) {
    const a = NIBBLE[src[off + i]!]!;
    const b = NIBBLE[src[off + 8 + i]!]!;
    if ((a | b) < 0) return false;
    hi = (hi << 4) | a;
    lo = (lo << 4) | b;
  }
  parsedId.hi = hi | 0;
  parsedId.lo = lo | 0;
  return true;
}

/** the wire form as a string (errors, tests) */
export function idHexString(hi: number, lo: number): string {
  const b = Buffer.allocUnsafe(MSG_ID_LENGTH);
  writeIdHex(b, 0, hi, lo);
  return b.toString('latin1');
}
