/**
 * The "tail" view's server side (nsq-ts, beyond Go's nsqadmin; what nsq_tail does): a session per
 * open view subscribes to the topic on every producer over TCP on its own `#ephemeral` channel, so
 * no real channel loses a message, finishes each message at once and keeps the newest ones in a
 * bounded buffer that the browser polls. A session closes when its view says so or stops polling;
 * nsqd then deletes the ephemeral channel. Owns the sessions and their sockets.
 */

import { randomBytes } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import {
  decodeMessage,
  encodeCommand,
  FRAME_ERROR,
  FRAME_MESSAGE,
  FRAME_RESPONSE,
  FrameReader,
} from '../../wire/encode.js';

/** messages a session keeps (older ones fall off) */
export const TAIL_BUFFER = 200;
/** bytes of a message body kept for display */
export const TAIL_BODY_BYTES = 16 * 1024;
/** open sessions at most */
export const MAX_TAILS = 16;
/** a session no browser polled for this long is closed */
export const TAIL_IDLE_MS = 30_000;
/** a frame larger than this closes the connection (nsqd's default --max-msg-size is 1 MiB) */
const MAX_FRAME_BYTES = 8 << 20;

export interface TailMessage {
  seq: number;
  id: string;
  node: string;
  timestamp: number;
  attempts: number;
  size: number;
  /** utf8 text, or base64 when `binary` */
  body: string;
  binary: boolean;
  truncated: boolean;
}

export interface TailTarget {
  /** the producer's HTTP address (the node's name in the UI) */
  node: string;
  /** broadcast_address:tcp_port */
  tcp: string;
}

class TailSession {
  readonly id = randomBytes(12).toString('base64url');
  readonly topic: string;
  readonly channel: string;
  readonly messages: TailMessage[] = [];
  readonly errors: string[] = [];
  private seq = 0;
  private readonly sockets: net.Socket[] = [];
  lastPoll = Date.now();
  closed = false;

  constructor(topic: string, targets: readonly TailTarget[]) {
    this.topic = topic;
    this.channel = `nsqadmin_tail_${randomBytes(4).toString('hex')}#ephemeral`;
    for (const t of targets) this.connect(t);
  }

  private connect(t: TailTarget): void {
    const i = t.tcp.lastIndexOf(':');
    const host = t.tcp.slice(0, i).replace(/^\[|\]$/g, '');
    const sock = net.connect({ host, port: Number(t.tcp.slice(i + 1)) });
    this.sockets.push(sock);
    const reader = new FrameReader();
    sock.setNoDelay(true);
    sock.on('connect', () => {
      const identify = JSON.stringify({
        client_id: 'nsqadmin-tail',
        hostname: os.hostname(),
        user_agent: 'nsqadmin-tail/nsq-ts',
        heartbeat_interval: 30_000,
      });
      sock.write(Buffer.from('  V2'));
      sock.write(encodeCommand('IDENTIFY', Buffer.from(identify)));
      sock.write(encodeCommand(`SUB ${this.topic} ${this.channel}`));
      sock.write(encodeCommand('RDY 32'));
    });
    sock.on('data', (chunk: Buffer) => {
      if (reader.buffered + chunk.length > MAX_FRAME_BYTES) {
        this.errors.push(`${t.node}: frame larger than ${MAX_FRAME_BYTES} bytes`);
        sock.destroy();
        return;
      }
      let frames: ReturnType<FrameReader['push']>;
      try {
        frames = reader.push(chunk);
      } catch (err) {
        this.errors.push(`${t.node}: ${(err as Error).message}`);
        sock.destroy();
        return;
      }
      for (const f of frames) {
        if (f.type === FRAME_RESPONSE) {
          if (f.data.toString() === '_heartbeat_') sock.write(encodeCommand('NOP'));
        } else if (f.type === FRAME_ERROR) {
          this.errors.push(`${t.node}: ${f.data.toString()}`);
        } else if (f.type === FRAME_MESSAGE) {
          const m = decodeMessage(f.data);
          sock.write(encodeCommand(`FIN ${m.id}`));
          this.add(t.node, m.id, m.timestampNs, m.attempts, m.body);
        }
      }
    });
    sock.on('error', (err) => {
      if (!this.closed) this.errors.push(`${t.node}: ${err.message}`);
    });
    sock.on('close', () => {
      if (!this.closed) this.errors.push(`${t.node}: connection closed`);
    });
  }

  private add(node: string, id: string, ts: bigint, attempts: number, body: Buffer): void {
    const kept = body.subarray(0, TAIL_BODY_BYTES);
    const text = kept.toString('utf8');
    const binary = !Buffer.from(text, 'utf8').equals(kept);
    this.messages.push({
      seq: ++this.seq,
      id,
      node,
      timestamp: Number(ts / 1_000_000n),
      attempts,
      size: body.length,
      body: binary ? kept.toString('base64') : text,
      binary,
      truncated: body.length > TAIL_BODY_BYTES,
    });
    if (this.messages.length > TAIL_BUFFER) this.messages.splice(0, this.messages.length - TAIL_BUFFER);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets) {
      if (s.writable) s.end(encodeCommand('CLS'));
      setTimeout(() => s.destroy(), 500).unref();
    }
  }
}

export class TailManager {
  private readonly sessions = new Map<string, TailSession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.sweep(), 5_000);
    this.sweeper.unref();
  }

  /** a new session, or null when MAX_TAILS are open */
  open(topic: string, targets: readonly TailTarget[]): { id: string; channel: string } | null {
    this.sweep();
    if (this.sessions.size >= MAX_TAILS) return null;
    const s = new TailSession(topic, targets);
    this.sessions.set(s.id, s);
    return { id: s.id, channel: s.channel };
  }

  /** messages after `after`, the errors met so far; null for an unknown (or closed) session */
  poll(
    id: string,
    after: number,
  ): { topic: string; channel: string; messages: TailMessage[]; errors: string[] } | null {
    const s = this.sessions.get(id);
    if (s === undefined) return null;
    s.lastPoll = Date.now();
    return {
      topic: s.topic,
      channel: s.channel,
      messages: s.messages.filter((m) => m.seq > after),
      errors: [...s.errors],
    };
  }

  close(id: string): boolean {
    const s = this.sessions.get(id);
    if (s === undefined) return false;
    s.close();
    this.sessions.delete(id);
    return true;
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (now - s.lastPoll > TAIL_IDLE_MS) this.close(id);
  }

  closeAll(): void {
    clearInterval(this.sweeper);
    for (const id of [...this.sessions.keys()]) this.close(id);
  }
}
