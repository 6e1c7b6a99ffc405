/**
 * A channel's end-to-end processing latency (publish to FIN), as nsqd reports it in /stats when
 * --e2e-processing-latency-percentile is set: samples over a sliding window made of two halves
 * (the older half is dropped every window/2). Recorded in µs with hdr-histogram-js, reported in ns.
 * Owned by its channel. hdr-histogram-js is loaded on the first histogram, never by a start that
 * sets no percentile (it costs ~30 ms and a few MB per thread).
 */

import { createRequire } from 'node:module';
import type * as Hdr from 'hdr-histogram-js';
import type { LatencyStats } from '../contract/stats.js';

type Histogram = ReturnType<typeof Hdr.build>;

let hdr: typeof Hdr | null = null;

function newHistogram(): Histogram {
  hdr ??= createRequire(import.meta.url)('hdr-histogram-js') as typeof Hdr;
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 2,
  });
}

export class E2eLatency {
  private current = newHistogram();
  private previous: Histogram | null = null;
  private rotateAt: number;
  private readonly halfWindowMs: number;

  constructor(windowMs: number, nowMs: number) {
    this.halfWindowMs = Math.max(1, windowMs / 2);
    this.rotateAt = nowMs + this.halfWindowMs;
  }

  record(latencyNs: number, nowMs: number): void {
    this.rotate(nowMs);
    const us = Math.min(3_600_000_000, Math.max(1, Math.round(latencyNs / 1000)));
    this.current.recordValue(us);
  }

  private rotate(nowMs: number): void {
    if (nowMs < this.rotateAt) return;
    this.previous?.destroy();
    // a gap longer than the whole window leaves nothing behind
    this.previous = nowMs - this.rotateAt >= this.halfWindowMs ? null : this.current;
    if (this.previous === null) this.current.destroy();
    this.current = newHistogram();
    this.rotateAt = nowMs + this.halfWindowMs;
  }

  /** add this window's samples into `into` */
  addTo(into: Histogram, nowMs: number): void {
    this.rotate(nowMs);
    into.add(this.current);
    if (this.previous !== null) into.add(this.previous);
  }

  stats(quantiles: readonly number[], nowMs: number): LatencyStats {
    return percentilesOf([this], quantiles, nowMs);
  }
}

/** merged percentiles of several windows (a topic's are its channels'), values in ns; none → null */
export function percentilesOf(
  windows: readonly E2eLatency[],
  quantiles: readonly number[],
  nowMs: number,
): LatencyStats {
  if (quantiles.length === 0 || windows.length === 0) return { count: 0, percentiles: null };
  const h = newHistogram();
  for (const w of windows) w.addTo(h, nowMs);
  const count = h.totalCount;
  // no samples yet: nsqd still lists every configured quantile, with value 0
  const percentiles = quantiles.map((q) => ({
    quantile: q,
    value: count === 0 ? 0 : h.getValueAtPercentile(q * 100) * 1000,
  }));
  h.destroy();
  return { count, percentiles };
}
