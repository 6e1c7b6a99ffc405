/**
 * Durability as an operator meets it, with the real nsqd binary: `kill -9` while publishing with
 * --sync-publish loses no acknowledged message; garbled and truncated queue files are quarantined
 * (`.bad`) and everything else is still served; a failing disk answers E_PUB_FAILED and /ping NOK,
 * and recovers.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../helpers/broker.js';
import { freshTopic, sleep, subscriber, WireClient } from '../helpers/wire.js';

const MAIN = fileURLToPath(new URL('../../src/nsqd/main.js', import.meta.url));
/** acknowledged --sync-publish messages before the kill -9 (publishing goes on until it) */
const KILL_AFTER_ACKS = 1000;

function startServer(args: string[]): Promise<{ proc: ChildProcess; port: number; exited: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [MAIN, '--tcp-address=127.0.0.1:0', '--http-address=', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    const t = setTimeout(() => reject(new Error(`no listening line: ${err}`)), 10000);
    proc.stderr!.on('data', (d) => {
      err += d;
      const m = /TCP: listening on .*:(\d+)/.exec(err);
      if (m) {
        clearTimeout(t);
        resolve({ proc, port: Number(m[1]), exited });
      }
    });
    proc.on('exit', () => reject(new Error(`exited early: ${err}`)));
  });
}

/** receive until nothing arrives for a while; FIN everything */
async function drain(port: number, topic: string, channel: string): Promise<string[]> {
  const s = await subscriber(port, topic, channel, 2500);
  const got: string[] = [];
  for (;;) {
    const m = await s.message(700).catch(() => null);
    if (m === null) break;
    got.push(m.body.toString());
    s.cmd(`FIN ${m.id}`);
  }
  s.close();
  return got;
}

