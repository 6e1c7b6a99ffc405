/**
 * bitly/timer_metrics as nsq_to_http and nsq_to_nsq log request latencies: a ring of the last N
 * durations; when request N+1 (2N+1, ...) is recorded, one log.Printf line
 * `<prefix> finished N - 99th: 8.29ms - 95th: 8.29ms - avg: 7.26ms`. N = 0 disables it; 0 < N < 100
 * warns at creation. Owns its ring.
 */

import { logf } from './program.js';

export class TimerMetrics {
  private readonly timings: number[] = [];
  private position = 0;

  constructor(
    private readonly statusEvery: number,
    private readonly prefix: string,
  ) {
    if (statusEvery > 0 && statusEvery < 100) {
      logf(
        `Warning: use more than 100 status values for accurate percentiles (configured with ${statusEvery})`,
      );
    }
  }

  /** records the time since `startMs` (performance.now()) */
  status(startMs: number): void {
    if (this.statusEvery === 0) return;
    this.record(performance.now() - startMs);
  }

  /** records a duration in ms, printing the summary when the ring wraps */
  record(ms: number): void {
    if (this.statusEvery === 0) return;
    this.position++;
    let looped = false;
    if (this.position > this.statusEvery) {
      looped = true;
      this.position = 1;
    }
    if (this.position > this.timings.length) this.timings.push(ms);
    else this.timings[this.position - 1] = ms;
    if (looped) logf(this.summary());
  }

  summary(): string {
    const n = this.timings.length;
    const sorted = [...this.timings].sort((a, b) => a - b);
    const total = this.timings.reduce((a, b) => a + b, 0);
    const pct = (p: number): number => {
      if (n === 0) return 0;
      const i = Math.min(Math.ceil((p / 100) * n + 0.5), n - 1);
      return sorted[i]!;
    };
    const avg = n > 0 ? total / n : 0;
    return `${this.prefix} finished ${n} - 99th: ${pct(99).toFixed(2)}ms - 95th: ${pct(95).toFixed(2)}ms - avg: ${avg.toFixed(2)}ms`;
  }
}
