/**
 * bitly/go-hostpool v0.1.0, which nsq_to_http and nsq_to_nsq use for --mode=hostpool and
 * epsilon-greedy: round-robin over hosts not marked dead; a failed host is dead for 30 s, the wait
 * doubling per retry up to 900 s; all dead → all revived, the first used. Epsilon-greedy mostly picks
 * by recent response time (1/avg ms over 120 buckets spanning 5 min), exploring round-robin with a
 * probability that starts at 0.3 and decays ×0.9 per exploration to 0.01. Owns the hosts' state.
 */

const INITIAL_RETRY_MS = 30_000;
const MAX_RETRY_MS = 900_000;
const BUCKETS = 120;
const DECAY_MS = 5 * 60_000;
const EPSILON_DECAY = 0.9;
const MIN_EPSILON = 0.01;

class HostEntry {
  dead = false;
  nextRetry = 0;
  retryDelay = INITIAL_RETRY_MS;
  readonly counts = new Array<number>(BUCKETS).fill(0);
  readonly values = new Array<number>(BUCKETS).fill(0);
  index = 0;
  constructor(readonly host: string) {}

  canTry(now: number): boolean {
    return !this.dead || this.nextRetry < now;
  }

  willRetry(): void {
    this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_MS);
    this.nextRetry = Date.now() + this.retryDelay;
  }

  /** weighted average response time over the buckets, newest weighted most */
  weightedAverage(): number {
    let value = 0;
    let last = 0;
    for (let i = 1; i <= BUCKETS; i++) {
      const pos = (this.index + i) % BUCKETS;
      const n = this.counts[pos]!;
      const w = i / BUCKETS;
      if (n > 0) {
        last = this.values[pos]! / n;
        value += last * w;
      } else {
        value += last * w;
      }
    }
    return value;
  }
}

/** one Get(): the host to use; mark(err) once with the outcome */
export interface HostPoolPick {
  readonly host: string;
  mark(failed: boolean): void;
}

export class HostPool {
  private readonly list: HostEntry[];
  private readonly byHost = new Map<string, HostEntry>();
  private next = 0;
  private epsilon = 0.3;
  private readonly decayTimer: NodeJS.Timeout | null = null;

  constructor(
    hosts: readonly string[],
    private readonly epsilonGreedy = false,
  ) {
    this.list = hosts.map((h) => new HostEntry(h));
    for (const e of this.list) this.byHost.set(e.host, e);
    if (epsilonGreedy) {
      this.decayTimer = setInterval(() => {
        for (const h of this.list) {
          h.index = (h.index + 1) % BUCKETS;
          h.counts[h.index] = 0;
          h.values[h.index] = 0;
        }
      }, DECAY_MS / BUCKETS);
      this.decayTimer.unref();
    }
  }

  close(): void {
    if (this.decayTimer !== null) clearInterval(this.decayTimer);
  }

  get(): HostPoolPick {
    const host = this.epsilonGreedy ? this.getEpsilonGreedy() : this.getRoundRobin();
    const started = performance.now();
    let marked = false;
    return {
      host,
      mark: (failed) => {
        if (marked) return;
        marked = true;
        const e = this.byHost.get(host)!;
        if (!failed) {
          e.dead = false;
          if (this.epsilonGreedy) {
            e.counts[e.index]!++;
            e.values[e.index]! += Math.trunc(performance.now() - started);
          }
        } else if (!e.dead) {
          e.dead = true;
          e.retryDelay = INITIAL_RETRY_MS;
          e.nextRetry = Date.now() + e.retryDelay;
        }
      },
    };
  }

  private getRoundRobin(): string {
    const now = Date.now();
    const n = this.list.length;
    for (let i = 0; i < n; i++) {
      const idx = (i + this.next) % n;
      const h = this.list[idx]!;
      if (!h.dead) {
        this.next = idx + 1;
        return h.host;
      }
      if (h.nextRetry < now) {
        h.willRetry();
        this.next = idx + 1;
        return h.host;
      }
    }
    for (const h of this.list) h.dead = false;
    this.next = 0;
    return this.list[0]!.host;
  }

  private getEpsilonGreedy(): string {
    if (Math.random() < this.epsilon) {
      this.epsilon = Math.max(this.epsilon * EPSILON_DECAY, MIN_EPSILON);
      return this.getRoundRobin();
    }
    const now = Date.now();
    const possible: { h: HostEntry; v: number }[] = [];
    let sum = 0;
    for (const h of this.list) {
      if (!h.canTry(now)) continue;
      const avg = h.weightedAverage();
      if (avg > 0) {
        const v = 1 / avg;
        sum += v;
        possible.push({ h, v });
      }
    }
    const pick = Math.random();
    let ceiling = 0;
    for (const p of possible) {
      ceiling += p.v / sum;
      if (pick <= ceiling) {
        if (p.h.dead) p.h.willRetry();
        return p.h.host;
      }
    }
    return this.getRoundRobin();
  }
}
