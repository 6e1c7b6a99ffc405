/**
 * NSQ V2 client framing for the load generator, light on allocation: prebuilt PUB/MPUB buffers stamped
 * in place, one frame loop per 'data' chunk that slices nothing, and FINs built by copying id bytes and
 * flushed in batches like NSQ's bench_reader; with --tls/--snappy/--deflate the bytes go through the
 * layers upgrade.ts negotiates. Owns its sockets; knows nothing of threads or reports.
 */

import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { encodeCommand } from '../../src/wire/encode.js';
import { type Histogram, recordUs } from './histogram.js';
import { anyFeature, type Link, upgradeClient, type WireFeatures } from './upgrade.js';

export const MAGIC_V2: Buffer = Buffer.from('  V2', 'latin1');
const FRAME_RESPONSE = 0;
const FRAME_ERROR = 1;
const FRAME_MESSAGE = 2;
/** message data: [int64 ts][uint16 attempts][16 bytes id][body] */
const MESSAGE_META = 26;
/** "FIN " + 16-byte id + "\n" */
const FIN_LINE = 21;
const NOP = Buffer.from('NOP\n', 'latin1');
/** bytes of the send timestamp at the start of a pubsub body: float64 LE, microseconds */
export const STAMP_BYTES = 8;

/** Milliseconds on a clock shared by every thread of this process. */
export function nowAbsMs(): number {
  return performance.timeOrigin + performance.now();
}

/** IDENTIFY without feature negotiation (the server answers a plain OK), as bench_writer sends it. */
export function identifyCommand(clientId: string): Buffer {
  const body = {
    client_id: clientId,
    hostname: clientId,
    user_agent: 'nsq-bench/0.1',
    feature_negotiation: false,
  };
  return encodeCommand('IDENTIFY', Buffer.from(JSON.stringify(body)));
}

/**
 * `copies` identical publish commands back to back: `PUB topic` (batch 1) or `MPUB topic` of `batch`
 * bodies, each body `size` bytes of 'a'. `bodyOffsets` are where the bodies start inside one command.
 */
export class PublishTemplate {
  readonly buf: Buffer;
  readonly cmdLen: number;
  readonly bodyOffsets: Int32Array;

  constructor(
    topic: string,
    readonly size: number,
    readonly batch: number,
    readonly copies: number,
  ) {
    const body = Buffer.alloc(size, 0x61);
    let one: Buffer;
    const offsets = new Int32Array(batch);
    if (batch === 1) {
      one = encodeCommand(`PUB ${topic}`, body);
      offsets[0] = one.length - size;
    } else {
      const mpub = Buffer.allocUnsafe(4 + batch * (4 + size));
      mpub.writeInt32BE(batch, 0);
      for (let i = 0; i < batch; i++) {
        mpub.writeInt32BE(size, 4 + i * (4 + size));
        body.copy(mpub, 8 + i * (4 + size));
      }
      one = encodeCommand(`MPUB ${topic}`, mpub);
      const head = one.length - mpub.length;
      for (let i = 0; i < batch; i++) offsets[i] = head + 8 + i * (4 + size);
    }
    this.cmdLen = one.length;
    this.bodyOffsets = offsets;
    this.buf = Buffer.allocUnsafe(one.length * copies);
    for (let i = 0; i < copies; i++) one.copy(this.buf, i * one.length);
  }

  /** A fresh copy of the first `n` commands with every body's first 8 bytes set to `stampUs`. */
  stamped(n: number, stampUs: number): Buffer {
    const len = n * this.cmdLen;
    const out = Buffer.allocUnsafe(len);
    this.buf.copy(out, 0, 0, len);
    const offs = this.bodyOffsets;
    for (let c = 0; c < n; c++) {
      const base = c * this.cmdLen;
      for (let i = 0; i < offs.length; i++) out.writeDoubleLE(stampUs, base + offs[i]!);
    }
    return out;
  }
}

/** a link straight to the socket (no upgrades) */
function plainLink(sock: net.Socket): Link {
  return {
    write: (b) => sock.write(b),
    receive: (fn) => sock.on('data', fn),
    end: () => {
      sock.end();
    },
    get writableLength() {
      return sock.writableLength;
    },
    retainsWrites: false,
  };
}

/**
 * Shared by producers and consumers: connect, IDENTIFY (and its upgrades), then `after` (SUB) and
 * its `afterOks` OKs, then the frame loop.
 */
export abstract class NsqConn {
  readonly sock: net.Socket;
  /** where commands are written: the socket, or the negotiated layers over it */
  protected link: Link;
  /** resolves true once the handshake is done, false if the connection failed first */
  readonly ready: Promise<boolean>;
  /** resolves when the socket is gone, for whatever reason */
  readonly closed: Promise<void>;
  errors = 0;
  lastError = '';
  isReady = false;
  isClosed = false;
  /** we asked for the close: a close now is not an error */
  closing = false;
  /** arrival time of the chunk being parsed (nowAbsMs) */
  protected chunkAt = 0;
  private oksToSkip = 0;
  private pending: Buffer | null = null;
  private resolveReady!: (ok: boolean) => void;
  private resolveClosed!: () => void;

