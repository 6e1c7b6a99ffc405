/** Renders a StatsSnapshot exactly as nsqd 1.3.0's `/stats` does: Go's JSON marshalling of its stats structs, or `printStats` text. */

import { formatGoDuration, formatGoDurationNs } from '../../go/duration.js';
import { goJsonArray, goJsonNumber, goJsonObject, goJsonString } from '../../go/json.js';
import {
  type ChannelStats,
  type ClientStats,
  type LatencyStats,
  type LimitStats,
  type MemStats,
  readMemStats,
  type StatsSnapshot,
  type TopicStats,
} from '../contract/stats.js';

/** what the formatters read from the outside world, injectable for tests */
export interface StatsFormatEnv {
  /** "now" for uptime and client `connected:` durations (default Date.now()) */
  nowMs?: number;
  /** memory numbers (default readMemStats()) */
  mem?: MemStats;
}

// ---------------------------------------------------------------- JSON (encoding/json)

const str = goJsonString;
const num = goJsonNumber;
const obj = goJsonObject;
const arr = goJsonArray;
const bool = (b: boolean | undefined): string => (b === true ? 'true' : 'false');

const omitZero = (n: number | undefined): string | undefined => (n ? num(n) : undefined);
const omitEmpty = (s: string | undefined): string | undefined => (s ? str(s) : undefined);

/** quantile.Result: percentiles are `[]map[string]float64`, so each entry's keys come out sorted */
function jsonLatency(l: LatencyStats): string {
  return obj([
    ['count', num(l.count)],
    [
      'percentiles',
      arr(l.percentiles, (p) =>
        obj([
          ['quantile', num(p.quantile)],
          ['value', num(p.value)],
        ]),
      ),
    ],
  ]);
}

/** ClientV2Stats (nsqd/client_v2.go) field order, including the topology fields of master @3103474b */
function jsonClient(c: ClientStats): string {
  return obj([
    ['client_id', str(c.clientId)],
    ['hostname', str(c.hostname)],
    ['version', str('V2')],
    ['remote_address', str(c.remoteAddress)],
    ['state', num(c.state)],
    ['ready_count', num(c.readyCount)],
    ['in_flight_count', num(c.inFlightCount)],
    ['message_count', num(c.messageCount)],
    ['zone_local_msg_count', omitZero(c.zoneLocalMsgCount)],
    ['region_local_msg_count', omitZero(c.regionLocalMsgCount)],
    ['global_msg_count', omitZero(c.globalMsgCount)],
    ['finish_count', num(c.finishCount)],
    ['requeue_count', num(c.requeueCount)],
    ['connect_ts', num(c.connectTs)],
    ['sample_rate', num(c.sampleRate)],
    ['deflate', bool(c.deflate)],
    ['snappy', bool(c.snappy)],
    ['user_agent', str(c.userAgent)],
    ['authed', c.authed ? 'true' : undefined],
    ['auth_identity', omitEmpty(c.authIdentity)],
    ['auth_identity_url', omitEmpty(c.authIdentityUrl)],
    ['topology_zone', str(c.topologyZone)],
    ['topology_region', str(c.topologyRegion)],
    [
      'pub_counts',
      c.pubCounts.length > 0
        ? arr(c.pubCounts, (p) =>
            obj([
              ['topic', str(p.topic)],
              ['count', num(p.count)],
            ]),
          )
        : undefined,
    ],
    ['tls', bool(c.tls)],
    ['tls_cipher_suite', str(c.tlsCipherSuite ?? '')],
    ['tls_version', str(c.tlsVersion ?? '')],
    ['tls_negotiated_protocol', str(c.tlsNegotiatedProtocol ?? '')],
    ['tls_negotiated_protocol_is_mutual', bool(c.tlsNegotiatedProtocolIsMutual)],
  ]);
}

function jsonChannel(c: ChannelStats): string {
  return obj([
    ['channel_name', str(c.channelName)],
    ['depth', num(c.depth)],
    ['backend_depth', num(c.backendDepth)],
    ['in_flight_count', num(c.inFlightCount)],
    ['deferred_count', num(c.deferredCount)],
    ['message_count', num(c.messageCount)],
    ['zone_local_msg_count', omitZero(c.zoneLocalMsgCount)],
    ['region_local_msg_count', omitZero(c.regionLocalMsgCount)],
    ['global_msg_count', omitZero(c.globalMsgCount)],
    ['requeue_count', num(c.requeueCount)],
    ['timeout_count', num(c.timeoutCount)],
    ['client_count', num(c.clientCount)],
    ['clients', arr(c.clients, jsonClient)],
    ['paused', bool(c.paused)],
    ['e2e_processing_latency', jsonLatency(c.e2eProcessingLatency)],
    ...limitFields(c.limits),
  ]);
}

