/**
 * The HTTP route table's endpoints driven directly (no sockets) with a recording BrokerApi: nsqd's
 * parameter checks and error texts, size limits, /pub and /mpub parsing, V1/PlainText wrapping.
 * Router behaviour and /config are in http-router.test.ts.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDefer } from '../../src/nsqd/http/publish-params.js';
import {
  assertEmpty,
  assertOk,
  assertV1Error,
  call,
  JSON_CT,
  setup,
  TEXT_CT,
  text,
  V1,
} from '../helpers/http-fake.js';

describe('/ping and /info', () => {
  test('ping is PlainText: OK, or 500 with the health text; no X-NSQ header', async () => {
    const s = setup();
    const ok = await call(s, 'GET', '/ping');
    assert.equal(ok.status, 200);
    assert.equal(text(ok), 'OK');
    assert.deepEqual(ok.headers, [TEXT_CT]);
    s.api.healthText = 'NOK - disk full';
    const bad = await call(s, 'GET', '/ping');
    assert.equal(bad.status, 500);
    assert.equal(text(bad), 'NOK - disk full');
    assert.deepEqual(bad.headers, [TEXT_CT]);
  });
  test('ping in drain mode (nsq-ts): 503 DRAINING, unless unhealthy (500 as nsqd)', async () => {
    const s = setup();
    s.api.drainingNow = true;
    const r = await call(s, 'GET', '/ping');
    assert.deepEqual([r.status, text(r), r.headers], [503, 'DRAINING', [TEXT_CT]]);
    s.api.healthText = 'NOK - disk full';
    const bad = await call(s, 'GET', '/ping');
    assert.deepEqual([bad.status, text(bad)], [500, 'NOK - disk full']);
  });
  test('info: V1 JSON in nsqd field order, durations in ns', async () => {
    const s = setup({ topologyZone: 'z1', maxOutputBufferTimeout: 30_000 });
    const r = await call(s, 'GET', '/info');
    assert.equal(r.status, 200);
    assert.deepEqual(r.headers, [JSON_CT, V1]);
    assert.equal(
      text(r),
      '{"version":"1.3.0","broadcast_address":"bcast","hostname":"host1","http_port":4151,"tcp_port":4150,' +
        '"start_time":1700000000,"max_heartbeat_interval":60000000000,"max_output_buffer_size":65536,' +
        '"max_output_buffer_timeout":30000000000,"max_deflate_level":6,"topology_zone":"z1","topology_region":""}',
    );
  });
});

describe('POST /pub', () => {
  test('publishes the raw body: 200 OK (text/plain, X-NSQ)', async () => {
    const s = setup();
    assertOk(await call(s, 'POST', '/pub?topic=t1', 'hello\r\nx'));
    assert.deepEqual(s.api.calls, [['publish', 't1', ['hello\r\nx'], 0]]);
  });
  test('size checks come first: Content-Length, then the body read (max + 1)', async () => {
    const s = setup();
    assertV1Error(await call(s, 'POST', '/pub', 'x', 11), 413, 'MSG_TOO_BIG');
    assertV1Error(await call(s, 'POST', '/pub?topic=bad name', Buffer.alloc(11), null), 413, 'MSG_TOO_BIG');
    assertOk(await call(s, 'POST', '/pub?topic=t', Buffer.alloc(10, 97)));
    assertV1Error(await call(s, 'POST', '/pub?topic=t', ''), 400, 'MSG_EMPTY');
    assertV1Error(await call(s, 'POST', '/pub', ''), 400, 'MSG_EMPTY');
    assert.deepEqual(s.table.plan('POST', '/pub', 11).early, await call(s, 'POST', '/pub', '', 11));
    assert.deepEqual(s.table.plan('POST', '/pub', 10), { limit: 11, early: null });
    assert.deepEqual(s.table.plan('POST', '/pub', null), { limit: 11, early: null });
  });
  test('topic checks', async () => {
    const s = setup();
    assertV1Error(await call(s, 'POST', '/pub', 'm'), 400, 'MISSING_ARG_TOPIC');
    assertV1Error(await call(s, 'POST', '/pub?channel=c', 'm'), 400, 'MISSING_ARG_TOPIC');
    assertV1Error(await call(s, 'POST', '/pub?topic=', 'm'), 400, 'INVALID_TOPIC');
    assertV1Error(await call(s, 'POST', '/pub?topic=a%20b', 'm'), 400, 'INVALID_TOPIC');
    assertV1Error(await call(s, 'POST', `/pub?topic=${'a'.repeat(65)}`, 'm'), 400, 'INVALID_TOPIC');
    assertV1Error(await call(s, 'POST', '/pub?topic=a;b', 'm'), 400, 'INVALID_REQUEST');
    assertV1Error(await call(s, 'POST', '/pub?topic=a%zz', 'm'), 400, 'INVALID_REQUEST');
    assert.deepEqual(s.api.calls, []);
    assertOk(await call(s, 'POST', '/pub?topic=first&topic=second&topic=bad%20one', 'm'));
    assertOk(await call(s, 'POST', '/pub?topic=e%23ephemeral', 'm'));
    assertV1Error(await call(s, 'POST', '/pub?topic=a+b&topic=x', 'm'), 400, 'INVALID_TOPIC');
    assert.deepEqual(s.api.calls[0], ['publish', 'first', ['m'], 0]);
    assert.deepEqual(s.api.calls[1], ['publish', 'e#ephemeral', ['m'], 0]);
  });
  test('defer: decimal ms in 0..max-req-timeout; otherwise INVALID_DEFER (the topic is still created)', async () => {
    const s = setup();
    assertOk(await call(s, 'POST', '/pub?topic=t&defer=1500', 'm'));
    assertOk(await call(s, 'POST', '/pub?topic=t&defer=0', 'm'));
    assertOk(await call(s, 'POST', '/pub?topic=t&defer=%2B60000', 'm'));
    assert.deepEqual(
      s.api.calls.map((c) => c[3]),
      [1500, 0, 60000],
    );
    for (const bad of ['', '-1', '60001', '1.5', 'abc', '0x10', '1e3', '99999999999999999999']) {
      s.api.calls = [];
      assertV1Error(await call(s, 'POST', `/pub?topic=t&defer=${bad}`, 'm'), 400, 'INVALID_DEFER');
      assert.deepEqual(s.api.calls, [['createTopic', 't']], bad);
    }
    assertV1Error(await call(s, 'POST', '/pub?topic=t&defer', 'm'), 400, 'INVALID_DEFER');
  });
  test('defer parsing wraps like Go int64 ns', () => {
    assert.equal(parseDefer('-0', 1000), 0);
    assert.equal(parseDefer('9223372036854775807', 1000), null);
    assert.equal(parseDefer('9223372036854775808', 1e12), null);
  });
  test('a failed put is 503 EXITING (or the broker status)', async () => {
    const s = setup();
    s.api.results.publish = { status: 503, message: 'EXITING' };
    assertV1Error(await call(s, 'POST', '/pub?topic=t', 'm'), 503, 'EXITING');
  });
  test('only POST: GET is 405 with Allow', async () => {
    const s = setup();
    const r = await call(s, 'GET', '/pub?topic=t');
    assertV1Error(r, 405, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(r.headers[2], ['Allow', 'OPTIONS, POST']);
  });
});

describe('POST /mpub text mode', () => {
  test('split on \\n, \\r kept, empty lines skipped', async () => {
    const s = setup();
    assertOk(await call(s, 'POST', '/mpub?topic=t', 'a\nb\r\n\n\nc'));
    assert.deepEqual(s.api.calls, [['publish', 't', ['a', 'b\r', 'c'], 0]]);
  });
  test('binary=false and binary=0 are text mode', async () => {
    const s = setup();
    assertOk(await call(s, 'POST', '/mpub?topic=t&binary=false', 'x\ny\n'));
    assertOk(await call(s, 'POST', '/mpub?topic=t&binary=0', 'z'));
    assert.deepEqual(s.api.calls, [
      ['publish', 't', ['x', 'y'], 0],
      ['publish', 't', ['z'], 0],
    ]);
  });
  test('an empty body (or only newlines) is 200 OK: the topic is created, nothing published', async () => {
    const s = setup();
    assertOk(await call(s, 'POST', '/mpub?topic=t', ''));
    assertOk(await call(s, 'POST', '/mpub?topic=t', '\n\n'));
    assert.deepEqual(s.api.calls, [
      ['createTopic', 't'],
      ['createTopic', 't'],
    ]);
  });
  test('limits: MSG_TOO_BIG per line, BODY_TOO_BIG for the body (Content-Length first)', async () => {
    const s = setup();
    assertOk(await call(s, 'POST', '/mpub?topic=t', `${'a'.repeat(10)}\n${'b'.repeat(10)}`));
    s.api.calls = [];
    assertV1Error(await call(s, 'POST', '/mpub?topic=t', `a\n${'b'.repeat(11)}\nc`), 413, 'MSG_TOO_BIG');
    assert.deepEqual(s.api.calls, [['createTopic', 't']]);
    assertV1Error(await call(s, 'POST', '/mpub?topic=t', Buffer.alloc(41, 10), null), 413, 'BODY_TOO_BIG');
    assertOk(await call(s, 'POST', '/mpub?topic=t', Buffer.alloc(40, 10)));
    assertV1Error(await call(s, 'POST', '/mpub?topic=t', 'x', 41), 413, 'BODY_TOO_BIG');
    assertV1Error(await call(s, 'POST', '/mpub?topic=bad name', 'x', 41), 413, 'BODY_TOO_BIG');
    assert.equal(s.table.plan('POST', '/mpub', 41).early?.status, 413);
    assert.deepEqual(s.table.plan('POST', '/mpub', null), { limit: 41, early: null });
  });
  test('topic errors come before body errors', async () => {
    const s = setup();
    assertV1Error(await call(s, 'POST', '/mpub', 'a'.repeat(30)), 400, 'MISSING_ARG_TOPIC');
    assertV1Error(await call(s, 'POST', '/mpub?topic=a!', 'a'.repeat(30)), 400, 'INVALID_TOPIC');
    assert.deepEqual(s.api.calls, []);
  });
});

function mpubBody(count: number, msgs: (string | number)[]): Buffer {
  const parts = [Buffer.alloc(4)];
  parts[0]!.writeInt32BE(count);
  for (const m of msgs) {
    const len = Buffer.alloc(4);
    if (typeof m === 'number') {
      len.writeInt32BE(m);
      parts.push(len);
    } else {
      len.writeInt32BE(m.length);
      parts.push(len, Buffer.from(m));
    }
  }
  return Buffer.concat(parts);
}

describe('POST /mpub binary mode', () => {
  test('binary=true|1 (and any unknown value, with a warning)', async () => {
    const s = setup();
    assertOk(await call(s, 'POST', '/mpub?topic=t&binary=true', mpubBody(2, ['a\nb', 'c'])));
    assertOk(await call(s, 'POST', '/mpub?topic=t&binary=1', mpubBody(1, ['x'])));
    assertOk(await call(s, 'POST', '/mpub?topic=t&binary=yes', mpubBody(1, ['y'])));
    assert.deepEqual(s.api.calls, [
      ['publish', 't', ['a\nb', 'c'], 0],
      ['publish', 't', ['x'], 0],
      ['publish', 't', ['y'], 0],
    ]);
    assert.deepEqual(s.warnings, ["deprecated value 'yes' used for /mpub binary param"]);
  });
  test('bytes after the last message are ignored, as nsqd reads no further', async () => {
    const s = setup();
    assertOk(
      await call(
        s,
        'POST',
        '/mpub?topic=t&binary=1',
        Buffer.concat([mpubBody(1, ['ab']), Buffer.from('zz')]),
      ),
    );
    assert.deepEqual(s.api.calls, [['publish', 't', ['ab'], 0]]);
  });
  test('errors are 413 with the TCP code minus E_; the topic is still created', async () => {
    const s = setup();
    const cases: [Buffer, string][] = [
      [Buffer.alloc(0), 'BAD_BODY'],
      [Buffer.from([0, 0]), 'BAD_BODY'],
      [mpubBody(0, []), 'BAD_BODY'],
      [mpubBody(-1, []), 'BAD_BODY'],
      [mpubBody(8, []), 'BAD_BODY'], // (40 - 4) / 5 = 7 at most
      [mpubBody(2, ['a']), 'BAD_MESSAGE'],
      [Buffer.concat([mpubBody(1, []), Buffer.from([0, 0])]), 'BAD_MESSAGE'],
      [mpubBody(1, [0]), 'BAD_MESSAGE'],
      [mpubBody(1, [-5]), 'BAD_MESSAGE'],
      [mpubBody(1, [11]), 'BAD_MESSAGE'],
      [Buffer.concat([mpubBody(1, [5]), Buffer.from('abc')]), 'BAD_MESSAGE'],
    ];
    for (const [body, code] of cases) {
      s.api.calls = [];
      assertV1Error(await call(s, 'POST', '/mpub?topic=t&binary=true', body), 413, code);
      assert.deepEqual(s.api.calls, [['createTopic', 't']], code);
    }
  });
  test('a chunked body cut at the bound that runs out of bytes is BODY_TOO_BIG', async () => {
    const s = setup();
    const body = mpubBody(7, ['aaaaaaaaa', 'bbbbbbbbb', 'ccccccccc']).subarray(0, 41);
    assertV1Error(await call(s, 'POST', '/mpub?topic=t&binary=1', body, null), 413, 'BODY_TOO_BIG');
  });
});

describe('GET /stats', () => {
  test('json: filters and flags passed on, JSON content type', async () => {
    const s = setup();
    const r = await call(
      s,
      'GET',
      '/stats?format=json&topic=t&channel=c&include_clients=false&include_mem=0',
    );
    assert.equal(r.status, 200);
    assert.deepEqual(r.headers, [JSON_CT, V1]);
    assert.deepEqual(JSON.parse(text(r)), {
      version: '1.3.0',
      health: 'OK',
      start_time: 1700000000,
      topics: [],
      producers: null,
    });
    assert.deepEqual(s.api.calls, [['stats', { topic: 't', channel: 'c', includeClients: false }]]);
  });
  test('text by default (or any other format); include_* default true, odd values count as true', async () => {
    const s = setup();
    const r = await call(s, 'GET', '/stats?format=xml&include_clients=nope');
    assert.deepEqual(r.headers, [TEXT_CT, V1]);
    assert.match(text(r), /^nsqd v1\.3\.0/);
    assert.match(text(r), /\nMemory:\n/);
    assert.deepEqual(s.api.calls, [['stats', { topic: '', channel: '', includeClients: true }]]);
    assert.doesNotMatch(text(await call(s, 'GET', '/stats?include_mem=false')), /Memory:/);
    assertV1Error(await call(s, 'GET', '/stats?format=json&topic=%'), 400, 'INVALID_REQUEST');
  });
});

describe('topic admin', () => {
  test('success: 200 with an empty body', async () => {
    const s = setup();
    for (const a of ['create', 'delete', 'empty', 'pause', 'unpause'])
      assertEmpty(await call(s, 'POST', `/topic/${a}?topic=t`));
    assert.deepEqual(s.api.calls, [
      ['createTopic', 't'],
      ['deleteTopic', 't'],
      ['emptyTopic', 't'],
      ['setTopicPaused', 't', true],
      ['setTopicPaused', 't', false],
    ]);
  });
  test('MISSING_ARG_TOPIC everywhere; INVALID_TOPIC only for create and empty', async () => {
    const s = setup();
    for (const a of ['create', 'delete', 'empty', 'pause', 'unpause']) {
      assertV1Error(await call(s, 'POST', `/topic/${a}`), 400, 'MISSING_ARG_TOPIC');
      assertV1Error(await call(s, 'POST', `/topic/${a}?topic=%`), 400, 'INVALID_REQUEST');
    }
    assertV1Error(await call(s, 'POST', '/topic/create?topic=a/b'), 400, 'INVALID_TOPIC');
    assertV1Error(await call(s, 'POST', '/topic/empty?topic=a/b'), 400, 'INVALID_TOPIC');
    assert.deepEqual(s.api.calls, []);
    s.api.results.deleteTopic = { status: 404, message: 'TOPIC_NOT_FOUND' };
    s.api.results.setTopicPaused = { status: 404, message: 'TOPIC_NOT_FOUND' };
    assertV1Error(await call(s, 'POST', '/topic/delete?topic=a/b'), 404, 'TOPIC_NOT_FOUND');
    assertV1Error(await call(s, 'POST', '/topic/pause?topic=a/b'), 404, 'TOPIC_NOT_FOUND');
    assert.deepEqual(s.api.calls, [
      ['deleteTopic', 'a/b'],
      ['setTopicPaused', 'a/b', true],
    ]);
    s.api.results.emptyTopic = { status: 500, message: 'INTERNAL_ERROR' };
    assertV1Error(await call(s, 'POST', '/topic/empty?topic=t'), 500, 'INTERNAL_ERROR');
  });
  test('the body is ignored (plan reads and drops it)', async () => {
    const s = setup();
    assert.deepEqual(s.table.plan('POST', '/topic/create', 1_000_000), { limit: 0, early: null });
    assertEmpty(await call(s, 'POST', '/topic/create?topic=t', 'topic=other'));
    assert.deepEqual(s.api.calls, [['createTopic', 't']]);
  });
});

describe('channel admin', () => {
  test('success and the *_ARG_* error texts', async () => {
    const s = setup();
    for (const a of ['create', 'delete', 'empty', 'pause', 'unpause']) {
      assertEmpty(await call(s, 'POST', `/channel/${a}?topic=t&channel=c`));
      assertV1Error(await call(s, 'POST', `/channel/${a}?channel=c`), 400, 'MISSING_ARG_TOPIC');
      assertV1Error(await call(s, 'POST', `/channel/${a}?topic=t!&channel=c`), 400, 'INVALID_ARG_TOPIC');
      assertV1Error(await call(s, 'POST', `/channel/${a}?topic=t`), 400, 'MISSING_ARG_CHANNEL');
      assertV1Error(await call(s, 'POST', `/channel/${a}?topic=t&channel=`), 400, 'INVALID_ARG_CHANNEL');
      assertV1Error(await call(s, 'POST', `/channel/${a}?topic=t&channel=c%`), 400, 'INVALID_REQUEST');
    }
    assert.deepEqual(s.api.calls, [
      ['createChannel', 't', 'c'],
      ['deleteChannel', 't', 'c'],
      ['emptyChannel', 't', 'c'],
      ['setChannelPaused', 't', 'c', true],
      ['setChannelPaused', 't', 'c', false],
    ]);
  });
  test('broker errors pass through', async () => {
    const s = setup();
    s.api.results.createChannel = { status: 404, message: 'TOPIC_NOT_FOUND' };
    s.api.results.deleteChannel = { status: 404, message: 'CHANNEL_NOT_FOUND' };
    assertV1Error(await call(s, 'POST', '/channel/create?topic=t&channel=c'), 404, 'TOPIC_NOT_FOUND');
    assertV1Error(await call(s, 'POST', '/channel/delete?topic=t&channel=c'), 404, 'CHANNEL_NOT_FOUND');
  });
});
