/**
 * The shard's control plane: nsqd's topic and channel admin actions (create, delete, empty, pause)
 * and the stats snapshot of what this shard owns. Requests and answers are plain data, so they
 * cross threads by postMessage unchanged; the work itself runs on the shard's own thread.
 */

import { readdirSync } from 'node:fs';
import { isValidChannelName, isValidTopicName } from '../../wire/names.js';
import { ioThreadOf } from '../contract/shard.js';
import type { ChannelStats, LatencyStats, LimitStats, TopicStats } from '../contract/stats.js';
import { QUEUE_FILE } from '../disk/files.js';
import { loadMetadata, saveMetadata, type TopicMeta } from '../disk/metadata.js';
import type { Channel } from './channel.js';
import { percentilesOf } from './latency.js';
import type { QueueSettings, QueueSettingsChange } from './limits.js';
import type { ShardCore } from './shard-core.js';
import type { Topic } from './topic.js';

export type ControlRequest =
  | { op: 'createTopic' | 'deleteTopic' | 'emptyTopic'; topic: string }
  | { op: 'pauseTopic'; topic: string; paused: boolean }
  | { op: 'createChannel' | 'deleteChannel' | 'emptyChannel'; topic: string; channel: string }
  | { op: 'pauseChannel'; topic: string; channel: string; paused: boolean }
  /** beyond nsqd: a topic's or channel's queue policies (limits.ts); an empty change only reads them */
  | { op: 'configure'; topic: string; channel: string | null; change: QueueSettingsChange }
  | { op: 'stats'; topic: string; channel: string }
  /** this shard's part of nsqd.dat */
  | { op: 'meta' }
  /** read nsqd.dat (sent to one shard: disk I/O stays off the io thread) */
  | { op: 'loadMeta'; dataPath: string }
  /** write nsqd.dat */
  | { op: 'saveMeta'; dataPath: string; topics: TopicMeta[] }
  /** this shard's health: null = OK */
  | { op: 'health' }
  /** whether new topics wait for their lookupd channels (see startTopic) */
  | { op: 'holdNewTopics'; hold: boolean }
  /** a new topic's lookupd channels: create them, then let its messages flow */
  | { op: 'startTopic'; topic: string; channels: string[] }
  /** io thread `io` died (--io-threads): its connections are gone */
  | { op: 'ioThreadLost'; io: number };

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
> & { latency: LatencyStats; consumers: ConsumerStats[]; limits: LimitStats | undefined };

/** a topic as the shard sees it */
export type ShardTopicStats = Pick<
  TopicStats,
  'topicName' | 'depth' | 'backendDepth' | 'messageCount' | 'messageBytes' | 'paused'
> & {
  latency: LatencyStats;
  /** sorted by name */
  channels: ShardChannelStats[];
  limits: LimitStats | undefined;
};

/** `error` is nsqd's HTTP error message (TOPIC_NOT_FOUND, CHANNEL_NOT_FOUND), null on success */
export interface ControlResponse {
  error: string | null;
  /** for `stats`: this shard's topics matching the filter */
  topics?: ShardTopicStats[];
  /** for `meta` */
  meta?: TopicMeta[];
  /** for `health` */
  health?: string | null;
  /** for `configure`: the settings as set, and as they resolve */
  limits?: { settings: QueueSettings; effective: EffectiveLimits };
}

/** a topic's or channel's policies as they resolve (POST /topic/config, /channel/config answer them) */
export interface EffectiveLimits {
  maxAttempts: number;
  deadLetterTopic: string | null;
  ttl: number;
  maxDepth: number;
  rejectNew: boolean;
}

const OK: ControlResponse = { error: null };
const NO_TOPIC: ControlResponse = { error: 'TOPIC_NOT_FOUND' };
const NO_CHANNEL: ControlResponse = { error: 'CHANNEL_NOT_FOUND' };

