// ring-protocol: the records the two-thread ring test exchanges, shared by the test and its worker.
import { prng } from '../helpers/prng.js';

/** What the worker gets in workerData. */
export interface RingJob {
  data: SharedArrayBuffer; // worker → main: DATA records
  echo: SharedArrayBuffer; // main → worker: ECHO records
  count: number;
  seed: number;
  minBody: number;
  maxBody: number;
  /** Records the worker may have sent but not yet seen echoed (bounds the echo ring's use). */
  window: number;
}

/** What the worker posts when every record has been echoed. */
export interface RingJobResult {
  sent: number;
  acked: number;
  sleeps: number;
  /** times it slept on the data ring's space doorbell */
  spaceSleeps: number;
}

// DATA record:  +---------+----------+-------------+---------+------------------------------------+
//               | u32 seq | u32 body | u32 srcOff  | u32 sum | body bytes = source[srcOff, +body) |
//               +---------+----------+-------------+---------+------------------------------------+
export const DATA_HEADER = 16;
// ECHO record:  +---------+---------+   seq is cumulative: everything up to seq was received.
//               | u32 seq | u32 sum |
//               +---------+---------+
export const ECHO_BYTES = 8;

export const SOURCE_BYTES = 1 << 20;

/** The bytes both threads draw record bodies from, regenerated from the seed on each side. */
export function makeSource(seed: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.allocUnsafe(SOURCE_BYTES);
  for (let i = 0; i < b.length; i += 4) b.writeUInt32LE((rnd() * 4294967296) >>> 0, i);
  return b;
}

/** FNV-1a over b[start, end). */
export function checksum(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}
