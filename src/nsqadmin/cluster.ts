/**
 * What nsqadmin knows of the cluster, asked afresh on every call as Go's internal/clusterinfo does:
 * topic lists, producers (lookupd mode via /nodes and /lookup, nsqd mode via /info and /stats),
 * per-node stats, and the admin actions fanned out to lookupds and producers one after another.
 * Failures are Go's: every queried address failed → a TotalError; some → a PartialError with the
 * data from the rest. Owns nothing but its Upstream client; no HTTP server, no state between calls.
 */

import { formatAddress } from '../go/address.js';
import { addChannel, type ChannelStats, newChannelStats, parseTopic, type TopicStats } from './stats.js';
import type { Upstream } from './upstream.js';

export class TotalError extends Error {}
/** Go's ErrList: some calls failed; `errors` joined by "\n" is its text */
export class PartialError extends Error {
  readonly errors: readonly string[];
  constructor(errors: readonly string[]) {
    super(errors.join('\n'));
    this.errors = errors;
  }
}

export interface Producer {
  remote_addresses: string[] | null;
  remote_address: string;
  hostname: string;
  broadcast_address: string;
  tcp_port: number;
  http_port: number;
  version: string;
  topology_zone: string | undefined;
  topology_region: string | undefined;
  topics: { topic: string; tombstoned: boolean }[] | null;
  out_of_date: boolean;
}

/** a result and the partial errors met on the way */
export interface Partial<T> {
  value: T;
  errors: string[];
}

export interface InfoLog {
  info(msg: string): void;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const esc = encodeURIComponent;

/** semver compare of "1.3.0"-like versions; unparsable is 0.0.0 */
function semver(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(v);
  return m === null ? [0, 0, 0] : [Number(m[1]), Number(m[2]), Number(m[3])];
}
function semverLess(a: [number, number, number], b: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

export function httpAddress(p: Producer): string {
  return formatAddress(p.broadcast_address, p.http_port);
}

function splitHostPort(addr: string): [string, string] {
  const i = addr.lastIndexOf(':');
  let host = addr.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, addr.slice(i + 1)];
}

const byHostname = (a: Producer, b: Producer): number =>
  a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0;

export class ClusterInfo {
  private readonly client: Upstream;
  private readonly log: InfoLog;

  constructor(client: Upstream, log: InfoLog) {
    this.client = client;
    this.log = log;
  }

  private get(kind: 'nsqlookupd' | 'nsqd', endpoint: string): Promise<unknown> {
    this.log.info(`CI: querying ${kind} ${endpoint}`);
    return this.client.getV1(endpoint);
  }

  /** runs `f` on every address in parallel; Go's "all failed" / "some failed" rule */
  private async each<A, T>(
    kind: string,
    addrs: readonly A[],
    f: (a: A) => Promise<T>,
  ): Promise<Partial<T[]>> {
    const settled = await Promise.allSettled(addrs.map(f));
    const value: T[] = [];
    const errors: string[] = [];
    for (const s of settled) {
      if (s.status === 'fulfilled') value.push(s.value);
      else errors.push((s.reason as Error).message);
    }
    if (errors.length === addrs.length)
      throw new TotalError(`failed to query any ${kind}: ${errors.join('\n')}`);
    return { value, errors };
  }

  async lookupdTopics(lookupds: readonly string[]): Promise<Partial<string[]>> {
    const r = await this.each('nsqlookupd', lookupds, async (a) =>
      strs(obj(await this.get('nsqlookupd', `http://${a}/topics`)).topics),
    );
    return { value: [...new Set(r.value.flat())].sort(), errors: r.errors };
  }

  async lookupdTopicChannels(topic: string, lookupds: readonly string[]): Promise<Partial<string[]>> {
    const r = await this.each('nsqlookupd', lookupds, async (a) =>
      strs(obj(await this.get('nsqlookupd', `http://${a}/channels?topic=${esc(topic)}`)).channels),
    );
    return { value: [...new Set(r.value.flat())].sort(), errors: r.errors };
  }

  /** lookupd /nodes: one producer per TCP address, remote_addresses from every lookupd */
  async lookupdProducers(lookupds: readonly string[]): Promise<Partial<Producer[]>> {
    const byTcp = new Map<string, Producer>();
    const order: Producer[] = [];
    const r = await this.each('nsqlookupd', lookupds, async (a) => {
      const list = obj(await this.get('nsqlookupd', `http://${a}/nodes`)).producers;
      return [a, Array.isArray(list) ? list : []] as const;
    });
    for (const [a, list] of r.value) {
      for (const raw of list) {
        const p = producerFromLookupd(raw);
        const key = formatAddress(p.broadcast_address, p.tcp_port);
        let known = byTcp.get(key);
        if (known === undefined) {
          byTcp.set(key, (known = p));
          order.push(p);
        }
        known.remote_addresses = [
          ...(known.remote_addresses ?? []),
          `${a}/${p.remote_address === '' ? 'N/A' : p.remote_address}`,
        ];
      }
    }
    let max: [number, number, number] = [0, 0, 0];
    for (const p of order) if (semverLess(max, semver(p.version))) max = semver(p.version);
    for (const p of order) if (semverLess(semver(p.version), max)) p.out_of_date = true;
    return { value: order.sort(byHostname), errors: r.errors };
  }

