/**
 * nsqd's HTTP API (nsqd/http.go): its endpoints as named handlers from a parsed request to a
 * response, with nsqd's parameter checks, size limits and V1/PlainText wrapping, and the route table
 * both HTTP servers dispatch to. Knows no socket and no shard: everything it asks of the broker goes
 * through BrokerApi.
 */

import { metricsResponse, readProcessStats } from '../../http/prometheus.js';
import type { HttpRequest, HttpResponse } from '../../http/request.js';
import { createRouteTable, type Route, type RouteLog, type RouteTable } from '../../http/table.js';
import { plainText, topicChannelArgs, v1Empty, v1Error, v1Ok, v1RawJson, v1Text } from '../../http/v1.js';
import { isValidTopicName } from '../../wire/names.js';
import { readMemStats } from '../contract/stats.js';
import { DRAINING } from '../drain.js';
import { deferLimit, type Options } from '../options/options.js';
import type { ApiResult, BrokerApi } from './api.js';
import { getOption, putOption } from './config.js';
import { formatMetrics } from './metrics-format.js';
import { parseDefer, splitBinaryMpub, splitTextMpub } from './publish-params.js';
import { doChannelConfig, doTopicConfig } from './queue-config.js';
import { formatStatsJson, formatStatsText } from './stats-format.js';

/** what every handler works with (Go's httpServer) */
interface Ctx {
  readonly api: BrokerApi;
  readonly options: Options;
  readonly log: RouteLog | undefined;
}

/** nsqd's route table, in newHTTPServer's order */
/**
 * The plain HTTP port under `--tls-required=true`: every request gets nsqd's 403 (its ServeHTTP
 * check, hand-written JSON with a space after each colon, not logged), pointing at the HTTPS port.
 */
export function tlsRequiredRoutes(httpsPort: () => number): RouteTable {
  return {
    plan: () => ({ limit: 0, early: null }),
    dispatch: async () => ({
      status: 403,
      headers: [
        ['X-NSQ-Content-Type', 'nsq; version=1.0'],
        ['Content-Type', 'application/json; charset=utf-8'],
      ],
      body: `{"message": "TLS_REQUIRED", "https_port": ${httpsPort()}}`,
    }),
  };
}

export function makeRoutes(api: BrokerApi, options: Options, log?: RouteLog): RouteTable {
  const msgLimit = options.maxMsgSize + 1;
  const bodyLimit = options.maxBodySize + 1;
  const routes: Route<Ctx>[] = [
    { method: 'GET', path: '/ping', handler: doPing },
    { method: 'GET', path: '/info', handler: doInfo },
    { method: 'POST', path: '/pub', handler: doPUB, bodyLimit: msgLimit, precheck: pubTooBig, quiet: true },
    { method: 'POST', path: '/mpub', handler: doMPUB, bodyLimit, precheck: mpubTooBig, quiet: true },
    { method: 'GET', path: '/stats', handler: doStats },
    { method: 'POST', path: '/topic/create', handler: doCreateTopic },
    { method: 'POST', path: '/topic/delete', handler: doDeleteTopic },
    { method: 'POST', path: '/topic/empty', handler: doEmptyTopic },
    { method: 'POST', path: '/topic/pause', handler: doPauseTopic },
    { method: 'POST', path: '/topic/unpause', handler: doPauseTopic },
    { method: 'POST', path: '/channel/create', handler: doCreateChannel },
    { method: 'POST', path: '/channel/delete', handler: doDeleteChannel },
    { method: 'POST', path: '/channel/empty', handler: doEmptyChannel },
    { method: 'POST', path: '/channel/pause', handler: doPauseChannel },
    { method: 'POST', path: '/channel/unpause', handler: doPauseChannel },
    // nsq-ts: per-topic and per-channel queue policies (max attempts, TTL, max depth)
    { method: 'GET', path: '/topic/config', handler: doTopicConfig },
    { method: 'POST', path: '/topic/config', handler: doTopicConfig },
    { method: 'GET', path: '/channel/config', handler: doChannelConfig },
    { method: 'POST', path: '/channel/config', handler: doChannelConfig },
    { method: 'GET', path: '/config/:opt', handler: doGetConfig },
    { method: 'PUT', path: '/config/:opt', handler: doPutConfig, bodyLimit: msgLimit },
    // debug.FreeOSMemory has no Node counterpart; answer as nsqd does
    { method: 'POST', path: '/debug/freememory', handler: () => plainText(200, '') },
  ];
  // nsq-ts: Prometheus exposition (--metrics=false leaves the path to the 404 nsqd answers)
  if (options.metrics) routes.push({ method: 'GET', path: '/metrics', handler: doMetrics });
  return createRouteTable<Ctx>({ api, options, log }, routes, log);
}

