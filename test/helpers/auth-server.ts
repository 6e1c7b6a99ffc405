/**
 * A real auth server for tests (node:http on 127.0.0.1 port 0), as nsqd's --auth-http-address
 * expects one: it records every request nsqd makes (method, path, raw query, body, headers) and
 * answers with what the test's `reply` function returns for it, optionally after a delay.
 */

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  /** the raw query string after `?` ('' without one) */
  rawQuery: string;
  /** the query (GET) or the JSON body's values (POST) as plain strings */
  values: Record<string, string>;
  body: string;
  headers: IncomingHttpHeaders;
}

export interface AuthReply {
  status?: number;
  /** an object is sent as JSON; a string as it is */
  body: unknown;
  /** ms to wait before answering */
  delayMs?: number;
}

/** a grant as an nsq auth server writes it */
export function grant(
  authorizations: { topic: string; channels: string[]; permissions: string[] }[],
  ttl = 3600,
  identity = 'alice',
  identityUrl = 'https://auth.example/alice',
): AuthReply {
  return { body: { ttl, identity, identity_url: identityUrl, authorizations } };
}

/** publish and subscribe on every topic and channel */
export const ALLOW_ALL = grant([{ topic: '.*', channels: ['.*'], permissions: ['publish', 'subscribe'] }]);

export class TestAuthServer {
  readonly requests: SeenRequest[] = [];
  /** what to answer; by default ALLOW_ALL */
  reply: (req: SeenRequest) => AuthReply = () => ALLOW_ALL;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** `host:port`, as --auth-http-address takes it */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestAuthServer> {
    let self: TestAuthServer | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = req.url ?? '';
        const q = url.indexOf('?');
        const rawQuery = q < 0 ? '' : url.slice(q + 1);
        const values: Record<string, string> = {};
        if (req.method === 'GET') {
          for (const [k, v] of new URLSearchParams(rawQuery)) values[k] = v;
        } else {
          for (const [k, v] of Object.entries(JSON.parse(body) as Record<string, string[]>))
            values[k] = v[0]!;
        }
        const seen: SeenRequest = {
          method: req.method ?? '',
          path: q < 0 ? url : url.slice(0, q),
          rawQuery,
          values,
          body,
          headers: req.headers,
        };
        self!.requests.push(seen);
        const r = self!.reply(seen);
        const send = (): void => {
          if (res.destroyed) return;
          res.writeHead(r.status ?? 200, { 'Content-Type': 'application/json' });
          res.end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
        };
        if (r.delayMs) setTimeout(send, r.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new TestAuthServer(server, (server.address() as AddressInfo).port);
    return self;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
