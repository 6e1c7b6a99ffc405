/**
 * Delivery semantics over real TCP, as a client sees them — for each shard setting: fan-out to
 * channels, load balancing within one, the RDY window, timeouts and requeue (on a broker with a
 * short --msg-timeout, as nsqd's tests), REQ, DPUB, TOUCH, CLS, buffering topics, ephemeral
 * cleanup and IDENTIFY negotiation. Heartbeats are the io thread's: protocol-deadlines.test.ts.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SHARD_MATRIX, startBroker, type TestBroker } from '../helpers/broker.js';
import { freshTopic, sleep, subscriber, WireClient } from '../helpers/wire.js';

/** the RDY count of every client of topic `t`'s channels now (/stats) */
async function readyCounts(b: TestBroker, t: string): Promise<number[]> {
  const r = await fetch(
    `http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${t}&include_clients=true`,
  );
  const s = (await r.json()) as { topics: { channels: { clients: { ready_count: number }[] }[] }[] | null };
  return (s.topics?.[0]?.channels ?? []).flatMap((c) => c.clients.map((x) => x.ready_count));
}

/** how many channels topic `t` has now (/stats) */
async function channelsOf(b: TestBroker, t: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${t}`);
  const s = (await r.json()) as { topics: { channels: unknown[] }[] | null };
  return s.topics?.[0]?.channels.length ?? 0;
}

/** the short --msg-timeout of the timeout tests (IDENTIFY's msg_timeout cannot go under 1 s) */
const MSG_TIMEOUT = 500;

for (const workers of SHARD_MATRIX) {
  describe(`delivery (--workers=${workers})`, () => {
    let b: TestBroker;
    before(async () => {
      b = await startBroker({ workers, maxReqTimeout: 60000 });
    });
    after(() => b.close());

    async function producer(): Promise<WireClient> {
      return WireClient.connect(b.port);
    }

    it('IDENTIFY with feature_negotiation answers nsqd JSON with resolved values', async () => {
      const c = await producer();
      c.identify({
        feature_negotiation: true,
        msg_timeout: 5000,
        output_buffer_size: 1024,
        sample_rate: 0,
        tls_v1: true,
      });
      const reply = JSON.parse(await c.response());
      assert.deepEqual(Object.keys(reply), [
        'max_rdy_count',
        'version',
        'max_msg_timeout',
        'msg_timeout',
        'tls_v1',
        'deflate',
        'deflate_level',
        'max_deflate_level',
        'snappy',
        'sample_rate',
        'auth_required',
        'output_buffer_size',
        'output_buffer_timeout',
        'topology_region',
        'topology_zone',
      ]);
      assert.equal(reply.max_rdy_count, 2500);
      assert.equal(reply.msg_timeout, 5000);
      assert.equal(reply.max_msg_timeout, 900000);
      assert.equal(reply.output_buffer_size, 1024);
      assert.equal(reply.output_buffer_timeout, 250);
      assert.equal(reply.tls_v1, false, 'no TLS without --tls-cert and --tls-key');
      assert.equal(reply.snappy, false, 'not asked for');
      assert.equal(reply.version, '1.3.0');
      c.identify({});
      assert.equal(await c.response(), 'OK', 'a second IDENTIFY in init state is allowed');
      c.close();
    });

    it('PUB then SUB: a topic without channels buffers; the first channel gets everything', async () => {
      const t = freshTopic();
      const p = await producer();
      for (let i = 0; i < 5; i++) p.pub(t, `m${i}`);
      for (let i = 0; i < 5; i++) assert.equal(await p.response(), 'OK');
      const s = await subscriber(b.port, t, 'ch', 10);
      const got: string[] = [];
      for (let i = 0; i < 5; i++) {
        const m = await s.message();
        assert.equal(m.attempts, 1);
        assert.match(m.id, /^[0-9a-f]{16}$/);
        const ageMs = Date.now() - Number(m.timestampNs / 1000000n);
        assert.ok(ageMs >= 0 && ageMs < 10000, `timestamp is publish time in ns (age ${ageMs} ms)`);
        got.push(m.body.toString());
        s.cmd(`FIN ${m.id}`);
      }
      assert.deepEqual(got.sort(), ['m0', 'm1', 'm2', 'm3', 'm4']);
      assert.ok(await s.quiet(150), 'no extra deliveries');
      p.close();
      s.close();
    });

    it('MPUB and DPUB publish; every channel gets every message with the same ID', async () => {
      const t = freshTopic();
      const a = await subscriber(b.port, t, 'a', 100);
      const c = await subscriber(b.port, t, 'b', 100);
      const p = await producer();
      p.mpub(t, ['x', 'y', 'z']);
      assert.equal(await p.response(), 'OK');
      const idsA = new Map<string, string>();
      const idsB = new Map<string, string>();
      for (let i = 0; i < 3; i++) {
        const m = await a.message();
        idsA.set(m.body.toString(), m.id);
        const n = await c.message();
        idsB.set(n.body.toString(), n.id);
      }
      assert.deepEqual([...idsA.keys()].sort(), ['x', 'y', 'z']);
      for (const [body, id] of idsA) assert.equal(idsB.get(body), id, `same ID for ${body}`);
      assert.equal(new Set(idsA.values()).size, 3, 'IDs are unique');
      p.close();
      a.close();
      c.close();
    });

    it('consumers of one channel share its messages', async () => {
      const t = freshTopic();
      const s1 = await subscriber(b.port, t, 'shared', 100);
      const s2 = await subscriber(b.port, t, 'shared', 100);
      // RDY has no answer: wait until the shard has both (the connections may be on two io threads)
      const deadline = Date.now() + 5000;
      while ((await readyCounts(b, t)).filter((n) => n === 100).length < 2) {
        assert.ok(Date.now() < deadline, 'both consumers are ready');
        await sleep(10);
      }
      const p = await producer();
      const bodies = Array.from({ length: 40 }, (_, i) => `m${i}`);
      p.mpub(t, bodies);
      assert.equal(await p.response(), 'OK');
      const seen: string[] = [];
      const counts = [0, 0];
      const drain = async (s: WireClient, k: number): Promise<void> => {
        for (;;) {
          const f = await s.frame(400).catch(() => null);
          if (f === null) return;
          const m = (await import('../../src/wire/encode.js')).decodeMessage(Buffer.from(f.data));
          seen.push(m.body.toString());
          counts[k]!++;
          s.cmd(`FIN ${m.id}`);
        }
      };
      await Promise.all([drain(s1, 0), drain(s2, 1)]);
      assert.deepEqual(seen.sort(), [...bodies].sort(), 'each message exactly once across the channel');
      assert.ok(counts[0]! > 0 && counts[1]! > 0, `both consumers got some (${counts})`);
      p.close();
      s1.close();
      s2.close();
    });

    it('RDY is a window: in-flight never exceeds it, FIN opens it again', async () => {
      const t = freshTopic();
      const p = await producer();
      p.mpub(
        t,
        Array.from({ length: 10 }, (_, i) => `m${i}`),
      );
      assert.equal(await p.response(), 'OK');
      const s = await subscriber(b.port, t, 'w', 3);
      const first = [await s.message(), await s.message(), await s.message()];
      assert.ok(await s.quiet(200), 'a fourth message waits for a FIN');
      s.cmd(`FIN ${first[0]!.id}`);
      const fourth = await s.message();
      assert.ok(fourth.body.length > 0);
      assert.ok(await s.quiet(150));
      s.cmd('RDY 0');
      for (const m of [...first.slice(1), fourth]) s.cmd(`FIN ${m.id}`);
      assert.ok(await s.quiet(200), 'RDY 0 stops delivery');
      s.cmd('RDY 10');
      const rest = [];
      for (let i = 0; i < 6; i++) rest.push(await s.message());
      assert.equal(rest.length, 6);
      p.close();
      s.close();
    });

    it('REQ 0 redelivers at once; REQ with delay defers it', async () => {
      const t = freshTopic();
      const s = await subscriber(b.port, t, 'rq', 1);
      const p = await producer();
      p.pub(t, 'again');
      await p.response();
      const m1 = await s.message();
      s.cmd(`REQ ${m1.id} 0`);
      const m2 = await s.message();
      assert.equal(m2.id, m1.id);
      assert.equal(m2.attempts, 2);
      const before = Date.now();
      s.cmd(`REQ ${m2.id} 300`);
      const m3 = await s.message(3000);
      const waited = Date.now() - before;
      assert.equal(m3.attempts, 3);
      assert.ok(waited >= 280, `deferred ~300 ms (waited ${waited})`);
      s.cmd(`FIN ${m3.id}`);
      p.close();
      s.close();
    });

    it('REQ over --max-req-timeout is clamped, not an error', async () => {
      const t = freshTopic();
      const s = await subscriber(b.port, t, 'clamp', 1);
      const p = await producer();
      p.pub(t, 'x');
      await p.response();
      const m = await s.message();
      s.cmd(`REQ ${m.id} 999999999`);
      assert.ok(await s.quiet(200), 'no error frame, no redelivery');
      assert.equal(s.closed, false);
      p.close();
      s.close();
    });

    it('DPUB defers delivery', async () => {
      const t = freshTopic();
      const s = await subscriber(b.port, t, 'dp', 5);
      const p = await producer();
      const start = Date.now();
      p.cmd(`DPUB ${t} 300`, 'later');
      assert.equal(await p.response(), 'OK');
      p.pub(t, 'now');
      assert.equal(await p.response(), 'OK');
      const first = await s.message();
      assert.equal(first.body.toString(), 'now');
      const second = await s.message(3000);
      assert.equal(second.body.toString(), 'later');
      assert.ok(Date.now() - start >= 280);
      p.close();
      s.close();
    });

    it('CLS answers CLOSE_WAIT, stops deliveries, and FIN still works', async () => {
      const t = freshTopic();
      const s = await subscriber(b.port, t, 'cls', 1);
      const p = await producer();
      p.mpub(t, ['a', 'b']);
      await p.response();
      const m = await s.message();
      s.cmd('CLS');
      assert.equal(await s.response(), 'CLOSE_WAIT');
      s.cmd(`FIN ${m.id}`);
      s.cmd('RDY 5');
      assert.ok(await s.quiet(300), 'nothing after CLS, RDY ignored, FIN accepted silently');
      assert.equal(s.closed, false);
      p.close();
      s.close();
    });

    it('an ephemeral channel disappears with its last consumer', async () => {
      const t = freshTopic();
      const s = await subscriber(b.port, t, 'eph#ephemeral', 0);
      const p = await producer();
      p.pub(t, 'one');
      await p.response();
      s.close();
      // the channel goes once the server has seen the close (on its io thread: wait for it, not a guess)
      const deadline = Date.now() + 5000;
      while ((await channelsOf(b, t)) > 0) {
        assert.ok(Date.now() < deadline, 'the ephemeral channel is deleted after its last consumer left');
        await sleep(10);
      }
      p.pub(t, 'two');
      await p.response();
      const s2 = await subscriber(b.port, t, 'eph#ephemeral', 5);
      // 'one' was queued in the deleted channel and is gone; 'two' waited in the channel-less topic
      const m = await s2.message();
      assert.equal(m.body.toString(), 'two');
      assert.ok(await s2.quiet(200), 'nothing else');
      p.close();
      s2.close();
    });

    it('sample_rate drops a share of messages', async () => {
      const t = freshTopic();
      const s = await subscriber(b.port, t, 'sampled', 2500, { sample_rate: 10 });
      const p = await producer();
      p.mpub(
        t,
        Array.from({ length: 1000 }, () => 's'),
      );
      await p.response();
      let got = 0;
      for (;;) {
        const f = await s.frame(300).catch(() => null);
        if (f === null) break;
        got++;
      }
      assert.ok(got > 40 && got < 250, `about 11% delivered, got ${got}`);
      p.close();
      s.close();
    });

    it('a magic split across packets works', async () => {
      const c = await WireClient.connect(b.port, { magic: false });
      c.write(' ');
      await sleep(50);
      c.write(' V');
      await sleep(50);
      c.write('2');
      c.cmd('NOP');
      c.pub(freshTopic(), 'x');
      assert.equal(await c.response(), 'OK');
      c.close();
    });

    describe(`in-flight timeouts (--msg-timeout=${MSG_TIMEOUT}ms)`, () => {
      let short: TestBroker;
      before(async () => {
        short = await startBroker({ workers, msgTimeout: MSG_TIMEOUT });
      });
      after(() => short.close());

      it('an in-flight timeout requeues with attempts + 1; FIN of the old delivery then fails', async () => {
        const t = freshTopic();
        const s = await subscriber(short.port, t, 'to', 1);
        const p = await WireClient.connect(short.port);
        p.pub(t, 'slow');
        assert.equal(await p.response(), 'OK');
        const m1 = await s.message();
        assert.equal(m1.attempts, 1);
        const m2 = await s.message(3000);
        assert.equal(m2.id, m1.id);
        assert.equal(m2.attempts, 2);
        assert.equal(m2.body.toString(), 'slow');
        // let this delivery time out too, with RDY 0 so nothing takes its place; its FIN then fails
        s.cmd('RDY 0');
        await sleep(MSG_TIMEOUT + 250);
        s.cmd(`FIN ${m2.id}`);
        assert.equal(await s.error(), `E_FIN_FAILED FIN ${m2.id} failed ID not in flight`);
        assert.equal(s.closed, false, 'E_FIN_FAILED is not fatal');
        s.cmd('RDY 1');
        const m3 = await s.message(3000);
        assert.equal(m3.id, m1.id);
        assert.equal(m3.attempts, 3, 'the timed-out delivery was requeued, not finished');
        s.cmd(`FIN ${m3.id}`);
        assert.ok(await s.quiet(MSG_TIMEOUT + 100), 'finished: not redelivered');
        p.close();
        s.close();
      });

      it('TOUCH extends the deadline', async () => {
        const t = freshTopic();
        const s = await subscriber(short.port, t, 'touch', 1);
        const p = await WireClient.connect(short.port);
        p.pub(t, 'held');
        await p.response();
        const m = await s.message();
        for (let i = 0; i < 4; i++) {
          await sleep(MSG_TIMEOUT * 0.4);
          s.cmd(`TOUCH ${m.id}`);
        }
        assert.equal(s.queued, 0, 'not redelivered while touched (1.6 x msg_timeout)');
        s.cmd(`FIN ${m.id}`);
        assert.ok(await s.quiet(MSG_TIMEOUT + 100));
        p.close();
        s.close();
      });

      it('a disconnected consumer’s messages wait for their timeout, then go to another consumer', async () => {
        const t = freshTopic();
        const s1 = await subscriber(short.port, t, 'dc', 1);
        const p = await WireClient.connect(short.port);
        p.pub(t, 'orphan');
        await p.response();
        const m = await s1.message();
        s1.close();
        const s2 = await subscriber(short.port, t, 'dc', 1);
        s2.cmd(`FIN ${m.id}`);
        assert.equal(await s2.error(), `E_FIN_FAILED FIN ${m.id} failed client does not own message`);
        const again = await s2.message(3000);
        assert.equal(again.id, m.id);
        assert.equal(again.attempts, 2);
        p.close();
        s2.close();
      });
    });
  });
}
