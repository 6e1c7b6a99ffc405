/**
 * nsqd's QueryAnyAuthd: ask the auth servers (`--auth-http-address`, repeatable) in rotation from a
 * random one, stopping at the first valid reply, over node:http or node:https with nsqd's
 * `--http-client-connect-timeout`, `--http-client-request-timeout` and, for https servers,
 * `--tls-root-ca-file` and `--tls-min-version`. Asynchronous: a query never blocks the io thread.
 * Each exchange is bounded in time (the timeouts) and size (MAX_AUTH_REPLY); a 403 from a plain
 * http server is retried once over https on the port its JSON names, as nsqd's http_api client does.
 * Owns its requests only; what the reply grants is src/nsqd/auth/state.ts's.
 */

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { SecureVersion } from 'node:tls';
import { goDialError, goErrnoText, goPathError } from '../../go/errors.js';
import { goJsonString } from '../../go/json.js';
import { goQuote } from '../../go/quote.js';
import { decodeRune, runeOf, widthOf } from '../../go/utf8.js';
import { gotResponseError, httpsEndpoint, NSQ_V1_ACCEPT } from '../../http/go-client.js';
import type { Options } from '../options/options.js';
import { type AuthState, authStateFromReply } from './state.js';

/** nsq-ts reads at most this much of an auth server's reply (Go reads it all); more is a failed query */
export const MAX_AUTH_REPLY = 1 << 20;

/** what nsqd tells the auth server about a connection */
export interface AuthQuery {
  remoteIp: string;
  tls: boolean;
  /** the client certificate's subject common name, '' without one */
  commonName: string;
  /** the AUTH body as sent */
  secret: Uint8Array;
}

export interface AuthClientOptions {
  readonly addresses: readonly string[];
  readonly method: 'get' | 'post';
  /** ms; 0 = none, as Go */
  readonly connectTimeout: number;
  /** ms, the whole exchange; 0 = none, as Go */
  readonly requestTimeout: number;
  /** PEM of --tls-root-ca-file, null for the system's roots */
  readonly ca: Buffer | null;
  /** --tls-min-version (Go's number, 0x0301 = TLS 1.0) */
  readonly tlsMinVersion: number;
}

/** the codes of a dial that failed (Go's `dial tcp ...` errors) */
const DIAL_ERRORS = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Node's codes for a server certificate no root vouches for: Go's "signed by unknown authority" */
const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

interface Reply {
  status: number;
  statusText: string;
  body: Buffer;
}

export class AuthClient {
  constructor(readonly options: AuthClientOptions) {}

