/**
 * A raw V2 test client over a real socket (TCP, or a WebSocket to nsq-ts's --websocket-path): send
 * exact bytes, read exact frames, observe closes.
 * Every read is bounded by a timeout so a broken server fails the test instead of hanging it.
 */

import { connect, type Socket } from 'node:net';
import { createWebSocketStream, WebSocket } from 'ws';
import {
  type DecodedMessage,
  decodeMessage,
  encodeCommand,
  encodeMpubBody,
  FRAME_ERROR,
  FRAME_MESSAGE,
  FRAME_RESPONSE,
  type Frame,
  FrameReader,
} from '../../src/wire/encode.js';

export const MAGIC = Buffer.from('  V2');

export class WireClient {
  readonly socket: Socket;
  private readonly reader = new FrameReader();
  private readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  /** answer `_heartbeat_` with NOP automatically, like real clients */
  autoNop = true;
  heartbeats = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.reader.push(chunk)) {
        if (f.type === FRAME_RESPONSE && f.data.toString() === '_heartbeat_') {
          this.heartbeats++;
          if (this.autoNop && !this.closed) this.socket.write('NOP\n');
          continue;
        }
        this.frames.push(f);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, opts: { magic?: boolean } = {}): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => {
        const c = new WireClient(s);
        if (opts.magic !== false) s.write(MAGIC);
        resolve(c);
      });
      s.once('error', reject);
    });
  }

  /**
   * The same client over a WebSocket (nsq-ts --websocket-path): the `ws` package's stream of the
   * connection, whose writes go out as binary messages and whose messages are read as bytes. `ws`
   * is the client itself (close codes, its socket); a stream paused long enough pauses the socket.
   */
  static async connectWs(
    url: string,
    opts: { magic?: boolean } = {},
  ): Promise<{ c: WireClient; ws: WebSocket }> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    const stream = createWebSocketStream(ws);
    // ws's stream emits no 'close' of its own (emitClose: false): the socket's close is the client's
    ws.once('close', () => stream.emit('close'));
    // the stream stands in for the socket: WireClient uses only what both have
    const c = new WireClient(stream as unknown as Socket);
    if (opts.magic !== false) stream.write(MAGIC);
    return { c, ws };
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  cmd(line: string, body?: Buffer | string): void {
    this.socket.write(encodeCommand(line, typeof body === 'string' ? Buffer.from(body) : body));
  }

  pub(topic: string, body: string | Buffer): void {
    this.cmd(`PUB ${topic}`, body);
  }

  mpub(topic: string, bodies: (string | Buffer)[]): void {
    this.cmd(
      `MPUB ${topic}`,
      encodeMpubBody(bodies.map((b) => (typeof b === 'string' ? Buffer.from(b) : b))),
    );
  }

  identify(data: Record<string, unknown>): void {
    this.cmd('IDENTIFY', Buffer.from(JSON.stringify(data)));
  }

  /** the next frame, or throws after timeoutMs */
  async frame(timeoutMs = 3000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('connection closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.shift()!;
  }

  async response(timeoutMs?: number): Promise<string> {
    const f = await this.frame(timeoutMs);
    if (f.type !== FRAME_RESPONSE) throw new Error(`expected a response, got type ${f.type}: ${f.data}`);
    return f.data.toString();
  }

  async error(timeoutMs?: number): Promise<string> {
    const f = await this.frame(timeoutMs);
    if (f.type !== FRAME_ERROR) throw new Error(`expected an error, got type ${f.type}: ${f.data}`);
    return f.data.toString();
  }

  async message(timeoutMs?: number): Promise<DecodedMessage> {
    const f = await this.frame(timeoutMs);
    if (f.type !== FRAME_MESSAGE) throw new Error(`expected a message, got type ${f.type}: ${f.data}`);
    return decodeMessage(Buffer.from(f.data));
  }

  /** resolves once the server has closed the connection (throws after timeoutMs) */
  async waitClosed(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`connection still open after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** no frame arrives within ms (frames already queued count as arriving) */
  async quiet(ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.frames.length === 0;
  }

  get queued(): number {
    return this.frames.length;
  }

  /** half-close: send FIN and keep reading what the server still sends */
  end(): void {
    this.socket.end();
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** subscribe a fresh connection: magic, IDENTIFY (short heartbeat), SUB, and RDY */
export async function subscriber(
  port: number,
  topic: string,
  channel: string,
  rdy: number,
  identify: Record<string, unknown> = {},
): Promise<WireClient> {
  const c = await WireClient.connect(port);
  c.identify({ heartbeat_interval: 1000, output_buffer_timeout: 25, ...identify });
  const r = await c.response();
  if (!r.startsWith('OK') && !r.startsWith('{')) throw new Error(`IDENTIFY: ${r}`);
  c.cmd(`SUB ${topic} ${channel}`);
  const ok = await c.response();
  if (ok !== 'OK') throw new Error(`SUB: ${ok}`);
  if (rdy > 0) c.cmd(`RDY ${rdy}`);
  return c;
}

let topicSeq = 0;
/** a topic name unique within this process */
export function freshTopic(prefix = 't'): string {
  return `${prefix}-${process.pid}-${Date.now() % 100000}-${topicSeq++}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * The stats tests' consumer workload on a subscribed client: RDY 3, then RDY 0 once three messages
 * came; FIN the first, REQ the second for 60 s, and leave the third in flight. Returns the three.
 */
export async function finReqHold(s: WireClient): Promise<DecodedMessage[]> {
  s.cmd('RDY 3');
  const got = [await s.message(), await s.message(), await s.message()];
  s.cmd('RDY 0');
  s.cmd(`FIN ${got[0]!.id}`);
  s.cmd(`REQ ${got[1]!.id} 60000`);
  return got;
}
