/**
 * Why /metrics writes its exposition by hand: one scrape of 1,000 topics × 5 channels (2 e2e
 * quantiles each) rendered from the same StatsSnapshot two ways — src/nsqd/http/metrics-format.ts,
 * and prom-client's Registry with one Gauge/Counter per family, reset and refilled from the snapshot
 * on every scrape (the way a collector over a fresh snapshot must use it). Prints ms per scrape and
 * the sample count of each, which must agree.
 *
 *   node dist/bench/metrics-exposition.js [--topics=1000] [--channels=5] [--rounds=20]
 */

import os from 'node:os';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Family } from '../src/http/prometheus.js';
import type { ChannelStats, LatencyStats, StatsSnapshot, TopicStats } from '../src/nsqd/contract/stats.js';
import { readMemStats } from '../src/nsqd/contract/stats.js';
import { CHANNEL_FAMILIES, formatMetrics, TOPIC_FAMILIES } from '../src/nsqd/http/metrics-format.js';

function arg(name: string, dflt: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? dflt : Number(a.slice(name.length + 3));
}

const TOPICS = arg('topics', 1000);
const CHANNELS = arg('channels', 5);
const ROUNDS = arg('rounds', 20);

const latency = (i: number): LatencyStats => ({
  count: 100 + i,
  percentiles: [
    { quantile: 0.99, value: 1_500_000 + i },
    { quantile: 0.5, value: 250_000 + i },
  ],
});

function snapshot(): StatsSnapshot {
  const topics: TopicStats[] = [];
  for (let t = 0; t < TOPICS; t++) {
    const channels: ChannelStats[] = [];
    for (let c = 0; c < CHANNELS; c++) {
      channels.push({
        channelName: `channel-${c}`,
        depth: t * c,
        backendDepth: t,
        inFlightCount: c,
        deferredCount: 1,
        messageCount: 1_000_000 + t,
        requeueCount: t % 7,
        timeoutCount: t % 3,
        clientCount: 2,
        clients: null,
        paused: false,
        e2eProcessingLatency: latency(c),
      });
    }
    topics.push({
      topicName: `topic-${String(t).padStart(5, '0')}`,
      channels,
      depth: t,
      backendDepth: 0,
      messageCount: 1_000_000 + t,
      messageBytes: 200_000_000 + t,
      paused: false,
      e2eProcessingLatency: latency(t),
    });
  }
  return { version: '1.3.0', health: 'OK', startTime: 1_700_000_000, topics, producers: null };
}

/** prom-client: the same families, refilled from the snapshot per scrape */
function promClient(): (s: StatsSnapshot) => Promise<string> {
  const reg = new Registry();
  const make = <T>(f: Family<T>, labelNames: string[]) => {
    const cfg = { name: f.name, help: f.help, labelNames, registers: [reg] };
    return f.kind === 'counter' ? new Counter(cfg) : new Gauge(cfg);
  };
  const topicMetrics = TOPIC_FAMILIES.map((f) => ({ f, m: make(f, ['topic']) }));
  const topicLat = new Gauge({
    name: 'nsq_topic_e2e_processing_latency_seconds',
    help: 'e2e',
    labelNames: ['topic', 'quantile'],
    registers: [reg],
  });
  const chanMetrics = CHANNEL_FAMILIES.map((f) => ({ f, m: make(f, ['topic', 'channel']) }));
  const chanLat = new Gauge({
    name: 'nsq_channel_e2e_processing_latency_seconds',
    help: 'e2e',
    labelNames: ['topic', 'channel', 'quantile'],
    registers: [reg],
  });
  const put = (m: Counter | Gauge, labels: Record<string, string>, v: number): void => {
    if (m instanceof Counter) m.inc(labels, v);
    else m.set(labels, v);
  };
  return async (s) => {
    reg.resetMetrics();
    for (const t of s.topics ?? []) {
      const tl = { topic: t.topicName };
      for (const { f, m } of topicMetrics) put(m, tl, f.value(t));
      for (const p of t.e2eProcessingLatency.percentiles ?? [])
        topicLat.set({ ...tl, quantile: String(p.quantile) }, p.value / 1e9);
      for (const c of t.channels) {
        const cl = { topic: t.topicName, channel: c.channelName };
        for (const { f, m } of chanMetrics) put(m, cl, f.value(c));
        for (const p of c.e2eProcessingLatency.percentiles ?? [])
          chanLat.set({ ...cl, quantile: String(p.quantile) }, p.value / 1e9);
      }
    }
    return reg.metrics();
  };
}

const samples = (text: string, prefix: string): number =>
  text.split('\n').filter((l) => l.startsWith(prefix)).length;

async function time(name: string, render: () => Promise<string> | string): Promise<void> {
  for (let i = 0; i < 3; i++) await render(); // warm up
  const ms: number[] = [];
  let text = '';
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    text = await render();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)]!;
  const nsqSamples = samples(text, 'nsq_topic_') + samples(text, 'nsq_channel_');
  console.log(
    `${name.padEnd(14)} median ${median.toFixed(1).padStart(7)} ms  min ${ms[0]!.toFixed(1).padStart(7)} ms  ` +
      `${(text.length / 1024).toFixed(0)} KiB  ${nsqSamples} topic/channel samples`,
  );
}

const snap = snapshot();
const mem = readMemStats();
const proc = { residentBytes: 0, cpuSeconds: 0, startTimeSeconds: 0 };
console.log(
  `# /metrics exposition, ${TOPICS} topics × ${CHANNELS} channels, ${ROUNDS} rounds | Node ${process.version}, ` +
    `${os.availableParallelism()} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'})`,
);
await time('hand-written', () =>
  formatMetrics({ snapshot: snap, mem, excludeEphemeral: false, process: proc }),
);
const prom = promClient();
await time('prom-client', () => prom(snap));
