/**
 * nsqadmin's /api over a real cluster (our nsqlookupd + two of our nsqd, all on port 0), checked
 * against the JSON shapes captured from Go nsqadmin 1.3.0 (field names and order, computed fields,
 * totals, Go's error texts), in lookupd mode and nsqd mode; the admin actions' effect on each nsqd's
 * /stats and on the lookupd, and the notifications they send.
 */

import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  type Doc,
  eventually,
  httpPost,
  lookupOf,
  nodeName as node,
  nsqdPub,
  type Program,
  startTwoNodeCluster,
  nsqdTopic as stats,
  stopCluster,
} from '../helpers/cluster.js';
import { type Admin, call, notificationSink, startAdmin, subscribe } from '../helpers/nsqadmin.js';
import { tempDirs } from '../helpers/tmp.js';

const TOPIC_KEYS = [
  'node',
  'hostname',
  'topic_name',
  'depth',
  'memory_depth',
  'backend_depth',
  'message_count',
  'delivery_msg_count',
  'nodes',
  'channels',
  'paused',
  'e2e_processing_latency',
];
const CHANNEL_KEYS = [
  'node',
  'hostname',
  'topic_name',
  'channel_name',
  'depth',
  'memory_depth',
  'backend_depth',
  'in_flight_count',
  'deferred_count',
  'requeue_count',
  'timeout_count',
  'message_count',
  'client_count',
  'nodes',
  'clients',
  'paused',
  'e2e_processing_latency',
];
const CLIENT_KEYS = [
  'node',
  'remote_address',
  'version',
  'client_id',
  'hostname',
  'user_agent',
  'connect_ts',
  'connected',
  'in_flight_count',
  'ready_count',
  'finish_count',
  'requeue_count',
  'message_count',
  'sample_rate',
  'deflate',
  'snappy',
  'authed',
  'auth_identity',
  'auth_identity_url',
  'tls',
  'tls_cipher_suite',
  'tls_version',
  'tls_negotiated_protocol',
  'tls_negotiated_protocol_is_mutual',
];
const PRODUCER_KEYS = [
  'remote_addresses',
  'remote_address',
  'hostname',
  'broadcast_address',
  'tcp_port',
  'http_port',
  'version',
  'topics',
  'out_of_date',
];
const E2E_KEYS = ['count', 'percentiles', 'topic', 'channel', 'host'];

const tmp = tempDirs('nsqadmin');
let lookupd: Program;
let n1: Program;
let n2: Program;
let admin: Admin;
let nsqdAdmin: Admin;
let sink: Awaited<ReturnType<typeof notificationSink>>;
let consumer: net.Socket;

before(async () => {
  [lookupd, n1, n2] = await startTwoNodeCluster(
    [tmp(), tmp()],
    ['--e2e-processing-latency-percentile=0.99,0.5'],
  );
  sink = await notificationSink();
  for (const p of [n1, n2]) {
    await httpPost(`${p.http}/topic/create?topic=orders`);
    await httpPost(`${p.http}/channel/create?topic=orders&channel=archive`);
  }
  await httpPost(`${n1.http}/channel/create?topic=orders&channel=billing`);
  for (let i = 0; i < 3; i++) await nsqdPub(n1, 'orders', `m${i}`);
  for (let i = 0; i < 2; i++) await nsqdPub(n2, 'orders', `m${i}`);
  await eventually('both nsqd registered orders', async () =>
    (await lookupOf(lookupd, 'orders')).ports.length === 2 ? true : undefined,
  );
  consumer = await subscribe(n1.tcpPort, 'orders', 'archive', 1);
  admin = await startAdmin([
    `--lookupd-http-address=127.0.0.1:${lookupd.httpPort}`,
    `--notification-http-endpoint=${sink.url}`,
    '--stats-interval=200ms',
  ]);
  nsqdAdmin = await startAdmin([
    `--nsqd-http-address=${node(n1)}`,
    `--nsqd-http-address=${node(n2)}`,
    '--nsqd-http-address=127.0.0.1:1',
    '--stats-interval=0',
  ]);
});

