/** The nsqd flag table (names, kinds, Go help texts, config names), nsqd's own value kinds (TLS), defaults and usage text; resolved by the shared Go flag/config machinery (../../go/options.ts). */

import { createHash } from 'node:crypto';
import os from 'node:os';
import type { FlagSpec } from '../../go/options.js';
import { goQuote } from '../../go/quote.js';
import { parseGoBool } from '../../go/strconv.js';
import type { HttpServerChoice } from '../../http/adapter.js';
import { type DepthPolicy, INTERNAL_DEFAULTS, type Options, type TlsRequired } from './options.js';

export { cfgName, checkChoice, parseLogLevel } from '../../go/options.js';

export type NsqdFlag = FlagSpec<Options>;

/** `--max-depth-policy` values */
export const DEPTH_POLICIES: readonly DepthPolicy[] = ['drop-oldest', 'reject-new'];

/** `--http-server` values */
export const HTTP_SERVER_CHOICES: readonly HttpServerChoice[] = ['auto', 'uws', 'node'];

const TLS_NAMES = new Map([
  [0x0301, 'tls1.0'],
  [0x0302, 'tls1.1'],
  [0x0303, 'tls1.2'],
  [0x0304, 'tls1.3'],
]);

/** Every nsqd flag (Go nsqd 1.3.0 + post-1.3.0 master) plus nsq-ts's own `--workers` and `--http-server`. */
// biome-ignore format: one flag per line reads best as a table
export const NSQD_FLAGS: readonly NsqdFlag[] = [
  // basic options
  { name: 'version', kind: 'bool', usage: 'print version string' },
  { name: 'config', kind: 'string', usage: 'path to config file' },
  { name: 'log-level', kind: 'log-level', key: 'logLevel', usage: 'set log verbosity: debug, info, warn, error, or fatal' },
  { name: 'log-prefix', kind: 'string', key: 'logPrefix', usage: 'log message prefix' },
  { name: 'verbose', kind: 'bool', usage: '[deprecated] has no effect, use --log-level' },
  { name: 'node-id', kind: 'int', key: 'nodeId', cfg: 'id', usage: 'unique part for message IDs, (int) in range [0,1024) (default is hash of hostname)' },
  { name: 'worker-id', kind: 'bool', usage: '[deprecated] use --node-id' },
  { name: 'https-address', kind: 'string', key: 'httpsAddress', usage: '<addr>:<port> to listen on for HTTPS clients' },
  { name: 'http-address', kind: 'string', key: 'httpAddress', usage: '<addr>:<port> or a unix socket path to listen on for HTTP clients (empty to disable)' },
  { name: 'tcp-address', kind: 'string', key: 'tcpAddress', usage: '<addr>:<port> or a unix socket path to listen on for TCP clients' },
  { name: 'auth-http-address', kind: 'string-array', key: 'authHttpAddresses', cfg: 'auth_http_addresses', usage: '<addr>:<port> or a full url to query auth server (may be given multiple times)' },
  { name: 'auth-http-request-method', kind: 'string', key: 'authHttpRequestMethod', usage: 'HTTP method to use for auth server requests (get or post)' },
  { name: 'broadcast-address', kind: 'string', key: 'broadcastAddress', usage: 'address that will be registered with lookupd (defaults to the OS hostname)' },
  { name: 'broadcast-tcp-port', kind: 'int', key: 'broadcastTcpPort', usage: 'TCP port that will be registered with lookupd (defaults to the TCP port that this nsqd is listening on)' },
  { name: 'broadcast-http-port', kind: 'int', key: 'broadcastHttpPort', usage: 'HTTP port that will be registered with lookupd (defaults to the HTTP port that this nsqd is listening on)' },
  { name: 'lookupd-tcp-address', kind: 'string-array', key: 'lookupdTcpAddresses', cfg: 'nsqlookupd_tcp_addresses', usage: 'lookupd TCP address (may be given multiple times)' },
  { name: 'http-client-connect-timeout', kind: 'duration', key: 'httpClientConnectTimeout', usage: 'timeout for HTTP connect' },
  { name: 'http-client-request-timeout', kind: 'duration', key: 'httpClientRequestTimeout', usage: 'timeout for HTTP request' },
  // diskqueue options
  { name: 'data-path', kind: 'string', key: 'dataPath', usage: 'path to store disk-backed messages' },
  { name: 'mem-queue-size', kind: 'int', key: 'memQueueSize', usage: 'number of messages to keep in memory (per topic/channel)' },
  { name: 'max-bytes-per-file', kind: 'int', key: 'maxBytesPerFile', usage: 'number of bytes per diskqueue file before rolling' },
  { name: 'sync-every', kind: 'int', key: 'syncEvery', usage: 'number of messages per diskqueue fsync' },
  { name: 'sync-timeout', kind: 'duration', key: 'syncTimeout', usage: 'duration of time per diskqueue fsync' },
  { name: 'queue-scan-worker-pool-max', kind: 'int', key: 'queueScanWorkerPoolMax', usage: 'max concurrency for checking in-flight and deferred message timeouts' },
  { name: 'queue-scan-selection-count', kind: 'int', key: 'queueScanSelectionCount', usage: 'number of channels to check per cycle (every 100ms) for in-flight and deferred timeouts' },
  // msg and command options
  { name: 'msg-timeout', kind: 'duration', key: 'msgTimeout', usage: 'default duration to wait before auto-requeing a message' },
  { name: 'max-msg-timeout', kind: 'duration', key: 'maxMsgTimeout', usage: 'maximum duration before a message will timeout' },
  { name: 'max-msg-size', kind: 'int', key: 'maxMsgSize', usage: 'maximum size of a single message in bytes' },
  { name: 'max-req-timeout', kind: 'duration', key: 'maxReqTimeout', usage: 'maximum requeuing timeout for a message' },
  { name: 'max-body-size', kind: 'int', key: 'maxBodySize', usage: 'maximum size of a single command body' },
  // client overridable configuration options
  { name: 'max-heartbeat-interval', kind: 'duration', key: 'maxHeartbeatInterval', usage: 'maximum client configurable duration of time between client heartbeats' },
  { name: 'max-rdy-count', kind: 'int', key: 'maxRdyCount', usage: 'maximum RDY count for a client' },
  { name: 'max-output-buffer-size', kind: 'int', key: 'maxOutputBufferSize', usage: 'maximum client configurable size (in bytes) for a client output buffer' },
  { name: 'max-output-buffer-timeout', kind: 'duration', key: 'maxOutputBufferTimeout', usage: 'maximum client configurable duration of time between flushing to a client' },
  { name: 'min-output-buffer-timeout', kind: 'duration', key: 'minOutputBufferTimeout', usage: 'minimum client configurable duration of time between flushing to a client' },
  { name: 'output-buffer-timeout', kind: 'duration', key: 'outputBufferTimeout', usage: 'default duration of time between flushing data to clients' },
  { name: 'max-channel-consumers', kind: 'int', key: 'maxChannelConsumers', usage: 'maximum channel consumer connection count per nsqd instance (default 0, i.e., unlimited)' },
  // statsd integration options
  { name: 'statsd-address', kind: 'string', key: 'statsdAddress', usage: 'UDP <addr>:<port> of a statsd daemon for pushing stats' },
  { name: 'statsd-interval', kind: 'duration', key: 'statsdInterval', usage: 'duration between pushing to statsd' },
  { name: 'statsd-mem-stats', kind: 'bool', key: 'statsdMemStats', usage: 'toggle sending memory and GC stats to statsd' },
  { name: 'statsd-prefix', kind: 'string', key: 'statsdPrefix', usage: 'prefix used for keys sent to statsd (%s for host replacement)' },
  { name: 'statsd-udp-packet-size', kind: 'int', key: 'statsdUdpPacketSize', usage: 'the size in bytes of statsd UDP packets' },
  { name: 'statsd-exclude-ephemeral', kind: 'bool', key: 'statsdExcludeEphemeral', usage: 'Skip ephemeral topics and channels when sending stats to statsd' },
  // end to end percentile flags
  { name: 'e2e-processing-latency-percentile', kind: 'float-array', key: 'e2eProcessingLatencyPercentiles', cfg: 'e2e_processing_latency_percentiles', usage: "message processing time percentiles (as float (0, 1.0]) to track (can be specified multiple times or comma separated '1.0,0.99,0.95', default none)" },
  { name: 'e2e-processing-latency-window-time', kind: 'duration', key: 'e2eProcessingLatencyWindowTime', usage: 'calculate end to end latency quantiles for this duration of time (ie: 60s would only show quantile calculations from the past 60 seconds)' },
  // TLS config
  { name: 'tls-cert', kind: 'string', key: 'tlsCert', usage: 'path to certificate file' },
  { name: 'tls-key', kind: 'string', key: 'tlsKey', usage: 'path to key file' },
  { name: 'tls-client-auth-policy', kind: 'string', key: 'tlsClientAuthPolicy', usage: "client certificate auth policy ('require' or 'require-verify')" },
  { name: 'tls-root-ca-file', kind: 'string', key: 'tlsRootCaFile', usage: 'path to certificate authority file' },
  { name: 'tls-required', kind: 'custom', parse: parseTlsRequired, isBool: true, typeName: '', key: 'tlsRequired', usage: 'require TLS for client connections (true, false, tcp-https)' },
  { name: 'tls-min-version', kind: 'custom', parse: parseTlsMinVersion, showDefault: (v) => TLS_NAMES.get(v as number) ?? String(v), key: 'tlsMinVersion', usage: "minimum SSL/TLS version acceptable ('ssl3.0', 'tls1.0', 'tls1.1', 'tls1.2' or 'tls1.3')" },
  // compression
  { name: 'deflate', kind: 'bool', key: 'deflate', usage: 'enable deflate feature negotiation (client compression)' },
  { name: 'max-deflate-level', kind: 'int', key: 'maxDeflateLevel', usage: 'max deflate compression level a client can negotiate (> values == > nsqd CPU usage)' },
  { name: 'snappy', kind: 'bool', key: 'snappy', usage: 'enable snappy feature negotiation (client compression)' },
  // topology
  { name: 'topology-region', kind: 'string', key: 'topologyRegion', usage: 'region this nsqd runs in, reported to clients and lookupd for topology-aware consumption' },
  { name: 'topology-zone', kind: 'string', key: 'topologyZone', usage: 'availability zone this nsqd runs in, reported to clients and lookupd for topology-aware consumption' },
  { name: 'enable-experiment', kind: 'string-array', key: 'enableExperiments', cfg: 'enable_experiment', inactive: true, usage: 'enable experimental feature (may be given multiple times) (valid options: topology-aware-consumption)' },
  // nsq-ts only
  { name: 'workers', kind: 'int', key: 'workers', usage: '[nsq-ts] shard worker threads in [0,64]; 0 runs one shard inline on the main thread', defaultRule: 'half the available CPUs - 1, at least 1' },
  { name: 'io-threads', kind: 'int', key: 'ioThreads', usage: '[nsq-ts] threads that accept and serve clients in [0,64], the main thread among them (HTTP too with --http-server=node; uWebSockets.js and HTTPS stay on the main thread); 0 chooses: 1 with --workers=0, else a CPU count / 8, at least 1' },
  { name: 'sync-publish', kind: 'bool', key: 'syncPublish', usage: '[nsq-ts] durable publish: PUB/MPUB/DPUB are answered OK only once their messages are on disk and fsynced (group commit: one fsync per batch of publishes). Off by default, as in nsqd' },
  { name: 'http-server', kind: 'string', key: 'httpServer', choices: HTTP_SERVER_CHOICES, usage: "[nsq-ts] HTTP server for the HTTP API: auto (uWebSockets.js when its native build loads, else node:http), uws or node" },
  { name: 'metrics', kind: 'bool', key: 'metrics', usage: '[nsq-ts] serve Prometheus metrics at GET /metrics on the HTTP address (false: 404 there, as nsqd)' },
  { name: 'max-attempts', kind: 'int', key: 'maxAttempts', usage: '[nsq-ts] dead letters: a message about to be delivered for the N+1-th time is published to the dead-letter topic instead, with its ID, attempts and body (0 = off; per channel: POST /channel/config?max_attempts=)' },
  { name: 'dead-letter-topic', kind: 'string', key: 'deadLetterTopic', usage: '[nsq-ts] the dead-letter topic of a topic, %s standing for its name' },
  { name: 'max-defer-timeout', kind: 'duration', key: 'maxDeferTimeout', usage: '[nsq-ts] maximum DPUB and /pub, /mpub ?defer= timeout (default: --max-req-timeout)' },
  { name: 'persist-deferred', kind: 'bool', key: 'persistDeferred', usage: '[nsq-ts] deferred messages past --mem-queue-size per channel go to an on-disk store ordered by due time, and at shutdown all of them do, so a restart delivers them when due (nsqd: in memory, and early after a restart)' },
  { name: 'message-ttl', kind: 'duration', key: 'messageTtl', usage: '[nsq-ts] drop messages older than this when they are due for delivery (0 = off; per topic/channel: POST /topic/config, /channel/config ?ttl=)' },
  { name: 'max-depth', kind: 'int', key: 'maxDepth', usage: '[nsq-ts] most messages a topic or channel holds, memory + disk (0 = unbounded; per topic/channel: ?max_depth=)' },
  { name: 'max-depth-policy', kind: 'string', key: 'maxDepthPolicy', choices: DEPTH_POLICIES, usage: '[nsq-ts] at --max-depth: drop-oldest (drop the oldest queued message) or reject-new (the publish fails with E_PUB_FAILED / HTTP 503 MAX_DEPTH)' },
  { name: 'metrics-exclude-ephemeral', kind: 'bool', key: 'metricsExcludeEphemeral', usage: '[nsq-ts] leave ephemeral topics and channels out of /metrics (bounds its label cardinality)' },
  { name: 'drain-timeout', kind: 'duration', key: 'drainTimeout', usage: '[nsq-ts] drain mode (PUT /config/drain or SIGUSR2): longest wait for every topic and channel to empty before shutting down anyway (what is left is written to disk, as at any shutdown)' },
  { name: 'websocket-path', kind: 'string', key: 'websocketPath', usage: '[nsq-ts] serve the V2 TCP protocol over WebSocket at this path on the HTTP address, e.g. /ws (binary messages carry the TCP bytes both ways; empty to disable)' },
];

