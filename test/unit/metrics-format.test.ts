/**
 * /metrics' exposition from a known snapshot: the families, names, labels and base-unit values an
 * operator's Prometheus reads, label escaping, ephemeral exclusion, opt-in client series, and the
 * format checked in-process by test/helpers/prometheus.ts (itself checked to reject what promtool and
 * a scrape reject). When promtool is installed, the same text also passes `promtool check metrics`.
 */

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import type { StatsSnapshot } from '../../src/nsqd/contract/stats.js';
import { formatMetrics, type MetricsInput } from '../../src/nsqd/http/metrics-format.js';
import { parseExposition, sampleValue } from '../helpers/prometheus.js';
import {
  statsChannel as channel,
  statsClient as client,
  MEM as MEM_1_TO_9,
  statsTopic as topic,
} from '../helpers/stats-snapshot.js';

// gc pauses in µs that turn into distinct seconds in the summary
const MEM = { ...MEM_1_TO_9, gcPauseUsec100: 5000, gcPauseUsec99: 600, gcPauseUsec95: 70 };

const consumer = client({
  clientId: 'we"ird\\id\nx',
  hostname: 'box',
  remoteAddress: '127.0.0.1:40000',
  readyCount: 10,
  inFlightCount: 2,
  messageCount: 30,
  finishCount: 27,
  requeueCount: 1,
});

const SNAPSHOT: StatsSnapshot = {
  version: '1.3.0',
  health: 'OK',
  startTime: 1_700_000_000,
  topics: [
    topic(
      'orders',
      [
        channel('billing', {
          depth: 5,
          backendDepth: 3,
          inFlightCount: 2,
          deferredCount: 1,
          messageCount: 40,
          requeueCount: 4,
          timeoutCount: 6,
          clientCount: 1,
          clients: [consumer],
          paused: true,
          e2eProcessingLatency: { count: 3, percentiles: [{ quantile: 0.99, value: 2_500_000 }] },
        }),
        channel('tap#ephemeral', { clientCount: 1 }),
      ],
      {
        depth: 7,
        backendDepth: 2,
        messageCount: 40,
        messageBytes: 4000,
        e2eProcessingLatency: { count: 3, percentiles: [{ quantile: 0.5, value: 1500 }] },
      },
    ),
    topic('scratch#ephemeral', [channel('c')], { messageCount: 1 }),
  ],
  producers: [
    client({
      clientId: 'pub',
      pubCounts: [
        { topic: 'orders', count: 40 },
        { topic: 'scratch#ephemeral', count: 1 },
      ],
    }),
  ],
};

const PROCESS = { residentBytes: 1024, cpuSeconds: 1.25, startTimeSeconds: 1_700_000_000 };

function render(over: Partial<MetricsInput> = {}): string {
  return formatMetrics({ snapshot: SNAPSHOT, mem: MEM, excludeEphemeral: false, process: PROCESS, ...over });
}

describe('the in-process exposition checker rejects what promtool (or a scrape: duplicates) rejects', () => {
  const ok = '# HELP nsq_a_total A.\n# TYPE nsq_a_total counter\nnsq_a_total{x="1"} 1\n';
  test('a valid body parses', () => {
    assert.equal(sampleValue(parseExposition(ok), 'nsq_a_total', { x: '1' }), 1);
  });
  const bad: [string, string][] = [
    ['no trailing newline', ok.trimEnd()],
    ['duplicate series', `${ok}nsq_a_total{x="1"} 2\n`],
    ['family split in two', `${ok}# HELP nsq_b B.\n# TYPE nsq_b gauge\nnsq_b 1\n# HELP nsq_a_total A.\n`],
    ['sample without TYPE', 'nsq_c 1\n'],
    ['counter without _total', '# HELP nsq_d D.\n# TYPE nsq_d counter\nnsq_d 1\n'],
    ['no HELP', '# TYPE nsq_e gauge\nnsq_e 1\n'],
    ['quantile outside a summary', '# HELP nsq_f F.\n# TYPE nsq_f gauge\nnsq_f{quantile="0.5"} 1\n'],
    ['bad escape', '# HELP nsq_g G.\n# TYPE nsq_g gauge\nnsq_g{a="\\t"} 1\n'],
    ['bad value', '# HELP nsq_h H.\n# TYPE nsq_h gauge\nnsq_h 1,5\n'],
  ];
  for (const [what, body] of bad) test(what, () => assert.throws(() => parseExposition(body)));
});

