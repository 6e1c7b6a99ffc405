/**
 * nsq-ts's drain mode (nsqio/nsq #1302): once started (PUT /config/drain, or SIGUSR2 in main.ts)
 * publishes are refused (TCP: the fatal E_PUB_FAILED / E_MPUB_FAILED / E_DPUB_FAILED with
 * DRAIN_TEXT, HTTP: 503 DRAINING), the lookupds are told to forget this node's topics and channels
 * (the peer connections stay, as Go's do until exit), and consumers keep getting messages until
 * every topic and channel is empty: depth 0, nothing in flight, nothing deferred. Then, or at
 * --drain-timeout with something left, the broker ends as a signal would end it (a normal shutdown,
 * which writes whatever is left to disk). It cannot be cancelled. Owns the draining flag and its
 * poll timer; it asks the broker for stats and never touches a shard or a socket itself.
 */

import { formatGoDuration } from '../go/duration.js';
import type { Logger } from '../log.js';
import type { StatsSnapshot } from './contract/stats.js';

/** what a refused TCP publish says after `PUB failed ` (Go's `<CMD> failed <err>` form) */
export const DRAIN_TEXT = 'nsqd is draining';
/** the HTTP /pub and /mpub refusal (503) and /ping's answer (503) while draining */
export const DRAINING = 'DRAINING';

/**
 * how often the drain looks at what is left: every 100 ms, or, where a snapshot is slow (thousands
 * of topics), 4 snapshots' time, so the drain costs the io thread at most a fifth of its time
 */
const POLL_MS = 100;
const POLL_COST_FACTOR = 4;
/** how often a drain that is not done yet logs what is left */
const PROGRESS_LOG_MS = 5000;

/** what the drain needs from the broker around it */
export interface DrainHost {
  readonly log: Logger;
  /** --drain-timeout (ms) */
  readonly timeoutMs: number;
  /** tell every lookupd to forget this node's topics and channels (the connections stay) */
  withdraw(): void;
  /** one snapshot of every topic and channel (no clients) */
  stats(): Promise<StatsSnapshot>;
  /** the drain is over (`reason`: "drained" or "drain timed out"): the broker ends, as at a signal */
  end(reason: string): void;
}

/** what is left in a snapshot: queued (topics and channels), in flight and deferred messages */
export function leftInSnapshot(s: StatsSnapshot): { messages: number; inFlight: number; deferred: number } {
  let messages = 0;
  let inFlight = 0;
  let deferred = 0;
  for (const t of s.topics ?? []) {
    messages += t.depth;
    for (const c of t.channels) {
      messages += c.depth;
      inFlight += c.inFlightCount;
      deferred += c.deferredCount;
    }
  }
  return { messages, inFlight, deferred };
}

export class Drain {
  private readonly host: DrainHost;
  private started = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastLog = 0;
  private over = false;
  /** how long the last snapshot took (ms) */
  private lastTook = 0;

  constructor(host: DrainHost) {
    this.host = host;
  }

  /** draining: publishes are refused (read by every session and by HTTP publishing) */
  get active(): boolean {
    return this.started !== 0;
  }

  /** start draining (`why`: what asked, for the log); false when already draining */
  start(why: string): boolean {
    if (this.started !== 0 || this.over) return false;
    this.started = performance.now();
    this.lastLog = this.started;
    const timeout = formatGoDuration(this.host.timeoutMs);
    this.host.log.info(
      `DRAIN: draining (${why}): publishes refused, unregistering from nsqlookupd, exiting once every topic and channel is empty (at most ${timeout})`,
    );
    this.host.withdraw();
    this.poll();
    return true;
  }

  /** the broker is closing anyway: stop polling */
  stop(): void {
    this.over = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private poll(): void {
    this.timer = null;
    if (this.over) return;
    const t0 = performance.now();
    this.host.stats().then(
      (s) => {
        this.lastTook = performance.now() - t0;
        this.check(s);
      },
      (err: unknown) => {
        this.host.log.error(`DRAIN: stats failed - ${(err as Error).message}`);
        this.next();
      },
    );
  }

  private check(s: StatsSnapshot): void {
    if (this.over) return;
    const left = leftInSnapshot(s);
    const now = performance.now();
    const took = formatGoDuration(now - this.started);
    if (left.messages + left.inFlight + left.deferred === 0) {
      this.host.log.info(`DRAIN: every topic and channel is empty after ${took}`);
      this.finish('drained');
      return;
    }
    const what = `${left.messages} queued, ${left.inFlight} in flight, ${left.deferred} deferred`;
    if (now - this.started >= this.host.timeoutMs) {
      this.host.log.warn(
        `DRAIN: --drain-timeout ${formatGoDuration(this.host.timeoutMs)} reached with ${what} (written to disk as at any shutdown)`,
      );
      this.finish('drain timed out');
      return;
    }
    if (now - this.lastLog >= PROGRESS_LOG_MS) {
      this.lastLog = now;
      this.host.log.info(`DRAIN: ${what} after ${took}`);
    }
    this.next();
  }

  private next(): void {
    const every = Math.max(POLL_MS, POLL_COST_FACTOR * this.lastTook);
    const wait = Math.max(1, Math.min(every, this.started + this.host.timeoutMs - performance.now()));
    this.timer = setTimeout(onPoll, wait, this);
  }

  private finish(reason: string): void {
    this.over = true;
    this.host.end(reason);
  }

  /** the poll timer's entry */
  tick(): void {
    this.poll();
  }
}

function onPoll(d: Drain): void {
  d.tick();
}
