/**
 * The composition root: builds the io thread (TCP listener, connection table, sessions' context,
 * the HTTP API) and the shards (inline with --workers=0, else worker threads), and owns their
 * lifecycle: start, and one idempotent close that stops accepting, closes clients, then stops the
 * shards.
 */

import { mkdirSync } from 'node:fs';
import { parseListenAddress } from './acceptor/address.js';
import { TcpListener } from './acceptor/server.js';
import { ConnectionTable } from './acceptor/table.js';
import { Logger } from './log.js';
import type { Options } from './options/options.js';
import { makeBodyRules } from './frame/parser.js';
import type { ServerContext } from './router/context.js';
import type { ShardLink } from './router/link.js';
import { ShardHost } from './shard/host.js';
import { InlineShard } from './shard/inline.js';
import { LocalBrokerApi } from './api.js';
import type { HttpServerAdapter } from './http/server.js';
import { startHttpServer } from './http/server.js';
import { makeRoutes } from './http/routes.js';
import type { ControlRequest, ControlResponse } from './queue/admin.js';

export class Broker {
  readonly options: Options;
  readonly log: Logger;
  private readonly table = new ConnectionTable();
  private readonly listener: TcpListener;
  private readonly host: ShardHost | null;
  private readonly inline: InlineShard | null;
  /** unix seconds */
  readonly startTime = Math.floor(Date.now() / 1000);
  readonly api: LocalBrokerApi;
  private http: HttpServerAdapter | null = null;
  private closing: Promise<void> | null = null;

  private constructor(options: Options, log: Logger) {
    this.options = options;
    this.log = log;
    let links: readonly ShardLink[];
    if (options.workers === 0) {
      this.inline = new InlineShard(options, this.table);
      this.host = null;
      links = [this.inline];
    } else {
      this.inline = null;
      this.host = new ShardHost(options, options.workers, this.table, log);
      links = this.host.links;
    }
    const ctx: ServerContext = { options, links, rules: makeBodyRules(options) };
    this.listener = new TcpListener(ctx, this.table, log);
    const broker = this;
    this.api = new LocalBrokerApi({
      options,
      log,
      table: this.table,
      links,
      control: (index, req) => broker.control(index, req),
      get tcpPort() {
        return broker.tcpPort;
      },
      get httpPort() {
        return broker.httpPort;
      },
      startTime: this.startTime,
    });
  }

  /** a control-plane request to shard `index` */
  control(index: number, req: ControlRequest): Promise<ControlResponse> {
    return this.inline !== null ? this.inline.control(req) : this.host!.control(index, req);
  }

  static async start(
    options: Options,
    log = new Logger(options.logLevel, options.logPrefix),
  ): Promise<Broker> {
    const dataPath = options.dataPath === '' ? process.cwd() : options.dataPath;
    mkdirSync(dataPath, { recursive: true });
    const b = new Broker(options, log);
    const shards = options.workers === 0 ? 'one inline shard' : `${options.workers} shard worker(s)`;
    log.info(`nsq-ts nsqd (compatible with nsqd v1.3.0), ${shards}, node ${process.version}`);
    log.info(`ID: ${options.nodeId}`);
    try {
      await b.listener.listen(parseListenAddress('tcp-address', options.tcpAddress));
    } catch (err) {
      await b.close();
      throw new Error(`listen (${options.tcpAddress}) failed - ${(err as Error).message}`);
    }
    try {
      b.http = await startHttpServer(makeRoutes(b.api, options, log), options, options.httpServer, log);
    } catch (err) {
      await b.close();
      throw new Error(`listen (${options.httpAddress}) failed - ${(err as Error).message}`);
    }
    return b;
  }

  /** the TCP port actually bound (useful with --tcp-address=127.0.0.1:0) */
  get tcpPort(): number {
    return this.listener.port;
  }

  /** the HTTP port actually bound; -1 on a unix socket, 0 when HTTP is disabled */
  get httpPort(): number {
    return this.http?.port ?? 0;
  }

  /** which HTTP server implementation serves the API ('' when disabled) */
  get httpServerKind(): string {
    return this.http?.kind ?? '';
  }

  /** fault injection for tests: crash shard `index` (worker mode only); it is restarted */
  crashShard(index: number): void {
    this.host?.crash(index);
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.log.info('TCP: closing');
    const listening = this.listener.close();
    const http = this.http?.close();
    for (const c of [...this.table.all()]) c.close();
    this.inline?.stop();
    await this.host?.close();
    await listening;
    await http;
  }
}
