/**
 * The WebSocket route on node:http, through the `ws` package: upgrades to the route's path become
 * WsStreams over a NodeTransport (ws's pause/resume holds input, its send callbacks say when output
 * left); an upgrade to any other path is answered 404 and closed. Owns the WebSocketServer (no
 * server of its own, no compression, the route's max payload) and the open connections, terminated
 * when the HTTP server closes. Loaded by node.ts only when a route is configured.
 */

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { WebSocketRoute } from './adapter.js';
import { WsStream, type WsTransport } from './ws-stream.js';

class NodeTransport implements WsTransport {
  private readonly ws: WebSocket;

  constructor(ws: WebSocket) {
    this.ws = ws;
  }

  send(chunk: Buffer, done: () => void): void {
    this.ws.send(chunk, { binary: true }, () => done());
  }
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
  pauseReading(): void {
    this.ws.pause();
  }
  resumeReading(): void {
    this.ws.resume();
  }
  close(code: number, reason: string): void {
    // the closing handshake needs the peer's close frame read
    this.ws.resume();
    this.ws.close(code, reason);
  }
  terminate(): void {
    this.ws.terminate();
  }
}

const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

/** serves `route` on `server`'s upgrades; the returned function terminates every open connection */
export function attachNodeWebSocket(server: Server, route: WebSocketRoute): () => void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: route.maxPayload,
    perMessageDeflate: false,
    clientTracking: true,
    skipUTF8Validation: true,
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if ((q === -1 ? url : url.slice(0, q)) !== route.path) {
      socket.end(NOT_FOUND);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s = req.socket;
      const stream = new WsStream(
        new NodeTransport(ws),
        {
          remoteAddress: s.remoteAddress ?? '',
          remotePort: s.remotePort ?? 0,
          localAddress: s.localAddress ?? '',
          localPort: s.localPort ?? 0,
        },
        route.maxBufferedInput,
      );
      ws.on('message', (data: Buffer, isBinary: boolean) => stream.onMessage(data, isBinary));
      ws.on('close', () => stream.onClose());
      ws.on('error', (err: Error) => stream.onError(err));
      route.accept(stream);
    });
  });
  return () => {
    for (const ws of wss.clients) ws.terminate();
  };
}
