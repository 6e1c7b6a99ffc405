/**
 * nsqlookupd's HTTP API (Go's nsqlookupd/http.go): its endpoints as handlers from a parsed request to
 * a response over the registration DB, with Go's parameter checks and texts, Go's JSON byte for byte
 * (map-marshalled documents with their keys sorted, structs in field order, lists never null), and
 * the route table both HTTP servers dispatch to (404/405/redirects from ../../http/table.ts); plus
 * nsq-ts's GET /metrics (./metrics.ts).
 */

import { goJsonArray, goJsonObject, goJsonString } from '../../go/json.js';
import { NSQ_VERSION } from '../../go/version.js';
import { metricsResponse, readHeapStats, readProcessStats } from '../../http/prometheus.js';
import type { HttpRequest, HttpResponse } from '../../http/request.js';
import { createRouteTable, type Route, type RouteLog, type RouteTable } from '../../http/table.js';
import { plainText, topicChannelArgs, v1Empty, v1Error, v1RawJson } from '../../http/v1.js';
import type { Logger } from '../../log.js';
import { isValidTopicName } from '../../wire/names.js';
import {
  filterByActive,
  type PeerInfo,
  type Producer,
  peerJsonMembers,
  type RegistrationDB,
} from '../db/registration-db.js';
import type { LookupdOptions } from '../options.js';
import { formatLookupdMetrics, type LookupdCounters } from './metrics.js';

/** what every handler works with (Go's httpServer) */
export interface LookupHttpContext {
  readonly db: RegistrationDB;
  readonly options: LookupdOptions;
  readonly log: Logger;
  /** wall-clock ms (µs precision) */
  readonly now: () => number;
  /** what /metrics reports of the TCP side and the HTTP table */
  readonly counters: LookupdCounters;
}

/** nsqlookupd's route table, in newHTTPServer's order (pprof is not served: 404) */
export function makeLookupRoutes(ctx: LookupHttpContext, log?: RouteLog): RouteTable {
  const routes: Route<LookupHttpContext>[] = [
    { method: 'GET', path: '/ping', handler: () => plainText(200, 'OK') },
    { method: 'GET', path: '/info', handler: doInfo },
    { method: 'GET', path: '/debug', handler: doDebug },
    { method: 'GET', path: '/lookup', handler: doLookup },
    { method: 'GET', path: '/topics', handler: doTopics },
    { method: 'GET', path: '/channels', handler: doChannels },
    { method: 'GET', path: '/nodes', handler: doNodes },
    { method: 'POST', path: '/topic/create', handler: doCreateTopic },
    { method: 'POST', path: '/topic/delete', handler: doDeleteTopic },
    { method: 'POST', path: '/channel/create', handler: doCreateChannel },
    { method: 'POST', path: '/channel/delete', handler: doDeleteChannel },
    { method: 'POST', path: '/topic/tombstone', handler: doTombstoneTopicProducer },
  ];
  // nsq-ts: Prometheus exposition (--metrics=false leaves the path to the 404 Go's answers)
  if (ctx.options.metrics) routes.push({ method: 'GET', path: '/metrics', handler: doMetrics });
  return createRouteTable(ctx, routes, log);
}

// ---------------------------------------------------------------- helpers

/** a required query argument (Go's reqParams.Get: present, even empty), or the error response */
function arg(req: HttpRequest, name: string, missing: string): string | HttpResponse {
  if (req.query === null) return v1Error(400, 'INVALID_REQUEST');
  const v = req.query.get(name);
  return v === null ? v1Error(400, missing) : v;
}

const strings = (xs: readonly string[]): string => goJsonArray(xs, goJsonString);

/** Go's time.Time.UnixNano() for a wall-clock ms value; 0 is the zero Time (its int64 overflow) */
function unixNano(ms: number): string {
  if (ms === 0) return '-6795364578871345152';
  return String(BigInt(Math.round(ms * 1000)) * 1000n);
}

// ---------------------------------------------------------------- handlers

