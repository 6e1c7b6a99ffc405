/**
 * Snappy as nsqd speaks it, with both block codecs (the native binding when it loads, and the
 * JavaScript twin in native-free/): blocks round-trip and cross-decode, CRC-32C matches the
 * standard check value, the framing encoder chunks as Go's snappy.Writer does, and the framing
 * decoder gives the same plaintext fed whole, byte by byte and at seeded random split points, and
 * Go's exact error for each broken stream.
 */

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { crc32cJs } from '../../native-free/crc32c.js';
import { compress, jsSnappyBlock, uncompress } from '../../native-free/snappy-block.js';
import { crc32c, crc32cKind, maskedCrc32c } from '../../src/wire/crc32c.js';
import { type SnappyBlockCodec, snappyBlockCodec } from '../../src/wire/snappy-block.js';
import {
  SNAPPY_CORRUPT,
  SNAPPY_STREAM_ID,
  SNAPPY_UNSUPPORTED,
  SnappyFrameDecoder,
  SnappyFrameEncoder,
} from '../../src/wire/snappy-frame.js';
import { snappyChunk } from '../helpers/compressed.js';
import { prng } from '../helpers/prng.js';

/** text-like bytes with repeats (compressible), from a seed */
function sample(n: number, seed: number): Buffer {
  const rand = prng(seed);
  const words = ['PUB ', 'topic', ' hello', 'nsq', '{"k":1}', '\n', 'xyzzy'];
  const parts: string[] = [];
  let len = 0;
  while (len < n) {
    const w =
      rand() < 0.1
        ? String.fromCharCode(33 + Math.floor(rand() * 90))
        : words[Math.floor(rand() * words.length)]!;
    parts.push(w);
    len += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

function random(n: number, seed: number): Buffer {
  const rand = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

const SIZES = [0, 1, 4, 15, 16, 17, 100, 2048, 65535, 65536, 65537, 200_000];

describe('CRC-32C', () => {
  it('matches the standard check value and the framing mask (the chosen one and the JavaScript twin)', () => {
    const addonsOff = process.execArgv.includes('--no-addons');
    if (addonsOff) assert.equal(crc32cKind, 'js');
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32cJs(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
    for (const n of [1, 7, 8, 9, 100, 4096, 65536]) {
      const r = random(n, n);
      assert.equal(crc32cJs(r), crc32c(r), `${n} bytes`);
    }
    // slicing-by-8 and the byte loop agree at every offset
    const b = random(1000, 7);
    for (let s = 0; s < 16; s++) {
      let bytewise = 0xffffffff;
      for (let i = s; i < b.length; i++) {
        bytewise ^= b[i]!;
        for (let k = 0; k < 8; k++) bytewise = bytewise & 1 ? (bytewise >>> 1) ^ 0x82f63b78 : bytewise >>> 1;
      }
      assert.equal(crc32cJs(b, s), (bytewise ^ 0xffffffff) >>> 0);
      assert.equal(crc32c(b.subarray(s)), (bytewise ^ 0xffffffff) >>> 0);
    }
    const c = crc32c(Buffer.from('OK'));
    assert.equal(maskedCrc32c(Buffer.from('OK')), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
  });
});

describe('snappy blocks', () => {
  let native: SnappyBlockCodec;
  before(async () => {
    native = await snappyBlockCodec();
  });

  it('the JavaScript codec round-trips, and compresses repeats', () => {
    for (const n of SIZES) {
      for (const src of [sample(n, n + 1), random(n, n + 2), Buffer.alloc(n, 0x61)]) {
        assert.deepEqual(uncompress(compress(src)), src, `${n} bytes`);
      }
    }
    assert.ok(compress(Buffer.alloc(65536, 0x61)).length < 4000);
  });

  it('the chosen codec (native when it loads) and the JavaScript one decode each other', () => {
    for (const n of SIZES) {
      for (const src of [sample(n, n + 3), random(n, n + 4)]) {
        assert.deepEqual(native.uncompress(jsSnappyBlock.compress(src)), src);
        assert.deepEqual(jsSnappyBlock.uncompress(native.compress(src)), src);
      }
    }
  });

  it('the JavaScript decoder refuses offsets before the start, lengths past the preamble, bad preambles', () => {
    const bad = [
      Buffer.from([0x05, 0x01 | (0 << 2), 0x10]), // copy1 with offset 16 before any output
      Buffer.from([0x02, 0x08, 0x61, 0x62, 0x63]), // literal of 3 into a block of 2
      Buffer.from([0x04, 0x04, 0x61, 0x62]), // declares 4, holds 2
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // preamble too long
    ];
    for (const b of bad) assert.throws(() => uncompress(b), /snappy: corrupt input/);
  });
});

function decodeAll(codec: SnappyBlockCodec, stream: Buffer, cuts: number[]): { out: Buffer; result: string } {
  const parts: Buffer[] = [];
  const dec = new SnappyFrameDecoder(codec, { onDecoded: (b) => parts.push(Buffer.from(b)) });
  let result = 'idle';
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    dec.push(stream.subarray(at, cut));
    at = cut;
    result = dec.run(Number.POSITIVE_INFINITY);
    if (result !== 'idle') break;
  }
  return { out: Buffer.concat(parts), result };
}

describe('snappy framing', () => {
  for (const [name, codec] of [['js', jsSnappyBlock] as const, ['chosen', null] as const]) {
    it(`encodes as Go's snappy.Writer and decodes whole, byte by byte and at random splits (${name})`, async () => {
      const c = codec ?? (await snappyBlockCodec());
      const enc = new SnappyFrameEncoder(c);
      const a = sample(150_000, 11);
      const b = random(3000, 12);
      const ok = Buffer.from([0, 0, 0, 6, 0, 0, 0, 0, 0x4f, 0x4b]);
      const stream = Buffer.concat([enc.encode(ok), enc.encode(a), enc.encode(b)]);
      // the stream identifier once; OK does not shrink by 1/8: an uncompressed chunk
      assert.deepEqual(stream.subarray(0, 10), SNAPPY_STREAM_ID);
      assert.equal(stream[10], 0x01);
      assert.equal(stream.readUIntLE(11, 3), 14);
      assert.equal(stream.readUInt32LE(14), maskedCrc32c(ok));
      // 150 000 text-like bytes: three compressed chunks of at most 64 KiB each
      assert.equal(stream[28], 0x00);
      const want = Buffer.concat([ok, a, b]);
      assert.deepEqual(decodeAll(c, stream, []).out, want);
      const rand = prng(99);
      for (let round = 0; round < 5; round++) {
        const cuts = Array.from({ length: 40 }, () => Math.floor(rand() * stream.length)).sort(
          (x, y) => x - y,
        );
        assert.deepEqual(decodeAll(c, stream, cuts).out, want);
      }
      const small = Buffer.concat([new SnappyFrameEncoder(c).encode(sample(3000, 5))]);
      const bytewise = Array.from({ length: small.length - 1 }, (_, i) => i + 1);
      assert.deepEqual(decodeAll(c, small, bytewise).out, sample(3000, 5));
    });
  }

  it("gives Go's error for every broken stream", () => {
    const id = SNAPPY_STREAM_ID;
    const cases: [string, Buffer, string][] = [
      ['data before the stream identifier', snappyChunk(0x01, Buffer.from('x')), SNAPPY_CORRUPT],
      [
        'a bad stream identifier',
        Buffer.from([0xff, 0x06, 0, 0, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x58]),
        SNAPPY_CORRUPT,
      ],
      [
        'a stream identifier of the wrong length',
        Buffer.from([0xff, 0x05, 0, 0, 1, 2, 3, 4, 5]),
        SNAPPY_CORRUPT,
      ],
      [
        'a chunk longer than Go reads',
        Buffer.concat([id, Buffer.from([0x00, 0xff, 0xff, 0x01])]),
        SNAPPY_UNSUPPORTED,
      ],
      [
        'a reserved unskippable chunk',
        Buffer.concat([id, snappyChunk(0x02, Buffer.from('x'))]),
        SNAPPY_UNSUPPORTED,
      ],
      [
        'a compressed chunk shorter than its checksum',
        Buffer.concat([id, Buffer.from([0x00, 0x02, 0, 0, 1, 2])]),
        SNAPPY_CORRUPT,
      ],
      ['a bad checksum', Buffer.concat([id, snappyChunk(0x01, Buffer.from('NOP\n'), 7)]), SNAPPY_CORRUPT],
      [
        'a corrupt block',
        Buffer.concat([id, snappyChunk(0x00, Buffer.from([0x05, 0xff, 0xff]), 0)]),
        SNAPPY_CORRUPT,
      ],
      [
        'a block over 64 KiB',
        Buffer.concat([id, snappyChunk(0x00, compress(Buffer.alloc(70_000)), 0)]),
        SNAPPY_CORRUPT,
      ],
      [
        'an uncompressed chunk over 64 KiB',
        Buffer.concat([id, snappyChunk(0x01, Buffer.alloc(65537))]),
        SNAPPY_CORRUPT,
      ],
    ];
    for (const [what, stream, err] of cases) {
      assert.equal(decodeAll(jsSnappyBlock, stream, []).result, err, what);
    }
    // padding and reserved skippable chunks are skipped
    const skip = Buffer.concat([
      id,
      snappyChunk(0xfe, Buffer.alloc(3)),
      snappyChunk(0x80, Buffer.from('zz')),
      snappyChunk(0x01, Buffer.from('hi')),
    ]);
    assert.deepEqual(decodeAll(jsSnappyBlock, skip, []), { out: Buffer.from('hi'), result: 'idle' });
  });

  it('yields after the budget and stops while paused', () => {
    const enc = new SnappyFrameEncoder(jsSnappyBlock);
    const stream = enc.encode(sample(300_000, 3));
    const got: Buffer[] = [];
    const dec = new SnappyFrameDecoder(jsSnappyBlock, { onDecoded: (b) => got.push(b) });
    dec.push(stream);
    assert.equal(dec.run(65536), 'more');
    assert.equal(got.length, 1);
    dec.pause();
    assert.equal(dec.run(Number.POSITIVE_INFINITY), 'paused');
    dec.resume();
    assert.equal(dec.run(Number.POSITIVE_INFINITY), 'idle');
    assert.deepEqual(Buffer.concat(got), sample(300_000, 3));
  });
});
