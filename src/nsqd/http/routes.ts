/**
 * The one route table both HTTP servers dispatch to: nsqd's endpoints as handlers from a parsed
 * request to a response, with nsqd's parameter checks, size limits and V1/PlainText wrapping. Knows
 * no socket and no shard: everything it asks of the broker goes through BrokerApi.
 */

import { isValidChannelName, isValidTopicName } from '../../wire/names.js';
import type { Options } from '../options/options.js';
import type { ApiResult, BrokerApi } from './api.js';
import { getOption, putOption } from './config.js';
import { parseDefer, splitBinaryMpub, splitTextMpub } from './publish-params.js';
import { decodePath, escapePath, parseQuery, Router } from '../../http/router.js';
import { formatStatsJson, formatStatsText } from './stats-format.js';

export interface HttpRequest {
  method: string;
  /** the percent-decoded path (Go's URL.Path) */
  path: string;
  /** the query string as sent, without '?' */
  rawQuery: string;
  /** Go's url.ParseQuery of rawQuery (first value wins with .get()); null where Go fails to parse it */
  query: URLSearchParams | null;
  /** the body, cut at the plan's `limit` bytes */
  body: Buffer;
  /** the Content-Length header, null when absent (chunked) */
  contentLength: number | null;
  header(name: string): string | undefined;
}

export interface HttpResponse {
  status: number;
  headers: [string, string][];
  body: Buffer | string;
}

