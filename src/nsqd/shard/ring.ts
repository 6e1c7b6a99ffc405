// ring: a single-producer / single-consumer byte ring of variable-length records over one
// SharedArrayBuffer. It owns the shared layout, the record framing and the two doorbells; it never
// knows what a record means (see ring-records.ts) and never touches sockets or files.
//
// Contract (after padenot/ringbuf.js): each counter has exactly one writer; each doorbell has a protocol.
//   WRITE     u32 byte counter, monotonically increasing mod 2^32; written only by the producer.
//   READ      u32 byte counter, same; written only by the consumer.
//   SLEEPING  the data doorbell: the consumer sets it to 1 before it sleeps waiting for records (and
//             back to 0 if it decides not to); the producer clears it 1 → 0 (compareExchange) and
//             notifies. Both sides use seq-cst Atomics: the producer stores WRITE then reads
//             SLEEPING, the consumer stores SLEEPING then reads WRITE, so at least one of them sees
//             the other's store and no wakeup is lost.
//   SPACE     the space doorbell, its mirror image: a producer that found the ring full sets it to 1
//             before it sleeps (back to 0 if READ moved meanwhile); the consumer, after storing READ,
//             clears it 1 → 0 and notifies.
//   used = (WRITE - READ) >>> 0, free = capacity - used. Counters count bytes, so a full ring
//   (used == capacity) is told from an empty one without wasting a slot. The capacity is a power of
//   two ≤ 2^30, hence divides 2^32, so `counter & mask` stays right when a counter wraps.
//   Several rings with one consumer (a shard reading every io thread's inbound ring) may share one
//   data doorbell: the SLEEPING word of the first ring (its "bell"); each producer is built with it
//   and the consumer sleeps with RingReader.waitAsync(timeout, others), checking every ring after
//   it stores SLEEPING, so the same argument holds ring by ring.
//   Records are visible to the consumer only after publish(); the producer may batch many records per
//   publish. Space comes back to the producer only after release(); the consumer may batch too.
//   A producer that finds the ring full waits on the space doorbell (waitForSpace) and retries when
//   the consumer next releases; neither side ever polls on a timer.
//   A pending Atomics.waitAsync does not keep a thread's event loop alive: the caller must hold a
//   referenced handle (an interval, a ref'ed MessagePort, a server) while it sleeps on a ring.
//
// Layout, creation and validation: ring-layout.ts (re-exported here).

import {
  checkRing,
  H_CAPACITY,
  H_READ,
  H_SLEEPING,
  H_SPACE,
  H_WRITE,
  nextPow2,
  RECORD_HEADER_BYTES,
  RING_HEADER_BYTES,
} from './ring-layout.js';

export * from './ring-layout.js';

const SMALL_COPY = 64; // up to this many bytes a byte loop beats subarray + set (measured, Node 20)

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
const atomicsWaitAsync = (
  Atomics as unknown as {
    waitAsync(ta: Int32Array, index: number, value: number, timeout?: number): WaitAsyncResult;
  }
).waitAsync;

/** Producer side. Exactly one RingWriter per ring, on one thread. */
export class RingWriter {
  readonly capacity: number;
  /** Largest payload a record can ever have in this ring. */
  readonly maxPayload: number;
  private readonly header: Int32Array;
  /** the header whose SLEEPING word is this ring's data doorbell: its own, or a shared bell's */
  private readonly bell: Int32Array;
  private readonly data: Buffer;
  private readonly data32: Uint32Array;
  private readonly mask: number;
  private readonly f64View: DataView;
  private readonly f64Bytes: Uint8Array;
  private cursor: number; // end of the last ended record (u32 counter)
  private published: number; // last value stored in WRITE
  private readCache: number; // last READ seen; refreshed only when space looks short
  private pos: number; // data offset of the next payload byte
  private remaining: number; // payload bytes still owed by the open record, -1 when none is open
  private recordBytes: number; // ring bytes of the open record

  /** `bell`: the ring whose data doorbell this one rings (rings read by one consumer); default itself */
  constructor(sab: SharedArrayBuffer, bell: SharedArrayBuffer = sab) {
    this.header = checkRing(sab);
    this.bell = bell === sab ? this.header : checkRing(bell);
    this.capacity = this.header[H_CAPACITY]!;
    this.maxPayload = this.capacity - RECORD_HEADER_BYTES;
    this.data = Buffer.from(sab, RING_HEADER_BYTES, this.capacity);
    this.data32 = new Uint32Array(sab, RING_HEADER_BYTES, this.capacity >> 2);
    this.mask = this.capacity - 1;
    this.f64View = new DataView(new ArrayBuffer(8));
    this.f64Bytes = new Uint8Array(this.f64View.buffer);
    this.cursor = Atomics.load(this.header, H_WRITE) >>> 0;
    this.published = this.cursor;
    this.readCache = Atomics.load(this.header, H_READ) >>> 0;
    this.pos = 0;
    this.remaining = -1;
    this.recordBytes = 0;
  }

