/**
 * Message TTL and bounded queues over real sockets (beyond nsqd: --message-ttl, --max-depth,
 * --max-depth-policy, POST /topic/config and /channel/config): expired messages are dropped at
 * delivery and counted; drop-oldest keeps the newest; reject-new refuses the publish with
 * E_PUB_FAILED over TCP and 503 MAX_DEPTH over HTTP — for each shard setting (workers pre-ack
 * publishes, so a reject-new policy must turn that off). The settings survive a restart in nsqd.dat.
 */

import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBroker, type TestBroker, tempDataPath } from '../helpers/broker.js';
import { freshTopic, sleep, subscriber, WireClient } from '../helpers/wire.js';

interface Json {
  [k: string]: unknown;
}

async function topicStats(b: TestBroker, topic: string): Promise<Json> {
  const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${topic}`);
  return (((await r.json()) as Json).topics as Json[])[0]!;
}

const channelOf = (t: Json): Json => (t.channels as Json[])[0]!;

function post(b: TestBroker, path: string, body?: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${b.broker.httpPort}${path}`, {
    method: 'POST',
    ...(body === undefined ? {} : { body }),
  });
}

async function pubAll(b: TestBroker, t: string, bodies: string[]): Promise<void> {
  const p = await WireClient.connect(b.port);
  for (const x of bodies) p.pub(t, x);
  for (const _ of bodies) assert.equal(await p.response(), 'OK');
  p.close();
}

/** a fresh consumer gets exactly `want` (in order), and then nothing */
async function expectDelivered(b: TestBroker, t: string, want: string[]): Promise<void> {
  const c = await subscriber(b.port, t, 'ch', 10);
  const got: string[] = [];
  for (const _ of want) {
    const m = await c.message();
    got.push(m.body.toString());
    c.cmd(`FIN ${m.id}`);
  }
  assert.deepEqual(got, want);
  assert.ok(await c.quiet(150), 'nothing more');
  c.close();
}