export type Handler = (req: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** What a server does with a request's body before dispatching it. */
export interface BodyPlan {
  /**
   * bytes of body to buffer; when more arrive the server stops reading, dispatches the first `limit`
   * bytes (the handler answers 413 as nsqd's LimitReader check does) and closes the connection after
   * the response. 0: the endpoint ignores its body; read and drop it.
   */
  limit: number;
  /** answer this at once without reading the body (413 from Content-Length), then close */
  early: HttpResponse | null;
}

export interface RouteTable {
  plan(method: string, path: string, contentLength: number | null): BodyPlan;
  /** routes (404/405/redirects/OPTIONS as httprouter) and runs the handler; never rejects */
  dispatch(req: HttpRequest): Promise<HttpResponse>;
}

/** what the table logs (the broker's Logger fits) */
export interface RouteLog {
  warn(msg: string): void;
  error(msg: string): void;
}

interface Route {
  handler: Handler;
  /** see BodyPlan.limit */
  bodyLimit: number;
  /** nsqd's Content-Length check, before the body is read */
  precheck?: (contentLength: number) => HttpResponse | null;
}

const NSQ_V1: [string, string] = ['X-NSQ-Content-Type', 'nsq; version=1.0'];
const JSON_TYPE: [string, string] = ['Content-Type', 'application/json; charset=utf-8'];
const TEXT_TYPE: [string, string] = ['Content-Type', 'text/plain; charset=utf-8'];

/** Go's encoding/json escapes <, >, & and U+2028/9 inside strings */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** V1 success with a JSON document (already encoded) */
export function v1RawJson(json: string): HttpResponse {
  return { status: 200, headers: [JSON_TYPE, NSQ_V1], body: json };
}

/** V1 success with a string or bytes: the raw body (Go sniffs text/plain) */
export function v1Text(body: string | Buffer): HttpResponse {
  return { status: 200, headers: body.length === 0 ? [NSQ_V1] : [TEXT_TYPE, NSQ_V1], body };
}

/** V1 success with nil: empty body */
export function v1Empty(): HttpResponse {
  return { status: 200, headers: [NSQ_V1], body: '' };
}

/** V1 error: `{"message":"<TEXT>"}` written by hand as nsqd does (no escaping) */
export function v1Error(status: number, message: string): HttpResponse {
  return { status, headers: [JSON_TYPE, NSQ_V1], body: `{"message":"${message}"}` };
}

/** PlainText wrapper: the raw text with the status, no X-NSQ header */
function plainText(status: number, text: string): HttpResponse {
  return { status, headers: text === '' ? [] : [TEXT_TYPE], body: text };
}

function fromResult(r: ApiResult): HttpResponse {
  return r === null ? v1Empty() : v1Error(r.status, r.message);
}

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

/** http_api.GetTopicChannelArgs: `topic` and `channel`, with the INVALID_ARG_* texts */
function topicChannelArgs(req: HttpRequest): [string, string] | HttpResponse {
  if (req.query === null) return v1Error(400, 'INVALID_REQUEST');
  const topic = req.query.get('topic');
  if (topic === null) return v1Error(400, 'MISSING_ARG_TOPIC');
  if (!isValidTopicName(topic)) return v1Error(400, 'INVALID_ARG_TOPIC');
  const channel = req.query.get('channel');
  if (channel === null) return v1Error(400, 'MISSING_ARG_CHANNEL');
  if (!isValidChannelName(channel)) return v1Error(400, 'INVALID_ARG_CHANNEL');
  return [topic, channel];
}

/** Builds the request object the table dispatches from what a server parsed off the wire. */
export function newRequest(
  method: string,
  rawPath: string,
  rawQuery: string,
  body: Buffer,
  contentLength: number | null,
  header: (name: string) => string | undefined,
): HttpRequest {
  return {
    method,
    path: decodePath(rawPath),
    rawQuery,
    query: parseQuery(rawQuery),
    body,
    contentLength,
    header,
  };
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};

/** Go's http.Redirect: Location, and for GET a short HTML body */
function redirect(req: HttpRequest, status: number, path: string): HttpResponse {
  const url = escapePath(path) + (req.rawQuery === '' ? '' : `?${req.rawQuery}`);
  if (req.method !== 'GET') return { status, headers: [['Location', url]], body: '' };
  const text = status === 301 ? 'Moved Permanently' : 'Temporary Redirect';
  const body = `<a href="${url.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)}">${text}</a>.\n\n`;
  return {
    status,
    headers: [
      ['Location', url],
      ['Content-Type', 'text/html; charset=utf-8'],
    ],
    body,
  };
}

export function makeRoutes(api: BrokerApi, options: Options, log?: RouteLog): RouteTable {
  const router = new Router<Route>();
  const maxMsg = options.maxMsgSize;
  const maxBody = options.maxBodySize;
  const add = (method: string, path: string, handler: Handler, extra: Partial<Route> = {}) => {
    router.add(method, path, { handler, bodyLimit: 0, ...extra });
  };
  const ns = (ms: number) => Math.round(ms * 1e6);

  add('GET', '/ping', () => {
    const health = api.health();
    return plainText(health.startsWith('NOK') ? 500 : 200, health);
  });

  add('GET', '/info', () => {
    const i = api.info();
    return v1RawJson(
      goJson({
        version: i.version,
        broadcast_address: i.broadcastAddress,
        hostname: i.hostname,
        http_port: i.httpPort,
        tcp_port: i.tcpPort,
        start_time: i.startTime,
        max_heartbeat_interval: ns(options.maxHeartbeatInterval),
        max_output_buffer_size: options.maxOutputBufferSize,
        max_output_buffer_timeout: ns(options.maxOutputBufferTimeout),
        max_deflate_level: options.maxDeflateLevel,
        topology_zone: options.topologyZone,
        topology_region: options.topologyRegion,
      }),
    );
  });

  const pubTooBig = (cl: number) => (cl > maxMsg ? v1Error(413, 'MSG_TOO_BIG') : null);
  add(
    'POST',
    '/pub',
    async (req) => {
      const early = req.contentLength === null ? null : pubTooBig(req.contentLength);
      if (early !== null) return early;
      if (req.body.length > maxMsg) return v1Error(413, 'MSG_TOO_BIG');
      if (req.body.length === 0) return v1Error(400, 'MSG_EMPTY');
      const topic = topicArg(req, true);
      if (typeof topic !== 'string') return topic;
      let deferMs = 0;
      const raw = req.query!.get('defer');
      if (raw !== null) {
        const d = parseDefer(raw, options.maxReqTimeout);
        if (d === null) {
          await api.createTopic(topic); // nsqd created the topic before looking at defer
          return v1Error(400, 'INVALID_DEFER');
        }
        deferMs = d;
      }
      const r = await api.publish(topic, [req.body], deferMs);
      return r === null ? v1Text('OK') : v1Error(r.status, r.message);
    },
    { bodyLimit: maxMsg + 1, precheck: pubTooBig },
  );

  const mpubTooBig = (cl: number) => (cl > maxBody ? v1Error(413, 'BODY_TOO_BIG') : null);
  add(
    'POST',
    '/mpub',
    async (req) => {
      const early = req.contentLength === null ? null : mpubTooBig(req.contentLength);
      if (early !== null) return early;
      const topic = topicArg(req, true);
      if (typeof topic !== 'string') return topic;
      let binary = false;
      const mode = req.query!.get('binary');
      if (mode !== null) {
        binary = boolParam(mode) ?? true;
        if (boolParam(mode) === undefined)
          log?.warn(`deprecated value '${mode}' used for /mpub binary param`);
      }
      const bodies = binary
        ? splitBinaryMpub(req.body, maxMsg, maxBody, req.body.length > maxBody)
        : splitTextMpub(req.body, maxMsg, maxBody);
      if (typeof bodies === 'string') {
        await api.createTopic(topic); // nsqd created the topic before reading the body
        return v1Error(413, bodies);
      }
      const r = bodies.length === 0 ? await api.createTopic(topic) : await api.publish(topic, bodies, 0);
      return r === null ? v1Text('OK') : v1Error(r.status, r.message);
    },
    { bodyLimit: maxBody + 1, precheck: mpubTooBig },
  );

  add('GET', '/stats', async (req) => {
    const q = req.query;
    if (q === null) return v1Error(400, 'INVALID_REQUEST');
    const includeClients = boolParam(q.get('include_clients')) ?? true;
    const includeMem = boolParam(q.get('include_mem')) ?? true;
    const snapshot = await api.stats({
      topic: q.get('topic') ?? '',
      channel: q.get('channel') ?? '',
      includeClients,
    });
    if (q.get('format') === 'json') return v1RawJson(formatStatsJson(snapshot, includeMem));
    return v1Text(formatStatsText(snapshot, includeMem));
  });

  const topicAction = (validate: boolean, act: (topic: string) => Promise<ApiResult>): Handler => {
    return async (req) => {
      const topic = topicArg(req, validate);
      return typeof topic === 'string' ? fromResult(await act(topic)) : topic;
    };
  };
  add(
    'POST',
    '/topic/create',
    topicAction(true, (t) => api.createTopic(t)),
  );
  add(
    'POST',
    '/topic/delete',
    topicAction(false, (t) => api.deleteTopic(t)),
  );
  add(
    'POST',
    '/topic/empty',
    topicAction(true, (t) => api.emptyTopic(t)),
  );
  add(
    'POST',
    '/topic/pause',
    topicAction(false, (t) => api.setTopicPaused(t, true)),
  );
  add(
    'POST',
    '/topic/unpause',
    topicAction(false, (t) => api.setTopicPaused(t, false)),
  );

  const channelAction = (act: (topic: string, channel: string) => Promise<ApiResult>): Handler => {
    return async (req) => {
      const args = topicChannelArgs(req);
      return Array.isArray(args) ? fromResult(await act(args[0], args[1])) : args;
    };
  };
  add(
    'POST',
    '/channel/create',
    channelAction((t, c) => api.createChannel(t, c)),
  );
  add(
    'POST',
    '/channel/delete',
    channelAction((t, c) => api.deleteChannel(t, c)),
  );
  add(
    'POST',
    '/channel/empty',
    channelAction((t, c) => api.emptyChannel(t, c)),
  );
  add(
    'POST',
    '/channel/pause',
    channelAction((t, c) => api.setChannelPaused(t, c, true)),
  );
  add(
    'POST',
    '/channel/unpause',
    channelAction((t, c) => api.setChannelPaused(t, c, false)),
  );

  /** getOptByCfgName's value through RespondV1: a string goes out raw, anything else as JSON */
  const optionResponse = (v: unknown) => (typeof v === 'string' ? v1Text(v) : v1RawJson(goJson(v)));
  const optName = (req: HttpRequest) => req.path.slice('/config/'.length);
  add('GET', '/config/:opt', (req) => {
    const v = getOption(options, api, optName(req));
    return v === undefined ? v1Error(400, 'INVALID_OPTION') : optionResponse(v);
  });
  add(
    'PUT',
    '/config/:opt',
    (req) => {
      const r = putOption(options, api, optName(req), req.body, maxMsg);
      return r.ok ? optionResponse(r.value) : v1Error(r.status, r.message);
    },
    { bodyLimit: maxMsg + 1 },
  );

  // debug.FreeOSMemory has no Node counterpart; answer as nsqd does
  add('POST', '/debug/freememory', () => plainText(200, ''));

  return {
    plan(method, path, contentLength) {
      const hit = router.lookup(method, path);
      if (hit === null) return { limit: 0, early: null };
      const early = contentLength === null ? null : (hit.handler.precheck?.(contentLength) ?? null);
      return { limit: early === null ? hit.handler.bodyLimit : 0, early };
    },
    async dispatch(req) {
      const m = router.match(req.method, req.path);
      switch (m.kind) {
        case 'handler':
          try {
            return await m.handler.handler(req);
          } catch (err) {
            log?.error(`panic in HTTP handler - ${err instanceof Error ? err.message : String(err)}`);
            return v1Error(500, 'INTERNAL_ERROR');
          }
        case 'redirect':
          return redirect(req, m.status, m.path);
        case 'options':
          return { status: 200, headers: [['Allow', m.allow]], body: '' };
        case 'not-allowed': {
          const r = v1Error(405, 'METHOD_NOT_ALLOWED');
          r.headers.push(['Allow', m.allow]);
          return r;
        }
        case 'not-found':
          return v1Error(404, 'NOT_FOUND');
      }
    },
  };
}