/** beyond nsqd: the queue policies' counters, only where a policy is on (Go's fields stay as they are) */
function limitFields(l: LimitStats | undefined): [string, string | undefined][] {
  if (l === undefined) return [];
  return [
    ['dead_letter_count', num(l.deadLetterCount)],
    ['expired_count', num(l.expiredCount)],
    ['dropped_count', num(l.droppedCount)],
    ['rejected_count', num(l.rejectedCount)],
  ];
}

function jsonTopic(t: TopicStats): string {
  return obj([
    ['topic_name', str(t.topicName)],
    ['channels', arr(t.channels, jsonChannel)],
    ['depth', num(t.depth)],
    ['backend_depth', num(t.backendDepth)],
    ['message_count', num(t.messageCount)],
    ['message_bytes', num(t.messageBytes)],
    ['paused', bool(t.paused)],
    ['e2e_processing_latency', jsonLatency(t.e2eProcessingLatency)],
    ...limitFields(t.limits),
  ]);
}

function jsonMem(m: MemStats): string {
  return obj([
    ['heap_objects', num(m.heapObjects)],
    ['heap_idle_bytes', num(m.heapIdleBytes)],
    ['heap_in_use_bytes', num(m.heapInUseBytes)],
    ['heap_released_bytes', num(m.heapReleasedBytes)],
    ['gc_pause_usec_100', num(m.gcPauseUsec100)],
    ['gc_pause_usec_99', num(m.gcPauseUsec99)],
    ['gc_pause_usec_95', num(m.gcPauseUsec95)],
    ['next_gc_bytes', num(m.nextGcBytes)],
    ['gc_total_runs', num(m.gcTotalRuns)],
  ]);
}

/**
 * The `/stats?format=json` body (doStats' anonymous struct): version, health, start_time, topics
 * (`null` when the snapshot says so), memory (only when includeMem: `*memStats` + omitempty), producers
 * (a nil slice, so `null`, when empty).
 */
export function formatStatsJson(s: StatsSnapshot, includeMem: boolean, env: StatsFormatEnv = {}): string {
  const producers = s.producers !== null && s.producers.length > 0 ? s.producers : null;
  return obj([
    ['version', str(s.version)],
    ['health', str(s.health)],
    ['start_time', num(s.startTime)],
    ['topics', arr(s.topics, jsonTopic)],
    ['memory', includeMem ? jsonMem(env.mem ?? readMemStats()) : undefined],
    ['producers', arr(producers, jsonClient)],
    // nsq-ts drain mode: a field nsqd does not have, present only while draining
    ['draining', s.draining === true ? 'true' : undefined],
  ]);
}

// ---------------------------------------------------------------- text (printStats)

/** Go `%-Ns` / `%-Nd`: left-justified, space-padded to N runes, never truncated */
function left(v: string | number, width: number): string {
  const s = String(v);
  const runes = [...s].length;
  return runes >= width ? s : s + ' '.repeat(width - runes);
}

/** Go `%0.1f`: exact decimal rounding, ties (only x.25 / x.75 are exact in binary) to even */
function fixed1(v: number): string {
  const q = v * 4; // exact: scaling by a power of two
  if (Number.isInteger(q) && q % 2 !== 0) {
    const n = Math.floor(v * 10); // v*10 = n + 0.5 exactly
    return ((n % 2 === 0 ? n : n + 1) / 10).toFixed(1);
  }
  return v.toFixed(1);
}

/** internal/stringy.NanoSecondToHuman */
function nsToHuman(v: number): string {
  if (v > 1e9) return `${fixed1(v / 1e9)}s`;
  if (v > 1e6) return `${fixed1(v / 1e6)}ms`;
  if (v > 1e3) return `${fixed1(v / 1e3)}us`;
  return `${fixed1(v)}ns`;
}

/** (*quantile.Result).String(): the values, humanized, joined by ", " ("" when none) */
function latencyText(l: LatencyStats): string {
  return (l.percentiles ?? []).map((p) => nsToHuman(p.value)).join(', ');
}

const p2 = (n: number): string => String(n).padStart(2, '0');

