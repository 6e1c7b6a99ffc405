/**
 * The admin's one poll loop (nsq-ts, beyond Go's nsqadmin): every --stats-interval it asks the
 * cluster for its nodes and each node's /stats (one request per node, however many browsers are
 * open), keeps the latest answer as a snapshot for the live endpoints and turns it into chart
 * samples (depth, in-flight, deferred, message/requeue/timeout rates from counter deltas, e2e
 * latency) per topic, channel and node in the SeriesStore. A poll never overlaps the previous one.
 * Owns the snapshot, the counters of the previous poll and the timer.
 */

import { type ClusterInfo, httpAddress, type Producer } from '../cluster.js';
import { addTopic, type E2e, newTopicStats, type TopicStats } from '../stats.js';
import { type Sample, SeriesStore } from './series.js';

export interface Snapshot {
  /** ms since the epoch when the poll began */
  at: number;
  producers: Producer[];
  /** every node's topics as parsed from its /stats (never mutated: aggregate structured clones) */
  topics: TopicStats[];
  /** Go-style error lines of this poll ('' when all answered) */
  message: string;
}

interface PollConfig {
  intervalMs: number;
  windowMs: number;
  lookupds: () => readonly string[];
  nsqds: () => readonly string[];
}

interface PollLog {
  warn(msg: string): void;
}

type Counters = { message_count: number; requeue_count: number; timeout_count: number };

/** per-second rate of a counter since the previous poll; undefined when unknown or reset */
function rate(
  prev: Counters | undefined,
  now: Counters,
  field: keyof Counters,
  dtMs: number,
): number | undefined {
  if (prev === undefined || dtMs <= 0) return undefined;
  const d = now[field] - prev[field];
  return d < 0 ? undefined : (d * 1000) / dtMs;
}

/** e2e_p1..3 from an aggregate: each quantile's (count-weighted) average, in ms */
function e2eSample(e: E2e | null, s: Sample): number[] {
  const ps = e?.percentiles ?? [];
  const q: number[] = [];
  ps.slice(0, 3).forEach((p, i) => {
    q.push(p.quantile ?? 0);
    s[(['e2e_p1', 'e2e_p2', 'e2e_p3'] as const)[i]!] = (p.average ?? 0) / 1e6;
  });
  return q;
}

export class StatsPoller {
  readonly series: SeriesStore;
  private readonly ci: ClusterInfo;
  private readonly cfg: PollConfig;
  private readonly log: PollLog;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private prev = new Map<string, Counters>();
  private prevAt = 0;
  private lastError = '';
  snapshot: Snapshot | null = null;
  /** resolves the next finished poll (tests, and an action that wants fresh numbers) */
  private waiters: (() => void)[] = [];

  constructor(ci: ClusterInfo, cfg: PollConfig, log: PollLog) {
    this.ci = ci;
    this.cfg = cfg;
    this.log = log;
    this.series = new SeriesStore(cfg.windowMs, cfg.intervalMs);
    this.series.onFull = () => log.warn('stats: too many series; new topics/channels are not charted');
  }

