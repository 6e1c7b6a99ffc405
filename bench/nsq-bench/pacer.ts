/**
 * Open-loop rate pacing for one publishing connection: a token schedule anchored at the start time
 * (token k is due at `start + k / rate`), so rounding never drifts, with a bounded catch-up.
 *
 * The schedule is absolute: after a stall the tokens that fell due are released at once, up to
 * `maxBacklog`; older ones are skipped (and counted), so a stalled generator or a full pipe does not
 * turn into an unbounded burst afterwards. No timers here and no allocation: the caller owns the clock.
 */

export class Pacer {
  /** tokens handed out so far (including skipped ones) */
  private issued = 0;
  /** tokens dropped because they fell more than `maxBacklog` behind */
  skipped = 0;
  private readonly perMs: number;

  /**
   * @param perSecond tokens per second (> 0)
   * @param startMs the time of token 0, on the caller's clock in milliseconds
   * @param maxBacklog most tokens released at once after a stall (>= 1)
   */
  constructor(
    readonly perSecond: number,
    readonly startMs: number,
    readonly maxBacklog: number,
  ) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`Pacer: bad rate ${perSecond}`);
    if (!(maxBacklog >= 1)) throw new RangeError(`Pacer: maxBacklog must be >= 1, got ${maxBacklog}`);
    this.perMs = perSecond / 1000;
  }

  /** tokens that have fallen due by `nowMs` (token k at start + k/rate), whether taken or not */
  private dueBy(nowMs: number): number {
    if (nowMs < this.startMs) return 0;
    return Math.floor((nowMs - this.startMs) * this.perMs + 1e-9) + 1;
  }

  /** Takes and returns the tokens due at `nowMs`, at most `max`; the rest stay due (within the backlog bound). */
  take(nowMs: number, max: number): number {
    let due = this.dueBy(nowMs) - this.issued;
    if (due <= 0 || max <= 0) return 0;
    if (due > this.maxBacklog) {
      const drop = due - this.maxBacklog;
      this.skipped += drop;
      this.issued += drop;
      due = this.maxBacklog;
    }
    const n = due < max ? due : max;
    this.issued += n;
    return n;
  }

  /** tokens taken (not skipped) so far */
  get taken(): number {
    return this.issued - this.skipped;
  }

  /** milliseconds from `nowMs` until the next token is due; 0 if one is due already */
  delayMs(nowMs: number): number {
    const nextAt = this.startMs + this.issued / this.perMs;
    return nextAt <= nowMs ? 0 : nextAt - nowMs;
  }
}
