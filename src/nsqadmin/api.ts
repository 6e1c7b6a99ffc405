/**
 * Go nsqadmin's /api: the read handlers (topics, topic, channel, nodes, node, counter) and the admin
 * actions (create, pause/unpause/empty, delete, tombstone) with Go's checks, texts, partial-failure
 * WARNINGs, 502 UPSTREAM_ERRORs and notifications. Each request asks the cluster afresh through
 * ClusterInfo. Owns no state.
 */

import { goJson } from '../go/json.js';
import type { HttpRequest, HttpResponse } from '../http/request.js';
import { v1Error, v1RawJson } from '../http/v1.js';
import { isValidChannelName, isValidTopicName } from '../wire/names.js';
import { httpAddress, type Producer, TotalError } from './cluster.js';
import type { AdminContext } from './context.js';
import { addTopic, channelJson, newTopicStats, sortClientsByNodeTopology, topicJson } from './stats.js';

/** maybeWarnMsg */
function warn(messages: readonly string[]): string {
  return messages.length > 0 ? `WARNING: ${messages.join('; ')}` : '';
}

/** an upstream step: its value, a WARNING line pushed on `messages`, or a 502 thrown as TotalError */
async function step<T>(
  ctx: AdminContext,
  what: string,
  messages: string[],
  p: Promise<{ value: T; errors: string[] }>,
): Promise<T> {
  try {
    const r = await p;
    if (r.errors.length > 0) {
      const text = r.errors.join('\n');
      ctx.log.warn(text);
      messages.push(text);
    }
    return r.value;
  } catch (err) {
    if (err instanceof TotalError) ctx.log.error(`failed to ${what} - ${err.message}`);
    throw err;
  }
}

/** a TotalError as Go's 502; anything else rethrown (the table answers 500) */
function upstream(err: unknown): HttpResponse {
  if (err instanceof TotalError) return v1Error(502, `UPSTREAM_ERROR: ${err.message}`);
  throw err;
}

const ok = (data: unknown): HttpResponse => v1RawJson(goJson(data));
const param = (req: HttpRequest, i: number): string => req.params[i] ?? '';

export async function topicsHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  if (req.query === null) return v1Error(400, 'INVALID_REQUEST');
  const messages: string[] = [];
  const { lookupdHttpAddresses: lookupds, nsqdHttpAddresses: nsqds } = ctx.opts;
  let topics: string[];
  try {
    topics = await step(
      ctx,
      'get topics',
      messages,
      lookupds.length > 0 ? ctx.ci.lookupdTopics(lookupds) : ctx.ci.nsqdTopics(nsqds),
    );
  } catch (err) {
    return upstream(err);
  }
  if (req.query.get('inactive') === 'true') {
    const map: Record<string, string[] | null> = {};
    for (const t of lookupds.length > 0 ? topics : []) {
      const producers = await ctx.ci.lookupdTopicProducers(t, lookupds).catch(() => null);
      if (producers === null || producers.value.length === 0) {
        const channels = await ctx.ci.lookupdTopicChannels(t, lookupds).catch(() => null);
        map[t] = channels === null || channels.value.length === 0 ? null : channels.value;
      }
    }
    return ok({ topics: map, message: warn(messages) });
  }
  return ok({ topics: topics.length === 0 ? null : topics, message: warn(messages) });
}

/** GetTopicProducers then GetNSQDStats for one topic (and channel): the steps topic and channel share */
async function topicStats(
  ctx: AdminContext,
  messages: string[],
  topic: string,
  channel: string,
  what: string,
  includeClients: boolean,
): Promise<Awaited<ReturnType<AdminContext['ci']['nsqdStats']>>['value']> {
  const { lookupdHttpAddresses: lookupds, nsqdHttpAddresses: nsqds } = ctx.opts;
  const producers = await step(
    ctx,
    'get topic producers',
    messages,
    ctx.ci.topicProducers(topic, lookupds, nsqds),
  );
  return step(ctx, what, messages, ctx.ci.nsqdStats(producers, topic, channel, includeClients));
}

export async function topicHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  const topic = param(req, 0);
  const messages: string[] = [];
  try {
    const stats = await topicStats(ctx, messages, topic, '', 'get topic metadata', false);
    const all = newTopicStats(topic);
    for (const t of stats.topics) addTopic(all, t);
    return ok({ ...topicJson(all), message: warn(messages) });
  } catch (err) {
    return upstream(err);
  }
}

