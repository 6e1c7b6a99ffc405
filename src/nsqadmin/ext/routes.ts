/**
 * nsq-ts's endpoints beside Go's /api (which they never change), under `<base>/ext/`: live numbers
 * from the poll loop's snapshot in /api's shapes (no upstream request per browser), chart series,
 * the tail sessions, and the built-in login. Owns no state: the poller, the tails and Auth do.
 */

import { goJson } from '../../go/json.js';
import type { HttpRequest, HttpResponse } from '../../http/request.js';
import { v1Error, v1RawJson } from '../../http/v1.js';
import { SESSION_COOKIE } from '../auth.js';
import { httpAddress } from '../cluster.js';
import type { AdminContext } from '../context.js';
import {
  addChannel,
  addTopic,
  channelJson,
  newChannelStats,
  newTopicStats,
  sortClientsByNodeTopology,
  type TopicStats,
  topicJson,
} from '../stats.js';
import type { Snapshot } from './poller.js';

const ok = (data: unknown): HttpResponse => v1RawJson(goJson(data));
const param = (req: HttpRequest, i: number): string => req.params[i] ?? '';

function snapshot(ctx: AdminContext): Snapshot | HttpResponse {
  if (ctx.poller === null) return v1Error(404, 'STATS_POLL_DISABLED');
  return ctx.poller.snapshot ?? v1Error(503, 'STATS_NOT_READY');
}

/** a node's topics as parsed, cloned (the aggregation mutates what it adds) */
function nodeTopics(s: Snapshot, topic: string): TopicStats[] {
  return s.topics.filter((t) => topic === '' || t.topic_name === topic).map((t) => structuredClone(t));
}

function lastRate(ctx: AdminContext, key: string): number | null {
  const r = ctx.poller?.series.read(key, Date.now() - 3 * (ctx.opts.statsInterval || 1));
  const rates = r?.fields.rate ?? [];
  return rates.length > 0 ? (rates[rates.length - 1] ?? null) : null;
}

/** GET /ext/live/topics: every topic's totals and current rate */
export function liveTopics(ctx: AdminContext): HttpResponse {
  const s = snapshot(ctx);
  if (!('at' in s)) return s;
  const byName = new Map<string, TopicStats>();
  for (const t of nodeTopics(s, '')) {
    let agg = byName.get(t.topic_name);
    if (agg === undefined) byName.set(t.topic_name, (agg = newTopicStats(t.topic_name)));
    addTopic(agg, t);
  }
  const topics = [...byName.values()]
    .sort((a, b) => (a.topic_name < b.topic_name ? -1 : 1))
    .map((t) => ({
      topic_name: t.topic_name,
      depth: t.depth,
      message_count: t.message_count,
      channel_count: t.channels?.length ?? 0,
      node_count: t.nodes?.length ?? 0,
      paused: t.paused,
      rate: lastRate(ctx, `topic:${t.topic_name}`),
    }));
  return ok({ at: s.at, topics, message: s.message });
}

/** GET /ext/live/topics/:topic: /api/topics/:topic's document from the snapshot */
export function liveTopic(ctx: AdminContext, req: HttpRequest): HttpResponse {
  const s = snapshot(ctx);
  if (!('at' in s)) return s;
  const all = newTopicStats(param(req, 0));
  for (const t of nodeTopics(s, param(req, 0))) addTopic(all, t);
  return ok({ ...topicJson(all), at: s.at, message: s.message });
}

/** GET /ext/live/topics/:topic/:channel */
export function liveChannel(ctx: AdminContext, req: HttpRequest): HttpResponse {
  const s = snapshot(ctx);
  if (!('at' in s)) return s;
  const [topic, channel] = [param(req, 0), param(req, 1)];
  const agg = newChannelStats('*', topic, channel);
  let found = false;
  for (const t of nodeTopics(s, topic)) {
    for (const c of t.channels ?? []) {
      if (c.channel_name !== channel) continue;
      found = true;
      addChannel(agg, c);
    }
  }
  if (!found) return v1Error(404, 'CHANNEL_NOT_FOUND');
  if (agg.clients !== null) sortClientsByNodeTopology(agg.clients);
  return ok({ ...channelJson(agg), at: s.at, message: s.message });
}

/** GET /ext/live/nodes/:node: /api/nodes/:node's document from the snapshot */
export function liveNode(ctx: AdminContext, req: HttpRequest): HttpResponse {
  const s = snapshot(ctx);
  if (!('at' in s)) return s;
  const node = param(req, 0);
  if (!s.producers.some((p) => httpAddress(p) === node)) return v1Error(404, 'NODE_NOT_FOUND');
  const topics = s.topics.filter((t) => t.node === node);
  let clients = 0;
  let messages = 0;
  for (const t of topics) {
    for (const c of t.channels ?? []) clients += c.clients?.length ?? 0;
    messages += t.message_count;
  }
  return ok({
    node,
    topics: topics.length === 0 ? null : topics.map(topicJson),
    total_messages: messages,
    total_clients: clients,
    at: s.at,
    message: s.message,
  });
}

/**
 * GET /ext/series?key=topic:T&key=channel:T/C&prefix=channel:T/&since=<ms>: chart samples,
 * oldest first; `since` defaults to the whole window.
 */