  constructor(
    host: string,
    port: number,
    clientId: string,
    after: Buffer | null,
    afterOks: number,
    features: WireFeatures,
  ) {
    this.ready = new Promise((r) => (this.resolveReady = r));
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.sock = net.connect(port, host);
    this.sock.setNoDelay(true);
    this.link = plainLink(this.sock);
    this.sock.on('error', (err: Error) => this.fail(err.message));
    this.sock.on('close', () => this.onClose());
    if (!anyFeature(features)) {
      this.oksToSkip = 1 + afterOks;
      const hello = [MAGIC_V2, identifyCommand(clientId)];
      if (after !== null) hello.push(after);
      this.sock.write(Buffer.concat(hello));
      this.sock.on('data', (chunk: Buffer) => this.onData(chunk));
      return;
    }
    this.oksToSkip = afterOks;
    upgradeClient(this.sock, MAGIC_V2, clientId, features).then(
      (link) => {
        this.link = link;
        link.receive(
          (chunk) => this.onData(chunk),
          (err) => this.fail(err.message),
        );
        if (after !== null) link.write(after);
        if (afterOks === 0) {
          this.isReady = true;
          this.resolveReady(true);
        }
      },
      (err: Error) => {
        this.fail(err.message);
        this.sock.destroy();
      },
    );
  }

  /** Ends the connection after what is already written (FINs included); destroys it if it lingers. */
  close(): void {
    if (this.isClosed || this.closing) return;
    this.closing = true;
    this.beforeClose();
    this.link.end();
    setTimeout(() => this.sock.destroy(), 1000).unref();
  }

  protected fail(message: string): void {
    if (this.closing && this.isReady) return;
    this.errors++;
    if (this.lastError === '') this.lastError = message;
  }

  private onClose(): void {
    if (!this.closing && !this.isClosed) this.fail('connection closed by the server');
    this.isClosed = true;
    this.resolveReady(false);
    this.resolveClosed();
    this.afterClose();
  }

  private onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    this.chunkAt = nowAbsMs();
    const end = buf.length;
    let pos = 0;
    while (end - pos >= 8) {
      const size = buf.readUInt32BE(pos);
      if (size < 4) {
        this.fail(`invalid frame size ${size}`);
        this.sock.destroy();
        return;
      }
      if (end - pos - 4 < size) break;
      const type = buf.readUInt32BE(pos + 4);
      const data = pos + 8;
      pos += 4 + size;
      if (type === FRAME_MESSAGE) {
        this.onMessage(buf, data, pos);
      } else if (type === FRAME_RESPONSE) {
        if (pos - data === 2 && buf[data] === 0x4f && buf[data + 1] === 0x4b) {
          if (this.oksToSkip > 0) {
            if (--this.oksToSkip === 0) {
              this.isReady = true;
              this.resolveReady(true);
            }
          } else {
            this.onOk();
          }
        } else if (buf.toString('latin1', data, pos) === '_heartbeat_') {
          this.link.write(NOP);
        } else {
          this.fail(`unexpected response ${JSON.stringify(buf.toString('latin1', data, pos))}`);
        }
      } else if (type === FRAME_ERROR) {
        this.fail(buf.toString('utf8', data, pos));
        this.onErrorFrame();
      } else {
        this.fail(`unknown frame type ${type}`);
      }
    }
    if (pos < end) this.pending = buf.subarray(pos);
    this.onChunkEnd();
  }

  protected abstract onOk(): void;
  protected abstract onErrorFrame(): void;
  protected abstract onMessage(buf: Buffer, data: number, end: number): void;
  protected abstract onChunkEnd(): void;
  protected abstract beforeClose(): void;
  protected abstract afterClose(): void;
}

/** Publishes `template` commands: closed loop (`inFlight` outstanding) or paced by the owner (`send`). */
export class Producer extends NsqConn {
  sentCmds = 0;
  ackedCmds = 0;
  outstanding = 0;
  /** commands still allowed by --count (Infinity without one) */
  remaining: number;
  /** no new commands; closes once the outstanding ones are answered */
  stopping = false;
  lastAckAt = 0;
  /** send times of the outstanding commands, oldest first (responses arrive in order) */
  private readonly sentAt: Float64Array;
  private head = 0;

  constructor(
    host: string,
    port: number,
    readonly template: PublishTemplate,
    /** closed loop: commands kept in flight; 0: paced by the owner */
    readonly closedLoopInFlight: number,
    readonly maxOutstanding: number,
    remaining: number,
    readonly stamp: boolean,
    readonly ackHistogram: Histogram,
    clientId: string,
    features: WireFeatures,
  ) {
    super(host, port, clientId, null, 0, features);
    this.remaining = remaining;
    this.sentAt = new Float64Array(maxOutstanding);
  }