describe('durability', () => {
  for (const workers of ['0', '1']) {
    it(
      `kill -9 while publishing with --sync-publish loses no acknowledged message (--workers=${workers})`,
      { timeout: 60000 },
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'nsq-ts-crash-'));
        try {
          const t = freshTopic('crash');
          const a = await startServer([`--data-path=${dir}`, `--workers=${workers}`, '--sync-publish']);
          const acked = new Set<string>();
          let stop = false;
          const publishers = Array.from({ length: 8 }, async (_, k) => {
            const p = await WireClient.connect(a.port);
            for (let i = 0; !stop; i++) {
              const body = `p${k}-${i}`;
              p.pub(t, body);
              const ok = await p.response(2000).catch(() => null);
              if (ok !== 'OK') break;
              acked.add(body);
            }
            p.close();
          });
          // kill once enough publishes are acknowledged (a loaded machine gets there later)
          for (const until = Date.now() + 10_000; acked.size < KILL_AFTER_ACKS && Date.now() < until; ) {
            await sleep(20);
          }
          a.proc.kill('SIGKILL');
          stop = true;
          await Promise.all(publishers);
          assert.ok(acked.size > 50, `enough acknowledged publishes to mean something (${acked.size})`);

          await a.exited;
          const b = await startServer([`--data-path=${dir}`, `--workers=${workers}`]);
          try {
            const got = new Set(await drain(b.port, t, 'after-crash'));
            const lost = [...acked].filter((x) => !got.has(x));
            assert.deepEqual(lost, [], `acknowledged but lost: ${lost.length} of ${acked.size}`);
          } finally {
            b.proc.kill('SIGTERM');
            await b.exited;
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  }

  it(
    'garbled and truncated queue files are quarantined as .bad; the rest is served',
    { timeout: 60000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nsq-ts-corrupt-'));
      try {
        const good = freshTopic('good');
        const bad = freshTopic('bad');
        const cut = freshTopic('cut');
        const a = await startBroker({ workers: 1, dataPath: dir, memQueueSize: 0 });
        const p = await WireClient.connect(a.port);
        for (const t of [good, bad, cut]) {
          p.mpub(
            t,
            Array.from({ length: 50 }, (_, i) => `${t}-${i}`),
          );
          assert.equal(await p.response(), 'OK');
        }
        p.close();
        await a.close();
        // garble the first record's length of one topic, cut another's file mid-record
        const badFile = join(dir, `${bad}.diskqueue.000000.dat`);
        const fd = openSync(badFile, 'r+');
        writeSync(fd, Buffer.from([0x7f, 0xff, 0xff, 0xff]), 0, 4, 0);
        closeSync(fd);
        const cutFile = join(dir, `${cut}.diskqueue.000000.dat`);
        truncateSync(cutFile, Math.floor(statSync(cutFile).size / 2));

        const b = await startBroker({ workers: 1, dataPath: dir });
        try {
          assert.equal((await drain(b.port, good, 'c')).length, 50, 'the healthy topic is whole');
          assert.deepEqual(await drain(b.port, bad, 'c'), [], 'nothing readable after a garbled length');
          const partial = await drain(b.port, cut, 'c');
          assert.ok(
            partial.length > 0 && partial.length < 50,
            `the records before the cut (${partial.length})`,
          );
          const quarantined = readdirSync(dir).filter((f) => f.endsWith('.bad'));
          assert.ok(
            quarantined.some((f) => f.startsWith(bad)),
            `quarantined: ${quarantined}`,
          );
          // and the broker keeps working for new messages on the damaged topic
          const q = await WireClient.connect(b.port);
          q.pub(bad, 'fresh');
          assert.equal(await q.response(), 'OK');
          assert.deepEqual(await drain(b.port, bad, 'c'), ['fresh']);
          q.close();
        } finally {
          await b.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  /** a broker whose topic's first queue file is /dev/full (ENOSPC on every write); unlink() heals it */
  async function withFullDisk(
    workers: number,
    t: { skip(m: string): void },
    body: (b: Awaited<ReturnType<typeof startBroker>>, topic: string, unlink: () => void) => Promise<void>,
  ): Promise<void> {
    if (!existsSync('/dev/full')) return t.skip('no /dev/full on this machine');
    const b = await startBroker({ workers, memQueueSize: 0, httpAddress: '127.0.0.1:0' });
    try {
      const topic = freshTopic('full');
      writeFileSync(join(b.dataPath, `${topic}.diskqueue.meta.dat`), '0\n0,0\n0,0\n');
      const file = join(b.dataPath, `${topic}.diskqueue.000000.dat`);
      symlinkSync('/dev/full', file);
      await body(b, topic, () => unlinkSync(file));
    } finally {
      await b.close();
    }
  }

  async function ping(b: Awaited<ReturnType<typeof startBroker>>): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${b.broker.httpPort}/ping`);
    return `${res.status} ${await res.text()}`;
  }

  it(
    'a failing disk answers E_PUB_FAILED and /ping NOK, then recovers (--workers=0)',
    { timeout: 30000 },
    (t) =>
      withFullDisk(0, t, async (b, topic, unlink) => {
        const p = await WireClient.connect(b.port);
        p.pub(topic, 'x');
        assert.match(await p.error(), /^E_PUB_FAILED PUB failed /);
        await p.waitClosed();
        assert.match(await ping(b), /^500 NOK - /);
        unlink();
        const q = await WireClient.connect(b.port);
        q.pub(topic, 'y');
        assert.equal(await q.response(), 'OK');
        assert.equal(await ping(b), '200 OK');
        q.close();
        assert.deepEqual(await drain(b.port, topic, 'c'), ['y']);
      }),
  );

  it(
    'a failing disk behind a worker shard: the publish answered OK at once stays in memory, /ping turns NOK, later publishes get E_PUB_FAILED, then it recovers',
    { timeout: 30000 },
    (t) =>
      withFullDisk(1, t, async (b, topic, unlink) => {
        const p = await WireClient.connect(b.port);
        p.pub(topic, 'x');
        assert.equal(await p.response(), 'OK', 'answered on the io thread before the write');
        let health = await ping(b);
        for (let i = 0; i < 100 && health.startsWith('200'); i++) {
          await new Promise((r) => setTimeout(r, 20));
          health = await ping(b);
        }
        assert.match(health, /^500 NOK - /);
        p.pub(topic, 'y');
        assert.match(
          await p.error(),
          /^E_PUB_FAILED PUB failed /,
          'an unhealthy shard answers publishes itself',
        );
        await p.waitClosed();
        unlink();
        const q = await WireClient.connect(b.port);
        q.pub(topic, 'z');
        assert.equal(await q.response(), 'OK');
        assert.equal(await ping(b), '200 OK');
        q.close();
        assert.deepEqual(await drain(b.port, topic, 'c'), ['x', 'z'], 'nothing answered OK is lost');
      }),
  );
});