describe('formatMetrics', () => {
  test('topics and channels as labelled series in base units', () => {
    const m = parseExposition(render());
    const t = { topic: 'orders' };
    const c = { topic: 'orders', channel: 'billing' };
    assert.equal(sampleValue(m, 'nsq_topic_depth', t), 7);
    assert.equal(sampleValue(m, 'nsq_topic_backend_depth', t), 2);
    assert.equal(sampleValue(m, 'nsq_topic_messages_total', t), 40);
    assert.equal(sampleValue(m, 'nsq_topic_message_bytes_total', t), 4000);
    assert.equal(sampleValue(m, 'nsq_topic_paused', t), 0);
    assert.equal(
      sampleValue(m, 'nsq_topic_e2e_processing_latency_seconds', { ...t, quantile: '0.5' }),
      1.5e-6,
    );
    assert.equal(sampleValue(m, 'nsq_channel_depth', c), 5);
    assert.equal(sampleValue(m, 'nsq_channel_backend_depth', c), 3);
    assert.equal(sampleValue(m, 'nsq_channel_in_flight_messages', c), 2);
    assert.equal(sampleValue(m, 'nsq_channel_deferred_messages', c), 1);
    assert.equal(sampleValue(m, 'nsq_channel_messages_total', c), 40);
    assert.equal(sampleValue(m, 'nsq_channel_requeues_total', c), 4);
    assert.equal(sampleValue(m, 'nsq_channel_timeouts_total', c), 6);
    assert.equal(sampleValue(m, 'nsq_channel_clients', c), 1);
    assert.equal(sampleValue(m, 'nsq_channel_paused', c), 1);
    assert.equal(
      sampleValue(m, 'nsq_channel_e2e_processing_latency_seconds', { ...c, quantile: '0.99' }),
      0.0025,
    );
    assert.equal(m.get('nsq_channel_e2e_processing_latency_seconds')!.type, 'summary');
    assert.equal(m.get('nsq_topic_messages_total')!.type, 'counter');
  });

  test('broker, memory and process series', () => {
    const m = parseExposition(render());
    assert.equal(sampleValue(m, 'nsq_info', { version: '1.3.0' }), 1);
    assert.equal(sampleValue(m, 'nsq_healthy'), 1);
    assert.equal(sampleValue(m, 'nsq_start_time_seconds'), 1_700_000_000);
    assert.equal(sampleValue(m, 'nsq_mem_heap_in_use_bytes'), 3);
    assert.equal(sampleValue(m, 'nsq_mem_gc_runs_total'), 9);
    assert.equal(sampleValue(m, 'nsq_mem_gc_pause_seconds', { quantile: '1' }), 0.005);
    assert.equal(sampleValue(m, 'process_resident_memory_bytes'), 1024);
    assert.equal(sampleValue(m, 'process_cpu_seconds_total'), 1.25);
    const nok = parseExposition(render({ snapshot: { ...SNAPSHOT, health: 'NOK - disk full' } }));
    assert.equal(sampleValue(nok, 'nsq_healthy'), 0);
    assert.equal(sampleValue(m, 'nsq_draining'), 0);
    const draining = parseExposition(render({ snapshot: { ...SNAPSHOT, draining: true } }));
    assert.equal(sampleValue(draining, 'nsq_draining'), 1);
  });

  test('every family is nsq_ or process_, and every name is snake case', () => {
    for (const name of parseExposition(render()).keys()) assert.match(name, /^(nsq|process)_[a-z0-9_]+$/);
  });

  test('clients and producers, with label values escaped', () => {
    const m = parseExposition(render());
    const who = { topic: 'orders', channel: 'billing', client_id: 'we"ird\\id\nx', hostname: 'box' };
    assert.equal(sampleValue(m, 'nsq_client_ready', who), 10);
    assert.equal(sampleValue(m, 'nsq_client_in_flight_messages', who), 2);
    assert.equal(sampleValue(m, 'nsq_client_messages_total', who), 30);
    assert.equal(sampleValue(m, 'nsq_client_finishes_total', who), 27);
    assert.equal(sampleValue(m, 'nsq_client_requeues_total', who), 1);
    assert.equal(m.get('nsq_client_ready')!.samples[0]!.labels.remote_address, '127.0.0.1:40000');
    assert.equal(sampleValue(m, 'nsq_producer_messages_total', { topic: 'orders', client_id: 'pub' }), 40);
    assert.match(render(), /client_id="we\\"ird\\\\id\\nx"/);
  });

  test('no client series when the snapshot has none', () => {
    const bare: StatsSnapshot = {
      ...SNAPSHOT,
      producers: null,
      topics: SNAPSHOT.topics!.map((t) => ({
        ...t,
        channels: t.channels.map((c) => ({ ...c, clients: null })),
      })),
    };
    const m = parseExposition(render({ snapshot: bare }));
    assert.equal(m.has('nsq_client_ready'), false);
    assert.equal(m.has('nsq_producer_messages_total'), false);
    assert.equal(sampleValue(m, 'nsq_channel_clients', { topic: 'orders', channel: 'billing' }), 1);
  });

  test('ephemeral topics and channels are kept, or left out with excludeEphemeral', () => {
    const all = parseExposition(render());
    assert.equal(sampleValue(all, 'nsq_topic_messages_total', { topic: 'scratch#ephemeral' }), 1);
    assert.equal(sampleValue(all, 'nsq_channel_clients', { topic: 'orders', channel: 'tap#ephemeral' }), 1);
    const text = render({ excludeEphemeral: true });
    assert.doesNotMatch(text, /#ephemeral/);
    const some = parseExposition(text);
    assert.equal(sampleValue(some, 'nsq_topic_messages_total', { topic: 'orders' }), 40);
    assert.equal(some.get('nsq_channel_depth')!.samples.length, 1);
  });

  test('no topics: the broker series alone, still valid', () => {
    const m = parseExposition(render({ snapshot: { ...SNAPSHOT, topics: [], producers: null } }));
    assert.equal(m.has('nsq_topic_depth'), false);
    assert.equal(sampleValue(m, 'nsq_healthy'), 1);
  });

  const promtool = spawnSync('promtool', ['--version']).status === 0;
  test('promtool check metrics accepts it', { skip: !promtool && 'promtool not installed' }, () => {
    execFileSync('promtool', ['check', 'metrics'], { input: render() });
  });
});
