/**
 * Latency histograms for the load generator (hdr-histogram-js): one shape for every thread (values in
 * microseconds, 3 significant digits), encoded to a compressed base64 string to cross threads, merged
 * on the main thread, and read out as the percentiles the reports print.
 */

import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** one hour in microseconds: the initial range (it auto-resizes beyond that) */
const HIGHEST_US = 3_600_000_000;

/** An empty histogram of microseconds. */
export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records `us` (rounded, clamped at 0: clocks of two threads may differ by a hair). */
export function recordUs(h: Histogram, us: number): void {
  h.recordValue(us > 0 ? Math.round(us) : 0);
}

/** The histogram as a string that survives postMessage; null when it is empty. */
export function encodeHistogram(h: Histogram): string | null {
  return h.totalCount === 0 ? null : hdr.encodeIntoCompressedBase64(h);
}

/** Decodes each non-null encoded histogram and adds it into one; null if there was none. */
export function mergeEncoded(encoded: readonly (string | null)[]): Histogram | null {
  let merged: Histogram | null = null;
  for (const e of encoded) {
    if (e === null) continue;
    const h = hdr.decodeFromCompressedBase64(e);
    if (merged === null) merged = newHistogram();
    merged.add(h);
    h.destroy();
  }
  return merged;
}

/** What the reports print about a latency distribution; all values in microseconds. */
export interface Percentiles {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export function percentiles(h: Histogram): Percentiles {
  return {
    count: h.totalCount,
    min: h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue,
    mean: Math.round(h.mean * 10) / 10,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
  };
}
