/**
 * The broker's side of the HTTP API (BrokerApi): admin actions go to the shard that owns the topic
 * over the control plane, HTTP publishes take the same link into the shards as TCP publishes, and
 * /stats gathers every shard's snapshot and joins it with what the io thread knows about each
 * connection. Owns no state: the log level is the logger's, the lookupd addresses the registrar's.
 */

import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import type { Connection } from './acceptor/connection.js';
import type { ConnectionTable } from './acceptor/table.js';
import { NSQD_VERSION } from './contract/constants.js';
import type { ShardLink } from './contract/shard.js';
import type { ChannelStats, ClientStats, StatsFilter, StatsSnapshot, TopicStats } from './contract/stats.js';
import type { ApiResult, BrokerApi } from './http/api.js';
import type { Options } from './options/options.js';
import type { ConsumerStats, ControlRequest, ControlResponse, ShardTopicStats } from './queue/admin.js';
import { publishViaShards } from './router/http-publish.js';
import { shardIndexOf } from './router/shard-map.js';

/** what the API needs from the broker around it */
export interface ApiHost {
  readonly options: Options;
  readonly log: Logger;
  readonly table: ConnectionTable;
  readonly links: readonly ShardLink[];
  control(index: number, req: ControlRequest): Promise<ControlResponse>;
  readonly tcpPort: number;
  readonly httpPort: number;
  /** unix seconds */
  readonly startTime: number;
  /** "OK" or "NOK - <error>" */
  health(): string;
  /** write nsqd.dat now (resolves once it is on disk) */
  persistMetadata(): Promise<void>;
  /** the lookupd registrar: owns the lookupd TCP address list */
  readonly lookupd: { addresses(): string[]; setAddresses(addrs: string[]): void };
}

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
    const table = this.host.table;
    const producers: ClientStats[] = [];
    if (f.includeClients) {
      for (const c of table.all()) if (c.session.pubCounts.size > 0) producers.push(clientStats(c, null));
    }
    return {
      version: NSQD_VERSION,
      health: this.health(),
      startTime: this.host.startTime,
      topics: missing ? null : found.map((t) => topicStats(t, f.includeClients, table)),
      producers: producers.length === 0 ? null : producers,
    };
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
  setLookupdTcpAddresses(addrs: string[]): void {
    this.host.lookupd.setAddresses(addrs);
  }
}

function topicStats(t: ShardTopicStats, includeClients: boolean, table: ConnectionTable): TopicStats {
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
        clients: includeClients ? consumersOf(ch.consumers, table) : null,
        paused: ch.paused,
        e2eProcessingLatency: ch.latency,
      }),
    ),
    depth: t.depth,
    backendDepth: t.backendDepth,
    messageCount: t.messageCount,
    messageBytes: t.messageBytes,
    paused: t.paused,
    e2eProcessingLatency: t.latency,
  };
}

function consumersOf(list: readonly ConsumerStats[], table: ConnectionTable): ClientStats[] {
  const out: ClientStats[] = [];
  for (const cs of list) {
    const c = table.connection(cs.conn);
    if (c !== undefined) out.push(clientStats(c, cs));
  }
  return out;
}

/** a connection as /stats shows it; `cs` carries the shard's counters for a consumer */
function clientStats(c: Connection, cs: ConsumerStats | null): ClientStats {
  const s = c.session;
  return {
    clientId: s.clientId,
    hostname: s.hostname,
    remoteAddress: c.remoteHostPort,
    state: s.state,
    readyCount: cs?.readyCount ?? 0,
    inFlightCount: cs?.inFlightCount ?? 0,
    messageCount: cs?.messageCount ?? 0,
    finishCount: cs?.finishCount ?? 0,
    requeueCount: cs?.requeueCount ?? 0,
    connectTs: c.connectTs,
    sampleRate: s.sampleRate,
    userAgent: s.userAgent,
    topologyZone: s.topologyZone,
    topologyRegion: s.topologyRegion,
    pubCounts: [...s.pubCounts].map(([topic, count]) => ({ topic, count })),
    authed: s.auth?.state.hasAuthorizations ?? false,
    authIdentity: s.auth?.state.identity ?? '',
    authIdentityUrl: s.auth?.state.identityUrl ?? '',
  };
}