  /** Bytes free right now (counting records ended but not yet published as used). */
  free(): number {
    this.readCache = Atomics.load(this.header, H_READ) >>> 0;
    return this.capacity - ((this.cursor - this.readCache) >>> 0);
  }

  /**
   * Where the next record's payload will start in the data region (whose base is 8-byte aligned):
   * lets a producer pad so a bulk copy's source and target agree mod 8 (see bytes()).
   */
  nextPayloadOffset(): number {
    return (this.cursor + RECORD_HEADER_BYTES) & this.mask;
  }

  /**
   * Open a record of exactly `payloadLength` bytes. False when the ring lacks space now (retry after
   * the consumer releases); throws when the record could never fit or a record is already open.
   */
  begin(payloadLength: number): boolean {
    if (this.remaining !== -1) throw new Error('ring: begin() while a record is open');
    if (payloadLength >>> 0 !== payloadLength || payloadLength > this.maxPayload) {
      throw new RangeError(
        `ring: a record of ${payloadLength} bytes can never fit capacity ${this.capacity}`,
      );
    }
    const need = RECORD_HEADER_BYTES + ((payloadLength + 3) & ~3);
    if (need > this.capacity - ((this.cursor - this.readCache) >>> 0)) {
      this.readCache = Atomics.load(this.header, H_READ) >>> 0;
      if (need > this.capacity - ((this.cursor - this.readCache) >>> 0)) return false;
    }
    const off = this.cursor & this.mask;
    this.data32[off >> 2] = payloadLength;
    this.pos = (off + RECORD_HEADER_BYTES) & this.mask;
    this.remaining = payloadLength;
    this.recordBytes = need;
    return true;
  }

  u8(v: number): void {
    if (this.remaining < 1) this.overflow(1);
    this.data[this.pos] = v;
    this.pos = (this.pos + 1) & this.mask;
    this.remaining -= 1;
  }

  /** Big-endian u16. */
  u16(v: number): void {
    if (this.remaining < 2) this.overflow(2);
    const p = this.pos;
    this.data[p] = v >>> 8;
    this.data[(p + 1) & this.mask] = v;
    this.pos = (p + 2) & this.mask;
    this.remaining -= 2;
  }

  /** Big-endian u32. */
  u32(v: number): void {
    if (this.remaining < 4) this.overflow(4);
    const d = this.data;
    const m = this.mask;
    const p = this.pos;
    d[p] = v >>> 24;
    d[(p + 1) & m] = v >>> 16;
    d[(p + 2) & m] = v >>> 8;
    d[(p + 3) & m] = v;
    this.pos = (p + 4) & m;
    this.remaining -= 4;
  }

  /** Big-endian IEEE-754 double. */
  f64(v: number): void {
    if (this.remaining < 8) this.overflow(8);
    this.f64View.setFloat64(0, v, false);
    const p = this.pos;
    for (let i = 0; i < 8; i++) this.data[(p + i) & this.mask] = this.f64Bytes[i]!;
    this.pos = (p + 8) & this.mask;
    this.remaining -= 8;
  }

