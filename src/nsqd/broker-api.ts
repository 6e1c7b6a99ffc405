/**
 * The broker's side of the HTTP API (BrokerApi): admin actions go to the shard that owns the topic
 * over the control plane, HTTP publishes take the same link into the shards as TCP publishes, and
 * /stats gathers every shard's snapshot and joins it with what the io thread knows about each
 * connection. Owns no state: the log level is the logger's, the lookupd addresses the registrar's,
 * the drain flag the drain's.
 */

import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import { asConsumer, type ClientEntry } from './acceptor/client-stats.js';
import type { ConnectionTable } from './acceptor/table.js';
import { NSQD_VERSION } from './contract/constants.js';
import type { ShardLink } from './contract/shard.js';
import type { ChannelStats, ClientStats, StatsFilter, StatsSnapshot, TopicStats } from './contract/stats.js';
import { DRAINING } from './drain.js';
import type { ApiResult, BrokerApi } from './http/api.js';
import type { Options } from './options/options.js';
import type { ConsumerStats, ControlRequest, ControlResponse, ShardTopicStats } from './queue/admin.js';
import type { QueueSettingsChange } from './queue/limits.js';
import { publishViaShards } from './router/http-publish.js';
import { shardIndexOf } from './router/shard-map.js';

/** what the API needs from the broker around it */
export interface ApiHost {
  readonly options: Options;
  readonly log: Logger;
  readonly table: ConnectionTable;
  readonly links: readonly ShardLink[];
  /** every connection of every io thread, as /stats shows it */
  clients(): Promise<ClientEntry[]>;
  control(index: number, req: ControlRequest): Promise<ControlResponse>;
  readonly tcpPort: number;
  readonly httpPort: number;
  /** unix seconds */
  readonly startTime: number;
  /** "OK" or "NOK - <error>" */
  health(): string;
  /** write nsqd.dat now (resolves once it is on disk) */
  persistMetadata(): Promise<void>;
  /** a reject-new max depth is set somewhere: publishes wait for their shard's answer from now on */
  blockPreAcks(): void;
  /** the lookupd registrar: owns the lookupd TCP address list */
  readonly lookupd: { addresses(): string[]; setAddresses(addrs: string[]): void | Promise<void> };
  /** drain mode: its flag, and its start */
  readonly drain: { readonly active: boolean };
  /** resolves once every io thread refuses publishes */
  startDrain(why: string): void | Promise<void>;
}

/** nsqd's health from the shards whose last disk write failed: "OK", or "NOK - <the first error>" */
export function healthText(unhealthy: ReadonlyMap<number, string>): string {
  for (const e of unhealthy.values()) return `NOK - ${e}`;
  return 'OK';
}

const REFUSED_DRAINING: ApiResult = { status: 503, message: DRAINING };

function asResult(r: ControlResponse): ApiResult {
  return r.error === null ? null : { status: 404, message: r.error };
}

export class LocalBrokerApi implements BrokerApi {
  private readonly host: ApiHost;

  constructor(host: ApiHost) {
    this.host = host;
  }

  private shard(topic: string): number {
    return shardIndexOf(topic, this.host.links.length);
  }

  private async act(req: Extract<ControlRequest, { topic: string }>): Promise<ApiResult> {
    return asResult(await this.host.control(this.shard(req.topic), req));
  }

  /** pause flags are written to nsqd.dat before the answer, as nsqd does */
  private async actAndPersist(req: Extract<ControlRequest, { topic: string }>): Promise<ApiResult> {
    const r = await this.act(req);
    if (r === null) await this.host.persistMetadata();
    return r;
  }

  info(): ReturnType<BrokerApi['info']> {
    const h = this.host;
    return {
      version: NSQD_VERSION,
      broadcastAddress: h.options.broadcastAddress,
      hostname: hostname(),
      httpPort: h.httpPort,
      tcpPort: h.tcpPort,
      startTime: h.startTime,
    };
  }

  health(): string {
    return this.host.health();
  }

  publish(topic: string, bodies: Buffer[], deferMs: number): Promise<ApiResult> {
    if (this.host.drain.active) return Promise.resolve(REFUSED_DRAINING);
    return publishViaShards(this.host.table, this.host.links, topic, bodies, deferMs);
  }