/** time.Unix(sec, 0).Format(time.RFC3339) in the local zone ("Z" for UTC, else ±hh:mm) */
function rfc3339Local(unixSec: number): string {
  const d = new Date(unixSec * 1000);
  const ymd = `${String(d.getFullYear()).padStart(4, '0')}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
  const hms = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
  const east = -d.getTimezoneOffset();
  if (east === 0) return `${ymd}T${hms}Z`;
  const a = Math.abs(east);
  return `${ymd}T${hms}${east < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}

/** the port half of Go's net.SplitHostPort ("" when it would fail, e.g. a unix socket peer) */
function splitPort(addr: string): string {
  const i = addr.lastIndexOf(':');
  if (i < 0) return '';
  let host: string;
  if (addr[0] === '[') {
    const end = addr.indexOf(']');
    if (end < 0 || end + 1 !== i) return '';
    host = addr.slice(1, end);
  } else {
    host = addr.slice(0, i);
    if (host.includes(':')) return '';
  }
  const port = addr.slice(i + 1);
  if (host.includes('[') || host.includes(']') || port.includes('[') || port.includes(']')) return '';
  return port;
}

/** ClientV2Stats.String(): a producer line when it has pub counts, else a consumer line */
function clientLine(c: ClientStats, nowMs: number): string {
  // time.Since(time.Unix(connect_ts, 0)).Truncate(time.Second)
  const secs = Math.trunc((nowMs - c.connectTs * 1000) / 1000);
  const connected = formatGoDurationNs(BigInt(secs) * 1_000_000_000n);
  const id = `${c.hostname}:${splitPort(c.remoteAddress)} ${c.userAgent}`;
  if (c.pubCounts.length > 0) {
    const total = c.pubCounts.reduce((sum, p) => sum + p.count, 0);
    const topics = c.pubCounts.map((p) => `${p.topic}=${p.count}`).join(',');
    return `[V2 ${left(id, 21)}] msgs: ${left(total, 8)} topics: ${topics} connected: ${connected}`;
  }
  return (
    `[V2 ${left(id, 21)}] state: ${c.state} inflt: ${left(c.inFlightCount, 4)} rdy: ${left(c.readyCount, 4)} ` +
    `fin: ${left(c.finishCount, 8)} re-q: ${left(c.requeueCount, 8)} msgs: ${left(c.messageCount, 8)} ` +
    `connected: ${connected}`
  );
}

const MEM_ROWS: [string, keyof MemStats][] = [
  ['heap_objects', 'heapObjects'],
  ['heap_idle_bytes', 'heapIdleBytes'],
  ['heap_in_use_bytes', 'heapInUseBytes'],
  ['heap_released_bytes', 'heapReleasedBytes'],
  ['gc_pause_usec_100', 'gcPauseUsec100'],
  ['gc_pause_usec_99', 'gcPauseUsec99'],
  ['gc_pause_usec_95', 'gcPauseUsec95'],
  ['next_gc_bytes', 'nextGcBytes'],
  ['gc_total_runs', 'gcTotalRuns'],
];

/** The `/stats` text body, line for line as nsqd's printStats (nsqd/http.go) writes it. */
export function formatStatsText(s: StatsSnapshot, includeMem: boolean, env: StatsFormatEnv = {}): string {
  const nowMs = env.nowMs ?? Date.now();
  let w = `nsqd v${s.version} (built w/nsq-ts node ${process.version})\n`;
  w += `start_time ${rfc3339Local(s.startTime)}\n`;
  w += `uptime ${formatGoDuration(nowMs - s.startTime * 1000)}\n`;
  w += `\nHealth: ${s.health}\n`;
  if (s.draining === true)
    w += 'Draining: publishes refused, exiting once every topic and channel is empty\n';
  if (includeMem) {
    const m = env.mem ?? readMemStats();
    w += '\nMemory:\n';
    for (const [name, key] of MEM_ROWS) w += `   ${left(name, 25)}\t${m[key]}\n`;
  }
  const topics = s.topics ?? [];
  w += topics.length === 0 ? '\nTopics: None\n' : '\nTopics:';
  for (const t of topics) {
    w +=
      `\n${t.paused ? '*P ' : '   '}[${left(t.topicName, 15)}] depth: ${left(t.depth, 5)} ` +
      `be-depth: ${left(t.backendDepth, 5)} msgs: ${left(t.messageCount, 8)} e2e%: ${latencyText(t.e2eProcessingLatency)}\n`;
    for (const c of t.channels) {
      w +=
        `${c.paused ? '   *P ' : '      '}[${left(c.channelName, 25)}] depth: ${left(c.depth, 5)} ` +
        `be-depth: ${left(c.backendDepth, 5)} inflt: ${left(c.inFlightCount, 4)} def: ${left(c.deferredCount, 4)} ` +
        `re-q: ${left(c.requeueCount, 5)} timeout: ${left(c.timeoutCount, 5)} msgs: ${left(c.messageCount, 8)} ` +
        `e2e%: ${latencyText(c.e2eProcessingLatency)}\n`;
      for (const client of c.clients ?? []) w += `        ${clientLine(client, nowMs)}\n`;
    }
  }
  const producers = s.producers ?? [];
  if (producers.length === 0) {
    w += '\nProducers: None\n';
  } else {
    w += '\nProducers:\n';
    for (const p of producers) w += `   ${clientLine(p, nowMs)}\n`;
  }
  return w;
}
