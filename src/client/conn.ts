/**
 * One client connection to nsqd, as go-nsq's Conn: dial, magic, IDENTIFY (go-nsq's fields), the
 * upgrades nsqd agreed to (TLS, then deflate or snappy, each answered by an OK read through the new
 * layer), AUTH when nsqd asks, then frames in and commands out. Owns the byte pipe (transport.ts),
 * the handshake's raw input, the frame reader, the output buffer
 * (commands are copied into one buffer and written once per event-loop turn, so a chunk of messages
 * answered at once goes out as one write), the RDY this connection holds, its in-flight count and its
 * close: `close()` waits until every message it delivered is answered, then half-closes.
 * Heartbeats are answered with NOP here; everything else goes to the delegate (Consumer or Producer).
 */

import {
  encodeCommand,
  FRAME_ERROR,
  FRAME_MESSAGE,
  FRAME_RESPONSE,
  type Frame,
  FrameReader,
} from '../wire/encode.js';
import type { Config } from './config.js';
import type { ClientLog } from './log.js';
import { Message, type MessageResponder } from './message.js';
import {
  ClientTransport,
  dialTcp,
  type NegotiatedFeatures,
  type PipeOwner,
  tlsClientOptions,
} from './transport.js';

/** what a connection reports to its owner */
export interface ConnDelegate {
  onMessage(c: Conn, msg: Message): void;
  /** a response frame other than `_heartbeat_` (OK, CLOSE_WAIT) */
  onResponse(c: Conn, data: Buffer): void;
  /** an error frame (logged here first, as go-nsq's `protocol error - ...`) */
  onErrorFrame(c: Conn, data: Buffer): void;
  /** the socket failed or nsqd closed it while this side was not closing */
  onIOError(c: Conn, err: Error): void;
  /** a delivered message was answered: FIN, or REQ with or without backoff (go-nsq's OnResume/OnBackoff/OnContinue) */
  onMessageResponded(c: Conn, fin: boolean, backoff: boolean): void;
  /** the socket is closed; called once */
  onClose(c: Conn): void;
}

/** nsqd's IDENTIFY response (feature negotiation) */
export interface IdentifyResponse extends NegotiatedFeatures {
  max_rdy_count: number;
  version?: string;
  max_msg_timeout?: number;
  msg_timeout?: number;
  auth_required?: boolean;
  sample_rate?: number;
  output_buffer_size?: number;
  output_buffer_timeout?: number;
}

const MAGIC_V2 = Buffer.from('  V2', 'latin1');
const HEARTBEAT = Buffer.from('_heartbeat_', 'latin1');
const NOP = Buffer.from('NOP\n', 'latin1');
const FIN_PREFIX = Buffer.from('FIN ', 'latin1');
/** bytes of one FIN command: `FIN <16-byte id>\n` */
const FIN_SIZE = 21;
/** the output buffer: commands smaller than what is left are copied in; larger ones are written alone */
const OUT_SIZE = 64 * 1024;
/** handshake input held before its frame is whole (IDENTIFY's JSON, AUTH's reply: a few hundred bytes) */
const HANDSHAKE_INPUT_LIMIT = 1024 * 1024;
/** how long a half-closed socket may wait for nsqd to close its side before it is destroyed */
const CLOSE_WAIT_LIMIT_MS = 5000;

/** go-nsq's IDENTIFY body */
function identifyBody(cfg: Config): Buffer {
  const ms = (d: number): number => (d === -1 ? -1 : Math.trunc(d));
  return Buffer.from(
    JSON.stringify({
      client_id: cfg.clientId,
      hostname: cfg.hostname,
      user_agent: cfg.userAgent,
      short_id: cfg.clientId,
      long_id: cfg.hostname,
      tls_v1: cfg.tlsV1,
      deflate: cfg.deflate,
      deflate_level: cfg.deflateLevel,
      snappy: cfg.snappy,
      feature_negotiation: true,
      heartbeat_interval: ms(cfg.heartbeatInterval),
      sample_rate: cfg.sampleRate,
      output_buffer_size: cfg.outputBufferSize,
      output_buffer_timeout: ms(cfg.outputBufferTimeout),
      msg_timeout: Math.trunc(cfg.msgTimeout),
    }),
    'utf8',
  );
}

