/**
 * Drain mode (nsqio/nsq #1302) over real sockets. In process, with inline and worker shards: what
 * PUT/GET /config/drain answer, publishes refused on TCP (Go's fatal E_PUB_FAILED / E_MPUB_FAILED /
 * E_DPUB_FAILED form) and HTTP (503 DRAINING), /ping, /stats and /metrics showing it, and the broker
 * ending only once nothing is queued, in flight or deferred. As real processes with our nsqlookupd:
 * a backlog drained by a consumer, the node gone from the lookupd's /lookup while its connection
 * stays, exit 0, and nothing left on disk; SIGUSR2 with --drain-timeout: exit 0 at the bound with
 * what is left written to disk.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SHARD_MATRIX, startBroker, type TestBroker } from '../helpers/broker.js';
import { eventually, lookupOf, nodesOf, type Program, startLookupd } from '../helpers/cluster.js';
import { NSQD_MAIN, type StartedProgram, startProgram } from '../helpers/process.js';
import { tempDirs } from '../helpers/tmp.js';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

const tempDir = tempDirs('drain');

async function http(port: number, method: string, path: string, body?: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, text: await res.text() };
}

/** channel depth + in flight + deferred of topic/channel in a /stats?format=json */
async function channelStats(port: number, topic: string, channel: string) {
  const r = await http(port, 'GET', `/stats?format=json&topic=${topic}`);
  const s = JSON.parse(r.text) as {
    topics: {
      topic_name: string;
      channels: { channel_name: string; depth: number; in_flight_count: number; deferred_count: number }[];
    }[];
  };
  return s.topics.find((t) => t.topic_name === topic)?.channels.find((c) => c.channel_name === channel);
}

for (const workers of SHARD_MATRIX.filter((n) => n !== 1)) {
  describe(`drain mode in process (--workers=${workers})`, () => {
    let b: TestBroker;
    let http0: number;
    before(async () => {
      b = await startBroker({ workers, logLevel: 'info' });
      http0 = b.broker.httpPort;
    });
    after(() => b.close());

    it('refuses publishes on TCP and HTTP, shows it, and ends once nothing is queued, in flight or deferred', async () => {
      const topic = freshTopic('drain');
      assert.deepEqual(await http(http0, 'GET', '/config/drain'), { status: 200, text: 'false' });
      assert.deepEqual(await http(http0, 'PUT', '/config/drain', 'false'), {
        status: 400,
        text: '{"message":"INVALID_VALUE"}',
      });
      assert.deepEqual(await http(http0, 'GET', '/ping'), { status: 200, text: 'OK' });
      const before = await http(http0, 'GET', '/stats?format=json');
      assert.ok(!before.text.includes('draining'), before.text);

      // a backlog: 3 queued on the channel, 1 deferred 400 ms
      const c = await subscriber(b.port, topic, 'ch', 0);
      const p = await WireClient.connect(b.port);
      p.mpub(topic, ['a', 'b', 'c']);
      assert.equal(await p.response(), 'OK');
      p.cmd(`DPUB ${topic} 400`, 'later');
      assert.equal(await p.response(), 'OK');

      let ended = '';
      void b.broker.ended.then((why) => {
        ended = why;
      });
      const t0 = performance.now();
      assert.deepEqual(await http(http0, 'PUT', '/config/drain', 'true'), { status: 200, text: 'true' });
      assert.deepEqual(await http(http0, 'GET', '/config/drain'), { status: 200, text: 'true' });
      // a second PUT is a no-op
      assert.deepEqual(await http(http0, 'PUT', '/config/drain', ' true\n'), { status: 200, text: 'true' });

      assert.deepEqual(await http(http0, 'GET', '/ping'), { status: 503, text: 'DRAINING' });
      const stats = JSON.parse((await http(http0, 'GET', '/stats?format=json')).text) as Record<
        string,
        unknown
      >;
      assert.equal(stats.draining, true);
      assert.equal(stats.health, 'OK');
      assert.match((await http(http0, 'GET', '/stats')).text, /\nHealth: OK\nDraining: /);
      assert.match((await http(http0, 'GET', '/metrics')).text, /\nnsq_draining 1\n/);

      // TCP: the producer's next PUB is refused, fatal, as nsqd's PutMessage failure
      p.pub(topic, 'refused');
      assert.equal(await p.error(), 'E_PUB_FAILED PUB failed nsqd is draining');
      await p.waitClosed();
      for (const [cmd, err] of [
        ['MPUB', 'E_MPUB_FAILED MPUB failed nsqd is draining'],
        ['DPUB', 'E_DPUB_FAILED DPUB failed nsqd is draining'],
      ] as const) {
        const q = await WireClient.connect(b.port);
        if (cmd === 'MPUB') q.mpub(topic, ['x']);
        else q.cmd(`DPUB ${topic} 10`, 'x');
        assert.equal(await q.error(), err);
        await q.waitClosed();
      }
      // HTTP: 503 with nsqd's JSON error
      for (const path of [`/pub?topic=${topic}`, `/mpub?topic=${topic}`, `/pub?topic=${topic}&defer=10`]) {
        assert.deepEqual(
          await http(http0, 'POST', path, 'x'),
          { status: 503, text: '{"message":"DRAINING"}' },
          path,
        );
      }

      // the consumer still gets everything, the deferred one when it comes due
      c.cmd('RDY 10');
      const bodies: string[] = [];
      for (let i = 0; i < 4; i++) {
        const m = await c.message(3000);
        bodies.push(m.body.toString());
        if (i < 3) assert.equal(ended, '', 'not ended while a message is left');
        c.cmd(`FIN ${m.id}`);
      }
      assert.deepEqual(bodies, ['a', 'b', 'c', 'later']);
      const why = await Promise.race([
        b.broker.ended,
        new Promise<string>((_, rej) => setTimeout(() => rej(new Error('not ended within 3 s')), 3000)),
      ]);
      assert.equal(why, 'drained');
      assert.ok(performance.now() - t0 >= 400, 'waited for the deferred message');
      await b.waitForLog(/DRAIN: every topic and channel is empty after /);
      c.close();
    });
  });
}

