/**
 * Consumer: subscribes to one topic/channel on nsqd connections found directly or through
 * nsqlookupd, and hands each message to a handler or an async iterator — go-nsq v1.1.0's Consumer.
 * Owns the connections, the RDY each holds and their sum (max_in_flight spread over connections,
 * redistributed when there are more connections than max_in_flight or while backing off), the
 * backoff level and timer, lookupd polling (interval with jitter, a re-poll when a connection
 * closes), reconnecting to direct nsqd addresses, and the stop (CLS everywhere, close when drained,
 * hard limit 30 s). Message dispatch (handlers, iterator) is in dispatch.ts.
 *
 * ```ts
 * const c = new Consumer('events', 'archive', { maxInFlight: 200 });
 * c.addHandler(async (msg) => { await save(msg.body); });   // resolves: FIN; throws: REQ + backoff
 * await c.connectToNSQLookupd('127.0.0.1:4161');              // or connectToNSQD('127.0.0.1:4150')
 * // ... or: for await (const msg of c) { ...; msg.finish(); }
 * await c.close();                                            // CLS, drain, closed
 * ```
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { formatGoDuration } from '../go/duration.js';
import { isValidChannelName, isValidTopicName } from '../wire/names.js';
import { type Config, resolveConfig } from './config.js';
import { Conn, type ConnDelegate } from './conn.js';
import { Dispatch, type Handler } from './dispatch.js';
import { NsqClientError } from './errors.js';
import { ClientLog, type ClientLogLevel, type ClientLogSink, nextInstanceId, stderrSink } from './log.js';
import { LookupdPoller } from './lookup-poller.js';
import type { Message } from './message.js';

export interface ConsumerOptions extends Partial<Config> {
  /** go-nsq's log level (default 'info') */
  logLevel?: ClientLogLevel;
  /** where log lines go (default stderr); null for none */
  logger?: ClientLogSink | null;
  /** aborting it stops the consumer, as close() */
  signal?: AbortSignal;
}

export interface ConsumerStats {
  messagesReceived: number;
  messagesFinished: number;
  messagesRequeued: number;
  connections: number;
}

/** go-nsq: a failed RDY update that left a connection at 0 is retried after this */
const RDY_RETRY_MS = 5000;
/** go-nsq: Stop gives up waiting for connections to drain after this */
const STOP_LIMIT_MS = 30_000;
const CLS = Buffer.from('CLS\n', 'latin1');
const CLOSE_WAIT = Buffer.from('CLOSE_WAIT', 'latin1');

export class Consumer implements AsyncIterable<Message> {
  readonly topic: string;
  readonly channel: string;
  readonly config: Config;
  private readonly log: ClientLog;
  private readonly dispatch: Dispatch;

  private maxInFlight: number;
  private totalRdy = 0;
  private backoffCounter = 0;
  /** the pending backoff timer's duration (go-nsq's backoffDuration; > 0 = inBackoffTimeout) */
  private backoffDuration = 0;
  private backoffTimer: NodeJS.Timeout | null = null;
  private needRdyRedistributed = false;
  private readonly rdyRetryTimers = new Map<string, NodeJS.Timeout>();
  private readonly rdyTimer: NodeJS.Timeout;

  private readonly conns = new Map<string, Conn>();
  private readonly pendingConns = new Map<string, Conn>();
  private readonly nsqdTcpAddrs: string[] = [];
  private readonly lookupd: LookupdPoller;

  private stopFlag = false;
  private stopTimer: NodeJS.Timeout | null = null;
  private readonly exitController = new AbortController();
  private readonly exited: Promise<void>;
  private resolveExited!: () => void;

  private received = 0;
  private finished = 0;
  private requeued = 0;

