// The SPSC ring on one thread: creation checks, record framing across the wrap and the 2^32
// counter wrap (seeded random batches), and both doorbells (data and space).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createRingBuffer,
  H_READ,
  H_SLEEPING,
  H_SPACE,
  H_WRITE,
  RING_HEADER_BYTES,
  RingReader,
  RingWriter,
  ringCapacityFor,
  ringRecordBytes,
} from '../../src/nsqd/shard/ring.js';
import { prng } from '../helpers/prng.js';

const CAP = 64 * 1024;
const GUARD = 0xa5a5a5a5;
const MAX_LEN = 3 * (CAP / 8);
/** PATTERN[i] = i & 0xff; record `seq`'s pattern bytes are PATTERN[(seq & 0xff) + i]. */
const PATTERN = Buffer.alloc(CAP + 256);
for (let i = 0; i < PATTERN.length; i++) PATTERN[i] = i & 0xff;

function header(sab: SharedArrayBuffer): Int32Array {
  return new Int32Array(sab, 0, RING_HEADER_BYTES >> 2);
}

/** Half tiny records (0..63 bytes), half up to 3/8 of the capacity. */
function recordLength(g: () => number): number {
  return g() < 0.5 ? Math.floor(g() * 64) : Math.floor(g() * (MAX_LEN + 1));
}

/** Payload: short ones are pure pattern; else [guard][u32 seq][pattern][guard]. */
function writeRecord(w: RingWriter, seq: number, len: number, useBytes: boolean): void {
  const base = seq & 0xff;
  if (len < 12) {
    for (let i = 0; i < len; i++) w.u8((base + i) & 0xff);
    return;
  }
  const mid = len - 12;
  w.u32(GUARD);
  w.u32(seq);
  if (useBytes) w.bytes(PATTERN, base, base + mid);
  else for (let i = 0; i < mid; i++) w.u8((base + i) & 0xff);
  w.u32(GUARD);
}

function verifyRecord(r: RingReader, seq: number, len: number): void {
  assert.equal(r.length, len, `record ${seq} length`);
  assert.equal(r.pos, r.start);
  const base = seq & 0xff;
  if (len < 12) {
    for (let i = 0; i < len; i++) assert.equal(r.u8(), (base + i) & 0xff, `record ${seq} byte ${i}`);
  } else {
    const mid = len - 12;
    assert.equal(r.u32(), GUARD, `record ${seq} leading guard`);
    assert.equal(r.u32(), seq, 'sequence number');
    const view = r.buf.subarray(r.pos, r.pos + mid);
    assert.ok(view.equals(PATTERN.subarray(base, base + mid)), `record ${seq} content`);
    r.skip(mid);
    assert.equal(r.u32(), GUARD, `record ${seq} trailing guard`);
  }
  assert.equal(r.remaining, 0);
}

interface FuzzResult {
  straddled: number;
  contiguous: number;
  full: number;
  finalWrite: number;
}

/** One thread plays both sides, interleaving random producer and consumer batches. */
function fuzz(seed: number, initialCounter: number, total: number): FuzzResult {
  const sab = createRingBuffer(CAP, initialCounter);
  const w = new RingWriter(sab);
  const r = new RingReader(sab);
  const rnd = prng(seed);
  const sizesW = prng(seed ^ 0x9e3779b9);
  const sizesR = prng(seed ^ 0x9e3779b9); // the consumer replays the producer's sizes
  const result: FuzzResult = { straddled: 0, contiguous: 0, full: 0, finalWrite: 0 };
  let written = 0;
  let published = 0;
  let read = 0;
  let pendingLen = -1;
  while (read < total) {
    if (rnd() < 0.5) {
      const k = 1 + Math.floor(rnd() * 16);
      for (let i = 0; i < k && written < total; i++) {
        if (pendingLen < 0) pendingLen = recordLength(sizesW);
        if (!w.begin(pendingLen)) {
          result.full++;
          break;
        }
        writeRecord(w, written, pendingLen, rnd() < 0.8);
        w.end();
        written++;
        pendingLen = -1;
      }
      if (rnd() < 0.8) {
        w.publish();
        published = written;
      }
    } else {
      const j = 1 + Math.floor(rnd() * 16);
      for (let i = 0; i < j && r.next(); i++) {
        assert.ok(read < published, 'consumer saw an unpublished record');
        if (r.buf.buffer === sab) result.contiguous++;
        else result.straddled++;
        verifyRecord(r, read, recordLength(sizesR));
        read++;
      }
      if (rnd() < 0.8) r.release();
    }
  }
  assert.equal(r.next(), false);
  assert.equal(r.isEmpty(), true);
  r.release();
  assert.equal(w.free(), CAP);
  result.finalWrite = header(sab)[H_WRITE]! >>> 0;
  return result;
}

