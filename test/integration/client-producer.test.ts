/**
 * The client's Producer against a real nsqd: PUB/MPUB/DPUB, pipelined publishes answered in order,
 * error frames and dial failures with go-nsq's texts, reconnecting after a failure, the bounded
 * pending queue, the batcher and close().
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Consumer } from '../../src/client/consumer.js';
import type { NsqClientError } from '../../src/client/errors.js';
import type { Message } from '../../src/client/message.js';
import { Producer } from '../../src/client/producer.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { LogLines, waitUntil } from '../helpers/client.js';
import { freshTopic } from '../helpers/wire.js';

/** the bodies of the first `count` messages on topic/ch, FINished in order of arrival */
async function receive(port: number, topic: string, count: number, timeoutMs = 5000): Promise<Message[]> {
  const got: Message[] = [];
  const c = new Consumer(topic, 'ch', { maxInFlight: 100, logger: null });
  c.addHandler((m) => {
    got.push(m);
  });
  await c.connectToNSQD(`127.0.0.1:${port}`);
  try {
    await waitUntil(() => got.length >= count, `${count} messages (got ${got.length})`, timeoutMs);
  } finally {
    await c.close();
  }
  return got;
}

describe('client Producer', () => {
  let b: TestBroker;
  let addr: string;
  before(async () => {
    b = await startBroker({ workers: 1 });
    addr = `127.0.0.1:${b.port}`;
  });
  after(() => b.close());

  it('connects on the first publish and publishes PUB, MPUB and DPUB', async () => {
    const log = new LogLines();
    const p = new Producer(addr, { logger: log.sink });
    assert.equal(log.lines.length, 0, 'nothing connects before a publish');
    const t = freshTopic('prod');
    await p.publish(t, 'one');
    await p.multiPublish(t, ['two', Buffer.from('three')]);
    await p.deferredPublish(t, 100, 'four');
    await p.close();
    const got = await receive(b.port, t, 4);
    assert.deepEqual(
      got.map((m) => m.body.toString()),
      ['one', 'two', 'three', 'four'],
    );
    assert.equal(got[0]!.attempts, 1);
    assert.match(got[0]!.id, /^[0-9a-f]{16}$/);
    const ageMs = Date.now() - Number(got[0]!.timestamp / 1_000_000n);
    assert.ok(ageMs >= 0 && ageMs < 10_000, `timestamp ${got[0]!.timestamp} is now-ish`);
    assert.match(
      log.lines[0]!,
      /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d INF +\d+ \(127\.0\.0\.1:\d+\) connecting to nsqd\n$/,
    );
    assert.match(log.lines.at(-2)!, /INF +\d+ \(127\.0\.0\.1:\d+\) stopping\n$/);
    assert.match(log.lines.at(-1)!, /INF +\d+ \(127\.0\.0\.1:\d+\) exiting router\n$/);
  });

  it('pipelines publishes and resolves them in order', async () => {
    const p = new Producer(addr, { logger: null });
    const t = freshTopic('pipe');
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) => p.publish(t, `m${i}`).then(() => order.push(i))),
    );
    assert.deepEqual(
      order,
      Array.from({ length: 2000 }, (_, i) => i),
    );
    const got = await receive(b.port, t, 2000);
    assert.equal(got[1999]!.body.toString(), 'm1999');
    await p.close();
  });

  it('rejects with the error frame, then reconnects for the next publish', async () => {
    const log = new LogLines();
    const p = new Producer(addr, { logger: log.sink });
    const t = freshTopic('err');
    await assert.rejects(p.publish(t, ''), (e: NsqClientError) => {
      assert.equal(e.code, 'ERR_PROTOCOL');
      assert.equal(e.protocolCode, 'E_BAD_MESSAGE');
      assert.match(e.message, /^E_BAD_MESSAGE PUB invalid message body size 0$/);
      return true;
    });
    await p.publish(t, 'after');
    assert.equal(
      log.count(/connecting to nsqd/),
      2,
      'nsqd closed the connection; the next publish reconnected',
    );
    await p.close();
  });

  it("rejects with Go's dial error when nsqd is not there", async () => {
    const log = new LogLines();
    const p = new Producer('127.0.0.1:1', { logger: log.sink });
    await assert.rejects(p.publish('t', 'x'), (e: NsqClientError) => {
      assert.equal(e.code, 'ERR_CONNECT');
      assert.equal(e.message, 'dial tcp 127.0.0.1:1: connect: connection refused');
      return true;
    });
    assert.match(
      log.lines[1]!,
      /ERR +\d+ \(127\.0\.0\.1:1\) error connecting to nsqd - dial tcp 127\.0\.0\.1:1: connect: connection refused\n$/,
    );
    await p.close();
  });

  it('bounds the pending queue', async () => {
    const p = new Producer(addr, { logger: null, maxPending: 10 });
    const t = freshTopic('bound');
    const ok = Array.from({ length: 10 }, () => p.publish(t, 'x'));
    await assert.rejects(p.publish(t, 'y'), (e: NsqClientError) => e.code === 'ERR_PENDING_FULL');
    await Promise.all(ok);
    await p.publish(t, 'z');
    await p.close();
    await assert.rejects(p.publish(t, 'late'), (e: NsqClientError) => e.code === 'ERR_STOPPED');
  });

  it('groups publishes into MPUBs with the batcher', async () => {
    const p = new Producer(addr, { logger: null });
    const t = freshTopic('batch');
    const batch = p.batcher(t, { maxMessages: 50, maxDelayMs: 20 });
    await Promise.all(Array.from({ length: 120 }, (_, i) => batch.publish(`b${i}`)));
    const got = await receive(b.port, t, 120);
    assert.deepEqual(
      got.map((m) => m.body.toString()),
      Array.from({ length: 120 }, (_, i) => `b${i}`),
    );
    await p.close();
  });
});
