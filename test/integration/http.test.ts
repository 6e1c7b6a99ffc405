/**
 * The HTTP API end to end on a real broker, once per HTTP server (uWebSockets.js when its native
 * build loads, and node:http): curl-style publishing read back by a raw TCP subscriber, topic and
 * channel admin observed by a consumer, /info, /ping, /config and the framework answers.
 */

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { HttpServerChoice } from '../../src/http/adapter.js';
import { loadUws } from '../../src/http/server.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { freshTopic, sleep, subscriber } from '../helpers/wire.js';

const uws = loadUws();
const UWS_SKIP = uws.mod === null ? `uWebSockets.js native build not loaded (${uws.reason})` : false;
const LANES: { kind: 'uws' | 'node'; workers: number; skip: string | false }[] = [
  { kind: 'node', workers: 0, skip: false },
  { kind: 'node', workers: 2, skip: false },
  { kind: 'uws', workers: 1, skip: UWS_SKIP },
  { kind: 'uws', workers: 0, skip: UWS_SKIP },
];

function mpubBinary(bodies: string[]): Buffer {
  const parts = [Buffer.alloc(4)];
  parts[0]!.writeInt32BE(bodies.length);
  for (const b of bodies) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(Buffer.byteLength(b));
    parts.push(len, Buffer.from(b));
  }
  return Buffer.concat(parts);
}

