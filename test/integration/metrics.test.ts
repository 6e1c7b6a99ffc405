/**
 * GET /metrics over real HTTP against a real nsqd with topics, channels, a consumer and a producer:
 * the body parses as valid exposition and every topic and channel number equals what /stats says for
 * the same state — inline (--workers=0) and with shard workers (the default). Also: per-client
 * series only with include_clients=true, --metrics-exclude-ephemeral, and --metrics=false answering
 * nsqd's 404.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultOptions } from '../../src/nsqd/options/cli.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { type MetricFamily, parseExposition, sampleValue } from '../helpers/prometheus.js';
import { finReqHold, freshTopic, subscriber, WireClient } from '../helpers/wire.js';

interface Json {
  [k: string]: unknown;
}

async function scrape(b: TestBroker, query = ''): Promise<Map<string, MetricFamily>> {
  const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}/metrics${query}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await r.text());
}

async function stats(b: TestBroker): Promise<Json> {
  const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json`);
  return (await r.json()) as Json;
}

for (const workers of [0, defaultOptions().workers]) {
  describe(`/metrics (--workers=${workers})`, () => {
    let b: TestBroker;
    before(async () => {
      b = await startBroker({ workers, e2eProcessingLatencyPercentiles: [0.99, 0.5] });
    });
    after(() => b.close());

    it('agrees with /stats for every topic and channel, clients included on request', async () => {
      const t = freshTopic('metrics');
      const eph = freshTopic('scratch');
      const s = await subscriber(b.port, t, 'ch', 0, { client_id: 'consumer-1', hostname: 'box' });
      const tap = await subscriber(b.port, t, 'tap#ephemeral', 0);
      const p = await WireClient.connect(b.port);
      p.identify({ client_id: 'producer-1' });
      assert.equal(await p.response(), 'OK');
      p.mpub(t, ['a', 'bb', 'ccc', 'dddd', 'eeeee']);
      assert.equal(await p.response(), 'OK');
      p.pub(`${eph}#ephemeral`, 'x');
      assert.equal(await p.response(), 'OK');
      await finReqHold(s);
      // the third stays in flight; a NOP round trip makes sure FIN and REQ were handled
      s.cmd('NOP');
      await new Promise((r) => setTimeout(r, 100));

      const m = await scrape(b, '?include_clients=true');
      const js = await stats(b);
      assert.equal(sampleValue(m, 'nsq_healthy'), js.health === 'OK' ? 1 : 0);
      assert.equal(sampleValue(m, 'nsq_start_time_seconds'), js.start_time);
      let channelsSeen = 0;
      for (const topic of js.topics as Json[]) {
        const tl = { topic: topic.topic_name as string };
        assert.equal(sampleValue(m, 'nsq_topic_depth', tl), topic.depth);
        assert.equal(sampleValue(m, 'nsq_topic_backend_depth', tl), topic.backend_depth);
        assert.equal(sampleValue(m, 'nsq_topic_messages_total', tl), topic.message_count);
        assert.equal(sampleValue(m, 'nsq_topic_message_bytes_total', tl), topic.message_bytes);
        for (const ch of topic.channels as Json[]) {
          channelsSeen++;
          const cl = { ...tl, channel: ch.channel_name as string };
          assert.equal(sampleValue(m, 'nsq_channel_depth', cl), ch.depth);
          assert.equal(sampleValue(m, 'nsq_channel_backend_depth', cl), ch.backend_depth);
          assert.equal(sampleValue(m, 'nsq_channel_in_flight_messages', cl), ch.in_flight_count);
          assert.equal(sampleValue(m, 'nsq_channel_deferred_messages', cl), ch.deferred_count);
          assert.equal(sampleValue(m, 'nsq_channel_messages_total', cl), ch.message_count);
          assert.equal(sampleValue(m, 'nsq_channel_requeues_total', cl), ch.requeue_count);
          assert.equal(sampleValue(m, 'nsq_channel_timeouts_total', cl), ch.timeout_count);
          assert.equal(sampleValue(m, 'nsq_channel_clients', cl), ch.client_count);
          const e2e = ch.e2e_processing_latency as {
            percentiles: { quantile: number; value: number }[] | null;
          };
          for (const q of e2e.percentiles ?? []) {
            const v = sampleValue(m, 'nsq_channel_e2e_processing_latency_seconds', {
              ...cl,
              quantile: String(q.quantile),
            });
            assert.equal(v, q.value / 1e9);
          }
        }
      }
      assert.ok(channelsSeen >= 2);
      // the numbers this workload makes, as a user reads them
      const c = { topic: t, channel: 'ch' };
      assert.equal(sampleValue(m, 'nsq_topic_messages_total', { topic: t }), 5);
      assert.equal(sampleValue(m, 'nsq_topic_message_bytes_total', { topic: t }), 15);
      assert.equal(sampleValue(m, 'nsq_channel_in_flight_messages', c), 1);
      assert.equal(sampleValue(m, 'nsq_channel_deferred_messages', c), 1);
      assert.equal(sampleValue(m, 'nsq_channel_requeues_total', c), 1);
      assert.equal(sampleValue(m, 'nsq_channel_depth', c), 2);
      assert.equal(sampleValue(m, 'nsq_channel_clients', { topic: t, channel: 'tap#ephemeral' }), 1);
      assert.equal(sampleValue(m, 'nsq_topic_messages_total', { topic: `${eph}#ephemeral` }), 1);
      const who = { ...c, client_id: 'consumer-1', hostname: 'box' };
      assert.equal(sampleValue(m, 'nsq_client_messages_total', who), 3);
      assert.equal(sampleValue(m, 'nsq_client_finishes_total', who), 1);
      assert.equal(sampleValue(m, 'nsq_client_requeues_total', who), 1);
      assert.equal(sampleValue(m, 'nsq_client_in_flight_messages', who), 1);
      assert.equal(sampleValue(m, 'nsq_producer_messages_total', { topic: t, client_id: 'producer-1' }), 5);
      assert.ok(sampleValue(m, 'nsq_mem_heap_in_use_bytes') > 0);
      assert.ok(sampleValue(m, 'process_resident_memory_bytes') > 0);

      const bare = await scrape(b);
      assert.equal(bare.has('nsq_client_ready'), false, 'client series are opt-in');
      assert.equal(sampleValue(bare, 'nsq_channel_clients', c), 1);
      for (const x of [s, tap, p]) x.close();
    });
  });
}

describe('/metrics flags', () => {
  it('--metrics-exclude-ephemeral leaves ephemeral topics and channels out', async () => {
    const b = await startBroker({ metricsExcludeEphemeral: true });
    try {
      const t = freshTopic('keep');
      const base = `http://127.0.0.1:${b.broker.httpPort}`;
      await fetch(`${base}/topic/create?topic=${t}`, { method: 'POST' });
      await fetch(`${base}/channel/create?topic=${t}&channel=eph%23ephemeral`, { method: 'POST' });
      await fetch(`${base}/channel/create?topic=${t}&channel=kept`, { method: 'POST' });
      await fetch(`${base}/topic/create?topic=gone%23ephemeral`, { method: 'POST' });
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.doesNotMatch(text, /#ephemeral/);
      const m = parseExposition(text);
      assert.equal(sampleValue(m, 'nsq_channel_depth', { topic: t, channel: 'kept' }), 0);
      const statsText = await (await fetch(`${base}/stats?format=json`)).text();
      assert.match(statsText, /eph#ephemeral/, '/stats still shows them');
    } finally {
      await b.close();
    }
  });

  it('--metrics=false answers 404 at /metrics, as nsqd', async () => {
    const b = await startBroker({ metrics: false });
    try {
      const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}/metrics`);
      assert.equal(r.status, 404);
      assert.equal(await r.text(), '{"message":"NOT_FOUND"}');
    } finally {
      await b.close();
    }
  });
});
