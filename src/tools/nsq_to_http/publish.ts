/**
 * nsq_to_http's requests: POST the body (success = any 2xx) or GET the address with `%s` replaced
 * by the query-escaped body (success = exactly 200), with Go's User-Agent, Content-Type and custom
 * headers, a connect timeout and a whole-request timeout on a keep-alive agent; the response body is
 * read and discarded. Errors carry Go's texts (`got status code 500`, `Post "<url>": dial tcp ...`).
 */

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { goQuote } from '../../go/quote.js';
import { NSQ_VERSION } from '../common/program.js';

const USER_AGENT = `nsq_to_http v${NSQ_VERSION}`;

const NET_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
};

/** Go's url.QueryEscape over the body's bytes: unreserved bytes kept, space → '+', the rest %XX */
export function queryEscape(body: Uint8Array): string {
  let out = '';
  for (const b of body) {
    if (
      (b >= 0x30 && b <= 0x39) ||
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      b === 0x2d ||
      b === 0x2e ||
      b === 0x5f ||
      b === 0x7e
    ) {
      out += String.fromCharCode(b);
    } else if (b === 0x20) {
      out += '+';
    } else {
      out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/** Go's fmt.Sprintf(addr, escaped) for an address with exactly one %s (%% → %) */
export function fillGetAddress(addr: string, escaped: string): string {
  return addr.replace(/%%|%s/g, (m) => (m === '%%' ? '%' : escaped));
}

export interface PublisherOptions {
  method: 'GET' | 'POST';
  contentType: string;
  headers: ReadonlyMap<string, string>;
  /** ms */
  connectTimeout: number;
  requestTimeout: number;
}

export class HttpPublisher {
  private readonly http = new HttpAgent({
    keepAlive: true,
    maxSockets: Number.POSITIVE_INFINITY,
    maxFreeSockets: 100,
  });
  private readonly https = new HttpsAgent({ keepAlive: true, maxFreeSockets: 100 });
  private readonly baseHeaders: Record<string, string>;

  constructor(private readonly o: PublisherOptions) {
    const h: Record<string, string> = { 'User-Agent': USER_AGENT };
    if (o.method === 'POST') h['Content-Type'] = o.contentType;
    // custom headers are set last: they override
    for (const [k, v] of o.headers) {
      for (const existing of Object.keys(h))
        if (existing.toLowerCase() === k.toLowerCase()) delete h[existing];
      h[k] = v;
    }
    this.baseHeaders = h;
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  /** Publish(addr, body): resolves on success, rejects with Go's error text */
  publish(addr: string, body: Buffer): Promise<void> {
    const endpoint = this.o.method === 'GET' ? fillGetAddress(addr, queryEscape(body)) : addr;
    const verb = this.o.method === 'GET' ? 'Get' : 'Post';
    return new Promise((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(endpoint);
      } catch {
        reject(new Error(`parse ${goQuote(endpoint)}: invalid URI for request`));
        return;
      }
      const prefix = `${verb} ${goQuote(endpoint)}: `;
      const secure = url.protocol === 'https:';
      const hostPort = `${url.hostname}:${url.port || (secure ? '443' : '80')}`;
      let done = false;
      const finish = (err: string | null): void => {
        if (done) return;
        done = true;
        clearTimeout(total);
        if (err === null) resolve();
        else reject(new Error(err));
      };
      /** the status once the headers arrived (null before) */
      let status: number | null = null;
      const statusResult = (code: number): string | null => {
        const ok = this.o.method === 'GET' ? code === 200 : code >= 200 && code < 300;
        return ok ? null : `got status code ${code}`;
      };
      // Go's transport (ResponseHeaderTimeout) and client (Timeout) share --http-client-request-timeout:
      // before the headers it is the transport's error; after them the body read is cut and, as
      // Go's handler ignores its io.Copy error, the status alone decides
      const total = setTimeout(() => {
        finish(
          status === null
            ? `${prefix}net/http: timeout awaiting response headers (Client.Timeout exceeded while awaiting headers)`
            : statusResult(status),
        );
        req.destroy();
      }, this.o.requestTimeout);
      const headers =
        this.o.method === 'POST'
          ? { ...this.baseHeaders, 'Content-Length': String(body.length) }
          : this.baseHeaders;
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        { method: this.o.method, headers, agent: secure ? this.https : this.http },
        (res: IncomingMessage) => {
          status = res.statusCode ?? 0;
          res.resume();
          res.on('end', () => finish(statusResult(status ?? 0)));
          res.on('error', (err) => finish(`${prefix}${err.message}`));
        },
      );
      req.on('socket', (s: Socket) => {
        if (!s.connecting) return;
        const t = setTimeout(() => {
          finish(`${prefix}dial tcp ${hostPort}: i/o timeout`);
          req.destroy();
        }, this.o.connectTimeout);
        s.once('connect', () => clearTimeout(t));
        s.once('close', () => clearTimeout(t));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const text = NET_TEXT[err.code ?? ''];
        if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN')
          finish(`${prefix}dial tcp: lookup ${url.hostname}: no such host`);
        else if (text !== undefined) finish(`${prefix}dial tcp ${hostPort}: ${text}`);
        else finish(`${prefix}${err.message}`);
      });
      req.end(this.o.method === 'POST' ? body : undefined);
    });
  }
}
