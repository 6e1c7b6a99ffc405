/**
 * nsqadmin's route table: Go nsqadmin's routes under --base-path (index pages, /ping, static files,
 * /api, /config/:opt, /api/graphite and the --proxy-graphite /render proxy) and nsq-ts's /ext
 * routes beside them, each answer compressed as Go's are. Owns only the wiring and /config.
 */

import { goJson } from '../go/json.js';
import { parseLogLevel } from '../go/options.js';
import type { HttpRequest, HttpResponse } from '../http/request.js';
import { createRouteTable, type Route, type RouteLog, type RouteTable } from '../http/table.js';
import { plainText, v1Error, v1Ok, v1RawJson } from '../http/v1.js';
import {
  channelActionHandler,
  channelHandler,
  counterHandler,
  createTopicChannelHandler,
  deleteChannelHandler,
  deleteTopicHandler,
  nodeHandler,
  nodesHandler,
  tombstoneHandler,
  topicActionHandler,
  topicHandler,
  topicsHandler,
} from './api.js';
import type { AdminContext } from './context.js';
import * as ext from './ext/routes.js';
import { graphiteHandler, renderProxy } from './graphite.js';
import { cidrContains, configKeys, parseCidr, parseIp } from './options.js';
import { compress, indexPage, joinBase } from './static.js';

const LEVEL_NUMBERS: Record<string, number> = { debug: 1, info: 2, warn: 3, error: 4, fatal: 5 };

function configValue(ctx: AdminContext, name: string): unknown {
  const entry = configKeys().get(name);
  if (entry === undefined) return undefined;
  const v = ctx.opts[entry.key];
  if (entry.kind === 'duration') return (v as number) * 1e6;
  if (entry.kind === 'log-level') return LEVEL_NUMBERS[v as string];
  return v;
}

/** GET/PUT /config/:opt, from --allow-config-from-cidr only */
function doConfig(ctx: AdminContext, req: HttpRequest): HttpResponse {
  const opt = req.params[0] ?? '';
  if (ctx.opts.allowConfigFromCidr !== '') {
    const cidr = parseCidr(ctx.opts.allowConfigFromCidr)!;
    const remote = req.remoteAddr();
    // ip:port, or the ip alone where the server gives no port (uWebSockets.js)
    const colon = remote.lastIndexOf(':');
    const ip =
      parseIp(remote) ?? (colon === -1 ? null : parseIp(remote.slice(0, colon).replace(/^\[|\]$/g, '')));
    if (ip === null) {
      ctx.log.error(`failed to parse RemoteAddr ${remote}`);
      return v1Error(400, 'INVALID_REMOTE_ADDR');
    }
    if (!cidrContains(cidr, ip)) return v1Error(403, 'FORBIDDEN');
  }
  if (req.method === 'PUT') {
    if (req.body.length === 0 || req.body.length > 1024 * 1024) return v1Error(413, 'INVALID_VALUE');
    const text = req.body.toString('utf8');
    if (opt === 'nsqlookupd_http_addresses') {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        return v1Error(400, 'INVALID_VALUE');
      }
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return v1Error(400, 'INVALID_VALUE');
      ctx.opts.lookupdHttpAddresses = v;
    } else if (opt === 'log_level') {
      try {
        ctx.opts.logLevel = parseLogLevel(text);
      } catch {
        return v1Error(400, 'INVALID_VALUE');
      }
      ctx.log.setLevel(ctx.opts.logLevel);
    } else {
      return v1Error(400, 'INVALID_OPTION');
    }
  }
  const v = configValue(ctx, opt);
  if (v === undefined) return v1Error(400, 'INVALID_OPTION');
  return typeof v === 'string' ? v1Ok(v) : v1RawJson(goJson(v));
}

