/**
 * What nsqd's statsd loop (nsqd/statsd.go, internal/statsd, internal/writers) sends, without the
 * sending: the host-substituted prefix, the lines for one stats snapshot against the previous one
 * (counters as differences, gauges as they are), the memory lines, and Go's packing of lines into
 * UDP packets. Pure: ./pusher.ts owns the timer and the socket.
 */

import type { MemStats, TopicStats } from '../contract/stats.js';
import type { Options } from '../options/options.js';

/**
 * nsqd.New's prefix: every `%s` becomes statsd.HostKey(net.JoinHostPort(broadcast address, HTTP
 * port)) — `.` and `:` turned into `_` — and a `.` is appended unless the prefix ends in one.
 * An empty prefix stays empty.
 */
export function statsdPrefix(prefix: string, broadcastAddress: string, httpPort: number): string {
  if (prefix === '') return '';
  const hostPort = broadcastAddress.includes(':')
    ? `[${broadcastAddress}]:${httpPort}`
    : `${broadcastAddress}:${httpPort}`;
  const withHost = prefix.replaceAll('%s', hostPort.replaceAll('.', '_').replaceAll(':', '_'));
  return withHost.endsWith('.') ? withHost : `${withHost}.`;
}

/** the prefix nsqd.New stores: --broadcast-http-port, else the HTTP port bound (`boundHttpPort`; 0 for none) */
export function resolvedStatsdPrefix(o: Options, boundHttpPort: number): string {
  return statsdPrefix(o.statsdPrefix, o.broadcastAddress, o.broadcastHttpPort || Math.max(0, boundHttpPort));
}

/** Go's `%.0f`: round half to even */
function percentName(quantile: number): string {
  const v = quantile * 100;
  const r = Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v);
  return String(r);
}

const isEphemeral = (name: string): boolean => name.endsWith('#ephemeral');

/** one statsd client: `<prefix><stat>:<value>|<c or g>\n` lines in Go's order */
class Lines {
  readonly out: string[] = [];
  constructor(private readonly prefix: string) {}
  incr(stat: string, n: number): void {
    this.out.push(`${this.prefix}${stat}:${Math.trunc(n)}|c\n`);
  }
  gauge(stat: string, n: number): void {
    this.out.push(`${this.prefix}${stat}:${Math.trunc(n)}|g\n`);
  }
}

/**
 * The lines of one push: every topic (and its channels) of `now`, counters as the difference from
 * the same topic or channel in `last` (the whole previous snapshot; a new one counts from 0), in
 * statsdLoop's order. With `excludeEphemeral`, `#ephemeral` topics and channels are skipped.
 */
export function statsdLines(
  prefix: string,
  now: readonly TopicStats[],
  last: readonly TopicStats[],
  excludeEphemeral: boolean,
): string[] {
  const c = new Lines(prefix);
  const lastTopics = new Map(last.map((t) => [t.topicName, t]));
  for (const topic of now) {
    if (excludeEphemeral && isEphemeral(topic.topicName)) continue;
    const lt = lastTopics.get(topic.topicName);
    const t = `topic.${topic.topicName}`;
    c.incr(`${t}.message_count`, topic.messageCount - (lt?.messageCount ?? 0));
    c.incr(`${t}.message_bytes`, topic.messageBytes - (lt?.messageBytes ?? 0));
    c.gauge(`${t}.depth`, topic.depth);
    c.gauge(`${t}.backend_depth`, topic.backendDepth);
    for (const p of topic.e2eProcessingLatency.percentiles ?? []) {
      c.gauge(`${t}.e2e_processing_latency_${percentName(p.quantile)}`, p.value);
    }
    const lastChannels = new Map((lt?.channels ?? []).map((ch) => [ch.channelName, ch]));
    for (const channel of topic.channels) {
      if (excludeEphemeral && isEphemeral(channel.channelName)) continue;
      const lc = lastChannels.get(channel.channelName);
      const ch = `${t}.channel.${channel.channelName}`;
      c.incr(`${ch}.message_count`, channel.messageCount - (lc?.messageCount ?? 0));
      c.gauge(`${ch}.depth`, channel.depth);
      c.gauge(`${ch}.backend_depth`, channel.backendDepth);
      c.gauge(`${ch}.in_flight_count`, channel.inFlightCount);
      c.gauge(`${ch}.deferred_count`, channel.deferredCount);
      c.incr(`${ch}.requeue_count`, channel.requeueCount - (lc?.requeueCount ?? 0));
      c.incr(`${ch}.timeout_count`, channel.timeoutCount - (lc?.timeoutCount ?? 0));
      c.gauge(`${ch}.clients`, channel.clientCount);
      for (const p of channel.e2eProcessingLatency.percentiles ?? []) {
        c.gauge(`${ch}.e2e_processing_latency_${percentName(p.quantile)}`, p.value);
      }
    }
  }
  return c.out;
}

/** `--statsd-mem-stats`: the mem.* gauges, and GC runs since the last push as a counter */
export function memLines(prefix: string, mem: MemStats, lastGcRuns: number): string[] {
  const c = new Lines(prefix);
  c.gauge('mem.heap_objects', mem.heapObjects);
  c.gauge('mem.heap_idle_bytes', mem.heapIdleBytes);
  c.gauge('mem.heap_in_use_bytes', mem.heapInUseBytes);
  c.gauge('mem.heap_released_bytes', mem.heapReleasedBytes);
  c.gauge('mem.gc_pause_usec_100', mem.gcPauseUsec100);
  c.gauge('mem.gc_pause_usec_99', mem.gcPauseUsec99);
  c.gauge('mem.gc_pause_usec_95', mem.gcPauseUsec95);
  c.gauge('mem.next_gc_bytes', mem.nextGcBytes);
  c.incr('mem.gc_runs', mem.gcTotalRuns - lastGcRuns);
  return c.out;
}

/** bufio.NewWriterSize's size for a size <= 0 */
const BUFIO_DEFAULT_SIZE = 4096;

/**
 * writers.BoundaryBufferedWriter over a bufio.Writer of `size` bytes: lines are packed whole,
 * greedily, into packets of at most `size` bytes; a line that does not fit what is left starts a
 * new packet, and a line longer than `size` goes out alone (bufio writes it straight through).
 * A size of 0 or less is bufio's default, 4096.
 */
export function packPackets(lines: readonly string[], packetSize: number): Buffer[] {
  const size = packetSize > 0 ? packetSize : BUFIO_DEFAULT_SIZE;
  const packets: Buffer[] = [];
  let pending: Buffer[] = [];
  let used = 0;
  const flush = (): void => {
    if (used > 0) packets.push(Buffer.concat(pending, used));
    pending = [];
    used = 0;
  };
  for (const line of lines) {
    const b = Buffer.from(line);
    if (b.length > size - used) {
      flush();
      if (b.length > size) {
        packets.push(b);
        continue;
      }
    }
    pending.push(b);
    used += b.length;
  }
  flush();
  return packets;
}