  createTopic(topic: string): Promise<ApiResult> {
    return this.act({ op: 'createTopic', topic });
  }
  deleteTopic(topic: string): Promise<ApiResult> {
    return this.act({ op: 'deleteTopic', topic });
  }
  emptyTopic(topic: string): Promise<ApiResult> {
    return this.act({ op: 'emptyTopic', topic });
  }
  setTopicPaused(topic: string, paused: boolean): Promise<ApiResult> {
    return this.actAndPersist({ op: 'pauseTopic', topic, paused });
  }
  createChannel(topic: string, channel: string): Promise<ApiResult> {
    return this.act({ op: 'createChannel', topic, channel });
  }
  deleteChannel(topic: string, channel: string): Promise<ApiResult> {
    return this.act({ op: 'deleteChannel', topic, channel });
  }
  emptyChannel(topic: string, channel: string): Promise<ApiResult> {
    return this.act({ op: 'emptyChannel', topic, channel });
  }
  setChannelPaused(topic: string, channel: string, paused: boolean): Promise<ApiResult> {
    return this.actAndPersist({ op: 'pauseChannel', topic, channel, paused });
  }

  async stats(f: StatsFilter): Promise<StatsSnapshot> {
    const req: ControlRequest = { op: 'stats', topic: f.topic, channel: f.channel };
    const shards = f.topic === '' ? this.host.links.map((_, i) => i) : [this.shard(f.topic)];
    const answers = await Promise.all(shards.map((i) => this.host.control(i, req)));
    const found = answers.flatMap((a) => a.topics ?? []);
    found.sort((a, b) => (a.topicName < b.topicName ? -1 : a.topicName > b.topicName ? 1 : 0));
    // a topic filter naming a missing topic gives null; a missing channel just skips the topic
    const missing = f.topic !== '' && f.channel === '' && found.length === 0;
    const clients = new Map<number, ClientStats>();
    const producers: ClientStats[] = [];
    if (f.includeClients) {
      for (const e of await this.host.clients()) {
        clients.set(e.conn, e.stats);
        if (e.stats.pubCounts.length > 0) producers.push(e.stats);
      }
    }
    return {
      version: NSQD_VERSION,
      health: this.health(),
      startTime: this.host.startTime,
      topics: missing ? null : found.map((t) => topicStats(t, f.includeClients, clients)),
      producers: producers.length === 0 ? null : producers,
      draining: this.host.drain.active,
    };
  }

  async configureQueue(
    topic: string,
    channel: string | null,
    change: QueueSettingsChange,
  ): ReturnType<BrokerApi['configureQueue']> {
    if (change.maxDepthPolicy === 'reject-new') this.host.blockPreAcks();
    const r = await this.host.control(this.shard(topic), { op: 'configure', topic, channel, change });
    if (r.error !== null || r.limits === undefined)
      return { status: 404, message: r.error ?? 'TOPIC_NOT_FOUND' };
    if (Object.keys(change).length > 0) await this.host.persistMetadata();
    return r.limits;
  }

  getLogLevel(): string {
    return this.host.log.levelName;
  }
  setLogLevel(level: string): boolean {
    return this.host.log.setLevel(level);
  }
  getLookupdTcpAddresses(): string[] {
    return this.host.lookupd.addresses();
  }
  async setLookupdTcpAddresses(addrs: string[]): Promise<void> {
    await this.host.lookupd.setAddresses(addrs);
  }
  draining(): boolean {
    return this.host.drain.active;
  }
  async startDrain(why: string): Promise<void> {
    await this.host.startDrain(why);
  }
}

function topicStats(
  t: ShardTopicStats,
  includeClients: boolean,
  clients: ReadonlyMap<number, ClientStats>,
): TopicStats {
  return {
    topicName: t.topicName,
    channels: t.channels.map(
      (ch): ChannelStats => ({
        channelName: ch.channelName,
        depth: ch.depth,
        backendDepth: ch.backendDepth,
        inFlightCount: ch.inFlightCount,
        deferredCount: ch.deferredCount,
        messageCount: ch.messageCount,
        requeueCount: ch.requeueCount,
        timeoutCount: ch.timeoutCount,
        clientCount: ch.consumers.length,
        clients: includeClients ? consumersOf(ch.consumers, clients) : null,
        paused: ch.paused,
        e2eProcessingLatency: ch.latency,
        limits: ch.limits,
      }),
    ),
    depth: t.depth,
    backendDepth: t.backendDepth,
    messageCount: t.messageCount,
    messageBytes: t.messageBytes,
    paused: t.paused,
    e2eProcessingLatency: t.latency,
    limits: t.limits,
  };
}

function consumersOf(
  list: readonly ConsumerStats[],
  clients: ReadonlyMap<number, ClientStats>,
): ClientStats[] {
  const out: ClientStats[] = [];
  for (const cs of list) {
    const c = clients.get(cs.conn);
    if (c !== undefined) out.push(asConsumer(c, cs));
  }
  return out;
}
