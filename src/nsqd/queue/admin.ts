/**
 * The shard's control plane: nsqd's topic and channel admin actions (create, delete, empty, pause)
 * and the stats snapshot of what this shard owns. Requests and answers are plain data, so they
 * cross threads by postMessage unchanged; the work itself runs on the shard's own thread.
 */

import { loadMetadata, saveMetadata, type TopicMeta } from '../disk/metadata.js';
import type { ChannelStats, LatencyStats, TopicStats } from '../stats.js';
import { isValidChannelName, isValidTopicName } from '../../wire/names.js';
import { readdirSync } from 'node:fs';
import { percentilesOf } from './latency.js';
import type { ShardCore } from './shard-core.js';
import type { Topic } from './topic.js';

export type ControlRequest =
  | { op: 'createTopic' | 'deleteTopic' | 'emptyTopic'; topic: string }
  | { op: 'pauseTopic'; topic: string; paused: boolean }
  | { op: 'createChannel' | 'deleteChannel' | 'emptyChannel'; topic: string; channel: string }
  | { op: 'pauseChannel'; topic: string; channel: string; paused: boolean }
  | { op: 'stats'; topic: string; channel: string }
  /** this shard's part of nsqd.dat */
  | { op: 'meta' }
  /** read nsqd.dat (sent to one shard: disk I/O stays off the io thread) */
  | { op: 'loadMeta'; dataPath: string }
  /** write nsqd.dat */
  | { op: 'saveMeta'; dataPath: string; topics: TopicMeta[] }
  /** this shard's health: null = OK */
  | { op: 'health' };

export interface ConsumerStats {
  conn: number;
  readyCount: number;
  inFlightCount: number;
  messageCount: number;
  finishCount: number;
  requeueCount: number;
}

/** a channel as the shard sees it: /stats' ChannelStats less what the io thread adds (clients) */
export type ShardChannelStats = Pick<
  ChannelStats,
  | 'channelName'
  | 'depth'
  | 'backendDepth'
  | 'inFlightCount'
  | 'deferredCount'
  | 'messageCount'
  | 'requeueCount'
  | 'timeoutCount'
  | 'paused'
> & { latency: LatencyStats; consumers: ConsumerStats[] };

/** a topic as the shard sees it */
export type ShardTopicStats = Pick<
  TopicStats,
  'topicName' | 'depth' | 'backendDepth' | 'messageCount' | 'messageBytes' | 'paused'
> & { latency: LatencyStats /** sorted by name */; channels: ShardChannelStats[] };

/** `error` is nsqd's HTTP error message (TOPIC_NOT_FOUND, CHANNEL_NOT_FOUND), null on success */
export interface ControlResponse {
  error: string | null;
  /** for `stats`: this shard's topics matching the filter */
  topics?: ShardTopicStats[];
  /** for `meta` */
  meta?: TopicMeta[];
  /** for `health` */
  health?: string | null;
}

const OK: ControlResponse = { error: null };
const NO_TOPIC: ControlResponse = { error: 'TOPIC_NOT_FOUND' };
const NO_CHANNEL: ControlResponse = { error: 'CHANNEL_NOT_FOUND' };

