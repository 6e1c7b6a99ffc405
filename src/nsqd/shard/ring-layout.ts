/**
 * The ring's shared memory: its layout, creation and validation (ring.ts reads and writes it).
 */

// Shared layout (Int32 header, one 64-byte line per hot word so WRITE and READ never share a line;
// SPACE shares the first line with words nobody writes after creation):
//
//   byte 0        4          32      36     64       68     128      132    192        196    256
//        +--------+----------+- -+-------+- -+--------+- - --+--------+- - --+----------+- - --+----------------+
//        | MAGIC  | CAPACITY |...| SPACE |...| WRITE  | ...  | READ   | ...  | SLEEPING | ...  | data[capacity] |
//        +--------+----------+- -+-------+- -+--------+- - --+--------+- - --+----------+- - --+----------------+
//   Int32 [H_MAGIC] [H_CAPACITY] [H_SPACE]   [H_WRITE]       [H_READ]        [H_SLEEPING]      ^RING_HEADER_BYTES
//
// Record, at data[counter & mask]; 4-byte aligned, so the length word never straddles the end:
//
//   +----------------+-------------------------------------+-----------+
//   | u32 length L   | payload, L bytes (may wrap to 0)    | pad 0..3  |   4 + pad4(L) bytes
//   +----------------+-------------------------------------+-----------+
//   The length word is in host byte order (both threads share one CPU); payload fields written with
//   u16/u32/f64 are big-endian.

export const H_MAGIC = 0; // Int32 index: RING_MAGIC, marks a buffer made by createRingBuffer
export const H_CAPACITY = 1; // Int32 index: data capacity in bytes, set once at creation
export const H_WRITE = 16; // Int32 index: producer's u32 byte counter (producer writes)
export const H_READ = 32; // Int32 index: consumer's u32 byte counter (consumer writes)
export const H_SLEEPING = 48; // Int32 index: data doorbell, 1 while the consumer sleeps or is about to
export const H_SPACE = 8; // Int32 index: space doorbell, 1 while the producer waits for room or is about to
export const RING_HEADER_BYTES = 256; // bytes before the data region
export const RECORD_HEADER_BYTES = 4; // the length word in front of every record
export const RING_MIN_CAPACITY = 64 * 1024;
export const RING_MAX_CAPACITY = 1024 * 1024 * 1024;
const RING_MAGIC = 0x52494e47; // 'RING'

/** the smallest power of two ≥ n */
export function nextPow2(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

/** Bytes a record with this payload occupies in the ring (length word + payload + padding). */
export function ringRecordBytes(payloadLength: number): number {
  return RECORD_HEADER_BYTES + ((payloadLength + 3) & ~3);
}

/**
 * Allocate a ring: header + data region of `capacityBytes` rounded up to a power of two (at least
 * RING_MIN_CAPACITY). `initialCounter` (a multiple of 4) starts both counters elsewhere than 0; it
 * exists so tests can exercise the 2^32 wrap.
 */
export function createRingBuffer(capacityBytes: number, initialCounter = 0): SharedArrayBuffer {
  if (!Number.isInteger(capacityBytes) || capacityBytes <= 0 || capacityBytes > RING_MAX_CAPACITY) {
    throw new RangeError(`ring capacity must be an integer in 1..${RING_MAX_CAPACITY}, got ${capacityBytes}`);
  }
  if (initialCounter >>> 0 !== initialCounter || (initialCounter & 3) !== 0) {
    throw new RangeError(`ring initialCounter must be a u32 multiple of 4, got ${initialCounter}`);
  }
  const capacity = Math.max(RING_MIN_CAPACITY, nextPow2(capacityBytes));
  const sab = new SharedArrayBuffer(RING_HEADER_BYTES + capacity);
  const header = new Int32Array(sab, 0, RING_HEADER_BYTES >> 2);
  header[H_MAGIC] = RING_MAGIC;
  header[H_CAPACITY] = capacity;
  header[H_WRITE] = initialCounter | 0;
  header[H_READ] = initialCounter | 0;
  return sab;
}

/** A capacity that guarantees any record with a payload up to `maxRecordBytes` fits (≥ 1 MiB). */
export function ringCapacityFor(maxRecordBytes: number): number {
  if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 0) {
    throw new RangeError(`maxRecordBytes must be a non-negative integer, got ${maxRecordBytes}`);
  }
  const capacity = Math.max(1024 * 1024, nextPow2(2 * (maxRecordBytes + 16)));
  if (capacity > RING_MAX_CAPACITY) {
    throw new RangeError(
      `no ring can hold records of ${maxRecordBytes} bytes (max ${RING_MAX_CAPACITY / 2 - 16})`,
    );
  }
  return capacity;
}

/** the ring's header, after checking `sab` is a ring */
export function checkRing(sab: SharedArrayBuffer): Int32Array {
  if (!(sab instanceof SharedArrayBuffer) || sab.byteLength < RING_HEADER_BYTES + RING_MIN_CAPACITY) {
    throw new TypeError('not a ring: expected a SharedArrayBuffer from createRingBuffer()');
  }
  const header = new Int32Array(sab, 0, RING_HEADER_BYTES >> 2);
  const capacity = header[H_CAPACITY]!;
  if (header[H_MAGIC] !== RING_MAGIC || RING_HEADER_BYTES + capacity !== sab.byteLength) {
    throw new TypeError('not a ring: bad magic or size');
  }
  return header;
}
