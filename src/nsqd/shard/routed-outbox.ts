/**
 * A worker shard's CoreAnswers with several io threads (--io-threads): one RingOutbox per io
 * thread, each answer going to the outbox of the io thread its connection id names (ioThreadOf);
 * dead letters for another shard go to io thread 0 (the main thread), which routes them. Blocked
 * while any outbox has records waiting for room. Owns the list of outboxes only.
 */

import type { ProtocolError } from '../../wire/errors.js';
import { type CoreAnswers, ioThreadOf, type OutgoingMessage } from '../contract/shard.js';
import { RingOutbox } from './ring-outbox.js';

/** what the shard worker needs of its answers' carrier, one ring or several */
export type Outbox = CoreAnswers & {
  readonly blocked: boolean;
  retryOverflow(): boolean;
  waitForSpace(): Promise<unknown> | null;
  flush(): void;
};

/** the outbox over `rings` (one per io thread, in io-thread order) */
export function outboxFor(rings: readonly SharedArrayBuffer[]): Outbox {
  return rings.length === 1 ? new RingOutbox(rings[0]!) : new RoutedOutbox(rings);
}

class RoutedOutbox implements Outbox {
  private readonly boxes: RingOutbox[];

  constructor(rings: readonly SharedArrayBuffer[]) {
    this.boxes = rings.map((r) => new RingOutbox(r));
  }

  get blocked(): boolean {
    for (const b of this.boxes) if (b.blocked) return true;
    return false;
  }

  ok(conn: number): void {
    this.boxes[ioThreadOf(conn)]!.ok(conn);
  }
  close(conn: number): void {
    this.boxes[ioThreadOf(conn)]!.close(conn);
  }
  error(conn: number, err: ProtocolError): void {
    this.boxes[ioThreadOf(conn)]!.error(conn, err);
  }
  deliver(conn: number, msg: OutgoingMessage, flush: boolean): void {
    this.boxes[ioThreadOf(conn)]!.deliver(conn, msg, flush);
  }
  forward(topic: string, msg: OutgoingMessage): void {
    this.boxes[0]!.forward(topic, msg);
  }

  retryOverflow(): boolean {
    let clear = true;
    for (const b of this.boxes) if (!b.retryOverflow()) clear = false;
    return clear;
  }

  /** sleep on the first blocked outbox's space doorbell (bounded); null when none is blocked */
  waitForSpace(): Promise<unknown> | null {
    for (const b of this.boxes) if (b.blocked) return b.waitForSpace();
    return null;
  }

  flush(): void {
    for (const b of this.boxes) b.flush();
  }
}