  constructor(topic: string, channel: string, options: ConsumerOptions = {}) {
    const { logLevel = 'info', logger = stderrSink, signal, ...cfg } = options;
    this.config = resolveConfig(cfg);
    if (!isValidTopicName(topic)) throw new NsqClientError('ERR_INVALID', 'invalid topic name');
    if (!isValidChannelName(channel)) throw new NsqClientError('ERR_INVALID', 'invalid channel name');
    this.topic = topic;
    this.channel = channel;
    this.maxInFlight = this.config.maxInFlight;
    this.log = new ClientLog(nextInstanceId(), `${topic}/${channel}`, logLevel, logger);
    this.dispatch = new Dispatch(this.config.maxAttempts, this.log, () => this.exit());
    this.exited = new Promise((r) => {
      this.resolveExited = r;
    });
    this.lookupd = new LookupdPoller(topic, this.config, this.log, (addr) => this.tryConnect(addr));
    this.rdyTimer = setInterval(() => this.redistributeRdy(), this.config.rdyRedistributeInterval);
    if (signal !== undefined) {
      if (signal.aborted) queueMicrotask(() => void this.close());
      else signal.addEventListener('abort', () => void this.close(), { once: true });
    }
  }

  /**
   * go-nsq's AddConcurrentHandlers: `handler` runs for each message, at most `concurrency` at once.
   * Returning (or resolving) FINs the message, throwing (or rejecting) REQs it with backoff — unless
   * the handler called msg.disableAutoResponse(). Without a handler, iterate the consumer instead.
   */
  addHandler(handler: Handler, concurrency = 1): void {
    this.dispatch.addHandler(handler, concurrency);
  }

