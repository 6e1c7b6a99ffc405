/**
 * What nsqd's /stats reports, as nsqd/stats.go defines it: the snapshot of topics, channels and
 * clients the broker assembles from its shards, and the memory numbers. Plain data that crosses
 * threads; rendering it is src/nsqd/http/stats-format.ts's job.
 */

import { PerformanceObserver } from 'node:perf_hooks';
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

/** Go's runtime.MemStats.PauseNs: the pauses of the most recent collections, a ring of 256 */
const GC_PAUSE_RING = 256;

/** this thread's collections, as Go's runtime counts them: NumGC and the PauseNs ring (ns) */
const gc = {
  runs: 0,
  pausesNs: new Float64Array(GC_PAUSE_RING),
  observer: null as PerformanceObserver | null,
};

/**
 * Start counting this thread's garbage collections (Node's `gc` performance entries) for
 * readMemStats' gc_* numbers. Idempotent; costs one entry per collection, nothing per message.
 */
export function watchGc(): void {
  if (gc.observer !== null) return;
  gc.observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc.pausesNs[gc.runs++ % GC_PAUSE_RING] = e.duration * 1e6;
  });
  gc.observer.observe({ entryTypes: ['gc'] });
}

/** nsqd's percentile(): the element at round(perc% of length), clamped */
function percentile(perc: number, sorted: Float64Array): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(Math.floor((perc / 100) * sorted.length + 0.5), sorted.length - 1);
  return sorted[i]!;
}

/**
 * V8 heap numbers mapped onto Go's runtime.MemStats fields: in-use = used heap, idle = committed but
 * unused heap, released = committed but not resident, next GC = the current heap size (V8 collects or
 * grows there). V8 counts no objects short of a heap snapshot (far too slow for /stats), so objects =
 * used heap / the measured mean object size: an estimate that grows and shrinks with the heap, as
 * Go's HeapObjects does. GC runs and pauses are the io thread's collections since watchGc() (0 before).
 */
export function readMemStats(): MemStats {
  const h = v8.getHeapStatistics();
  const pauses = gc.pausesNs.slice(0, Math.min(gc.runs, GC_PAUSE_RING)).sort();
  const usec = (perc: number): number => Math.floor(percentile(perc, pauses) / 1000);
  return {
    heapObjects: Math.round(h.used_heap_size / MEAN_HEAP_OBJECT_BYTES),
    heapIdleBytes: Math.max(0, h.total_heap_size - h.used_heap_size),
    heapInUseBytes: h.used_heap_size,
    heapReleasedBytes: Math.max(0, h.total_heap_size - h.total_physical_size),
    gcPauseUsec100: usec(100),
    gcPauseUsec99: usec(99),
    gcPauseUsec95: usec(95),
    nextGcBytes: h.total_heap_size,
    gcTotalRuns: gc.runs,
  };
}
