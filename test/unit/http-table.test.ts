/**
 * src/http's route-table machinery with a table of its own (no nsqd): handlers get the program's
 * context, the body plan follows bodyLimit and precheck, and V1 answers for 404, 405, 500 and RespondV1.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type HttpRequest, newRequest } from '../../src/http/request.js';
import { createRouteTable, type Route } from '../../src/http/table.js';
import { topicChannelArgs, v1Error, v1Ok, v1Text } from '../../src/http/v1.js';

interface Ctx {
  calls: string[];
}

const routes: Route<Ctx>[] = [
  {
    method: 'GET',
    path: '/hello',
    handler: (ctx, req) => {
      ctx.calls.push(req.path);
      return v1Text('hi');
    },
  },
  {
    method: 'POST',
    path: '/upload',
    handler: (_ctx, req) => v1Text(req.body),
    bodyLimit: 5,
    precheck: (_ctx, cl) => (cl > 4 ? v1Error(413, 'TOO_BIG') : null),
  },
  { method: 'GET', path: '/item/:id', handler: (_ctx, req) => v1Ok({ id: req.path.slice(6), tag: '<b>' }) },
  {
    method: 'GET',
    path: '/boom',
    handler: () => {
      throw new Error('bad');
    },
  },
];

function req(method: string, target: string, body = ''): HttpRequest {
  const [path, query = ''] = target.split('?') as [string, string?];
  return newRequest(method, path, query, Buffer.from(body), body.length, () => undefined);
}

describe('createRouteTable', () => {
  test('dispatches to the handler with the context; 404, 405 with Allow, redirects', async () => {
    const ctx: Ctx = { calls: [] };
    const table = createRouteTable(ctx, routes);
    assert.equal((await table.dispatch(req('GET', '/hello'))).body, 'hi');
    assert.deepEqual(ctx.calls, ['/hello']);
    const missing = await table.dispatch(req('GET', '/nope'));
    assert.equal(missing.status, 404);
    assert.equal(missing.body, '{"message":"NOT_FOUND"}');
    const wrong = await table.dispatch(req('POST', '/hello'));
    assert.equal(wrong.status, 405);
    assert.deepEqual(wrong.headers.at(-1), ['Allow', 'GET, OPTIONS']);
    const moved = await table.dispatch(req('GET', '/HELLO'));
    assert.equal(moved.status, 301);
    assert.deepEqual(moved.headers[0], ['Location', '/hello']);
  });

  test('the body plan: bodyLimit, the precheck on Content-Length, 0 for unknown routes', () => {
    const table = createRouteTable({ calls: [] }, routes);
    assert.deepEqual(table.plan('POST', '/upload', 3), { limit: 5, early: null });
    assert.deepEqual(table.plan('POST', '/upload', null), { limit: 5, early: null });
    const early = table.plan('POST', '/upload', 9);
    assert.equal(early.limit, 0);
    assert.equal(early.early?.status, 413);
    assert.deepEqual(table.plan('GET', '/hello', 3), { limit: 0, early: null });
    assert.deepEqual(table.plan('GET', '/nope', 3), { limit: 0, early: null });
  });

  test('a handler that throws is a logged 500 INTERNAL_ERROR', async () => {
    const logged: string[] = [];
    const table = createRouteTable({ calls: [] }, routes, {
      enabled: () => false,
      info: () => {},
      warn: () => {},
      error: (m) => logged.push(m),
    });
    const r = await table.dispatch(req('GET', '/boom'));
    assert.equal(r.status, 500);
    assert.equal(r.body, '{"message":"INTERNAL_ERROR"}');
    assert.deepEqual(logged, ['panic in HTTP handler - bad']);
  });
});

describe('V1 responses', () => {
  test("v1Ok is RespondV1: strings and bytes raw, nil empty, else Go's JSON", async () => {
    const table = createRouteTable({ calls: [] }, routes);
    const item = await table.dispatch(req('GET', '/item/7'));
    assert.equal(item.body, '{"id":"7","tag":"\\u003cb\\u003e"}');
    assert.deepEqual(item.headers, [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['X-NSQ-Content-Type', 'nsq; version=1.0'],
    ]);
    assert.equal(v1Ok('x').body, 'x');
    assert.equal(v1Ok(Buffer.from('y')).body.toString(), 'y');
    assert.deepEqual(v1Ok(null), {
      status: 200,
      headers: [['X-NSQ-Content-Type', 'nsq; version=1.0']],
      body: '',
    });
    assert.equal(v1Ok([1, 'a']).body, '[1,"a"]');
  });

  test('topicChannelArgs: the http_api texts in their order', () => {
    const message = (target: string) => {
      const r = topicChannelArgs(req('POST', target));
      return Array.isArray(r) ? r : r.body;
    };
    assert.deepEqual(message('/x?topic=t&channel=c'), ['t', 'c']);
    assert.equal(message('/x?channel=c'), '{"message":"MISSING_ARG_TOPIC"}');
    assert.equal(message('/x?topic=t!'), '{"message":"INVALID_ARG_TOPIC"}');
    assert.equal(message('/x?topic=t'), '{"message":"MISSING_ARG_CHANNEL"}');
    assert.equal(message('/x?topic=t&channel=c!'), '{"message":"INVALID_ARG_CHANNEL"}');
    assert.equal(message('/x?topic=t;'), '{"message":"INVALID_REQUEST"}');
  });
});
