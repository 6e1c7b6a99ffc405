/**
 * An io thread besides the main thread (--io-threads): accepts on its own descriptor of nsqd's
 * listening TCP socket (listener-copies.ts) and runs its connections exactly as the main thread
 * runs its own (acceptor/, router/): their parsers, sessions and writers, its connection table
 * (ids carry this thread's number, so shards answer through its rings), and its link to every
 * shard over the ring pair the shard keeps for this thread. It serves the HTTP API on the same
 * port too (./http.ts), asking the main thread for what only that one holds (./api-bridge.ts).
 * The main thread keeps lifecycle, signals, metadata, HTTPS and the control plane, and tells this
 * one what changes: a shard's health, blocked pre-acks, a restarted shard's rings, lookupd
 * addresses, the stop. Owns its listener, HTTP server, table and links.
 */

import { closeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { HttpServerAdapter } from '../../http/adapter.js';
import { Logger } from '../../log.js';
import { TcpListener } from '../../net/tcp-listener.js';
import { makeBodyRules } from '../../wire/parser.js';
import { snappyBlockCodec } from '../../wire/snappy-block.js';
import { tableEntries } from '../acceptor/client-stats.js';
import { Connection } from '../acceptor/connection.js';
import { ConnectionTable } from '../acceptor/table.js';
import { TlsUpgrader } from '../acceptor/tls.js';
import { authClientFromOptions } from '../auth/query.js';
import type { Options } from '../options/options.js';
import type { ServerContext } from '../router/context.js';
import type { ShardRings } from '../shard/host.js';
import { pumpLink, WorkerLink } from '../shard/worker-link.js';
import { ApiBridge, type NodeFacts } from './api-bridge.js';
import { type IoHttp, serveHttp } from './http.js';

export interface IoWorkerData {
  /** this io thread's number, ≥ 1 (the main thread is 0) */
  index: number;
  options: Options;
  /** the main thread's log level cell (Logger.levelCell) */
  logLevel: Int32Array;
  /** this thread's descriptor of the listening socket */
  fd: number;
  /** every shard's rings, in shard order */
  shards: ShardRings[];
  /** shards whose last disk write failed, with the error */
  unhealthy: [number, string][];
  preAckBlocked: boolean;
  /** [0] is 1 while the broker drains (drain.ts): publishes are refused */
  draining: Int32Array;
  /** the node's ports, start time and lookupd addresses, for the HTTP API */
  facts: NodeFacts;
  /** how this thread serves HTTP (null: no HTTP address) */
  http: IoHttp | null;
}

/** what the main thread tells an io thread */
export type IoCommand =
  | { type: 'health'; index: number; error: string | null }
  /** answered { type: 'clients', id, clients: [] } once it is in effect */
  | { type: 'lookupd'; id: number; addrs: string[] }
  | { type: 'api'; id: number; result: unknown; error: string | null }
  | { type: 'blockPreAcks' }
  | { type: 'respawned'; index: number; rings: ShardRings }
  | { type: 'clients'; id: number }
  /** fault injection for tests (Broker.crashIoThread): fail as a bug would */
  | { type: 'crash' }
  | { type: 'stop' };

const data = workerData as IoWorkerData;
const options = data.options;
const post = (msg: object): void => parentPort!.postMessage(msg);
// whole lines, written by the main thread's logger, as a shard's are
const log = new Logger(data.logLevel, options.logPrefix, (line) => post({ type: 'log', line }));
const table = new ConnectionTable(data.index);
const links: WorkerLink[] = [];
let preAckBlocked = data.preAckBlocked;

const unhealthy = new Map(data.unhealthy);

function link(index: number, rings: ShardRings, healthy: boolean): WorkerLink {
  const l = new WorkerLink(
    index,
    rings.inbound[data.index]!,
    rings.outbound[data.index]!,
    table,
    options.syncPublish,
    rings.inbound[0],
    rings.order,
  );
  l.healthy = healthy;
  l.preAckBlocked = preAckBlocked;
  void pumpLink(l);
  return l;
}

data.shards.forEach((rings, i) => {
  links[i] = link(i, rings, !unhealthy.has(i));
});

const draining = data.draining;
const drain = {
  get active() {
    return Atomics.load(draining, 0) === 1;
  },
};
const bridge = new ApiBridge({ options, log, table, links }, data.facts, drain, post);
for (const [i, e] of unhealthy) bridge.setHealth(i, e);

interface Served {
  listener: TcpListener;
  http: HttpServerAdapter | null;
}

/**
 * Start serving. The descriptors are this thread's to close: once a server tries to adopt one,
 * the server owns it (Node closes it with the server, or when the listen fails); one no server
 * tried to adopt (a start that failed before) is closed here.
 */
async function start(): Promise<Served> {
  let tcpOwned = false;
  let httpOwned = false;
  try {
    const listener = await serveTcp(() => {
      tcpOwned = true;
    });
    const http =
      data.http === null
        ? null
        : await serveHttp(data.http, bridge, ctx(), table, () => {
            httpOwned = true;
          });
    return { listener, http };
  } catch (err) {
    if (!tcpOwned) closeSync(data.fd);
    if (!httpOwned && data.http !== null) closeSync(data.http.fd);
    throw err;
  }
}

let shared: ServerContext | null = null;

/** what every session on this thread shares */
function ctx(): ServerContext {
  shared ??= {
    options,
    links,
    rules: makeBodyRules(options),
    log,
    tls: TlsUpgrader.fromOptions(options),
    auth: authClientFromOptions(options),
    drain,
  };
  return shared;
}

async function serveTcp(adopting: () => void): Promise<TcpListener> {
  // snappy's block codec (native, or the JavaScript twin) is chosen before the first IDENTIFY
  if (options.snappy) await snappyBlockCodec();
  const c = ctx();
  const listener = new TcpListener(log, (socket) => new Connection(socket, c, table));
  adopting();
  await listener.adopt(data.fd);
  return listener;
}

/** stop accepting, close every connection and hand the shards what was read; then leave once the sockets are gone */
function stop({ listener, http }: Served): void {
  const closed = Promise.all([listener.close(), http?.close()]);
  for (const c of [...table.all()]) c.close();
  for (const l of links) l.flushRing();
  post({ type: 'stopped' });
  void closed.then(() => {
    for (const l of links) {
      l.flushRing();
      l.stop();
    }
    parentPort!.close();
  });
}

void start().then(
  (served) => {
    parentPort!.on('message', (msg: IoCommand) => {
      switch (msg.type) {
        case 'health':
          links[msg.index]!.healthy = msg.error === null;
          bridge.setHealth(msg.index, msg.error);
          break;
        case 'lookupd':
          bridge.setLookupd(msg.addrs);
          post({ type: 'clients', id: msg.id, clients: [] });
          break;
        case 'api':
          bridge.answered(msg.id, msg.result, msg.error);
          break;
        case 'blockPreAcks':
          preAckBlocked = true;
          for (const l of links) l.preAckBlocked = true;
          break;
        case 'respawned':
          links[msg.index]!.stop();
          links[msg.index] = link(msg.index, msg.rings, true);
          table.shardLost(msg.index);
          break;
        case 'clients':
          post({ type: 'clients', id: msg.id, clients: tableEntries(table.all()) });
          break;
        case 'stop':
          stop(served);
          break;
        case 'crash':
          setImmediate(() => {
            throw new Error(`io thread ${data.index}: crash requested`);
          });
          break;
      }
    });
    post({ type: 'ready' });
  },
  (err: unknown) => {
    // a start that fails is the main thread's to report
    setImmediate(() => {
      throw err;
    });
  },
);