/** `--tls-required` values: Go lowercases, takes "tcp-https", else strconv.ParseBool (its error text). */
export function parseTlsRequired(raw: string): TlsRequired {
  const s = raw.toLowerCase();
  if (s === 'tcp-https') return 'tcp-https';
  try {
    return parseGoBool(s) ? 'true' : 'false';
  } catch {
    throw new Error(`strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
  }
}

/** `--tls-min-version` → TLS protocol number; "" means "leave unchanged" (returns undefined), as Go. */
export function parseTlsMinVersion(raw: string): number | undefined {
  switch (raw.toLowerCase()) {
    case '':
      return undefined;
    case 'ssl3.0':
      throw new Error('SSL 3.0 is not supported (use tls1.0, tls1.1, tls1.2 or tls1.3)');
    case 'tls1.0':
      return 0x0301;
    case 'tls1.1':
      return 0x0302;
    case 'tls1.2':
      return 0x0303;
    case 'tls1.3':
      return 0x0304;
  }
  throw new Error(`unknown tlsVersionOption ${goQuote(raw.toLowerCase())}`);
}

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3 polynomial), as Go's crc32.ChecksumIEEE. */
export function crc32Ieee(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC32_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** nsqd's default node id: crc32-IEEE(md5(hostname)) % 1024. */
export function defaultNodeId(hostname: string): number {
  return crc32Ieee(createHash('md5').update(hostname, 'utf8').digest()) % 1024;
}

/**
 * Default shard worker count: half the available CPUs less one, at least 1 — the io thread, the
 * shards and the clients share the cores. Measured on 16 cores (Go's bench_writer, nsq-bench): 7
 * shards publish as fast as 15 (8 topics × 2 conns 4.7–5.5M vs 4.2–5.0M msgs/s) with less CPU per
 * message and a pubsub p99 at 200k msgs/s of 2.7 ms against 10.7 ms; on 2 cores it is 1, as before.
 */
export function defaultWorkers(cores = os.availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2) - 1);
}

/**
 * The io thread count --io-threads=0 (the default) stands for: 1 with an inline shard (it lives on
 * the main thread), else an eighth of the CPUs, at least 1. On 2 cores that is 1, where a second io
 * thread only competes with the shard and the clients for the cores (README: Many cores). Above
 * 8 cores the eighth is a first choice, not yet measured: the single io thread tops out at ~6M
 * msgs/s on 16 cores.
 */
export function resolveIoThreads(
  o: Pick<Options, 'ioThreads' | 'workers'>,
  cores = os.availableParallelism(),
): number {
  if (o.workers === 0) return 1;
  return o.ioThreads > 0 ? o.ioThreads : Math.max(1, Math.floor(cores / 8));
}

/** nsqd's defaults (host-dependent ones computed from this machine). Durations in ms. */
export function defaultOptions(): Options {
  const hostname = os.hostname();
  return {
    tcpAddress: '0.0.0.0:4150',
    httpAddress: '0.0.0.0:4151',
    httpsAddress: '0.0.0.0:4152',
    broadcastAddress: hostname,
    broadcastTcpPort: 0,
    broadcastHttpPort: 0,
    nodeId: defaultNodeId(hostname),
    lookupdTcpAddresses: [],
    logLevel: 'info',
    logPrefix: '[nsqd] ',
    httpClientConnectTimeout: 2_000,
    httpClientRequestTimeout: 5_000,
    authHttpAddresses: [],
    authHttpRequestMethod: 'get',
    dataPath: '',
    memQueueSize: 10_000,
    maxBytesPerFile: 104_857_600,
    syncEvery: 2_500,
    syncTimeout: 2_000,
    queueScanWorkerPoolMax: 4,
    queueScanSelectionCount: 20,
    msgTimeout: 60_000,
    maxMsgTimeout: 15 * 60_000,
    maxMsgSize: 1_048_576,
    maxBodySize: 5_242_880,
    maxReqTimeout: 60 * 60_000,
    maxHeartbeatInterval: 60_000,
    maxRdyCount: 2_500,
    maxOutputBufferSize: 65_536,
    maxOutputBufferTimeout: 30_000,
    minOutputBufferTimeout: 25,
    outputBufferTimeout: 250,
    maxChannelConsumers: 0,
    statsdAddress: '',
    statsdPrefix: 'nsq.%s',
    statsdInterval: 60_000,
    statsdMemStats: true,
    statsdUdpPacketSize: 508,
    statsdExcludeEphemeral: false,
    e2eProcessingLatencyPercentiles: [],
    e2eProcessingLatencyWindowTime: 10 * 60_000,
    tlsCert: '',
    tlsKey: '',
    tlsClientAuthPolicy: '',
    tlsRootCaFile: '',
    tlsRequired: 'false',
    tlsMinVersion: 0x0301,
    deflate: true,
    maxDeflateLevel: 6,
    snappy: true,
    topologyRegion: '',
    topologyZone: '',
    enableExperiments: [],
    workers: defaultWorkers(),
    ioThreads: 0,
    httpServer: 'auto',
    syncPublish: false,
    metrics: true,
    metricsExcludeEphemeral: false,
    maxAttempts: 0,
    deadLetterTopic: '%s.dead',
    maxDeferTimeout: 0,
    persistDeferred: false,
    messageTtl: 0,
    maxDepth: 0,
    maxDepthPolicy: 'drop-oldest',
    drainTimeout: 5 * 60_000,
    websocketPath: '',
    ...INTERNAL_DEFAULTS,
  };
}