after(async () => {
  consumer?.destroy();
  await Promise.all([admin?.stop(), nsqdAdmin?.stop()]);
  await stopCluster(lookupd, n1, n2);
  await sink?.close();
});

describe('read API, lookupd mode', () => {
  test('GET /api/topics: sorted names, V1 headers', async () => {
    const r = await call(`${admin.url}/api/topics`);
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"topics":["orders"],"message":""}');
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(r.headers.get('x-nsq-content-type'), 'nsq; version=1.0');
  });

  test('GET /api/topics/:topic: totals, per-node rows sorted by hostname, channels merged as Go merges them', async () => {
    const r = await call(`${admin.url}/api/topics/orders`);
    assert.equal(r.status, 200, r.text);
    const t = r.json;
    assert.deepEqual(Object.keys(t), [...TOPIC_KEYS, 'message']);
    assert.equal(t.node, '*');
    assert.equal(t.hostname, '');
    assert.equal(t.message_count, 5);
    assert.equal(t.nodes.length, 2);
    assert.deepEqual(t.nodes.map((n: Doc) => n.node).sort(), [node(n1), node(n2)].sort());
    for (const n of t.nodes) {
      assert.deepEqual(Object.keys(n), TOPIC_KEYS);
      assert.equal(n.nodes, null);
      assert.equal(n.memory_depth, n.depth - n.backend_depth);
      assert.deepEqual(Object.keys(n.e2e_processing_latency), E2E_KEYS);
      for (const p of n.e2e_processing_latency.percentiles)
        assert.deepEqual(Object.keys(p), ['average', 'count', 'max', 'min', 'quantile', 'value']);
    }
    const byName = new Map(t.channels.map((c: Doc) => [c.channel_name, c]));
    const archive: Doc = byName.get('archive');
    const billing: Doc = byName.get('billing');
    assert.deepEqual(Object.keys(archive), CHANNEL_KEYS);
    assert.equal(archive.node, '*'); // on both nodes
    assert.equal(archive.message_count, 5);
    assert.equal(billing.node, node(n1)); // on one node: that node's own object (Go's aliasing)
    assert.equal(billing.nodes, null);
    assert.equal(billing.depth, 3);
    assert.deepEqual(
      t.e2e_processing_latency.percentiles.map((p: Doc) => p.quantile),
      [0.99, 0.5],
    );
    assert.deepEqual(Object.keys(t.e2e_processing_latency.percentiles[0]), [
      'average',
      'count',
      'max',
      'min',
      'quantile',
    ]);
    assert.equal(t.e2e_processing_latency.topic, 'orders');
    assert.equal(t.e2e_processing_latency.host, '*');
  });

  test('GET /api/topics/:topic/:channel: every node with the channel, clients with node and connected (ns)', async () => {
    const r = await call(`${admin.url}/api/topics/orders/archive`);
    assert.equal(r.status, 200, r.text);
    const c = r.json;
    assert.deepEqual(Object.keys(c), [...CHANNEL_KEYS, 'message']);
    assert.equal(c.node, '*');
    assert.equal(c.hostname, '');
    assert.equal(c.nodes.length, 2);
    assert.equal(c.client_count, 1);
    assert.equal(c.clients.length, 1);
    const cl = c.clients[0];
    assert.deepEqual(Object.keys(cl), CLIENT_KEYS);
    assert.equal(cl.node, node(n1));
    assert.equal(cl.user_agent, 'nsqadmin-test/1.0');
    assert.equal(cl.hostname, 'tester.local');
    assert.equal(cl.connected % 1e9, 0);
    assert.ok(cl.connected >= 0);
    assert.equal(c.e2e_processing_latency.channel, 'archive');
  });

  test('GET /api/nodes: Go Producer fields, remote_addresses <lookupd>/<addr>, topics sorted', async () => {
    const r = await call(`${admin.url}/api/nodes`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.nodes.length, 2);
    for (const p of r.json.nodes) {
      assert.deepEqual(Object.keys(p), PRODUCER_KEYS);
      assert.equal(p.remote_addresses.length, 1);
      assert.ok(
        p.remote_addresses[0].startsWith(`127.0.0.1:${lookupd.httpPort}/127.0.0.1:`),
        p.remote_addresses[0],
      );
      assert.deepEqual(p.topics, [{ topic: 'orders', tombstoned: false }]);
      assert.equal(p.out_of_date, false);
    }
  });

  test('GET /api/nodes/:node: the node by broadcast:http_port, totals; the TCP port is not found', async () => {
    const r = await call(`${admin.url}/api/nodes/${node(n1)}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['node', 'topics', 'total_messages', 'total_clients', 'message']);
    assert.equal(r.json.total_messages, 3);
    assert.equal(r.json.total_clients, 1);
    const miss = await call(`${admin.url}/api/nodes/127.0.0.1:${n1.tcpPort}`);
    assert.equal(miss.status, 404);
    assert.equal(miss.text, '{"message":"NODE_NOT_FOUND"}');
  });

  test('GET /api/counter: one entry per topic:channel:node', async () => {
    const r = await call(`${admin.url}/api/counter`);
    assert.equal(r.status, 200, r.text);
    const keys = Object.keys(r.json.stats);
    assert.deepEqual(keys, [...keys].sort());
    assert.deepEqual(
      keys.sort(),
      [`orders:archive:${node(n1)}`, `orders:archive:${node(n2)}`, `orders:billing:${node(n1)}`].sort(),
    );
    assert.deepEqual(r.json.stats[`orders:billing:${node(n1)}`], {
      node: node(n1),
      topic_name: 'orders',
      channel_name: 'billing',
      message_count: 3,
    });
  });

  test('unknown topic: 502 with the lookupd error as Go words it', async () => {
    const r = await call(`${admin.url}/api/topics/nope`);
    assert.equal(r.status, 502);
    assert.equal(
      r.json.message,
      'UPSTREAM_ERROR: failed to query any nsqlookupd: got response 404 Not Found "{\\"message\\":\\"TOPIC_NOT_FOUND\\"}"',
    );
  });

  test('router answers: 404 NOT_FOUND, 405 with Allow, trailing-slash 301', async () => {
    assert.equal((await call(`${admin.url}/api/nope`)).text, '{"message":"NOT_FOUND"}');
    const m = await call(`${admin.url}/api/counter`, 'POST');
    assert.equal(m.status, 405);
    assert.equal(m.headers.get('allow'), 'GET, OPTIONS');
    const s = await call(`${admin.url}/api/topics/`);
    assert.equal(s.status, 301);
    assert.equal(s.headers.get('location'), '/api/topics');
  });
});

describe('read API, nsqd mode with one nsqd down', () => {
  test('topics: 200 with a WARNING naming the unreachable nsqd', async () => {
    const r = await call(`${nsqdAdmin.url}/api/topics`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.topics, ['orders']);
    assert.equal(
      r.json.message,
      'WARNING: Get "http://127.0.0.1:1/stats?format=json": dial tcp 127.0.0.1:1: connect: connection refused',
    );
  });
  test('nodes: remote_addresses null, the live nodes only', async () => {
    const r = await call(`${nsqdAdmin.url}/api/nodes`);
    assert.equal(r.json.nodes.length, 2);
    assert.equal(r.json.nodes[0].remote_addresses, null);
    assert.equal(r.json.nodes[0].remote_address, '');
    assert.match(
      r.json.message,
      /^WARNING: Get "http:\/\/127\.0\.0\.1:1\/info": dial tcp 127\.0\.0\.1:1: connect: connection refused$/,
    );
  });
  test('inactive topics are always {} in nsqd mode', async () => {
    const r = await call(`${nsqdAdmin.url}/api/topics?inactive=true`);
    assert.deepEqual(r.json.topics, {});
  });
});

describe('admin actions', () => {
  test('pause/unpause a channel on every producer of the topic; a node without it is a WARNING; notifications', async () => {
    const before = sink.got.length;
    const r = await call(
      `${admin.url}/api/topics/orders/billing`,
      'POST',
      { action: 'pause' },
      { 'User-Agent': 'test-agent', Authorization: `Basic ${Buffer.from('carol:x').toString('base64')}` },
    );
    assert.equal(r.status, 200);
    assert.equal(
      r.json.message,
      'WARNING: got response 404 Not Found "{\\"message\\":\\"CHANNEL_NOT_FOUND\\"}"',
    );
    const ch = (await stats(n1, 'orders')).channels.find((c: Doc) => c.channel_name === 'billing');
    assert.equal(ch.paused, true);
    const note = await eventually('notification', async () => sink.got[before]);
    assert.deepEqual(
      Object.keys(note).filter((k) => k !== '_headers'),
      ['action', 'topic', 'channel', 'timestamp', 'user', 'remote_ip', 'user_agent', 'url', 'via'],
    );
    assert.equal(note.action, 'pause_channel');
    assert.equal(note.channel, 'billing');
    assert.equal(note.user, 'carol');
    assert.equal(note.user_agent, 'test-agent');
    assert.equal(note.url, `http://127.0.0.1:${admin.port}/api/topics/orders/billing`);
    assert.equal(note._headers['content-type'], 'application/json');
    await call(`${admin.url}/api/topics/orders/billing`, 'POST', { action: 'unpause' });
    assert.equal(
      (await stats(n1, 'orders')).channels.find((c: Doc) => c.channel_name === 'billing').paused,
      false,
    );
  });

  test('pause a topic, empty a channel, bad bodies', async () => {
    assert.equal((await call(`${admin.url}/api/topics/orders`, 'POST', { action: 'pause' })).status, 200);
    assert.equal((await stats(n1, 'orders')).paused, true);
    assert.equal((await stats(n2, 'orders')).paused, true);
    await call(`${admin.url}/api/topics/orders`, 'POST', { action: 'unpause' });
    assert.equal((await stats(n2, 'orders')).paused, false);
    const e = await call(`${admin.url}/api/topics/orders/billing`, 'POST', { action: 'empty' });
    assert.equal(e.status, 200);
    assert.equal(
      (await stats(n1, 'orders')).channels.find((c: Doc) => c.channel_name === 'billing').depth,
      0,
    );
    assert.equal(
      (await call(`${admin.url}/api/topics/orders`, 'POST', { action: 'PAUSE' })).text,
      '{"message":"INVALID_ACTION"}',
    );
    assert.equal((await call(`${admin.url}/api/topics/orders`, 'POST', '')).text, '{"message":"EOF"}');
    assert.equal(
      (await call(`${admin.url}/api/topics`, 'POST', { topic: 'bad topic!' })).text,
      '{"message":"INVALID_TOPIC"}',
    );
    assert.equal(
      (await call(`${admin.url}/api/nodes/${node(n1)}`, 'DELETE', '{')).text,
      '{"message":"INVALID_BODY"}',
    );
  });

  test('create a topic and channel: lookupd first, then every producer', async () => {
    const r = await call(`${admin.url}/api/topics`, 'POST', { topic: 'orders', channel: 'audit' });
    assert.equal(r.status, 200, r.text);
    for (const p of [n1, n2])
      assert.ok((await stats(p, 'orders')).channels.some((c: Doc) => c.channel_name === 'audit'));
    const created = await call(`${admin.url}/api/topics`, 'POST', { topic: 'ghost' });
    assert.equal(created.json.message, '');
    const inactive = await eventually('ghost inactive', async () => {
      const i = await call(`${admin.url}/api/topics?inactive=true`);
      return 'ghost' in i.json.topics ? i.json : undefined;
    });
    assert.deepEqual(inactive.topics, { ghost: null });
  });

  test('delete a channel, then tombstone a node for the topic', async () => {
    assert.equal((await call(`${admin.url}/api/topics/orders/audit`, 'DELETE')).status, 200);
    for (const p of [n1, n2])
      assert.ok(!(await stats(p, 'orders')).channels.some((c: Doc) => c.channel_name === 'audit'));
    const t = await call(`${admin.url}/api/nodes/${node(n2)}`, 'DELETE', { topic: 'orders' });
    assert.equal(t.status, 200, t.text);
    assert.equal(await stats(n2, 'orders'), undefined);
    assert.ok((await stats(n1, 'orders')) !== undefined);
    const nodes = await call(`${admin.url}/api/nodes`);
    const p2 = nodes.json.nodes.find((p: Doc) => p.http_port === n2.httpPort);
    // tombstoned on the lookupd, or gone once the nsqd unregistered the deleted topic
    assert.ok(
      !(p2.topics ?? []).some((x: Doc) => x.topic === 'orders' && !x.tombstoned),
      JSON.stringify(p2.topics),
    );
    const actions = sink.got.map((g) => g.action);
    assert.ok(actions.includes('tombstone_topic_producer'), actions.join());
    assert.equal(sink.got.find((g) => g.action === 'tombstone_topic_producer').node, node(n2));
  });
});

