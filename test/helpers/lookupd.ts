/**
 * nsqlookupd in tests: one started in-process on 127.0.0.1 port 0 (its log captured), a raw V1
 * client over a real socket (exact bytes out, `[size][data]` responses in, closes observed, every
 * read bounded by a timeout), and JSON/HTTP helpers for its API.
 */

import { connect, type Socket } from 'node:net';
import { Logger } from '../../src/log.js';
import { NSQLookupd } from '../../src/nsqlookupd/lookupd.js';
import { defaultLookupdOptions, type LookupdOptions } from '../../src/nsqlookupd/options.js';

export interface TestLookupd {
  lookupd: NSQLookupd;
  tcpPort: number;
  /** `http://127.0.0.1:<port>` */
  http: string;
  /** every log line so far */
  logs: string[];
  close(): Promise<void>;
}

/** starts nsqlookupd in-process on port 0 with `overrides`; logs are captured, not printed */
export async function startLookupd(overrides: Partial<LookupdOptions> = {}): Promise<TestLookupd> {
  const options: LookupdOptions = {
    ...defaultLookupdOptions(),
    tcpAddress: '127.0.0.1:0',
    httpAddress: '127.0.0.1:0',
    broadcastAddress: 'lookupd.test',
    ...overrides,
  };
  const logs: string[] = [];
  const log = new Logger(options.logLevel, options.logPrefix, (line) => logs.push(line));
  const lookupd = await NSQLookupd.start(options, log);
  return {
    lookupd,
    tcpPort: lookupd.tcpPort,
    http: `http://127.0.0.1:${lookupd.httpPort}`,
    logs,
    close: () => lookupd.close(),
  };
}

export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** `IDENTIFY\n[size][json]` */
export function identifyCommand(body: unknown): Buffer {
  const json = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return Buffer.concat([Buffer.from('IDENTIFY\n'), u32(json.length), json]);
}

/** an nsqd's IDENTIFY body as nsqd 1.3 sends it */
export function nsqdPeer(name: string, tcpPort = 4150, httpPort = 4151): Record<string, unknown> {
  return {
    version: '1.3.0',
    tcp_port: tcpPort,
    http_port: httpPort,
    hostname: `${name}.host`,
    broadcast_address: name,
    topology_zone: '',
    topology_region: '',
  };
}

const READ_TIMEOUT_MS = 3000;

export class V1Client {
  readonly socket: Socket;
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** connects and (unless `magic` is false) sends `  V1` */
  static connect(port: number, magic = true): Promise<V1Client> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => {
        if (magic) s.write('  V1');
        resolve(new V1Client(s));
      });
      s.once('error', reject);
    });
  }

  /** connects, sends the magic, IDENTIFYs as `peer` and reads the reply (parsed) */
  static async identified(port: number, peer: Record<string, unknown>): Promise<V1Client> {
    const c = await V1Client.connect(port);
    c.write(identifyCommand(peer));
    JSON.parse(await c.response());
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private wait(what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), READ_TIMEOUT_MS);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  /** the next `[int32 size][data]` response, as latin1 text; rejects if the connection closes first */
  async response(): Promise<string> {
    for (;;) {
      if (this.buf.length >= 4) {
        const n = this.buf.readInt32BE(0);
        if (this.buf.length >= 4 + n) {
          const data = this.buf.subarray(4, 4 + n).toString('latin1');
          this.buf = this.buf.subarray(4 + n);
          return data;
        }
      }
      if (this.closed) throw new Error('connection closed');
      await this.wait('a response');
    }
  }

  /** a command line and its response */
  async cmd(line: string): Promise<string> {
    this.write(`${line}\n`);
    return this.response();
  }

  /** resolves once the server has closed the connection (rejects after the read timeout) */
  async closedByServer(): Promise<void> {
    while (!this.closed) await this.wait('the close');
  }

  close(): void {
    this.socket.destroy();
  }
}

/** an HTTP call: status, the headers tests look at, and the body */
export async function call(
  url: string,
  method = 'GET',
): Promise<{ status: number; body: string; type: string | null; nsq: string | null }> {
  const res = await fetch(url, { method, redirect: 'manual' });
  return {
    status: res.status,
    body: await res.text(),
    type: res.headers.get('content-type'),
    nsq: res.headers.get('x-nsq-content-type'),
  };
}

/** GET a JSON document */
export async function getJson<T = unknown>(url: string): Promise<T> {
  const r = await call(url);
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
