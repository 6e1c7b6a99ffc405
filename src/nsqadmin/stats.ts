/**
 * The statistics nsqadmin hands out, as Go's internal/clusterinfo types: TopicStats, ChannelStats,
 * ClientStats and the e2e latency aggregate, read from an nsqd's /stats JSON (only the fields Go's
 * structs have, plus the ones nsqadmin computes) and summed across nodes by Go's `Add` methods, quirks
 * included (a topic's channel list aliases the first node's channel objects; e2e `min`). Objects keep
 * Go's field order so goJson writes Go's bytes. Pure data; no I/O.
 */

export type Percentile = Record<string, number>;

export interface E2e {
  count: number;
  percentiles: Percentile[] | null;
  topic: string;
  channel: string;
  host: string;
}

export interface ClientStats {
  node: string;
  remote_address: string;
  version: string;
  client_id: string;
  hostname: string;
  user_agent: string;
  connect_ts: number;
  connected: number;
  in_flight_count: number;
  ready_count: number;
  finish_count: number;
  requeue_count: number;
  message_count: number;
  sample_rate: number;
  deflate: boolean;
  snappy: boolean;
  authed: boolean;
  auth_identity: string;
  auth_identity_url: string;
  node_topology_region: string | undefined;
  node_topology_zone: string | undefined;
  topology_region: string | undefined;
  topology_zone: string | undefined;
  tls: boolean;
  tls_cipher_suite: string;
  tls_version: string;
  tls_negotiated_protocol: string;
  tls_negotiated_protocol_is_mutual: boolean;
}

export interface ChannelStats {
  node: string;
  hostname: string;
  topic_name: string;
  channel_name: string;
  depth: number;
  memory_depth: number;
  backend_depth: number;
  in_flight_count: number;
  deferred_count: number;
  requeue_count: number;
  timeout_count: number;
  message_count: number;
  delivery_msg_count: number;
  zone_local_msg_count: number;
  region_local_msg_count: number;
  global_msg_count: number;
  client_count: number;
  nodes: ChannelStats[] | null;
  clients: ClientStats[] | null;
  paused: boolean;
  e2e_processing_latency: E2e | null;
}

export interface TopicStats {
  node: string;
  hostname: string;
  topic_name: string;
  depth: number;
  memory_depth: number;
  backend_depth: number;
  message_count: number;
  delivery_msg_count: number;
  zone_local_msg_count: number;
  region_local_msg_count: number;
  global_msg_count: number;
  nodes: TopicStats[] | null;
  channels: ChannelStats[] | null;
  paused: boolean;
  e2e_processing_latency: E2e | null;
}

type Json = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const bool = (v: unknown): boolean => v === true;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const list = (v: unknown): unknown[] | null => (Array.isArray(v) ? v : null);
const opt = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** E2eProcessingLatencyAggregate.UnmarshalJSON: each percentile gains min = max = average = value, count */
export function parseE2e(v: unknown): E2e | null {
  if (v === null || v === undefined) return null;
  const o = obj(v);
  const count = num(o.count);
  const ps = list(o.percentiles);
  return {
    count,
    percentiles:
      ps === null
        ? null
        : ps.map((p) => {
            const m: Percentile = {};
            for (const [k, x] of Object.entries(obj(p))) if (typeof x === 'number') m[k] = x;
            const value = m.value ?? 0;
            m.min = value;
            m.max = value;
            m.average = value;
            m.count = count;
            return m;
          }),
    topic: str(o.topic),
    channel: str(o.channel),
    host: str(o.host),
  };
}

/** E2eProcessingLatencyAggregate.Add, with Go's `min` (the last-added node's max) */
export function addE2e(e: E2e, other: E2e | null): void {
  e.host = '*';
  if (other === null) return;
  e.count += other.count;
  for (const value of other.percentiles ?? []) {
    const ps = e.percentiles ?? [];
    let p = ps.find((x) => x.quantile === (value.quantile ?? 0));
    if (p === undefined) {
      p = { quantile: value.quantile ?? 0 };
      ps.push(p);
      e.percentiles = ps;
    }
    p.max = Math.max(value.max ?? 0, p.max ?? 0);
    p.min = Math.min(value.max ?? 0, p.max);
    p.count = (p.count ?? 0) + (value.count ?? 0);
    if (p.count === 0) {
      p.average = 0;
      continue;
    }
    const avg = p.average ?? 0;
    p.average = avg + ((value.average ?? 0) - avg) * ((value.count ?? 0) / p.count);
  }
}

