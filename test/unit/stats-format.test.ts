/**
 * Golden tests for the /stats formatters, hand-derived from nsq's Go source (nsqd/stats.go,
 * nsqd/client_v2.go, nsqd/http.go printStats/doStats, internal/quantile, internal/stringy) and
 * /work/shared/spec/http-api.md.
 */

process.env.TZ = 'UTC'; // Go formats start_time in the local zone; pin it (read lazily by Date)

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClientStats, StatsSnapshot, TopicStats } from '../../src/nsqd/contract/stats.js';
import { formatStatsJson, formatStatsText } from '../../src/nsqd/http/stats-format.js';
import { MEM, statsChannel, statsClient, statsTopic } from '../helpers/stats-snapshot.js';

const START = 1_700_000_000; // 2023-11-14T22:13:20Z
const NOW = (START + 3723) * 1000 + 456; // uptime 1h2m3.456s
const env = { nowMs: NOW, mem: MEM };

const client = (over: Partial<ClientStats>): ClientStats => statsClient({ connectTs: START, ...over });

// a plain consumer: every omitempty field empty
const c1 = client({
  clientId: 'c1',
  hostname: 'host-a',
  remoteAddress: '10.0.0.1:50001',
  readyCount: 10,
  inFlightCount: 2,
  messageCount: 120,
  finishCount: 110,
  requeueCount: 8,
  connectTs: START + 3000, // 723.456s before NOW -> Truncate(time.Second) -> 12m3s
  userAgent: 'go-nsq/1.1.0',
});
// a consumer with every optional field set (topology counts partly zero to test omitempty one by one)
const c2 = client({
  clientId: 'c2',
  hostname: 'h',
  remoteAddress: '[::1]:7', // net.SplitHostPort -> port "7"
  readyCount: 1,
  messageCount: 4,
  finishCount: 4,
  connectTs: START + 3723, // 0.456s -> 0s
  sampleRate: 25,
  userAgent: 'x',
  zoneLocalMsgCount: 3,
  globalMsgCount: 1,
  deflate: true,
  authed: true,
  authIdentity: 'alice',
  topologyZone: 'us-east-1a',
  topologyRegion: 'us-east-1',
  tls: true,
  tlsCipherSuite: 'TLS_AES_128_GCM_SHA256',
  tlsVersion: 'TLS1.3',
});
const producer = client({
  clientId: 'p1',
  hostname: 'pub',
  remoteAddress: '10.0.0.2:40000',
  state: 0,
  userAgent: 'nsqjs/0.13.0',
  pubCounts: [{ topic: 'orders', count: 42 }],
});

const archive = statsChannel('archive', {
  clients: [], // include_clients and none
  messageCount: 1234,
  paused: true,
  // percentiles configured, no samples: Go's perks Query on an empty stream gives 0
  e2eProcessingLatency: {
    count: 0,
    percentiles: [
      { quantile: 0.99, value: 0 },
      { quantile: 0.5, value: 0 },
    ],
  },
});
const billing = statsChannel('billing', {
  depth: 5,
  backendDepth: 2,
  inFlightCount: 3,
  deferredCount: 1,
  messageCount: 1234,
  requeueCount: 9,
  timeoutCount: 4,
  regionLocalMsgCount: 6,
  clientCount: 2,
  clients: [c1, c2],
  e2eProcessingLatency: {
    count: 5,
    percentiles: [
      { quantile: 0.99, value: 2_000_000 },
      { quantile: 0.5, value: 999 },
    ],
  },
});
const orders = statsTopic('orders', [archive, billing], {
  depth: 7,
  backendDepth: 3,
  messageCount: 1234,
  messageBytes: 56789,
  e2eProcessingLatency: {
    count: 5,
    percentiles: [
      { quantile: 0.99, value: 1_500_000_000 },
      { quantile: 0.5, value: 1250 },
    ],
  },
});
const pausedTopic = statsTopic('zz-paused', [], { paused: true });

