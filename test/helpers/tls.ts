/**
 * TLS for the tests: the fixture certificates (test/fixtures/tls: a CA, a server certificate for
 * 127.0.0.1 and localhost, a client certificate the CA signed, and a self-signed "rogue" client),
 * broker options that turn TLS on, and a raw byte reader to check upgrade sequences byte by byte.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Options } from '../../src/nsqd/options/options.js';

/** the fixtures sit in the source tree: dist/test/helpers → test/fixtures/tls */
const DIR = fileURLToPath(new URL('../../../test/fixtures/tls/', import.meta.url));

export const fixture = (name: string): string => `${DIR}${name}`;
export const pem = (name: string): Buffer => readFileSync(fixture(name));

/** a broker with the fixture server certificate (HTTPS on a free port) */
export function tlsOptions(extra: Partial<Options> = {}): Partial<Options> {
  return {
    tlsCert: fixture('server.pem'),
    tlsKey: fixture('server.key'),
    httpsAddress: '127.0.0.1:0',
    ...extra,
  };
}

/** bytes arriving on a stream, read back in exact amounts; every read bounded by a timeout */
export class ByteQueue {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;

  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get length(): number {
    return this.buf.length;
  }

  /** exactly n bytes; rejects on end or after timeoutMs */
  async read(n: number, timeoutMs = 3000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buf.length < n) {
      if (this.ended) throw new Error(`stream ended after ${this.buf.length} of ${n} bytes`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.buf.length} of ${n} bytes`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** one frame: [size][type][data] */
  async frame(timeoutMs = 3000): Promise<{ type: number; data: Buffer }> {
    const head = await this.read(8, timeoutMs);
    const data = await this.read(head.readUInt32BE(0) - 4, timeoutMs);
    return { type: head.readUInt32BE(4), data };
  }

  /** resolves once the stream ended (true) or after timeoutMs (false) */
  async closed(timeoutMs = 3000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }
}
