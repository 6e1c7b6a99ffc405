/**
 * Builders for nsqd stats snapshots (src/nsqd/contract/stats.ts) in unit tests of the formatters that
 * read them — /stats, /metrics, statsd: every field at its zero value unless the test overrides it, so
 * a test names only what it checks.
 */

import type { ChannelStats, ClientStats, MemStats, TopicStats } from '../../src/nsqd/contract/stats.js';

/** Memory stats with each field a distinct small number (1..9 in Go's struct order). */
export const MEM: MemStats = {
  heapObjects: 1,
  heapIdleBytes: 2,
  heapInUseBytes: 3,
  heapReleasedBytes: 4,
  gcPauseUsec100: 5,
  gcPauseUsec99: 6,
  gcPauseUsec95: 7,
  nextGcBytes: 8,
  gcTotalRuns: 9,
};

export function statsClient(over: Partial<ClientStats> = {}): ClientStats {
  return {
    clientId: 'c',
    hostname: 'h',
    remoteAddress: '127.0.0.1:1',
    state: 3,
    readyCount: 0,
    inFlightCount: 0,
    messageCount: 0,
    finishCount: 0,
    requeueCount: 0,
    connectTs: 0,
    sampleRate: 0,
    userAgent: '',
    topologyZone: '',
    topologyRegion: '',
    pubCounts: [],
    ...over,
  };
}

/** A channel with no clients (`clients: null`, as GetStats gives without include_clients). */
export function statsChannel(name: string, over: Partial<ChannelStats> = {}): ChannelStats {
  return {
    channelName: name,
    depth: 0,
    backendDepth: 0,
    inFlightCount: 0,
    deferredCount: 0,
    messageCount: 0,
    requeueCount: 0,
    timeoutCount: 0,
    clientCount: 0,
    clients: null,
    paused: false,
    e2eProcessingLatency: { count: 0, percentiles: null },
    ...over,
  };
}

export function statsTopic(
  name: string,
  channels: ChannelStats[],
  over: Partial<TopicStats> = {},
): TopicStats {
  return {
    topicName: name,
    channels,
    depth: 0,
    backendDepth: 0,
    messageCount: 0,
    messageBytes: 0,
    paused: false,
    e2eProcessingLatency: { count: 0, percentiles: null },
    ...over,
  };
}
