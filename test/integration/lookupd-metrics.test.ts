/**
 * nsqlookupd's GET /metrics over real HTTP from real processes: two nsqd of ours registered with two
 * nsqlookupd, one with default flags and one with --metrics-exclude-ephemeral, --metrics-max-topics=1
 * and a short --inactive-producer-timeout. Every number equals what /nodes, /topics, /lookup and
 * /channels answer for the same state, and the body passes the exposition checker (and promtool when
 * installed); --metrics=false
 * answers the 404 of any unknown path.
 */

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  channelsOf,
  type Doc,
  eventually,
  httpJson,
  httpPost,
  lookupOf,
  nsqdPub,
  type Program,
  startLookupd,
  startNsqdNode,
  stopCluster,
} from '../helpers/cluster.js';
import { type MetricFamily, parseExposition, sampleValue } from '../helpers/prometheus.js';
import { tempDirs } from '../helpers/tmp.js';

const tempDir = tempDirs('lookupd-metrics');

const EPHEMERAL = 'scratch#ephemeral';
const TOPICS = ['orders', 'clicks', EPHEMERAL].sort();

async function scrape(l: Program): Promise<Map<string, MetricFamily>> {
  const r = await fetch(`${l.http}/metrics`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await r.text());
}

async function topicsOf(l: Program): Promise<string[]> {
  return [...((await httpJson(`${l.http}/topics`)) as { topics: string[] }).topics].sort();
}

async function nodesDoc(l: Program): Promise<Doc[]> {
  return ((await httpJson(`${l.http}/nodes`)) as Doc).producers;
}

/** the labels of a family's samples, one label */
function labelValues(m: Map<string, MetricFamily>, family: string, label: string): string[] {
  return (m.get(family)?.samples ?? []).map((s) => s.labels[label]!).sort();
}

