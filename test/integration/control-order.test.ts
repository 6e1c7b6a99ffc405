/**
 * A control request reaches a shard after every record the io thread wrote before it: a PUB answered
 * OK (pre-acked, still in the shard's ring) has made its topic exist for the HTTP call that follows,
 * as in Go nsqd, where the OK comes after the topic is created.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SHARD_MATRIX, startBroker, type TestBroker } from '../helpers/broker.js';
import { freshTopic, WireClient } from '../helpers/wire.js';

for (const workers of SHARD_MATRIX) {
  describe(`control after publish (--workers=${workers})`, () => {
    let b: TestBroker;
    before(async () => {
      b = await startBroker({ workers });
    });
    after(() => b.close());

    it('POST /channel/create right after a PUB/MPUB is answered finds the topic, every time', async () => {
      const c = await WireClient.connect(b.port);
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) {
        const topic = freshTopic('ctl');
        if (i % 2 === 0) c.pub(topic, 'x');
        else c.mpub(topic, ['a', 'b']);
        assert.equal(await c.response(), 'OK');
        const r = await fetch(
          `http://127.0.0.1:${b.broker.httpPort}/channel/create?topic=${topic}&channel=c`,
          {
            method: 'POST',
          },
        );
        await r.arrayBuffer();
        statuses.push(r.status);
      }
      c.close();
      assert.deepEqual(
        statuses.filter((s) => s !== 200),
        [],
      );
    });
  });
}
