/**
 * Validation of an MPUB body (`[int32 count]([int32 len][len bytes])*`) in Go's check order, plus our
 * stricter rule that the messages fill the outer body exactly. Pure; never allocates per message.
 */

import { type ProtocolError, protocolError } from '../errors.js';

function int32At(buf: Uint8Array, p: number): number {
  return (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
}

/**
 * Walks the messages of an MPUB body starting at `start`. `declaredEnd` is where the outer body ends
 * according to its size; `recvEnd` (<= declaredEnd) is how far bytes exist. Returns the message count,
 * or the error Go would send first (a structure that crosses `recvEnd` but not `declaredEnd` gets Go's
 * "failed to read" text, one that crosses `declaredEnd` or stops short of it gets our mismatch error).
 */
function walk(
  buf: Uint8Array,
  start: number,
  recvEnd: number,
  declaredEnd: number,
  maxMsgSize: number,
  maxBodySize: number,
): number | ProtocolError {
  const size = declaredEnd - start;
  let pos = start;
  if (pos + 4 > declaredEnd) return mismatch(size);
  if (pos + 4 > recvEnd) return protocolError('E_BAD_BODY', 'MPUB failed to read message count');
  const count = int32At(buf, pos);
  pos += 4;
  // 4 bytes of count, then at least 4 + 1 bytes per message
  if (count <= 0 || count > Math.floor((maxBodySize - 4) / 5)) {
    return protocolError('E_BAD_BODY', `MPUB invalid message count ${count}`);
  }
  for (let i = 0; i < count; i++) {
    if (pos + 4 > declaredEnd) return mismatch(size);
    if (pos + 4 > recvEnd) {
      return protocolError('E_BAD_MESSAGE', `MPUB failed to read message(${i}) body size`);
    }
    const len = int32At(buf, pos);
    if (len <= 0) return protocolError('E_BAD_MESSAGE', `MPUB invalid message(${i}) body size ${len}`);
    if (len > maxMsgSize)
      return protocolError('E_BAD_MESSAGE', `MPUB message too big ${len} > ${maxMsgSize}`);
    pos += 4;
    if (pos + len > declaredEnd) return mismatch(size);
    if (pos + len > recvEnd) return protocolError('E_BAD_MESSAGE', 'MPUB failed to read message body');
    pos += len;
  }
  if (pos !== declaredEnd) return mismatch(size);
  return count;
}

function mismatch(size: number): ProtocolError {
  return protocolError('E_BAD_BODY', `MPUB body size ${size} does not match its messages`);
}

export interface MpubScan {
  count: number;
}

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
  const r = walk(buf, start, end, end, maxMsgSize, maxBodySize);
  return typeof r === 'number' ? { count: r } : r;
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
  const r = walk(buf, start, recvEnd, start + declaredSize, maxMsgSize, maxBodySize);
  return typeof r === 'number' ? mismatch(declaredSize) : r;
}

/**
 * The `[int32 len]` at `pos` of a validated MPUB body: that message is `buf[pos + 4 .. pos + 4 + len)`
 * and the next length follows it. The first length is at `start + 4`.
 */
export function mpubMessageLength(buf: Uint8Array, pos: number): number {
  return int32At(buf, pos);
}
