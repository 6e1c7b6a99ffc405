/**
 * What the HTTP API (and later nsqadmin-facing tools) may ask of the broker, as one interface: the
 * admin actions, HTTP publishing (the same path into the shards as TCP publishing), and the stats
 * snapshot. The broker implements it; the handlers in ./routes.ts never touch shards or sockets.
 */

import type { StatsFilter, StatsSnapshot } from '../contract/stats.js';
import type { EffectiveLimits } from '../queue/admin.js';
import type { QueueSettings, QueueSettingsChange } from '../queue/limits.js';

/** a result the handler turns into nsqd's HTTP error: `{ status, message }` (e.g. 404 TOPIC_NOT_FOUND) */
export interface ApiError {
  status: number;
  message: string;
}

export type ApiResult = ApiError | null;

export interface BrokerApi {
  /** the resolved options and live listener facts for /info and /config */
  info(): {
    version: string;
    broadcastAddress: string;
    hostname: string;
    httpPort: number;
    tcpPort: number;
    startTime: number;
  };
  /** "OK" or "NOK - <reason>" */
  health(): string;
  /**
   * Publish through the same shard path as TCP PUB/MPUB/DPUB. `bodies` are the message bodies
   * (already validated for size). Resolves null on success, { status: 503, message: 'EXITING' }, or
   * in drain mode { status: 503, message: 'DRAINING' }.
   */
  publish(topic: string, bodies: Buffer[], deferMs: number): Promise<ApiResult>;
  createTopic(topic: string): Promise<ApiResult>;
  /** 404 TOPIC_NOT_FOUND when missing */
  deleteTopic(topic: string): Promise<ApiResult>;
  emptyTopic(topic: string): Promise<ApiResult>;
  setTopicPaused(topic: string, paused: boolean): Promise<ApiResult>;
  /** 404 TOPIC_NOT_FOUND when the topic is missing (the channel is get-or-create) */
  createChannel(topic: string, channel: string): Promise<ApiResult>;
  /** 404 TOPIC_NOT_FOUND / CHANNEL_NOT_FOUND */
  deleteChannel(topic: string, channel: string): Promise<ApiResult>;
  emptyChannel(topic: string, channel: string): Promise<ApiResult>;
  setChannelPaused(topic: string, channel: string, paused: boolean): Promise<ApiResult>;
  stats(filter: StatsFilter): Promise<StatsSnapshot>;
  /**
   * Beyond nsqd: change (an empty change only reads) a topic's queue policies, or one channel's;
   * written to nsqd.dat before it resolves. 404 TOPIC_NOT_FOUND / CHANNEL_NOT_FOUND.
   */
  configureQueue(
    topic: string,
    channel: string | null,
    change: QueueSettingsChange,
  ): Promise<ApiError | { settings: QueueSettings; effective: EffectiveLimits }>;
  /** current log level name; set returns false for an invalid name */
  getLogLevel(): string;
  setLogLevel(level: string): boolean;
  getLookupdTcpAddresses(): string[];
  /** resolves once every io thread reports the new list */
  setLookupdTcpAddresses(addrs: string[]): Promise<void>;
  /** drain mode (nsq-ts): whether it runs */
  draining(): boolean;
  /** start drain mode (a no-op when it runs already) */
  startDrain(why: string): Promise<void>;
}
