/**
 * The WebSocket route on uWebSockets.js: `app.ws(path)` with its limits (max payload, no idle
 * timeout or automatic pings: the program keeps its own heartbeats, no compression), each
 * connection a WsStream over a UwsTransport. uWebSockets.js cannot pause a WebSocket's reading, so
 * the stream's unread-input bound is what holds input there. Owns the transports; loaded by uws.ts
 * only when a route is configured.
 */

import type { WebSocketRoute } from './adapter.js';
import { type WsEndpoints, WsStream, type WsTransport } from './ws-stream.js';

/** the slice of uWS's WebSocket used here */
export interface UwsWebSocket {
  send(message: Uint8Array, isBinary: boolean, compress: boolean): number;
  getBufferedAmount(): number;
  end(code: number, shortMessage: string): void;
  close(): void;
  getRemoteAddressAsText(): ArrayBuffer;
  getUserData(): { stream: WsStream | null; transport: UwsTransport | null };
}

/** the slice of uWS's HttpResponse and HttpRequest an upgrade uses */
interface UwsUpgradeResponse {
  upgrade(userData: unknown, key: string, protocol: string, extensions: string, context: unknown): void;
}
interface UwsUpgradeRequest {
  getHeader(name: string): string;
}

export interface UwsWsApp {
  ws(pattern: string, behavior: Record<string, unknown>): unknown;
}

/** uWS.send's answer when the message went over maxBackpressure and was dropped */
const SEND_DROPPED = 2;
const SEND_OK = 1;
/** never reached: the stream sends only while under its own high-water mark (a cap, not a buffer) */
const MAX_BACKPRESSURE = 64 * 1024 * 1024;

class UwsTransport implements WsTransport {
  closed = false;
  private readonly ws: UwsWebSocket;

  constructor(ws: UwsWebSocket) {
    this.ws = ws;
  }

  send(chunk: Buffer, done: () => void): void {
    if (this.closed) {
      done();
      return;
    }
    const r = this.ws.send(chunk, true, false);
    if (r === SEND_DROPPED) this.terminate();
    // otherwise buffered (backpressure): the route's drain handler tells the stream
    if (r === SEND_OK || this.closed) done();
  }

  get bufferedAmount(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  pauseReading(): void {}
  resumeReading(): void {}

  close(code: number, reason: string): void {
    if (!this.closed) this.ws.end(code, reason);
  }

  terminate(): void {
    if (!this.closed) this.ws.close();
  }
}

/** registers `route` on `app`; `local` is the listening address, for the streams' local endpoint */
export function addUwsWebSocket(app: UwsWsApp, route: WebSocketRoute, local: () => [string, number]): void {
  app.ws(route.path, {
    compression: 0,
    maxPayloadLength: route.maxPayload,
    idleTimeout: 0,
    sendPingsAutomatically: false,
    maxBackpressure: MAX_BACKPRESSURE,
    closeOnBackpressureLimit: false,
    upgrade: (res: UwsUpgradeResponse, req: UwsUpgradeRequest, context: unknown) => {
      res.upgrade(
        { stream: null, transport: null },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws: UwsWebSocket) => {
      const [localAddress, localPort] = local();
      const where: WsEndpoints = {
        remoteAddress: Buffer.from(ws.getRemoteAddressAsText()).toString(),
        remotePort: 0,
        localAddress,
        localPort,
      };
      const transport = new UwsTransport(ws);
      const stream = new WsStream(transport, where, route.maxBufferedInput);
      const data = ws.getUserData();
      data.transport = transport;
      data.stream = stream;
      route.accept(stream);
    },
    // the ArrayBuffer is neutered after the callback: copied
    message: (ws: UwsWebSocket, message: ArrayBuffer, isBinary: boolean) =>
      ws.getUserData().stream?.onMessage(Buffer.from(new Uint8Array(message)), isBinary),
    drain: (ws: UwsWebSocket) => ws.getUserData().stream?.onDrain(),
    close: (ws: UwsWebSocket) => {
      const data = ws.getUserData();
      if (data.transport !== null) data.transport.closed = true;
      data.stream?.onClose();
    },
  });
}
