/**
 * Validation of an MPUB body (`[int32 count]([int32 len][len bytes])*`) in Go's check order, plus our
 * stricter rule that the messages fill the outer body exactly: one resumable walk, used whole (a
 * complete body) or as the bytes arrive (answering as soon as Go would). Never allocates per message.
 */

import { type ProtocolError, protocolError } from './errors.js';

function int32At(buf: Uint8Array, p: number): number {
  return (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
}

/**
 * Go's readMPUB as a walk that can stop wherever the received bytes stop and go on when more arrive.
 * `advance` checks every structure (count, each length, each body) that is complete in the bytes
 * received so far and returns the error Go would send first: Go's own checks as soon as the 4 bytes
 * they read are there, and our outer-size rule (`MPUB body size N does not match its messages`) as soon
 * as a structure would cross the declared end or the messages stop short of it.
 */
export class MpubWalk {
  private pos = 0;
  private declaredSize = 0;
  private declaredEnd = 0;
  private maxMsgSize = 0;
  private maxBodySize = 0;
  /** 0 until the message count is read (a valid count is > 0) */
  private count = 0;
  /** the message being read */
  private index = 0;
  /** its length once read, 0 while its length is not */
  private len = 0;
  private done = false;

  /** Start a body `buf[start .. start + declaredSize)`. */
  reset(start: number, declaredSize: number, maxMsgSize: number, maxBodySize: number): void {
    this.pos = start;
    this.declaredSize = declaredSize;
    this.declaredEnd = start + declaredSize;
    this.maxMsgSize = maxMsgSize;
    this.maxBodySize = maxBodySize;
    this.count = 0;
    this.index = 0;
    this.len = 0;
    this.done = false;
  }

  /** every message was read and they end exactly at the declared end */
  get complete(): boolean {
    return this.done;
  }

  get messageCount(): number {
    return this.count;
  }

  /**
   * Checks what `buf[.. recvEnd)` adds (`recvEnd` <= the declared end; bytes already walked must not
   * change). Returns the first error, or null: valid so far (see `complete`).
   */
  advance(buf: Uint8Array, recvEnd: number): ProtocolError | null {
    if (this.done) return null;
    const end = this.declaredEnd;
    let pos = this.pos;
    if (this.count === 0) {
      if (pos + 4 > end) return this.mismatch();
      if (pos + 4 > recvEnd) return null;
      const count = int32At(buf, pos);
      // 4 bytes of count, then at least 4 + 1 bytes per message
      if (count <= 0 || count > Math.floor((this.maxBodySize - 4) / 5)) {
        return protocolError('E_BAD_BODY', `MPUB invalid message count ${count}`);
      }
      this.count = count;
      pos += 4;
    }
    const count = this.count;
    const maxMsgSize = this.maxMsgSize;
    let i = this.index;
    let len = this.len;
    for (;;) {
      if (len === 0) {
        if (i === count) break;
        if (pos + 4 > end) return this.mismatch();
        if (pos + 4 > recvEnd) break;
        len = int32At(buf, pos);
        if (len <= 0) return protocolError('E_BAD_MESSAGE', `MPUB invalid message(${i}) body size ${len}`);
        if (len > maxMsgSize)
          return protocolError('E_BAD_MESSAGE', `MPUB message too big ${len} > ${maxMsgSize}`);
        pos += 4;
        if (pos + len > end) return this.mismatch();
      }
      if (pos + len > recvEnd) break;
      pos += len;
      len = 0;
      i++;
    }
    this.pos = pos;
    this.index = i;
    this.len = len;
    if (i === count) {
      if (pos !== end) return this.mismatch();
      this.done = true;
    }
    return null;
  }

  /** Go's error for a stream that stops where the walk stands (after `advance` returned null). */
  readFailure(): ProtocolError {
    if (this.done) return this.mismatch(); // a complete walk never stopped short; kept total
    if (this.count === 0) return protocolError('E_BAD_BODY', 'MPUB failed to read message count');
    if (this.len === 0) {
      return protocolError('E_BAD_MESSAGE', `MPUB failed to read message(${this.index}) body size`);
    }
    return protocolError('E_BAD_MESSAGE', 'MPUB failed to read message body');
  }

  private mismatch(): ProtocolError {
    return protocolError('E_BAD_BODY', `MPUB body size ${this.declaredSize} does not match its messages`);
  }
}

export interface MpubScan {
  count: number;
}

/** one walk for the synchronous helpers below */
const scratch = new MpubWalk();

/**
 * Validates a complete MPUB body `buf[start..end)`: count, then each message's size, then that the
 * messages end exactly at `end`. After success, walk the messages with `mpubMessageLength` from
 * `start + 4`.
 */
export function scanMpubBody(
  buf: Uint8Array,
  start: number,
  end: number,
  maxMsgSize: number,
  maxBodySize: number,
): MpubScan | ProtocolError {
  scratch.reset(start, end - start, maxMsgSize, maxBodySize);
  // with every byte received, an unfinished walk is a structure crossing `end`: advance reports it
  return scratch.advance(buf, end) ?? { count: scratch.messageCount };
}

/**
 * The error for an MPUB whose stream stopped after `buf[start..recvEnd)` of a body declared as
 * `declaredSize` bytes: what Go would have answered by then (an invalid count or size it had already
 * read, or "failed to read ..." at the point the bytes ran out).
 */
export function mpubTruncatedError(
  buf: Uint8Array,
  start: number,
  recvEnd: number,
  declaredSize: number,
  maxMsgSize: number,
  maxBodySize: number,
): ProtocolError {
  scratch.reset(start, declaredSize, maxMsgSize, maxBodySize);
  return scratch.advance(buf, recvEnd) ?? scratch.readFailure();
}

/** The message count of a validated MPUB body `buf[start..)`. */
export function mpubMessageCount(buf: Uint8Array, start: number): number {
  return int32At(buf, start);
}

/**
 * The `[int32 len]` at `pos` of a validated MPUB body: that message is `buf[pos + 4 .. pos + 4 + len)`
 * and the next length follows it. The first length is at `start + 4`.
 */
export function mpubMessageLength(buf: Uint8Array, pos: number): number {
  return int32At(buf, pos);
}