// ---------------------------------------------------------------- arguments

/** nsqd's boolParams; undefined for anything else */
function boolParam(v: string | null): boolean | undefined {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
}

/** `topic` for the topic-level endpoints (MISSING_ARG_TOPIC / INVALID_TOPIC), or the error response */
function topicArg(req: HttpRequest, validate: boolean): string | HttpResponse {
  if (req.query === null) return v1Error(400, 'INVALID_REQUEST');
  const topic = req.query.get('topic');
  if (topic === null) return v1Error(400, 'MISSING_ARG_TOPIC');
  if (validate && !isValidTopicName(topic)) return v1Error(400, 'INVALID_TOPIC');
  return topic;
}

function fromResult(r: ApiResult): HttpResponse {
  return r === null ? v1Empty() : v1Error(r.status, r.message);
}

const ns = (ms: number): number => Math.round(ms * 1e6);

// ---------------------------------------------------------------- status

/** nsqd's health check; in drain mode (nsq-ts) a healthy node answers 503 DRAINING, out of rotation */
function doPing(ctx: Ctx): HttpResponse {
  const health = ctx.api.health();
  if (health.startsWith('NOK')) return plainText(500, health);
  return ctx.api.draining() ? plainText(503, DRAINING) : plainText(200, health);
}

function doInfo(ctx: Ctx): HttpResponse {
  const i = ctx.api.info();
  const o = ctx.options;
  return v1Ok({
    version: i.version,
    broadcast_address: i.broadcastAddress,
    hostname: i.hostname,
    http_port: i.httpPort,
    tcp_port: i.tcpPort,
    start_time: i.startTime,
    max_heartbeat_interval: ns(o.maxHeartbeatInterval),
    max_output_buffer_size: o.maxOutputBufferSize,
    max_output_buffer_timeout: ns(o.maxOutputBufferTimeout),
    max_deflate_level: o.maxDeflateLevel,
    topology_zone: o.topologyZone,
    topology_region: o.topologyRegion,
  });
}

async function doStats(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const q = req.query;
  if (q === null) return v1Error(400, 'INVALID_REQUEST');
  const includeClients = boolParam(q.get('include_clients')) ?? true;
  const includeMem = boolParam(q.get('include_mem')) ?? true;
  const snapshot = await ctx.api.stats({
    topic: q.get('topic') ?? '',
    channel: q.get('channel') ?? '',
    includeClients,
  });
  if (q.get('format') === 'json') return v1RawJson(formatStatsJson(snapshot, includeMem));
  return v1Text(formatStatsText(snapshot, includeMem));
}

/**
 * GET /metrics[?include_clients=true]: one stats snapshot rendered as Prometheus text. Per-client
 * series are opt-in (each reconnect is a new series), unlike /stats' include_clients.
 */
async function doMetrics(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const includeClients = boolParam(req.query?.get('include_clients') ?? null) ?? false;
  const snapshot = await ctx.api.stats({ topic: '', channel: '', includeClients });
  const body = formatMetrics({
    snapshot,
    mem: readMemStats(),
    excludeEphemeral: ctx.options.metricsExcludeEphemeral,
    process: readProcessStats(),
  });
  return metricsResponse(body);
}

// ---------------------------------------------------------------- publishing

function pubTooBig(ctx: Ctx, contentLength: number): HttpResponse | null {
  return contentLength > ctx.options.maxMsgSize ? v1Error(413, 'MSG_TOO_BIG') : null;
}

function mpubTooBig(ctx: Ctx, contentLength: number): HttpResponse | null {
  return contentLength > ctx.options.maxBodySize ? v1Error(413, 'BODY_TOO_BIG') : null;
}

async function doPUB(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const early = req.contentLength === null ? null : pubTooBig(ctx, req.contentLength);
  if (early !== null) return early;
  if (req.body.length > ctx.options.maxMsgSize) return v1Error(413, 'MSG_TOO_BIG');
  if (req.body.length === 0) return v1Error(400, 'MSG_EMPTY');
  const topic = topicArg(req, true);
  if (typeof topic !== 'string') return topic;
  const deferMs = deferParam(ctx, req);
  if (deferMs === null) {
    await ctx.api.createTopic(topic); // nsqd created the topic before looking at defer
    return v1Error(400, 'INVALID_DEFER');
  }
  const r = await ctx.api.publish(topic, [req.body], deferMs);
  return r === null ? v1Text('OK') : v1Error(r.status, r.message);
}

