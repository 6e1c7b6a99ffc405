/**
 * Beyond nsqd: GET/POST /topic/config and /channel/config, the per-topic and per-channel queue
 * policies (max attempts → dead letters, TTL, max depth; queue/limits.ts). POST sets what its query
 * names (an empty value unsets it: the topic's, then the flag's value applies again) and answers
 * the result; GET only reads. The change reaches the owning shard through BrokerApi, which writes
 * nsqd.dat before answering. Parses and answers only.
 *
 *   POST /channel/config?topic=t&channel=c&max_attempts=5
 *   200 {"settings":{"max_attempts":5},"effective":{"max_attempts":5,"dead_letter_topic":"t.dead",
 *        "ttl_ms":0,"max_depth":0,"max_depth_policy":"drop-oldest"}}
 */

import { parseGoDuration } from '../../go/duration.js';
import type { HttpRequest, HttpResponse } from '../../http/request.js';
import { topicChannelArgs, v1Error, v1Ok } from '../../http/v1.js';
import { isValidTopicName } from '../../wire/names.js';
import type { QueueSettings, QueueSettingsChange } from '../queue/limits.js';
import type { BrokerApi } from './api.js';

/** the query parameters, each with its error text and parser (null: invalid) */
const PARAMS: readonly {
  name: string;
  key: keyof QueueSettings;
  error: string;
  parse(v: string): number | string | null;
}[] = [
  { name: 'max_attempts', key: 'maxAttempts', error: 'INVALID_MAX_ATTEMPTS', parse: (v) => intIn(v, 65535) },
  { name: 'ttl', key: 'ttl', error: 'INVALID_TTL', parse: durationMs },
  {
    name: 'max_depth',
    key: 'maxDepth',
    error: 'INVALID_MAX_DEPTH',
    parse: (v) => intIn(v, Number.MAX_SAFE_INTEGER),
  },
  {
    name: 'max_depth_policy',
    key: 'maxDepthPolicy',
    error: 'INVALID_MAX_DEPTH_POLICY',
    parse: (v) => (v === 'drop-oldest' || v === 'reject-new' ? v : null),
  },
];

function intIn(v: string, max: number): number | null {
  if (!/^[0-9]+$/.test(v)) return null;
  const n = Number(v);
  return n <= max ? n : null;
}

/** a Go duration (`90s`, `1h30m`) or whole milliseconds */
function durationMs(v: string): number | null {
  if (/^[0-9]+$/.test(v)) return Number(v);
  try {
    const ms = parseGoDuration(v);
    return ms >= 0 ? Math.round(ms) : null;
  } catch {
    return null;
  }
}

/** the change a POST's query asks for, or the 400 answer */
function changeOf(req: HttpRequest): QueueSettingsChange | HttpResponse {
  const change: Record<string, unknown> = {};
  for (const p of PARAMS) {
    const raw = req.query?.get(p.name) ?? null;
    if (raw === null) continue;
    if (raw === '') {
      change[p.key] = null;
      continue;
    }
    const v = p.parse(raw);
    if (v === null) return v1Error(400, p.error);
    change[p.key] = v;
  }
  return change as QueueSettingsChange;
}

async function answer(
  api: BrokerApi,
  req: HttpRequest,
  topic: string,
  channel: string | null,
): Promise<HttpResponse> {
  const change = req.method === 'POST' ? changeOf(req) : {};
  if ('status' in change) return change;
  const r = await api.configureQueue(topic, channel, change as QueueSettingsChange);
  if ('status' in r) return v1Error(r.status, r.message);
  const s = r.settings;
  const e = r.effective;
  const settings: Record<string, unknown> = {};
  for (const p of PARAMS)
    if (s[p.key] !== undefined) settings[p.name === 'ttl' ? 'ttl_ms' : p.name] = s[p.key];
  return v1Ok({
    settings,
    effective: {
      max_attempts: e.maxAttempts,
      dead_letter_topic: e.deadLetterTopic,
      ttl_ms: e.ttl,
      max_depth: e.maxDepth,
      max_depth_policy: e.rejectNew ? 'reject-new' : 'drop-oldest',
    },
  });
}

export function doTopicConfig(
  ctx: { api: BrokerApi },
  req: HttpRequest,
): Promise<HttpResponse> | HttpResponse {
  if (req.query === null) return v1Error(400, 'INVALID_REQUEST');
  const topic = req.query.get('topic');
  if (topic === null) return v1Error(400, 'MISSING_ARG_TOPIC');
  if (!isValidTopicName(topic)) return v1Error(400, 'INVALID_TOPIC');
  return answer(ctx.api, req, topic, null);
}

export function doChannelConfig(
  ctx: { api: BrokerApi },
  req: HttpRequest,
): Promise<HttpResponse> | HttpResponse {
  const a = topicChannelArgs(req);
  return Array.isArray(a) ? answer(ctx.api, req, a[0], a[1]) : a;
}
