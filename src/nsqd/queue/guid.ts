/**
 * Message IDs, one factory per topic, as nsqd makes them:
 * `(ts - 1288834974288) << 22 | nodeId << 12 | sequence` with ts = UnixNano >> 20, held as two
 * int32 halves (wire/msgid.ts renders the hex). Where nsqd sleeps 1 ms when 4096 IDs were taken in
 * one pseudo-ms (or the clock went back), this factory borrows the next pseudo-ms instead: IDs stay
 * unique and increasing and the shard never blocks.
 */

const TW_EPOCH = 1288834974288;
const NS_PER_PSEUDO_MS = 1048576; // 1 << 20

export class GuidFactory {
  private readonly nodeBits: number;
  private lastTs = -1;
  private sequence = 0;
  /** the halves of the last ID made by next() */
  hi = 0;
  lo = 0;

  constructor(nodeId: number) {
    this.nodeBits = (nodeId & 0x3ff) << 12;
  }

  /** make the next ID into `hi`/`lo`; `nowNs` is the current time in ns (a double) */
  next(nowNs: number): void {
    let ts = Math.floor(nowNs / NS_PER_PSEUDO_MS);
    if (ts <= this.lastTs) {
      ts = this.lastTs;
      if (this.sequence >= 4095) {
        ts++;
        this.sequence = 0;
      } else {
        this.sequence++;
      }
    } else {
      this.sequence = 0;
    }
    this.lastTs = ts;
    const t = ts - TW_EPOCH;
    this.hi = Math.floor(t / 1024) | 0; // bits 32.. of the id
    this.lo = ((t % 1024) << 22) | this.nodeBits | this.sequence;
  }
}
