/**
 * Many short publish/subscribe round trips across three worker shards: every one must complete
 * quickly, so a lost doorbell wakeup between the io thread and a shard shows up as a failure.
 */

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startBroker } from '../helpers/broker.js';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

it(
  '300 publish → subscribe → deliver round trips over 3 shards never stall',
  { timeout: 120000 },
  async () => {
    const b = await startBroker({ workers: 3 });
    for (let i = 0; i < 300; i++) {
      const t = freshTopic();
      const p = await WireClient.connect(b.port);
      p.pub(t, 'a');
      assert.equal(await p.response(1000), 'OK', `iter ${i} pub`);
      const s = await subscriber(b.port, t, 'c', 5);
      const m = await s.message(2000).catch((e) => {
        throw new Error(`iter ${i}: ${e.message}`);
      });
      assert.equal(m.body.toString(), 'a');
      p.close();
      s.close();
    }
    await b.close();
  },
);
