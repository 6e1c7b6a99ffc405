/**
 * One topic's router, Go's FileLogger.router: takes the consumer's messages, the sync ticker, SIGHUP
 * and shutdown one event at a time (each fully handled, file I/O awaited, before the next, as Go's
 * single goroutine does), writes each body + newline to the topic's OutputFile, and FINs the held
 * messages only after the sync that made them durable (at-least-once: FIN-after-fsync). Owns the held
 * messages and the event queue; the file belongs to OutputFile, the connections to the consumer.
 */

import type { Logger } from '../../log.js';
import type { Fatal, OutputFile } from './output-file.js';

/** what the router needs of a message: its body, and FIN once it is on disk */
export interface HeldMessage {
  readonly body: Buffer;
  finish(): void;
}

/** what the router needs of the topic's consumer */
export interface RouterConsumer {
  /** go-nsq's Stop(): CLS everywhere; `stopped` resolves when the last connection has closed */
  stop(): void;
  readonly stopped: Promise<void>;
  /** go-nsq's IsStarved() */
  isStarved(): boolean;
}

const TICK = 1;
const HUP = 2;
const TERM = 3;
const STOPPED = 4;
type RouterEvent = HeldMessage | typeof TICK | typeof HUP | typeof TERM | typeof STOPPED;

export interface RouterOptions {
  topic: string;
  channel: string;
  maxInFlight: number;
  /** ms */
  syncInterval: number;
  skipEmptyFiles: boolean;
}

export class FileLogger {
  private readonly o: RouterOptions;
  private readonly out: OutputFile;
  private readonly log: Logger;
  private readonly fatal: Fatal;
  /** events not yet handled: at most max-in-flight messages plus a few signals */
  private readonly queue: RouterEvent[] = [];
  private head = 0;
  private wake: (() => void) | null = null;
  private ticker: NodeJS.Timeout | null = null;
  /** messages written but not yet FIN'd (Go's output slice) */
  private readonly held: HeldMessage[] = [];

  constructor(o: RouterOptions, out: OutputFile, log: Logger, fatal: Fatal) {
    this.o = o;
    this.out = out;
    this.log = log;
    this.fatal = fatal;
  }

  /** the consumer's handler: Go's HandleMessage (auto-response off; the router FINs) */
  readonly handleMessage = (m: HeldMessage): void => this.push(m);

  hup(): void {
    this.push(HUP);
  }

  term(): void {
    this.push(TERM);
  }

  private push(ev: RouterEvent): void {
    this.queue.push(ev);
    const w = this.wake;
    if (w !== null) {
      this.wake = null;
      w();
    }
  }

  private async next(): Promise<RouterEvent> {
    while (this.head === this.queue.length) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    const ev = this.queue[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return ev;
  }

  /** runs until the consumer has stopped and the file is closed (and moved) */
  async run(consumer: RouterConsumer): Promise<void> {
    void consumer.stopped.then(() => this.push(STOPPED));
    this.ticker = setInterval(() => this.push(TICK), this.o.syncInterval);
    let sync = false;
    let closeFile = false;
    let exit = false;
    let stopping = false;
    for (;;) {
      const ev = await this.next();
      if (ev === STOPPED) {
        sync = true;
        closeFile = true;
        exit = true;
      } else if (ev === TERM) {
        this.stopTicker();
        consumer.stop();
        stopping = true;
        sync = true;
      } else if (ev === HUP) {
        sync = true;
        closeFile = true;
      } else if (ev === TICK) {
        if (this.out.needsRotation()) {
          if (this.o.skipEmptyFiles) closeFile = true;
          else await this.out.updateFile();
        }
        sync = true;
      } else {
        if (this.out.needsRotation()) {
          await this.out.updateFile();
          sync = true;
        }
        this.out.write(ev.body);
        this.held.push(ev);
        if (this.held.length >= this.o.maxInFlight) sync = true;
        if (this.out.wantsFlush) await this.out.flush();
      }
      // go-nsq counts a message in flight only once its read loop handed it on, and that loop blocks
      // while the router is busy: Go's IsStarved sees about the messages held here. Our client reads
      // ahead, so starvation is judged once every message it has received has been handled.
      // Stopping, messages already on their way still arrive, and the consumer waits for them to be
      // answered before it closes: they are synced and FIN'd as soon as nothing else is queued (Go's
      // router waits for its next sync tick, up to --sync-interval, for them).
      if (sync || (this.head === this.queue.length && (stopping || consumer.isStarved()))) {
        if (this.held.length > 0) await this.syncHeld();
        sync = false;
      }
      if (closeFile) {
        await this.out.close();
        closeFile = false;
      }
      if (exit) break;
      // nothing else waiting: put the queued lines in the file now (plain files show each line promptly)
      if (this.head === this.queue.length) await this.out.flush();
    }
    this.stopTicker();
  }

  /** fsync, then FIN every held message: Go FINs them last first, and so do we */
  private async syncHeld(): Promise<void> {
    const n = this.held.length;
    this.log.info(`[${this.o.topic}/${this.o.channel}] syncing ${n} records to disk`);
    try {
      await this.out.sync();
    } catch (err) {
      this.fatal(
        `[${this.o.topic}/${this.o.channel}] failed syncing messages: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    for (let i = n - 1; i >= 0; i--) this.held[i]!.finish();
    this.held.length = 0;
  }

  private stopTicker(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }
}