  /** messages in arrival order; the loop answers each (finish/requeue). Breaking out stops the consumer. */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    return this.dispatch.iterator(
      () => this.changeMaxInFlight(0),
      () => this.close(),
    );
  }

  /** resolves when the consumer has stopped (go-nsq's StopChan) */
  get stopped(): Promise<void> {
    return this.exited;
  }

  stats(): ConsumerStats {
    return {
      messagesReceived: this.received,
      messagesFinished: this.finished,
      messagesRequeued: this.requeued,
      connections: this.conns.size,
    };
  }

  /** go-nsq's IsStarved: some connection has at least 85% of its RDY in flight */
  isStarved(): boolean {
    for (const c of this.conns.values()) {
      const threshold = Math.trunc(c.rdy * 0.85);
      if (c.inFlight >= threshold && c.inFlight > 0 && !c.closing) return true;
    }
    return false;
  }

  /** go-nsq's ChangeMaxInFlight (0 pauses the flow) */
  changeMaxInFlight(maxInFlight: number): void {
    if (this.maxInFlight === maxInFlight) return;
    this.maxInFlight = maxInFlight;
    for (const c of this.conns.values()) this.maybeUpdateRdy(c);
  }

  // ------------------------------------------------------------------ connections

  /** go-nsq's ConnectToNSQDs: in order, the first failure rejects */
  async connectToNSQDs(addrs: readonly string[]): Promise<void> {
    for (const a of addrs) await this.connectToNSQD(a);
  }

  /** Connects to one nsqd and subscribes; rejects with the dial/IDENTIFY error (ERR_CONNECT). */
  async connectToNSQD(addr: string): Promise<void> {
    if (this.stopFlag) throw new NsqClientError('ERR_STOPPED', 'consumer stopped');
    if (this.conns.has(addr) || this.pendingConns.has(addr)) {
      throw new NsqClientError('ERR_ALREADY_CONNECTED', 'already connected');
    }
    const conn = new Conn(addr, this.config, this.log, this.delegate);
    this.pendingConns.set(addr, conn);
    if (!this.nsqdTcpAddrs.includes(addr)) this.nsqdTcpAddrs.push(addr);
    this.log.conn('info', addr, 'connecting to nsqd');
    let resp: Awaited<ReturnType<Conn['connect']>>;
    try {
      resp = await conn.connect();
    } catch (err) {
      this.pendingConns.delete(addr);
      throw new NsqClientError('ERR_CONNECT', err instanceof Error ? err.message : String(err));
    }
    this.pendingConns.delete(addr);
    if (this.stopFlag) {
      conn.destroy();
      throw new NsqClientError('ERR_STOPPED', 'consumer stopped');
    }
    if (resp !== null && resp.max_rdy_count < this.maxInFlight) {
      this.log.conn(
        'warn',
        addr,
        `max RDY count ${resp.max_rdy_count} < consumer max in flight ${this.maxInFlight}, truncation possible`,
      );
    }
    conn.write(Buffer.from(`SUB ${this.topic} ${this.channel}\n`, 'utf8'));
    this.conns.set(addr, conn);
    // pre-emptive signal to existing connections to lower their RDY count
    for (const c of this.conns.values()) this.maybeUpdateRdy(c);
  }

  /** go-nsq's DisconnectFromNSQD: forgets the address and closes its connection */
  disconnectFromNSQD(addr: string): void {
    const i = this.nsqdTcpAddrs.indexOf(addr);
    if (i < 0) throw new NsqClientError('ERR_NOT_CONNECTED', 'not connected');
    this.nsqdTcpAddrs.splice(i, 1);
    (this.conns.get(addr) ?? this.pendingConns.get(addr))?.close();
  }

  /** go-nsq's ConnectToNSQLookupds */
  async connectToNSQLookupds(addrs: readonly string[]): Promise<void> {
    for (const a of addrs) await this.connectToNSQLookupd(a);
  }

  /**
   * Adds an nsqlookupd (`host:port` or a URL). The first one is queried at once, and polling starts:
   * after a random jitter (lookupd_poll_jitter × lookupd_poll_interval), then every interval.
   */
  async connectToNSQLookupd(addr: string): Promise<void> {
    if (this.stopFlag) throw new NsqClientError('ERR_STOPPED', 'consumer stopped');
    await this.lookupd.add(addr);
  }

  /** go-nsq: with no lookupd, a closed direct connection is retried every lookupd_poll_interval */
  private async reconnect(addr: string): Promise<void> {
    const signal = this.exitController.signal;
    for (;;) {
      this.log.conn('info', addr, `re-connecting in ${formatGoDuration(this.config.lookupdPollInterval)}`);
      try {
        await sleep(this.config.lookupdPollInterval, undefined, { signal });
      } catch {
        return;
      }
      if (this.stopFlag) return;
      if (!this.nsqdTcpAddrs.includes(addr)) {
        this.log.conn('warn', addr, 'skipped reconnect after removal...');
        return;
      }
      if ((await this.tryConnect(addr)) !== 'failed') return;
    }
  }

  /**
   * connectToNSQD as go-nsq's reconnect and lookupd poll call it: already connected counts as
   * connected; any other failure is logged; 'stopped' once the consumer stops.
   */
  private async tryConnect(addr: string): Promise<'connected' | 'stopped' | 'failed'> {
    try {
      await this.connectToNSQD(addr);
    } catch (err) {
      const code = (err as NsqClientError).code;
      if (code === 'ERR_STOPPED') return 'stopped';
      if (code !== 'ERR_ALREADY_CONNECTED') {
        this.log.conn('error', addr, `error connecting to nsqd - ${(err as Error).message}`);
        return 'failed';
      }
    }
    return 'connected';
  }

  private readonly delegate: ConnDelegate = {
    onMessage: (_c, msg) => {
      this.received++;
      this.dispatch.push(msg);
    },
    onResponse: (c, data) => {
      if (data.equals(CLOSE_WAIT)) {
        // nsqd acknowledged CLS: no more messages on this connection
        this.log.conn('info', c.address, 'received CLOSE_WAIT from nsqd');
        c.close();
      }
    },
    onErrorFrame: () => {},
    onIOError: (c) => c.close(),
    onMessageResponded: (c, fin, backoff) => {
      if (fin) {
        this.finished++;
        this.backoffSignal(c, 'resume');
      } else {
        this.requeued++;
        this.backoffSignal(c, backoff ? 'backoff' : 'continue');
      }
    },
    onClose: (c) => this.onConnClose(c),
  };

  private onConnClose(c: Conn): void {
    const rdy = c.rdy;
    this.totalRdy -= rdy;
    const retry = this.rdyRetryTimers.get(c.address);
    if (retry !== undefined) {
      clearTimeout(retry);
      this.rdyRetryTimers.delete(c.address);
    }
    if (this.conns.get(c.address) === c) this.conns.delete(c.address);
    const left = this.conns.size;
    this.log.log('warn', `there are ${left} connections left alive`);
    if ((retry !== undefined || rdy > 0) && (left === this.maxInFlight || this.inBackoff())) {
      // toggling out of (normal) redistribution with this connection's RDY: move it elsewhere
      this.needRdyRedistributed = true;
    }
    if (this.stopFlag) {
      if (left === 0) this.dispatch.stop();
      return;
    }
    if (this.lookupd.active) {
      this.lookupd.recheck();
    } else if (this.nsqdTcpAddrs.includes(c.address)) {
      void this.reconnect(c.address);
    }
  }

  // ------------------------------------------------------------------ RDY

  private perConnMaxInFlight(): number {
    const b = this.maxInFlight;
    return Math.trunc(Math.min(Math.max(1, b / this.conns.size), b));
  }

  private inBackoff(): boolean {
    return this.backoffCounter > 0;
  }

  private inBackoffTimeout(): boolean {
    return this.backoffDuration > 0;
  }

  private maybeUpdateRdy(c: Conn): void {
    if (this.inBackoff() || this.inBackoffTimeout()) return;
    this.updateRdy(c, this.perConnMaxInFlight());
  }

  /** go-nsq's updateRDY: capped at the connection's max and at what max_in_flight leaves; false on failure */
  private updateRdy(c: Conn, wanted: number): boolean {
    if (c.closing) return false;
    let count = Math.min(wanted, c.maxRdy);
    const retry = this.rdyRetryTimers.get(c.address);
    if (retry !== undefined) {
      clearTimeout(retry);
      this.rdyRetryTimers.delete(c.address);
    }
    // never exceed max_in_flight: truncate if possible (a new connection gets part of it)
    const maxPossible = this.maxInFlight - this.totalRdy + c.rdy;
    if (maxPossible > 0 && maxPossible < count) count = maxPossible;
    if (maxPossible <= 0 && count > 0) {
      if (c.rdy === 0) {
        // it wanted out of RDY 0 and could not: try again later rather than starve
        const t = setTimeout(() => {
          this.rdyRetryTimers.delete(c.address);
          this.updateRdy(c, count);
        }, RDY_RETRY_MS);
        this.rdyRetryTimers.set(c.address, t);
      }
      return false;
    }
    this.sendRdy(c, count);
    return true;
  }

  private sendRdy(c: Conn, count: number): void {
    if (count === 0 && c.rdy === 0) return;
    this.totalRdy += count - c.rdy;
    const last = c.rdy;
    c.rdy = count;
    if (count > 0) c.lastRdyAt = Date.now();
    if (count === last) return;
    c.sendRdy(count);
  }

  /** go-nsq's redistributeRDY, every rdy_redistribute_interval */
  private redistributeRdy(): void {
    if (this.inBackoffTimeout() || this.conns.size === 0) return;
    const conns = [...this.conns.values()];
    if (conns.length > this.maxInFlight) this.needRdyRedistributed = true;
    if (this.inBackoff() && conns.length > 1) this.needRdyRedistributed = true;
    if (!this.needRdyRedistributed) return;
    this.needRdyRedistributed = false;
    const now = Date.now();
    const possible: Conn[] = [];
    for (const c of conns) {
      if (c.rdy > 0) {
        if (now - c.lastMsgAt > this.config.lowRdyIdleTimeout) {
          this.log.conn('debug', c.address, 'idle connection, giving up RDY');
          this.updateRdy(c, 0);
        } else if (now - c.lastRdyAt > this.config.lowRdyTimeout) {
          this.log.conn('debug', c.address, 'RDY timeout, giving up RDY');
          this.updateRdy(c, 0);
        }
      }
      possible.push(c);
    }
    let available = this.maxInFlight - this.totalRdy;
    if (this.inBackoff()) available = 1 - this.totalRdy;
    while (possible.length > 0 && available > 0) {
      available--;
      const i = Math.floor(Math.random() * possible.length);
      const c = possible.splice(i, 1)[0]!;
      this.log.conn('debug', c.address, 'redistributing RDY');
      this.updateRdy(c, 1);
    }
  }

  // ------------------------------------------------------------------ backoff

  private backoffFor(level: number): number {
    const d = this.config.backoffMultiplier * 2 ** level;
    return this.config.backoffStrategy === 'full_jitter' ? Math.floor(Math.random() * d) : d;
  }

  /** go-nsq's startStopContinueBackoff; signals during a pending backoff timer are ignored */
  private backoffSignal(_c: Conn, signal: 'resume' | 'backoff' | 'continue'): void {
    if (this.inBackoffTimeout()) return;
    let updated = false;
    if (signal === 'resume') {
      if (this.backoffCounter > 0) {
        this.backoffCounter--;
        updated = true;
      }
    } else if (signal === 'backoff') {
      if (this.backoffFor(this.backoffCounter + 1) <= this.config.maxBackoffDuration) {
        this.backoffCounter++;
        updated = true;
      }
    }
    if (this.backoffCounter === 0 && updated) {
      const count = this.perConnMaxInFlight();
      this.log.log('warn', `exiting backoff, returning all to RDY ${count}`);
      for (const c of this.conns.values()) this.updateRdy(c, count);
    } else if (this.backoffCounter > 0) {
      const d = Math.min(this.backoffFor(this.backoffCounter), this.config.maxBackoffDuration);
      this.log.log(
        'warn',
        `backing off for ${formatGoDuration(d)} (backoff level ${this.backoffCounter}), setting all to RDY 0`,
      );
      for (const c of this.conns.values()) this.updateRdy(c, 0);
      this.backoff(d);
    }
  }

  private backoff(d: number): void {
    this.backoffDuration = Math.max(d, 1e-6);
    if (this.backoffTimer !== null) clearTimeout(this.backoffTimer);
    this.backoffTimer = setTimeout(() => this.resume(), d);
  }

  /** the backoff timer expired: RDY 1 to one random connection to test the waters */
  private resume(): void {
    this.backoffTimer = null;
    if (this.stopFlag) {
      this.backoffDuration = 0;
      return;
    }
    const conns = [...this.conns.values()];
    if (conns.length === 0) {
      this.log.log('warn', 'no connection available to resume');
      this.log.log('warn', `backing off for ${formatGoDuration(1000)}`);
      this.backoff(1000);
      return;
    }
    const choice = conns[Math.floor(Math.random() * conns.length)]!;
    this.log.conn('warn', choice.address, 'backoff timeout expired, sending RDY 1');
    // while in backoff only ever let 1 message at a time through
    if (!this.updateRdy(choice, 1)) {
      this.log.conn('warn', choice.address, 'error resuming RDY 1');
      this.log.log('warn', `backing off for ${formatGoDuration(1000)}`);
      this.backoff(1000);
      return;
    }
    this.backoffDuration = 0;
  }

  // ------------------------------------------------------------------ stop

  /**
   * go-nsq's Stop, awaited: CLS on every connection; each closes once its messages are answered; when
   * the last one has closed the handlers stop and this resolves. After 30 s it stops regardless.
   */
  close(): Promise<void> {
    if (!this.stopFlag) {
      this.stopFlag = true;
      this.log.log('info', 'stopping...');
      if (this.conns.size === 0) {
        this.dispatch.stop();
      } else {
        for (const c of this.conns.values()) c.write(CLS);
        this.stopTimer = setTimeout(() => this.exit(), STOP_LIMIT_MS);
      }
    }
    return this.exited;
  }

  private exitDone = false;

  /** everything stops: timers, polling, connections left over after the hard limit */
  private exit(): void {
    if (this.exitDone) return;
    this.exitDone = true;
    this.stopFlag = true;
    this.exitController.abort();
    clearInterval(this.rdyTimer);
    this.log.log('info', 'rdyLoop exiting');
    this.lookupd.stop();
    for (const t of [this.stopTimer, this.backoffTimer]) if (t !== null) clearTimeout(t);
    for (const t of this.rdyRetryTimers.values()) clearTimeout(t);
    this.rdyRetryTimers.clear();
    for (const c of [...this.conns.values(), ...this.pendingConns.values()]) c.destroy();
    this.resolveExited();
  }
}
