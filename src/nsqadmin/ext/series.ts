/**
 * Time series of the built-in charts: one fixed-size ring of samples per topic, channel and node
 * (Float64Arrays, so memory is bounded by capacity × fields × series, and series themselves are
 * capped). A series not seen for a whole window is dropped. Owns the rings; knows no HTTP and no
 * nsqd.
 */

/** the numbers of one sample; NaN where unknown (a first sample has no rate) */
export const FIELDS = [
  'depth',
  'in_flight',
  'deferred',
  'rate',
  'requeue_rate',
  'timeout_rate',
  'clients',
  'e2e_p1',
  'e2e_p2',
  'e2e_p3',
] as const;
export type Field = (typeof FIELDS)[number];
export type Sample = Partial<Record<Field, number>>;

/** series kept at most; beyond, new topics/channels are not charted (said once in the log) */
export const MAX_SERIES = 4000;

class Ring {
  readonly times: Float64Array;
  readonly values: Float64Array;
  /** next slot to write */
  head = 0;
  size = 0;
  lastSeen = 0;
  /** the e2e quantiles of e2e_p1..3 (as nsqd reports them) */
  quantiles: number[] = [];

  constructor(capacity: number) {
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity * FIELDS.length).fill(Number.NaN);
  }

  push(t: number, s: Sample): void {
    const cap = this.times.length;
    this.times[this.head] = t;
    const base = this.head * FIELDS.length;
    for (let i = 0; i < FIELDS.length; i++) this.values[base + i] = s[FIELDS[i]!] ?? Number.NaN;
    this.head = (this.head + 1) % cap;
    if (this.size < cap) this.size++;
    this.lastSeen = t;
  }

  /** samples at or after `since` (ms), oldest first: times and one column per field (null for NaN) */
  read(since: number): { t: number[]; fields: Record<Field, (number | null)[]> } {
    const cap = this.times.length;
    const t: number[] = [];
    const fields = Object.fromEntries(FIELDS.map((f) => [f, [] as (number | null)[]])) as Record<
      Field,
      (number | null)[]
    >;
    for (let k = 0; k < this.size; k++) {
      const slot = (this.head - this.size + k + cap) % cap;
      const time = this.times[slot]!;
      if (time < since) continue;
      t.push(time);
      for (let i = 0; i < FIELDS.length; i++) {
        const v = this.values[slot * FIELDS.length + i]!;
        fields[FIELDS[i]!].push(Number.isNaN(v) ? null : Math.round(v * 1000) / 1000);
      }
    }
    return { t, fields };
  }
}

export class SeriesStore {
  private readonly capacity: number;
  private readonly windowMs: number;
  private readonly rings = new Map<string, Ring>();
  private full = false;
  onFull: (() => void) | null = null;

  constructor(windowMs: number, intervalMs: number) {
    this.windowMs = windowMs;
    this.capacity = Math.max(2, Math.min(100_000, Math.ceil(windowMs / Math.max(1, intervalMs)) + 1));
  }

  /** one sample for `key` (`topic:T`, `channel:T/C`, `node:N`) */
  push(key: string, t: number, s: Sample, quantiles: number[] = []): void {
    let r = this.rings.get(key);
    if (r === undefined) {
      if (this.rings.size >= MAX_SERIES) {
        if (!this.full) this.onFull?.();
        this.full = true;
        return;
      }
      this.rings.set(key, (r = new Ring(this.capacity)));
    }
    if (quantiles.length > 0) r.quantiles = quantiles;
    r.push(t, s);
  }

  /** drops series not pushed to for a whole window */
  sweep(now: number): void {
    for (const [k, r] of this.rings) if (now - r.lastSeen > this.windowMs) this.rings.delete(k);
    if (this.rings.size < MAX_SERIES) this.full = false;
  }

  read(key: string, since: number): ({ quantiles: number[] } & ReturnType<Ring['read']>) | null {
    const r = this.rings.get(key);
    return r === undefined ? null : { quantiles: r.quantiles, ...r.read(since) };
  }

  /** keys starting with `prefix` */
  keys(prefix: string): string[] {
    return [...this.rings.keys()].filter((k) => k.startsWith(prefix));
  }

  get size(): number {
    return this.rings.size;
  }

  /** bytes held by the rings (for the README's memory note and the test) */
  get bytes(): number {
    return this.rings.size * this.capacity * (FIELDS.length + 1) * 8;
  }
}