function doInfo(): HttpResponse {
  return v1RawJson(goJsonObject([['version', goJsonString(NSQ_VERSION)]]));
}

function doMetrics(ctx: LookupHttpContext): HttpResponse {
  return metricsResponse(
    formatLookupdMetrics({
      db: ctx.db,
      options: ctx.options,
      now: ctx.now(),
      counters: ctx.counters,
      process: readProcessStats(),
      heap: readHeapStats(),
    }),
  );
}

function doTopics(ctx: LookupHttpContext): HttpResponse {
  const topics = ctx.db.findRegistrations('topic', '*', '').map((r) => r.key);
  return v1RawJson(`{"topics":${strings(topics)}}`);
}

function doChannels(ctx: LookupHttpContext, req: HttpRequest): HttpResponse {
  const topic = arg(req, 'topic', 'MISSING_ARG_TOPIC');
  if (typeof topic !== 'string') return topic;
  const channels = ctx.db.findRegistrations('channel', topic, '*').map((r) => r.subkey);
  return v1RawJson(`{"channels":${strings(channels)}}`);
}

function doLookup(ctx: LookupHttpContext, req: HttpRequest): HttpResponse {
  const topic = arg(req, 'topic', 'MISSING_ARG_TOPIC');
  if (typeof topic !== 'string') return topic;
  const { db, options } = ctx;
  if (db.findRegistrations('topic', topic, '').length === 0) return v1Error(404, 'TOPIC_NOT_FOUND');
  const channels = db.findRegistrations('channel', topic, '*').map((r) => r.subkey);
  const producers = filterByActive(
    db.findProducers('topic', topic, ''),
    options.inactiveProducerTimeout,
    options.tombstoneLifetime,
    ctx.now(),
  );
  return v1RawJson(lookupBody(strings(channels), producers));
}

/**
 * `{"channels":[…],"producers":[…]}` as one Buffer from each peer's pre-encoded JSON: one copy per
 * peer, no per-request string building (an answer lists every producer of the topic: 500 → ~94 KB)
 */
function lookupBody(channels: string, producers: readonly Producer[]): Buffer {
  const head = `{"channels":${channels},"producers":[`;
  let size = Buffer.byteLength(head) + 2 + Math.max(0, producers.length - 1);
  for (const p of producers) size += p.peer.json.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(head);
  for (let i = 0; i < producers.length; i++) {
    if (i > 0) out[at++] = 0x2c; // ,
    at += producers[i]!.peer.json.copy(out, at);
  }
  out[at++] = 0x5d; // ]
  out[at] = 0x7d; // }
  return out;
}

function doNodes(ctx: LookupHttpContext): HttpResponse {
  const { db, options } = ctx;
  const now = ctx.now();
  // tombstoned producers are listed (with their flags): lifetime 0 ignores tombstones
  const producers = filterByActive(
    db.findProducers('client', '', ''),
    options.inactiveProducerTimeout,
    0,
    now,
  );
  const nodes = producers.map((p) => {
    const peer = p.peer;
    const topics: string[] = [];
    const tombstones: boolean[] = [];
    for (const r of db.lookupRegistrations(peer.id)) {
      if (r.category !== 'topic') continue;
      topics.push(r.key);
      const tp = r.producers.get(peer.id);
      tombstones.push(tp?.isTombstoned(options.tombstoneLifetime, now) === true);
    }
    return nodeJson(peer, tombstones, topics);
  });
  return v1RawJson(`{"producers":[${nodes.join(',')}]}`);
}

/** Go's node struct: PeerInfo's fields, then tombstones[i] for topics[i] */
function nodeJson(p: PeerInfo, tombstones: readonly boolean[], topics: readonly string[]): string {
  return goJsonObject([
    ...peerJsonMembers(p),
    ['tombstones', goJsonArray(tombstones, String)],
    ['topics', strings(topics)],
  ]);
}

