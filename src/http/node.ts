/**
 * The HTTP API server on node:http (node:https for HTTPS): the pure-JavaScript counterpart of
 * src/http/uws.ts behind the same HttpServerAdapter. Owns its listening socket and connections;
 * every request goes to the route table, with the body bounded before buffering; upgrades go to
 * the WebSocket route, if any (./ws-node.ts).
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { formatAddress } from '../go/address.js';
import {
  BodyBuffer,
  type HttpServerAdapter,
  type HttpsConfig,
  parseContentLength,
  type ServerLog,
  statusText,
  type WebSocketRoute,
} from './adapter.js';
import { type HttpResponse, newRequest } from './request.js';
import type { RouteTable } from './table.js';

/** how long a connection we are closing keeps draining input, so the client reads our answer, not a RST */
const CLOSE_GRACE_MS = 500;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** splits the request target into the raw path and query (absolute-form targets keep their path) */
function splitTarget(url: string): [string, string] {
  let target = url;
  if (!target.startsWith('/')) {
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?]*(.*)$/.exec(target);
    target = m === null ? target : m[1]!.startsWith('/') ? m[1]! : `/${m[1]!}`;
  }
  const q = target.indexOf('?');
  return q === -1 ? [target, ''] : [target.slice(0, q), target.slice(q + 1)];
}

/** half-close after the response and drop whatever the client still sends, then destroy */
function closeGracefully(socket: Socket): void {
  socket.on('data', () => {});
  socket.resume();
  const t = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

function send(req: IncomingMessage, res: ServerResponse, r: HttpResponse, close: boolean): void {
  if (res.destroyed || res.headersSent) return;
  const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
  const headers: Record<string, string> = {};
  for (const [k, v] of r.headers) headers[k] = v;
  headers['Content-Length'] = String(body.length);
  if (close) {
    headers.Connection = 'close';
    // node destroys a 'Connection: close' socket as soon as the response is flushed; keep it
    // half-open a moment instead (as Go's closeWriteAndWait) so an uploading client sees the answer
    const socket = req.socket;
    socket.destroySoon = () => {
      socket.end();
      closeGracefully(socket);
    };
  }
  res.writeHead(r.status, statusText(r.status), headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

class NodeHttpServer implements HttpServerAdapter {
  readonly kind = 'node' as const;
  port = 0;
  private readonly server: Server;
  private readonly table: RouteTable;
  private readonly log: ServerLog;
  /** terminates the WebSocket connections (when a route is served) */
  private closeWebSockets: (() => void) | null = null;

  constructor(table: RouteTable, log: ServerLog, https: HttpsConfig | undefined) {
    this.table = table;
    this.log = log;
    const options = {
      keepAlive: true,
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 2_000,
    };
    // node:https's Server has the same request API as node:http's
    this.server =
      https === undefined
        ? createServer(options)
        : (createHttpsServer({ ...https.options, ...options }) as unknown as Server);
    this.server.keepAliveTimeout = 60_000;
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res, false));
    // answer 413 to an `Expect: 100-continue` upload without inviting its body
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) =>
      this.onRequest(req, res, true),
    );
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request',
      );
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
    const method = req.method ?? 'GET';
    const [rawPath, rawQuery] = splitTarget(req.url ?? '/');
    const contentLength = parseContentLength(header(req, 'content-length'));
    const hasBody =
      contentLength !== 0 && (contentLength !== null || req.headers['transfer-encoding'] !== undefined);
    const probe = newRequest(
      method,
      rawPath,
      rawQuery,
      Buffer.alloc(0),
      contentLength,
      (n) => header(req, n),
      () => formatAddress(req.socket.remoteAddress ?? '', req.socket.remotePort ?? 0),
    );
    const plan = this.table.plan(method, probe.path, contentLength);
    if (plan.early !== null) {
      send(req, res, plan.early, hasBody);
      return;
    }
    if (expectContinue) res.writeContinue();
    const body = new BodyBuffer(plan.limit, contentLength);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      probe.body = body.take();
      this.table.dispatch(probe).then(
        (r) => send(req, res, r, body.overflow),
        (err: unknown) => {
          this.log.error(`HTTP: ${method} ${rawPath} failed - ${String(err)}`);
          res.destroy();
        },
      );
    };
    // past the bound the rest is dropped (not buffered) until the connection closes
    req.on('data', (chunk: Buffer) => {
      if (!body.push(chunk, true)) finish();
    });
    req.on('end', finish);
    req.on('error', () => res.destroy());
  }

  async addWebSocket(route: WebSocketRoute): Promise<void> {
    const { attachNodeWebSocket } = await import('./ws-node.js');
    this.closeWebSockets = attachNodeWebSocket(this.server, route);
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        this.port = a !== null && typeof a === 'object' ? a.port : port;
        resolve(this.port);
      });
    });
  }

  adopt(fd: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ fd }, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        this.port = a !== null && typeof a === 'object' ? a.port : -1;
        resolve();
      });
    });
  }

  get nodeServer(): Server {
    return this.server;
  }

  listenUnix(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ path }, () => {
        this.server.off('error', reject);
        this.port = -1;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      this.closeWebSockets?.();
    });
  }
}

export function createNodeServer(table: RouteTable, log: ServerLog, https?: HttpsConfig): HttpServerAdapter {
  return new NodeHttpServer(table, log, https);
}
