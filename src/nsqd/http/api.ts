/**
 * What the HTTP API (and later nsqadmin-facing tools) may ask of the broker, as one interface: the
 * admin actions, HTTP publishing (the same path into the shards as TCP publishing), and the stats
 * snapshot. The broker implements it; handlers in src/http never touch shards or sockets directly.
 */

/** a result the handler turns into nsqd's HTTP error: `{ status, message }` (e.g. 404 TOPIC_NOT_FOUND) */
export interface ApiError {
  status: number;
  message: string;
}

export type ApiResult = ApiError | null;

export interface StatsFilter {
  /** only this topic ('' = all); a missing topic gives `topics: null` */
  topic: string;
  /** only this channel of that topic ('' = all) */
  channel: string;
  includeClients: boolean;
}

export interface ClientStats {
  clientId: string;
  hostname: string;
  remoteAddress: string;
  /** 0 init/producer, 3 subscribed, 4 closing */
  state: number;
  readyCount: number;
  inFlightCount: number;
  messageCount: number;
  finishCount: number;
  requeueCount: number;
  /** unix seconds */
  connectTs: number;
  sampleRate: number;
  userAgent: string;
  topologyZone: string;
  topologyRegion: string;
  /** per topic publish counts (producers) */
  pubCounts: { topic: string; count: number }[];
  /** deliveries by locality (topology-aware-consumption experiment); omitted from JSON when 0 (default 0) */
  zoneLocalMsgCount?: number;
  regionLocalMsgCount?: number;
  globalMsgCount?: number;
  /** negotiated compression (default false) */
  deflate?: boolean;
  snappy?: boolean;
  /** AUTH state: has authorizations, and the auth server's identity/url (omitted from JSON when empty) */
  authed?: boolean;
  authIdentity?: string;
  authIdentityUrl?: string;
  /** TLS upgrade facts (default false / ''): `tls_version` like `TLS1.2`, cipher as Go's constant name */
  tls?: boolean;
  tlsCipherSuite?: string;
  tlsVersion?: string;
  tlsNegotiatedProtocol?: string;
  tlsNegotiatedProtocolIsMutual?: boolean;
}

export interface LatencyStats {
  count: number;
  /** [{quantile, value (ns)}] in the configured order, or null when no percentile is configured */
  percentiles: { quantile: number; value: number }[] | null;
}

export interface ChannelStats {
  channelName: string;
  depth: number;
  backendDepth: number;
  inFlightCount: number;
  deferredCount: number;
  messageCount: number;
  requeueCount: number;
  timeoutCount: number;
  /** deliveries by locality (topology-aware-consumption experiment); omitted from JSON when 0 (default 0) */
  zoneLocalMsgCount?: number;
  regionLocalMsgCount?: number;
  globalMsgCount?: number;
  clientCount: number;
  /** null when includeClients is false */
  clients: ClientStats[] | null;
  paused: boolean;
  e2eProcessingLatency: LatencyStats;
}

export interface TopicStats {
  topicName: string;
  /** sorted by name */
  channels: ChannelStats[];
  depth: number;
  backendDepth: number;
  messageCount: number;
  messageBytes: number;
  paused: boolean;
  e2eProcessingLatency: LatencyStats;
}

export interface StatsSnapshot {
  version: string;
  /** "OK" or "NOK - <err>" */
  health: string;
  /** unix seconds */
  startTime: number;
  /** sorted by name; null when the topic filter names a missing topic */
  topics: TopicStats[] | null;
  /** TCP connections that published at least once; null when none or includeClients is false */
  producers: ClientStats[] | null;
}

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
   * (already validated for size). Resolves null on success or { status: 503, message: 'EXITING' }.
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
  /** current log level name; set returns false for an invalid name */
  getLogLevel(): string;
  setLogLevel(level: string): boolean;
  getLookupdTcpAddresses(): string[];
  setLookupdTcpAddresses(addrs: string[]): void;
}