describe('ring: creation and validation', () => {
  test('capacity rounds up to a power of two, at least 64 KiB', () => {
    assert.equal(createRingBuffer(100_000).byteLength, RING_HEADER_BYTES + 131072);
    assert.equal(createRingBuffer(1).byteLength, RING_HEADER_BYTES + CAP);
    assert.equal(createRingBuffer(CAP).byteLength, RING_HEADER_BYTES + CAP);
    assert.equal(new RingWriter(createRingBuffer(CAP + 1)).capacity, 2 * CAP);
  });

  test('bad capacities and counters are refused', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 30 + 1, Number.POSITIVE_INFINITY]) {
      assert.throws(() => createRingBuffer(bad), RangeError, String(bad));
    }
    for (const bad of [3, -4, 2 ** 32, 0.5]) assert.throws(() => createRingBuffer(CAP, bad), RangeError);
  });

  test('ringCapacityFor guarantees the record fits', () => {
    assert.equal(ringCapacityFor(0), 1024 * 1024);
    assert.equal(ringCapacityFor(1024 * 1024), 4 * 1024 * 1024);
    for (const max of [0, 1000, 1024 * 1024, 5 * 1024 * 1024 + 3]) {
      const cap = ringCapacityFor(max);
      assert.equal(cap & (cap - 1), 0);
      const w = new RingWriter(createRingBuffer(cap));
      assert.ok(w.maxPayload >= max);
      assert.equal(w.begin(max), true);
    }
    assert.throws(() => ringCapacityFor(-1), RangeError);
    assert.throws(() => ringCapacityFor(2 ** 30), RangeError);
  });

  test('constructors refuse buffers that are not rings', () => {
    assert.throws(() => new RingWriter(new SharedArrayBuffer(1024)), TypeError);
    assert.throws(() => new RingReader(new SharedArrayBuffer(RING_HEADER_BYTES + CAP)), TypeError);
    const sab = createRingBuffer(CAP);
    assert.throws(
      () => new RingReader(sab.slice(0, RING_HEADER_BYTES + CAP / 2) as SharedArrayBuffer),
      TypeError,
    );
  });
});

