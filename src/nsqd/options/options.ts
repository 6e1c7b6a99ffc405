/**
 * The resolved nsqd options: one plain-data object, validated once at start-up (see ./cli.ts) and
 * handed to shards via workerData. Durations are milliseconds, sizes bytes. Never mutated after
 * start-up: PUT /config changes the logger's level and the lookupd registrar's list, not this object.
 */

import type { LogLevel } from '../../log.js';

export type { LogLevel };

import type { HttpServerChoice } from '../../http/adapter.js';

export type TlsRequired = 'false' | 'true' | 'tcp-https';

/** --max-depth-policy: drop the oldest queued message, or refuse the publish (E_PUB_FAILED / HTTP 503) */
export type DepthPolicy = 'drop-oldest' | 'reject-new';

/** the longest DPUB or `defer=` the options allow (ms): --max-defer-timeout, else --max-req-timeout */
export function deferLimit(o: Pick<Options, 'maxDeferTimeout' | 'maxReqTimeout'>): number {
  return o.maxDeferTimeout > 0 ? o.maxDeferTimeout : o.maxReqTimeout;
}

export interface Options {
  // listeners / identity
  tcpAddress: string;
  httpAddress: string;
  httpsAddress: string;
  broadcastAddress: string;
  broadcastTcpPort: number;
  broadcastHttpPort: number;
  nodeId: number;
  lookupdTcpAddresses: string[];
  logLevel: LogLevel;
  logPrefix: string;
  httpClientConnectTimeout: number;
  httpClientRequestTimeout: number;
  // auth
  authHttpAddresses: string[];
  authHttpRequestMethod: 'get' | 'post';
  // disk queue
  dataPath: string;
  memQueueSize: number;
  maxBytesPerFile: number;
  syncEvery: number;
  syncTimeout: number;
  queueScanWorkerPoolMax: number;
  queueScanSelectionCount: number;
  // messages / commands
  msgTimeout: number;
  maxMsgTimeout: number;
  maxMsgSize: number;
  maxBodySize: number;
  maxReqTimeout: number;
  // client-overridable limits
  maxHeartbeatInterval: number;
  maxRdyCount: number;
  maxOutputBufferSize: number;
  maxOutputBufferTimeout: number;
  minOutputBufferTimeout: number;
  outputBufferTimeout: number;
  maxChannelConsumers: number;
  // statsd
  statsdAddress: string;
  statsdPrefix: string;
  statsdInterval: number;
  statsdMemStats: boolean;
  statsdUdpPacketSize: number;
  statsdExcludeEphemeral: boolean;
  // e2e latency
  e2eProcessingLatencyPercentiles: number[];
  e2eProcessingLatencyWindowTime: number;
  // tls
  tlsCert: string;
  tlsKey: string;
  tlsClientAuthPolicy: string;
  tlsRootCaFile: string;
  tlsRequired: TlsRequired;
  tlsMinVersion: number;
  // compression
  deflate: boolean;
  maxDeflateLevel: number;
  snappy: boolean;
  // topology
  topologyRegion: string;
  topologyZone: string;
  enableExperiments: string[];
  // nsq-ts only
  /** shard worker threads; 0 = one shard inline on the io thread */
  workers: number;
  /** --io-threads: threads that accept and serve TCP clients (the main thread is one); 0 = auto (resolveIoThreads) */
  ioThreads: number;
  /** which HTTP server serves the HTTP API ('auto' = uWebSockets.js when it loads, else node:http) */
  httpServer: HttpServerChoice;
  /** OK only after the message is fsynced (group commit) */
  syncPublish: boolean;
  /** serve Prometheus metrics at GET /metrics */
  metrics: boolean;
  /** leave `#ephemeral` topics and channels out of /metrics */
  metricsExcludeEphemeral: boolean;
  /** dead letters: a message about to be delivered for the N+1-th time goes to the dead-letter topic (0 = off) */
  maxAttempts: number;
  /** the dead-letter topic's name, `%s` standing for the topic's */
  deadLetterTopic: string;
  /** the longest DPUB / `?defer=` (ms); 0 = --max-req-timeout's, as nsqd's PR #1504 */
  maxDeferTimeout: number;
  /** deferred messages past --mem-queue-size per channel, and all of them at shutdown, go to an on-disk store by due time */
  persistDeferred: boolean;
  /** drop messages older than this at delivery (ms; 0 = off); per topic/channel over HTTP */
  messageTtl: number;
  /** the most messages a topic or channel holds (memory + disk; 0 = unbounded) */
  maxDepth: number;
  /** what a topic or channel at --max-depth does with one more message */
  maxDepthPolicy: DepthPolicy;
  /** drain mode's longest wait for the topics and channels to empty (ms) */
  drainTimeout: number;
  /** the HTTP path that upgrades to a WebSocket carrying the V2 protocol ('' = off) */
  websocketPath: string;
  // internal: no flag, no config-file key, not in /config (nsqd's hidden Options); tests shorten them
  /** nsqd's ClientTimeout: how long a new connection has to send the magic */
  clientTimeout: number;
  /** the heartbeat interval of a client that IDENTIFYs none (nsqd: ClientTimeout / 2) */
  heartbeatInterval: number;
  /** nsqd's QueueScanInterval: how often a shard looks for timed-out and deferred messages */
  queueScanInterval: number;
}

/** the internal options' keys: set only by code (tests), never by a flag or a config file */
export type InternalOptionKey = 'clientTimeout' | 'heartbeatInterval' | 'queueScanInterval';

/** the internal options' values in production, nsqd's (ms) */
export const INTERNAL_DEFAULTS: Readonly<Pick<Options, InternalOptionKey>> = {
  clientTimeout: 60_000,
  heartbeatInterval: 30_000,
  queueScanInterval: 100,
};
