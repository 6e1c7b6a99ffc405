/**
 * The shard's message body store: bodies are copied once into large slabs (bump allocation) and
 * every channel's Message references the same bytes. A slab is reclaimed by the GC when no message
 * references it any more. Owns the current slab only.
 */

const SLAB_SIZE = 1 << 20;
/** bodies at least this large get a buffer of their own, so a big body never pins a slab */
const OWN_BUFFER_THRESHOLD = 64 * 1024;

export class BodyStore {
  private slab: Buffer = Buffer.allocUnsafeSlow(SLAB_SIZE);
  private used = 0;

  /**
   * Copy src[start, end) into the store. Returns the slab it landed in; its offset is `lastOffset`.
   * One call per PUB or per whole MPUB batch: the copy happens once for all its messages.
   */
  copyIn(src: Uint8Array, start: number, end: number): Buffer {
    const n = end - start;
    if (n >= OWN_BUFFER_THRESHOLD) {
      const own = Buffer.allocUnsafeSlow(n);
      own.set(src.subarray(start, end), 0);
      this.lastOffset = 0;
      return own;
    }
    if (this.used + n > SLAB_SIZE) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.used = 0;
    }
    const slab = this.slab;
    slab.set(src.subarray(start, end), this.used);
    this.lastOffset = this.used;
    this.used += (n + 7) & ~7;
    return slab;
  }

  /** where the last copyIn put its bytes */
  lastOffset = 0;
}