describe('/config and the extras', () => {
  test('/config/:opt: Go types; PUT log_level', async () => {
    assert.equal(
      (await call(`${admin.url}/config/nsqlookupd_http_addresses`)).text,
      `["127.0.0.1:${lookupd.httpPort}"]`,
    );
    assert.equal((await call(`${admin.url}/config/statsd_interval`)).text, '60000000000');
    assert.equal((await call(`${admin.url}/config/statsd_prefix`)).text, 'nsq.%s');
    assert.equal((await call(`${admin.url}/config/admin_users`)).text, '[]');
    assert.equal((await call(`${admin.url}/config/log_level`, 'PUT', 'debug')).text, '1');
    assert.equal((await call(`${admin.url}/config/log_level`, 'PUT', 'info')).text, '2');
    assert.equal((await call(`${admin.url}/config/nope`)).text, '{"message":"INVALID_OPTION"}');
  });

  test('/ext/series and /ext/live from the one poll loop', async () => {
    const s = await eventually('two samples with a rate', async () => {
      const r = await call(`${admin.url}/ext/series?key=topic:orders&prefix=channel:orders/`);
      const t = r.json.series['topic:orders'];
      return t !== undefined && t.t.length >= 2 ? r.json : undefined;
    });
    assert.ok('channel:orders/archive' in s.series);
    assert.deepEqual(s.series['topic:orders'].quantiles, [0.99, 0.5]);
    const live = await call(`${admin.url}/ext/live/topics/orders`);
    const api = await call(`${admin.url}/api/topics/orders`);
    assert.deepEqual(
      Object.keys(live.json).filter((k) => k !== 'at'),
      Object.keys(api.json),
    );
    assert.equal(live.json.message_count, api.json.message_count);
  });

  test('tail: messages published after it opens, on its own ephemeral channel, none taken from real channels', async () => {
    const open = await call(`${admin.url}/ext/tail/orders`, 'POST');
    assert.equal(open.status, 200, open.text);
    assert.match(open.json.channel, /^nsqadmin_tail_[0-9a-f]{8}#ephemeral$/);
    await eventually('tail subscribed', async () =>
      (await stats(n1, 'orders')).channels.some((c: Doc) => c.channel_name === open.json.channel)
        ? true
        : undefined,
    );
    const billingBefore = (await stats(n1, 'orders')).channels.find((c: Doc) => c.channel_name === 'billing');
    await nsqdPub(n1, 'orders', 'hello tail');
    const got = await eventually('tailed message', async () => {
      const r = await call(`${admin.url}/ext/tail/${open.json.id}?after=0`);
      return r.json.messages.length > 0 ? r.json.messages : undefined;
    });
    assert.equal(got[0].body, 'hello tail');
    assert.equal(got[0].node, node(n1));
    const billingAfter = (await stats(n1, 'orders')).channels.find((c: Doc) => c.channel_name === 'billing');
    assert.equal(billingAfter.depth, billingBefore.depth + 1); // the real channel still has it
    assert.equal((await call(`${admin.url}/ext/tail/${open.json.id}`, 'DELETE')).status, 200);
    await eventually('ephemeral channel gone', async () =>
      (await stats(n1, 'orders')).channels.some((c: Doc) => c.channel_name === open.json.channel)
        ? undefined
        : true,
    );
  });
});