  /**
   * Copy src[start, end): one `set`, or two when the payload wraps. V8 copies into shared memory
   * word by word only when source and target addresses agree mod 8, else byte by byte (~6x slower).
   */
  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (!(start >= 0 && n >= 0 && end <= src.length)) {
      throw new RangeError(`ring: bytes(${start}, ${end}) outside a source of ${src.length} bytes`);
    }
    if (n > this.remaining) this.overflow(n);
    const d = this.data;
    const p = this.pos;
    const first = this.capacity - p;
    if (n <= first) {
      if (n <= SMALL_COPY) {
        for (let i = 0; i < n; i++) d[p + i] = src[start + i]!;
      } else {
        d.set(start === 0 && end === src.length ? src : src.subarray(start, end), p);
      }
    } else {
      d.set(src.subarray(start, start + first), p);
      d.set(src.subarray(start + first, end), 0);
    }
    this.pos = (p + n) & this.mask;
    this.remaining -= n;
  }

  /** One byte per char (charCode & 0xff), as Buffer's 'latin1'. */
  latin1(str: string): void {
    const n = str.length;
    if (n > this.remaining) this.overflow(n);
    const d = this.data;
    const m = this.mask;
    const p = this.pos;
    for (let i = 0; i < n; i++) d[(p + i) & m] = str.charCodeAt(i);
    this.pos = (p + n) & m;
    this.remaining -= n;
  }

  /** Where the next byte of the open record goes (a position for patchU32 before publish). */
  get writePos(): number {
    return this.pos;
  }

  /**
   * Overwrite a big-endian u32 written earlier at data position `pos` (4-aligned: never split by
   * the wrap) that is not published yet: publish() makes it visible with the rest.
   */
  patchU32(pos: number, v: number): void {
    const d = this.data;
    const m = this.mask;
    d[pos & m] = v >>> 24;
    d[(pos + 1) & m] = (v >>> 16) & 0xff;
    d[(pos + 2) & m] = (v >>> 8) & 0xff;
    d[(pos + 3) & m] = v & 0xff;
  }

  /** Close the open record; throws unless exactly its declared length was written. */
  end(): void {
    if (this.remaining !== 0) {
      throw new Error(
        this.remaining === -1
          ? 'ring: end() without begin()'
          : `ring: record ended ${this.remaining} bytes short`,
      );
    }
    this.cursor = (this.cursor + this.recordBytes) >>> 0;
    this.remaining = -1;
  }

  /** Drop the open record, if any (nothing of it was visible). */
  abort(): void {
    this.remaining = -1;
  }

  /** Make every ended record visible to the consumer, and ring the doorbell if it sleeps. */
  publish(): void {
    if (this.cursor === this.published) return;
    this.published = this.cursor;
    Atomics.store(this.header, H_WRITE, this.cursor | 0);
    if (Atomics.compareExchange(this.bell, H_SLEEPING, 1, 0) === 1) {
      Atomics.notify(this.bell, H_SLEEPING);
    }
  }

  /**
   * Race-free sleep until the consumer releases space, for a producer whose begin() just returned
   * false. Returns null when the consumer released something since that begin() (retry now);
   * otherwise a promise that settles at the consumer's next release, or after `timeoutMs`. Hold a
   * referenced handle while awaiting it: a pending waitAsync alone does not keep the thread alive.
   */
  waitForSpace(timeoutMs: number): Promise<'ok' | 'timed-out'> | null {
    Atomics.store(this.header, H_SPACE, 1);
    if (Atomics.load(this.header, H_READ) >>> 0 !== this.readCache) {
      Atomics.store(this.header, H_SPACE, 0);
      return null;
    }
    const r = atomicsWaitAsync(this.header, H_SPACE, 1, timeoutMs);
    return r.async ? r.value : null;
  }

  private overflow(n: number): never {
    if (this.remaining === -1) throw new Error('ring: write outside a record (call begin() first)');
    throw new RangeError(`ring: writing ${n} bytes past the record's declared length`);
  }
}

/**
 * Consumer side. Exactly one RingReader per ring, on one thread. After next() returns true the record
 * is `buf[start, start + length)`, decoded with the cursor methods from `pos`. `buf` is a view of the
 * shared memory when the record is contiguous (valid until release()), else a scratch copy (valid
 * until the next next()).
 */
export class RingReader {
  readonly capacity: number;
  buf: Buffer;
  start: number;
  length: number;
  pos: number;
  private readonly header: Int32Array;
  private readonly data: Buffer;
  private readonly data32: Uint32Array;
  private readonly mask: number;
  private scratch: Buffer;
  private cursor: number; // end of the last record returned by next() (u32 counter)
  private released: number; // last value stored in READ
  private writeCache: number; // last WRITE seen; refreshed only when the reader catches up
  private limit: number; // start + length

  constructor(sab: SharedArrayBuffer) {
    this.header = checkRing(sab);
    this.capacity = this.header[H_CAPACITY]!;
    this.data = Buffer.from(sab, RING_HEADER_BYTES, this.capacity);
    this.data32 = new Uint32Array(sab, RING_HEADER_BYTES, this.capacity >> 2);
    this.mask = this.capacity - 1;
    this.scratch = Buffer.allocUnsafe(4096);
    this.cursor = Atomics.load(this.header, H_READ) >>> 0;
    this.released = this.cursor;
    this.writeCache = Atomics.load(this.header, H_WRITE) >>> 0;
    this.buf = this.data;
    this.start = 0;
    this.length = 0;
    this.pos = 0;
    this.limit = 0;
  }

