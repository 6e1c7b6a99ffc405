/**
 * The client side of nsqd's IDENTIFY upgrades for the load generator: IDENTIFY with feature
 * negotiation, its JSON in plain text, then TLS (no certificate check: loopback only), snappy
 * (framing over the same block codec the broker uses) and deflate (node:zlib, sync-flushed), each
 * answered by an `OK` inside the new layer, as go-nsq does it. Gives back a Link: one write path
 * and one receive path through whatever was negotiated. Owns those layers; not the frame loop.
 */

import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { constants, createDeflateRaw, createInflateRaw } from 'node:zlib';
import { encodeCommand } from '../../src/wire/encode.js';
import { snappyBlockCodec } from '../../src/wire/snappy-block.js';
import { SnappyFrameDecoder, SnappyFrameEncoder } from '../../src/wire/snappy-frame.js';

export interface WireFeatures {
  tls: boolean;
  snappy: boolean;
  deflate: boolean;
  deflateLevel: number;
}

export const NO_FEATURES: WireFeatures = { tls: false, snappy: false, deflate: false, deflateLevel: 6 };

export function anyFeature(f: WireFeatures): boolean {
  return f.tls || f.snappy || f.deflate;
}

/** what the frame loop writes to and reads from */
export interface Link {
  write(b: Buffer): void;
  /** where decoded input goes from now on; `onError` hears the layers' errors */
  receive(fn: (chunk: Buffer) => void, onError: (err: Error) => void): void;
  /** ends the connection after what was written (TLS: with its close_notify) */
  end(): void;
  /** bytes written but not yet sent: a buffer just written is still referenced while > 0 */
  readonly writableLength: number;
  /** the layers keep written buffers past write() (deflate): never reuse one */
  readonly retainsWrites: boolean;
}

const OK_FRAME = Buffer.from([0, 0, 0, 6, 0, 0, 0, 0, 0x4f, 0x4b]);
const HANDSHAKE_MS = 10_000;

/** bytes from one layer, read back as whole frames until the layer above takes over */
class FrameStage {
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private failed: Error | null = null;

  push = (c: Buffer): void => {
    this.buf = this.buf.length === 0 ? c : Buffer.concat([this.buf, c]);
    this.wake?.();
  };

  fail = (err: Error): void => {
    this.failed = err;
    this.wake?.();
  };

  async frame(): Promise<Buffer> {
    const deadline = Date.now() + HANDSHAKE_MS;
    for (;;) {
      if (this.buf.length >= 4) {
        const n = 4 + this.buf.readUInt32BE(0);
        if (this.buf.length >= n) {
          const f = this.buf.subarray(0, n);
          this.buf = this.buf.subarray(n);
          return f;
        }
      }
      if (this.failed !== null) throw this.failed;
      if (Date.now() > deadline) throw new Error('IDENTIFY upgrade timed out');
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          r();
        };
      });
    }
  }

  /** what arrived after the last frame read */
  rest(): Buffer {
    const r = this.buf;
    this.buf = Buffer.alloc(0);
    return r;
  }
}

async function expectOk(stage: FrameStage, what: string): Promise<void> {
  const f = await stage.frame();
  if (!f.equals(OK_FRAME))
    throw new Error(`${what} upgrade: expected OK, got ${JSON.stringify(f.toString('latin1', 8))}`);
}

/**
 * Sends the magic and a negotiating IDENTIFY on `sock` and runs the upgrades the server grants.
 * Rejects with the server's error text, or when an upgrade fails.
 */
