/**
 * The composition root: builds the io thread (TCP listener, connection table, sessions' context,
 * the HTTP API) and the shards (inline with --workers=0, else worker threads), and owns their
 * lifecycle: start, and one idempotent close that stops accepting, closes clients, then stops the
 * shards.
 */

import { resolve } from 'node:path';
import { formatAddress, parseListenAddress } from '../go/address.js';
import { formatGoDuration } from '../go/duration.js';
import { goListenError } from '../go/errors.js';
import type { HttpServerAdapter } from '../http/adapter.js';
import { loadUws, startHttpServer } from '../http/server.js';
import { Logger } from '../log.js';
import { TcpListener } from '../net/tcp-listener.js';
import { makeBodyRules } from '../wire/parser.js';
import { Connection } from './acceptor/connection.js';
import { ConnectionTable } from './acceptor/table.js';
import { type AuthClient, authClientFromOptions } from './auth/query.js';
import { LocalBrokerApi } from './broker-api.js';
import { NSQD_VERSION } from './contract/constants.js';
import type { ShardLink } from './contract/shard.js';
import { watchGc } from './contract/stats.js';
import type { TopologyChange } from './contract/topology.js';
import { type DataDirLock, lockDataDir, prepareDataPath } from './disk/data-dir.js';
import { makeRoutes } from './http/routes.js';
import { Registrar } from './lookup/registrar.js';
import { MetadataKeeper } from './metadata-sync.js';
import type { Options } from './options/options.js';
import type { ControlRequest, ControlResponse } from './queue/admin.js';
import type { ServerContext } from './router/context.js';
import { shardIndexOf } from './router/shard-map.js';
import { ShardHost } from './shard/host.js';
import type { InlineShard } from './shard/inline.js';
import { StatsdPusher } from './statsd/pusher.js';
import { resolvedStatsdPrefix } from './statsd/report.js';

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
  /** --statsd-address's push loop (null when unset) */
  private statsd: StatsdPusher | null = null;
  private closing: Promise<void> | null = null;
  private readonly metadata: MetadataKeeper;
  /** the lookupd peers and what they are told */
  readonly registrar: Registrar;
  /** shards whose last disk write failed, with the error */
  private readonly unhealthy = new Map<number, string>();
  private lock: DataDirLock | null = null;
  /** nsqd.dat was read: only then may shutdown write it (never over a file that failed to load) */
  private metadataLoaded = false;
  /** start() finished: only then does shutdown log its progress (a failed start is nsqd's FATAL, not Exit) */
  private running = false;

  /** `Inline`: the inline shard's class, loaded only for --workers=0 (its module graph is the shard's) */
  private constructor(
    options: Options,
    log: Logger,
    Inline: typeof InlineShard | null,
    auth: AuthClient | null,
  ) {
    this.options = options;
    this.log = log;
    let links: readonly ShardLink[];
    const shards = Math.max(1, options.workers);
    const broker = this;
    this.registrar = new Registrar({
      options,
      log,
      get tcpPort() {
        return broker.tcpPort;
      },
      get httpPort() {
        return broker.httpPort;
      },
      holdNewTopics(hold) {
        for (let i = 0; i < shards; i++)
          void broker.control(i, { op: 'holdNewTopics', hold }).catch(() => {});
      },
      startTopic(topic, channels) {
        void broker
          .control(shardIndexOf(topic, shards), { op: 'startTopic', topic, channels })
          .catch(() => {});
      },
    });
    const dataPath = resolve(options.dataPath === '' ? process.cwd() : options.dataPath);
    this.metadata = new MetadataKeeper(dataPath, shards, (i, req) => this.control(i, req), log);
    const reports = {
      health: (index: number, error: string | null) => {
        if (error === null) this.unhealthy.delete(index);
        else this.unhealthy.set(index, error);
      },
      metaChanged: () => this.metadata.changed(),
      topology: (ev: TopologyChange) => this.registrar.notify(ev),
      lost: (index: number) => this.registrar.shardLost((topic) => shardIndexOf(topic, shards) === index),
    };
    if (Inline !== null) {
      this.inline = new Inline(options, this.table, {
        health: (e) => reports.health(0, e),
        log,
        metaChanged: reports.metaChanged,
        topology: reports.topology,
      });
      this.host = null;
      links = [this.inline];
    } else {
      this.inline = null;
      this.host = new ShardHost(options, options.workers, this.table, reports, log);
      links = this.host.links;
    }
    const ctx: ServerContext = { options, links, rules: makeBodyRules(options), log, auth };
    this.listener = new TcpListener(log, (socket) => new Connection(socket, ctx, this.table));
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
      health: () => broker.health(),
      persistMetadata: () => broker.metadata.persist(),
      lookupd: this.registrar,
    });
  }

  /** nsqd's health: "OK", or "NOK - <error>" while a shard's last disk write failed */
  health(): string {
    for (const e of this.unhealthy.values()) return `NOK - ${e}`;
    return 'OK';
  }

  /** a control-plane request to shard `index` */
  control(index: number, req: ControlRequest): Promise<ControlResponse> {
    return this.inline !== null ? this.inline.control(req) : this.host!.control(index, req);
  }

  static async start(
    options: Options,
    log = new Logger(options.logLevel, options.logPrefix),
  ): Promise<Broker> {
    // errors read as Go's FATAL lines: `failed to instantiate nsqd - …`, `failed to load metadata - …`
    const dataPath = options.dataPath === '' ? process.cwd() : options.dataPath;
    let lock: DataDirLock;
    let auth: AuthClient | null;
    try {
      auth = authClientFromOptions(options);
      prepareDataPath(dataPath);
      lock = await lockDataDir(dataPath, (why) => log.error(`data-path lock lost: ${why}`));
    } catch (err) {
      throw new Error(`failed to instantiate nsqd - ${(err as Error).message}`);
    }
    watchGc(); // the memory numbers of /stats, /metrics and statsd count collections from here on
    const Inline = options.workers === 0 ? (await import('./shard/inline.js')).InlineShard : null;
    const b = new Broker(options, log, Inline, auth);
    b.lock = lock;
    // the native HTTP server loads while the shard workers boot
    if (options.httpAddress !== '' && options.httpServer !== 'node') loadUws();
    const shards = options.workers === 0 ? 'one inline shard' : `${options.workers} shard worker(s)`;
    log.info(`nsq-ts nsqd (compatible with nsqd v${NSQD_VERSION}), ${shards}, node ${process.version}`);
    log.info(`ID: ${options.nodeId}`);
    log.info(`data-path lock: ${lock.how}`);
    // a failed start undoes itself quietly: its one line is the caller's FATAL
    const abort = async (error: Error): Promise<never> => {
      log.setLevel('fatal');
      await b.close();
      throw error;
    };
    try {
      await b.metadata.load();
      b.metadataLoaded = true;
    } catch (err) {
      await abort(new Error(`failed to load metadata - ${(err as Error).message}`));
    }
    const listenFailed = (address: string, err: unknown): Error =>
      new Error(`failed to instantiate nsqd - listen (${address}) failed - ${goListenError(address, err)}`);
    try {
      await b.listener.listen(parseListenAddress('tcp-address', options.tcpAddress));
    } catch (err) {
      await abort(listenFailed(options.tcpAddress, err));
    }
    try {
      b.http = await startHttpServer(
        options.httpAddress,
        options.httpServer,
        makeRoutes(b.api, options, log),
        log,
      );
    } catch (err) {
      await abort(listenFailed(options.httpAddress, err));
    }
    if (options.statsdAddress !== '') b.statsd = b.startStatsd();
    b.running = true;
    b.registrar.start();
    return b;
  }

  /** nsqd's statsdLoop, with the prefix nsqd.New substitutes (its HTTP port is the bound one) */
  private startStatsd(): StatsdPusher {
    const o = this.options;
    const config = {
      address: o.statsdAddress,
      prefix: resolvedStatsdPrefix(o, this.httpPort),
      interval: o.statsdInterval,
      memStats: o.statsdMemStats,
      udpPacketSize: o.statsdUdpPacketSize,
      excludeEphemeral: o.statsdExcludeEphemeral,
    };
    return new StatsdPusher(
      config,
      () => this.api.stats({ topic: '', channel: '', includeClients: false }),
      this.log,
    );
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

  /**
   * nsqd's Exit(): stop accepting and close clients, close HTTP, write nsqd.dat, then every shard
   * writes its memory, in-flight and deferred messages to disk and syncs; the lock goes last. Logs
   * nsqd's lines on the way (the shards log each topic and channel they flush), then how long it took.
   */
  private async doClose(): Promise<void> {
    const started = performance.now();
    const say = (msg: string): void => {
      if (this.running) this.log.info(msg);
    };
    say(`TCP: closing ${this.listener.address}`);
    const listening = this.listener.close();
    const http = this.http?.close();
    // statsd stops while the shards still answer (a push in progress finishes its writes); logged where Go logs it
    const statsd = this.statsd?.close();
    for (const c of [...this.table.all()]) c.close();
    await http;
    await statsd;
    if (this.http !== null) say(`HTTP: closing ${this.httpAddress()}`);
    this.metadata.stop();
    if (this.metadataLoaded) {
      try {
        await this.metadata.persist();
      } catch (err) {
        this.log.error(`failed to persist metadata - ${(err as Error).message}`);
      }
    }
    say('NSQ: closing topics');
    this.inline?.stop();
    await this.host?.close();
    say('NSQ: stopping subsystems');
    this.registrar.close();
    await listening;
    if (statsd !== undefined) say('STATSD: closing');
    await this.lock?.release();
    say(`NSQ: shutdown took ${formatGoDuration(performance.now() - started)}`);
    say('NSQ: bye');
    await this.log.flush();
  }

  /** the HTTP listen address as its listening line printed it */
  private httpAddress(): string {
    const a = parseListenAddress('http-address', this.options.httpAddress);
    return a.kind === 'unix' ? a.path : formatAddress(a.host, this.httpPort);
  }
}
