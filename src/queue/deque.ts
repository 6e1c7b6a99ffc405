/**
 * A FIFO of messages (a channel's or topic's memory queue) in fixed-size chunks linked head to
 * tail: O(1) push, shift and clear, no copying when it grows to millions, and emptied chunks are
 * reused instead of left to the GC. Owns only its chunks.
 */

import type { Message } from './message.js';

const CHUNK = 1024;

class Chunk {
  readonly items: (Message | undefined)[] = new Array(CHUNK);
  next: Chunk | null = null;
}

export class Deque {
  private head: Chunk = new Chunk();
  private tail: Chunk = this.head;
  /** next slot to read in head, next slot to write in tail */
  private readAt = 0;
  private writeAt = 0;
  private size = 0;
  /** one emptied chunk kept for reuse, so a queue hovering at a chunk boundary does not churn */
  private spare: Chunk | null = null;

  get length(): number {
    return this.size;
  }

  push(m: Message): void {
    if (this.writeAt === CHUNK) {
      const c = this.spare ?? new Chunk();
      this.spare = null;
      this.tail.next = c;
      this.tail = c;
      this.writeAt = 0;
    }
    this.tail.items[this.writeAt++] = m;
    this.size++;
  }

  shift(): Message | undefined {
    if (this.size === 0) return undefined;
    const h = this.head;
    const m = h.items[this.readAt];
    h.items[this.readAt++] = undefined;
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
    return m;
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
