/**
 * The HTTP server behind the route table: picks uWebSockets.js when its native build really loads,
 * else node:http (native-free/), binds --http-address, and holds the pieces both adapters share
 * (the bounded body buffer, status texts, Content-Length parsing). Never touches routes or brokers.
 */

import { createRequire } from 'node:module';
import { STATUS_CODES } from 'node:http';
import { formatAddress, parseListenAddress } from '../nsqd/acceptor/address.js';
import type { HttpServerChoice, Options } from '../nsqd/options/options.js';
import type { RouteTable } from '../nsqd/http/routes.js';

export interface HttpServerAdapter {
  readonly kind: 'uws' | 'node';
  /** the bound TCP port once listening; -1 on a unix socket */
  readonly port: number;
  /** binds host:port (0 = any free port) and resolves the bound port */
  listen(host: string, port: number): Promise<number>;
  /** binds a unix socket path (node:http only) */
  listenUnix?(path: string): Promise<void>;
  /** stops listening and closes every connection */
  close(): Promise<void>;
}

export interface ServerLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** Go's http.StatusText for the statuses nsqd answers (others fall back to Node's texts) */
const GO_STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  301: 'Moved Permanently',
  307: 'Temporary Redirect',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function statusText(status: number): string {
  return GO_STATUS_TEXT[status] ?? STATUS_CODES[status] ?? 'Unknown';
}

/** a Content-Length header as Go's ContentLength (null = unknown, e.g. chunked) */
export function parseContentLength(v: string | undefined): number | null {
  return v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : null;
}

/**
 * A request body buffered up to a bound: one allocation when the length is announced, chunks
 * otherwise. With limit 0 every byte is dropped. `push` returns false once more than `limit` bytes
 * arrived: stop reading, the body holds the first `limit` bytes.
 */
export class BodyBuffer {
  private readonly limit: number;
  private fixed: Buffer | null = null;
  private chunks: Buffer[] | null = null;
  size = 0;
  overflow = false;

  constructor(limit: number, contentLength: number | null) {
    this.limit = limit;
    if (limit > 0 && contentLength !== null && contentLength > 0) {
      this.fixed = Buffer.allocUnsafe(Math.min(contentLength, limit));
    }
  }

  /** `owned`: the chunk may be kept as is (else it is copied: uWS neuters its buffers) */
  push(chunk: Uint8Array, owned: boolean): boolean {
    if (this.limit === 0 || this.overflow) return !this.overflow;
    let part = chunk;
    if (this.size + part.length > this.limit) {
      part = part.subarray(0, this.limit - this.size);
      this.overflow = true;
    }
    if (part.length > 0) {
      if (this.fixed !== null && this.size + part.length <= this.fixed.length) {
        this.fixed.set(part, this.size);
      } else {
        if (this.chunks === null) {
          this.chunks = this.fixed === null ? [] : [this.fixed.subarray(0, this.size)];
          this.fixed = null;
        }
        this.chunks.push(owned ? Buffer.from(part.buffer, part.byteOffset, part.length) : Buffer.from(part));
      }
      this.size += part.length;
    }
    return !this.overflow;
  }

  take(): Buffer {
    if (this.fixed !== null) return this.fixed.subarray(0, this.size);
    if (this.chunks === null) return Buffer.alloc(0);
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
  }
}

/** the parts of uWebSockets.js's module the adapter uses (the package is optional; no type import) */
export interface UwsModule {
  App(): unknown;
  SSLApp: unknown;
  us_listen_socket_close(listenSocket: unknown): void;
  us_socket_local_port(socket: unknown): number;
}

export type UwsLoad = { mod: UwsModule; reason: '' } | { mod: null; reason: string };

let uwsLoad: UwsLoad | undefined;

function addonsDisabled(): boolean {
  const nodeOptions = process.env.NODE_OPTIONS ?? '';
  return process.execArgv.includes('--no-addons') || /(^|\s)--no-addons(\s|$)/.test(nodeOptions);
}

/** Loads uWebSockets.js once; `mod` is null (with the reason) unless its native build loaded. */
export function loadUws(): UwsLoad {
  if (uwsLoad !== undefined) return uwsLoad;
  if (addonsDisabled()) {
    uwsLoad = { mod: null, reason: 'node runs with --no-addons' };
    return uwsLoad;
  }
  try {
    const mod = createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial') as UwsModule;
    // without its native build the package warns and hands out a broken JavaScript stand-in
    uwsLoad =
      typeof mod.SSLApp === 'function' && typeof mod.App === 'function'
        ? { mod, reason: '' }
        : { mod: null, reason: 'no native build for this platform and Node version' };
  } catch (err) {
    uwsLoad = { mod: null, reason: err instanceof Error ? err.message : String(err) };
  }
  return uwsLoad;
}

/** whether --http-server=uws (or auto) would run on uWebSockets.js in this process */
export function uwsAvailable(): boolean {
  return loadUws().mod !== null;
}

const CHOICES: readonly HttpServerChoice[] = ['auto', 'uws', 'node'];

/**
 * Starts the HTTP API server on --http-address with the chosen implementation. Resolves null when
 * HTTP is disabled (`--http-address=""`); rejects when the address cannot be bound.
 */
export async function startHttpServer(
  table: RouteTable,
  options: Options,
  choice: HttpServerChoice,
  log: ServerLog,
): Promise<HttpServerAdapter | null> {
  if (options.httpAddress === '') return null;
  if (!CHOICES.includes(choice)) throw new Error(`--http-server must be auto, uws or node (got "${choice}")`);
  const addr = parseListenAddress('http-address', options.httpAddress);
  let adapter: HttpServerAdapter | null = null;
  if (choice !== 'node') {
    const uws = loadUws();
    if (uws.mod === null) {
      if (choice === 'uws')
        log.warn(`--http-server=uws: uWebSockets.js unavailable (${uws.reason}); using node:http`);
    } else if (addr.kind === 'unix') {
      log.info(`HTTP: unix socket ${addr.path} is served by node:http (not uWebSockets.js)`);
    } else {
      const { createUwsServer } = await import('./uws.js');
      adapter = createUwsServer(uws.mod, table, log);
    }
  }
  if (adapter === null) {
    const { createNodeServer } = await import('./node.js');
    adapter = createNodeServer(table, log);
  }
  if (addr.kind === 'unix') {
    await adapter.listenUnix!(addr.path);
    log.info(`HTTP: listening on ${addr.path} (${adapter.kind})`);
  } else {
    const port = await adapter.listen(addr.host, addr.port);
    log.info(`HTTP: listening on ${formatAddress(addr.host, port)} (${adapter.kind})`);
  }
  return adapter;
}