export class Conn implements MessageResponder, PipeOwner {
  readonly address: string;
  private readonly cfg: Config;
  private readonly log: ClientLog;
  private readonly delegate: ConnDelegate;

  /** RDY last sent (go-nsq's rdyCount) */
  rdy = 0;
  /** nsqd's max_rdy_count from IDENTIFY */
  maxRdy = 2500;
  /** when RDY was last set above 0 / a message last arrived (ms, Date.now()) */
  lastRdyAt = 0;
  lastMsgAt = 0;
  /** messages delivered here and not answered yet */
  inFlight = 0;
  /** close() was called (go-nsq's closeFlag) */
  closing = false;
  closed = false;

  private pipe: ClientTransport | null = null;
  private readonly reader = new FrameReader();
  /**
   * input during the handshake, cut one frame per request: what follows a response may already be
   * in the next layer (compressed bytes after IDENTIFY's JSON), so nothing past it is parsed here
   */
  private hsInput: Buffer = Buffer.alloc(0);
  /** the handshake's request waiting for its frame (IDENTIFY, AUTH) */
  private pending: { resolve: (f: Frame) => void; reject: (err: Error) => void } | null = null;
  /** the handshake succeeded: the owner knows this connection and hears of its close */
  private connected = false;
  private out: Buffer = Buffer.allocUnsafe(OUT_SIZE);
  private outLen = 0;
  private flushQueued = false;
  private closeBegun = false;
  private closeTimer: NodeJS.Timeout | null = null;

  /** log go-nsq's conn teardown lines (a Consumer's; a stopping go-nsq Producer exits before they print) */
  private readonly logClose: boolean;

  constructor(address: string, cfg: Config, log: ClientLog, delegate: ConnDelegate, logClose = true) {
    this.address = address;
    this.logClose = logClose;
    this.cfg = cfg;
    this.log = log;
    this.delegate = delegate;
  }

  /**
   * Dials, sends the magic and IDENTIFY, upgrades the pipe as nsqd answered (go-nsq's identify: TLS,
   * deflate, snappy), and AUTHs when asked; rejects with go-nsq's error texts.
   */
  async connect(): Promise<IdentifyResponse | null> {
    const socket = await dialTcp(this.address, this.cfg);
    const pipe = new ClientTransport(socket, this.address, this.cfg.readTimeout, this);
    this.pipe = pipe;
    try {
      pipe.write(MAGIC_V2);
      const frame = await this.request(encodeCommand('IDENTIFY', identifyBody(this.cfg)));
      if (frame.type === FRAME_ERROR) throw new Error(frame.data.toString('utf8'));
      if (frame.data[0] !== 0x7b) {
        this.handshakeDone();
        return null; // not JSON: an old nsqd without feature negotiation
      }
      const resp = JSON.parse(frame.data.toString('utf8')) as IdentifyResponse;
      this.log.conn('debug', this.address, `IDENTIFY response: ${frame.data.toString('utf8')}`);
      if (typeof resp.max_rdy_count === 'number') this.maxRdy = resp.max_rdy_count;
      if (resp.tls_v1 === true) {
        this.log.conn('info', this.address, 'upgrading to TLS');
        await pipe.secure(tlsClientOptions(this.cfg, this.address), this.takeInput());
        await this.expectOk('TLS');
      }
      if (resp.deflate === true) {
        this.log.conn('info', this.address, 'upgrading to Deflate');
        await pipe.compress('deflate', this.cfg.deflateLevel, this.takeInput());
        await this.expectOk('Deflate');
      }
      if (resp.snappy === true) {
        this.log.conn('info', this.address, 'upgrading to Snappy');
        await pipe.compress('snappy', 0, this.takeInput());
        await this.expectOk('Snappy');
      }
      if (resp.auth_required === true) await this.auth();
      this.handshakeDone();
      return resp;
    } catch (err) {
      this.destroy();
      const reason = err instanceof Error ? err.message : String(err);
      if (reason.startsWith('Auth') || reason.startsWith('Error authenticating')) throw err;
      throw new Error(`failed to IDENTIFY - ${reason}`);
    }
  }

