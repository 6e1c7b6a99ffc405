/**
 * The disk side as a user sees it: past --mem-queue-size messages go to go-diskqueue files and
 * still arrive exactly once; a clean shutdown writes queued, in-flight and deferred messages to
 * disk and nsqd.dat records topics, channels and pause flags, so a restart on the same data
 * directory delivers every message again — for each shard setting.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startBroker, tempDataPath } from '../helpers/broker.js';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

for (const workers of [0, 2]) {
  describe(`persistence (--workers=${workers})`, () => {
    it(
      '--mem-queue-size=10: 10,000 messages overflow to disk and are consumed exactly once',
      { timeout: 60000 },
      async () => {
        const b = await startBroker({ workers, memQueueSize: 10 });
        try {
          const t = freshTopic('overflow');
          const hold = await subscriber(b.port, t, 'ch', 0); // the channel exists, nobody is ready
          const p = await WireClient.connect(b.port);
          for (let i = 0; i < 100; i++) {
            p.mpub(
              t,
              Array.from({ length: 100 }, (_, j) => `m${i * 100 + j}`),
            );
            assert.equal(await p.response(), 'OK');
          }
          const files = readdirSync(b.dataPath).filter((f) => f.startsWith(`${t}:ch.diskqueue.`));
          assert.ok(
            files.some((f) => f.endsWith('.dat') && !f.includes('meta')),
            `data files: ${files}`,
          );
          hold.close();
          const s = await subscriber(b.port, t, 'ch', 2500);
          const seen = new Set<string>();
          for (let n = 0; n < 10000; n++) {
            const m = await s.message(5000);
            const body = m.body.toString();
            assert.ok(!seen.has(body), `duplicate ${body}`);
            seen.add(body);
            s.cmd(`FIN ${m.id}`);
          }
          assert.equal(seen.size, 10000);
          assert.ok(await s.quiet(300), 'nothing more');
          p.close();
          s.close();
        } finally {
          await b.close();
        }
      },
    );

    it(
      'publishes answered OK just before a clean stop all come back after the restart',
      { timeout: 60000 },
      async () => {
        const dataPath = tempDataPath();
        try {
          // every message to disk: the shard is the slow side, and the ring holds what it has not taken
          const a = await startBroker({ workers, dataPath, memQueueSize: 0 });
          const t = freshTopic('lastok');
          const p = await WireClient.connect(a.port);
          const batches = 50;
          for (let i = 0; i < batches; i++) {
            p.mpub(
              t,
              Array.from({ length: 200 }, (_, j) => `m${i * 200 + j}`.padEnd(1000, '.')),
            );
          }
          for (let i = 0; i < batches; i++) assert.equal(await p.response(), 'OK');
          await a.close(); // at once: with worker shards the last OKs may precede the shard's work
          const b = await startBroker({ workers, dataPath });
          try {
            const s = await subscriber(b.port, t, 'ch', 2500);
            const seen = new Set<string>();
            for (let n = 0; n < batches * 200; n++) {
              const m = await s.message(5000);
              seen.add(m.body.toString());
              s.cmd(`FIN ${m.id}`);
            }
            assert.equal(seen.size, batches * 200);
            s.close();
          } finally {
            await b.close();
          }
        } finally {
          rmSync(dataPath, { recursive: true, force: true });
        }
      },
    );

    it(
      'a restart on the same data dir brings back queued, in-flight and deferred messages and pause flags',
      { timeout: 60000 },
      async () => {
        const dataPath = tempDataPath();
        try {
          const a = await startBroker({ workers, dataPath });
          const lonely = freshTopic('nochan');
          const t = freshTopic('restart');
          const p = await WireClient.connect(a.port);
          p.mpub(lonely, ['x1', 'x2', 'x3']);
          assert.equal(await p.response(), 'OK');
          const s = await subscriber(a.port, t, 'ch', 0);
          const q = await subscriber(a.port, t, 'paused-ch', 0);
          p.mpub(t, ['a', 'b', 'c', 'd']);
          assert.equal(await p.response(), 'OK');
          s.cmd('RDY 2');
          const first = [await s.message(), await s.message()];
          s.cmd('RDY 0');
          s.cmd(`REQ ${first[1]!.id} 60000`); // deferred; first[0] stays in flight
          const base = `http://127.0.0.1:${a.broker.httpPort}`;
          const paused = await fetch(`${base}/channel/pause?topic=${t}&channel=paused-ch`, {
            method: 'POST',
          });
          assert.equal(paused.status, 200);
          await new Promise((r) => setTimeout(r, 100));
          p.close();
          await a.close();
          await s.waitClosed();
          q.close();

          const meta = JSON.parse(readFileSync(join(dataPath, 'nsqd.dat'), 'utf8'));
          const tm = meta.topics.find((x: { name: string }) => x.name === t);
          assert.deepEqual(
            tm.channels.map((c: { name: string; paused: boolean }) => [c.name, c.paused]).sort(),
            [
              ['ch', false],
              ['paused-ch', true],
            ],
          );

          const b = await startBroker({ workers, dataPath });
          try {
            const s2 = await subscriber(b.port, t, 'ch', 10);
            const got = new Map<string, number>();
            for (let i = 0; i < 4; i++) {
              const m = await s2.message(5000);
              got.set(m.body.toString(), m.attempts);
              s2.cmd(`FIN ${m.id}`);
            }
            assert.deepEqual([...got.keys()].sort(), ['a', 'b', 'c', 'd']);
            assert.equal(got.get(first[0]!.body.toString()), 2, 'the in-flight one keeps counting attempts');
            const l = await subscriber(b.port, lonely, 'late', 10);
            const bodies = [
              (await l.message()).body.toString(),
              (await l.message()).body.toString(),
              (await l.message()).body.toString(),
            ];
            assert.deepEqual(bodies.sort(), ['x1', 'x2', 'x3']);
            const stats = (await (
              await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&topic=${t}`)
            ).json()) as {
              topics: { channels: { channel_name: string; paused: boolean; depth: number }[] }[];
            };
            const pc = stats.topics[0]!.channels.find((c) => c.channel_name === 'paused-ch')!;
            assert.equal(pc.paused, true, 'the pause flag survived');
            assert.equal(pc.depth, 4, 'the paused channel kept its 4 messages');
            s2.close();
            l.close();
          } finally {
            await b.close();
          }
        } finally {
          rmSync(dataPath, { recursive: true, force: true });
        }
      },
    );
  });
}

describe('a data directory left by Go nsqd', () => {
  it(
    'nsqd.dat plus go-diskqueue files are loaded and every message is delivered',
    { timeout: 30000 },
    async () => {
      const dataPath = tempDataPath();
      try {
        // what Go nsqd 1.3.0 leaves behind: nsqd.dat and, per queue, data files and a metadata file
        writeFileSync(
          join(dataPath, 'nsqd.dat'),
          '{"topics":[{"name":"orders","paused":false,"channels":[{"name":"billing","paused":false}]}],"version":"1.3.0"}',
        );
        const records: Buffer[] = [];
        for (let i = 0; i < 30; i++) {
          const body = Buffer.from(`order-${i}`);
          const rec = Buffer.alloc(4 + 26 + body.length);
          rec.writeInt32BE(26 + body.length, 0);
          rec.writeBigInt64BE(1700000000000000000n + BigInt(i), 4);
          rec.writeUInt16BE(i % 3, 12); // attempts already made
          rec.write((0x1000 + i).toString(16).padStart(16, '0'), 14, 'latin1');
          body.copy(rec, 30);
          records.push(rec);
        }
        // two data files for the channel (rolled over), one for the topic
        const first = Buffer.concat(records.slice(0, 10));
        const second = Buffer.concat(records.slice(10, 20));
        writeFileSync(join(dataPath, 'orders:billing.diskqueue.000000.dat'), first);
        writeFileSync(join(dataPath, 'orders:billing.diskqueue.000001.dat'), second);
        writeFileSync(join(dataPath, 'orders:billing.diskqueue.meta.dat'), `20\n0,0\n1,${second.length}\n`);
        const topicData = Buffer.concat(records.slice(20));
        writeFileSync(join(dataPath, 'orders.diskqueue.000000.dat'), topicData);
        writeFileSync(join(dataPath, 'orders.diskqueue.meta.dat'), `10\n0,0\n0,${topicData.length}\n`);

        const b = await startBroker({ workers: 1, dataPath });
        try {
          const s = await subscriber(b.port, 'orders', 'billing', 100);
          const got = new Map<string, { attempts: number; id: string }>();
          for (let i = 0; i < 30; i++) {
            const m = await s.message(5000);
            got.set(m.body.toString(), { attempts: m.attempts, id: m.id });
            s.cmd(`FIN ${m.id}`);
          }
          assert.equal(got.size, 30);
          assert.deepEqual(got.get('order-7'), {
            attempts: (7 % 3) + 1,
            id: (0x1000 + 7).toString(16).padStart(16, '0'),
          });
          assert.ok(await s.quiet(300));
          s.close();
        } finally {
          await b.close();
        }
      } finally {
        rmSync(dataPath, { recursive: true, force: true });
      }
    },
  );
});