/** a client of an nsqd's /stats; `connected` (ns) = now truncated to the second − connect_ts */
export function parseClient(v: unknown, node: string, nowSec: number): ClientStats {
  const c = obj(v);
  const connectTs = num(c.connect_ts);
  return {
    node,
    remote_address: str(c.remote_address),
    version: str(c.version),
    client_id: str(c.client_id),
    hostname: str(c.hostname),
    user_agent: str(c.user_agent),
    connect_ts: connectTs,
    connected: (nowSec - connectTs) * 1e9,
    in_flight_count: num(c.in_flight_count),
    ready_count: num(c.ready_count),
    finish_count: num(c.finish_count),
    requeue_count: num(c.requeue_count),
    message_count: num(c.message_count),
    sample_rate: num(c.sample_rate),
    deflate: bool(c.deflate),
    snappy: bool(c.snappy),
    authed: bool(c.authed),
    auth_identity: str(c.auth_identity),
    auth_identity_url: str(c.auth_identity_url),
    node_topology_region: opt(c.node_topology_region),
    node_topology_zone: opt(c.node_topology_zone),
    topology_region: opt(c.topology_region),
    topology_zone: opt(c.topology_zone),
    tls: bool(c.tls),
    tls_cipher_suite: str(c.tls_cipher_suite),
    tls_version: str(c.tls_version),
    tls_negotiated_protocol: str(c.tls_negotiated_protocol),
    tls_negotiated_protocol_is_mutual: bool(c.tls_negotiated_protocol_is_mutual),
  };
}

export interface NodeRef {
  /** broadcast_address:http_port */
  node: string;
  hostname: string;
  topologyRegion: string;
  topologyZone: string;
}

export function parseChannel(v: unknown, topic: string, p: NodeRef, nowSec: number): ChannelStats {
  const c = obj(v);
  const depth = num(c.depth);
  const backend = num(c.backend_depth);
  const zone = num(c.zone_local_msg_count);
  const region = num(c.region_local_msg_count);
  const global = num(c.global_msg_count);
  const clients = list(c.clients);
  return {
    node: p.node,
    hostname: p.hostname,
    topic_name: topic,
    channel_name: str(c.channel_name),
    depth,
    memory_depth: depth - backend,
    backend_depth: backend,
    in_flight_count: num(c.in_flight_count),
    deferred_count: num(c.deferred_count),
    requeue_count: num(c.requeue_count),
    timeout_count: num(c.timeout_count),
    message_count: num(c.message_count),
    delivery_msg_count: zone + region + global,
    zone_local_msg_count: zone,
    region_local_msg_count: region,
    global_msg_count: global,
    client_count: num(c.client_count),
    nodes: null,
    clients:
      clients === null
        ? null
        : clients.map((x) => {
            const cs = parseClient(x, p.node, nowSec);
            cs.node_topology_region = p.topologyRegion === '' ? undefined : p.topologyRegion;
            cs.node_topology_zone = p.topologyZone === '' ? undefined : p.topologyZone;
            return cs;
          }),
    paused: bool(c.paused),
    e2e_processing_latency: parseE2e(c.e2e_processing_latency),
  };
}

export function parseTopic(v: unknown, p: NodeRef, nowSec: number): TopicStats {
  const t = obj(v);
  const name = str(t.topic_name);
  const depth = num(t.depth);
  const backend = num(t.backend_depth);
  const zone = num(t.zone_local_msg_count);
  const region = num(t.region_local_msg_count);
  const global = num(t.global_msg_count);
  const channels = list(t.channels);
  return {
    node: p.node,
    hostname: p.hostname,
    topic_name: name,
    depth,
    memory_depth: depth - backend,
    backend_depth: backend,
    message_count: num(t.message_count),
    delivery_msg_count: zone + region + global,
    zone_local_msg_count: zone,
    region_local_msg_count: region,
    global_msg_count: global,
    nodes: null,
    channels: channels === null ? null : channels.map((c) => parseChannel(c, name, p, nowSec)),
    paused: bool(t.paused),
    e2e_processing_latency: parseE2e(t.e2e_processing_latency),
  };
}

const byHostname = <T extends { hostname: string }>(a: T, b: T): number =>
  a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0;

export function newChannelStats(node: string, topic: string, channel: string): ChannelStats {
  return {
    node,
    hostname: '',
    topic_name: topic,
    channel_name: channel,
    depth: 0,
    memory_depth: 0,
    backend_depth: 0,
    in_flight_count: 0,
    deferred_count: 0,
    requeue_count: 0,
    timeout_count: 0,
    message_count: 0,
    delivery_msg_count: 0,
    zone_local_msg_count: 0,
    region_local_msg_count: 0,
    global_msg_count: 0,
    client_count: 0,
    nodes: null,
    clients: null,
    paused: false,
    e2e_processing_latency: null,
  };
}