  /** an upgrade's answer, read through the new layer: `OK`, else go-nsq's `invalid response from X upgrade` */
  private async expectOk(what: string): Promise<void> {
    const f = await this.request(null);
    if (f.type !== FRAME_RESPONSE || f.data.length !== 2 || f.data.toString('latin1') !== 'OK') {
      throw new Error(`invalid response from ${what} upgrade`);
    }
  }

  /** the handshake's unparsed input (it belongs to the layer being switched on) */
  private takeInput(): Buffer | null {
    const b = this.hsInput;
    this.hsInput = Buffer.alloc(0);
    return b.length > 0 ? b : null;
  }

  /** from here on input is frames for the owner; any read past the handshake is parsed next turn */
  private handshakeDone(): void {
    this.connected = true;
    const rest = this.takeInput();
    if (rest !== null) setImmediate(() => this.onPlain(rest));
  }

  private async auth(): Promise<void> {
    if (this.cfg.authSecret === '') {
      this.log.conn('error', this.address, 'Auth Required');
      throw new Error('Auth Required');
    }
    const frame = await this.request(encodeCommand('AUTH', Buffer.from(this.cfg.authSecret, 'utf8')));
    if (frame.type === FRAME_ERROR) {
      const err = new Error(`Error authenticating ${frame.data.toString('utf8')}`);
      this.log.conn('error', this.address, `Auth Failed ${err.message}`);
      throw err;
    }
    const r = JSON.parse(frame.data.toString('utf8')) as {
      identity?: string;
      identity_url?: string;
      permission_count?: number;
    };
    this.log.conn(
      'info',
      this.address,
      `Auth accepted. Identity: ${JSON.stringify(r.identity ?? '')} ${r.identity_url ?? ''} Permissions: ${r.permission_count ?? 0}`,
    );
  }