  /** lookupd /lookup?topic=: producers of a topic, deduplicated by HTTP address */
  async lookupdTopicProducers(topic: string, lookupds: readonly string[]): Promise<Partial<Producer[]>> {
    const r = await this.each('nsqlookupd', lookupds, async (a) => {
      const list = obj(await this.get('nsqlookupd', `http://${a}/lookup?topic=${esc(topic)}`)).producers;
      return Array.isArray(list) ? list.map(producerFromLookupd) : [];
    });
    const out: Producer[] = [];
    for (const list of r.value) {
      for (const p of list) if (!out.some((q) => httpAddress(q) === httpAddress(p))) out.push(p);
    }
    return { value: out, errors: r.errors };
  }

  async nsqdTopics(nsqds: readonly string[]): Promise<Partial<string[]>> {
    const r = await this.each('nsqd', nsqds, async (a) => {
      const topics = obj(await this.get('nsqd', `http://${a}/stats?format=json`)).topics;
      return Array.isArray(topics) ? topics.map((t) => String(obj(t).topic_name ?? '')) : [];
    });
    return { value: [...new Set(r.value.flat())].sort(), errors: r.errors };
  }

  private async nsqdProducer(addr: string, info: Json, topics: unknown): Promise<Producer> {
    let broadcast = String(info.broadcast_address ?? '');
    let httpPort = Number(info.http_port ?? 0);
    let hostname = String(info.hostname ?? '');
    const [host, port] = splitHostPort(addr);
    if (broadcast === '') {
      broadcast = host;
      httpPort = Number(port);
    }
    if (hostname === '') hostname = host;
    const list = Array.isArray(topics) ? topics : [];
    return {
      remote_addresses: null,
      remote_address: '',
      hostname,
      broadcast_address: broadcast,
      tcp_port: Number(info.tcp_port ?? 0),
      http_port: httpPort,
      version: String(info.version ?? ''),
      topology_zone: optStr(info.topology_zone),
      topology_region: optStr(info.topology_region),
      topics:
        list.length === 0
          ? null
          : list.map((t) => ({ topic: String(obj(t).topic_name ?? ''), tombstoned: false })),
      out_of_date: false,
    };
  }

  /** nsqd mode: every configured nsqd by /info + /stats */
  async nsqdProducers(nsqds: readonly string[]): Promise<Partial<Producer[]>> {
    return this.each('nsqd', nsqds, async (a) => {
      const info = obj(await this.get('nsqd', `http://${a}/info`));
      const stats = obj(await this.get('nsqd', `http://${a}/stats?format=json&include_clients=false`));
      const p = await this.nsqdProducer(a, info, stats.topics);
      // GetNSQDProducers keeps /info's fields as they are (no fallback to the configured address)
      p.broadcast_address = String(info.broadcast_address ?? '');
      p.http_port = Number(info.http_port ?? 0);
      p.hostname = String(info.hostname ?? '');
      return p;
    });
  }

  /** nsqd mode: the nsqds whose /stats has the topic */
  async nsqdTopicProducers(topic: string, nsqds: readonly string[]): Promise<Partial<Producer[]>> {
    const r = await this.each('nsqd', nsqds, async (a) => {
      const stats = obj(
        await this.get('nsqd', `http://${a}/stats?format=json&topic=${esc(topic)}&include_clients=false`),
      );
      const topics = Array.isArray(stats.topics) ? stats.topics : [];
      if (!topics.some((t) => obj(t).topic_name === topic)) return null;
      const info = obj(await this.get('nsqd', `http://${a}/info`));
      return this.nsqdProducer(a, info, topics);
    });
    return { value: r.value.filter((p): p is Producer => p !== null), errors: r.errors };
  }

  producers(lookupds: readonly string[], nsqds: readonly string[]): Promise<Partial<Producer[]>> {
    return lookupds.length > 0 ? this.lookupdProducers(lookupds) : this.nsqdProducers(nsqds);
  }

  topicProducers(
    topic: string,
    lookupds: readonly string[],
    nsqds: readonly string[],
  ): Promise<Partial<Producer[]>> {
    return lookupds.length > 0
      ? this.lookupdTopicProducers(topic, lookupds)
      : this.nsqdTopicProducers(topic, nsqds);
  }

