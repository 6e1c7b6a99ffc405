/**
 * Max attempts and dead letters over real sockets (beyond nsqd: --max-attempts, --dead-letter-topic,
 * POST /channel/config?max_attempts=): a message REQ'd or timed out until its attempts are spent is
 * published to the dead-letter topic with its ID, timestamp, attempts and body — from memory and
 * from disk, with the dead-letter topic on the same shard or another, for each shard setting — and
 * counted in /stats and /metrics. A broker without the flag keeps Go's behaviour and /stats fields.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { shardIndexOf } from '../../src/nsqd/router/shard-map.js';
import type { DecodedMessage } from '../../src/wire/encode.js';
import { SHARD_MATRIX, startBroker, type TestBroker } from '../helpers/broker.js';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

/** the broker's --msg-timeout for clients that IDENTIFY none (the timeout test waits on it) */
const MSG_TIMEOUT = 300;

interface Json {
  [k: string]: unknown;
}

/** a fresh topic whose `.dead` topic lives on another shard (when there are several) or the same */
function topicFor(workers: number, crossShard: boolean): string {
  for (;;) {
    const t = freshTopic('dl');
    const apart = shardIndexOf(t, workers) !== shardIndexOf(`${t}.dead`, workers);
    if (workers <= 1 || apart === crossShard) return t;
  }
}