  /** Advance to the next published record; false when none is published yet. */
  next(): boolean {
    if (this.cursor === this.writeCache) {
      this.writeCache = Atomics.load(this.header, H_WRITE) >>> 0;
      if (this.cursor === this.writeCache) return false;
    }
    const off = this.cursor & this.mask;
    const len = this.data32[off >> 2]!;
    if (len > this.capacity - RECORD_HEADER_BYTES) throw new Error(`ring: corrupt record length ${len}`);
    const p = (off + RECORD_HEADER_BYTES) & this.mask;
    const first = this.capacity - p;
    if (len <= first) {
      this.buf = this.data;
      this.start = p;
    } else {
      if (this.scratch.length < len) this.scratch = Buffer.allocUnsafe(nextPow2(len));
      this.data.copy(this.scratch, 0, p, this.capacity);
      this.data.copy(this.scratch, first, 0, len - first);
      this.buf = this.scratch;
      this.start = 0;
    }
    this.length = len;
    this.pos = this.start;
    this.limit = this.start + len;
    this.cursor = (this.cursor + RECORD_HEADER_BYTES + ((len + 3) & ~3)) >>> 0;
    return true;
  }

  /**
   * Give back to the producer everything up to the end of the last record returned by next(), and
   * ring the space doorbell if the producer waits for room.
   */
  release(): void {
    if (this.cursor === this.released) return;
    this.released = this.cursor;
    Atomics.store(this.header, H_READ, this.cursor | 0);
    if (
      Atomics.load(this.header, H_SPACE) === 1 &&
      Atomics.compareExchange(this.header, H_SPACE, 1, 0) === 1
    ) {
      Atomics.notify(this.header, H_SPACE);
    }
  }

  /**
   * The byte at payload offset `k` of the next published record, without taking it; -1 when none
   * is published.
   */
  peekU8(k: number): number {
    if (this.cursor === this.writeCache) {
      this.writeCache = Atomics.load(this.header, H_WRITE) >>> 0;
      if (this.cursor === this.writeCache) return -1;
    }
    return this.data[(this.cursor + RECORD_HEADER_BYTES + k) & this.mask]!;
  }

  /** The big-endian u32 at payload offset `k` (4-aligned) of the next published record (see peekU8). */
  peekU32(k: number): number {
    if (this.peekU8(k) === -1) return -1;
    const d = this.data;
    const m = this.mask;
    const p = this.cursor + RECORD_HEADER_BYTES + k;
    return ((d[p & m]! << 24) | (d[(p + 1) & m]! << 16) | (d[(p + 2) & m]! << 8) | d[(p + 3) & m]!) >>> 0;
  }

  /** True when every published record has been returned by next(). */
  isEmpty(): boolean {
    this.writeCache = Atomics.load(this.header, H_WRITE) >>> 0;
    return this.cursor === this.writeCache;
  }

  /** Payload bytes of the current record not yet consumed by the cursor. */
  get remaining(): number {
    return this.limit - this.pos;
  }

  u8(): number {
    if (this.pos + 1 > this.limit) this.underflow(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    if (this.pos + 2 > this.limit) this.underflow(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(): number {
    if (this.pos + 4 > this.limit) this.underflow(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  f64(): number {
    if (this.pos + 8 > this.limit) this.underflow(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  skip(n: number): void {
    if (!(n >= 0) || this.pos + n > this.limit) this.underflow(n);
    this.pos += n;
  }

  latin1(n: number): string {
    if (!(n >= 0) || this.pos + n > this.limit) this.underflow(n);
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /**
   * Race-free sleep until the producer publishes. Returns null when there is something to read (or
   * the producer rang while we were getting ready): the caller loops. Otherwise a promise that
   * settles when the producer rings, or after `timeoutMs` if given. `others`: rings whose producers
   * ring this ring's doorbell (built with it as their bell): the sleep ends when any of them
   * publishes. Hold a referenced handle while awaiting it: a pending waitAsync alone does not keep
   * the thread alive.
   */
  waitAsync(timeoutMs?: number, others: readonly RingReader[] = []): Promise<'ok' | 'timed-out'> | null {
    Atomics.store(this.header, H_SLEEPING, 1);
    if (!this.isEmpty() || others.some((r) => !r.isEmpty())) {
      Atomics.store(this.header, H_SLEEPING, 0);
      return null;
    }
    const r = atomicsWaitAsync(this.header, H_SLEEPING, 1, timeoutMs ?? Number.POSITIVE_INFINITY);
    if (r.async) return r.value;
    // 'not-equal': the producer cleared the flag between our check and the wait, so it published.
    // 'timed-out' (timeoutMs 0): nothing yet, but the caller asked not to sleep.
    return null;
  }

  private underflow(n: number): never {
    throw new RangeError(`ring: reading ${n} bytes past the end of a ${this.length}-byte record`);
  }
}
