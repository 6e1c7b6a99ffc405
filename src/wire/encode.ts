/**
 * Byte layouts of server→client frames (response, error, message), plus the client-side encoders and
 * decoders that tests and the bench use to talk to us. No I/O; no broker state.
 *
 * ```
 * frame:    [int32 size = 4 + len(data)][int32 frameType][data ...]
 * message:  [int64 timestamp ns][uint16 attempts][16 bytes hex id][body ...]   (the data of type 2)
 * ```
 */

import { errorFrameData, type ProtocolError } from './errors.js';
import { MSG_ID_LENGTH, writeIdHex } from './msgid.js';

export const FRAME_RESPONSE = 0;
export const FRAME_ERROR = 1;
export const FRAME_MESSAGE = 2;

/** bytes before `data`: size and frame type */
export const FRAME_HEADER_SIZE = 8;
/** bytes of a message's data before its body: timestamp, attempts, id */
export const MESSAGE_META_SIZE = 8 + 2 + MSG_ID_LENGTH;
/** frame header + message header: everything writeMessageHeader writes */
export const MESSAGE_HEADER_SIZE = FRAME_HEADER_SIZE + MESSAGE_META_SIZE;

function encodeFrame(frameType: number, data: string | Uint8Array): Buffer {
  const len = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + len);
  out.writeUInt32BE(4 + len, 0);
  out.writeUInt32BE(frameType, 4);
  if (typeof data === 'string') out.write(data, FRAME_HEADER_SIZE, 'utf8');
  else out.set(data, FRAME_HEADER_SIZE);
  return out;
}

/** A response frame (type 0); strings are sent as UTF-8. */
export function encodeResponse(data: string | Uint8Array): Buffer {
  return encodeFrame(FRAME_RESPONSE, data);
}

/** An error frame (type 1) whose data is `"<CODE> <text>"` (or the bare code). */
export function encodeError(err: ProtocolError): Buffer {
  return encodeFrame(FRAME_ERROR, errorFrameData(err));
}

/** Shared, never to be mutated. */
export const OK_FRAME: Buffer = encodeResponse('OK');
export const HEARTBEAT_FRAME: Buffer = encodeResponse('_heartbeat_');
export const CLOSE_WAIT_FRAME: Buffer = encodeResponse('CLOSE_WAIT');

/**
 * Writes the 34 bytes before a message body at `dst[off]` and returns `off + MESSAGE_HEADER_SIZE`:
 * ```
 * off+0   uint32 size = 4 + 26 + bodyLen
 * off+4   uint32 frame type = 2
 * off+8   uint32 timestamp ns, high half     off+12  uint32 timestamp ns, low half
 * off+16  uint16 attempts (wraps at 65536)
 * off+18  16 bytes id (16 ASCII hex chars of the two int32 halves, see msgid.ts)
 * ```
 * The caller copies the body to the returned offset. No allocation.
 */
export function writeMessageHeader(
  dst: Buffer,
  off: number,
  bodyLen: number,
  tsHi: number,
  tsLo: number,
  attempts: number,
  idHi: number,
  idLo: number,
): number {
  dst.writeUInt32BE(4 + MESSAGE_META_SIZE + bodyLen, off);
  dst.writeUInt32BE(FRAME_MESSAGE, off + 4);
  dst.writeUInt32BE(tsHi >>> 0, off + 8);
  dst.writeUInt32BE(tsLo >>> 0, off + 12);
  dst.writeUInt16BE(attempts & 0xffff, off + 16);
  writeIdHex(dst, off + 18, idHi, idLo);
  return off + MESSAGE_HEADER_SIZE;
}

// ---- client side (tests, bench) ----

/** `line + "\n"`, followed by `[int32 size][body]` when a body is given. */
export function encodeCommand(line: string, body?: Uint8Array): Buffer {
  const lineLen = Buffer.byteLength(line, 'utf8');
  const total = lineLen + 1 + (body === undefined ? 0 : 4 + body.length);
  const out = Buffer.allocUnsafe(total);
  out.write(line, 0, 'utf8');
  out[lineLen] = 0x0a;
  if (body !== undefined) {
    out.writeInt32BE(body.length, lineLen + 1);
    out.set(body, lineLen + 5);
  }
  return out;
}

/** The body of MPUB: `[int32 count]` then `[int32 len][bytes]` per message. */
export function encodeMpubBody(bodies: readonly Uint8Array[]): Buffer {
  let total = 4;
  for (const b of bodies) total += 4 + b.length;
  const out = Buffer.allocUnsafe(total);
  out.writeInt32BE(bodies.length, 0);
  let off = 4;
  for (const b of bodies) {
    out.writeInt32BE(b.length, off);
    out.set(b, off + 4);
    off += 4 + b.length;
  }
  return out;
}

export interface Frame {
  type: number;
  data: Buffer;
}

/**
 * Push decoder of server→client frames. `push` returns the frames completed by the chunk; each
 * `data` is a view that stays valid (the reader never writes into buffers it handed out).
 */
export class FrameReader {
  private pending: Buffer | null = null;

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let pos = 0;
    while (buf.length - pos >= 4) {
      const size = buf.readUInt32BE(pos);
      if (size < 4) throw new Error(`FrameReader: invalid frame size ${size}`);
      if (buf.length - pos - 4 < size) break;
      const type = buf.readUInt32BE(pos + 4);
      frames.push({ type, data: buf.subarray(pos + 8, pos + 4 + size) });
      pos += 4 + size;
    }
    if (pos < buf.length) this.pending = buf.subarray(pos);
    return frames;
  }

  /** bytes of an incomplete frame held back */
  get buffered(): number {
    return this.pending === null ? 0 : this.pending.length;
  }
}

export interface DecodedMessage {
  timestampNs: bigint;
  attempts: number;
  id: string;
  body: Buffer;
}

/** Splits the data of a message frame (type 2). Throws if shorter than the 26-byte header. */
export function decodeMessage(data: Buffer): DecodedMessage {
  if (data.length < MESSAGE_META_SIZE) throw new Error(`decodeMessage: ${data.length} bytes < 26`);
  return {
    timestampNs: data.readBigInt64BE(0),
    attempts: data.readUInt16BE(8),
    id: data.toString('latin1', 10, 26),
    body: data.subarray(MESSAGE_META_SIZE),
  };
}
