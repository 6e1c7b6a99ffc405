/**
 * nsqd's V2 protocol over WebSocket (nsq-ts, --websocket-path; nsqio/nsq #450): the HTTP server's
 * WebSocket route, whose every connection is a TCP Connection (./connection.ts) over a WsStream:
 * the same magic, parser, session, commands, output writer, heartbeats, deadlines, size limits and
 * answers as on the TCP port. Binary messages carry the bytes a TCP client would send, split
 * anyhow; each message back holds whole V2 frames. Owns nothing but the route's limits.
 */

import type { Socket } from 'node:net';
import type { WebSocketRoute } from '../../http/adapter.js';
import type { WsStream } from '../../http/ws-stream.js';
import { hostPort } from '../router/client-log.js';
import type { ServerContext } from '../router/context.js';
import { Connection, MAX_LINE } from './connection.js';
import type { ConnectionTable } from './table.js';

/** the net.Socket members Connection reads that a Duplex lacks: a WsStream must have them all */
type SocketOnly = Pick<
  Socket,
  'remoteAddress' | 'remotePort' | 'localAddress' | 'localPort' | 'bytesRead' | 'bytesWritten'
>;

/**
 * The route for `ctx.options.websocketPath`. A message may hold any number of commands but must
 * fit the largest single command (a line, then MPUB's size and body): larger ones close the
 * connection (1009) before nsqd's own size checks could answer.
 */
export function websocketRoute(ctx: ServerContext, table: ConnectionTable): WebSocketRoute {
  const o = ctx.options;
  const maxPayload = MAX_LINE + 4 + Math.max(o.maxBodySize, o.maxMsgSize);
  return {
    path: o.websocketPath,
    maxPayload,
    // a transport that cannot pause its reading may run this far ahead of the session
    maxBufferedInput: 2 * maxPayload,
    accept(stream: WsStream): void {
      const s: SocketOnly = stream;
      ctx.log.info(`WS: new client(${hostPort(s.remoteAddress, s.remotePort)}) on ${o.websocketPath}`);
      new Connection(stream as unknown as Socket, ctx, table, false);
    },
  };
}
