/**
 * Hands a Consumer's messages to its handlers or to an async iterator: go-nsq's handler loops
 * (auto FIN on success, REQ with backoff on failure, FIN without calling the handler once attempts
 * exceed max_attempts) and its stopHandlers/exit ordering. Owns the queue of delivered messages
 * not yet handed out — bounded by max_in_flight, since nsqd sends no more than the RDY it was given.
 */

import type { ClientLog } from './log.js';
import type { Message } from './message.js';

/** A message handler: return (or resolve) to FIN, throw (or reject) to REQ with backoff. */
export type Handler = (msg: Message) => void | Promise<void>;

interface Waiter {
  resolve: (r: IteratorResult<Message>) => void;
}

const DONE: IteratorResult<Message> = { done: true, value: undefined };

export class Dispatch {
  private readonly maxAttempts: number;
  private readonly log: ClientLog;
  private readonly onExit: () => void;
  private handler: Handler | null = null;
  private concurrency = 0;
  private running = 0;
  private queue: Message[] = [];
  private head = 0;
  private stopped = false;
  private waiter: Waiter | null = null;

  constructor(maxAttempts: number, log: ClientLog, onExit: () => void) {
    this.maxAttempts = maxAttempts;
    this.log = log;
    this.onExit = onExit;
  }

  addHandler(handler: Handler, concurrency: number): void {
    if (this.handler !== null) throw new Error('a handler is already set');
    if (!(concurrency >= 1)) throw new Error('concurrency must be >= 1');
    this.handler = handler;
    this.concurrency = Math.trunc(concurrency);
  }

  /** a message arrived */
  push(msg: Message): void {
    if (this.handler !== null) {
      if (this.running < this.concurrency && this.head === this.queue.length) this.run(msg);
      else this.enqueue(msg);
      return;
    }
    const w = this.waiter;
    if (w !== null && !this.giveUp(msg)) {
      this.waiter = null;
      w.resolve({ done: false, value: msg });
      return;
    }
    if (w === null) this.enqueue(msg);
  }

  private enqueue(msg: Message): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.queue.push(msg);
  }

  private shift(): Message | undefined {
    if (this.head === this.queue.length) return undefined;
    const m = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as Message;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    return m;
  }

  /** go-nsq's shouldFailMessage: past max_attempts the message is FINed unhandled */
  private giveUp(msg: Message): boolean {
    if (this.maxAttempts > 0 && msg.attempts > this.maxAttempts) {
      this.log.log('warn', `msg ${msg.id} attempted ${msg.attempts} times, giving up`);
      msg.finish();
      return true;
    }
    return false;
  }

  private run(msg: Message): void {
    if (this.giveUp(msg)) return;
    let r: void | Promise<void>;
    try {
      r = this.handler!(msg);
    } catch (err) {
      this.failed(msg, err);
      return;
    }
    if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
      this.running++;
      (r as Promise<void>).then(
        () => this.settled(msg, null),
        (err: unknown) => this.settled(msg, err ?? new Error('handler rejected')),
      );
      return;
    }
    if (!msg.isAutoResponseDisabled) msg.finish();
  }

  private settled(msg: Message, err: unknown): void {
    this.running--;
    if (err === null) {
      if (!msg.isAutoResponseDisabled) msg.finish();
    } else {
      this.failed(msg, err);
    }
    this.pump();
  }

  private failed(msg: Message, err: unknown): void {
    const text = err instanceof Error ? err.message : String(err);
    this.log.log('error', `Handler returned error (${text}) for msg ${msg.id}`);
    if (!msg.isAutoResponseDisabled) msg.requeue(-1);
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const m = this.shift();
      if (m === undefined) break;
      this.run(m);
    }
    if (this.stopped && this.running === 0 && this.head === this.queue.length) this.onExit();
  }

  /**
   * the iterator style: messages in order. When the loop is left early, `pause` runs first (RDY 0
   * everywhere, so nsqd does not hand a requeued message straight back), then the messages not handed
   * out are requeued, then `onReturn` (the stop).
   */
  iterator(pause: () => void, onReturn: () => Promise<void>): AsyncIterator<Message> {
    if (this.handler !== null) throw new Error('a handler is set: messages go to it, not to an iterator');
    return {
      next: () => {
        for (let m = this.shift(); m !== undefined; m = this.shift()) {
          if (!this.giveUp(m)) return Promise.resolve({ done: false, value: m });
        }
        if (this.stopped) return Promise.resolve(DONE);
        return new Promise((resolve) => {
          this.waiter = { resolve };
        });
      },
      return: async () => {
        // messages not handed out go back without backoff, so the connections can drain and close
        pause();
        for (let m = this.shift(); m !== undefined; m = this.shift()) m.requeueWithoutBackoff(0);
        await onReturn();
        return DONE;
      },
    };
  }

  /** go-nsq's stopHandlers: every connection is closed; exit once the handlers are idle */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.log.log('info', 'stopping handlers');
    if (this.handler === null) {
      const w = this.waiter;
      this.waiter = null;
      w?.resolve(DONE);
      this.onExit();
      return;
    }
    this.pump();
  }
}
