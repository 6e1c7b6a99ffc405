/**
 * One message delivered to a Consumer: its id, body, attempts and timestamp (views into the frame it
 * came in, decoded on demand), and the responses a handler gives it — finish, requeue (with or
 * without backoff), touch — each of which the connection that delivered it turns into FIN/REQ/TOUCH.
 * A message answers at most once (go-nsq's `responded` flag); touch is allowed until then.
 */

import { MESSAGE_META_SIZE } from '../wire/encode.js';

/** what a message tells its connection (the connection owns the wire and the in-flight count) */
export interface MessageResponder {
  readonly address: string;
  /** `delayMs` -1 = go-nsq's default (default_requeue_delay × attempts, capped at max_requeue_delay) */
  respond(msg: Message, fin: boolean, delayMs: number, backoff: boolean): void;
  touch(msg: Message): void;
}

export class Message {
  /** the message frame's data: `[int64 timestamp ns][uint16 attempts][16 bytes id][body]` */
  readonly raw: Buffer;
  /** the message's body (a view into the frame) */
  readonly body: Buffer;
  /** delivery attempts so far, this one included */
  readonly attempts: number;
  private readonly responder: MessageResponder;
  private responded = false;
  private autoResponse = true;

  constructor(raw: Buffer, responder: MessageResponder) {
    this.raw = raw;
    this.body = raw.subarray(MESSAGE_META_SIZE);
    this.attempts = raw.readUInt16BE(8);
    this.responder = responder;
  }

  /** the 16-character id nsqd gave the message */
  get id(): string {
    return this.raw.toString('latin1', 10, 26);
  }

  /** when nsqd accepted the message, in nanoseconds since the epoch */
  get timestamp(): bigint {
    return this.raw.readBigInt64BE(0);
  }

  /** the `host:port` of the nsqd that delivered it */
  get nsqdAddress(): string {
    return this.responder.address;
  }

  /** whether finish() or requeue() has been called */
  get hasResponded(): boolean {
    return this.responded;
  }

  /** the handler answers this message itself (no FIN on return, no REQ on throw) */
  disableAutoResponse(): void {
    this.autoResponse = false;
  }

  get isAutoResponseDisabled(): boolean {
    return !this.autoResponse;
  }

  /** FIN: processed */
  finish(): void {
    if (this.responded) return;
    this.responded = true;
    this.responder.respond(this, true, 0, false);
  }

  /**
   * REQ: deliver again after `delayMs` (-1: default_requeue_delay × attempts, capped at
   * max_requeue_delay), and let the consumer back off.
   */
  requeue(delayMs = -1): void {
    this.answerRequeue(delayMs, true);
  }

  /** REQ without raising the consumer's backoff */
  requeueWithoutBackoff(delayMs = -1): void {
    this.answerRequeue(delayMs, false);
  }

  /** TOUCH: reset the message's timeout at nsqd (ignored once answered) */
  touch(): void {
    if (this.responded) return;
    this.responder.touch(this);
  }

  private answerRequeue(delayMs: number, backoff: boolean): void {
    if (this.responded) return;
    this.responded = true;
    this.responder.respond(this, false, delayMs, backoff);
  }
}