/** Runs one control request on the shard's own thread. */
export function control(core: ShardCore, req: ControlRequest): ControlResponse {
  switch (req.op) {
    case 'createTopic':
      core.getOrCreateTopic(req.topic);
      return OK;
    case 'deleteTopic':
      return onTopic(core, req.topic, (t) => core.deleteTopic(t));
    case 'emptyTopic':
      return onTopic(core, req.topic, (t) => t.empty());
    case 'pauseTopic':
      return onTopic(core, req.topic, (t) => t.setPaused(req.paused));
    case 'createChannel':
      return onTopic(core, req.topic, (t) => {
        t.getOrCreateChannel(req.channel);
      });
    case 'deleteChannel':
      return onChannel(core, req.topic, req.channel, (ch) => core.deleteChannel(ch));
    case 'emptyChannel':
      return onChannel(core, req.topic, req.channel, (ch) => ch.empty());
    case 'pauseChannel':
      return onChannel(core, req.topic, req.channel, (ch) => ch.setPaused(req.paused));
    case 'configure':
      return configure(core, req.topic, req.channel, req.change);
    case 'stats':
      return { error: null, topics: stats(core, req.topic, req.channel) };
    case 'meta':
      return { error: null, meta: metaOf(core) };
    case 'health':
      return { error: null, health: core.disk.health };
    case 'holdNewTopics':
      core.holdNewTopics = req.hold;
      return OK;
    case 'startTopic':
      return onTopic(core, req.topic, (t) => {
        for (const c of req.channels) if (isValidChannelName(c)) t.getOrCreateChannel(c);
        t.start();
      });
    case 'ioThreadLost':
      for (const conn of [...core.consumers.keys()]) if (ioThreadOf(conn) === req.io) core.disconnect(conn);
      return OK;
    case 'loadMeta':
      return onDisk(() => {
        const warn = (m: string): void => core.log.warn(m);
        return {
          error: null,
          meta: withOrphanQueues(req.dataPath, loadMetadata(req.dataPath, { warn }), warn),
        };
      });
    case 'saveMeta':
      return onDisk(() => {
        saveMetadata(req.dataPath, req.topics);
        return OK;
      });
    default:
      return unknownRequest(req);
  }
}

/** the compiler's proof that every request kind is handled above */
function unknownRequest(req: never): never {
  throw new Error(`unknown control request ${JSON.stringify(req)}`);
}

/** an action on an existing topic: TOPIC_NOT_FOUND when it is missing */
function onTopic(core: ShardCore, name: string, act: (t: Topic) => void): ControlResponse {
  const topic = core.topics.get(name);
  if (topic === undefined) return NO_TOPIC;
  act(topic);
  return OK;
}

/** an action on an existing channel: TOPIC_NOT_FOUND / CHANNEL_NOT_FOUND when either is missing */
function onChannel(
  core: ShardCore,
  topic: string,
  name: string,
  act: (ch: Channel) => void,
): ControlResponse {
  const t = core.topics.get(topic);
  if (t === undefined) return NO_TOPIC;
  const ch = t.channels.get(name);
  if (ch === undefined) return NO_CHANNEL;
  act(ch);
  return OK;
}

function configure(
  core: ShardCore,
  topicName: string,
  channelName: string | null,
  change: QueueSettingsChange,
): ControlResponse {
  const t = core.topics.get(topicName);
  if (t === undefined) return NO_TOPIC;
  const ch = channelName === null ? null : t.channels.get(channelName);
  if (ch === undefined) return NO_CHANNEL;
  if (Object.keys(change).length > 0) {
    t.configure(change, ch); // the broker writes nsqd.dat before it answers
  }
  const l = (ch ?? t).limits;
  return {
    error: null,
    limits: {
      settings: { ...l.settings },
      effective: {
        maxAttempts: l.maxAttempts,
        deadLetterTopic: l.deadTopic,
        ttl: l.ttlNs / 1e6,
        maxDepth: l.maxDepth,
        rejectNew: l.rejectNew,
      },
    },
  };
}

/** nsqd.dat I/O: a failure is the request's error, not the shard's */
function onDisk(io: () => ControlResponse): ControlResponse {
  try {
    return io();
  } catch (err) {
    return { error: (err as Error).message };
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
      limits: t.limits.stats(),
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
        deferredCount: ch.deferredCount,
        messageCount: ch.messageCount,
        requeueCount: ch.requeueCount,
        timeoutCount: ch.timeoutCount,
        paused: ch.paused,
        limits: ch.limits.stats(),
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
    limits: t.limits.explicit,
    channels: [...t.channels.values()].map((ch) => ({
      name: ch.name,
      paused: ch.paused,
      limits: ch.limits.explicit,
    })),
  }));
}

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
