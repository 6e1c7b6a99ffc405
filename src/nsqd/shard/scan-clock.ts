/**
 * A worker shard's queue-scan clock (nsqd's queueScanLoop): every --queue-scan-interval while the
 * scan has something to do (messages in flight or deferred, a disk sync due); after IDLE_TICKS
 * scans in a row with nothing, once a second, until work arrives (wake(): any inbound record or
 * control request), so an idle shard wakes 1×/s instead of 10×/s. Owns its timer.
 */

/** scans in a row with nothing to do before the clock slows */
const IDLE_TICKS = 10;
/** the slow clock's interval */
const IDLE_SCAN_MS = 1000;

export class ScanClock {
  private timer: NodeJS.Timeout;
  private idleTicks = 0;
  private slow = false;
  private readonly fastMs: number;
  /** one scan: true while the next one has something to do */
  private readonly scan: () => boolean;

  constructor(fastMs: number, scan: () => boolean) {
    this.fastMs = fastMs;
    this.scan = scan;
    this.timer = setTimeout(() => this.tick(), fastMs);
  }

  private tick(): void {
    if (this.scan()) {
      this.idleTicks = 0;
      this.slow = false;
    } else if (++this.idleTicks >= IDLE_TICKS) this.slow = true;
    this.timer = setTimeout(() => this.tick(), this.slow ? Math.max(this.fastMs, IDLE_SCAN_MS) : this.fastMs);
  }

  /** work arrived: scan at the configured interval again */
  wake(): void {
    this.idleTicks = 0;
    if (!this.slow) return;
    this.slow = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), this.fastMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
