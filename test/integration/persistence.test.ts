/**
 * The disk side as a user sees it: past --mem-queue-size messages go to go-diskqueue files and
 * still arrive exactly once; a clean shutdown writes queued, in-flight and deferred messages to
 * disk and nsqd.dat records topics, channels and pause flags, so a restart on the same data
 * directory delivers every message again — for each shard setting.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
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
