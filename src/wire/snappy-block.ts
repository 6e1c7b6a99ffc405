/**
 * One interface for snappy's block format, two implementations: the native `snappy` binding
 * (napi-rs, an optional dependency) when it loads, else the pure-JavaScript twin in
 * native-free/snappy-block.ts. Chosen once per process; the framing layer (snappy-frame.ts) sits on
 * top. No I/O beyond loading the addon.
 */

import { createRequire } from 'node:module';
import { addonsDisabled } from '../addons.js';

export interface SnappyBlockCodec {
  /** 'native' (the `snappy` addon) or 'js' (native-free) */
  readonly kind: 'native' | 'js';
  /** a raw snappy block of `src` */
  compress(src: Uint8Array): Buffer;
  /** the decoded block; throws on input that is not a valid block */
  uncompress(src: Uint8Array): Buffer;
}

/** Go's snappy.ErrCorrupt */
export class SnappyCorrupt extends Error {
  constructor() {
    super('snappy: corrupt input');
  }
}

/** the block's preamble (decoded length as a uvarint of at most 32 bits), or null if malformed */
export function readSnappyPreamble(src: Uint8Array): { length: number; headerLength: number } | null {
  let v = 0;
  for (let i = 0; i < 5 && i < src.length; i++) {
    const b = src[i]!;
    v += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return v > 0xffffffff ? null : { length: v, headerLength: i + 1 };
  }
  return null;
}

/** the parts of the `snappy` package used here */
interface NativeSnappy {
  compressSync(input: Uint8Array): Buffer;
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Buffer;
}

let chosen: SnappyBlockCodec | null = null;
/** why the native binding is not used ('' when it is) */
export let snappyNativeReason = '';

function loadNative(): SnappyBlockCodec | null {
  if (addonsDisabled()) {
    snappyNativeReason = 'node runs with --no-addons';
    return null;
  }
  try {
    const mod = createRequire(import.meta.url)('snappy') as NativeSnappy;
    if (typeof mod.compressSync !== 'function' || typeof mod.uncompressSync !== 'function') {
      snappyNativeReason = 'the snappy package has no compressSync/uncompressSync';
      return null;
    }
    return {
      kind: 'native',
      compress: (src) => mod.compressSync(src),
      uncompress: (src) => {
        try {
          return mod.uncompressSync(src, { asBuffer: true });
        } catch {
          throw new SnappyCorrupt();
        }
      },
    };
  } catch (err) {
    snappyNativeReason = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return null;
  }
}

/** the block codec this process uses: native when the addon loads, else JavaScript */
export async function snappyBlockCodec(): Promise<SnappyBlockCodec> {
  if (chosen !== null) return chosen;
  const native = loadNative();
  chosen = native ?? (await import('../../native-free/snappy-block.js')).jsSnappyBlock;
  return chosen;
}

/** the codec once snappyBlockCodec() has resolved (the broker awaits it at start-up) */
export function loadedSnappyBlockCodec(): SnappyBlockCodec | null {
  return chosen;
}
