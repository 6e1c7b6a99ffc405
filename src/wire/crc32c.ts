/**
 * CRC-32C (Castagnoli), as the snappy framing format checksums every chunk, and the framing
 * format's mask over it. The native `@node-rs/crc32` (SIMD, an optional dependency: ten times the
 * JavaScript speed, and the checksum is most of what decoding snappy costs) when it loads, else the
 * JavaScript twin in native-free/crc32c.ts. Chosen once, at load.
 */

import { createRequire } from 'node:module';
import { crc32cJs } from '../../native-free/crc32c.js';
import { addonsDisabled } from '../addons.js';

type Crc32c = (buf: Uint8Array) => number;

function load(): { fn: Crc32c; kind: 'native' | 'js' } {
  if (!addonsDisabled()) {
    try {
      const mod = createRequire(import.meta.url)('@node-rs/crc32') as {
        crc32c(input: Buffer, initial?: number): number;
      };
      if (typeof mod.crc32c === 'function' && mod.crc32c(Buffer.from('123456789')) === 0xe3069283) {
        return {
          fn: (b) => mod.crc32c(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length)),
          kind: 'native',
        };
      }
    } catch {
      // not installed, or no build for this platform: the JavaScript twin
    }
  }
  return { fn: (b) => crc32cJs(b), kind: 'js' };
}

const chosen = load();

/** which implementation this process uses */
export const crc32cKind: 'native' | 'js' = chosen.kind;

/** CRC-32C of `buf` */
export const crc32c: Crc32c = chosen.fn;

/** the framing format's masked checksum: ((crc >> 15) | (crc << 17)) + 0xa282ead8 */
export function maskedCrc32c(buf: Uint8Array): number {
  const c = crc32c(buf);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