  /**
   * GetNSQDStats: /stats of every producer; the topics (only `topic` when given) and the channels
   * summed across nodes, keyed by channel name (with a topic) or `topic:channel`.
   */
  async nsqdStats(
    producers: readonly Producer[],
    topic: string,
    channel: string,
    includeClients: boolean,
  ): Promise<Partial<{ topics: TopicStats[]; channels: Map<string, ChannelStats> }>> {
    const nowSec = Math.floor(Date.now() / 1000);
    const r = await this.each('nsqd', producers, async (p) => {
      const addr = httpAddress(p);
      let endpoint = `http://${addr}/stats?format=json`;
      if (topic !== '') {
        endpoint += `&topic=${esc(topic)}`;
        if (channel !== '') endpoint += `&channel=${esc(channel)}`;
      }
      if (!includeClients) endpoint += '&include_clients=false';
      const topics = obj(await this.get('nsqd', endpoint)).topics;
      const ref = {
        node: addr,
        hostname: p.hostname,
        topologyRegion: p.topology_region ?? '',
        topologyZone: p.topology_zone ?? '',
      };
      return (Array.isArray(topics) ? topics : []).map((t) => parseTopic(t, ref, nowSec));
    });
    const topics: TopicStats[] = [];
    const channels = new Map<string, ChannelStats>();
    for (const nodeTopics of r.value) {
      for (const t of nodeTopics) {
        if (topic !== '' && t.topic_name !== topic) continue;
        topics.push(t);
        for (const c of t.channels ?? []) {
          const key = topic === '' ? `${t.topic_name}:${c.channel_name}` : c.channel_name;
          let agg = channels.get(key);
          if (agg === undefined)
            channels.set(key, (agg = newChannelStats(c.node, t.topic_name, c.channel_name)));
          addChannel(agg, c);
        }
      }
    }
    topics.sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
    return { value: { topics, channels }, errors: r.errors };
  }

  // ------------------------------------------------------------ actions (one address after another)

  private async postAll(
    kind: 'nsqlookupd' | 'nsqd',
    addrs: readonly string[],
    uri: string,
    qs: string,
  ): Promise<string[]> {
    const errors: string[] = [];
    for (const a of addrs) {
      const endpoint = `http://${a}/${uri}?${qs}`;
      this.log.info(`CI: querying ${kind} ${endpoint}`);
      try {
        await this.client.postV1(endpoint);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    return errors;
  }

  private producersPost(ps: readonly Producer[], uri: string, qs: string): Promise<string[]> {
    return this.postAll('nsqd', ps.map(httpAddress), uri, qs);
  }

  /** TombstoneNodeForTopic: lookupds tombstone, then the node's /info + /stats, then topic/delete on it */
  async tombstoneNodeForTopic(topic: string, node: string, lookupds: readonly string[]): Promise<string[]> {
    const errors = await this.postAll(
      'nsqlookupd',
      lookupds,
      'topic/tombstone',
      `topic=${esc(topic)}&node=${esc(node)}`,
    );
    const ps = await this.nsqdProducers([node]);
    errors.push(...ps.errors);
    errors.push(...(await this.producersPost(ps.value, 'topic/delete', `topic=${esc(topic)}`)));
    return errors;
  }

  async createTopicChannel(topic: string, channel: string, lookupds: readonly string[]): Promise<string[]> {
    const errors = await this.postAll('nsqlookupd', lookupds, 'topic/create', `topic=${esc(topic)}`);
    if (channel !== '') {
      const qs = topicChannelQuery(topic, channel);
      errors.push(...(await this.postAll('nsqlookupd', lookupds, 'channel/create', qs)));
      const ps = await this.lookupdTopicProducers(topic, lookupds);
      errors.push(...ps.errors);
      errors.push(...(await this.producersPost(ps.value, 'channel/create', qs)));
    }
    return errors;
  }

  /**
   * actionHelper (pause/unpause/empty) and DeleteTopic/DeleteChannel (delete: the lookupds first) on
   * a topic (channel '') or a channel, then on every producer of the topic
   */
  async topicChannelAction(
    action: 'pause' | 'unpause' | 'empty' | 'delete',
    topic: string,
    channel: string,
    lookupds: readonly string[],
    nsqds: readonly string[],
  ): Promise<string[]> {
    const ps = await this.topicProducers(topic, lookupds, nsqds);
    const uri = `${channel === '' ? 'topic' : 'channel'}/${action}`;
    const qs = topicChannelQuery(topic, channel);
    const errors = [...ps.errors];
    if (action === 'delete') errors.push(...(await this.postAll('nsqlookupd', lookupds, uri, qs)));
    errors.push(...(await this.producersPost(ps.value, uri, qs)));
    return errors;
  }
}

/** the query string naming a topic (channel '') or one of its channels */
function topicChannelQuery(topic: string, channel: string): string {
  return channel === '' ? `topic=${esc(topic)}` : `topic=${esc(topic)}&channel=${esc(channel)}`;
}

function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Producer.UnmarshalJSON of a lookupd producer */
function producerFromLookupd(raw: unknown): Producer {
  const r = obj(raw);
  const topics = strs(r.topics);
  const tomb = Array.isArray(r.tombstones) ? r.tombstones : [];
  return {
    remote_addresses: null,
    remote_address: String(r.remote_address ?? ''),
    hostname: String(r.hostname ?? ''),
    broadcast_address: String(r.broadcast_address ?? ''),
    tcp_port: Number(r.tcp_port ?? 0),
    http_port: Number(r.http_port ?? 0),
    version: String(r.version ?? ''),
    topology_zone: optStr(r.topology_zone),
    topology_region: optStr(r.topology_region),
    topics:
      topics.length === 0
        ? null
        : topics
            .map((t, i) => ({ topic: t, tombstoned: tomb[i] === true }))
            .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0)),
    out_of_date: false,
  };
}