  /** room for this many more commands now */
  get room(): number {
    if (this.stopping || this.isClosed || this.closing) return 0;
    const r = Math.min(this.maxOutstanding - this.outstanding, this.template.copies, this.remaining);
    return r > 0 ? r : 0;
  }

  /** Writes `n` (<= room) commands in one write. */
  send(n: number, nowMs: number): void {
    const t = this.template;
    const out = this.stamp ? t.stamped(n, nowMs * 1000) : t.buf.subarray(0, n * t.cmdLen);
    this.link.write(out);
    const cap = this.maxOutstanding;
    let i = (this.head + this.outstanding) % cap;
    for (let k = 0; k < n; k++) {
      this.sentAt[i] = nowMs;
      if (++i === cap) i = 0;
    }
    this.outstanding += n;
    this.sentCmds += n;
    this.remaining -= n;
    if (this.remaining <= 0) this.stopping = true;
  }

  /** Closed loop: tops the pipe up to `closedLoopInFlight`. */
  pump(nowMs: number): void {
    const want = Math.min(this.closedLoopInFlight - this.outstanding, this.room);
    if (want > 0) this.send(want, nowMs);
  }

  /** Stops sending; the connection closes when the last outstanding command is answered. */
  stop(): void {
    this.stopping = true;
    if (this.outstanding === 0) this.close();
  }

  private settleOne(): boolean {
    if (this.outstanding === 0) return false;
    const at = this.sentAt[this.head]!;
    if (++this.head === this.maxOutstanding) this.head = 0;
    this.outstanding--;
    recordUs(this.ackHistogram, (this.chunkAt - at) * 1000);
    return true;
  }

  protected onOk(): void {
    if (this.settleOne()) {
      this.ackedCmds++;
      this.lastAckAt = this.chunkAt;
    } else {
      this.fail('OK without an outstanding command');
    }
  }

  protected onErrorFrame(): void {
    this.settleOne(); // the response to one command (E_PUB_FAILED, E_BAD_MESSAGE, ...)
  }

  protected onMessage(): void {
    this.fail('message frame on a publishing connection');
  }

  protected onChunkEnd(): void {
    if (this.stopping) {
      if (this.outstanding === 0) this.close();
    } else if (this.closedLoopInFlight > 0 && this.isReady) {
      this.pump(this.chunkAt);
    }
  }

  protected beforeClose(): void {}
  protected afterClose(): void {}
}

/** Subscribes to topic/channel and FINs everything it gets, FINs flushed in batches. */
export class Consumer extends NsqConn {
  received = 0;
  finished = 0;
  redelivered = 0;
  lastRecvAt = 0;
  private out: Buffer;
  private outLen = 0;
  private readonly finFlushAt: number;

  constructor(
    host: string,
    port: number,
    topic: string,
    channel: string,
    readonly rdy: number,
    /** end-to-end latency from the body's send stamp; null to skip */
    readonly e2eHistogram: Histogram | null,
    clientId: string,
    features: WireFeatures,
  ) {
    super(host, port, clientId, encodeCommand(`SUB ${topic} ${channel}`), 1, features);
    this.finFlushAt = Math.max(1, Math.floor(rdy * 0.75));
    this.out = Buffer.allocUnsafe((this.finFlushAt + 1) * FIN_LINE);
  }

  /** Opens the RDY window: messages start to flow. */
  start(): void {
    if (!this.isClosed && !this.closing) this.link.write(Buffer.from(`RDY ${this.rdy}\n`));
  }

  protected onMessage(buf: Buffer, data: number, end: number): void {
    this.received++;
    this.lastRecvAt = this.chunkAt;
    if (buf.readUInt16BE(data + 8) > 1) this.redelivered++;
    const h = this.e2eHistogram;
    if (h !== null && end - data >= MESSAGE_META + STAMP_BYTES) {
      recordUs(h, this.chunkAt * 1000 - buf.readDoubleLE(data + MESSAGE_META));
    }
    const o = this.outLen;
    const out = this.out;
    out.writeUInt32BE(0x46494e20, o); // "FIN "
    buf.copy(out, o + 4, data + 10, data + 26); // the 16-byte id, as is
    out[o + 20] = 0x0a;
    this.outLen = o + FIN_LINE;
    if (this.outLen >= this.finFlushAt * FIN_LINE) this.flush();
  }

  protected onChunkEnd(): void {
    this.flush();
  }

  private flush(): void {
    if (this.outLen === 0 || this.isClosed) return;
    this.link.write(this.out.subarray(0, this.outLen));
    this.finished += this.outLen / FIN_LINE;
    // a write that did not complete synchronously still references the buffer: hand it over
    if (this.link.retainsWrites || this.link.writableLength !== 0)
      this.out = Buffer.allocUnsafe(this.out.length);
    this.outLen = 0;
  }

  protected onOk(): void {
    this.fail('unexpected OK on a consuming connection');
  }

  protected onErrorFrame(): void {}

  protected beforeClose(): void {
    this.flush();
  }

  protected afterClose(): void {}
}
