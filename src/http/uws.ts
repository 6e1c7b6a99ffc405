/**
 * The HTTP API server on uWebSockets.js (native): one catch-all route feeding the route table, the
 * body read with onData up to the route's bound, responses written corked, and optionally a
 * WebSocket route (./ws-uws.ts). Owns its App and listen socket; loaded only when
 * src/http/server.ts found the native build.
 */

import { createServer } from 'node:net';
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
import type { UwsWsApp } from './ws-uws.js';

/**
 * uWebSockets.js says only that a listen failed; binding the same address with node:net tells why
 * (EADDRINUSE, EACCES, EADDRNOTAVAIL, ...), as the error for the operator.
 */
function bindError(host: string, port: number): Promise<Error> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', resolve);
    probe.listen({ host, port, exclusive: true }, () =>
      probe.close(() => resolve(new Error(`uWebSockets.js could not bind ${formatAddress(host, port)}`))),
    );
  });
}

/**
 * uWebSockets.js's listen option for a port of its own: by default it sets SO_REUSEPORT, and a
 * second nsqd would then share the HTTP port silently instead of failing with EADDRINUSE.
 */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

/** the parts of uWebSockets.js's module the adapter uses (the package is optional; no type import) */
export interface UwsModule {
  App(): unknown;
  SSLApp(options: { key_file_name: string; cert_file_name: string }): unknown;
  us_listen_socket_close(listenSocket: unknown): void;
  us_socket_local_port(socket: unknown): number;
}

/** the slice of uWS's HttpRequest used here (valid only during the route callback) */
interface UwsRequest {
  getCaseSensitiveMethod(): string;
  getUrl(): string;
  getQuery(): string | undefined;
  forEach(cb: (key: string, value: string) => void): void;
}

/** the slice of uWS's HttpResponse used here */
interface UwsResponse {
  onAborted(handler: () => void): UwsResponse;
  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): UwsResponse;
  cork(cb: () => void): UwsResponse;
  writeStatus(status: string): UwsResponse;
  writeHeader(key: string, value: string): UwsResponse;
  end(body?: string | Uint8Array, closeConnection?: boolean): UwsResponse;
  endWithoutBody(reportedContentLength?: number, closeConnection?: boolean): UwsResponse;
  close(): UwsResponse;
  getRemoteAddressAsText(): ArrayBuffer;
}

interface UwsApp {
  any(pattern: string, handler: (res: UwsResponse, req: UwsRequest) => void): UwsApp;
  listen(host: string, port: number, options: number, cb: (listenSocket: unknown) => void): UwsApp;
  close?(): void;
}

const EMPTY = Buffer.alloc(0);

/** per-request state that outlives the uWS request object */
class Exchange {
  aborted = false;
  done = false;
  readonly res: UwsResponse;
  readonly head: boolean;

  constructor(res: UwsResponse, method: string) {
    this.res = res;
    this.head = method === 'HEAD';
  }

  /** the client's address (uWS gives no port); asked before the response ends */
  remote(): string {
    return this.aborted ? '' : Buffer.from(this.res.getRemoteAddressAsText()).toString();
  }

  send(r: HttpResponse, close: boolean): void {
    if (this.aborted) return;
    const res = this.res;
    res.cork(() => {
      res.writeStatus(`${r.status} ${statusText(r.status)}`);
      for (const [k, v] of r.headers) res.writeHeader(k, v);
      if (this.head) res.endWithoutBody(Buffer.byteLength(r.body), close);
      else res.end(r.body, close);
    });
  }
}

class UwsHttpServer implements HttpServerAdapter {
  readonly kind = 'uws' as const;
  port = 0;
  private readonly uws: UwsModule;
  private readonly app: UwsApp;
  private readonly table: RouteTable;
  private readonly log: ServerLog;
  private listenSocket: unknown = null;
  private host = '';

  constructor(uws: UwsModule, table: RouteTable, log: ServerLog, https: HttpsConfig | undefined) {
    this.uws = uws;
    this.table = table;
    this.log = log;
    const app =
      https === undefined
        ? uws.App()
        : uws.SSLApp({ key_file_name: https.keyFile, cert_file_name: https.certFile });
    this.app = (app as UwsApp).any('/*', (res, req) => this.onRequest(res, req));
  }

  private onRequest(res: UwsResponse, req: UwsRequest): void {
    const method = req.getCaseSensitiveMethod();
    const rawPath = req.getUrl();
    const rawQuery = req.getQuery() ?? '';
    // the uWS request dies with this callback: copy the headers (names arrive lowercased)
    const headers: string[] = [];
    req.forEach((k, v) => {
      headers.push(k, v);
    });
    const header = (name: string): string | undefined => {
      const n = name.toLowerCase();
      const found: string[] = [];
      for (let i = 0; i < headers.length; i += 2) if (headers[i] === n) found.push(headers[i + 1]!);
      return found.length === 0 ? undefined : found.join(', ');
    };
    const contentLength = parseContentLength(header('content-length'));
    const x = new Exchange(res, method);
    const request = newRequest(method, rawPath, rawQuery, EMPTY, contentLength, header, () => x.remote());
    res.onAborted(() => {
      x.aborted = true;
    });
    const plan = this.table.plan(method, request.path, contentLength);
    if (plan.early !== null) {
      const hasBody =
        contentLength !== 0 && (contentLength !== null || header('transfer-encoding') !== undefined);
      x.send(plan.early, hasBody);
      return;
    }
    const body = new BodyBuffer(plan.limit, contentLength);
    res.onData((chunk, isLast) => {
      if (x.done) return;
      if (body.push(new Uint8Array(chunk), false) && !isLast) return;
      x.done = true;
      request.body = body.take();
      this.table.dispatch(request).then(
        (r) => x.send(r, body.overflow),
        (err: unknown) => {
          this.log.error(`HTTP: ${method} ${rawPath} failed - ${String(err)}`);
          if (!x.aborted) res.close();
        },
      );
    });
  }

  async addWebSocket(route: WebSocketRoute): Promise<void> {
    const { addUwsWebSocket } = await import('./ws-uws.js');
    addUwsWebSocket(this.app as unknown as UwsWsApp, route, () => [this.host, this.port]);
  }

  listen(host: string, port: number): Promise<number> {
    this.host = host;
    return new Promise((resolve, reject) => {
      this.app.listen(host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (listenSocket) => {
        if (listenSocket === false || listenSocket === null || listenSocket === undefined) {
          bindError(host, port).then(reject);
          return;
        }
        this.listenSocket = listenSocket;
        this.port = this.uws.us_socket_local_port(listenSocket);
        resolve(this.port);
      });
    });
  }

  async close(): Promise<void> {
    if (this.listenSocket !== null) {
      this.uws.us_listen_socket_close(this.listenSocket);
      this.listenSocket = null;
    }
    this.app.close?.();
  }
}

export function createUwsServer(
  uws: UwsModule,
  table: RouteTable,
  log: ServerLog,
  https?: HttpsConfig,
): HttpServerAdapter {
  return new UwsHttpServer(uws, table, log, https);
}