export function newTopicStats(topic: string): TopicStats {
  return {
    node: '',
    hostname: '',
    topic_name: topic,
    depth: 0,
    memory_depth: 0,
    backend_depth: 0,
    message_count: 0,
    delivery_msg_count: 0,
    zone_local_msg_count: 0,
    region_local_msg_count: 0,
    global_msg_count: 0,
    nodes: null,
    channels: null,
    paused: false,
    e2e_processing_latency: null,
  };
}

/** the counters TopicStats.Add and ChannelStats.Add both sum */
const NODE_COUNTS = [
  'depth',
  'memory_depth',
  'backend_depth',
  'message_count',
  'delivery_msg_count',
  'zone_local_msg_count',
  'region_local_msg_count',
  'global_msg_count',
] as const;
/** and the ones only ChannelStats.Add sums */
const CHANNEL_COUNTS = [
  'in_flight_count',
  'deferred_count',
  'requeue_count',
  'timeout_count',
  'client_count',
] as const;

/** the part of Add both types share: node '*', the counters, paused, `a` among the sorted nodes, e2e */
function addNode<T extends TopicStats | ChannelStats>(t: T, a: T, channel: string): void {
  t.node = '*';
  for (const k of NODE_COUNTS) t[k] += a[k];
  if (a.paused) t.paused = true;
  t.nodes = [...((t.nodes as T[] | null) ?? []), a].sort(byHostname) as T['nodes'];
  t.e2e_processing_latency ??= { count: 0, percentiles: null, topic: t.topic_name, channel, host: t.node };
  addE2e(t.e2e_processing_latency, a.e2e_processing_latency);
}

/** ChannelStats.Add */
export function addChannel(c: ChannelStats, a: ChannelStats): void {
  for (const k of CHANNEL_COUNTS) c[k] += a[k];
  addNode(c, a, c.channel_name);
  if (a.clients !== null && a.clients.length > 0)
    c.clients = [...(c.clients ?? []), ...a.clients].sort(byHostname);
  else if (c.clients !== null) c.clients.sort(byHostname);
}

/** TopicStats.Add (the channel list aliases the first node's channel objects, as Go's does) */
export function addTopic(t: TopicStats, a: TopicStats): void {
  for (const ac of a.channels ?? []) {
    let found = false;
    for (const c of t.channels ?? []) {
      if (c.channel_name === ac.channel_name) {
        found = true;
        addChannel(c, ac);
      }
    }
    if (!found) t.channels = [...(t.channels ?? []), ac];
  }
  addNode(t, a, '');
}

/** ClientStatsByNodeTopology: by node; within a node its own zone, then own region, then region, zone */
export function sortClientsByNodeTopology(clients: ClientStats[]): void {
  clients.sort((a, b) => {
    if (a.node !== b.node) return a.node < b.node ? -1 : 1;
    const region = a.node_topology_region ?? '';
    const zone = a.node_topology_zone ?? '';
    const ar = a.topology_region ?? '';
    const az = a.topology_zone ?? '';
    const br = b.topology_region ?? '';
    const bz = b.topology_zone ?? '';
    if (ar === region && az === zone) return -1;
    if (br === region && bz === zone) return 1;
    if (ar === region) return -1;
    if (br === region) return 1;
    if (ar === br) return az < bz ? -1 : az > bz ? 1 : 0;
    return ar < br ? -1 : 1;
  });
}

// ---------------------------------------------------------------- Go's JSON field rules

const omit0 = (n: number): number | undefined => (n === 0 ? undefined : n);

function e2eJson(e: E2e | null): unknown {
  if (e === null) return null;
  return {
    count: e.count,
    // Go writes map keys sorted
    percentiles:
      e.percentiles === null
        ? null
        : e.percentiles.map((p) =>
            Object.fromEntries(Object.entries(p).sort(([a], [b]) => (a < b ? -1 : 1))),
          ),
    topic: e.topic,
    channel: e.channel,
    host: e.host,
  };
}

export function channelJson(c: ChannelStats): Json {
  return {
    ...c,
    delivery_msg_count: omit0(c.delivery_msg_count),
    zone_local_msg_count: omit0(c.zone_local_msg_count),
    region_local_msg_count: omit0(c.region_local_msg_count),
    global_msg_count: omit0(c.global_msg_count),
    nodes: c.nodes === null ? null : c.nodes.map(channelJson),
    e2e_processing_latency: e2eJson(c.e2e_processing_latency),
  };
}

export function topicJson(t: TopicStats): Json {
  return {
    ...t,
    zone_local_msg_count: omit0(t.zone_local_msg_count),
    region_local_msg_count: omit0(t.region_local_msg_count),
    global_msg_count: omit0(t.global_msg_count),
    nodes: t.nodes === null ? null : t.nodes.map(topicJson),
    channels: t.channels === null ? null : t.channels.map(channelJson),
    e2e_processing_latency: e2eJson(t.e2e_processing_latency),
  };
}