function index(ctx: AdminContext, req: HttpRequest): HttpResponse {
  const o = ctx.opts;
  return indexPage(
    {
      basePath: o.basePath,
      graphiteUrl: o.graphiteUrl,
      proxyGraphite: o.proxyGraphite,
      statsdInterval: o.statsdInterval,
      statsdCounterFormat: o.statsdCounterFormat,
      statsdGaugeFormat: o.statsdGaugeFormat,
      statsdPrefix: o.statsdPrefix,
      lookupds: o.lookupdHttpAddresses,
      isAdmin: ctx.auth.isAdmin(req),
      extras: {
        stats_interval: o.statsInterval,
        stats_window: o.statsWindow,
        login: ctx.auth.loginEnabled,
        user: ctx.auth.sessionUser(req),
      },
    },
    ctx.assets.built,
  );
}

type H = (ctx: AdminContext, req: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** Go's Decorate(..., gzip): every answer of a handler compressed when the client asks */
const gz =
  (h: H): H =>
  async (ctx, req) =>
    compress(req, await h(ctx, req));

export function adminRoutes(ctx: AdminContext): Route<AdminContext>[] {
  const bp = (p: string): string => joinBase(ctx.opts.basePath, p);
  const routes: Route<AdminContext>[] = [];
  const add = (method: string, path: string, handler: H, bodyLimit = 0): void => {
    routes.push({ method, path: bp(path), handler: gz(handler), bodyLimit });
  };
  for (const page of [
    '/',
    '/topics',
    '/topics/:topic',
    '/topics/:topic/:channel',
    '/nodes',
    '/nodes/:node',
    '/counter',
    '/lookup',
  ]) {
    add('GET', page, index);
  }
  // nsq-ts's pages
  add('GET', '/tail/:topic', index);
  add('GET', '/login', index);
  add('GET', '/ping', () => plainText(200, 'OK'));
  const asset: H = (c, req) => c.assets.serve(req.params[0] ?? '', c.opts.devStaticDir);
  add('GET', '/static/:asset', asset);
  add('GET', '/fonts/:asset', asset);
  if (ctx.opts.proxyGraphite) add('GET', '/render', renderProxy);
  const body = 1024 * 1024 + 1;
  add('GET', '/api/topics', topicsHandler);
  add('GET', '/api/topics/:topic', topicHandler);
  add('GET', '/api/topics/:topic/:channel', channelHandler);
  add('GET', '/api/nodes', nodesHandler);
  add('GET', '/api/nodes/:node', nodeHandler);
  add('POST', '/api/topics', createTopicChannelHandler, body);
  add('POST', '/api/topics/:topic', topicActionHandler, body);
  add('POST', '/api/topics/:topic/:channel', channelActionHandler, body);
  add('DELETE', '/api/nodes/:node', tombstoneHandler, body);
  add('DELETE', '/api/topics/:topic', deleteTopicHandler);
  add('DELETE', '/api/topics/:topic/:channel', deleteChannelHandler);
  add('GET', '/api/counter', counterHandler);
  add('GET', '/api/graphite', graphiteHandler);
  add('GET', '/config/:opt', doConfig);
  add('PUT', '/config/:opt', doConfig, body);
  // nsq-ts's endpoints, beside Go's /api
  add('GET', '/ext/status', ext.statusHandler);
  add('GET', '/ext/live/topics', ext.liveTopics);
  add('GET', '/ext/live/topics/:topic', ext.liveTopic);
  add('GET', '/ext/live/topics/:topic/:channel', ext.liveChannel);
  add('GET', '/ext/live/nodes/:node', ext.liveNode);
  add('GET', '/ext/series', ext.seriesHandler);
  add('POST', '/ext/tail/:topic', ext.tailOpen);
  add('GET', '/ext/tail/:id', ext.tailPoll);
  add('DELETE', '/ext/tail/:id', ext.tailClose);
  add('POST', '/ext/tail/:id/close', ext.tailClose);
  add('POST', '/ext/login', ext.loginHandler, 64 * 1024);
  add('POST', '/ext/logout', ext.logoutHandler);
  return routes;
}

export function adminRouteTable(ctx: AdminContext, log: RouteLog): RouteTable {
  return createRouteTable(ctx, adminRoutes(ctx), log);
}