async function stats(b: TestBroker, topic: string): Promise<Json> {
  const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${topic}`);
  const topics = ((await r.json()) as Json).topics as Json[];
  return topics[0]!;
}

/** receive the message `count` times, REQ-ing it each time; returns the deliveries */
async function requeueTimes(c: WireClient, count: number): Promise<DecodedMessage[]> {
  const seen: DecodedMessage[] = [];
  for (let i = 0; i < count; i++) {
    const m = await c.message();
    seen.push(m);
    c.cmd(`REQ ${m.id} 0`);
  }
  return seen;
}

for (const workers of SHARD_MATRIX) {
  describe(`dead letters (--workers=${workers})`, () => {
    let b: TestBroker;
    let disk: TestBroker;
    before(async () => {
      b = await startBroker({ workers, maxAttempts: 3, msgTimeout: MSG_TIMEOUT });
      // every message on disk: memory holds none
      disk = await startBroker({ workers, maxAttempts: 2, memQueueSize: 0 });
    });
    after(async () => {
      await b.close();
      await disk.close();
    });

    for (const crossShard of workers > 1 ? [false, true] : [false]) {
      it(`after N REQs the message goes to <topic>.dead intact${workers > 1 ? (crossShard ? ' (another shard)' : ' (same shard)') : ''}`, async () => {
        const t = topicFor(workers, crossShard);
        const p = await WireClient.connect(b.port);
        p.pub(t, 'poison');
        assert.equal(await p.response(), 'OK');
        const c = await subscriber(b.port, t, 'ch', 1);
        const seen = await requeueTimes(c, 3);
        assert.deepEqual(
          seen.map((m) => m.attempts),
          [1, 2, 3],
        );
        assert.ok(await c.quiet(150), 'no fourth delivery');
        const d = await subscriber(b.port, `${t}.dead`, 'dl', 1);
        const dead = await d.message();
        assert.equal(dead.id, seen[0]!.id);
        assert.equal(dead.timestampNs, seen[0]!.timestampNs);
        assert.equal(dead.attempts, 4, 'its three attempts, and this delivery');
        assert.equal(dead.body.toString(), 'poison');
        d.cmd(`FIN ${dead.id}`);
        const ch = ((await stats(b, t)).channels as Json[])[0]!;
        assert.equal(ch.dead_letter_count, 1);
        assert.equal(ch.depth, 0);
        assert.equal(ch.in_flight_count, 0);
        const deadStats = await stats(b, `${t}.dead`);
        assert.equal(deadStats.message_count, 1);
        for (const x of [p, c, d]) x.close();
      });
    }

    it('after N timeouts the message goes to <topic>.dead', async () => {
      const t = topicFor(workers, workers > 1);
      const p = await WireClient.connect(b.port);
      p.pub(t, 'slow');
      assert.equal(await p.response(), 'OK');
      const c = await subscriber(b.port, t, 'ch', 1);
      for (let i = 1; i <= 3; i++) assert.equal((await c.message(3000)).attempts, i); // never FIN'd
      assert.ok(await c.quiet(MSG_TIMEOUT + 200), 'no fourth delivery');
      const d = await subscriber(b.port, `${t}.dead`, 'dl', 1);
      const dead = await d.message();
      assert.equal(dead.body.toString(), 'slow');
      assert.equal(dead.attempts, 4);
      const ch = ((await stats(b, t)).channels as Json[])[0]!;
      assert.equal(ch.timeout_count, 3);
      assert.equal(ch.dead_letter_count, 1);
      for (const x of [p, c, d]) x.close();
    });

    it('disk-backed messages are dead-lettered with their attempts from disk', async () => {
      const t = topicFor(workers, workers > 1);
      const p = await WireClient.connect(disk.port);
      p.mpub(t, ['a', 'b', 'c']);
      assert.equal(await p.response(), 'OK');
      const c = await subscriber(disk.port, t, 'ch', 1);
      const seen = await requeueTimes(c, 6); // every REQ'd message goes back to disk
      assert.deepEqual(seen.map((m) => m.attempts).sort(), [1, 1, 1, 2, 2, 2]);
      assert.ok(await c.quiet(150));
      const ch = ((await stats(disk, t)).channels as Json[])[0]!;
      assert.equal(ch.dead_letter_count, 3);
      const d = await subscriber(disk.port, `${t}.dead`, 'dl', 3);
      const dead = [await d.message(), await d.message(), await d.message()];
      assert.deepEqual(dead.map((m) => m.body.toString()).sort(), ['a', 'b', 'c']);
      assert.deepEqual(
        dead.map((m) => m.attempts),
        [3, 3, 3],
      );
      for (const x of [p, c, d]) x.close();
    });
  });
}

describe('dead letters, per channel over HTTP', () => {
  let b: TestBroker;
  let base: string;
  before(async () => {
    b = await startBroker({ workers: 2, deadLetterTopic: 'dlq-%s' });
    base = `http://127.0.0.1:${b.broker.httpPort}`;
  });
  after(() => b.close());

  it('is off by default: /stats has no new field and REQs go on as in nsqd', async () => {
    const t = freshTopic('dl');
    const p = await WireClient.connect(b.port);
    p.pub(t, 'x');
    assert.equal(await p.response(), 'OK');
    const c = await subscriber(b.port, t, 'ch', 1);
    assert.deepEqual(
      (await requeueTimes(c, 5)).map((m) => m.attempts),
      [1, 2, 3, 4, 5],
    );
    const ch = ((await stats(b, t)).channels as Json[])[0]!;
    assert.equal('dead_letter_count' in ch, false);
    p.close();
    c.close();
  });

  it('POST /channel/config?max_attempts= sets dead letters for one channel; an empty value unsets it', async () => {
    const t = freshTopic('dl');
    for (const path of [`/topic/create?topic=${t}`, `/channel/create?topic=${t}&channel=ch`])
      assert.equal((await fetch(`${base}${path}`, { method: 'POST' })).status, 200);
    const r = await fetch(`${base}/channel/config?topic=${t}&channel=ch&max_attempts=2`, { method: 'POST' });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), {
      settings: { max_attempts: 2 },
      effective: {
        max_attempts: 2,
        dead_letter_topic: `dlq-${t}`,
        ttl_ms: 0,
        max_depth: 0,
        max_depth_policy: 'drop-oldest',
      },
    });
    const bad = await fetch(`${base}/channel/config?topic=${t}&channel=ch&max_attempts=x`, {
      method: 'POST',
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { message: 'INVALID_MAX_ATTEMPTS' });
    const missing = await fetch(`${base}/channel/config?topic=${t}&channel=nope`);
    assert.equal(missing.status, 404);
    const p = await WireClient.connect(b.port);
    p.pub(t, 'y');
    assert.equal(await p.response(), 'OK');
    const c = await subscriber(b.port, t, 'ch', 1);
    await requeueTimes(c, 2);
    assert.ok(await c.quiet(150));
    const d = await subscriber(b.port, `dlq-${t}`, 'dl', 1);
    assert.equal((await d.message()).body.toString(), 'y');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, new RegExp(`nsq_channel_dead_letters_total\\{topic="${t}",channel="ch"\\} 1\\n`));
    // an empty value unsets it: the flag's (off) applies again
    const unset = await fetch(`${base}/channel/config?topic=${t}&channel=ch&max_attempts=`, {
      method: 'POST',
    });
    assert.deepEqual(((await unset.json()) as Json).settings, {});
    for (const x of [p, c, d]) x.close();
  });
});