export async function upgradeClient(
  sock: Socket,
  magic: Buffer,
  clientId: string,
  f: WireFeatures,
): Promise<Link> {
  const identify = {
    client_id: clientId,
    hostname: clientId,
    user_agent: 'nsq-bench/0.1',
    feature_negotiation: true,
    tls_v1: f.tls,
    snappy: f.snappy,
    deflate: f.deflate,
    deflate_level: f.deflateLevel,
  };
  let stage = new FrameStage();
  sock.on('data', stage.push);
  sock.on('error', stage.fail);
  sock.write(Buffer.concat([magic, encodeCommand('IDENTIFY', Buffer.from(JSON.stringify(identify)))]));
  const json = await stage.frame();
  if (json.readUInt32BE(4) !== 0) throw new Error(json.toString('utf8', 8));
  const reply = JSON.parse(json.toString('utf8', 8)) as {
    tls_v1: boolean;
    snappy: boolean;
    deflate: boolean;
  };
  sock.off('data', stage.push);
  sock.off('error', stage.fail);
  let early = stage.rest();

  // the bottom layer: the socket, or TLS over it
  let write: (b: Buffer) => void = (b) => sock.write(b);
  let pending = (): number => sock.writableLength;
  let bottom: (fn: (c: Buffer) => void) => void = (fn) => sock.on('data', fn);
  let end = (): void => {
    sock.end();
  };
  // a layer's errors go to the connection once it takes over (receive)
  let onError: (err: Error) => void = () => {};
  if (reply.tls_v1) {
    const t = tlsConnect({ socket: sock, rejectUnauthorized: false });
    stage = new FrameStage();
    t.on('data', stage.push);
    t.on('error', stage.fail);
    await expectOk(stage, 'TLS');
    t.off('data', stage.push);
    t.off('error', stage.fail);
    t.on('error', (err: Error) => onError(err));
    early = stage.rest();
    write = (b) => t.write(b);
    pending = () => t.writableLength;
    bottom = (fn) => t.on('data', fn);
    end = () => {
      t.end();
    };
  }
  if (!reply.snappy && !reply.deflate) {
    return {
      write,
      receive: (fn, errors) => {
        onError = errors;
        bottom(fn);
        if (early.length > 0) fn(early);
      },
      end,
      get writableLength() {
        return pending();
      },
      retainsWrites: false,
    };
  }

  // the compression layer: its decoded output feeds a stage for the OK, then the frame loop
  stage = new FrameStage();
  let sink: (c: Buffer) => void = stage.push;
  const deliver = (c: Buffer): void => sink(c);
  const broken = (err: Error): void => {
    stage.fail(err);
    onError(err);
  };
  let encode: (b: Buffer) => void;
  let retains = false;
  if (reply.snappy) {
    const block = await snappyBlockCodec();
    const enc = new SnappyFrameEncoder(block);
    const dec = new SnappyFrameDecoder(block, { onDecoded: (b) => deliver(b) });
    const feed = (c: Buffer): void => {
      dec.push(c);
      const r = dec.run(Number.POSITIVE_INFINITY);
      if (r !== 'idle') broken(new Error(r));
    };
    bottom(feed);
    if (early.length > 0) feed(early);
    encode = (b) => write(enc.encode(b));
  } else {
    const inflate = createInflateRaw({ chunkSize: 64 * 1024 });
    const deflate = createDeflateRaw({ level: f.deflateLevel });
    inflate.on('data', deliver);
    inflate.on('error', broken);
    deflate.on('data', (b: Buffer) => write(b));
    deflate.on('error', broken);
    bottom((c) => inflate.write(c));
    if (early.length > 0) inflate.write(early);
    encode = (b) => {
      deflate.write(b);
      deflate.flush(constants.Z_SYNC_FLUSH);
    };
    // the last deflated bytes come out asynchronously: end after them
    const endBelow = end;
    end = () => {
      deflate.flush(constants.Z_SYNC_FLUSH, () => setImmediate(endBelow));
    };
    retains = true;
  }
  await expectOk(stage, reply.snappy ? 'snappy' : 'deflate');
  const rest = stage.rest();
  return {
    write: encode,
    receive: (fn, errors) => {
      onError = errors;
      sink = fn;
      if (rest.length > 0) fn(rest);
    },
    end,
    get writableLength() {
      return pending();
    },
    retainsWrites: retains,
  };
}