/** every registration with its producers; Go's maps marshal with their keys sorted */
function doDebug(ctx: LookupHttpContext): HttpResponse {
  const entries: [string, string][] = [];
  for (const r of ctx.db.registrations()) {
    if (r.producers.size === 0) continue;
    const list = [...r.producers.values()].map((p) => {
      const peer = p.peer;
      return goJsonObject([
        ['broadcast_address', goJsonString(peer.broadcastAddress)],
        ['hostname', goJsonString(peer.hostname)],
        ['http_port', String(peer.httpPort)],
        ['id', goJsonString(peer.id)],
        ['last_update', unixNano(peer.lastUpdate)],
        ['tcp_port', String(peer.tcpPort)],
        ['tombstoned', String(p.tombstoned)],
        ['tombstoned_at', unixNano(p.tombstonedAt)],
        ['topology_region', goJsonString(peer.topologyRegion)],
        ['topology_zone', goJsonString(peer.topologyZone)],
        ['version', goJsonString(peer.version)],
      ]);
    });
    entries.push([`${r.category}:${r.key}:${r.subkey}`, `[${list.join(',')}]`]);
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return v1RawJson(`{${entries.map(([k, v]) => `${goJsonString(k)}:${v}`).join(',')}}`);
}

function doCreateTopic(ctx: LookupHttpContext, req: HttpRequest): HttpResponse {
  const topic = arg(req, 'topic', 'MISSING_ARG_TOPIC');
  if (typeof topic !== 'string') return topic;
  if (!isValidTopicName(topic)) return v1Error(400, 'INVALID_ARG_TOPIC');
  ctx.log.info(`DB: adding topic(${topic})`);
  ctx.db.addRegistration('topic', topic, '');
  return v1Empty();
}

function doDeleteTopic(ctx: LookupHttpContext, req: HttpRequest): HttpResponse {
  const topic = arg(req, 'topic', 'MISSING_ARG_TOPIC');
  if (typeof topic !== 'string') return topic;
  const { db, log } = ctx;
  for (const r of db.findRegistrations('channel', topic, '*')) {
    log.info(`DB: removing channel(${r.subkey}) from topic(${topic})`);
    db.removeRegistration(r);
  }
  for (const r of db.findRegistrations('topic', topic, '')) {
    log.info(`DB: removing topic(${topic})`);
    db.removeRegistration(r);
  }
  return v1Empty();
}

function doTombstoneTopicProducer(ctx: LookupHttpContext, req: HttpRequest): HttpResponse {
  const topic = arg(req, 'topic', 'MISSING_ARG_TOPIC');
  if (typeof topic !== 'string') return topic;
  const node = arg(req, 'node', 'MISSING_ARG_NODE');
  if (typeof node !== 'string') return node;
  ctx.log.info(`DB: setting tombstone for producer@${node} of topic(${topic})`);
  const now = ctx.now();
  for (const p of ctx.db.findProducers('topic', topic, '')) {
    if (`${p.peer.broadcastAddress}:${p.peer.httpPort}` === node) p.tombstone(now);
  }
  return v1Empty();
}

function doCreateChannel(ctx: LookupHttpContext, req: HttpRequest): HttpResponse {
  const a = topicChannelArgs(req);
  if (!Array.isArray(a)) return a;
  const [topic, channel] = a;
  ctx.log.info(`DB: adding channel(${channel}) in topic(${topic})`);
  ctx.db.addRegistration('channel', topic, channel);
  ctx.log.info(`DB: adding topic(${topic})`);
  ctx.db.addRegistration('topic', topic, '');
  return v1Empty();
}

function doDeleteChannel(ctx: LookupHttpContext, req: HttpRequest): HttpResponse {
  const a = topicChannelArgs(req);
  if (!Array.isArray(a)) return a;
  const [topic, channel] = a;
  const regs = ctx.db.findRegistrations('channel', topic, channel);
  if (regs.length === 0) return v1Error(404, 'CHANNEL_NOT_FOUND');
  ctx.log.info(`DB: removing channel(${channel}) from topic(${topic})`);
  for (const r of regs) ctx.db.removeRegistration(r);
  return v1Empty();
}
