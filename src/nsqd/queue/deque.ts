/**
 * A FIFO of queued messages (a channel's or topic's memory queue), packed: each entry is five
 * int32s (ID halves, body offset and length, attempts) in a typed-array chunk plus the PubBatch
 * reference, so a backlog of millions is a few thousand objects to the GC rather than millions.
 * A Message object is made only when an entry leaves for delivery. Chunks are linked head to tail
 * (O(1) push/shift, no copying growth) and an emptied one is reused. Owns only its chunks.
 *
 *   chunk.ints, per entry (FIELDS = 5 int32s)
 *   +--------+--------+--------+--------+----------+
 *   | idHi   | idLo   | offset | length | attempts |     chunk.batches[entry] = its PubBatch
 *   +--------+--------+--------+--------+----------+
 */

import { Message, type PubBatch } from './message.js';

const CHUNK = 1024;
const FIELDS = 5;
const F_ID_HI = 0;
const F_ID_LO = 1;
const F_OFFSET = 2;
const F_LENGTH = 3;
const F_ATTEMPTS = 4;

class Chunk {
  readonly ints = new Int32Array(CHUNK * FIELDS);
  readonly batches: (PubBatch | undefined)[] = new Array(CHUNK);
  next: Chunk | null = null;
}

export class MessageQueue {
  private head: Chunk = new Chunk();
  private tail: Chunk = this.head;
  /** next entry to read in head, next entry to write in tail */
  private readAt = 0;
  private writeAt = 0;
  private size = 0;
  /** one emptied chunk kept for reuse, so a queue hovering at a chunk boundary does not churn */
  private spare: Chunk | null = null;

  get length(): number {
    return this.size;
  }

  /** a message as its fields: no object is made (its batch's bodies are retained in the store) */
  push(idHi: number, idLo: number, batch: PubBatch, offset: number, length: number, attempts: number): void {
    batch.retain();
    if (this.writeAt === CHUNK) {
      const c = this.spare ?? new Chunk();
      this.spare = null;
      this.tail.next = c;
      this.tail = c;
      this.writeAt = 0;
    }
    const t = this.tail;
    const i = this.writeAt * FIELDS;
    const ints = t.ints;
    ints[i + F_ID_HI] = idHi;
    ints[i + F_ID_LO] = idLo;
    ints[i + F_OFFSET] = offset;
    ints[i + F_LENGTH] = length;
    ints[i + F_ATTEMPTS] = attempts;
    t.batches[this.writeAt++] = batch;
    this.size++;
  }

  /** a message back from flight or deferral (its attempts go with it; the object is dropped) */
  pushMessage(m: Message): void {
    this.push(m.idHi, m.idLo, m.batch, m.offset, m.length, m.attempts);
  }

  /** the oldest entry as a fresh Message, or undefined when empty */
  shift(): Message | undefined {
    if (this.size === 0) return undefined;
    const h = this.head;
    const i = this.readAt * FIELDS;
    const ints = h.ints;
    const m = new Message(
      ints[i + F_ID_HI]!,
      ints[i + F_ID_LO]!,
      h.batches[this.readAt]!,
      ints[i + F_OFFSET]!,
      ints[i + F_LENGTH]!,
    );
    m.attempts = ints[i + F_ATTEMPTS]!;
    this.drop();
    return m;
  }

  // the oldest entry's fields, for moving entries between queues without making objects
  get headIdHi(): number {
    return this.head.ints[this.readAt * FIELDS + F_ID_HI]!;
  }
  get headIdLo(): number {
    return this.head.ints[this.readAt * FIELDS + F_ID_LO]!;
  }
  get headOffset(): number {
    return this.head.ints[this.readAt * FIELDS + F_OFFSET]!;
  }
  get headLength(): number {
    return this.head.ints[this.readAt * FIELDS + F_LENGTH]!;
  }
  get headAttempts(): number {
    return this.head.ints[this.readAt * FIELDS + F_ATTEMPTS]!;
  }
  get headBatch(): PubBatch {
    return this.head.batches[this.readAt]!;
  }

  /** remove the oldest entry (after reading its fields) */
  drop(): void {
    if (this.size === 0) return;
    const h = this.head;
    h.batches[this.readAt++] = undefined;
    this.size--;
    if (this.size === 0) {
      this.readAt = 0;
      this.writeAt = 0;
      this.tail = this.head = h;
      h.next = null;
    } else if (this.readAt === CHUNK) {
      this.head = h.next!;
      this.readAt = 0;
      h.next = null;
      this.spare = h;
    }
  }

  /** drop everything; returns how many were dropped */
  clear(): number {
    const n = this.size;
    this.head = this.tail = new Chunk();
    this.readAt = this.writeAt = 0;
    this.size = 0;
    return n;
  }
}
