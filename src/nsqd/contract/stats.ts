/**
 * What nsqd's /stats reports, as nsqd/stats.go defines it: the snapshot of topics, channels and
 * clients the broker assembles from its shards, and the memory numbers. Plain data that crosses
 * threads; rendering it is src/nsqd/http/stats-format.ts's job.
 */

import v8 from 'node:v8';

export interface StatsFilter {
  /** only this topic ('' = all); a missing topic gives `topics: null` */
  topic: string;
  /** only this channel of that topic ('' = all) */
  channel: string;
  includeClients: boolean;
}

export interface ClientStats {
  clientId: string;
  hostname: string;
  remoteAddress: string;
  /** 0 init/producer, 3 subscribed, 4 closing */
  state: number;
  readyCount: number;
  inFlightCount: number;
  messageCount: number;
  finishCount: number;
  requeueCount: number;
  /** unix seconds */
  connectTs: number;
  sampleRate: number;
  userAgent: string;
  topologyZone: string;
  topologyRegion: string;
  /** per topic publish counts (producers) */
  pubCounts: { topic: string; count: number }[];
  /** deliveries by locality (topology-aware-consumption experiment); omitted from JSON when 0 (default 0) */
  zoneLocalMsgCount?: number;
  regionLocalMsgCount?: number;
  globalMsgCount?: number;
  /** negotiated compression (default false) */
  deflate?: boolean;
  snappy?: boolean;
  /** AUTH state: has authorizations, and the auth server's identity/url (omitted from JSON when empty) */
  authed?: boolean;
  authIdentity?: string;
  authIdentityUrl?: string;
  /** TLS upgrade facts (default false / ''): `tls_version` like `TLS1.2`, cipher as Go's constant name */
  tls?: boolean;
  tlsCipherSuite?: string;
  tlsVersion?: string;
  tlsNegotiatedProtocol?: string;
  tlsNegotiatedProtocolIsMutual?: boolean;
}

export interface LatencyStats {
  count: number;
  /** [{quantile, value (ns)}] in the configured order, or null when no percentile is configured */
  percentiles: { quantile: number; value: number }[] | null;
}

export interface ChannelStats {
  channelName: string;
  depth: number;
  backendDepth: number;
  inFlightCount: number;
  deferredCount: number;
  messageCount: number;
  requeueCount: number;
  timeoutCount: number;
  /** deliveries by locality (topology-aware-consumption experiment); omitted from JSON when 0 (default 0) */
  zoneLocalMsgCount?: number;
  regionLocalMsgCount?: number;
  globalMsgCount?: number;
  clientCount: number;
  /** null when includeClients is false */
  clients: ClientStats[] | null;
  paused: boolean;
  e2eProcessingLatency: LatencyStats;
}

export interface TopicStats {
  topicName: string;
  /** sorted by name */
  channels: ChannelStats[];
  depth: number;
  backendDepth: number;
  messageCount: number;
  messageBytes: number;
  paused: boolean;
  e2eProcessingLatency: LatencyStats;
}

export interface StatsSnapshot {
  version: string;
  /** "OK" or "NOK - <err>" */
  health: string;
  /** unix seconds */
  startTime: number;
  /** sorted by name; null when the topic filter names a missing topic */
  topics: TopicStats[] | null;
  /** TCP connections that published at least once; null when none or includeClients is false */
  producers: ClientStats[] | null;
}

/** Go's `memStats` (nsqd/stats.go), in its field order; Node stands in for the Go runtime numbers */
export interface MemStats {
  heapObjects: number;
  heapIdleBytes: number;
  heapInUseBytes: number;
  heapReleasedBytes: number;
  gcPauseUsec100: number;
  gcPauseUsec99: number;
  gcPauseUsec95: number;
  nextGcBytes: number;
  gcTotalRuns: number;
}

/**
 * The mean size of a V8 heap object in an nsqd process, measured with heap snapshots (node count
 * against used heap): ~80 B idle and with messages queued, ~65 B under many small objects.
 */
const MEAN_HEAP_OBJECT_BYTES = 72;

/**
 * V8 heap numbers mapped onto Go's runtime.MemStats fields: in-use = used heap, idle = committed but
 * unused heap, released = committed but not resident, next GC = the current heap size (V8 collects or
 * grows there). V8 counts no objects short of a heap snapshot (far too slow for /stats), so objects =
 * used heap / the measured mean object size: an estimate that grows and shrinks with the heap, as
 * Go's HeapObjects does. No GC pause history either: those stay 0.
 */
export function readMemStats(): MemStats {
  const h = v8.getHeapStatistics();
  return {
    heapObjects: Math.round(h.used_heap_size / MEAN_HEAP_OBJECT_BYTES),
    heapIdleBytes: Math.max(0, h.total_heap_size - h.used_heap_size),
    heapInUseBytes: h.used_heap_size,
    heapReleasedBytes: Math.max(0, h.total_heap_size - h.total_physical_size),
    gcPauseUsec100: 0,
    gcPauseUsec99: 0,
    gcPauseUsec95: 0,
    nextGcBytes: h.total_heap_size,
    gcTotalRuns: 0,
  };
}
