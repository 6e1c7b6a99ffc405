/**
 * The HTTP API on an io thread other than the main one (--io-threads), where node:http serves it:
 * the same routes, accepting on the main thread's listening socket through a descriptor of its
 * own (listener-copies.ts). The WebSocket route, where set, serves its connections on this thread.
 * uWebSockets.js stays on the main thread (its poll handle outlives a worker thread that ends, and
 * Node then aborts the whole process: seen here when an io thread was terminated), and so does
 * HTTPS. Owns nothing after start.
 */

import type { HttpServerAdapter } from '../../http/adapter.js';
import type { ConnectionTable } from '../acceptor/table.js';
import { websocketRoute } from '../acceptor/ws-connection.js';
import { LocalBrokerApi } from '../broker-api.js';
import { makeRoutes, tlsRequiredRoutes } from '../http/routes.js';
import type { ServerContext } from '../router/context.js';
import type { ApiBridge } from './api-bridge.js';

/** how an io thread serves HTTP: node:http on its descriptor of the main thread's socket */
export interface IoHttp {
  readonly fd: number;
  /** --tls-required=true: the plain port only points at the HTTPS one (this port) */
  readonly httpsPort: number | null;
}

export async function serveHttp(
  http: IoHttp,
  bridge: ApiBridge,
  ctx: ServerContext,
  table: ConnectionTable,
  adopting: () => void,
): Promise<HttpServerAdapter> {
  const api = new LocalBrokerApi(bridge);
  const httpsPort = http.httpsPort;
  const routes =
    httpsPort === null ? makeRoutes(api, ctx.options, ctx.log) : tlsRequiredRoutes(() => httpsPort);
  const { createNodeServer } = await import('../../http/node.js');
  const adapter = createNodeServer(routes, ctx.log);
  if (ctx.options.websocketPath !== '') await adapter.addWebSocket(websocketRoute(ctx, table));
  adopting();
  await adapter.adopt!(http.fd);
  return adapter;
}
