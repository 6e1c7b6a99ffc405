/**
 * Producer: publishes to one nsqd, as go-nsq's Producer — connects on the first publish, pipelines
 * commands (PUB, MPUB, DPUB, NOP) on one connection and matches nsqd's answers to them in order,
 * reconnects on the next publish after a failure. Owns the connection, the queue of commands
 * waiting for their answer (bounded: `maxPending`) and the stop.
 *
 * ```ts
 * const p = new Producer('127.0.0.1:4150');
 * await p.publish('events', 'hello');            // PUB, resolves on OK
 * await p.multiPublish('events', ['a', 'b']);    // MPUB
 * await p.deferredPublish('events', 5000, 'x');  // DPUB, delivered in 5 s
 * const b = p.batcher('events', { maxMessages: 200, maxDelayMs: 5 });
 * await Promise.all(lines.map((l) => b.publish(l))); // grouped into MPUBs
 * await p.close();
 * ```
 */

import { encodeCommand, encodeMpubBody } from '../wire/encode.js';
import { type Config, resolveConfig } from './config.js';
import { Conn, type ConnDelegate } from './conn.js';
import { NsqClientError, notConnected, stopped } from './errors.js';
import { ClientLog, type ClientLogLevel, type ClientLogSink, nextInstanceId, stderrSink } from './log.js';
import type { Message } from './message.js';

export interface ProducerOptions extends Partial<Config> {
  /** go-nsq's log level (default 'info') */
  logLevel?: ClientLogLevel;
  /** where log lines go (default stderr); null for none */
  logger?: ClientLogSink | null;
  /** commands sent or waiting for a connection and not yet answered; past it publish rejects (ERR_PENDING_FULL). Default 10000 */
  maxPending?: number;
}

export type Body = Uint8Array | string;

/** One command waiting for its answer */
interface Transaction {
  cmd: Buffer;
  resolve: () => void;
  reject: (err: Error) => void;
}

const toBuffer = (b: Body): Buffer =>
  typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b.buffer, b.byteOffset, b.length);

export class Producer {
  readonly address: string;
  readonly config: Config;
  private readonly log: ClientLog;
  private readonly maxPending: number;
  private conn: Conn | null = null;
  private connecting: Promise<void> | null = null;
  /** sent, waiting for OK/error, in order */
  private readonly sent: Transaction[] = [];
  private sentHead = 0;
  /** waiting for the connection */
  private waiting: Transaction[] = [];
  private stopFlag = false;

  constructor(address: string, options: ProducerOptions = {}) {
    const { logLevel = 'info', logger = stderrSink, maxPending = 10_000, ...cfg } = options;
    this.address = address;
    this.config = resolveConfig(cfg);
    this.maxPending = maxPending;
    this.log = new ClientLog(nextInstanceId(), null, logLevel, logger);
  }

  /** commands sent or queued and not answered yet */
  get pending(): number {
    return this.sent.length - this.sentHead + this.waiting.length;
  }

  /** PUB: resolves once nsqd answered OK; rejects with its error frame or a connection error */
  publish(topic: string, body: Body): Promise<void> {
    return this.send(encodeCommand(`PUB ${topic}`, toBuffer(body)));
  }

  /** MPUB of several bodies in one command */
  multiPublish(topic: string, bodies: readonly Body[]): Promise<void> {
    return this.send(encodeCommand(`MPUB ${topic}`, encodeMpubBody(bodies.map(toBuffer))));
  }

  /** DPUB: delivered after `delayMs` */
  deferredPublish(topic: string, delayMs: number, body: Body): Promise<void> {
    return this.send(encodeCommand(`DPUB ${topic} ${Math.trunc(delayMs)}`, toBuffer(body)));
  }

  /** go-nsq's Ping: connects if needed and sends NOP (nsqd answers nothing, so this resolves once written) */
  async ping(): Promise<void> {
    if (this.conn === null) await this.connect();
    this.conn?.write(Buffer.from('NOP\n', 'latin1'));
  }

  /** a helper that groups single publishes to `topic` into MPUBs (see Batcher) */
  batcher(topic: string, opts: BatcherOptions = {}): Batcher {
    return new Batcher(this, topic, opts);
  }

  private send(cmd: Buffer): Promise<void> {
    if (this.stopFlag) return Promise.reject(stopped());
    if (this.pending >= this.maxPending) {
      return Promise.reject(
        new NsqClientError('ERR_PENDING_FULL', `${this.pending} commands pending (maxPending)`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const t: Transaction = { cmd, resolve, reject };
      const conn = this.conn;
      if (conn !== null && !conn.closing) {
        this.sent.push(t);
        conn.write(cmd);
        return;
      }
      this.waiting.push(t);
      // a closing connection is replaced once it has closed (its answers are still owed to `sent`)
      if (conn === null && this.connecting === null) void this.connect();
    });
  }

  private connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    this.log.conn('info', this.address, 'connecting to nsqd');
    const conn = new Conn(this.address, this.config, this.log, this.delegate, false);
    try {
      await conn.connect();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      this.log.conn('error', this.address, `error connecting to nsqd - ${msg}`);
      const e = new NsqClientError('ERR_CONNECT', msg);
      const w = this.waiting;
      this.waiting = [];
      for (const t of w) t.reject(e);
      return;
    }
    if (this.stopFlag) {
      conn.destroy();
      return;
    }
    this.conn = conn;
    const w = this.waiting;
    this.waiting = [];
    for (const t of w) {
      this.sent.push(t);
      conn.write(t.cmd);
    }
  }

