/**
 * The client's Consumer against real nsqd instances, with short clocks: IDENTIFY fields and RDY
 * spread over connections as nsqd sees them, RDY redistribution when max_in_flight < connections,
 * backoff (RDY 0, then RDY 1, then back to the full RDY) on REQ, max_attempts, TOUCH, heartbeats,
 * reconnecting to a direct nsqd that came back, lookupd discovery, the iterator, AbortSignal and stop.
 */

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { Consumer } from '../../src/client/consumer.js';
import type { Message } from '../../src/client/message.js';
import { Producer } from '../../src/client/producer.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { channelClients, LogLines, waitUntil } from '../helpers/client.js';
import { freshTopic, sleep } from '../helpers/wire.js';

describe('client Consumer', () => {
  let b1: TestBroker;
  let b2: TestBroker;
  let p1: Producer;
  let p2: Producer;
  const a1 = (): string => `127.0.0.1:${b1.port}`;
  const a2 = (): string => `127.0.0.1:${b2.port}`;
  before(async () => {
    b1 = await startBroker({ workers: 0 });
    b2 = await startBroker({ workers: 1 });
    p1 = new Producer(a1(), { logger: null });
    p2 = new Producer(a2(), { logger: null });
  });
  after(async () => {
    await Promise.all([p1.close(), p2.close()]);
    await Promise.all([b1.close(), b2.close()]);
  });

  it("sends go-nsq's IDENTIFY and spreads max_in_flight over its connections", async () => {
    const t = freshTopic('rdy');
    const c = new Consumer(t, 'ch', { maxInFlight: 200, logger: null });
    c.addHandler(() => {});
    await c.connectToNSQD(a1());
    await waitUntil(
      async () => (await channelClients(b1, t, 'ch'))[0]?.ready_count === 200,
      'RDY 200 on one',
    );
    const [view] = await channelClients(b1, t, 'ch');
    assert.match(view!.user_agent, /^nsq-ts\/\d+\.\d+\.\d+$/);
    assert.equal(view!.hostname, os.hostname());
    assert.equal(view!.client_id, os.hostname().split('.')[0]);
    await c.connectToNSQD(a2());
    for (const b of [b1, b2]) {
      await waitUntil(
        async () => (await channelClients(b, t, 'ch'))[0]?.ready_count === 100,
        'RDY 100 on each',
      );
    }
    await assert.rejects(c.connectToNSQD(a1()), /already connected/);
    await c.close();
  });

  it('moves RDY 1 to the connection with messages when max_in_flight < connections', async () => {
    const t = freshTopic('redis');
    const log = new LogLines();
    const c = new Consumer(t, 'ch', {
      maxInFlight: 1,
      rdyRedistributeInterval: 20,
      lowRdyIdleTimeout: 1000,
      logger: log.sink,
    });
    const got: string[] = [];
    c.addHandler((m) => {
      got.push(m.body.toString());
    });
    await c.connectToNSQD(a1());
    await c.connectToNSQD(a2());
    const rdy = async (): Promise<number[]> => [
      (await channelClients(b1, t, 'ch'))[0]?.ready_count ?? -1,
      (await channelClients(b2, t, 'ch'))[0]?.ready_count ?? -1,
    ];
    // the first connection took the only RDY; the second could not have any
    await waitUntil(async () => (await rdy()).join() === '1,0', 'RDY 1 on the first, 0 on the second');
    await p2.publish(t, 'on-two');
    // idle for low_rdy_idle_timeout, the first gives its RDY up; redistribution hands it to either
    await waitUntil(() => got.includes('on-two'), 'the message on the second nsqd', 8000);
    await c.close();
  });

  it('backs off on REQ: RDY 0, RDY 1 after the backoff, full RDY after a success', async () => {
    const t = freshTopic('backoff');
    const log = new LogLines();
    const c = new Consumer(t, 'ch', {
      maxInFlight: 10,
      backoffMultiplier: 50,
      defaultRequeueDelay: 0,
      logger: log.sink,
    });
    const seen: number[] = [];
    c.addHandler((m) => {
      seen.push(m.attempts);
      if (m.attempts === 1) throw new Error('try again');
    });
    await c.connectToNSQD(a1());
    await p1.publish(t, 'x');
    await log.wait(/ERR +\d+ \[.+\/ch\] Handler returned error \(try again\) for msg [0-9a-f]{16}\n$/);
    await log.wait(/WRN +\d+ \[.+\/ch\] backing off for 100ms \(backoff level 1\), setting all to RDY 0\n$/);
    await log.wait(/WRN +\d+ \[.+\/ch\] \(127\.0\.0\.1:\d+\) backoff timeout expired, sending RDY 1\n$/);
    await log.wait(/WRN +\d+ \[.+\/ch\] exiting backoff, returning all to RDY 10\n$/);
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(c.stats(), {
      messagesReceived: 2,
      messagesFinished: 1,
      messagesRequeued: 1,
      connections: 1,
    });
    await waitUntil(async () => (await channelClients(b1, t, 'ch'))[0]?.ready_count === 10, 'RDY 10 again');
    await c.close();
  });

  it('FINs a message past max_attempts without calling the handler', async () => {
    const t = freshTopic('attempts');
    const log = new LogLines();
    const c = new Consumer(t, 'ch', {
      maxAttempts: 2,
      defaultRequeueDelay: 0,
      maxBackoffDuration: 0,
      logger: log.sink,
    });
    let calls = 0;
    c.addHandler(() => {
      calls++;
      throw new Error('no');
    });
    await c.connectToNSQD(a1());
    await p1.publish(t, 'doomed');
    await log.wait(/WRN +\d+ \[.+\/ch\] msg [0-9a-f]{16} attempted 3 times, giving up\n$/);
    assert.equal(calls, 2);
    await c.close();
  });

  it('keeps a message with TOUCH past its msg_timeout', async () => {
    const t = freshTopic('touch');
    const c = new Consumer(t, 'ch', { msgTimeout: 1000, logger: null });
    const attempts: number[] = [];
    c.addHandler(async (m) => {
      attempts.push(m.attempts);
      for (let i = 0; i < 5; i++) {
        await sleep(300);
        m.touch();
      }
    });
    await c.connectToNSQD(a1());
    await p1.publish(t, 'slow');
    await waitUntil(() => c.stats().messagesFinished === 1, 'the FIN', 5000);
    assert.deepEqual(attempts, [1], 'never timed out and redelivered');
    await c.close();
  });

  it('answers heartbeats, so an idle connection stays up', async () => {
    const t = freshTopic('hb');
    const c = new Consumer(t, 'ch', { heartbeatInterval: 1000, logger: null });
    const got: string[] = [];
    c.addHandler((m) => {
      got.push(m.body.toString());
    });
    await c.connectToNSQD(a1());
    await sleep(2600); // nsqd drops a client that says nothing for two heartbeats
    await p1.publish(t, 'still here');
    await waitUntil(() => got.length === 1, 'the message after the idle time');
    assert.equal(c.stats().connections, 1);
    await c.close();
  });

  it('reconnects to a direct nsqd that went away and came back', async () => {
    const b = await startBroker({ workers: 0 });
    const port = b.port;
    const t = freshTopic('reconn');
    const log = new LogLines();
    const c = new Consumer(t, 'ch', { lookupdPollInterval: 100, logger: log.sink });
    const got: string[] = [];
    c.addHandler((m) => {
      got.push(m.body.toString());
    });
    await c.connectToNSQD(`127.0.0.1:${port}`);
    await b.close();
    await log.wait(/INF +\d+ \[.+\/ch\] \(127\.0\.0\.1:\d+\) re-connecting in 100ms\n$/);
    const again = await startBroker({ workers: 0, tcpAddress: `127.0.0.1:${port}` });
    try {
      await waitUntil(() => c.stats().connections === 1, 'the reconnect');
      const p = new Producer(`127.0.0.1:${port}`, { logger: null });
      await p.publish(t, 'back');
      await p.close();
      await waitUntil(() => got.includes('back'), 'the message from the new nsqd');
      await c.close();
    } finally {
      await again.close();
    }
  });

  it('finds nsqd through nsqlookupd (v1 answer, pre-1.0 envelope) and polls again', async () => {
    const t = freshTopic('lookup');
    const requests: { url: string; accept: string }[] = [];
    let envelope = false;
    const lookupd = http.createServer((req, res) => {
      requests.push({ url: req.url ?? '', accept: String(req.headers.accept) });
      const data = {
        channels: [],
        producers: [{ broadcast_address: '127.0.0.1', tcp_port: envelope ? b2.port : b1.port }],
      };
      if (envelope) {
        res.end(JSON.stringify({ status_code: 200, status_txt: 'OK', data }));
      } else {
        res.setHeader('X-NSQ-Content-Type', 'nsq; version=1.0');
        res.end(JSON.stringify(data));
      }
    });
    await new Promise<void>((r) => lookupd.listen(0, '127.0.0.1', r));
    const lport = (lookupd.address() as AddressInfo).port;
    const log = new LogLines();
    const c = new Consumer(t, 'ch', {
      maxInFlight: 10,
      lookupdPollInterval: 100,
      lookupdPollJitter: 0,
      logger: log.sink,
    });
    const got: string[] = [];
    c.addHandler((m) => {
      got.push(m.body.toString());
    });
    try {
      await c.connectToNSQLookupd(`127.0.0.1:${lport}`);
      assert.equal(c.stats().connections, 1, 'the first query is made before connectToNSQLookupd resolves');
      assert.deepEqual(requests[0], {
        url: `/lookup?topic=${t}`,
        accept: 'application/vnd.nsq; version=1.0',
      });
      assert.match(
        log.lines[0]!,
        new RegExp(
          `INF +\\d+ \\[${t}/ch\\] querying nsqlookupd http://127\\.0\\.0\\.1:${lport}/lookup\\?topic=${t}\\n$`,
        ),
      );
      envelope = true;
      await waitUntil(() => c.stats().connections === 2, 'the second nsqd from a later poll');
      await p1.publish(t, 'one');
      await p2.publish(t, 'two');
      await waitUntil(() => got.length === 2, 'both messages');
      assert.deepEqual(got.sort(), ['one', 'two']);
      await c.close();
      assert.match(log.lines.at(-1)!, /INF +\d+ \[.+\/ch\] exiting lookupdLoop\n$/);
    } finally {
      lookupd.close();
    }
  });

  it('logs a failed lookupd query and tries the next one, 3 attempts per poll', async () => {
    const log = new LogLines();
    const c = new Consumer(freshTopic('nolookup'), 'ch', { logger: log.sink });
    await c.connectToNSQLookupd('127.0.0.1:1');
    assert.equal(log.count(/querying nsqlookupd http:\/\/127\.0\.0\.1:1\/lookup\?topic=/), 3);
    assert.equal(
      log.count(
        /ERR +\d+ \[.+\] error querying nsqlookupd \(http:\/\/127\.0\.0\.1:1\/lookup\?topic=[^)]+\) - Get "http:\/\/127\.0\.0\.1:1\/lookup\?topic=[^"]+": dial tcp 127\.0\.0\.1:1: connect: connection refused\n$/,
      ),
      3,
    );
    await c.close();
  });

  it('delivers to an async iterator; leaving the loop stops the consumer', async () => {
    const t = freshTopic('iter');
    await p1.multiPublish(t, ['a', 'b', 'c', 'd']);
    const c = new Consumer(t, 'ch', { maxInFlight: 10, logger: null });
    await c.connectToNSQD(a1());
    const got: string[] = [];
    for await (const m of c) {
      got.push(m.body.toString());
      m.finish();
      if (got.length === 3) break;
    }
    await c.stopped;
    assert.deepEqual(got, ['a', 'b', 'c']);
    // 'd' went back (REQ without backoff) and is delivered to the next consumer
    const c2 = new Consumer(t, 'ch', { logger: null });
    await c2.connectToNSQD(a1());
    const it2 = c2[Symbol.asyncIterator]();
    const next = await it2.next();
    assert.equal((next.value as Message).body.toString(), 'd');
    (next.value as Message).finish();
    await c2.close();
  });

  it('stops on AbortSignal after the handler in progress finished its message', async () => {
    const t = freshTopic('abort');
    const ac = new AbortController();
    const log = new LogLines();
    const c = new Consumer(t, 'ch', { signal: ac.signal, logger: log.sink });
    let done = false;
    c.addHandler(async () => {
      ac.abort();
      await sleep(200);
      done = true;
    });
    await c.connectToNSQD(a1());
    await p1.publish(t, 'x');
    await c.stopped;
    assert.equal(done, true);
    assert.equal(c.stats().messagesFinished, 1);
    // go-nsq's stop sequence, level and text after `[topic/channel] `
    const tail = log.lines.map((l) => {
      const m = /^\S+ \S+ (INF|WRN) +\d+ \[[^\]]+\] (?:\(127\.0\.0\.1:\d+\) )?(.*)\n$/.exec(l);
      return m === null ? l : `${m[1]} ${m[2]}`;
    });
    assert.deepEqual(tail, [
      'INF connecting to nsqd',
      'INF stopping...',
      'INF received CLOSE_WAIT from nsqd',
      'WRN delaying close, 1 outstanding messages',
      'INF beginning close',
      'INF readLoop exiting',
      'INF breaking out of writeLoop',
      'INF writeLoop exiting',
      'INF finished draining, cleanup exiting',
      'INF clean close complete',
      'WRN there are 0 connections left alive',
      'INF stopping handlers',
      'INF rdyLoop exiting',
    ]);
  });
});