/**
 * `defer=` in ms (0 when absent), up to --max-defer-timeout (else --max-req-timeout, upstream PR
 * #1504); null for 400 INVALID_DEFER
 */
function deferParam(ctx: Ctx, req: HttpRequest): number | null {
  const raw = req.query!.get('defer');
  return raw === null ? 0 : parseDefer(raw, deferLimit(ctx.options));
}

async function doMPUB(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const early = req.contentLength === null ? null : mpubTooBig(ctx, req.contentLength);
  if (early !== null) return early;
  const topic = topicArg(req, true);
  if (typeof topic !== 'string') return topic;
  // beyond nsqd 1.3.0: /mpub?defer= defers every message (upstream PR #1504)
  const deferMs = deferParam(ctx, req);
  if (deferMs === null) {
    await ctx.api.createTopic(topic);
    return v1Error(400, 'INVALID_DEFER');
  }
  const { maxMsgSize, maxBodySize } = ctx.options;
  let binary = false;
  const mode = req.query!.get('binary');
  if (mode !== null) {
    binary = boolParam(mode) ?? true;
    if (boolParam(mode) === undefined)
      ctx.log?.warn(`deprecated value '${mode}' used for /mpub binary param`);
  }
  const bodies = binary
    ? splitBinaryMpub(req.body, maxMsgSize, maxBodySize, req.body.length > maxBodySize)
    : splitTextMpub(req.body, maxMsgSize, maxBodySize);
  if (typeof bodies === 'string') {
    await ctx.api.createTopic(topic); // nsqd created the topic before reading the body
    return v1Error(413, bodies);
  }
  const r =
    bodies.length === 0 ? await ctx.api.createTopic(topic) : await ctx.api.publish(topic, bodies, deferMs);
  return r === null ? v1Text('OK') : v1Error(r.status, r.message);
}

// ---------------------------------------------------------------- topic and channel admin

async function doCreateTopic(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const topic = topicArg(req, true);
  return typeof topic === 'string' ? fromResult(await ctx.api.createTopic(topic)) : topic;
}

async function doDeleteTopic(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const topic = topicArg(req, false);
  return typeof topic === 'string' ? fromResult(await ctx.api.deleteTopic(topic)) : topic;
}

async function doEmptyTopic(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const topic = topicArg(req, true);
  return typeof topic === 'string' ? fromResult(await ctx.api.emptyTopic(topic)) : topic;
}

/** /topic/pause and /topic/unpause */
async function doPauseTopic(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const topic = topicArg(req, false);
  const paused = !req.path.includes('unpause');
  return typeof topic === 'string' ? fromResult(await ctx.api.setTopicPaused(topic, paused)) : topic;
}

async function doCreateChannel(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const a = topicChannelArgs(req);
  return Array.isArray(a) ? fromResult(await ctx.api.createChannel(a[0], a[1])) : a;
}

async function doDeleteChannel(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const a = topicChannelArgs(req);
  return Array.isArray(a) ? fromResult(await ctx.api.deleteChannel(a[0], a[1])) : a;
}

async function doEmptyChannel(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const a = topicChannelArgs(req);
  return Array.isArray(a) ? fromResult(await ctx.api.emptyChannel(a[0], a[1])) : a;
}

/** /channel/pause and /channel/unpause */
async function doPauseChannel(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const a = topicChannelArgs(req);
  const paused = !req.path.includes('unpause');
  return Array.isArray(a) ? fromResult(await ctx.api.setChannelPaused(a[0], a[1], paused)) : a;
}

// ---------------------------------------------------------------- config

const optName = (req: HttpRequest): string => req.path.slice('/config/'.length);

/** getOptByCfgName through RespondV1: a string goes out raw, anything else as JSON */
function doGetConfig(ctx: Ctx, req: HttpRequest): HttpResponse {
  const v = getOption(ctx.options, ctx.api, optName(req));
  return v === undefined ? v1Error(400, 'INVALID_OPTION') : v1Ok(v);
}

async function doPutConfig(ctx: Ctx, req: HttpRequest): Promise<HttpResponse> {
  const r = await putOption(ctx.options, ctx.api, optName(req), req.body, ctx.options.maxMsgSize);
  return r.ok ? v1Ok(r.value) : v1Error(r.status, r.message);
}
