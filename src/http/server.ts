/**
 * Starting a program's HTTP server: picks uWebSockets.js when its native build really loads (else,
 * or when asked, node:http), binds the listen address and hands every request to the route table.
 * Never touches routes or programs.
 */

import { createRequire } from 'node:module';
import { addonsDisabled } from '../addons.js';
import { formatAddress, parseListenAddress } from '../go/address.js';
import type {
  HttpServerAdapter,
  HttpServerChoice,
  HttpsConfig,
  ServerLog,
  WebSocketRoute,
} from './adapter.js';
import type { RouteTable } from './table.js';
import type { UwsModule } from './uws.js';

export type UwsLoad = { mod: UwsModule; reason: '' } | { mod: null; reason: string };

let uwsLoad: UwsLoad | undefined;

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

/**
 * Starts an HTTP API server on `address` (a program's `--http-address`: `host:port`, or a path for a
 * unix socket) with the chosen implementation, serving `table`. Resolves null when `address` is ""
 * (HTTP disabled); rejects when the address is malformed or cannot be bound. With `extras.https` it
 * serves HTTPS (uWebSockets.js's SSLApp where it can, else node:https) and logs as `HTTPS`; with
 * `extras.ws`, upgrades to its path become WebSocket connections.
 */
export async function startHttpServer(
  address: string,
  choice: HttpServerChoice,
  table: RouteTable,
  log: ServerLog,
  extras: { https?: HttpsConfig | undefined; ws?: WebSocketRoute | undefined } = {},
): Promise<HttpServerAdapter | null> {
  if (address === '') return null;
  const { https, ws } = extras;
  const label = https === undefined ? 'HTTP' : 'HTTPS';
  const addr = parseListenAddress(https === undefined ? 'http-address' : 'https-address', address);
  let adapter: HttpServerAdapter | null = null;
  if (choice !== 'node') {
    const uws = loadUws();
    if (uws.mod === null) {
      if (choice === 'uws')
        log.warn(`--http-server=uws: uWebSockets.js unavailable (${uws.reason}); using node:http`);
    } else if (addr.kind === 'unix') {
      log.info(`${label}: unix socket ${addr.path} is served by node:http (not uWebSockets.js)`);
    } else if (https?.nodeOnly === true) {
      log.info(`${label}: client certificates or a minimum TLS version: served by node:https`);
    } else {
      const { createUwsServer } = await import('./uws.js');
      adapter = createUwsServer(uws.mod, table, log, https);
    }
  }
  if (adapter === null) {
    const { createNodeServer } = await import('./node.js');
    adapter = createNodeServer(table, log, https);
  }
  if (ws !== undefined) await adapter.addWebSocket(ws);
  if (addr.kind === 'unix') {
    await adapter.listenUnix!(addr.path);
    log.info(`${label}: listening on ${addr.path} (${adapter.kind})`);
  } else {
    const port = await adapter.listen(addr.host, addr.port);
    log.info(`${label}: listening on ${formatAddress(addr.host, port)} (${adapter.kind})`);
  }
  return adapter;
}
