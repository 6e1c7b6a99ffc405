/**
 * One interface for snappy's block format, two implementations: the native `snappy` binding
 * (napi-rs, an optional dependency) when it loads, with the pure-JavaScript twin in
 * native-free/snappy-block.ts taking the blocks it is faster on, else the twin alone. Chosen
 * once per process; the framing layer (snappy-frame.ts) sits on top. No I/O beyond loading the
 * addon.
 */

import { createRequire } from 'node:module';
// a cycle (the twin takes the preamble reader and SnappyCorrupt from here), used only in calls
import { jsSnappyBlock } from '../../native-free/snappy-block.js';
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

/** blocks up to this size go to the JavaScript codec: the addon's call costs more than the work */
const SMALL_BLOCK = 512;
/** a block that decodes to this many times its size is mostly copies (few tags to interpret) */
const RUN_RATIO = 8;

/**
 * Native and JavaScript together, each where it is faster (measured on Node 20, x64, snappy
 * 7.x): the binding is 3-7x faster on ordinary text and on frames of messages, but slower on tiny
 * blocks (call overhead), on copies from a few bytes back (a run of one byte: 64 KiB takes it
 * ~0.15 ms to decode, the JavaScript codec ~0.02) and at encoding incompressible input (~0.3 ms a
 * 64 KiB block, JavaScript ~0.01). Decoding goes by the block's ratio (known from its preamble):
 * a block of mostly copies decodes fast in JavaScript whatever their offsets. Encoding cannot know
 * before it tries, so after a big block that did not compress the next one goes to JavaScript.
 */
function hybrid(native: SnappyBlockCodec, js: SnappyBlockCodec): SnappyBlockCodec {
  /** the last big block encoded did not compress: the JavaScript codec encodes the next */
  let jsEncodes = false;
  return {
    kind: 'native',
    compress(src) {
      if (src.length <= SMALL_BLOCK) return js.compress(src);
      const out = (jsEncodes ? js : native).compress(src);
      // Go's test for a chunk worth compressing (snappy-frame.ts): at least 1/8 smaller
      jsEncodes = out.length >= src.length - (src.length >>> 3);
      return out;
    },
    uncompress(src) {
      const pre = readSnappyPreamble(src);
      if (pre === null) throw new SnappyCorrupt();
      const viaJs = pre.length <= SMALL_BLOCK || pre.length >= src.length * RUN_RATIO;
      return (viaJs ? js : native).uncompress(src);
    },
  };
}

/** the block codec this process uses: native (with JavaScript where it is faster) when the addon loads */
export async function snappyBlockCodec(): Promise<SnappyBlockCodec> {
  if (chosen !== null) return chosen;
  const native = loadNative();
  chosen = native === null ? jsSnappyBlock : hybrid(native, jsSnappyBlock);
  return chosen;
}

/** the codec once snappyBlockCodec() has resolved (the broker awaits it at start-up) */
export function loadedSnappyBlockCodec(): SnappyBlockCodec | null {
  return chosen;
}