const full: StatsSnapshot = {
  version: '1.3.0',
  health: 'OK',
  startTime: START,
  topics: [orders, pausedTopic],
  producers: [producer],
};
const empty: StatsSnapshot = {
  version: '1.3.0',
  health: 'OK',
  startTime: START,
  topics: [],
  producers: null,
};

// ---- expected JSON pieces, in Go struct field order (spec http-api.md "JSON shape" / "<client> object")
const TLS_OFF =
  '"tls":false,"tls_cipher_suite":"","tls_version":"","tls_negotiated_protocol":"","tls_negotiated_protocol_is_mutual":false';
const C1_JSON =
  '{"client_id":"c1","hostname":"host-a","version":"V2","remote_address":"10.0.0.1:50001","state":3,' +
  '"ready_count":10,"in_flight_count":2,"message_count":120,"finish_count":110,"requeue_count":8,' +
  '"connect_ts":1700003000,"sample_rate":0,"deflate":false,"snappy":false,"user_agent":"go-nsq/1.1.0",' +
  `"topology_zone":"","topology_region":"",${TLS_OFF}}`;
// zone/global counts present, region omitted (0); authed + auth_identity present, auth_identity_url omitted ("")
const C2_JSON =
  '{"client_id":"c2","hostname":"h","version":"V2","remote_address":"[::1]:7","state":3,' +
  '"ready_count":1,"in_flight_count":0,"message_count":4,"zone_local_msg_count":3,"global_msg_count":1,' +
  '"finish_count":4,"requeue_count":0,"connect_ts":1700003723,"sample_rate":25,"deflate":true,"snappy":false,' +
  '"user_agent":"x","authed":true,"auth_identity":"alice","topology_zone":"us-east-1a","topology_region":"us-east-1",' +
  '"tls":true,"tls_cipher_suite":"TLS_AES_128_GCM_SHA256","tls_version":"TLS1.3","tls_negotiated_protocol":"",' +
  '"tls_negotiated_protocol_is_mutual":false}';
// pub_counts (omitempty) sits between topology_region and tls
const P1_JSON =
  '{"client_id":"p1","hostname":"pub","version":"V2","remote_address":"10.0.0.2:40000","state":0,' +
  '"ready_count":0,"in_flight_count":0,"message_count":0,"finish_count":0,"requeue_count":0,' +
  '"connect_ts":1700000000,"sample_rate":0,"deflate":false,"snappy":false,"user_agent":"nsqjs/0.13.0",' +
  `"topology_zone":"","topology_region":"","pub_counts":[{"topic":"orders","count":42}],${TLS_OFF}}`;
// quantile.Result.Percentiles is []map[string]float64: keys sorted, entries in configured order
const ARCHIVE_JSON =
  '{"channel_name":"archive","depth":0,"backend_depth":0,"in_flight_count":0,"deferred_count":0,' +
  '"message_count":1234,"requeue_count":0,"timeout_count":0,"client_count":0,"clients":[],"paused":true,' +
  '"e2e_processing_latency":{"count":0,"percentiles":[{"quantile":0.99,"value":0},{"quantile":0.5,"value":0}]}}';
const BILLING_JSON =
  '{"channel_name":"billing","depth":5,"backend_depth":2,"in_flight_count":3,"deferred_count":1,' +
  '"message_count":1234,"region_local_msg_count":6,"requeue_count":9,"timeout_count":4,"client_count":2,' +
  `"clients":[${C1_JSON},${C2_JSON}],"paused":false,` +
  '"e2e_processing_latency":{"count":5,"percentiles":[{"quantile":0.99,"value":2000000},{"quantile":0.5,"value":999}]}}';
const ORDERS_JSON =
  `{"topic_name":"orders","channels":[${ARCHIVE_JSON},${BILLING_JSON}],"depth":7,"backend_depth":3,` +
  '"message_count":1234,"message_bytes":56789,"paused":false,' +
  '"e2e_processing_latency":{"count":5,"percentiles":[{"quantile":0.99,"value":1500000000},{"quantile":0.5,"value":1250}]}}';