describe('nsqlookupd GET /metrics', () => {
  let lookupd: Program | undefined;
  let capped: Program | undefined;
  let a: Program | undefined;
  let b: Program | undefined;

  before(async () => {
    [lookupd, capped] = await Promise.all([
      startLookupd(),
      startLookupd(0, 0, [
        '--metrics-exclude-ephemeral',
        '--metrics-max-topics=1',
        '--inactive-producer-timeout=2s',
      ]),
    ]);
    [a, b] = await Promise.all([
      startNsqdNode([lookupd, capped], tempDir()),
      startNsqdNode([lookupd, capped], tempDir()),
    ]);
    await Promise.all([
      nsqdPub(a, 'orders', 'x'),
      nsqdPub(b, 'orders', 'y'),
      nsqdPub(a, 'clicks', 'z'),
      nsqdPub(b, EPHEMERAL, 'e'),
    ]);
    await httpPost(`${a.http}/channel/create?topic=orders&channel=billing`);
    await httpPost(`${b.http}/channel/create?topic=orders&channel=audit`);
    for (const l of [lookupd, capped]) {
      await eventually('both lookupds hold every topic and channel', async () => {
        const ok =
          JSON.stringify(await topicsOf(l)) === JSON.stringify(TOPICS) &&
          (await channelsOf(l, 'orders')).length === 2;
        return ok ? true : undefined;
      });
    }
  });
  after(() => stopCluster(lookupd, a, b).then(() => capped?.stop()));

  it('agrees with /nodes, /topics, /lookup and /channels for two registered nsqd', async () => {
    const l = lookupd!;
    await httpPost(`${l.http}/topic/tombstone?topic=orders&node=127.0.0.1:${b!.httpPort}`);
    const nodes = await nodesDoc(l);
    const topics = await topicsOf(l);
    const first = await scrape(l);
    const m = await scrape(l);

    assert.equal(sampleValue(m, 'nsqlookupd_info', { version: '1.3.0' }), 1);
    assert.equal(nodes.length, 2);
    assert.equal(sampleValue(m, 'nsqlookupd_producers'), nodes.length);
    assert.equal(sampleValue(m, 'nsqlookupd_inactive_producers'), 0);
    const tombstones = nodes.flatMap((n: Doc) => n.tombstones as boolean[]).filter((t) => t).length;
    assert.equal(tombstones, 1);
    assert.equal(sampleValue(m, 'nsqlookupd_tombstoned_producers'), tombstones);
    assert.equal(sampleValue(m, 'nsqlookupd_topics'), topics.length);
    let channels = 0;
    for (const t of topics) channels += (await channelsOf(l, t)).length;
    assert.equal(channels, 2);
    assert.equal(sampleValue(m, 'nsqlookupd_channels'), channels);

    // per topic, as /lookup answers: the tombstoned node is left out of orders
    assert.deepEqual(labelValues(m, 'nsqlookupd_topic_producers', 'topic'), topics);
    for (const t of topics) {
      const lk = await lookupOf(l, t);
      assert.equal(sampleValue(m, 'nsqlookupd_topic_producers', { topic: t }), lk.ports.length, t);
      assert.equal(sampleValue(m, 'nsqlookupd_topic_channels', { topic: t }), lk.channels.length, t);
    }
    assert.equal(sampleValue(m, 'nsqlookupd_topic_producers', { topic: 'orders' }), 1);
    assert.equal(sampleValue(m, 'nsqlookupd_topic_channels', { topic: 'orders' }), 2);
    assert.equal(sampleValue(m, 'nsqlookupd_metrics_omitted_topics'), 0);

    // each nsqd holds one V1 connection; the first scrape is counted by the second
    assert.equal(sampleValue(m, 'nsqlookupd_tcp_connections'), 2);
    assert.ok(sampleValue(m, 'nsqlookupd_tcp_connections_total') >= 2);
    const ok = (f: Map<string, MetricFamily>): number =>
      sampleValue(f, 'nsqlookupd_http_requests_total', { code: '200' });
    assert.ok(ok(m) >= ok(first) + 1, `${ok(first)} → ${ok(m)}`);
    assert.equal(m.get('nsqlookupd_http_requests_total')?.type, 'counter');

    assert.ok(sampleValue(m, 'process_resident_memory_bytes') > 0);
    assert.ok(sampleValue(m, 'nodejs_heap_size_used_bytes') > 0);
    const started = sampleValue(m, 'process_start_time_seconds');
    assert.ok(started <= Date.now() / 1000 && started > Date.now() / 1000 - 600, String(started));
  });

  it('bounds the per-topic series: ephemeral topics excluded, at most --metrics-max-topics', async () => {
    const l = capped!;
    // past --inactive-producer-timeout (2s) both nodes are hidden until their next PING (15s)
    const [m, nodes] = await eventually(
      'both nodes inactive',
      async () => {
        const m = await scrape(l);
        const nodes = await nodesDoc(l);
        return sampleValue(m, 'nsqlookupd_inactive_producers') === 2 && nodes.length === 0
          ? ([m, nodes] as const)
          : undefined;
      },
      30_000,
    );
    assert.equal(sampleValue(m, 'nsqlookupd_producers'), 2);
    assert.equal(nodes.length, sampleValue(m, 'nsqlookupd_producers') - 2);
    // the totals count every topic; the per-topic series one non-ephemeral topic
    assert.equal(sampleValue(m, 'nsqlookupd_topics'), (await topicsOf(l)).length);
    const listed = labelValues(m, 'nsqlookupd_topic_producers', 'topic');
    assert.equal(listed.length, 1);
    assert.notEqual(listed[0], EPHEMERAL);
    assert.deepEqual(labelValues(m, 'nsqlookupd_topic_channels', 'topic'), listed);
    assert.equal(sampleValue(m, 'nsqlookupd_metrics_omitted_topics'), 1);
    const lk = await lookupOf(l, listed[0]!);
    assert.equal(sampleValue(m, 'nsqlookupd_topic_producers', { topic: listed[0]! }), lk.ports.length);
    assert.equal(lk.ports.length, 0);
  });

  const promtool = spawnSync('promtool', ['--version']).status === 0;
  it('promtool check metrics accepts a scrape', { skip: !promtool && 'promtool not installed' }, async () => {
    const body = await (await fetch(`${lookupd!.http}/metrics`)).text();
    execFileSync('promtool', ['check', 'metrics'], { input: body });
  });

  it('--metrics=false answers the 404 of any unknown path', async () => {
    const off = await startLookupd(0, 0, ['--metrics=false']);
    try {
      const r = await fetch(`${off.http}/metrics`);
      const unknown = await fetch(`${off.http}/no-such-path`);
      assert.equal(r.status, 404);
      assert.equal(await r.text(), await unknown.text());
    } finally {
      await off.stop();
    }
  });
});
