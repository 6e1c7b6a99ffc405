/**
 * What every HTTP server adapter is and shares, for every program's HTTP API: the adapter
 * interface, the server choice, an optional WebSocket route, the log it writes to, Go's status
 * texts, Content-Length parsing and the bounded request body buffer. Knows no route and no program.
 */

import { STATUS_CODES } from 'node:http';
import type { TlsOptions } from 'node:tls';
import type { WsStream } from './ws-stream.js';

/** `--http-server`: uWebSockets.js when its native build loads ('auto'), or forced */
export type HttpServerChoice = 'auto' | 'uws' | 'node';

export interface HttpServerAdapter {
  readonly kind: 'uws' | 'node';
  /** the bound TCP port once listening; -1 on a unix socket */
  readonly port: number;
  /** binds host:port (0 = any free port) and resolves the bound port */
  listen(host: string, port: number): Promise<number>;
  /**
   * node:http: serve a listening socket another thread bound, through `fd`, a descriptor of its
   * own (closed by close())
   */
  adopt?(fd: number): Promise<void>;
  /** node:http: the listening server (for copies of its socket) */
  readonly nodeServer?: import('node:net').Server;
  /** binds a unix socket path (node:http only) */
  listenUnix?(path: string): Promise<void>;
  /** serve WebSocket upgrades on `route.path` (before listen) */
  addWebSocket(route: WebSocketRoute): Promise<void>;
  /** stops listening and closes every connection */
  close(): Promise<void>;
}

/**
 * A path where the server accepts WebSocket upgrades (GET with the upgrade headers): each
 * connection is handed over as a byte stream (./ws-stream.ts). Other paths stay plain HTTP.
 */
export interface WebSocketRoute {
  readonly path: string;
  /** the largest message a client may send; a larger one closes the connection (1009) */
  readonly maxPayload: number;
  /** unread input past which a connection that cannot pause its reading is closed (1008) */
  readonly maxBufferedInput: number;
  accept(stream: WsStream): void;
}

/** an HTTPS server: node:tls options, and the files uWebSockets.js's SSLApp reads itself */
export interface HttpsConfig {
  readonly options: TlsOptions;
  readonly certFile: string;
  readonly keyFile: string;
  /** only node:https can serve it (client certificates, a minimum TLS version) */
  readonly nodeOnly: boolean;
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