for (const workers of [0, 2]) {
  describe(`TTL and max depth (--workers=${workers})`, () => {
    let b: TestBroker;
    before(async () => {
      b = await startBroker({ workers });
    });
    after(() => b.close());

    it('a channel TTL drops what waited too long, at delivery, and counts it', async () => {
      const t = freshTopic('ttl');
      assert.equal((await post(b, `/topic/create?topic=${t}`)).status, 200);
      assert.equal((await post(b, `/channel/create?topic=${t}&channel=ch`)).status, 200);
      const r = await post(b, `/channel/config?topic=${t}&channel=ch&ttl=150ms`);
      assert.equal(((await r.json()) as { effective: Json }).effective.ttl_ms, 150);
      await pubAll(b, t, ['old1', 'old2', 'old3']);
      await sleep(250);
      await pubAll(b, t, ['fresh']);
      await expectDelivered(b, t, ['fresh']);
      const ch = channelOf(await topicStats(b, t));
      assert.equal(ch.expired_count, 3);
      assert.equal(ch.message_count, 4);
    });

    it('a topic TTL applies to what waits at the topic, and to its channels', async () => {
      const t = freshTopic('ttl');
      assert.equal((await post(b, `/topic/create?topic=${t}`)).status, 200);
      assert.equal((await post(b, `/topic/config?topic=${t}&ttl=150`)).status, 200);
      await pubAll(b, t, ['old']); // no channel yet: it waits at the topic
      await sleep(250);
      await pubAll(b, t, ['fresh']);
      await expectDelivered(b, t, ['fresh']);
      assert.equal((await topicStats(b, t)).expired_count, 1);
    });

    it('max depth, drop-oldest: the channel keeps the newest', async () => {
      const t = freshTopic('depth');
      assert.equal((await post(b, `/topic/create?topic=${t}`)).status, 200);
      assert.equal((await post(b, `/channel/create?topic=${t}&channel=ch`)).status, 200);
      assert.equal((await post(b, `/channel/config?topic=${t}&channel=ch&max_depth=3`)).status, 200);
      await pubAll(b, t, ['m0', 'm1', 'm2', 'm3', 'm4']);
      // pre-acked publishes (workers) may reach the shard a moment after their OK
      let ch = channelOf(await topicStats(b, t));
      for (let i = 0; i < 50 && ch.dropped_count !== 2; i++, await sleep(5))
        ch = channelOf(await topicStats(b, t));
      assert.equal(ch.depth, 3);
      assert.equal(ch.dropped_count, 2);
      await expectDelivered(b, t, ['m2', 'm3', 'm4']);
    });

    it('max depth, reject-new: E_PUB_FAILED / E_MPUB_FAILED over TCP, 503 MAX_DEPTH over HTTP', async () => {
      const t = freshTopic('depth');
      assert.equal((await post(b, `/topic/create?topic=${t}`)).status, 200);
      assert.equal((await post(b, `/channel/create?topic=${t}&channel=ch`)).status, 200);
      const r = await post(
        b,
        `/channel/config?topic=${t}&channel=ch&max_depth=2&max_depth_policy=reject-new`,
      );
      assert.equal(r.status, 200);
      const p = await WireClient.connect(b.port);
      p.pub(t, 'a');
      assert.equal(await p.response(), 'OK');
      p.mpub(t, ['b', 'c']);
      assert.equal(await p.error(), 'E_MPUB_FAILED MPUB failed channel ch max-depth reached (2)');
      p.pub(t, 'b');
      assert.equal(await p.response(), 'OK');
      p.pub(t, 'c');
      assert.equal(await p.error(), 'E_PUB_FAILED PUB failed channel ch max-depth reached (2)');
      p.pub(t, 'd');
      assert.equal(await p.error(), 'E_PUB_FAILED PUB failed channel ch max-depth reached (2)');
      const http = await post(b, `/pub?topic=${t}`, 'e');
      assert.equal(http.status, 503);
      assert.deepEqual(await http.json(), { message: 'MAX_DEPTH' });
      const ch = channelOf(await topicStats(b, t));
      assert.equal(ch.depth, 2);
      assert.equal(ch.rejected_count, 5);
      await expectDelivered(b, t, ['a', 'b']);
      p.pub(t, 'f'); // room again
      assert.equal(await p.response(), 'OK');
      p.close();
    });
  });
}

describe('queue settings across a restart', () => {
  const dataPath = tempDataPath();
  after(() => rmSync(dataPath, { recursive: true, force: true }));

  it('are kept in nsqd.dat as extra fields, and loaded again', async () => {
    const t = freshTopic('keep');
    let b = await startBroker({ workers: 2, dataPath, maxDepth: 100, maxDepthPolicy: 'reject-new' });
    assert.equal((await post(b, `/topic/create?topic=${t}`)).status, 200);
    assert.equal((await post(b, `/channel/create?topic=${t}&channel=ch`)).status, 200);
    assert.equal((await post(b, `/topic/config?topic=${t}&ttl=90s`)).status, 200);
    const set = `/channel/config?topic=${t}&channel=ch&max_attempts=4&max_depth=1&max_depth_policy=drop-oldest`;
    assert.equal((await post(b, set)).status, 200);
    const dat = JSON.parse(readFileSync(join(dataPath, 'nsqd.dat'), 'utf8'));
    assert.deepEqual(dat.topics, [
      {
        name: t,
        paused: false,
        channels: [
          { name: 'ch', paused: false, max_attempts: 4, max_depth: 1, max_depth_policy: 'drop-oldest' },
        ],
        ttl_ms: 90000,
      },
    ]);
    await b.close();
    b = await startBroker({ workers: 2, dataPath });
    const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}/channel/config?topic=${t}&channel=ch`);
    assert.deepEqual(await r.json(), {
      settings: { max_attempts: 4, max_depth: 1, max_depth_policy: 'drop-oldest' },
      effective: {
        max_attempts: 4,
        dead_letter_topic: `${t}.dead`,
        ttl_ms: 90000,
        max_depth: 1,
        max_depth_policy: 'drop-oldest',
      },
    });
    await pubAll(b, t, ['x', 'y']);
    assert.equal(channelOf(await topicStats(b, t)).depth, 1);
    await b.close();
  });
});
