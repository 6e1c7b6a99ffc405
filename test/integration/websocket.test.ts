/**
 * nsqd's V2 protocol over WebSocket (--websocket-path, nsqio/nsq #450) from the `ws` package's
 * client, on both HTTP servers (node:http with `ws`, and uWebSockets.js where its native build
 * loads): publish and consume with the TCP protocol's answers, TCP and WebSocket clients on the same
 * topic, AUTH as on TCP, heartbeats, Go's error text for an oversized message, a message over the WebSocket payload
 * bound and a text message closing the connection, a consumer that stops reading held to its RDY
 * and cut off by the deadlines, and the path answering 404 when the flag is off.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { loadUws } from '../../src/http/server.js';
import { ALLOW_ALL, TestAuthServer } from '../helpers/auth-server.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

const uwsMissing = loadUws().mod === null;

/** resolves with the close code the client saw (rejects after timeoutMs) */
function closeCode(ws: WebSocket, timeoutMs = 5000): Promise<number> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.reject(new Error('already closed'));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no close within ${timeoutMs} ms`)), timeoutMs);
    ws.once('close', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

/** polls `probe` every 50 ms until it gives something other than undefined */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stats(b: TestBroker, topic: string) {
  const res = await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${topic}`);
  return (await res.json()) as {
    topics: {
      channels: { channel_name: string; depth: number; in_flight_count: number; client_count: number }[];
    }[];
  };
}