export async function channelHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  const topic = param(req, 0);
  const channel = param(req, 1);
  const messages: string[] = [];
  try {
    const stats = await topicStats(ctx, messages, topic, channel, 'get channel metadata', true);
    const c = stats.channels.get(channel);
    // Go dereferences a nil channel here (a 500); nsq-ts says which
    if (c === undefined) return v1Error(404, 'CHANNEL_NOT_FOUND');
    if (c.clients !== null) sortClientsByNodeTopology(c.clients);
    return ok({ ...channelJson(c), message: warn(messages) });
  } catch (err) {
    return upstream(err);
  }
}

/** GetProducers of the whole cluster (lookupd mode or nsqd mode) as one step */
function producers(ctx: AdminContext, messages: string[], what: string): Promise<Producer[]> {
  return step(
    ctx,
    what,
    messages,
    ctx.ci.producers(ctx.opts.lookupdHttpAddresses, ctx.opts.nsqdHttpAddresses),
  );
}

export async function nodesHandler(ctx: AdminContext): Promise<HttpResponse> {
  const messages: string[] = [];
  try {
    const ps = await producers(ctx, messages, 'get nodes');
    return ok({ nodes: ps.length === 0 ? null : ps, message: warn(messages) });
  } catch (err) {
    return upstream(err);
  }
}

export async function nodeHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  const node = param(req, 0);
  const messages: string[] = [];
  try {
    const ps = await producers(ctx, messages, 'get producers');
    const producer = ps.find((p) => httpAddress(p) === node);
    if (producer === undefined) return v1Error(404, 'NODE_NOT_FOUND');
    let stats: Awaited<ReturnType<typeof ctx.ci.nsqdStats>>;
    try {
      stats = await ctx.ci.nsqdStats([producer], '', '', true);
      if (stats.errors.length > 0)
        throw new TotalError(`failed to query any nsqd: ${stats.errors.join('\n')}`);
    } catch (err) {
      ctx.log.error(`failed to get nsqd stats - ${(err as Error).message}`);
      throw err;
    }
    let totalClients = 0;
    let totalMessages = 0;
    for (const t of stats.value.topics) {
      for (const c of t.channels ?? []) totalClients += c.clients?.length ?? 0;
      totalMessages += t.message_count;
    }
    const topics = stats.value.topics;
    return ok({
      node,
      topics: topics.length === 0 ? null : topics.map(topicJson),
      total_messages: totalMessages,
      total_clients: totalClients,
      message: warn(messages),
    });
  } catch (err) {
    return upstream(err);
  }
}

export async function counterHandler(ctx: AdminContext): Promise<HttpResponse> {
  const messages: string[] = [];
  try {
    const ps = await producers(ctx, messages, 'get counter producer list');
    const stats = await step(ctx, 'get nsqd stats', messages, ctx.ci.nsqdStats(ps, '', '', false));
    const out: Record<
      string,
      { node: string; topic_name: string; channel_name: string; message_count: number }
    > = {};
    for (const c of stats.channels.values()) {
      for (const n of c.nodes ?? []) {
        const key = `${c.topic_name}:${c.channel_name}:${n.node}`;
        const s = (out[key] ??= {
          node: n.node,
          topic_name: c.topic_name,
          channel_name: c.channel_name,
          message_count: 0,
        });
        s.message_count += n.message_count;
      }
    }
    // Go writes a map's keys sorted
    const sorted = Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
    return ok({ stats: sorted, message: warn(messages) });
  } catch (err) {
    return upstream(err);
  }
}

// ---------------------------------------------------------------- actions