  /** writes `cmd` (if any) and resolves with the next frame (handshake only) */
  private request(cmd: Buffer | null): Promise<Frame> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      if (cmd !== null) this.pipe!.write(cmd);
      this.handshakeFrame();
    });
  }

  /** hands the pending request its frame once the handshake input holds one whole */
  private handshakeFrame(): void {
    const buf = this.hsInput;
    if (this.pending === null || buf.length < 8) return;
    const size = buf.readUInt32BE(0);
    if (size < 4) {
      this.ioError(new Error(`FrameReader: invalid frame size ${size}`));
      return;
    }
    if (buf.length - 4 < size) return;
    const p = this.pending;
    this.pending = null;
    this.hsInput = buf.subarray(4 + size);
    p.resolve({ type: buf.readUInt32BE(4), data: buf.subarray(8, 4 + size) });
  }

  /** PipeOwner: plaintext from nsqd */
  onPlain(chunk: Buffer): void {
    if (!this.connected) {
      if (this.hsInput.length + chunk.length > HANDSHAKE_INPUT_LIMIT) {
        this.ioError(new Error('handshake response too large'));
        return;
      }
      this.hsInput = this.hsInput.length === 0 ? chunk : Buffer.concat([this.hsInput, chunk]);
      this.handshakeFrame();
      return;
    }
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      this.ioError(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    let now = 0;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      if (f.type === FRAME_MESSAGE) {
        if (now === 0) now = Date.now();
        this.inFlight++;
        this.lastMsgAt = now;
        this.delegate.onMessage(this, new Message(f.data, this));
      } else if (f.type === FRAME_RESPONSE) {
        if (f.data.equals(HEARTBEAT)) {
          this.log.conn('debug', this.address, 'heartbeat received');
          this.write(NOP);
        } else {
          this.delegate.onResponse(this, f.data);
        }
      } else if (f.type === FRAME_ERROR) {
        this.log.conn('error', this.address, `protocol error - ${f.data.toString('utf8')}`);
        this.delegate.onErrorFrame(this, f.data);
      } else {
        this.ioError(new Error(`unknown frame type ${f.type}`));
      }
    }
  }

  /** queues a command; everything queued in this turn goes out in one write */
  write(cmd: Uint8Array): void {
    if (this.pipe === null || this.closed) return;
    if (cmd.length > this.out.length - this.outLen) {
      this.flush();
      if (cmd.length > this.out.length) {
        this.pipe.write(cmd);
        return;
      }
    }
    this.out.set(cmd, this.outLen);
    this.outLen += cmd.length;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  /** writes what is queued now */
  flush(): void {
    this.flushQueued = false;
    if (this.outLen === 0 || this.pipe === null || this.closed) return;
    // the stream keeps the buffer until it is written: hand it over and start a fresh one
    const data = this.out.subarray(0, this.outLen);
    const left = this.out.length - this.outLen;
    if (left >= 4096) {
      this.out = this.out.subarray(this.outLen);
    } else {
      this.out = Buffer.allocUnsafe(OUT_SIZE);
    }
    this.outLen = 0;
    this.pipe.write(data);
  }

  /** bytes the socket holds unwritten (the peer is not reading them fast enough) */
  get writableLength(): number {
    return (this.pipe?.writableLength ?? 0) + this.outLen;
  }

  /** sets RDY (the caller, the Consumer, owns the accounting) */
  sendRdy(count: number): void {
    this.write(Buffer.from(`RDY ${count}\n`, 'latin1'));
  }

  /** MessageResponder: FIN or REQ, as go-nsq's writeLoop (count down, tell the owner, write) */
  respond(msg: Message, fin: boolean, delayMs: number, backoff: boolean): void {
    if (this.closed) return;
    this.inFlight--;
    this.delegate.onMessageResponded(this, fin, backoff);
    if (fin) {
      if (FIN_SIZE > this.out.length - this.outLen) this.flush();
      const o = this.outLen;
      this.out.set(FIN_PREFIX, o);
      msg.raw.copy(this.out, o + 4, 10, 26);
      this.out[o + 20] = 0x0a;
      this.outLen = o + FIN_SIZE;
      this.scheduleFlush();
    } else {
      let delay = delayMs;
      if (delay === -1)
        delay = Math.min(this.cfg.defaultRequeueDelay * msg.attempts, this.cfg.maxRequeueDelay);
      this.write(Buffer.from(`REQ ${msg.id} ${Math.trunc(delay)}\n`, 'latin1'));
    }
    if (this.inFlight === 0 && this.closing) this.beginClose();
  }

  /** MessageResponder: TOUCH */
  touch(msg: Message): void {
    this.write(Buffer.from(`TOUCH ${msg.id}\n`, 'latin1'));
  }

  /** go-nsq's Conn.Close: no more reads once every delivered message is answered, then close */
  close(): void {
    this.closing = true;
    if (this.inFlight === 0) this.beginClose();
    else this.log.conn('warn', this.address, `delaying close, ${this.inFlight} outstanding messages`);
  }

  private beginClose(): void {
    if (this.closeBegun) return;
    this.closeBegun = true;
    if (this.logClose) this.log.conn('info', this.address, 'beginning close');
    this.flush();
    if (this.pipe === null || this.closed) return;
    this.pipe.end();
    this.closeTimer = setTimeout(() => this.destroy(), CLOSE_WAIT_LIMIT_MS);
    this.closeTimer.unref();
  }

  /** closes the socket at once */
  destroy(): void {
    this.closing = true;
    this.pipe?.destroy();
  }

  /** PipeOwner: the pipe failed or ended */
  onPipeError(err: Error): void {
    this.ioError(err);
  }

  private ioError(err: Error): void {
    if (!this.connected) {
      const p = this.pending;
      this.pending = null;
      p?.reject(err);
      this.pipe?.destroy();
      return;
    }
    if (this.closing || this.closed) return;
    this.closing = true;
    this.log.conn('error', this.address, `IO error - ${err.message}`);
    this.delegate.onIOError(this, err);
    this.pipe?.destroy();
  }

  /** PipeOwner: the socket closed */
  onPipeClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    if (!this.connected) {
      const p = this.pending;
      this.pending = null;
      p?.reject(new Error('EOF'));
      return;
    }
    if (this.closeBegun && this.logClose) {
      for (const line of [
        'readLoop exiting',
        'breaking out of writeLoop',
        'writeLoop exiting',
        'finished draining, cleanup exiting',
        'clean close complete',
      ])
        this.log.conn('info', this.address, line);
    }
    this.delegate.onClose(this);
  }
}
