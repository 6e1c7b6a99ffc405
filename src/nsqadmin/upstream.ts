/**
 * nsqadmin's HTTP client to nsqd, nsqlookupd, graphite and the notification endpoint, as Go's
 * internal/http_api Client: `Accept: application/vnd.nsq; version=1.0`, a connect timeout and a
 * request timeout, a 403 `{"https_port":N}` answer retried once over HTTPS, and Go's error texts
 * (`got response 404 Not Found "{...}"`, `Get "<url>": dial tcp <addr>: connect: connection refused`).
 * Owns its keep-alive agents; knows no endpoint's meaning.
 */

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { goErrnoText } from '../go/errors.js';
import { goQuote } from '../go/quote.js';
import { statusText } from '../http/adapter.js';
import { gotResponseError, httpsEndpoint, NSQ_V1_ACCEPT } from '../http/go-client.js';

export interface UpstreamTls {
  insecureSkipVerify: boolean;
  rootCaFile: string;
  cert: string;
  key: string;
}

/** the most of an upstream answer read (a /stats with many clients stays far below) */
const MAX_BODY = 64 << 20;

/** an upstream failure, its message Go's error text */
export class UpstreamError extends Error {}

export interface RawResponse {
  status: number;
  body: Buffer;
}

function goMethod(method: string): string {
  return method[0] + method.slice(1).toLowerCase();
}

/** Go's *url.Error around a dial/transport error */
function transportText(method: string, url: string, host: string, err: NodeJS.ErrnoException): string {
  const prefix = `${goMethod(method)} ${goQuote(url)}: `;
  switch (err.code) {
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${prefix}dial tcp ${host}: connect: ${err.code === 'ECONNREFUSED' ? 'connection refused' : goErrnoText(err)}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${prefix}dial tcp: lookup ${new URL(url).hostname}: no such host`;
    case 'ECONNRESET':
      return `${prefix}read tcp ${host}: read: connection reset by peer`;
    case 'DIAL_TIMEOUT':
      return `${prefix}dial tcp ${host}: i/o timeout`;
    case 'REQUEST_TIMEOUT':
      return `${prefix}context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
    default:
      return `${prefix}${err.message}`;
  }
}

export class Upstream {
  private readonly connectTimeout: number;
  private readonly requestTimeout: number;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly httpsAgent: https.Agent;

  constructor(connectTimeoutMs: number, requestTimeoutMs: number, tls: UpstreamTls) {
    this.connectTimeout = connectTimeoutMs;
    this.requestTimeout = requestTimeoutMs;
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: 16,
      rejectUnauthorized: !tls.insecureSkipVerify,
      ...(tls.rootCaFile !== '' ? { ca: readFileSync(tls.rootCaFile) } : {}),
      ...(tls.cert !== '' ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : {}),
    });
  }

  /** one request; resolves any HTTP answer, rejects with Go's transport error text */
  request(
    method: string,
    url: string,
    body: string | null = null,
    headers: Record<string, string> = {},
  ): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        reject(new UpstreamError(`parse ${goQuote(url)}: invalid URL`));
        return;
      }
      const secure = u.protocol === 'https:';
      const host = u.port !== '' ? u.host : `${u.host}:${secure ? 443 : 80}`;
      let done = false;
      const fail = (err: NodeJS.ErrnoException): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.destroy();
        reject(new UpstreamError(transportText(method, url, host, err)));
      };
      const timer = setTimeout(() => {
        const e = new Error('timeout') as NodeJS.ErrnoException;
        e.code = 'REQUEST_TIMEOUT';
        fail(e);
      }, this.requestTimeout);
      const req = (secure ? https : http).request(url, {
        method,
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: {
          Accept: NSQ_V1_ACCEPT,
          'User-Agent': 'Go-http-client/1.1',
          ...headers,
          ...(body !== null
            ? { 'Content-Length': String(Buffer.byteLength(body)) }
            : { 'Content-Length': '0' }),
        },
      });
      req.on('socket', (sock) => {
        if (!sock.connecting) return;
        const dial = setTimeout(() => {
          const e = new Error('dial timeout') as NodeJS.ErrnoException;
          e.code = 'DIAL_TIMEOUT';
          fail(e);
        }, this.connectTimeout);
        sock.once('connect', () => clearTimeout(dial));
        sock.once('close', () => clearTimeout(dial));
      });
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) {
            fail(Object.assign(new Error('http: response body too large'), { code: 'EBIG' }));
            return;
          }
          chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks, size) });
        });
      });
      req.end(body ?? undefined);
    });
  }

  /** GETV1/POSTV1: 200 → parsed JSON (POST: undefined), 403 with https_port → once more over https */
  private async v1(method: 'GET' | 'POST', endpoint: string): Promise<unknown> {
    let url = endpoint;
    for (let attempt = 0; ; attempt++) {
      const res = await this.request(method, url);
      if (res.status === 200) {
        if (method === 'POST') return undefined;
        try {
          return JSON.parse(res.body.toString('utf8')) as unknown;
        } catch (err) {
          throw new UpstreamError((err as Error).message);
        }
      }
      if (res.status === 403 && !url.startsWith('https') && attempt === 0) {
        url = httpsEndpoint(url, res.body);
        continue;
      }
      throw gotResponseError(res.status, statusText(res.status), res.body);
    }
  }

  getV1(endpoint: string): Promise<unknown> {
    return this.v1('GET', endpoint);
  }

  async postV1(endpoint: string): Promise<void> {
    await this.v1('POST', endpoint);
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