/** json.NewDecoder(body).Decode into a struct of string fields: Go's error text for a bad body */
function decodeBody(body: Buffer): Record<string, unknown> | string {
  const text = body.toString('utf8');
  if (text.trim() === '') return 'EOF';
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    // JSON.parse stops at the first bad byte, as Go's decoder; Go names it like this
    const firstBad = /^\s*[{[]/.test(text)
      ? 'unexpected EOF'
      : `invalid character '${text.trim()[0]}' looking for beginning of value`;
    return firstBad;
  }
}

const field = (b: Record<string, unknown>, k: string): string =>
  typeof b[k] === 'string' ? (b[k] as string) : '';

const done = (messages: readonly string[]): HttpResponse => ok({ message: warn(messages) });

/** an action's collected upstream errors (Go's ErrList) as the one WARNING line */
function actionResult(ctx: AdminContext, errors: readonly string[]): string[] {
  if (errors.length === 0) return [];
  const text = errors.join('\n');
  ctx.log.warn(text);
  return [text];
}

/**
 * An admin action's upstream work: its errors as the WARNING line, then the notification and the
 * change hook; a failure is logged as Go's `failed to <what>` and answered 502, with no notification.
 */
async function act(
  ctx: AdminContext,
  what: string,
  work: () => Promise<string[]>,
  notify: () => void,
): Promise<HttpResponse> {
  let messages: string[];
  try {
    messages = actionResult(ctx, await work());
  } catch (err) {
    ctx.log.error(`failed to ${what} - ${(err as Error).message}`);
    return upstream(err);
  }
  notify();
  ctx.onChange();
  return done(messages);
}

export async function createTopicChannelHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  if (!ctx.auth.isAdmin(req)) return v1Error(403, 'FORBIDDEN');
  const body = decodeBody(req.body);
  if (typeof body === 'string') return v1Error(400, body);
  const topic = field(body, 'topic');
  const channel = field(body, 'channel');
  if (!isValidTopicName(topic)) return v1Error(400, 'INVALID_TOPIC');
  if (channel.length > 0 && !isValidChannelName(channel)) return v1Error(400, 'INVALID_CHANNEL');
  return act(
    ctx,
    'create topic/channel',
    () => ctx.ci.createTopicChannel(topic, channel, ctx.opts.lookupdHttpAddresses),
    () => {
      ctx.notifier.notify('create_topic', topic, '', '', req);
      if (channel.length > 0) ctx.notifier.notify('create_channel', topic, channel, '', req);
    },
  );
}

async function topicChannelAction(
  ctx: AdminContext,
  req: HttpRequest,
  topic: string,
  channel: string,
): Promise<HttpResponse> {
  if (!ctx.auth.isAdmin(req)) return v1Error(403, 'FORBIDDEN');
  const body = decodeBody(req.body);
  if (typeof body === 'string') return v1Error(400, body);
  const action = field(body, 'action');
  if (action !== 'pause' && action !== 'unpause' && action !== 'empty') return v1Error(400, 'INVALID_ACTION');
  let result: HttpResponse;
  try {
    const errors = await ctx.ci.topicChannelAction(
      action,
      topic,
      channel,
      ctx.opts.lookupdHttpAddresses,
      ctx.opts.nsqdHttpAddresses,
    );
    result = done(actionResult(ctx, errors));
  } catch (err) {
    ctx.log.error(`failed to ${action} topic/channel - ${(err as Error).message}`);
    result = upstream(err);
  }
  // Go notifies before it looks at the outcome
  ctx.notifier.notify(channel === '' ? `${action}_topic` : `${action}_channel`, topic, channel, '', req);
  ctx.onChange();
  return result;
}

export function topicActionHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  return topicChannelAction(ctx, req, param(req, 0), '');
}

export function channelActionHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  return topicChannelAction(ctx, req, param(req, 0), param(req, 1));
}

async function deleteTopicChannel(
  ctx: AdminContext,
  req: HttpRequest,
  topic: string,
  channel: string,
): Promise<HttpResponse> {
  if (!ctx.auth.isAdmin(req)) return v1Error(403, 'FORBIDDEN');
  const { lookupdHttpAddresses: lookupds, nsqdHttpAddresses: nsqds } = ctx.opts;
  return act(
    ctx,
    channel === '' ? 'delete topic' : 'delete channel',
    () => ctx.ci.topicChannelAction('delete', topic, channel, lookupds, nsqds),
    () => ctx.notifier.notify(channel === '' ? 'delete_topic' : 'delete_channel', topic, channel, '', req),
  );
}

export function deleteTopicHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  return deleteTopicChannel(ctx, req, param(req, 0), '');
}

export function deleteChannelHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  return deleteTopicChannel(ctx, req, param(req, 0), param(req, 1));
}

export async function tombstoneHandler(ctx: AdminContext, req: HttpRequest): Promise<HttpResponse> {
  if (!ctx.auth.isAdmin(req)) return v1Error(403, 'FORBIDDEN');
  const node = param(req, 0);
  const body = decodeBody(req.body);
  if (typeof body === 'string') return v1Error(400, 'INVALID_BODY');
  const topic = field(body, 'topic');
  if (!isValidTopicName(topic)) return v1Error(400, 'INVALID_TOPIC');
  return act(
    ctx,
    'tombstone node for topic',
    () => ctx.ci.tombstoneNodeForTopic(topic, node, ctx.opts.lookupdHttpAddresses),
    () => ctx.notifier.notify('tombstone_topic_producer', topic, '', node, req),
  );
}
