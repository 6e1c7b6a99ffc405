/** Numbers in V2 command parameters as nsqd reads them (protocol.ByteToBase10). Pure; no I/O. */

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
