/**
 * How a shard's messages go to and come back from its disk queues: nsqd's on-disk message layout
 * `[int64 ts ns][uint16 attempts][16-byte hex id][body]` (storage.md §3), written from a queue
 * entry or a Message, read back as a Message with a buffer of its own. Owns one scratch buffer.
 */

import type { DiskQueue } from '../disk/diskqueue.js';
import { parsedId, parseIdHex, writeIdHex } from '../frame/msgid.js';
import { Message, PubBatch } from './message.js';

/** timestamp (8) + attempts (2) + id (16) */
export const RECORD_HEADER = 26;

export class MessageRecords {
  private scratch: Buffer;

  constructor(maxMsgSize: number) {
    this.scratch = Buffer.allocUnsafe(RECORD_HEADER + Math.min(maxMsgSize, 64 * 1024));
  }

  /** append one message, given as its fields, to `disk` (throws on a write error) */
  write(
    disk: DiskQueue,
    idHi: number,
    idLo: number,
    batch: PubBatch,
    offset: number,
    length: number,
    attempts: number,
  ): void {
    const n = RECORD_HEADER + length;
    if (n > this.scratch.length) this.scratch = Buffer.allocUnsafe(n);
    const b = this.scratch;
    b.writeUInt32BE(batch.tsHi >>> 0, 0);
    b.writeUInt32BE(batch.tsLo >>> 0, 4);
    b.writeUInt16BE(attempts & 0xffff, 8);
    writeIdHex(b, 10, idHi, idLo);
    batch.slab.copy(b, RECORD_HEADER, offset, offset + length);
    disk.put(b.subarray(0, n));
  }

  writeMessage(disk: DiskQueue, m: Message): void {
    this.write(disk, m.idHi, m.idLo, m.batch, m.offset, m.length, m.attempts);
  }
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
    disk.advance();
    if (rec.length < RECORD_HEADER || !parseIdHex(rec, 10)) continue;
    const batch = new PubBatch(rec, rec.readUInt32BE(0) | 0, rec.readUInt32BE(4) | 0);
    const m = new Message(parsedId.hi, parsedId.lo, batch, RECORD_HEADER, rec.length - RECORD_HEADER);
    m.attempts = rec.readUInt16BE(8);
    return m;
  }
}