describe('ring: records', () => {
  test('nothing is visible before publish, everything after', () => {
    const sab = createRingBuffer(CAP);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    assert.equal(r.next(), false);
    assert.equal(r.isEmpty(), true);
    for (let seq = 0; seq < 3; seq++) {
      assert.equal(w.begin(20), true);
      writeRecord(w, seq, 20, true);
      w.end();
    }
    assert.equal(r.next(), false);
    assert.equal(r.isEmpty(), true);
    w.publish();
    assert.equal(r.isEmpty(), false);
    for (let seq = 0; seq < 3; seq++) {
      assert.equal(r.next(), true);
      verifyRecord(r, seq, 20);
    }
    assert.equal(r.next(), false);
  });

  test('zero-length records and zero-copy views', () => {
    const sab = createRingBuffer(CAP);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    assert.equal(w.begin(0), true);
    w.end();
    assert.equal(w.begin(5), true);
    w.latin1('hello');
    w.end();
    w.publish();
    assert.equal(r.next(), true);
    assert.equal(r.length, 0);
    assert.equal(r.next(), true);
    const view = r.buf.subarray(r.pos, r.pos + r.length);
    assert.equal(view.buffer, sab);
    assert.equal(view.toString('latin1'), 'hello');
    assert.throws(() => r.skip(6), RangeError);
    r.skip(2);
    assert.throws(() => r.u32(), RangeError);
    assert.throws(() => r.latin1(4), RangeError);
    assert.equal(r.latin1(3), 'llo');
    assert.throws(() => r.u8(), RangeError);
  });

  for (const [seed, initial] of [
    [1, 0],
    [2, 0],
    [3, 0xffff_0000],
    [4, 0xffff_fffc],
    [5, 2 ** 31 - 4],
  ] as const) {
    test(`random batches, sizes 0..${MAX_LEN}, seed ${seed}, counters from ${initial.toString(16)}`, () => {
      const res = fuzz(seed, initial, 20_000);
      assert.ok(res.straddled > 100, `straddled ${res.straddled}`);
      assert.ok(res.contiguous > 1000, `contiguous ${res.contiguous}`);
      assert.ok(res.full > 100, `producer found the ring full ${res.full} times`);
      if (initial > 0xf000_0000) assert.ok(res.finalWrite < initial, 'the u32 counter wrapped');
    });
  }

  test('begin() is false when full and true again after release', () => {
    const sab = createRingBuffer(CAP);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    assert.equal(w.free(), CAP);
    let n = 0;
    while (w.begin(100)) {
      w.bytes(PATTERN, 0, 100);
      w.end();
      n++;
      assert.equal(w.free(), CAP - n * ringRecordBytes(100));
    }
    assert.equal(n, Math.floor(CAP / 104));
    const left = w.free();
    assert.equal(left, CAP - n * 104);
    assert.equal(w.begin(left - 3), false);
    assert.equal(w.begin(left - 4), true);
    w.bytes(PATTERN, 0, left - 4);
    w.end();
    assert.equal(w.free(), 0);
    assert.equal(w.begin(0), false);
    w.publish();
    assert.equal(r.next(), true);
    assert.equal(w.begin(0), false, 'read but not released is still used');
    r.release();
    assert.equal(w.free(), 104);
    assert.equal(w.begin(100), true);
  });

  test('a record of the whole capacity fits an empty ring, across the counter wrap', () => {
    for (const initial of [0, 0xffff_fff0, CAP - 8]) {
      const sab = createRingBuffer(CAP, initial);
      const w = new RingWriter(sab);
      const r = new RingReader(sab);
      assert.equal(w.begin(CAP - 4), true);
      w.bytes(PATTERN, 7, 7 + CAP - 4);
      w.end();
      assert.equal(w.free(), 0);
      w.publish();
      assert.equal(r.next(), true);
      assert.equal(r.length, CAP - 4);
      assert.ok(r.buf.subarray(r.start, r.start + r.length).equals(PATTERN.subarray(7, 7 + CAP - 4)));
      r.release();
      assert.equal(w.free(), CAP);
      assert.equal(header(sab)[H_READ]! >>> 0, (initial + CAP) >>> 0);
    }
  });

  test('begin() throws when a record can never fit', () => {
    const w = new RingWriter(createRingBuffer(CAP));
    for (const bad of [CAP - 3, CAP, 2 ** 32, -1, 1.5, Number.NaN]) {
      assert.throws(() => w.begin(bad), RangeError, String(bad));
    }
  });

  test('length mismatches throw', () => {
    const sab = createRingBuffer(CAP);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    assert.throws(() => w.end(), /without begin/);
    assert.throws(() => w.u8(1), /outside a record/);
    assert.equal(w.begin(8), true);
    assert.throws(() => w.begin(8), /open/);
    w.u32(1);
    assert.throws(() => w.end(), /4 bytes short/);
    assert.throws(() => w.f64(1), RangeError);
    assert.throws(() => w.bytes(PATTERN, 0, 5), RangeError);
    assert.throws(() => w.latin1('abcde'), RangeError);
    assert.throws(() => w.bytes(PATTERN, 10, 9), RangeError);
    assert.throws(() => w.bytes(PATTERN, 0, PATTERN.length + 1), RangeError);
    w.u16(2);
    w.u8(3);
    w.u8(4);
    assert.throws(() => w.u8(5), RangeError);
    w.end();
    assert.equal(w.begin(3), true);
    w.u8(9);
    w.abort();
    w.publish();
    assert.equal(r.next(), true);
    assert.equal(r.u32(), 1);
    assert.equal(r.u16(), 2);
    assert.equal(r.u16(), 0x0304);
    assert.equal(r.next(), false, 'the aborted record never appears');
  });

  test('u8/u16/u32/f64/latin1/bytes round-trip across the wrap point', () => {
    const text = 'topic-\u00ff\u00e9#ephemeral';
    for (const head of [CAP - 24, CAP - 16, CAP - 12, CAP - 8, CAP - 4]) {
      for (let prefix = 0; prefix < 8; prefix++) {
        for (const base of [0, 2 ** 32 - CAP]) {
          const sab = createRingBuffer(CAP, base + head);
          const w = new RingWriter(sab);
          const r = new RingReader(sab);
          const len = prefix + 2 + 4 + 8 + text.length + 21 + 2 + 1;
          assert.equal(w.begin(len), true);
          for (let i = 0; i < prefix; i++) w.u8(0x11 + i);
          w.u16(0xbeef);
          w.u32(0xdeadbeef);
          w.f64(-1234.5678e-9);
          w.latin1(text);
          w.bytes(PATTERN, 3, 24);
          w.u16(0x0102);
          w.u8(0xff);
          w.end();
          w.publish();
          assert.equal(r.next(), true);
          assert.equal(r.length, len);
          const straddles = head + 4 < CAP && head + 4 + len > CAP;
          assert.equal(r.buf.buffer !== sab, straddles, `head ${head} prefix ${prefix}`);
          if (head === CAP - 4) assert.equal(r.start, 0);
          for (let i = 0; i < prefix; i++) assert.equal(r.u8(), 0x11 + i);
          assert.equal(r.u16(), 0xbeef);
          assert.equal(r.u32(), 0xdeadbeef);
          assert.equal(r.f64(), -1234.5678e-9);
          assert.equal(r.latin1(text.length), text);
          assert.ok(r.buf.subarray(r.pos, r.pos + 21).equals(PATTERN.subarray(3, 24)));
          r.skip(21);
          assert.equal(r.u16(), 0x0102);
          assert.equal(r.u8(), 0xff);
          assert.equal(r.remaining, 0);
          r.release();
          assert.equal(header(sab)[H_READ]! >>> 0, (base + head + ringRecordBytes(len)) >>> 0);
        }
      }
    }
  });
});