const PAUSED_JSON =
  '{"topic_name":"zz-paused","channels":[],"depth":0,"backend_depth":0,"message_count":0,"message_bytes":0,' +
  '"paused":true,"e2e_processing_latency":{"count":0,"percentiles":null}}';
const MEM_JSON =
  '{"heap_objects":1,"heap_idle_bytes":2,"heap_in_use_bytes":3,"heap_released_bytes":4,"gc_pause_usec_100":5,' +
  '"gc_pause_usec_99":6,"gc_pause_usec_95":7,"next_gc_bytes":8,"gc_total_runs":9}';
const HEAD_JSON = '{"version":"1.3.0","health":"OK","start_time":1700000000';

describe('formatStatsJson', () => {
  test('full snapshot with memory: exact text (key order, omitempty, e2e shapes)', () => {
    const out = formatStatsJson(full, true, env);
    assert.equal(
      out,
      `${HEAD_JSON},"topics":[${ORDERS_JSON},${PAUSED_JSON}],"memory":${MEM_JSON},"producers":[${P1_JSON}]}`,
    );
    const j = JSON.parse(out);
    assert.deepEqual(Object.keys(j), ['version', 'health', 'start_time', 'topics', 'memory', 'producers']);
    assert.deepEqual(j.topics[0].channels[0].clients, []); // include_clients and none -> []
    assert.equal(j.topics[1].e2e_processing_latency.percentiles, null);
    assert.equal('zone_local_msg_count' in j.topics[0].channels[0], false);
    assert.equal('authed' in j.topics[0].channels[1].clients[0], false);
    assert.equal('pub_counts' in j.topics[0].channels[1].clients[0], false);
    assert.equal('auth_identity_url' in j.topics[0].channels[1].clients[1], false);
  });

  test('include_mem=false omits memory (doStats: *memStats with omitempty)', () => {
    const out = formatStatsJson(full, false, env);
    assert.equal(out, `${HEAD_JSON},"topics":[${ORDERS_JSON},${PAUSED_JSON}],"producers":[${P1_JSON}]}`);
    assert.equal('memory' in JSON.parse(out), false);
  });

  test('no topics: [] ; no producers: null (nil slice in GetStats)', () => {
    assert.equal(formatStatsJson(empty, false, env), `${HEAD_JSON},"topics":[],"producers":null}`);
    // an empty producers array is still a nil slice in Go
    assert.equal(
      formatStatsJson({ ...empty, producers: [] }, false, env),
      `${HEAD_JSON},"topics":[],"producers":null}`,
    );
  });

  test('drain mode (nsq-ts) adds "draining":true last, and only while draining', () => {
    assert.equal(
      formatStatsJson({ ...empty, draining: true }, false, env),
      `${HEAD_JSON},"topics":[],"producers":null,"draining":true}`,
    );
    assert.equal(
      formatStatsJson({ ...empty, draining: false }, false, env),
      `${HEAD_JSON},"topics":[],"producers":null}`,
    );
  });

  test('missing ?topic= gives topics null (GetStats returns a zero Stats)', () => {
    const out = formatStatsJson({ ...empty, topics: null }, false, env);
    assert.equal(out, `${HEAD_JSON},"topics":null,"producers":null}`);
    assert.equal(JSON.parse(out).topics, null);
  });

  test('include_clients=false: channel clients null, client_count kept, producers null', () => {
    const ch = statsChannel('c', { clientCount: 3, clients: null });
    const t: TopicStats = { ...pausedTopic, topicName: 't', paused: false, channels: [ch] };
    const out = formatStatsJson({ ...empty, topics: [t] }, false, env);
    const j = JSON.parse(out);
    assert.equal(j.topics[0].channels[0].clients, null);
    assert.equal(j.topics[0].channels[0].client_count, 3);
    assert.equal(j.producers, null);
    assert.ok(out.includes('"client_count":3,"clients":null,"paused":false,'));
  });

  test('strings are HTML-escaped like encoding/json; floats print like Go', () => {
    const out = formatStatsJson({ ...empty, health: 'NOK - <disk> & "x"\u2028' }, false, env);
    assert.ok(out.includes('"health":"NOK - \\u003cdisk\\u003e \\u0026 \\"x\\"\\u2028"'));
    assert.equal(JSON.parse(out).health, 'NOK - <disk> & "x"\u2028');
    const t: TopicStats = {
      ...pausedTopic,
      e2eProcessingLatency: { count: 1, percentiles: [{ quantile: 0.999, value: 1234.5 }] },
    };
    assert.ok(
      formatStatsJson({ ...empty, topics: [t] }, false, env).includes(
        '"e2e_processing_latency":{"count":1,"percentiles":[{"quantile":0.999,"value":1234.5}]}',
      ),
    );
  });

  test('default memory numbers come from V8 and are non-negative integers', () => {
    const j = JSON.parse(formatStatsJson(empty, true, { nowMs: NOW }));
    assert.deepEqual(Object.keys(j.memory), Object.keys(JSON.parse(MEM_JSON)));
    for (const v of Object.values(j.memory)) assert.ok(Number.isInteger(v) && (v as number) >= 0);
    assert.ok(j.memory.heap_in_use_bytes > 0);
    // V8 counts no objects: an estimate from the used heap, never the 0 it used to be
    assert.ok(j.memory.heap_objects > 1000, String(j.memory.heap_objects));
    assert.ok(j.memory.heap_objects < j.memory.heap_in_use_bytes / 16);
  });
});

