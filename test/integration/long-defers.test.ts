/**
 * Longer defers over real sockets (beyond nsqd 1.3.0): --max-defer-timeout bounds DPUB and /pub,
 * /mpub ?defer= (falling back to --max-req-timeout, as upstream PR #1504); with --persist-deferred,
 * deferred messages past --mem-queue-size wait on disk, and across a clean restart every deferred
 * message is delivered when due, not early. Without it a restart delivers them at once, as Go nsqd.
 */

import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBroker, type TestBroker, tempDataPath } from '../helpers/broker.js';
import { freshTopic, sleep, subscriber, WireClient } from '../helpers/wire.js';

interface Json {
  [k: string]: unknown;
}

async function channelStats(b: TestBroker, topic: string): Promise<Json> {
  const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${topic}`);
  return (((await r.json()) as Json).topics as Json[])[0]!.channels as unknown as Json;
}

describe('--max-defer-timeout', () => {
  let b: TestBroker;
  let fallback: TestBroker;
  let base: string;
  before(async () => {
    b = await startBroker({ workers: 1, maxDeferTimeout: 7 * 24 * 3600_000 });
    fallback = await startBroker({ workers: 0, maxReqTimeout: 60_000 });
    base = `http://127.0.0.1:${b.broker.httpPort}`;
  });
  after(async () => {
    await b.close();
    await fallback.close();
  });

  it('DPUB takes a week; past it is E_INVALID naming the limit', async () => {
    const t = freshTopic('defer');
    const c = await WireClient.connect(b.port);
    c.cmd(`DPUB ${t} ${7 * 24 * 3600_000}`, 'week');
    assert.equal(await c.response(), 'OK');
    c.cmd(`DPUB ${t} ${7 * 24 * 3600_000 + 1}`, 'more');
    assert.equal(await c.error(), `E_INVALID DPUB timeout ${7 * 24 * 3600_000 + 1} out of range 0-604800000`);
    c.close();
  });

  it('unset, it is --max-req-timeout, as before', async () => {
    const c = await WireClient.connect(fallback.port);
    c.cmd(`DPUB ${freshTopic('defer')} 60001`, 'x');
    assert.equal(await c.error(), 'E_INVALID DPUB timeout 60001 out of range 0-60000');
    c.close();
  });

  it('/pub?defer= and /mpub?defer= take it; /mpub defers every message', async () => {
    const t = freshTopic('defer');
    const week = 7 * 24 * 3600_000;
    const pub = await fetch(`${base}/pub?topic=${t}&defer=${week}`, { method: 'POST', body: 'p' });
    assert.equal(pub.status, 200);
    const tooLong = await fetch(`${base}/mpub?topic=${t}&defer=${week + 1}`, {
      method: 'POST',
      body: 'a\nb',
    });
    assert.equal(tooLong.status, 400);
    assert.deepEqual(await tooLong.json(), { message: 'INVALID_DEFER' });
    const c = await subscriber(b.port, t, 'ch', 10);
    const mpub = await fetch(`${base}/mpub?topic=${t}&defer=300`, { method: 'POST', body: 'a\nb\nc' });
    assert.equal(mpub.status, 200);
    // the publish was answered from the io thread: the shard may take it a moment later
    let deferred = 0;
    for (let i = 0; i < 50 && deferred !== 4; i++, await sleep(5))
      deferred = ((await channelStats(b, t)) as unknown as Json[])[0]!.deferred_count as number;
    assert.equal(deferred, 4);
    assert.ok(await c.quiet(150), 'nothing before the defer ends');
    const got = [await c.message(), await c.message(), await c.message()].map((m) => m.body.toString());
    assert.deepEqual(got.sort(), ['a', 'b', 'c']);
    c.close();
  });
});

/** DPUB `n` messages due in `ms`, and REQ one more for `ms` */
async function deferSome(b: TestBroker, t: string, n: number, ms: number): Promise<void> {
  const p = await WireClient.connect(b.port);
  for (let i = 0; i < n; i++) p.cmd(`DPUB ${t} ${ms}`, `d${i}`);
  for (let i = 0; i < n; i++) assert.equal(await p.response(), 'OK');
  p.pub(t, 'r');
  assert.equal(await p.response(), 'OK');
  const c = await subscriber(b.port, t, 'ch', 1);
  const m = await c.message();
  assert.equal(m.body.toString(), 'r');
  c.cmd(`REQ ${m.id} ${ms}`);
  await sleep(30);
  c.close();
  p.close();
}

for (const workers of [0, 2]) {
  describe(`deferred messages across a restart (--workers=${workers})`, () => {
    const DUE_MS = 2500;

    it('--persist-deferred: past --mem-queue-size they wait on disk; a restart delivers them when due', async () => {
      const dataPath = tempDataPath();
      const t = freshTopic('defer');
      const opts = { workers, dataPath, persistDeferred: true, memQueueSize: 2 };
      try {
        let b = await startBroker(opts);
        const t0 = Date.now();
        await deferSome(b, t, 5, DUE_MS);
        const before = ((await channelStats(b, t)) as unknown as Json[])[0]!;
        assert.equal(before.deferred_count, 6, 'two in memory, four in the store');
        await b.close();
        const stored = readdirSync(join(dataPath, `${t}:ch.deferred`));
        assert.ok(stored.length >= 1 && stored.every((f) => /^\d+\.dat$/.test(f)), stored.join());
        b = await startBroker(opts);
        const after = ((await channelStats(b, t)) as unknown as Json[])[0]!;
        assert.equal(after.deferred_count, 6, 'all six still deferred after the restart');
        assert.equal(after.depth, 0);
        const c = await subscriber(b.port, t, 'ch', 10);
        const early = DUE_MS - (Date.now() - t0) - 200;
        if (early > 0) assert.ok(await c.quiet(early), 'nothing before they are due');
        const got: string[] = [];
        for (let i = 0; i < 6; i++) got.push((await c.message(DUE_MS + 2000)).body.toString());
        assert.ok(Date.now() - t0 >= DUE_MS - 20, `delivered after ${Date.now() - t0} ms`);
        assert.deepEqual(got.sort(), ['d0', 'd1', 'd2', 'd3', 'd4', 'r']);
        c.close();
        await b.close();
      } finally {
        rmSync(dataPath, { recursive: true, force: true });
      }
    });

    it('without it (nsqd): a restart delivers deferred messages at once', async () => {
      const dataPath = tempDataPath();
      const t = freshTopic('defer');
      try {
        let b = await startBroker({ workers, dataPath });
        await deferSome(b, t, 2, 60_000);
        await b.close();
        b = await startBroker({ workers, dataPath });
        const c = await subscriber(b.port, t, 'ch', 10);
        const got = [await c.message(), await c.message(), await c.message()].map((m) => m.body.toString());
        assert.deepEqual(got.sort(), ['d0', 'd1', 'r']);
        c.close();
        await b.close();
      } finally {
        rmSync(dataPath, { recursive: true, force: true });
      }
    });
  });
}