export function seriesHandler(ctx: AdminContext, req: HttpRequest): HttpResponse {
  if (ctx.poller === null) return v1Error(404, 'STATS_POLL_DISABLED');
  if (req.query === null) return v1Error(400, 'INVALID_REQUEST');
  const since = Number(req.query.get('since') ?? '0') || 0;
  const keys = new Set(req.query.getAll('key'));
  for (const p of req.query.getAll('prefix')) for (const k of ctx.poller.series.keys(p)) keys.add(k);
  if (keys.size > 500) return v1Error(400, 'TOO_MANY_SERIES');
  const series: Record<string, unknown> = {};
  for (const k of keys) {
    const r = ctx.poller.series.read(k, since);
    if (r !== null) series[k] = r;
  }
  return ok({ now: Date.now(), interval: ctx.opts.statsInterval, window: ctx.opts.statsWindow, series });
}

/** GET /ext/status: what the UI needs to know about the extras and the requester */
export function statusHandler(ctx: AdminContext, req: HttpRequest): HttpResponse {
  return ok({
    stats_interval: ctx.opts.statsInterval,
    stats_window: ctx.opts.statsWindow,
    series: ctx.poller?.series.size ?? 0,
    series_bytes: ctx.poller?.series.bytes ?? 0,
    tails: ctx.tails.size,
    login_enabled: ctx.auth.loginEnabled,
    user: ctx.auth.sessionUser(req),
    admin: ctx.auth.isAdmin(req),
  });
}

// ---------------------------------------------------------------- tail

/** POST /ext/tail/:topic: opens a tail on every producer of the topic */
export async function tailOpen(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  if (!ctx.auth.isAdmin(req)) return v1Error(403, 'FORBIDDEN');
  const topic = param(req, 0);
  let producers: Awaited<ReturnType<AdminContext['ci']['topicProducers']>>;
  try {
    producers = await ctx.ci.topicProducers(topic, ctx.opts.lookupdHttpAddresses, ctx.opts.nsqdHttpAddresses);
  } catch (err) {
    return v1Error(502, `UPSTREAM_ERROR: ${(err as Error).message}`);
  }
  const targets = producers.value.map((p) => ({
    node: httpAddress(p),
    tcp: `${p.broadcast_address.includes(':') ? `[${p.broadcast_address}]` : p.broadcast_address}:${p.tcp_port}`,
  }));
  const s = ctx.tails.open(topic, targets);
  if (s === null) return v1Error(503, 'TOO_MANY_TAILS');
  ctx.log.info(`TAIL: ${topic} on ${targets.map((t) => t.tcp).join(', ')} as ${s.channel}`);
  return ok({ id: s.id, topic, channel: s.channel, nodes: targets.map((t) => t.node) });
}

/** GET /ext/tail/:id?after=<seq> */
export function tailPoll(ctx: AdminContext, req: HttpRequest): HttpResponse {
  if (!ctx.auth.isAdmin(req)) return v1Error(403, 'FORBIDDEN');
  const after = Number(req.query?.get('after') ?? '0') || 0;
  const r = ctx.tails.poll(param(req, 0), after);
  return r === null ? v1Error(404, 'TAIL_NOT_FOUND') : ok(r);
}

/** DELETE /ext/tail/:id (also POST, for navigator.sendBeacon when a page goes away) */
export function tailClose(ctx: AdminContext, req: HttpRequest): HttpResponse {
  if (!ctx.auth.isAdmin(req)) return v1Error(403, 'FORBIDDEN');
  return ctx.tails.close(param(req, 0)) ? ok({ message: '' }) : v1Error(404, 'TAIL_NOT_FOUND');
}

// ---------------------------------------------------------------- login

function sessionCookie(ctx: AdminContext, value: string, maxAge: number): [string, string] {
  return [
    'Set-Cookie',
    `${SESSION_COOKIE}=${value}; Path=${ctx.opts.basePath}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict`,
  ];
}

/** POST /ext/login {"user","password"} */
export async function loginHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  if (!ctx.auth.loginEnabled) return v1Error(404, 'LOGIN_DISABLED');
  let body: { user?: unknown; password?: unknown };
  try {
    body = JSON.parse(req.body.toString('utf8')) as typeof body;
  } catch {
    return v1Error(400, 'INVALID_BODY');
  }
  const user = typeof body.user === 'string' ? body.user : '';
  const token = await ctx.auth.login(user, typeof body.password === 'string' ? body.password : '');
  if (token === null) {
    ctx.log.warn(`LOGIN: failed for ${JSON.stringify(user)} from ${req.remoteAddr()}`);
    return v1Error(401, 'INVALID_LOGIN');
  }
  ctx.log.info(`LOGIN: ${user} from ${req.remoteAddr()}`);
  const r = ok({ user, message: '' });
  r.headers.push(sessionCookie(ctx, token, 12 * 3600));
  return r;
}

/** POST /ext/logout */
export function logoutHandler(ctx: AdminContext, req: HttpRequest): HttpResponse {
  ctx.auth.logout(req);
  const r = ok({ message: '' });
  r.headers.push(sessionCookie(ctx, '', 0));
  return r;
}