  private popSent(): Transaction | undefined {
    if (this.sentHead >= this.sent.length) return undefined;
    const t = this.sent[this.sentHead]!;
    this.sent[this.sentHead++] = undefined as unknown as Transaction;
    if (this.sentHead > 1024 && this.sentHead * 2 > this.sent.length) {
      this.sent.splice(0, this.sentHead);
      this.sentHead = 0;
    }
    return t;
  }

  private readonly delegate: ConnDelegate = {
    onMessage: (_c: Conn, _m: Message) => {},
    onResponse: (_c, _data) => {
      this.popSent()?.resolve();
      this.maybeDrained();
    },
    onErrorFrame: (c, data) => {
      const text = data.toString('utf8');
      this.popSent()?.reject(new NsqClientError('ERR_PROTOCOL', text));
      // nsqd closes the connection after any error but these: publish the next ones on a new one
      if (!/^E_(FIN|REQ|TOUCH)_FAILED/.test(text)) c.close();
      this.maybeDrained();
    },
    onIOError: (c) => c.close(),
    onMessageResponded: () => {},
    onClose: (c) => {
      if (this.conn === c) this.conn = null;
      // go-nsq's transactionCleanup: everything sent on it fails
      for (let t = this.popSent(); t !== undefined; t = this.popSent()) t.reject(notConnected());
      this.log.conn('info', this.address, 'exiting router');
      this.maybeDrained();
      // publishes queued while it was closing go out on a new connection
      if (this.waiting.length > 0 && !this.stopFlag) void this.connect();
      const w = this.closeWaiters;
      this.closeWaiters = [];
      for (const f of w) f();
    },
  };

  private drainWaiters: (() => void)[] = [];
  private closeWaiters: (() => void)[] = [];

  private maybeDrained(): void {
    if (this.sentHead < this.sent.length || this.drainWaiters.length === 0) return;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  /**
   * go-nsq's Stop, made graceful: new publishes reject (ERR_STOPPED) at once; the ones already sent get
   * their answers (for at most read_timeout), then the connection closes.
   */
  async close(): Promise<void> {
    if (this.stopFlag) return;
    this.stopFlag = true;
    this.log.conn('info', this.address, 'stopping');
    const w = this.waiting;
    this.waiting = [];
    for (const t of w) t.reject(stopped());
    if (this.connecting !== null) await this.connecting.catch(() => {});
    const conn = this.conn;
    if (conn === null) return;
    if (this.sentHead < this.sent.length) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.readTimeout);
        this.drainWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (conn.closed) return;
    await new Promise<void>((resolve) => {
      this.closeWaiters.push(resolve);
      conn.close();
    });
  }
}

export interface BatcherOptions {
  /** an MPUB goes out once it holds this many messages (default 100) */
  maxMessages?: number;
  /** ... or this many body bytes (default 512 KiB; keep under nsqd's --max-body-size) */
  maxBytes?: number;
  /** ... or this long after its first message (default 5 ms) */
  maxDelayMs?: number;
}

/** Groups single publishes into MPUBs; each publish resolves when the MPUB that carried it is answered. */
export class Batcher {
  private readonly producer: Producer;
  private readonly topic: string;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly maxDelayMs: number;
  private bodies: Buffer[] = [];
  private bytes = 0;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(producer: Producer, topic: string, opts: BatcherOptions) {
    this.producer = producer;
    this.topic = topic;
    this.maxMessages = opts.maxMessages ?? 100;
    this.maxBytes = opts.maxBytes ?? 512 * 1024;
    this.maxDelayMs = opts.maxDelayMs ?? 5;
  }

  publish(body: Body): Promise<void> {
    const b = toBuffer(body);
    if (this.bodies.length > 0 && this.bytes + b.length > this.maxBytes) this.flush();
    return new Promise<void>((resolve, reject) => {
      this.bodies.push(b);
      this.bytes += b.length;
      this.waiters.push({ resolve, reject });
      if (this.bodies.length >= this.maxMessages || this.bytes >= this.maxBytes) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
    });
  }

  /** sends what is gathered now */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.bodies.length === 0) return;
    const bodies = this.bodies;
    const waiters = this.waiters;
    this.bodies = [];
    this.waiters = [];
    this.bytes = 0;
    const done =
      bodies.length === 1
        ? this.producer.publish(this.topic, bodies[0]!)
        : this.producer.multiPublish(this.topic, bodies);
    done.then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (err: Error) => {
        for (const w of waiters) w.reject(err);
      },
    );
  }
}