// ---- text: printStats. Padding per its format verbs: topic %-15s, channel %-25s, counters %-Nd,
// clients "[%s %-21s]" with id "hostname:port user_agent" (ClientV2Stats.String).
const HEADER = `nsqd v1.3.0 (built w/nsq-ts node ${process.version})\nstart_time 2023-11-14T22:13:20Z\nuptime 1h2m3.456s\n`;
const MEM_TEXT =
  '\nMemory:\n' +
  '   heap_objects             \t1\n' +
  '   heap_idle_bytes          \t2\n' +
  '   heap_in_use_bytes        \t3\n' +
  '   heap_released_bytes      \t4\n' +
  '   gc_pause_usec_100        \t5\n' +
  '   gc_pause_usec_99         \t6\n' +
  '   gc_pause_usec_95         \t7\n' +
  '   next_gc_bytes            \t8\n' +
  '   gc_total_runs            \t9\n';
// e2e%: NanoSecondToHuman ("%0.1f" + unit, strict > thresholds); 1250ns -> 1.25us -> "1.2us" (round half to even)
const TOPICS_TEXT =
  '\nTopics:' +
  '\n   [orders         ] depth: 7     be-depth: 3     msgs: 1234     e2e%: 1.5s, 1.2us\n' +
  '   *P [archive                  ] depth: 0     be-depth: 0     inflt: 0    def: 0    re-q: 0     timeout: 0     msgs: 1234     e2e%: 0.0ns, 0.0ns\n' +
  '      [billing                  ] depth: 5     be-depth: 2     inflt: 3    def: 1    re-q: 9     timeout: 4     msgs: 1234     e2e%: 2.0ms, 999.0ns\n' +
  '        [V2 host-a:50001 go-nsq/1.1.0] state: 3 inflt: 2    rdy: 10   fin: 110      re-q: 8        msgs: 120      connected: 12m3s\n' +
  '        [V2 h:7 x                ] state: 3 inflt: 0    rdy: 1    fin: 4        re-q: 0        msgs: 4        connected: 0s\n' +
  '\n*P [zz-paused      ] depth: 0     be-depth: 0     msgs: 0        e2e%: \n';
