/**
 * A shard's inbound rings with several io threads (--io-threads), taken in the order the io
 * threads published them: every published batch starts with an IN_MARK record holding its place
 * in the shard's publish counter (worker-link.ts), and the batch with the lowest place among the
 * rings' heads goes first. A batch is published before the OKs it answers leave, so a command a
 * client sends after an OK it got from another io thread is taken after that publish, as in nsqd
 * (where the publish is done before the OK). Owns, per ring, the place of the batch under way.
 */

import { IN_MARK, type ShardCommands } from '../contract/shard.js';
import type { RingReader } from './ring.js';
import { decodeInbound, HEAD, OFF_OP } from './ring-records.js';

/** release inbound space to the io thread at least this often within one batch */
const RELEASE_EVERY = 256;

export class InboundOrder {
  private readonly readers: readonly RingReader[];
  /** per ring: the place of the batch whose records are at its head, -1 between batches */
  private readonly current: number[];

  constructor(readers: readonly RingReader[]) {
    this.readers = readers;
    this.current = readers.map(() => -1);
  }

  /** the place of what ring `i` holds next; null when it holds nothing */
  private headPlace(i: number): number | null {
    const r = this.readers[i]!;
    const op = r.peekU8(OFF_OP);
    if (op === -1) return null;
    if (op === IN_MARK) return r.peekU32(HEAD) | 0;
    // the rest of a batch already begun (taking stopped midway)
    return this.current[i]!;
  }

  /** the ring whose next batch comes first; -1 when every ring is empty */
  private first(): number {
    let best = -1;
    let place = 0;
    for (let i = 0; i < this.readers.length; i++) {
      const p = this.headPlace(i);
      if (p === null) continue;
      // places wrap around 2^32: compare by difference
      if (best === -1 || ((p - place) | 0) < 0) {
        best = i;
        place = p;
      }
    }
    return best;
  }

  /**
   * Take records in publish order while `go()` says so (checked before each record); `flush` runs
   * after every RELEASE_EVERY records. Returns how many were taken.
   */
  take(core: ShardCommands, go: () => boolean, flush: () => void): number {
    let n = 0;
    for (;;) {
      const i = this.first();
      if (i === -1) return n;
      const r = this.readers[i]!;
      // open the batch at its IN_MARK (unless a take that stopped midway opened it)
      if (r.peekU8(OFF_OP) === IN_MARK) {
        r.next();
        this.current[i] = r.buf.readUInt32BE(r.start + HEAD) | 0;
      }
      // its records, up to the next batch's IN_MARK or the end of what is published (a batch is
      // published whole)
      for (;;) {
        const op = r.peekU8(OFF_OP);
        if (op === -1 || op === IN_MARK) break;
        if (!go()) {
          r.release();
          return n;
        }
        r.next();
        decodeInbound(r, core);
        if (++n % RELEASE_EVERY === 0) {
          r.release();
          flush();
        }
      }
      this.current[i] = -1;
      r.release();
    }
  }
}
