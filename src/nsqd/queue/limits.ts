/**
 * Beyond nsqd, the per-topic and per-channel queue policies: max attempts (a message about to be
 * delivered once too often goes to a dead-letter topic), message TTL (a message older than it is
 * dropped when due for delivery) and max depth (drop the oldest, or refuse the publish). Owns the
 * explicit settings of one topic or channel (as HTTP sets them and nsqd.dat keeps them), their
 * resolution against the parent topic's settings and the flags, and the counters /stats shows. The
 * queues act on the resolved values (channel.ts, topic.ts); the checks cost one boolean per
 * message while every policy is off.
 */

import { isValidTopicName } from '../../wire/names.js';
import type { LimitStats } from '../contract/stats.js';
import type { DiskQueue } from '../disk/diskqueue.js';
import type { DepthPolicy, Options } from '../options/options.js';
import type { MessageQueue } from './deque.js';
import type { ShardDisk } from './shard-disk.js';

/** what a topic or channel sets for itself; an unset field inherits (channel ← topic ← flag) */
export interface QueueSettings {
  maxAttempts?: number;
  /** ms */
  ttl?: number;
  maxDepth?: number;
  maxDepthPolicy?: DepthPolicy;
}

/** DPUB/REQ/`defer=` cross to a shard as a u32 of ms: the longest --max-defer-timeout (~49.7 days) */
export const MAX_DEFER_MS = 0xffffffff;

/** the dead-letter topic of `topic` under --dead-letter-topic's pattern (`%s` = the topic's name) */
export function deadLetterTopicOf(pattern: string, topic: string): string {
  return pattern.replace('%s', topic);
}

/**
 * Whether `name` is a dead-letter topic under the pattern: the flag default (--max-attempts) is
 * not applied there, since its messages arrive with their attempts spent. An explicit setting is.
 */
export function isDeadLetterTopic(pattern: string, name: string): boolean {
  const at = pattern.indexOf('%s');
  if (at < 0) return name === pattern;
  const prefix = pattern.slice(0, at);
  const suffix = pattern.slice(at + 2);
  return name.length > prefix.length + suffix.length && name.startsWith(prefix) && name.endsWith(suffix);
}

/** null when the pattern makes valid dead-letter topic names, else what is wrong with it */
export function checkDeadLetterPattern(pattern: string): string | null {
  const at = pattern.indexOf('%s');
  if (at >= 0 && pattern.indexOf('%s', at + 2) >= 0) return 'may hold %s once';
  if (pattern === '%s') return 'must differ from the topic name';
  if (!isValidTopicName(deadLetterTopicOf(pattern, 'x')))
    return `${JSON.stringify(pattern)} gives invalid topic names`;
  return null;
}

/** one topic's or channel's policies: its explicit settings, their resolved values and its counters */
export class QueueLimits {
  settings: QueueSettings = {};
  /** resolved: 0 = off */
  maxAttempts = 0;
  ttlNs = 0;
  maxDepth = 0;
  /** at maxDepth: refuse the publish (else drop the oldest message) */
  rejectNew = false;
  /** where dead letters go; null when max attempts is off or the name would be invalid or this topic */
  deadTopic: string | null = null;
  /** at delivery: dead letters or TTL are checked (one boolean on the hot path) */
  policed = false;
  deadLetterCount = 0;
  expiredCount = 0;
  /** dropped to make room (drop-oldest) */
  droppedCount = 0;
  /** messages of publishes refused (reject-new) */
  rejectedCount = 0;

  /** resolve against the parent topic's settings (null for a topic) and the flags */
  resolve(o: Options, parent: QueueSettings | null, topic: string): void {
    const s = this.settings;
    const p = parent ?? {};
    const deadTopic = isDeadLetterTopic(o.deadLetterTopic, topic);
    this.maxAttempts = s.maxAttempts ?? p.maxAttempts ?? (deadTopic ? 0 : o.maxAttempts);
    this.ttlNs = (s.ttl ?? p.ttl ?? o.messageTtl) * 1e6;
    this.maxDepth = s.maxDepth ?? p.maxDepth ?? o.maxDepth;
    this.rejectNew =
      this.maxDepth > 0 && (s.maxDepthPolicy ?? p.maxDepthPolicy ?? o.maxDepthPolicy) === 'reject-new';
    const target = deadLetterTopicOf(o.deadLetterTopic, topic);
    this.deadTopic = this.maxAttempts > 0 && target !== topic && isValidTopicName(target) ? target : null;
    this.policed = this.deadTopic !== null || this.ttlNs > 0;
  }

  /** a policy is on, or one acted before: /stats shows the counters */
  get shown(): boolean {
    return (
      this.maxAttempts > 0 ||
      this.ttlNs > 0 ||
      this.maxDepth > 0 ||
      this.deadLetterCount + this.expiredCount + this.droppedCount + this.rejectedCount > 0
    );
  }

  /** the settings as they are set (nsqd.dat, POST /…/config's answer); undefined when none is */
  get explicit(): QueueSettings | undefined {
    return Object.keys(this.settings).length === 0 ? undefined : { ...this.settings };
  }

  /** apply a change from HTTP: a field given as null is unset (inherits again) */
  update(change: QueueSettingsChange): void {
    const s = { ...this.settings };
    for (const k of SETTING_KEYS) {
      const v = change[k];
      if (v === null) delete s[k];
      else if (v !== undefined) (s as Record<string, unknown>)[k] = v;
    }
    this.settings = s;
  }

  /** the counters as /stats shows them, or undefined while no policy is on */
  stats(): LimitStats | undefined {
    if (!this.shown) return undefined;
    return {
      deadLetterCount: this.deadLetterCount,
      expiredCount: this.expiredCount,
      droppedCount: this.droppedCount,
      rejectedCount: this.rejectedCount,
    };
  }
}

const SETTING_KEYS = ['maxAttempts', 'ttl', 'maxDepth', 'maxDepthPolicy'] as const;

/** a settings change: a value sets, null unsets, absent leaves as is */
export type QueueSettingsChange = { [K in keyof QueueSettings]?: QueueSettings[K] | null };

/**
 * Drop-oldest for a queue at its max depth: the oldest message goes — memory's head first (a
 * backlog on disk is newer, see Channel.enqueue), else disk's. Returns whether one was dropped.
 */
export function dropOldest(queue: MessageQueue, disk: DiskQueue | null, shardDisk: ShardDisk): boolean {
  if (queue.length > 0) {
    queue.drop();
    return true;
  }
  if (disk === null || !disk.hasData) return false;
  const m = shardDisk.read(disk);
  if (m === null) return false;
  if (m.ticket >= 0) disk.release(m.ticket);
  return true;
}