const PRODUCERS_TEXT =
  '\nProducers:\n   [V2 pub:40000 nsqjs/0.13.0] msgs: 42       topics: orders=42 connected: 1h2m3s\n';

describe('formatStatsText', () => {
  test('full snapshot with memory', () => {
    assert.equal(
      formatStatsText(full, true, env),
      `${HEADER}\nHealth: OK\n${MEM_TEXT}${TOPICS_TEXT}${PRODUCERS_TEXT}`,
    );
  });

  test('without memory', () => {
    assert.equal(formatStatsText(full, false, env), `${HEADER}\nHealth: OK\n${TOPICS_TEXT}${PRODUCERS_TEXT}`);
  });

  test('drain mode (nsq-ts): a Draining line under Health', () => {
    assert.equal(
      formatStatsText({ ...empty, draining: true }, false, env),
      `${HEADER}\nHealth: OK\nDraining: publishes refused, exiting once every topic and channel is empty\n\nTopics: None\n\nProducers: None\n`,
    );
  });

  test('empty and null topics both print "Topics: None"; no producers "Producers: None"', () => {
    const none = `${HEADER}\nHealth: OK\n\nTopics: None\n\nProducers: None\n`;
    assert.equal(formatStatsText(empty, false, env), none);
    assert.equal(formatStatsText({ ...empty, topics: null, producers: [] }, false, env), none);
  });

  test('a subscribed client that also published prints as a producer line (String() checks PubCounts)', () => {
    const both = client({
      hostname: 'both',
      remoteAddress: '1.2.3.4:99',
      userAgent: 'ua',
      connectTs: START,
      pubCounts: [
        { topic: 'a', count: 2 },
        { topic: 'b', count: 3 },
      ],
    });
    const ch = statsChannel('c', { clientCount: 1, clients: [both] });
    const t: TopicStats = { ...pausedTopic, topicName: 't', paused: false, channels: [ch] };
    const out = formatStatsText({ ...empty, topics: [t], producers: [both] }, false, env);
    assert.ok(
      out.includes('\n        [V2 both:99 ua           ] msgs: 5        topics: a=2,b=3 connected: 1h2m3s\n'),
    );
    assert.ok(
      out.endsWith(
        '\nProducers:\n   [V2 both:99 ua           ] msgs: 5        topics: a=2,b=3 connected: 1h2m3s\n',
      ),
    );
  });

  test('unix-socket peer: SplitHostPort fails, port is empty', () => {
    const u = client({
      hostname: 'sock',
      remoteAddress: '@',
      userAgent: 'ua',
      pubCounts: [{ topic: 't', count: 1 }],
    });
    const out = formatStatsText({ ...empty, producers: [u] }, false, env);
    assert.ok(out.endsWith('   [V2 sock: ua             ] msgs: 1        topics: t=1 connected: 1h2m3s\n'));
  });

  test('e2e humanizing: %0.1f ties to even, strict thresholds', () => {
    const vals = [1750, 2500, 1000, 1_000_001, 3_250_000_000];
    const t: TopicStats = {
      ...pausedTopic,
      paused: false,
      e2eProcessingLatency: { count: 1, percentiles: vals.map((value) => ({ quantile: 0.5, value })) },
    };
    const out = formatStatsText({ ...empty, topics: [t] }, false, env);
    // 1.75us -> 1.8 (tie, 7 odd rounds up); 2.5us exact; 1000ns is not > 1000; 1.000001ms; 3.25s -> 3.2
    assert.ok(out.includes('e2e%: 1.8us, 2.5us, 1000.0ns, 1.0ms, 3.2s\n'));
  });

  test('start_time follows the local zone like Go time.Format(time.RFC3339)', () => {
    process.env.TZ = 'Asia/Kolkata';
    try {
      assert.ok(formatStatsText(empty, false, env).includes('\nstart_time 2023-11-15T03:43:20+05:30\n'));
    } finally {
      process.env.TZ = 'UTC';
    }
  });
});
