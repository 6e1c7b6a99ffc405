/**
 * CRC-32C (Castagnoli) in plain JavaScript: the twin of the native `@node-rs/crc32` (SIMD) that
 * src/wire/crc32c.ts uses when it loads. Slicing-by-8 tables built once; pure computation.
 */

const POLY = 0x82f63b78;

/** TABLES[k][b]: the CRC of byte b followed by k zero bytes */
const TABLES: Uint32Array[] = (() => {
  const t: Uint32Array[] = [];
  for (let k = 0; k < 8; k++) t.push(new Uint32Array(256));
  const t0 = t[0]!;
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    let c = t0[b]!;
    for (let k = 1; k < 8; k++) {
      c = (c >>> 8) ^ t0[c & 0xff]!;
      t[k]![b] = c >>> 0;
    }
  }
  return t;
})();

/** CRC-32C of `buf[start, end)` */
export function crc32cJs(buf: Uint8Array, start = 0, end = buf.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let crc = 0xffffffff;
  let i = start;
  const fast = end - ((end - start) & 7);
  while (i < fast) {
    const lo = (crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))) >>> 0;
    crc =
      t7[lo & 0xff]! ^
      t6[(lo >>> 8) & 0xff]! ^
      t5[(lo >>> 16) & 0xff]! ^
      t4[lo >>> 24]! ^
      t3[buf[i + 4]!]! ^
      t2[buf[i + 5]!]! ^
      t1[buf[i + 6]!]! ^
      t0[buf[i + 7]!]!;
    i += 8;
  }
  while (i < end) crc = (crc >>> 8) ^ t0[(crc ^ buf[i++]!) & 0xff]!;
  return (crc ^ 0xffffffff) >>> 0;
}
