/**
 * Raw V2 clients for the compression tests: IDENTIFY over a real socket, the negotiated JSON, and
 * a client that then speaks snappy (framing over the JavaScript block codec, so it runs under
 * --no-addons too) or raw deflate both ways, reading the server's decoded bytes from a ByteQueue.
 */

import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw } from 'node:zlib';
import { jsSnappyBlock } from '../../native-free/snappy-block.js';
import { maskedCrc32c } from '../../src/wire/crc32c.js';
import { encodeCommand, FRAME_RESPONSE } from '../../src/wire/encode.js';
import { SnappyFrameDecoder, SnappyFrameEncoder } from '../../src/wire/snappy-frame.js';
import { ByteQueue } from './tls.js';
import { MAGIC } from './wire.js';

/** a snappy framing chunk of `type` carrying `body` (the checksum as given, or the right one) */
export function snappyChunk(type: number, body: Buffer, crc?: number): Buffer {
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUIntLE(body.length + 4, 1, 3);
  h.writeUInt32LE(crc ?? maskedCrc32c(body), 4);
  return Buffer.concat([h, body]);
}

/** the `OK` response frame, byte for byte */
export const OK_BYTES = Buffer.from([0, 0, 0, 6, 0, 0, 0, 0, 0x4f, 0x4b]);

export interface Raw {
  socket: Socket;
  plain: ByteQueue;
}

export function identify(port: number, body: Record<string, unknown>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const plain = new ByteQueue();
    const socket = netConnect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([MAGIC, encodeCommand('IDENTIFY', Buffer.from(JSON.stringify(body)))]));
      resolve({ socket, plain });
    });
    socket.on('data', (c: Buffer) => plain.push(c));
    socket.on('close', () => plain.end());
    socket.once('error', reject);
  });
}

export async function negotiate(
  port: number,
  body: Record<string, unknown>,
): Promise<Raw & { reply: Record<string, unknown> }> {
  const raw = await identify(port, { feature_negotiation: true, ...body });
  const f = await raw.plain.frame();
  assert.equal(f.type, FRAME_RESPONSE, f.data.toString());
  return { ...raw, reply: JSON.parse(f.data.toString()) };
}

/** a client speaking the compressed stream: `send` compresses, `q` holds what the server sent, decoded */
export interface Compressed {
  socket: Socket;
  q: ByteQueue;
  send(plain: Buffer): void;
}

export async function snappyClient(port: number): Promise<Compressed> {
  const { socket, plain, reply } = await negotiate(port, { snappy: true });
  assert.equal(reply.snappy, true);
  const q = new ByteQueue();
  const dec = new SnappyFrameDecoder(jsSnappyBlock, { onDecoded: (b) => q.push(Buffer.from(b)) });
  const feed = (c: Buffer): void => {
    dec.push(c);
    dec.run(Number.POSITIVE_INFINITY);
  };
  socket.removeAllListeners('data');
  if (plain.length > 0) feed(await plain.read(plain.length));
  socket.on('data', feed);
  socket.on('close', () => q.end());
  const enc = new SnappyFrameEncoder(jsSnappyBlock);
  return { socket, q, send: (b) => socket.write(enc.encode(b)) };
}

export async function deflateClient(port: number, level = 6): Promise<Compressed> {
  const { socket, plain, reply } = await negotiate(port, { deflate: true, deflate_level: level });
  assert.equal(reply.deflate, true);
  const q = new ByteQueue();
  const inflate = createInflateRaw();
  inflate.on('data', (b: Buffer) => q.push(b));
  inflate.on('error', () => q.end());
  socket.removeAllListeners('data');
  if (plain.length > 0) inflate.write(await plain.read(plain.length));
  socket.on('data', (c: Buffer) => inflate.write(c));
  // inflating is asynchronous: the queue ends after what arrived before the close is inflated
  socket.on('close', () => inflate.end());
  inflate.on('end', () => q.end());
  const deflate: DeflateRaw = createDeflateRaw();
  deflate.on('data', (b: Buffer) => socket.write(b));
  return {
    socket,
    q,
    send: (b) => {
      deflate.write(b);
      deflate.flush(constants.Z_SYNC_FLUSH);
    },
  };
}
