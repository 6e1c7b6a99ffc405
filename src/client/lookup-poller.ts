/**
 * A Consumer's nsqlookupd polling, as go-nsq's lookupdLoop: the list of lookupd URLs and the
 * rotation through them, the first query made at once, then a random jitter (lookupd_poll_jitter ×
 * lookupd_poll_interval), then one poll per interval, and a re-poll on demand (a connection closed;
 * one pending at most, as go-nsq's one-slot channel). Each poll tries up to 3 lookupds and hands
 * every producer found to `connect`. Owns its timers; never disconnects anything.
 */

import type { Config } from './config.js';
import type { ClientLog } from './log.js';
import { buildLookupAddr, lookupProducers } from './lookupd.js';

export class LookupdPoller {
  private readonly topic: string;
  private readonly config: Config;
  private readonly log: ClientLog;
  /** the consumer's connect: logs its own failures */
  private readonly connect: (addr: string) => Promise<'connected' | 'stopped' | 'failed'>;
  private readonly urls: string[] = [];
  private index = 0;
  private querying = false;
  private recheckPending = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    topic: string,
    config: Config,
    log: ClientLog,
    connect: (addr: string) => Promise<'connected' | 'stopped' | 'failed'>,
  ) {
    this.topic = topic;
    this.config = config;
    this.log = log;
    this.connect = connect;
  }

  /** some lookupd was added */
  get active(): boolean {
    return this.urls.length > 0;
  }

  /** go-nsq's ConnectToNSQLookupd: the first address is queried before this resolves, then polling starts */
  async add(addr: string): Promise<void> {
    const url = buildLookupAddr(addr, this.topic);
    if (this.urls.includes(url)) return;
    this.urls.push(url);
    if (this.urls.length !== 1) return;
    await this.query();
    if (this.stopped) return;
    const jitter = Math.trunc(
      Math.random() * this.config.lookupdPollJitter * this.config.lookupdPollInterval,
    );
    this.timer = setTimeout(() => {
      this.timer = setInterval(() => void this.query(), this.config.lookupdPollInterval);
      if (this.recheckPending) void this.query();
    }, jitter);
  }

  /** a poll now (go-nsq's lookupdRecheckChan) */
  recheck(): void {
    void this.query();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.active) this.log.log('info', 'exiting lookupdLoop');
  }

  private next(): string {
    if (this.index >= this.urls.length) this.index = 0;
    const url = this.urls[this.index]!;
    this.index = (this.index + 1) % this.urls.length;
    return url;
  }

  /** one poll: up to 3 lookupds in turn until one answers, then connect to producers not yet connected */
  private async query(): Promise<void> {
    if (this.querying) {
      this.recheckPending = true;
      return;
    }
    this.querying = true;
    this.recheckPending = false;
    try {
      let addrs: string[] | null = null;
      for (let retries = 0; addrs === null && retries < 3 && !this.stopped; ) {
        const endpoint = this.next();
        this.log.log('info', `querying nsqlookupd ${endpoint}`);
        try {
          const secret = this.config.lookupdAuthorization ? this.config.authSecret : '';
          addrs = await lookupProducers(endpoint, this.config.lookupdPollTimeout, secret);
        } catch (err) {
          this.log.log('error', `error querying nsqlookupd (${endpoint}) - ${(err as Error).message}`);
          if (++retries < 3) this.log.log('info', 'retrying with next nsqlookupd');
        }
      }
      for (const addr of addrs ?? []) {
        if (this.stopped) break;
        if ((await this.connect(addr)) === 'stopped') break;
      }
    } finally {
      this.querying = false;
    }
    // a re-poll asked for while this one ran (once the loop runs: go-nsq reads its channel only then)
    if (this.recheckPending && this.timer !== null && !this.stopped) void this.query();
  }
}
