/**
 * The broker end to end as `node --no-addons` runs it (npm run test:no-addons runs this file and
 * cli.test.ts that way; the main lane runs it too): --http-server=auto picks node:http exactly when
 * uWebSockets.js cannot load, and a broker with worker shards starts, takes TCP and HTTP publishes,
 * delivers them, reports them in /stats and closes; snappy (its JavaScript block codec exactly when
 * the native binding cannot load) and deflate connections publish and consume; several io threads
 * (their copies of the listening sockets come from a child process, which runs --no-addons too)
 * accept and serve TCP and node:http.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadUws } from '../../src/http/server.js';
import { decodeMessage, encodeCommand } from '../../src/wire/encode.js';
import { loadedSnappyBlockCodec } from '../../src/wire/snappy-block.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { deflateClient, OK_BYTES, snappyClient } from '../helpers/compressed.js';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

const addonsOff = process.execArgv.includes('--no-addons');

describe(`the broker ${addonsOff ? 'under node --no-addons' : 'with addons allowed'}`, () => {
  let b: TestBroker;
  before(async () => {
    b = await startBroker({ workers: 1, httpServer: 'auto' });
  });
  after(() => b.close());

  it('--http-server=auto picks node:http exactly when uWebSockets.js cannot load', () => {
    const uws = loadUws();
    if (addonsOff) assert.equal(uws.mod, null, 'no native addon loads under --no-addons');
    assert.equal(b.broker.httpServerKind, uws.mod === null ? 'node' : 'uws', uws.reason);
  });

  it('publishes over TCP and HTTP, delivers both, and counts them in /stats', async () => {
    const t = freshTopic('noaddons');
    const s = await subscriber(b.port, t, 'ch', 10);
    const p = await WireClient.connect(b.port);
    p.pub(t, 'over tcp');
    assert.equal(await p.response(), 'OK');
    const base = `http://127.0.0.1:${b.broker.httpPort}`;
    const res = await fetch(`${base}/pub?topic=${t}`, { method: 'POST', body: 'over http' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'OK');
    const got = [(await s.message()).body.toString(), (await s.message()).body.toString()];
    assert.deepEqual(got.sort(), ['over http', 'over tcp']);
    const stats = (await (await fetch(`${base}/stats?format=json&topic=${t}`)).json()) as {
      topics: { topic_name: string; message_count: number }[];
    };
    assert.deepEqual(
      stats.topics.map((x) => [x.topic_name, x.message_count]),
      [[t, 2]],
    );
    p.close();
    s.close();
  });

  it('snappy (JavaScript codec exactly under --no-addons) and deflate connections publish and consume', async () => {
    assert.equal(loadedSnappyBlockCodec()?.kind, addonsOff ? 'js' : 'native');
    for (const connect of [snappyClient, deflateClient]) {
      const t = freshTopic('noaddonsz');
      const p = await connect(b.port);
      assert.deepEqual(await p.q.read(10), OK_BYTES);
      p.send(encodeCommand(`PUB ${t}`, Buffer.alloc(5000, 'c')));
      assert.deepEqual(await p.q.read(10), OK_BYTES);
      const s = await connect(b.port);
      assert.deepEqual(await s.q.read(10), OK_BYTES);
      s.send(Buffer.from(`SUB ${t} ch\nRDY 1\n`));
      assert.deepEqual(await s.q.read(10), OK_BYTES);
      const f = await s.q.frame();
      assert.equal(f.type, 2);
      assert.deepEqual(decodeMessage(f.data).body, Buffer.alloc(5000, 'c'));
      p.socket.destroy();
      s.socket.destroy();
    }
  });
});

describe(`several io threads ${addonsOff ? 'under node --no-addons' : 'with addons allowed'}`, () => {
  it('copies the listening sockets, spreads connections and serves TCP and node:http on each thread', async () => {
    const b = await startBroker({ workers: 1, ioThreads: 2, httpServer: 'node' });
    try {
      const t = freshTopic('noaddonsio');
      const conns: WireClient[] = [];
      while ((await b.broker.ioThreadConnections()).some((n) => n === 0)) {
        assert.ok(conns.length < 200, 'both io threads accept');
        conns.push(await WireClient.connect(b.port));
      }
      for (const c of conns) {
        c.pub(t, 'x');
        assert.equal(await c.response(), 'OK');
      }
      const base = `http://127.0.0.1:${b.broker.httpPort}`;
      for (let i = 0; i < 10; i++) {
        const r = await fetch(`${base}/pub?topic=${t}`, {
          method: 'POST',
          body: 'y',
          headers: { connection: 'close' },
        });
        assert.equal(await r.text(), 'OK');
      }
      const stats = (await (await fetch(`${base}/stats?format=json&topic=${t}`)).json()) as {
        topics: { message_count: number }[];
      };
      assert.equal(stats.topics[0]?.message_count, conns.length + 10);
      for (const c of conns) c.close();
    } finally {
      await b.close();
    }
  });
});
