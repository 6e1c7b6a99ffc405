/**
 * /stats numbers are true: after a known sequence of publishes, a FIN, a deferred REQ and a
 * timeout, the JSON shows exactly the counts a user would expect — for each shard setting.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SHARD_MATRIX, startBroker, type TestBroker } from '../helpers/broker.js';
import { finReqHold, freshTopic, sleep, subscriber, WireClient } from '../helpers/wire.js';

/** the broker's --msg-timeout, short so the timeout below comes soon (IDENTIFY cannot go under 1 s) */
const MSG_TIMEOUT = 400;

interface Json {
  [k: string]: unknown;
}

for (const workers of SHARD_MATRIX) {
  describe(`/stats (--workers=${workers})`, () => {
    let b: TestBroker;
    let base: string;
    before(async () => {
      b = await startBroker({
        workers,
        httpAddress: '127.0.0.1:0',
        e2eProcessingLatencyPercentiles: [0.99, 0.5],
        msgTimeout: MSG_TIMEOUT,
      });
      base = `http://127.0.0.1:${b.broker.httpPort}`;
    });
    after(() => b.close());

    async function stats(query: string): Promise<Json> {
      const r = await fetch(`${base}/stats?format=json${query}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-nsq-content-type'), 'nsq; version=1.0');
      return (await r.json()) as Json;
    }

    it('counts publishes, deliveries, FIN, REQ, timeouts and e2e latency', async () => {
      const t = freshTopic('stats');
      const s = await subscriber(b.port, t, 'ch', 0, { client_id: 'consumer-1' });
      const p = await WireClient.connect(b.port);
      p.identify({ client_id: 'producer-1', user_agent: 'stats-test/1' });
      assert.equal(await p.response(), 'OK');
      const bodies = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
      p.mpub(t, bodies);
      assert.equal(await p.response(), 'OK');
      await finReqHold(s);
      await sleep(MSG_TIMEOUT + 300); // the third times out (msg_timeout + the queue scan)

      const all = await stats('');
      const topic = (all.topics as Json[]).find((x) => x.topic_name === t)!;
      assert.equal(topic.message_count, 5);
      assert.equal(topic.message_bytes, 15);
      assert.equal(topic.depth, 0);
      assert.equal(topic.paused, false);
      const [ch] = topic.channels as Json[];
      assert.equal(ch!.channel_name, 'ch');
      assert.equal(ch!.message_count, 5);
      assert.equal(ch!.depth, 3, 'two never delivered + one back from its timeout');
      assert.equal(ch!.in_flight_count, 0);
      assert.equal(ch!.deferred_count, 1);
      assert.equal(ch!.requeue_count, 1);
      assert.equal(ch!.timeout_count, 1);
      assert.equal(ch!.client_count, 1);
      const [client] = ch!.clients as Json[];
      assert.equal(client!.client_id, 'consumer-1');
      assert.equal(client!.state, 3);
      assert.equal(client!.ready_count, 0);
      assert.equal(client!.in_flight_count, 0);
      assert.equal(client!.message_count, 3);
      assert.equal(client!.finish_count, 1);
      assert.equal(client!.requeue_count, 1);
      const e2e = ch!.e2e_processing_latency as Json;
      assert.equal(e2e.count, 1);
      assert.deepEqual(
        (e2e.percentiles as Json[]).map((x) => x.quantile),
        [0.99, 0.5],
      );
      const producer = (all.producers as Json[]).find((x) => x.client_id === 'producer-1')!;
      assert.equal(producer.user_agent, 'stats-test/1');
      assert.deepEqual(producer.pub_counts, [{ topic: t, count: 5 }]);

      // filters
      const filtered = await stats(`&topic=${t}&include_clients=false`);
      assert.equal((filtered.topics as Json[]).length, 1);
      assert.equal(((filtered.topics as Json[])[0]!.channels as Json[])[0]!.clients, null);
      assert.equal(filtered.producers, null);
      assert.equal((await stats('&topic=no-such-topic')).topics, null);
      assert.deepEqual((await stats(`&topic=${t}&channel=no-such-channel`)).topics, []);
      s.close();
      p.close();
    });
  });
}
