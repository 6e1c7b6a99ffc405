/**
 * Who gets a channel's next message: each consumer's RDY window and in-flight count, round robin
 * over the ready ones, and nsqd's sample_rate. Owned by its channel (so by one shard); it never
 * holds a message — the channel keeps the queues, the in-flight map and heaps and the disk queue,
 * and puts in flight what this hands back.
 */

/** A subscribed connection as its shard sees it; the io thread only ever names it by connection id. */
export class Consumer<Ch> {
  readonly conn: number;
  /** the channel it subscribed to */
  readonly channel: Ch;
  /** in-flight timeout for messages sent to this consumer (ms) */
  readonly msgTimeout: number;
  /** 0 = every message; 1..99 = nsqd's sample_rate */
  readonly sampleRate: number;
  /** the RDY window: deliver while inFlight < rdy (never decremented per message) */
  rdy = 0;
  inFlight = 0;
  /** CLS received: no new deliveries, FIN/REQ/TOUCH still accepted */
  closing = false;
  /** disconnected; its in-flight messages still wait out their timeouts */
  gone = false;
  /** cached `!gone && !closing && inFlight < rdy`, kept in step by Dispatcher.update */
  ready = false;
  /** counters for /stats */
  messageCount = 0;
  finishCount = 0;
  requeueCount = 0;

  constructor(conn: number, channel: Ch, msgTimeout: number, sampleRate: number) {
    this.conn = conn;
    this.channel = channel;
    this.msgTimeout = msgTimeout;
    this.sampleRate = sampleRate;
  }

  wantsMore(): boolean {
    return !this.gone && !this.closing && this.inFlight < this.rdy;
  }
}

/** The channel side of a delivery: what the dispatcher hands its decisions to. */
export interface DeliveryHost<Ch, M> {
  /** for the invariant error only */
  readonly name: string;
  /** `c` takes `m` (its counters are updated): put it in flight and send it; `last` = c is no longer ready */
  startFlight(c: Consumer<Ch>, m: M, last: boolean): void;
  /** sampling dropped `m`: the channel is done with it, as nsqd drops it */
  dropSampled(m: M): void;
}

/** uniform in [0, 1): the shard context's, replaceable in tests */
export interface RandomSource {
  random(): number;
}

/** One channel's consumers and the choice among them; allocation-free per message. */
export class Dispatcher<Ch, M> {
  readonly consumers: Consumer<Ch>[] = [];
  private readonly host: DeliveryHost<Ch, M>;
  private readonly rng: RandomSource;
  /** consumers whose `ready` is true */
  private readyCount = 0;
  /** where the round robin looks first */
  private rr = 0;

  constructor(host: DeliveryHost<Ch, M>, rng: RandomSource) {
    this.host = host;
    this.rng = rng;
  }

  /** someone can take a message now */
  get hasReady(): boolean {
    return this.readyCount > 0;
  }

  add(conn: number, channel: Ch, msgTimeout: number, sampleRate: number): Consumer<Ch> {
    const c = new Consumer(conn, channel, msgTimeout, sampleRate);
    this.consumers.push(c);
    return c;
  }

  /** the consumer is gone: no more deliveries; its in-flight messages stay the channel's */
  remove(c: Consumer<Ch>): void {
    c.gone = true;
    this.update(c);
    const i = this.consumers.indexOf(c);
    if (i >= 0) this.consumers.splice(i, 1);
    if (this.rr >= this.consumers.length) this.rr = 0;
  }

  /** RDY */
  setReady(c: Consumer<Ch>, count: number): void {
    c.rdy = count;
    this.update(c);
  }

  /** CLS: RDY 0 and no new deliveries */
  startClose(c: Consumer<Ch>): void {
    c.closing = true;
    c.rdy = 0;
    this.update(c);
  }

  /** one of `c`'s messages left flight (FIN, REQ, timeout, channel emptied) */
  landed(c: Consumer<Ch>): void {
    c.inFlight--;
    this.update(c);
  }

  /** give `m` to the next ready consumer (call only when hasReady), unless its sampling drops it */
  offer(m: M): void {
    const c = this.nextReady();
    if (c.sampleRate > 0 && Math.floor(this.rng.random() * 100) > c.sampleRate) {
      this.host.dropSampled(m);
      return;
    }
    c.inFlight++;
    c.messageCount++;
    this.update(c);
    this.host.startFlight(c, m, !c.ready);
  }

  private update(c: Consumer<Ch>): void {
    const r = c.wantsMore();
    if (r !== c.ready) {
      c.ready = r;
      this.readyCount += r ? 1 : -1;
    }
  }

  private nextReady(): Consumer<Ch> {
    const cs = this.consumers;
    const n = cs.length;
    for (let i = 0; i < n; i++) {
      let k = this.rr + i;
      if (k >= n) k -= n;
      const c = cs[k]!;
      if (c.ready) {
        this.rr = k + 1 >= n ? 0 : k + 1;
        return c;
      }
    }
    throw new Error(`channel ${this.host.name}: readyCount ${this.readyCount} but no ready consumer`);
  }
}