  start(): void {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.waiters.splice(0)) w();
  }

  /** polls again now (after an admin action) instead of at the next tick */
  poke(): void {
    if (this.timer === null || this.stopped) return;
    clearTimeout(this.timer);
    this.timer = null;
    void this.tick();
  }

  /** the end of the next complete poll */
  nextPoll(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async tick(): Promise<void> {
    const at = Date.now();
    try {
      await this.poll(at);
      this.lastError = '';
    } catch (err) {
      const msg = (err as Error).message;
      if (msg !== this.lastError) this.log.warn(`stats poll failed - ${msg}`);
      this.lastError = msg;
      this.snapshot = { at, producers: [], topics: [], message: `UPSTREAM_ERROR: ${msg}` };
    }
    for (const w of this.waiters.splice(0)) w();
    if (this.stopped) return;
    const wait = Math.max(0, this.cfg.intervalMs - (Date.now() - at));
    this.timer = setTimeout(() => void this.tick(), wait);
    this.timer.unref();
  }

  private async poll(at: number): Promise<void> {
    const errors: string[] = [];
    const ps = await this.ci.producers(this.cfg.lookupds(), this.cfg.nsqds());
    errors.push(...ps.errors);
    const stats = await this.ci.nsqdStats(ps.value, '', '', true);
    errors.push(...stats.errors);
    this.snapshot = {
      at,
      producers: ps.value,
      topics: stats.value.topics,
      message: errors.length > 0 ? `WARNING: ${errors.join('\n')}` : '',
    };
    this.sample(at, stats.value.topics);
  }

  private sample(at: number, nodeTopics: readonly TopicStats[]): void {
    const dt = at - this.prevAt;
    const next = new Map<string, Counters>();
    const counted = (key: string, c: Counters, s: Sample): void => {
      next.set(key, {
        message_count: c.message_count,
        requeue_count: c.requeue_count,
        timeout_count: c.timeout_count,
      });
      const p = this.prev.get(key);
      const r = rate(p, c, 'message_count', dt);
      if (r !== undefined) s.rate = r;
      const rq = rate(p, c, 'requeue_count', dt);
      if (rq !== undefined) s.requeue_rate = rq;
      const to = rate(p, c, 'timeout_count', dt);
      if (to !== undefined) s.timeout_rate = to;
    };
    // per topic and channel, summed across nodes (on clones: Add mutates)
    const byTopic = new Map<string, TopicStats>();
    const byNode = new Map<string, { depth: number; in_flight: number; clients: number } & Counters>();
    for (const t of nodeTopics) {
      let agg = byTopic.get(t.topic_name);
      if (agg === undefined) byTopic.set(t.topic_name, (agg = newTopicStats(t.topic_name)));
      addTopic(agg, structuredClone(t));
      let n = byNode.get(t.node);
      if (n === undefined) {
        n = { depth: 0, in_flight: 0, clients: 0, message_count: 0, requeue_count: 0, timeout_count: 0 };
        byNode.set(t.node, n);
      }
      n.depth += t.depth;
      n.message_count += t.message_count;
      for (const c of t.channels ?? []) {
        n.in_flight += c.in_flight_count;
        n.clients += c.client_count;
        n.requeue_count += c.requeue_count;
        n.timeout_count += c.timeout_count;
      }
    }
    for (const [name, t] of byTopic) {
      let inFlight = 0;
      let deferred = 0;
      let requeue = 0;
      let timeout = 0;
      let clients = 0;
      for (const c of t.channels ?? []) {
        const key = `channel:${name}/${c.channel_name}`;
        const s: Sample = {
          depth: c.depth,
          in_flight: c.in_flight_count,
          deferred: c.deferred_count,
          clients: c.client_count,
        };
        counted(key, c, s);
        const q = e2eSample(c.e2e_processing_latency, s);
        this.series.push(key, at, s, q);
        inFlight += c.in_flight_count;
        deferred += c.deferred_count;
        requeue += c.requeue_count;
        timeout += c.timeout_count;
        clients += c.client_count;
      }
      const key = `topic:${name}`;
      const s: Sample = { depth: t.depth, in_flight: inFlight, deferred, clients };
      counted(key, { message_count: t.message_count, requeue_count: requeue, timeout_count: timeout }, s);
      const q = e2eSample(t.e2e_processing_latency, s);
      this.series.push(key, at, s, q);
    }
    for (const p of this.snapshot?.producers ?? []) {
      const node = httpAddress(p);
      const n = byNode.get(node) ?? {
        depth: 0,
        in_flight: 0,
        clients: 0,
        message_count: 0,
        requeue_count: 0,
        timeout_count: 0,
      };
      const key = `node:${node}`;
      const s: Sample = { depth: n.depth, in_flight: n.in_flight, clients: n.clients };
      counted(key, n, s);
      this.series.push(key, at, s);
    }
    this.prev = next;
    this.prevAt = at;
    this.series.sweep(at);
  }
}