describe('ring: doorbell', () => {
  test('waitAsync returns null when there is something to read', () => {
    const sab = createRingBuffer(CAP);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    w.begin(1);
    w.u8(1);
    w.end();
    w.publish();
    assert.equal(r.waitAsync(), null);
    assert.equal(header(sab)[H_SLEEPING], 0);
  });

  test('publish wakes a sleeping reader and clears the flag', async () => {
    const sab = createRingBuffer(CAP);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    const p = r.waitAsync();
    assert.ok(p !== null);
    assert.equal(header(sab)[H_SLEEPING], 1);
    w.publish(); // nothing ended: no store, no ring
    assert.equal(header(sab)[H_SLEEPING], 1);
    w.begin(0);
    w.end();
    w.publish();
    assert.equal(header(sab)[H_SLEEPING], 0);
    assert.equal(await p, 'ok');
    assert.equal(r.next(), true);
  });

  test('waitAsync with a timeout settles without a publish', async () => {
    const r = new RingReader(createRingBuffer(CAP));
    const keepAlive = setTimeout(() => {}, 10_000); // a pending waitAsync alone does not hold the loop
    try {
      assert.equal(await r.waitAsync(5), 'timed-out');
      assert.equal(r.waitAsync(0), null);
    } finally {
      clearTimeout(keepAlive);
    }
  });

  test('rings that share a doorbell: any producer wakes the one reader, each ring keeps its own records', async () => {
    const bell = createRingBuffer(CAP);
    const other = createRingBuffer(CAP);
    const readers = [new RingReader(bell), new RingReader(other)];
    const writers = [new RingWriter(bell), new RingWriter(other, bell)];
    for (const [i, w] of writers.entries()) {
      const p = readers[0]!.waitAsync(undefined, readers.slice(1));
      assert.ok(p !== null);
      assert.equal(header(bell)[H_SLEEPING], 1);
      assert.equal(header(other)[H_SLEEPING], 0, 'the second ring’s own doorbell is not used');
      w.begin(1);
      w.u8(i);
      w.end();
      w.publish();
      assert.equal(header(bell)[H_SLEEPING], 0);
      assert.equal(await p, 'ok');
      assert.equal(readers[i]!.next(), true);
      assert.equal(readers[i]!.u8(), i);
      assert.equal(readers[1 - i]!.next(), false);
      readers[i]!.release();
    }
    // a record already in the second ring: no sleep at all
    writers[1]!.begin(0);
    writers[1]!.end();
    writers[1]!.publish();
    assert.equal(readers[0]!.waitAsync(undefined, readers.slice(1)), null);
    assert.equal(header(bell)[H_SLEEPING], 0);
  });

  /** a ring with one published, unread 100-byte record after which a 100-byte record does not fit */
  function fullRing(): { sab: SharedArrayBuffer; w: RingWriter; r: RingReader } {
    const sab = createRingBuffer(CAP);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    assert.equal(w.begin(100), true);
    w.bytes(PATTERN, 0, 100);
    w.end();
    const rest = w.free() - 4;
    assert.equal(w.begin(rest), true);
    w.bytes(PATTERN, 0, rest);
    w.end();
    w.publish();
    assert.equal(w.begin(100), false);
    return { sab, w, r };
  }

  test('release wakes a producer waiting for space and clears the flag', async () => {
    const { sab, w, r } = fullRing();
    const p = w.waitForSpace(10_000);
    assert.ok(p !== null);
    assert.equal(header(sab)[H_SPACE], 1);
    assert.equal(r.next(), true);
    r.release();
    assert.equal(header(sab)[H_SPACE], 0);
    assert.equal(await p, 'ok');
    assert.equal(w.begin(100), true);
  });

  test('waitForSpace returns null when space came back since the failed begin', () => {
    const { sab, w, r } = fullRing();
    assert.equal(r.next(), true);
    r.release(); // nobody waits yet: no ring, the flag stays clear
    assert.equal(header(sab)[H_SPACE], 0);
    assert.equal(w.waitForSpace(10_000), null);
    assert.equal(header(sab)[H_SPACE], 0);
    assert.equal(w.begin(100), true);
  });

  test('waitForSpace with a timeout settles without a release', async () => {
    const { w } = fullRing();
    const keepAlive = setTimeout(() => {}, 10_000);
    try {
      assert.equal(await w.waitForSpace(5), 'timed-out');
    } finally {
      clearTimeout(keepAlive);
    }
  });
});
