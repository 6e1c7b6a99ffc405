/**
 * How a shard's messages go to and come back from its disk queues: nsqd's on-disk message layout
 * `[int64 ts ns][uint16 attempts][16-byte hex id][body]` (storage.md §3), encoded from a message's
 * fields, read back as a Message with a buffer of its own (and its ticket, when the queue holds reads). Pure codec: no state, no I/O of its own.
 */

import type { DiskQueue } from '../disk/diskqueue.js';
import { parsedId, parseIdHex, writeIdHex } from '../../wire/msgid.js';
import { Message, PubBatch } from './message.js';

/** timestamp (8) + attempts (2) + id (16) */
export const RECORD_HEADER = 26;

/**
 * Encode one message (as its fields) into `dst` at 0; returns the record's length. `dst` must hold
 * RECORD_HEADER + length bytes.
 */
export function encodeRecord(
  dst: Buffer,
  idHi: number,
  idLo: number,
  batch: PubBatch,
  offset: number,
  length: number,
  attempts: number,
): number {
  dst.writeUInt32BE(batch.tsHi >>> 0, 0);
  dst.writeUInt32BE(batch.tsLo >>> 0, 4);
  dst.writeUInt16BE(attempts & 0xffff, 8);
  writeIdHex(dst, 10, idHi, idLo);
  const at = offset + batch.shift;
  batch.slab.copy(dst, RECORD_HEADER, at, at + length);
  return RECORD_HEADER + length;
}

/**
 * Take the next record from `disk` as a Message (attempts as stored). Records whose ID is not
 * nsqd's lowercase hex cannot be FINed by any client: they are skipped (and counted by the caller
 * through the return of null with `skipped`).
 */
export function readMessage(disk: DiskQueue): Message | null {
  for (;;) {
    const rec = disk.peek();
    if (rec === null) return null;
    const ticket = disk.advance();
    if (rec.length < RECORD_HEADER || !parseIdHex(rec, 10)) {
      disk.release(ticket);
      continue;
    }
    const batch = PubBatch.own(rec, rec.readUInt32BE(0) | 0, rec.readUInt32BE(4) | 0);
    const m = new Message(parsedId.hi, parsedId.lo, batch, RECORD_HEADER, rec.length - RECORD_HEADER);
    m.attempts = rec.readUInt16BE(8);
    m.ticket = ticket;
    return m;
  }
}
