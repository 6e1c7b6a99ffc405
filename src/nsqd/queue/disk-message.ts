/**
 * A message as nsqd lays it out inside a disk-queue record — the same bytes as a message frame's
 * data (storage.md §3) — encoded from a message's fields and read back as a Message with a buffer of
 * its own (and its ticket, when the queue holds reads). Pure codec: no state, no I/O of its own.
 *
 * ```
 * 0   int64 timestamp ns (two uint32 halves, high first)
 * 8   uint16 attempts
 * 10  16 bytes id (lowercase hex)
 * 26  body ...
 * ```
 */

import { MESSAGE_META_SIZE } from '../../wire/encode.js';
import { parsedId, parseIdHex, writeIdHex } from '../../wire/msgid.js';
import type { DiskQueue } from '../disk/diskqueue.js';
import { Message, PubBatch } from './message.js';

/** bytes before the body: timestamp (8) + attempts (2) + id (16), as in a message frame */
export const DISK_MESSAGE_HEADER = MESSAGE_META_SIZE;
const AT_TS_HI = 0;
const AT_TS_LO = 4;
const AT_ATTEMPTS = 8;
const AT_ID = 10;

/**
 * Encode one message (as its fields) into `dst` at `at`; returns the encoded length. `dst` must hold
 * DISK_MESSAGE_HEADER + length bytes from `at`.
 */
export function encodeDiskMessage(
  dst: Buffer,
  at: number,
  idHi: number,
  idLo: number,
  batch: Pick<PubBatch, 'slab' | 'shift' | 'tsHi' | 'tsLo'>,
  offset: number,
  length: number,
  attempts: number,
): number {
  dst.writeUInt32BE(batch.tsHi >>> 0, at + AT_TS_HI);
  dst.writeUInt32BE(batch.tsLo >>> 0, at + AT_TS_LO);
  dst.writeUInt16BE(attempts & 0xffff, at + AT_ATTEMPTS);
  writeIdHex(dst, at + AT_ID, idHi, idLo);
  const from = offset + batch.shift;
  batch.slab.copy(dst, at + DISK_MESSAGE_HEADER, from, from + length);
  return DISK_MESSAGE_HEADER + length;
}

/**
 * A record's message, over `rec` (which becomes its body's own buffer: the caller gives it up), or
 * null for a record too short for the header or whose ID is not nsqd's lowercase hex (no client
 * could FIN it).
 */
export function decodeDiskMessage(rec: Buffer): Message | null {
  if (rec.length < DISK_MESSAGE_HEADER || !parseIdHex(rec, AT_ID)) return null;
  const batch = PubBatch.own(rec, rec.readUInt32BE(AT_TS_HI) | 0, rec.readUInt32BE(AT_TS_LO) | 0);
  const m = new Message(
    parsedId.hi,
    parsedId.lo,
    batch,
    DISK_MESSAGE_HEADER,
    rec.length - DISK_MESSAGE_HEADER,
  );
  m.attempts = rec.readUInt16BE(AT_ATTEMPTS);
  return m;
}

/**
 * Take the next record from `disk` as a Message (attempts as stored); null when the queue has none.
 * A record decodeDiskMessage refuses is released and passed over.
 */
export function readDiskMessage(disk: DiskQueue): Message | null {
  for (;;) {
    const rec = disk.peek();
    if (rec === null) return null;
    const ticket = disk.advance();
    const m = decodeDiskMessage(rec);
    if (m === null) {
      disk.release(ticket);
      continue;
    }
    m.ticket = ticket;
    return m;
  }
}
