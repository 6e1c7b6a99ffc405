/**
 * nsqjs, a real NSQ client from npm, unchanged against our nsqd: publish and consume, several
 * consumers on one channel, several channels, requeue and deferred publish — for each shard
 * setting.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SHARD_MATRIX, startBroker, type TestBroker } from '../helpers/broker.js';
import { collect, publish, pubMpubRoundTrip, reader, writer } from '../helpers/nsqjs.js';
import { freshTopic } from '../helpers/wire.js';

for (const workers of SHARD_MATRIX) {
  describe(`nsqjs client (--workers=${workers})`, () => {
    let b: TestBroker;
    before(async () => {
      b = await startBroker({ workers });
    });
    after(() => b.close());

    it('publishes (PUB and MPUB) and consumes every message', async () => {
      await pubMpubRoundTrip(b.port, freshTopic('js'), 'ch');
    });

    it('several consumers on one channel split the messages', async () => {
      const t = freshTopic('js');
      const w = await writer(b.port);
      await publish(w, t, 'warmup');
      const r1 = reader(b.port, t, 'shared', { maxInFlight: 5 });
      const r2 = reader(b.port, t, 'shared', { maxInFlight: 5 });
      const seen: string[] = [];
      const per = [0, 0];
      const all = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${seen.length} of 201`)), 8000);
        for (const [k, r] of [r1, r2].entries()) {
          r.on('message', (m) => {
            seen.push(m.body.toString());
            per[k]!++;
            // hold each message a moment so both consumers get a share
            setTimeout(() => m.finish(), 2);
            if (seen.length === 201) {
              clearTimeout(timer);
              resolve();
            }
          });
        }
      });
      r1.connect();
      r2.connect();
      await new Promise((r) => setTimeout(r, 300));
      await publish(
        w,
        t,
        Array.from({ length: 200 }, (_, i) => `m${i}`),
      );
      await all;
      assert.equal(new Set(seen).size, 201, 'no duplicates');
      assert.ok(per[0]! > 0 && per[1]! > 0, `both got messages: ${per}`);
      r1.close();
      r2.close();
      w.close();
    });

    it('several channels each get every message', async () => {
      const t = freshTopic('js');
      const w = await writer(b.port);
      const ra = reader(b.port, t, 'a');
      const rb = reader(b.port, t, 'b');
      const ga = collect(ra, 20);
      const gb = collect(rb, 20);
      ra.connect();
      rb.connect();
      await new Promise((r) => setTimeout(r, 300));
      await publish(
        w,
        t,
        Array.from({ length: 20 }, (_, i) => `x${i}`),
      );
      const [a, c] = await Promise.all([ga, gb]);
      assert.deepEqual(a.sort(), c.sort());
      assert.equal(a.length, 20);
      ra.close();
      rb.close();
      w.close();
    });

    it('requeue redelivers with attempts + 1; deferPublish waits', async () => {
      const t = freshTopic('js');
      const w = await writer(b.port);
      const r = reader(b.port, t, 'rq');
      const attempts: number[] = [];
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`attempts so far ${attempts}`)), 5000);
        r.on('message', (m) => {
          attempts.push(m.attempts);
          if (m.attempts < 3) m.requeue(0, false);
          else {
            m.finish();
            clearTimeout(timer);
            resolve();
          }
        });
      });
      r.connect();
      await publish(w, t, 'retry-me');
      await done;
      assert.deepEqual(attempts, [1, 2, 3]);

      const t2 = freshTopic('js');
      const r2 = reader(b.port, t2, 'd');
      const got = collect(r2, 1);
      r2.connect();
      await new Promise((r) => setTimeout(r, 200));
      const start = Date.now();
      await new Promise<void>((resolve, reject) =>
        w.deferPublish(t2, ['deferred'], 400, (err) => (err ? reject(err) : resolve())),
      );
      assert.deepEqual(await got, ['deferred']);
      assert.ok(Date.now() - start >= 350, 'delivered after the deferral');
      r.close();
      r2.close();
      w.close();
    });
  });
}