export function control(core: ShardCore, req: ControlRequest): ControlResponse {
  if (req.op === 'createTopic') {
    core.getOrCreateTopic(req.topic);
    return OK;
  }
  if (req.op === 'stats') return { error: null, topics: stats(core, req.topic, req.channel) };
  if (req.op === 'meta') return { error: null, meta: metaOf(core) };
  if (req.op === 'health') return { error: null, health: core.disk.health };
  if (req.op === 'saveMeta' || req.op === 'loadMeta') {
    try {
      if (req.op === 'loadMeta') {
        const warn = (m: string): void => core.log('warn', m);
        return {
          error: null,
          meta: withOrphanQueues(req.dataPath, loadMetadata(req.dataPath, { warn }), warn),
        };
      }
      saveMetadata(req.dataPath, req.topics);
      return OK;
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
  const topic = core.topics.get(req.topic);
  if (topic === undefined) return NO_TOPIC;
  switch (req.op) {
    case 'deleteTopic':
      core.deleteTopic(topic);
      return OK;
    case 'emptyTopic':
      topic.empty();
      return OK;
    case 'pauseTopic':
      topic.setPaused(req.paused);
      return OK;
    case 'createChannel':
      topic.getOrCreateChannel(req.channel);
      return OK;
    default:
      break;
  }
  if (req.op !== 'deleteChannel' && req.op !== 'emptyChannel' && req.op !== 'pauseChannel') return OK;
  const ch = topic.channels.get(req.channel);
  if (ch === undefined) return NO_CHANNEL;
  switch (req.op) {
    case 'deleteChannel':
      core.deleteChannel(ch);
      return OK;
    case 'emptyChannel':
      ch.empty();
      return OK;
    case 'pauseChannel':
      ch.setPaused(req.paused);
      return OK;
  }
}

function stats(core: ShardCore, topicName: string, channelName: string): ShardTopicStats[] {
  const now = core.now();
  const quantiles = core.options.e2eProcessingLatencyPercentiles;
  const out: ShardTopicStats[] = [];
  const topics: Topic[] = [];
  if (topicName === '') topics.push(...core.topics.values());
  else {
    const t = core.topics.get(topicName);
    if (t !== undefined) topics.push(t);
  }
  for (const t of topics) {
    const channels = [...t.channels.values()]
      .filter((ch) => channelName === '' || ch.name === channelName)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // a channel filter naming a missing channel skips the topic, as nsqd does
    if (channelName !== '' && channels.length === 0) continue;
    out.push({
      topicName: t.name,
      depth: t.depth,
      backendDepth: t.backendDepth,
      messageCount: t.messageCount,
      messageBytes: t.messageBytes,
      paused: t.paused,
      latency: percentilesOf(
        [...t.channels.values()].flatMap((ch) => (ch.latency === null ? [] : [ch.latency])),
        quantiles,
        now,
      ),
      channels: channels.map((ch) => ({
        channelName: ch.name,
        depth: ch.depth,
        backendDepth: ch.backendDepth,
        inFlightCount: ch.inFlightCount,
        deferredCount: ch.deferred.length,
        messageCount: ch.messageCount,
        requeueCount: ch.requeueCount,
        timeoutCount: ch.timeoutCount,
        paused: ch.paused,
        latency: ch.latency === null ? { count: 0, percentiles: null } : ch.latency.stats(quantiles, now),
        consumers: ch.consumers.map((c) => ({
          conn: c.conn,
          readyCount: c.rdy,
          inFlightCount: c.inFlight,
          messageCount: c.messageCount,
          finishCount: c.finishCount,
          requeueCount: c.requeueCount,
        })),
      })),
    });
  }
  return out;
}

/** the topics and channels nsqd.dat records (ephemeral ones are left out by the encoder) */
function metaOf(core: ShardCore): TopicMeta[] {
  return [...core.topics.values()].map((t) => ({
    name: t.name,
    paused: t.paused,
    channels: [...t.channels.values()].map((ch) => ({ name: ch.name, paused: ch.paused })),
  }));
}

const QUEUE_FILE = /^(.+)\.diskqueue\.(?:meta|\d{6})\.dat$/;

/**
 * Beyond nsqd: a topic or channel that has diskqueue files but is missing from nsqd.dat (a crash
 * before nsqd.dat was rewritten) is loaded too, so no acknowledged message is left unread.
 */
function withOrphanQueues(dataPath: string, meta: TopicMeta[], warn: (msg: string) => void): TopicMeta[] {
  const byName = new Map(meta.map((t) => [t.name, t]));
  let files: string[];
  try {
    files = readdirSync(dataPath);
  } catch {
    return meta;
  }
  for (const f of files) {
    const m = QUEUE_FILE.exec(f);
    if (m === null) continue;
    const [topic, channel] = m[1]!.split(':', 2) as [string, string | undefined];
    if (!isValidTopicName(topic) || (channel !== undefined && !isValidChannelName(channel))) continue;
    let t = byName.get(topic);
    if (t === undefined) {
      t = { name: topic, paused: false, channels: [] };
      byName.set(topic, t);
      meta.push(t);
      warn(`topic ${topic} has diskqueue files but is not in nsqd.dat: loading it`);
    }
    if (channel !== undefined && !t.channels.some((c) => c.name === channel)) {
      t.channels.push({ name: channel, paused: false });
      warn(`channel ${topic}:${channel} has diskqueue files but is not in nsqd.dat: loading it`);
    }
  }
  return meta;
}
