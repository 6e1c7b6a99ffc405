/**
 * Several io threads (--io-threads): connections spread over the threads that accept them, a shard
 * answers each connection through the rings of the io thread that owns it, /stats shows every
 * thread's clients, drain mode reaches every thread, a clean shutdown loses no publish an io thread
 * answered OK, and an io thread that dies is restarted while the others serve on. (Every other
 * behaviour test also runs with several io threads: npm run test:io-threads.)
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shardIndexOf } from '../../src/nsqd/router/shard-map.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { freshTopic, sleep, subscriber, WireClient } from '../helpers/wire.js';

const IO_THREADS = 3;

/** connections (from `open`) until at least two io threads serve one; bounded */
async function spread<T extends { close(): void }>(b: TestBroker, open: () => Promise<T>): Promise<T[]> {
  const conns: T[] = [];
  for (let i = 0; i < 200; i++) {
    conns.push(await open());
    if (conns.length < 4) continue;
    const counts = await b.broker.ioThreadConnections();
    if (counts.filter((n) => n > 0).length >= 2) return conns;
  }
  for (const c of conns) c.close();
  throw new Error(`200 connections all landed on one io thread: ${await b.broker.ioThreadConnections()}`);
}

/** every consumer reads and FINs until `total` distinct bodies came; a body seen twice fails */
async function drainConsumers(consumers: WireClient[], total: number): Promise<Set<string>> {
  const seen = new Set<string>();
  const deadline = Date.now() + 10_000;
  await Promise.all(
    consumers.map(async (c) => {
      while (seen.size < total && Date.now() < deadline) {
        if (c.queued === 0) {
          await sleep(5);
          continue;
        }
        const m = await c.message();
        c.cmd(`FIN ${m.id}`);
        const body = m.body.toString();
        assert.ok(!seen.has(body), `${body} delivered twice`);
        seen.add(body);
      }
    }),
  );
  return seen;
}