for (const lane of LANES) {
  describe(`HTTP API (--http-server=${lane.kind}, --workers=${lane.workers})`, { skip: lane.skip }, () => {
    let b: TestBroker;
    let base: string;
    before(async () => {
      b = await startBroker({
        workers: lane.workers,
        httpAddress: '127.0.0.1:0',
        httpServer: lane.kind satisfies HttpServerChoice,
        maxReqTimeout: 60_000,
      });
      base = `http://127.0.0.1:${b.broker.httpPort}`;
    });
    after(() => b.close());

    const post = (path: string, body?: string | Buffer) =>
      fetch(`${base}${path}`, { method: 'POST', ...(body === undefined ? {} : { body }) });
    const ok = async (r: Promise<Response>) => {
      const res = await r;
      assert.equal(res.status, 200, await res.clone().text());
      return res.text();
    };

    it('runs on the requested server', () => {
      assert.equal(b.broker.httpServerKind, lane.kind);
    });

    it('/ping and /info', async () => {
      const ping = await fetch(`${base}/ping`);
      assert.equal(ping.status, 200);
      assert.equal(await ping.text(), 'OK');
      assert.equal(ping.headers.get('x-nsq-content-type'), null);
      const res = await fetch(`${base}/info`);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(res.headers.get('x-nsq-content-type'), 'nsq; version=1.0');
      const info = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(info), [
        'version',
        'broadcast_address',
        'hostname',
        'http_port',
        'tcp_port',
        'start_time',
        'max_heartbeat_interval',
        'max_output_buffer_size',
        'max_output_buffer_timeout',
        'max_deflate_level',
        'topology_zone',
        'topology_region',
      ]);
      assert.equal(info.version, '1.3.0');
      assert.equal(info.tcp_port, b.port);
      assert.equal(info.http_port, b.broker.httpPort);
      assert.equal(info.max_heartbeat_interval, 60_000_000_000);
      assert.equal(info.max_output_buffer_timeout, 30_000_000_000);
      assert.equal(typeof info.hostname, 'string');
      assert.ok(Number.isInteger(info.start_time) && (info.start_time as number) > 1_600_000_000);
    });

    it('curl-style /pub is delivered to a TCP subscriber', async () => {
      const t = freshTopic('hpub');
      const s = await subscriber(b.port, t, 'ch', 10);
      assert.equal(await ok(post(`/pub?topic=${t}`, 'hello http')), 'OK');
      assert.equal((await s.message()).body.toString(), 'hello http');
      s.close();
    });

    it('/mpub text and binary are delivered in order', async () => {
      const t = freshTopic('hmpub');
      const s = await subscriber(b.port, t, 'ch', 10);
      assert.equal(await ok(post(`/mpub?topic=${t}`, 'a\nb\r\n\nc')), 'OK');
      assert.equal(await ok(post(`/mpub?topic=${t}&binary=true`, mpubBinary(['d\ne', 'f']))), 'OK');
      const got: string[] = [];
      for (let i = 0; i < 5; i++) got.push((await s.message()).body.toString());
      assert.deepEqual(got, ['a', 'b\r', 'c', 'd\ne', 'f']);
      s.close();
    });

    it('/pub?defer holds the message back', async () => {
      const t = freshTopic('hdefer');
      const s = await subscriber(b.port, t, 'ch', 10);
      const t0 = Date.now();
      assert.equal(await ok(post(`/pub?topic=${t}&defer=400`, 'later')), 'OK');
      assert.ok(await s.quiet(200));
      assert.equal((await s.message(3000)).body.toString(), 'later');
      assert.ok(Date.now() - t0 >= 350);
      const bad = await post(`/pub?topic=${t}&defer=60001`, 'x');
      assert.equal(bad.status, 400);
      assert.equal(await bad.text(), '{"message":"INVALID_DEFER"}');
      s.close();
    });

    it('size limits and framework errors over the wire', async () => {
      const big = await post('/pub?topic=x', Buffer.alloc(b.options.maxMsgSize + 1));
      assert.equal(big.status, 413);
      assert.equal(await big.text(), '{"message":"MSG_TOO_BIG"}');
      const empty = await post('/pub?topic=x', '');
      assert.equal(empty.status, 400);
      assert.equal(await empty.text(), '{"message":"MSG_EMPTY"}');
      const nf = await fetch(`${base}/nope`);
      assert.equal(nf.status, 404);
      assert.equal(await nf.text(), '{"message":"NOT_FOUND"}');
      const na = await fetch(`${base}/pub`);
      assert.equal(na.status, 405);
      assert.equal(na.headers.get('allow'), 'OPTIONS, POST');
      assert.equal(await na.text(), '{"message":"METHOD_NOT_ALLOWED"}');
      const redirect = await fetch(`${base}/stats/?format=json`, { redirect: 'manual' });
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.get('location'), '/stats?format=json');
      await redirect.text();
    });

    it('topic and channel admin, observed by a consumer', async () => {
      const t = freshTopic('hadmin');
      const missing = await post(`/channel/create?topic=${t}&channel=ch`);
      assert.equal(missing.status, 404);
      assert.equal(await missing.text(), '{"message":"TOPIC_NOT_FOUND"}');
      assert.equal(await ok(post(`/topic/create?topic=${t}`)), '');
      assert.equal(await ok(post(`/channel/create?topic=${t}&channel=ch`)), '');
      const s = await subscriber(b.port, t, 'ch', 10);

      assert.equal(await ok(post(`/channel/pause?topic=${t}&channel=ch`)), '');
      await ok(post(`/pub?topic=${t}`, 'one'));
      assert.ok(await s.quiet(300), 'a paused channel delivers nothing');
      assert.equal(await ok(post(`/channel/unpause?topic=${t}&channel=ch`)), '');
      const m = await s.message();
      assert.equal(m.body.toString(), 'one');
      s.cmd(`FIN ${m.id}`);

      await ok(post(`/topic/pause?topic=${t}`));
      await ok(post(`/pub?topic=${t}`, 'two'));
      assert.ok(await s.quiet(300), 'a paused topic feeds no channel');
      await ok(post(`/topic/empty?topic=${t}`));
      await ok(post(`/topic/unpause?topic=${t}`));
      assert.ok(await s.quiet(300), 'the emptied topic message is gone');

      await ok(post(`/channel/pause?topic=${t}&channel=ch`));
      await ok(post(`/mpub?topic=${t}`, 'x\ny\nz'));
      await sleep(100);
      await ok(post(`/channel/empty?topic=${t}&channel=ch`));
      await ok(post(`/channel/unpause?topic=${t}&channel=ch`));
      assert.ok(await s.quiet(300), 'the emptied channel delivers nothing');

      assert.equal(await ok(post(`/channel/delete?topic=${t}&channel=ch`)), '');
      await s.waitClosed();
      const gone = await post(`/channel/delete?topic=${t}&channel=ch`);
      assert.equal(gone.status, 404);
      assert.equal(await gone.text(), '{"message":"CHANNEL_NOT_FOUND"}');

      const s2 = await subscriber(b.port, t, 'ch2', 1);
      assert.equal(await ok(post(`/topic/delete?topic=${t}`)), '');
      await s2.waitClosed();
      const gone2 = await post(`/topic/delete?topic=${t}`);
      assert.equal(gone2.status, 404);
      assert.equal(await gone2.text(), '{"message":"TOPIC_NOT_FOUND"}');
    });

    it('/config/log_level GET and PUT', async () => {
      const get = await fetch(`${base}/config/log_level`);
      assert.equal(get.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(await get.text(), '4'); // the test broker logs at error
      const put = await fetch(`${base}/config/log_level`, { method: 'PUT', body: 'warn' });
      assert.equal(put.status, 200);
      assert.equal(await put.text(), '3');
      assert.equal(await (await fetch(`${base}/config/log_level`)).text(), '3');
      const bad = await fetch(`${base}/config/log_level`, { method: 'PUT', body: 'chatty' });
      assert.equal(bad.status, 400);
      assert.equal(await bad.text(), '{"message":"INVALID_VALUE"}');
      await fetch(`${base}/config/log_level`, { method: 'PUT', body: 'error' }).then((r) => r.text());
      const addrs = await fetch(`${base}/config/nsqlookupd_tcp_addresses`);
      assert.equal(await addrs.text(), '[]');
    });

    it('keeps the connection alive across requests and survives a raw client', async () => {
      const t = freshTopic('hkeep');
      for (let i = 0; i < 20; i++) await ok(post(`/pub?topic=${t}`, `m${i}`));
      // a hand-written request split across writes, answered on the same connection
      const raw = connect(b.broker.httpPort, '127.0.0.1');
      let answer = '';
      raw.on('data', (d: Buffer) => {
        answer += d.toString();
      });
      raw.write(`POST /pub?topic=${t} HTTP/1.1\r\nHost: x\r\nContent-`);
      await sleep(20);
      raw.write('Length: 2\r\n\r\nh');
      await sleep(20);
      raw.write('i');
      const s = await subscriber(b.port, t, 'ch', 100);
      const bodies = new Set<string>();
      for (let i = 0; i < 21; i++) bodies.add((await s.message()).body.toString());
      assert.ok(bodies.has('hi') && bodies.has('m19'));
      assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nOK$/);
      raw.destroy();
      s.close();
    });
  });
}
