/**
 * The composition root: builds the io thread (TCP listener, connection table, sessions' context,
 * the HTTP API) and the shards (inline with --workers=0, else worker threads), and owns their
 * lifecycle: start, drain mode (./drain.ts), and one idempotent close that stops accepting, closes
 * clients, then stops the shards.
 */

import { resolve } from 'node:path';
import { formatAddress, parseListenAddress } from '../go/address.js';
import { formatGoDuration } from '../go/duration.js';
import { goListenError } from '../go/errors.js';
import type { HttpServerAdapter, HttpsConfig } from '../http/adapter.js';
import { loadUws, startHttpServer } from '../http/server.js';
import { Logger } from '../log.js';
import { TcpListener } from '../net/tcp-listener.js';
import { makeBodyRules } from '../wire/parser.js';
import { snappyBlockCodec } from '../wire/snappy-block.js';
import { type ClientEntry, tableEntries } from './acceptor/client-stats.js';
import { Connection } from './acceptor/connection.js';
import { ConnectionTable } from './acceptor/table.js';
import { TlsUpgrader } from './acceptor/tls.js';
import { websocketRoute } from './acceptor/ws-connection.js';
import { type AuthClient, authClientFromOptions } from './auth/query.js';
import { healthText, LocalBrokerApi } from './broker-api.js';
import { NSQD_VERSION } from './contract/constants.js';
import { ioThreadOf, type ShardLink } from './contract/shard.js';
import { watchGc } from './contract/stats.js';
import type { TopologyChange } from './contract/topology.js';
import { type DataDirLock, lockDataDir, prepareDataPath } from './disk/data-dir.js';
import { Drain } from './drain.js';
import { makeRoutes, tlsRequiredRoutes } from './http/routes.js';
import { IoPool } from './io/pool.js';
import { Registrar } from './lookup/registrar.js';
import { MetadataKeeper } from './metadata-sync.js';
import { resolveIoThreads } from './options/flags.js';
import type { Options } from './options/options.js';
import type { ControlRequest, ControlResponse } from './queue/admin.js';
import type { ServerContext } from './router/context.js';
import { DeadLetterRouter } from './router/dead-letters.js';
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
  /** the sessions' shared context (TCP and WebSocket connections) */
  private readonly ctx: ServerContext;
  private readonly host: ShardHost | null;
  private readonly inline: InlineShard | null;
  /** how many threads accept and serve TCP clients, this one among them (--io-threads) */
  readonly ioThreads: number;
  /** the io threads besides this one (null with one io thread) */
  private io: IoPool | null = null;
  /** unix seconds */
  readonly startTime = Math.floor(Date.now() / 1000);
  readonly api: LocalBrokerApi;
  private http: HttpServerAdapter | null = null;
  private https: HttpServerAdapter | null = null;
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
  /** drain mode (nsq-ts): refuses publishes, withdraws from lookupd, ends the broker once empty */
  readonly drain: Drain;
  /** resolves when the broker decides to end by itself (after a drain); main then closes it */
  readonly ended: Promise<string>;

  /** `Inline`: the inline shard's class, loaded only for --workers=0 (its module graph is the shard's) */
  private constructor(
    options: Options,
    log: Logger,
    Inline: typeof InlineShard | null,
    tls: TlsUpgrader | null,
    auth: AuthClient | null,
  ) {
    this.options = options;
    this.log = log;
    let links: readonly ShardLink[];
    const shards = Math.max(1, options.workers);
    this.ioThreads = resolveIoThreads(options);
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
    let end: (reason: string) => void = () => {};
    this.ended = new Promise((r) => {
      end = r;
    });
    this.drain = new Drain({
      log,
      timeoutMs: options.drainTimeout,
      withdraw: () => this.registrar.withdraw(),
      stats: () => this.api.stats({ topic: '', channel: '', includeClients: false }),
      end,
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
      this.host = new ShardHost(options, options.workers, this.table, reports, log, this.ioThreads);
      links = this.host.links;
      // dead letters for a topic on another shard go on through its inbound ring
      this.table.deadLetters = new DeadLetterRouter(links, this.table, log);
    }
    const ctx: ServerContext = {
      options,
      links,
      rules: makeBodyRules(options),
      log,
      tls,
      auth,
      drain: this.drain,
    };
    this.ctx = ctx;
    this.listener = new TcpListener(log, (socket) => new Connection(socket, ctx, this.table));
    this.api = new LocalBrokerApi({
      options,
      log,
      table: this.table,
      links,
      clients: () => broker.clients(),
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
      blockPreAcks: () => broker.host?.blockPreAcks(),
      lookupd: {
        addresses: () => broker.registrar.addresses(),
        async setAddresses(addrs: string[]) {
          broker.registrar.setAddresses(addrs);
          await broker.io?.lookupdChanged(broker.registrar.addresses());
        },
      },
      drain: this.drain,
      startDrain: (why) => broker.startDrain(why),
    });
  }

  /** drain mode (PUT /config/drain, SIGUSR2): a no-op while draining or closing */
  startDrain(why: string): void {
    if (this.closing === null && this.running) this.drain.start(why);
    this.io?.setDraining(this.drain.active);
  }

  /** nsqd's health: "OK", or "NOK - <error>" while a shard's last disk write failed */
  health(): string {
    return healthText(this.unhealthy);
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
    let tls: TlsUpgrader | null;
    try {
      auth = authClientFromOptions(options);
      tls = TlsUpgrader.fromOptions(options);
      prepareDataPath(dataPath);
      lock = await lockDataDir(dataPath, (why) => log.error(`data-path lock lost: ${why}`));
    } catch (err) {
      throw new Error(`failed to instantiate nsqd - ${(err as Error).message}`);
    }
    // snappy's block codec (native, or the JavaScript twin) is chosen before the first IDENTIFY
    if (options.snappy) await snappyBlockCodec();
    watchGc(); // the memory numbers of /stats, /metrics and statsd count collections from here on
    const Inline = options.workers === 0 ? (await import('./shard/inline.js')).InlineShard : null;
    const b = new Broker(options, log, Inline, tls, auth);
    b.lock = lock;
    // the native HTTP server loads while the shard workers boot
    if (options.httpAddress !== '' && options.httpServer !== 'node') loadUws();
    const shards = options.workers === 0 ? 'one inline shard' : `${options.workers} shard worker(s)`;
    const io = b.ioThreads === 1 ? '' : `, ${b.ioThreads} io threads`;
    log.info(`nsq-ts nsqd (compatible with nsqd v${NSQD_VERSION}), ${shards}${io}, node ${process.version}`);
    log.info(`ID: ${options.nodeId}`);
    log.info(`data-path lock: ${lock.how}`);
    // a failed start undoes itself quietly: its one line is the caller's FATAL
    const abort = async (error: Error): Promise<never> => {
      log.setLevel('fatal');
      await b.close();
      throw error;
    };
    try {
      const meta = await b.metadata.load();
      b.metadataLoaded = true;
      const rejects = (l: { maxDepthPolicy?: string } | undefined) => l?.maxDepthPolicy === 'reject-new';
      if (meta.some((t) => rejects(t.limits) || t.channels.some((c) => rejects(c.limits))))
        b.host?.blockPreAcks();
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
    const routes = makeRoutes(b.api, options, log);
    if (tls !== null && options.httpsAddress !== '') {
      const https: HttpsConfig = {
        options: tls.options,
        certFile: options.tlsCert,
        keyFile: options.tlsKey,
        nodeOnly: options.tlsClientAuthPolicy !== '' || options.tlsMinVersion > 0x0303,
      };
      try {
        b.https = await startHttpServer(options.httpsAddress, options.httpServer, routes, log, { https });
      } catch (err) {
        await abort(listenFailed(options.httpsAddress, err));
      }
    }
    // --tls-required=true (not tcp-https): the plain port only points at the HTTPS one
    const plain =
      tls !== null && options.tlsRequired === 'true' ? tlsRequiredRoutes(() => b.httpsPort) : routes;
    try {
      b.http = await startHttpServer(options.httpAddress, options.httpServer, plain, log, {
        ws: options.websocketPath === '' ? undefined : websocketRoute(b.ctx, b.table),
      });
    } catch (err) {
      await abort(listenFailed(options.httpAddress, err));
    }
    if (b.ioThreads > 1) {
      try {
        await b.startIoThreads();
      } catch (err) {
        await abort(new Error(`failed to instantiate nsqd - io threads: ${(err as Error).message}`));
      }
    }
    if (options.statsdAddress !== '') b.statsd = b.startStatsd();
    b.running = true;
    b.registrar.start();
    return b;
  }

  /** io threads 1..K-1, on copies of the TCP (and node:http) listening sockets; the shards' rings for each are made */
  private async startIoThreads(): Promise<void> {
    const tlsRequired = this.ctx.tls !== null && this.options.tlsRequired === 'true';
    this.io = await IoPool.start(
      {
        options: this.options,
        log: this.log,
        host: this.host!,
        listener: this.listener,
        http: this.http,
        tlsRequiredHttpsPort: tlsRequired ? this.httpsPort : null,
        facts: () => ({
          tcpPort: this.tcpPort,
          httpPort: this.httpPort,
          startTime: this.startTime,
          lookupd: this.registrar.addresses(),
        }),
        unhealthy: () => [...this.unhealthy],
        api: {
          control: (i, req) => this.control(i, req),
          clients: () => this.clients(),
          persistMetadata: () => this.metadata.persist(),
          blockPreAcks: () => this.host?.blockPreAcks(),
          setLookupd: (addrs) => this.api.setLookupdTcpAddresses(addrs),
          startDrain: (why) => this.startDrain(why),
        },
      },
      this.ioThreads,
    );
  }

  /** every connection of every io thread, as /stats shows it */
  private async clients(): Promise<ClientEntry[]> {
    return [...tableEntries(this.table.all()), ...((await this.io?.clients()) ?? [])];
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

  /** the HTTPS port actually bound; 0 without TLS or HTTPS */
  get httpsPort(): number {
    return this.https?.port ?? 0;
  }

  /** which HTTPS server implementation serves the API ('' when disabled) */
  get httpsServerKind(): string {
    return this.https?.kind ?? '';
  }

  /** which HTTP server implementation serves the API ('' when disabled) */
  get httpServerKind(): string {
    return this.http?.kind ?? '';
  }

  /** fault injection for tests: crash io thread `index` (≥ 1, with --io-threads > 1); it is restarted */
  crashIoThread(index: number): void {
    this.io?.crash(index);
  }

  /** how many TCP connections each io thread serves, in io-thread order (the main thread first) */
  async ioThreadConnections(): Promise<number[]> {
    const counts = new Array<number>(this.ioThreads).fill(0);
    counts[0] = this.table.size;
    for (const e of (await this.io?.clients()) ?? []) counts[ioThreadOf(e.conn)]! += 1;
    return counts;
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
    this.drain.stop();
    // written once, below, where nsqd writes it (not by a change the closing clients make meanwhile)
    this.metadata.stop();
    say(`TCP: closing ${this.listener.address}`);
    const listening = this.listener.close();
    const http = this.http?.close();
    const https = this.https?.close();
    // statsd stops while the shards still answer (a push in progress finishes its writes); logged where Go logs it
    const statsd = this.statsd?.close();
    // the other io threads close their clients too and hand the shards what those sent
    const ioStopped = this.io?.stop();
    for (const c of [...this.table.all()]) c.close();
    await http;
    await https;
    await statsd;
    await ioStopped;
    if (this.http !== null) say(`HTTP: closing ${this.httpAddress()}`);
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
    await this.io?.exited();
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