for (const httpServer of ['node', 'uws'] as const) {
  describe(`WebSocket on --http-server=${httpServer}`, { skip: httpServer === 'uws' && uwsMissing }, () => {
    let b: TestBroker;
    let url: string;
    before(async () => {
      b = await startBroker({
        workers: 1,
        httpServer,
        websocketPath: '/ws',
        maxMsgSize: 1024,
        maxBodySize: 4096,
      });
      assert.equal(b.broker.httpServerKind, httpServer);
      url = `ws://127.0.0.1:${b.broker.httpPort}/ws`;
    });
    after(() => b.close());

    it('publishes and consumes with the TCP answers, beside TCP clients', async () => {
      const topic = freshTopic('ws');
      const { c: sub } = await WireClient.connectWs(url);
      sub.identify({ heartbeat_interval: 1000, feature_negotiation: true, user_agent: 'ws-test' });
      const id = JSON.parse(await sub.response()) as { max_rdy_count: number; max_msg_timeout: number };
      assert.equal(id.max_rdy_count, 2500);
      sub.cmd(`SUB ${topic} wsch`);
      assert.equal(await sub.response(), 'OK');
      const tcpSub = await subscriber(b.port, topic, 'tcpch', 10);

      const { c: pub } = await WireClient.connectWs(url);
      pub.pub(topic, 'one');
      assert.equal(await pub.response(), 'OK');
      pub.mpub(topic, ['two', 'three']);
      assert.equal(await pub.response(), 'OK');
      pub.cmd(`DPUB ${topic} 50`, 'four');
      assert.equal(await pub.response(), 'OK');
      const tcpPub = await WireClient.connect(b.port);
      tcpPub.pub(topic, 'five');
      assert.equal(await tcpPub.response(), 'OK');

      sub.cmd('RDY 10');
      const got: string[] = [];
      for (let i = 0; i < 5; i++) {
        const m = await sub.message();
        assert.equal(m.attempts, 1);
        got.push(m.body.toString());
        sub.cmd(`FIN ${m.id}`);
      }
      assert.deepEqual(got.sort(), ['five', 'four', 'one', 'three', 'two']);
      const tcpGot: string[] = [];
      for (let i = 0; i < 5; i++) tcpGot.push((await tcpSub.message()).body.toString());
      assert.deepEqual(tcpGot.sort(), got);

      // /stats counts the WebSocket clients like TCP ones
      const ch = (await stats(b, topic)).topics[0]!.channels.find((c) => c.channel_name === 'wsch')!;
      assert.equal(ch.client_count, 1);
      // CLS as on TCP
      sub.cmd('CLS');
      assert.equal(await sub.response(), 'CLOSE_WAIT');
      for (const c of [sub, pub, tcpPub, tcpSub]) c.close();
    });

    it('IDENTIFY over a WebSocket answers snappy and deflate as not enabled, and the stream stays plain', async () => {
      const topic = freshTopic('wsid');
      const { c } = await WireClient.connectWs(url);
      c.identify({ snappy: true, feature_negotiation: true });
      const id = JSON.parse(await c.response()) as { snappy: boolean; deflate: boolean; tls_v1: boolean };
      assert.deepEqual([id.snappy, id.deflate, id.tls_v1], [false, false, false]);
      c.pub(topic, 'plain');
      assert.equal(await c.response(), 'OK');
      c.close();
    });

    it('commands split across messages and packed into one are read as one byte stream', async () => {
      const topic = freshTopic('wsb');
      const { c, ws } = await WireClient.connectWs(url, { magic: false });
      const bytes = Buffer.concat([
        Buffer.from('  V2'),
        Buffer.from(`PUB ${topic}\n`),
        Buffer.from([0, 0, 0, 3]),
        Buffer.from('abc'),
        Buffer.from(`PUB ${topic}\n`),
        Buffer.from([0, 0, 0, 2]),
        Buffer.from('de'),
      ]);
      ws.send(bytes.subarray(0, 3));
      ws.send(bytes.subarray(3, 20));
      ws.send(bytes.subarray(20));
      assert.equal(await c.response(), 'OK');
      assert.equal(await c.response(), 'OK');
      c.close();
    });

    it('heartbeats: sent at the IDENTIFY interval, and a client that does not answer is closed', async () => {
      const { c } = await WireClient.connectWs(url);
      c.identify({ heartbeat_interval: 1000 });
      assert.equal(await c.response(), 'OK');
      c.autoNop = false;
      const t0 = performance.now();
      await c.waitClosed(5000);
      assert.ok(c.heartbeats >= 1, 'got a heartbeat');
      assert.ok(performance.now() - t0 >= 1500, 'closed at the read deadline (2 x interval)');
    });

    it("an oversized message gets nsqd's E_BAD_MESSAGE text, then the close", async () => {
      const { c } = await WireClient.connectWs(url);
      c.pub(freshTopic('big'), Buffer.alloc(1025, 120));
      assert.equal(await c.error(), 'E_BAD_MESSAGE PUB message too big 1025 > 1024');
      await c.waitClosed();
      const { c: m } = await WireClient.connectWs(url);
      m.mpub(freshTopic('big'), [Buffer.alloc(1025, 120)]);
      assert.equal(await m.error(), 'E_BAD_MESSAGE MPUB message too big 1025 > 1024');
      await m.waitClosed();
    });

    it('a message over the WebSocket payload bound (line + MPUB body) closes the connection', async () => {
      const { ws } = await WireClient.connectWs(url);
      const closed = closeCode(ws);
      ws.send(Buffer.alloc(16 * 1024 + 4 + 4096 + 1, 32));
      assert.ok([1006, 1009].includes(await closed));
    });

    it('a text message closes with 1003', async () => {
      const { ws } = await WireClient.connectWs(url);
      const closed = closeCode(ws);
      ws.send('PUB t\n');
      assert.equal(await closed, 1003);
    });

    it('a consumer that stops reading gets no more than its RDY, and is cut off at the deadlines', async () => {
      // its own broker: 200 in flight of 64 KiB (13 MB) are more than the kernel buffers hold
      const big = await startBroker({ workers: 1, httpServer, websocketPath: '/ws', maxMsgSize: 65536 });
      try {
        const topic = freshTopic('slow');
        const producer = await WireClient.connect(big.port);
        const body = Buffer.alloc(65536, 97);
        for (let i = 0; i < 60; i++) {
          producer.mpub(
            topic,
            Array.from({ length: 5 }, () => body),
          );
          assert.equal(await producer.response(), 'OK');
        }
        const { c, ws } = await WireClient.connectWs(`ws://127.0.0.1:${big.broker.httpPort}/ws`);
        c.identify({ heartbeat_interval: 1000, msg_timeout: 60_000 });
        assert.equal(await c.response(), 'OK');
        c.cmd(`SUB ${topic} ch`);
        assert.equal(await c.response(), 'OK');
        // stop reading: the stream fills, then ws pauses the socket, then the kernel buffers fill
        c.socket.pause();
        c.cmd('RDY 200');
        const channel = async () => (await stats(big, topic)).topics[0]!.channels[0]!;
        const held = await eventually(async () =>
          (await channel()).in_flight_count === 200 ? true : undefined,
        );
        assert.ok(held);
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(
          [(await channel()).in_flight_count, (await channel()).depth],
          [200, 100],
          'held to RDY',
        );
        // no NOP for the heartbeats, no byte read: the deadlines end it (server side), as on TCP
        await eventually(async () => ((await channel()).client_count === 0 ? true : undefined), 8000);
        // what reached the client before the close is at most its RDY
        const closed = closeCode(ws, 10_000);
        c.socket.resume();
        await closed;
        let delivered = 0;
        while (c.queued > 0) if ((await c.frame()).type === 2) delivered++;
        assert.ok(delivered <= 200, `${delivered} delivered`);
        producer.close();
      } finally {
        await big.close();
      }
    });

    it('plain HTTP on the same port is unchanged', async () => {
      const res = await fetch(`http://127.0.0.1:${b.broker.httpPort}/ping`);
      assert.equal(await res.text(), 'OK');
    });
  });

  describe(
    `AUTH over WebSocket on --http-server=${httpServer}`,
    { skip: httpServer === 'uws' && uwsMissing },
    () => {
      let srv: TestAuthServer;
      let b: TestBroker;
      before(async () => {
        srv = await TestAuthServer.start();
        srv.reply = () => ALLOW_ALL;
        b = await startBroker({
          workers: 0,
          httpServer,
          websocketPath: '/ws',
          authHttpAddresses: [srv.address],
        });
      });
      after(async () => {
        await b.close();
        await srv.close();
      });
      it('is required and checked as on TCP', async () => {
        const url = `ws://127.0.0.1:${b.broker.httpPort}/ws`;
        const { c: early } = await WireClient.connectWs(url);
        early.pub('t', 'x');
        assert.equal(await early.error(), 'E_AUTH_FIRST AUTH required before PUB');
        await early.waitClosed();
        const { c } = await WireClient.connectWs(url);
        c.cmd('AUTH', 'sekrit');
        assert.match(await c.response(), /^\{"identity"/);
        c.pub(freshTopic('wsauth'), 'x');
        assert.equal(await c.response(), 'OK');
        assert.equal(srv.requests.length, 1);
        assert.deepEqual(
          [srv.requests[0]!.values.secret, srv.requests[0]!.values.remote_ip],
          ['sekrit', '127.0.0.1'],
        );
        c.close();
      });
    },
  );

  describe(
    `WebSocket off (the default) on --http-server=${httpServer}`,
    { skip: httpServer === 'uws' && uwsMissing },
    () => {
      let b: TestBroker;
      before(async () => {
        b = await startBroker({ workers: 0, httpServer });
      });
      after(() => b.close());
      it('the upgrade is answered 404', async () => {
        await assert.rejects(
          WireClient.connectWs(`ws://127.0.0.1:${b.broker.httpPort}/ws`),
          /upgrade refused: 404/,
        );
      });
    },
  );
}