  /**
   * Every server once, from a random one, until one answers validly. Rejects with nsqd's error
   * text (`failed to auth against <addr> - <err>`, joined by `; `), or an AbortError once `signal`
   * aborts (the connection closed).
   */
  async query(q: AuthQuery, signal: AbortSignal): Promise<AuthState> {
    const all = this.options.addresses;
    const n = all.length;
    const start = Math.floor(Math.random() * n);
    let failures = '';
    for (let i = 0; i < n; i++) {
      const address = all[(i + start) % n]!;
      try {
        return await this.queryOne(address, q, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        const text = `failed to auth against ${address} - ${(err as Error).message}`;
        failures = failures === '' ? text : `${failures}; ${text}`;
      }
    }
    throw new Error(failures);
  }

  /** nsqd's QueryAuthd against one server */
  private async queryOne(address: string, q: AuthQuery, signal: AbortSignal): Promise<AuthState> {
    const endpoint = address.includes('://') ? address : `http://${address}/auth`;
    const values: [string, string | Uint8Array][] = [
      ['common_name', q.commonName],
      ['remote_ip', q.remoteIp],
      ['secret', q.secret],
      ['tls', q.tls ? 'true' : 'false'],
    ];
    const post = this.options.method === 'post';
    // GET: the values in the query (Go appends `?...` even to an endpoint that has a query);
    // POST: the JSON of Go's url.Values, every value an array
    let url = post ? endpoint : `${endpoint}?${queryEncode(values)}`;
    const body = post ? valuesJson(values) : null;
    let reply = await this.exchange(url, body, signal);
    if (reply.status === 403 && !url.startsWith('https')) {
      url = httpsEndpoint(url, reply.body);
      reply = await this.exchange(url, body, signal);
    }
    if (reply.status !== 200) {
      throw gotResponseError(reply.status, reply.statusText, reply.body);
    }
    return authStateFromReply(reply.body, Date.now());
  }

  /** one HTTP exchange, bounded by the timeouts and MAX_AUTH_REPLY; errors read as Go's url.Error */
  private exchange(url: string, body: string | null, signal: AbortSignal): Promise<Reply> {
    const o = this.options;
    const verb = body === null ? 'Get' : 'Post';
    const failure = (why: string): Error => new Error(`${verb} ${goQuote(url)}: ${why}`);
    return new Promise<Reply>((resolve, reject) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        reject(new Error(`parse ${goQuote(url)}: invalid URL`));
        return;
      }
      const secure = u.protocol === 'https:';
      if (!secure && u.protocol !== 'http:') {
        reject(failure(`unsupported protocol scheme ${goQuote(u.protocol.slice(0, -1))}`));
        return;
      }
      const hostPort = `${u.hostname}:${u.port === '' ? (secure ? 443 : 80) : u.port}`;
      const headers: Record<string, string> = { Accept: NSQ_V1_ACCEPT };
      if (body !== null) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      const base = { method: body === null ? 'GET' : 'POST', headers, agent: false as const, signal };
      const req = secure
        ? https.request(u, {
            ...base,
            minVersion: secureVersion(o.tlsMinVersion),
            ...(o.ca !== null ? { ca: o.ca } : {}),
          })
        : http.request(u, base);
      const timers: NodeJS.Timeout[] = [];
      const done = (): void => {
        for (const t of timers) clearTimeout(t);
      };
      let answered = false;
      if (o.requestTimeout > 0) {
        timers.push(
          setTimeout(() => {
            req.destroy(
              failure(
                answered
                  ? 'context deadline exceeded (Client.Timeout or context cancellation while reading body)'
                  : 'net/http: timeout awaiting response headers (Client.Timeout exceeded while awaiting headers)',
              ),
            );
          }, o.requestTimeout),
        );
      }
      req.on('socket', (socket) => {
        if (o.connectTimeout <= 0 || !socket.connecting) return;
        const t = setTimeout(() => {
          req.destroy(failure(`dial tcp ${hostPort}: i/o timeout`));
        }, o.connectTimeout);
        timers.push(t);
        socket.once('connect', () => clearTimeout(t));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        done();
        if (err.code !== undefined && DIAL_ERRORS.has(err.code)) {
          reject(failure(goDialError(hostPort, err)));
        } else if (err.code !== undefined && UNKNOWN_AUTHORITY.has(err.code)) {
          reject(failure('x509: certificate signed by unknown authority'));
        } else if (err.code === 'ECONNRESET') {
          reject(failure(`read tcp ${hostPort}: ${goErrnoText(err)}`));
        } else reject(err.message.startsWith(verb) || err.name === 'AbortError' ? err : failure(err.message));
      });
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_AUTH_REPLY) {
            req.destroy(failure(`reply larger than ${MAX_AUTH_REPLY} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => {
          done();
          reject(failure(err.message));
        });
        res.on('end', () => {
          done();
          const status = res.statusCode ?? 0;
          resolve({ status, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks) });
        });
      });
      req.end(body ?? undefined);
    });
  }
}

/** Go's url.QueryEscape byte by byte: unreserved bytes stay, space is `+`, the rest `%XX` */
function queryEscape(value: string | Uint8Array): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  let out = '';
  for (const b of bytes) {
    const unreserved =
      (b >= 0x30 && b <= 0x39) ||
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      b === 0x2d ||
      b === 0x2e ||
      b === 0x5f ||
      b === 0x7e;
    if (unreserved) out += String.fromCharCode(b);
    else if (b === 0x20) out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's url.Values.Encode (the keys are already sorted) */
function queryEncode(values: readonly [string, string | Uint8Array][]): string {
  return values.map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`).join('&');
}

/** json.Marshal(url.Values): keys sorted, each value a one-element array; bytes as a Go string */
function valuesJson(values: readonly [string, string | Uint8Array][]): string {
  const fields = values.map(([k, v]) => {
    const s = typeof v === 'string' ? v : goString(v);
    return `${goJsonString(k)}:[${goJsonString(s)}]`;
  });
  return `{${fields.join(',')}}`;
}

/** Go's string(bytes) as json.Marshal writes it: each invalid UTF-8 byte is U+FFFD */
function goString(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const packed = decodeRune(bytes, i, bytes.length);
    out += String.fromCodePoint(runeOf(packed));
    i += widthOf(packed);
  }
  return out;
}

/** Go's TLS version number as Node's name (Node has no SSL 3.0: its lowest is TLS 1.0) */
function secureVersion(v: number): SecureVersion {
  if (v >= 0x0304) return 'TLSv1.3';
  if (v === 0x0303) return 'TLSv1.2';
  if (v === 0x0302) return 'TLSv1.1';
  return 'TLSv1';
}

/**
 * The auth client the options ask for, or null when no --auth-http-address is set (AUTH disabled).
 * Reads --tls-root-ca-file now, as nsqd builds its client TLS config at start-up: an unreadable
 * file or one without a certificate fails the start with nsqd's words.
 */
export function authClientFromOptions(o: Options): AuthClient | null {
  if (o.authHttpAddresses.length === 0) return null;
  let ca: Buffer | null = null;
  if (o.tlsRootCaFile !== '') {
    try {
      ca = readFileSync(o.tlsRootCaFile);
    } catch (err) {
      throw new Error(`failed to build client TLS config - ${goPathError('open', o.tlsRootCaFile, err)}`);
    }
    try {
      new X509Certificate(ca);
    } catch {
      throw new Error('failed to build client TLS config - failed to append certificate to pool');
    }
  }
  return new AuthClient({
    addresses: o.authHttpAddresses,
    method: o.authHttpRequestMethod,
    connectTimeout: o.httpClientConnectTimeout,
    requestTimeout: o.httpClientRequestTimeout,
    ca,
    tlsMinVersion: o.tlsMinVersion,
  });
}