async function stats(b: TestBroker): Promise<{
  topics: {
    topic_name: string;
    depth: number;
    channels: { client_count: number; clients: { client_id: string }[] }[];
  }[];
  producers: { client_id: string }[] | null;
}> {
  const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&include_clients=true`);
  return (await r.json()) as never;
}

describe(`--io-threads=${IO_THREADS}`, () => {
  it('serves connections on several threads; each consumer gets its messages exactly once', async () => {
    const b = await startBroker({ workers: 2, ioThreads: IO_THREADS });
    try {
      assert.equal(b.broker.ioThreads, IO_THREADS);
      const topic = freshTopic('io');
      let n = 0;
      const consumers = await spread(b, () => subscriber(b.port, topic, 'ch', 100, { client_id: `c${n++}` }));
      const producers = await spread(b, () => WireClient.connect(b.port));
      const total = 40 * producers.length;
      for (const [i, p] of producers.entries()) {
        p.mpub(
          topic,
          Array.from({ length: 40 }, (_, k) => `m${i}-${k}`),
        );
        assert.equal(await p.response(), 'OK');
      }
      const seen = await drainConsumers(consumers, total);
      assert.equal(seen.size, total);
      const s = await stats(b);
      const t = s.topics.find((x) => x.topic_name === topic)!;
      const ids = t.channels[0]!.clients.map((c) => c.client_id).sort();
      assert.deepEqual(ids, consumers.map((_, i) => `c${i}`).sort(), 'every thread’s consumers in /stats');
      assert.equal(s.producers?.length, producers.length, 'every thread’s producers in /stats');
      for (const c of [...consumers, ...producers]) c.close();
    } finally {
      await b.close();
    }
  });

  it('a clean shutdown keeps every publish an io thread answered OK', async () => {
    const b = await startBroker({ workers: 2, ioThreads: IO_THREADS });
    const topic = freshTopic('io-stop');
    let sent = 0;
    try {
      const producers = await spread(b, () => WireClient.connect(b.port));
      for (const p of producers) {
        for (let k = 0; k < 5; k++)
          p.mpub(
            topic,
            Array.from({ length: 200 }, () => 'x'.repeat(100)),
          );
        for (let k = 0; k < 5; k++) assert.equal(await p.response(), 'OK');
        sent += 1000;
      }
    } finally {
      await b.broker.close();
    }
    const again = await startBroker({ workers: 2, ioThreads: IO_THREADS, dataPath: b.dataPath });
    try {
      const t = (await stats(again)).topics.find((x) => x.topic_name === topic);
      assert.equal(t?.depth, sent);
    } finally {
      await again.close();
      await b.close();
    }
  });

  it('drain mode refuses publishes on every io thread', async () => {
    const b = await startBroker({ workers: 2, ioThreads: IO_THREADS, drainTimeout: 60_000 });
    try {
      const producers = await spread(b, () => WireClient.connect(b.port));
      const topic = freshTopic('io-drain');
      // something left, so the drain does not end the broker under the test
      const keep = await WireClient.connect(b.port);
      keep.pub(topic, 'left');
      assert.equal(await keep.response(), 'OK');
      b.broker.startDrain('test');
      for (const p of producers) {
        p.pub(topic, 'refused');
        assert.equal(await p.error(), 'E_PUB_FAILED PUB failed nsqd is draining');
      }
      keep.close();
      for (const p of producers) p.close();
    } finally {
      await b.close();
    }
  });

  it('a crashed io thread is restarted; the others serve on and its consumers are forgotten', async () => {
    const b = await startBroker({ workers: 2, ioThreads: IO_THREADS, msgTimeout: 60_000 });
    try {
      const topic = freshTopic('io-crash');
      const consumers = await spread(b, () => subscriber(b.port, topic, 'ch', 10));
      const counts = await b.broker.ioThreadConnections();
      const victim = counts.findIndex((n, i) => i > 0 && n > 0);
      assert.ok(victim > 0, `a consumer on an io thread other than the main one: ${counts}`);
      b.broker.crashIoThread(victim);
      await b.waitForLog(new RegExp(`io thread ${victim} failed`));
      // its clients see their connections end; the others stay
      const deadline = Date.now() + 5000;
      while (consumers.filter((c) => c.closed).length < counts[victim]! && Date.now() < deadline)
        await sleep(10);
      const alive = consumers.filter((c) => !c.closed);
      assert.equal(consumers.length - alive.length, counts[victim]);
      assert.ok(alive.length > 0);
      // the shards forget the dead thread's consumers (asked as the thread is found dead)
      const forgotten = Date.now() + 5000;
      for (;;) {
        const t = (await stats(b)).topics.find((x) => x.topic_name === topic)!;
        if (t.channels[0]!.client_count === alive.length) break;
        assert.ok(Date.now() < forgotten, 'the dead io thread’s consumers leave /stats');
        await sleep(10);
      }
      // from then on no message goes to a consumer of the dead thread: every one reaches a live consumer
      const p = await WireClient.connect(b.port);
      p.mpub(
        topic,
        Array.from({ length: 30 }, (_, i) => `after-${i}`),
      );
      assert.equal(await p.response(), 'OK');
      assert.equal((await drainConsumers(alive, 30)).size, 30);
      // the restarted thread accepts again
      const more: WireClient[] = [];
      while ((await b.broker.ioThreadConnections())[victim] === 0) {
        assert.ok(more.length < 200, 'the restarted io thread accepts');
        more.push(await WireClient.connect(b.port));
        await sleep(5);
      }
      for (const c of [...alive, ...more, p]) c.close();
    } finally {
      await b.close();
    }
  });

  it('with node:http every io thread serves the HTTP API and WebSocket on the one port', async () => {
    const b = await startBroker({
      workers: 2,
      ioThreads: IO_THREADS,
      httpServer: 'node',
      websocketPath: '/ws',
    });
    try {
      const base = `http://127.0.0.1:${b.broker.httpPort}`;
      // WebSocket clients are connections of the thread that accepted them: they spread too
      const url = `ws://127.0.0.1:${b.broker.httpPort}/ws`;
      const ws = await spread(b, async () => (await WireClient.connectWs(url)).c);
      const topic = freshTopic('io-http');
      for (const c of ws) {
        c.pub(topic, 'ws');
        assert.equal(await c.response(), 'OK');
      }
      // a fresh connection per request: each lands on whichever thread accepts it
      const req = async (method: string, path: string, body?: string): Promise<[number, string]> => {
        const r = await fetch(`${base}${path}`, {
          method,
          ...(body === undefined ? {} : { body }),
          headers: { connection: 'close' },
        });
        return [r.status, await r.text()];
      };
      for (let i = 0; i < 30; i++) {
        assert.deepEqual(await req('POST', `/pub?topic=${topic}`, `h${i}`), [200, 'OK']);
        // the topic a publish just made is there for the control plane, whichever thread asks
        assert.deepEqual(await req('POST', `/channel/create?topic=${topic}&channel=c${i}`), [200, '']);
      }
      const s = JSON.parse((await req('GET', '/stats?format=json'))[1]) as {
        topics: { topic_name: string; message_count: number; channels: unknown[] }[];
      };
      const t = s.topics.find((x) => x.topic_name === topic)!;
      assert.equal(t.message_count, ws.length + 30);
      assert.equal(t.channels.length, 30);
      // a setting changed through any thread is what every thread reports
      const addrs = ['127.0.0.1:1', '127.0.0.1:2'];
      assert.equal((await req('PUT', '/config/nsqlookupd_tcp_addresses', JSON.stringify(addrs)))[0], 200);
      for (let i = 0; i < 10; i++) {
        assert.deepEqual(JSON.parse((await req('GET', '/config/nsqlookupd_tcp_addresses'))[1]), addrs);
      }
      assert.equal((await req('PUT', '/config/nsqlookupd_tcp_addresses', '[]'))[0], 200);
      for (const c of ws) c.close();
    } finally {
      await b.close();
    }
  });

  it('a crashed shard closes the connections that depended on it, on every io thread', async () => {
    const b = await startBroker({ workers: 2, ioThreads: IO_THREADS });
    try {
      let onZero = freshTopic('io-shard');
      while (shardIndexOf(onZero, 2) !== 0) onZero = freshTopic('io-shard');
      const victims = await spread(b, () => subscriber(b.port, onZero, 'c', 1));
      b.broker.crashShard(0);
      for (const v of victims) await v.waitClosed(5000);
      const again = await subscriber(b.port, onZero, 'c', 1);
      const p = await WireClient.connect(b.port);
      p.pub(onZero, 'back');
      assert.equal(await p.response(), 'OK');
      assert.equal((await again.message()).body.toString(), 'back');
      p.close();
      again.close();
    } finally {
      await b.close();
    }
  });
});