describe('drain mode as a process, with nsqlookupd', () => {
  let lookupd: Program;
  before(async () => {
    lookupd = await startLookupd();
  });
  after(() => lookupd?.stop());

  const startNode = (data: string, extra: string[] = []): Promise<StartedProgram> =>
    startProgram(
      NSQD_MAIN,
      [
        '--tcp-address=127.0.0.1:0',
        '--http-address=127.0.0.1:0',
        '--broadcast-address=127.0.0.1',
        `--data-path=${data}`,
        `--lookupd-tcp-address=${lookupd.tcpAddress}`,
        ...extra,
      ],
      [],
      process.env,
      true,
    );

  it('PUT /config/drain: the consumer drains the backlog, lookupd stops listing the node, exit 0 with nothing left', async () => {
    const data = tempDir();
    const topic = freshTopic('drainp');
    const node = await startNode(data);
    try {
      assert.equal((await http(node.httpPort, 'POST', `/topic/create?topic=${topic}`)).status, 200);
      assert.equal(
        (await http(node.httpPort, 'POST', `/channel/create?topic=${topic}&channel=ch`)).status,
        200,
      );
      const backlog = Array.from({ length: 500 }, (_, i) => `m${i}`);
      assert.equal(
        (await http(node.httpPort, 'POST', `/mpub?topic=${topic}`, backlog.join('\n'))).text,
        'OK',
      );
      await eventually('lookupd lists the node for the topic', async () => {
        const l = await lookupOf(lookupd, topic);
        return l.ports.includes(node.port) && l.channels.includes('ch') ? true : undefined;
      });

      assert.equal((await http(node.httpPort, 'PUT', '/config/drain', 'true')).status, 200);
      assert.deepEqual(await http(node.httpPort, 'GET', '/ping'), { status: 503, text: 'DRAINING' });
      assert.deepEqual(await http(node.httpPort, 'POST', `/pub?topic=${topic}`, 'late'), {
        status: 503,
        text: '{"message":"DRAINING"}',
      });
      const p = await WireClient.connect(node.port);
      p.pub(topic, 'late');
      assert.equal(await p.error(), 'E_PUB_FAILED PUB failed nsqd is draining');

      // consumers discovering through lookupd stop finding the node; its connection stays
      await eventually('the node is gone from /lookup', async () =>
        (await lookupOf(lookupd, topic)).ports.includes(node.port) ? undefined : true,
      );
      assert.deepEqual((await nodesOf(lookupd)).get(node.port), []);

      // a consumer already connected drains it all
      const c = await subscriber(node.port, topic, 'ch', 100);
      const got = new Set<string>();
      while (got.size < backlog.length) {
        const m = await c.message(5000);
        got.add(m.body.toString());
        c.cmd(`FIN ${m.id}`);
      }
      const run = await Promise.race([
        node.exit,
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no exit within 10 s')), 10_000)),
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /DRAIN: every topic and channel is empty after /);
      assert.match(run.stderr, /drained, shutting down/);
      assert.match(run.stderr, /LOOKUPD\(127\.0\.0\.1:\d+\): channel UNREGISTER \S+ ch\n/);
      c.close();
    } finally {
      await node.stop();
    }
    // nothing left: the restarted node has the channel, empty
    const again = await startNode(data);
    try {
      const s = await channelStats(again.httpPort, topic, 'ch');
      assert.deepEqual([s?.depth, s?.in_flight_count, s?.deferred_count], [0, 0, 0]);
    } finally {
      await again.stop();
    }
  });

  it('SIGUSR2 with --drain-timeout: exit 0 at the bound, what is left written to disk', async () => {
    const data = tempDir();
    const topic = freshTopic('draint');
    const node = await startNode(data, ['--drain-timeout=600ms']);
    try {
      assert.equal((await http(node.httpPort, 'POST', `/topic/create?topic=${topic}`)).status, 200);
      assert.equal(
        (await http(node.httpPort, 'POST', `/channel/create?topic=${topic}&channel=ch`)).status,
        200,
      );
      assert.equal((await http(node.httpPort, 'POST', `/mpub?topic=${topic}`, 'a\nb\nc\nd\ne')).text, 'OK');
      const t0 = performance.now();
      node.proc.kill('SIGUSR2');
      const run = await Promise.race([
        node.exit,
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no exit within 10 s')), 10_000)),
      ]);
      const took = performance.now() - t0;
      assert.equal(run.code, 0, run.stderr);
      assert.ok(took >= 600, `exited after ${took} ms`);
      assert.match(run.stderr, /DRAIN: draining \(SIGUSR2\)/);
      assert.match(run.stderr, /--drain-timeout 600ms reached with 5 queued, 0 in flight, 0 deferred/);
      assert.match(run.stderr, /drain timed out, shutting down/);
    } finally {
      await node.stop();
    }
    const again = await startNode(data);
    try {
      assert.equal((await channelStats(again.httpPort, topic, 'ch'))?.depth, 5);
    } finally {
      await again.stop();
    }
  });
});
