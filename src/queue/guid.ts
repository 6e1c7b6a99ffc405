/**
 * Message IDs, one factory per topic, as nsqd makes them:
 * `(ts - 1288834974288) << 22 | nodeId << 12 | sequence` with ts = UnixNano >> 20, rendered as
 * 16 lowercase hex chars. Where nsqd sleeps 1 ms when 4096 IDs were taken in one pseudo-ms (or the
 * clock went back), this factory borrows the next pseudo-ms instead: IDs stay unique and increasing
 * and the shard never blocks.
 */

const TW_EPOCH = 1288834974288;
const NS_PER_PSEUDO_MS = 1048576; // 1 << 20
const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

function hex32(v: number): string {
  return HEX[(v >>> 24) & 0xff]! + HEX[(v >>> 16) & 0xff]! + HEX[(v >>> 8) & 0xff]! + HEX[v & 0xff]!;
}

export class GuidFactory {
  private readonly nodeBits: number;
  private lastTs = -1;
  private sequence = 0;
  private hiTs = -1;
  private hiHex = '';

  constructor(nodeId: number) {
    this.nodeBits = (nodeId & 0x3ff) << 12;
  }

  /** the next ID; `nowNs` is the current time in ns (a double) */
  next(nowNs: number): string {
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
    const hiPart = Math.floor(t / 1024); // bits 32.. of the id
    if (hiPart !== this.hiTs) {
      this.hiTs = hiPart;
      this.hiHex = hex32(hiPart >>> 0);
    }
    const lo = (((t % 1024) << 22) | this.nodeBits | this.sequence) >>> 0;
    return this.hiHex + hex32(lo);
  }
}
