/**
 * The HTTP route table's framework answers as httprouter v1.3 gives them (404, 405 with Allow,
 * trailing-slash and fixed-path redirects, OPTIONS, panics), /config/:opt, and Go's URL parsing.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cleanPath, parseQuery } from '../../src/http/router.js';
import { assertV1Error, call, JSON_CT, setup, TEXT_CT, text, V1 } from '../helpers/http-fake.js';

describe('/config/:opt', () => {
  test('GET: Go types (ns durations, int log level and TLS mode), strings raw, unknown 400', async () => {
    const s = setup({ nodeId: 42, e2eProcessingLatencyPercentiles: [0.99, 0.5] });
    const json = async (opt: string) => {
      const r = await call(s, 'GET', `/config/${opt}`);
      assert.equal(r.status, 200, opt);
      assert.deepEqual(r.headers, [JSON_CT, V1]);
      return JSON.parse(text(r)) as unknown;
    };
    assert.equal(await json('log_level'), 2);
    assert.equal(await json('msg_timeout'), 60_000_000_000);
    assert.equal(await json('output_buffer_timeout'), 250_000_000);
    assert.equal(await json('id'), 42);
    assert.equal(await json('max_msg_size'), 10);
    assert.equal(await json('snappy'), true);
    assert.equal(await json('tls_required'), 0);
    assert.equal(await json('tls_min_version'), 0x0301);
    assert.deepEqual(await json('nsqlookupd_tcp_addresses'), ['l1:4160']);
    assert.deepEqual(await json('e2e_processing_latency_percentiles'), [0.99, 0.5]);
    assert.deepEqual(await json('enable_experiment'), []);
    const str = await call(s, 'GET', '/config/tcp_address');
    assert.equal(text(str), s.options.tcpAddress);
    assert.deepEqual(str.headers, [TEXT_CT, V1]);
    for (const bad of ['node_id', 'lookupd_tcp_address', 'config', 'version', 'LOG_LEVEL', 'nope']) {
      assertV1Error(await call(s, 'GET', `/config/${bad}`), 400, 'INVALID_OPTION');
    }
    s.api.logLevel = 'error';
    assert.equal(await json('log_level'), 4);
  });
  test('PUT log_level: case-insensitive name, returns the int; bad 400, empty/oversize 413', async () => {
    const s = setup();
    const r = await call(s, 'PUT', '/config/log_level', 'DEBUG');
    assert.equal(r.status, 200);
    assert.equal(text(r), '1');
    assert.deepEqual(s.api.calls, [['setLogLevel', 'debug']]);
    assertV1Error(await call(s, 'PUT', '/config/log_level', 'loud'), 400, 'INVALID_VALUE');
    assertV1Error(await call(s, 'PUT', '/config/log_level', 'warn\n'), 400, 'INVALID_VALUE');
    assertV1Error(await call(s, 'PUT', '/config/log_level', ''), 413, 'INVALID_VALUE');
    assertV1Error(await call(s, 'PUT', '/config/log_level', 'a'.repeat(11)), 413, 'INVALID_VALUE');
    assert.deepEqual(s.table.plan('PUT', '/config/log_level', 5), { limit: 11, early: null });
  });
  test('PUT nsqlookupd_tcp_addresses: a JSON array of strings', async () => {
    const s = setup({ maxMsgSize: 100 });
    const r = await call(s, 'PUT', '/config/nsqlookupd_tcp_addresses', '["a:4160", "b:4160"]');
    assert.equal(r.status, 200);
    assert.deepEqual(r.headers, [JSON_CT, V1]);
    assert.equal(text(r), '["a:4160","b:4160"]');
    assert.deepEqual(s.api.calls, [['setLookupdTcpAddresses', ['a:4160', 'b:4160']]]);
    for (const bad of ['"a:4160"', '[1]', '{}', '[', 'x']) {
      assertV1Error(await call(s, 'PUT', '/config/nsqlookupd_tcp_addresses', bad), 400, 'INVALID_VALUE');
    }
    assert.equal(s.api.calls.length, 1);
  });
  test('drain (nsq-ts): GET says whether it runs, PUT true starts it, anything else 400', async () => {
    const s = setup();
    assert.equal(text(await call(s, 'GET', '/config/drain')), 'false');
    for (const bad of ['false', '1', '"true"', 'yes', '{']) {
      assertV1Error(await call(s, 'PUT', '/config/drain', bad), 400, 'INVALID_VALUE');
    }
    assertV1Error(await call(s, 'PUT', '/config/drain', ''), 413, 'INVALID_VALUE');
    assert.deepEqual(s.api.calls, []);
    const r = await call(s, 'PUT', '/config/drain', 'true\n');
    assert.equal(r.status, 200);
    assert.equal(text(r), 'true');
    assert.deepEqual(s.api.calls, [['startDrain', 'PUT /config/drain']]);
    assert.equal(text(await call(s, 'GET', '/config/drain')), 'true');
    assert.equal(text(await call(s, 'GET', '/config/drain_timeout')), '300000000000');
  });
  test('PUT anything else: 400 INVALID_OPTION (after the body check)', async () => {
    const s = setup();
    assertV1Error(await call(s, 'PUT', '/config/msg_timeout', '1s'), 400, 'INVALID_OPTION');
    assertV1Error(await call(s, 'PUT', '/config/nope', '1'), 400, 'INVALID_OPTION');
    assertV1Error(await call(s, 'PUT', '/config/nope', ''), 413, 'INVALID_VALUE');
    const r = await call(s, 'POST', '/config/log_level', 'debug');
    assertV1Error(r, 405, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(r.headers[2], ['Allow', 'GET, OPTIONS, PUT']);
  });
});

describe('router behaviour (httprouter v1.3)', () => {
  test('unknown path 404; removed 1.0 endpoints 404', async () => {
    const s = setup();
    for (const p of [
      '/',
      '/nope',
      '/put',
      '/create_topic',
      '/config',
      '/config/',
      '/config/a/b',
      '/debug/pprof/',
    ]) {
      assertV1Error(await call(s, 'POST', p), 404, 'NOT_FOUND');
    }
  });
  test('trailing slash: 301 for GET (with HTML body), 307 for other methods; query kept', async () => {
    const s = setup();
    const get = await call(s, 'GET', '/stats/?format=json');
    assert.equal(get.status, 301);
    assert.deepEqual(get.headers, [
      ['Location', '/stats?format=json'],
      ['Content-Type', 'text/html; charset=utf-8'],
    ]);
    assert.equal(text(get), '<a href="/stats?format=json">Moved Permanently</a>.\n\n');
    const post = await call(s, 'POST', '/pub/?topic=t', 'm');
    assert.equal(post.status, 307);
    assert.deepEqual(post.headers, [['Location', '/pub?topic=t']]);
    assert.equal(text(post), '');
    assert.equal((await call(s, 'GET', '/config/log_level/')).status, 301);
    assert.equal((await call(s, 'PUT', '/config/log_level/', 'x')).status, 307);
    // the slash form of a path that only exists for another method is a 404, as httprouter
    assertV1Error(await call(s, 'GET', '/pub/'), 404, 'NOT_FOUND');
    assert.deepEqual(s.api.calls, []);
  });
  test('fixed path: cleaned and case-insensitive redirect', async () => {
    const s = setup();
    const cases: [string, string, string][] = [
      ['GET', '/PING', '/ping'],
      ['GET', '//ping', '/ping'],
      ['POST', '/Topic/Create?topic=t', '/topic/create?topic=t'],
      ['GET', '/x/../info', '/info'],
      ['GET', '/CONFIG/Log_Level', '/config/Log_Level'],
    ];
    for (const [m, target, loc] of cases) {
      const r = await call(s, m, target);
      assert.equal(r.status, m === 'GET' ? 301 : 307, target);
      assert.deepEqual(r.headers[0], ['Location', loc], target);
    }
  });
  test('OPTIONS answers Allow with an empty 200', async () => {
    const s = setup();
    const r = await call(s, 'OPTIONS', '/pub');
    assert.deepEqual(r, { status: 200, headers: [['Allow', 'OPTIONS, POST']], body: '' });
    assertV1Error(await call(s, 'OPTIONS', '/nope'), 404, 'NOT_FOUND');
  });
  test('HEAD is not routed (405 with Allow)', async () => {
    const s = setup();
    const r = await call(s, 'HEAD', '/ping');
    assertV1Error(r, 405, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(r.headers[2], ['Allow', 'GET, OPTIONS']);
  });
  test('a throwing handler is 500 INTERNAL_ERROR', async () => {
    const s = setup();
    s.api.stats = () => Promise.reject(new Error('boom'));
    assertV1Error(await call(s, 'GET', '/stats'), 500, 'INTERNAL_ERROR');
    s.api.info = () => {
      throw new Error('sync boom');
    };
    assertV1Error(await call(s, 'GET', '/info'), 500, 'INTERNAL_ERROR');
    assert.equal(s.warnings.length, 2);
  });
  test('POST /debug/freememory is an empty 200', async () => {
    const s = setup();
    assert.deepEqual(await call(s, 'POST', '/debug/freememory'), { status: 200, headers: [], body: '' });
  });
  test('percent-decoded paths route', async () => {
    const s = setup();
    assert.equal((await call(s, 'GET', '/p%69ng')).status, 200);
  });
});

describe('Go URL helpers', () => {
  test('parseQuery as url.ParseQuery', () => {
    assert.deepEqual(
      [...parseQuery('a=1&a=2&b=x+y&c=%41&&d')!],
      [
        ['a', '1'],
        ['a', '2'],
        ['b', 'x y'],
        ['c', 'A'],
        ['d', ''],
      ],
    );
    assert.equal(parseQuery('a=1;b=2'), null);
    assert.equal(parseQuery('a=%'), null);
    assert.equal(parseQuery('a=%4'), null);
    assert.deepEqual([...parseQuery('')!], []);
  });
  test('cleanPath as httprouter.CleanPath', () => {
    assert.equal(cleanPath(''), '/');
    assert.equal(cleanPath('//a//b/'), '/a/b/');
    assert.equal(cleanPath('/a/./b/..'), '/a');
    assert.equal(cleanPath('/a/.'), '/a/');
    assert.equal(cleanPath('/../..'), '/');
  });
});
