/**
 * Issue 8, as the operator ran it, with the real nsqd binary: two publishers (PUB, 50 in flight
 * each) and one consumer (RDY 100) on `rel`/`c`, nsqd with --sync-publish and a small
 * --mem-queue-size, `kill -9`ed at seeded random moments and restarted on the same --data-path for
 * several rounds; then publishing stops and the consumer drains. Every acknowledged message must be
 * delivered (the disk queue once trusted its depth counter over its read/write positions after a
 * crash, and the last restart's publishes were never read); a message may come twice only when its
 * first delivery was before a crash; afterwards the channel is empty (a fresh SUB gets nothing,
 * /stats shows depth 0).
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeMessage, FRAME_ERROR, FRAME_MESSAGE, FRAME_RESPONSE } from '../../src/wire/encode.js';
import { prng } from '../helpers/prng.js';
import { sleep, subscriber, WireClient } from '../helpers/wire.js';

const MAIN = fileURLToPath(new URL('../../src/nsqd/main.js', import.meta.url));
const TOPIC = 'rel';
const CHANNEL = 'c';
const ROUNDS = 5;
const PUBLISHERS = 2;
const IN_FLIGHT = 50;
const RDY = 100;
/** the seed of the kill moments; CRASH_ROUNDS_SEED replays another run */
const SEED = Number(process.env.CRASH_ROUNDS_SEED ?? 0x1550e8);

interface Server {
  proc: ChildProcess;
  port: number;
  httpPort: number;
  exited: Promise<void>;
  log: () => string;
}

function startServer(args: string[]): Promise<Server> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [MAIN, '--tcp-address=127.0.0.1:0', '--http-address=127.0.0.1:0', ...args],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    let done = false;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    const fail = (why: string): void => {
      if (done) return;
      done = true;
      clearTimeout(t);
      proc.kill('SIGKILL');
      reject(new Error(`${why}: ${err}`));
    };
    const t = setTimeout(() => fail('no listening lines within 15 s'), 15000);
    proc.stderr!.on('data', (d) => {
      err += d;
      if (done) return;
      const tcp = /TCP: listening on .*:(\d+)/.exec(err);
      const http = /HTTP: listening on .*:(\d+)/.exec(err);
      if (tcp && http) {
        done = true;
        clearTimeout(t);
        resolve({ proc, port: Number(tcp[1]), httpPort: Number(http[1]), exited, log: () => err });
      }
    });
    proc.once('exit', (code, signal) => fail(`exited early (${code ?? signal})`));
  });
}

/** resolves when p settles or after ms, whichever comes first; true when p settled */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    t = setTimeout(() => r(false), ms);
  });
  const r = await Promise.race([p.then(() => true), timeout]);
  clearTimeout(t);
  return r;
}

async function stopServer(s: Server, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  s.proc.kill(signal);
  if (!(await within(s.exited, 10000))) {
    s.proc.kill('SIGKILL');
    assert.ok(await within(s.exited, 5000), 'nsqd did not exit after SIGKILL');
    if (signal === 'SIGTERM')
      assert.fail(`nsqd did not stop within 10 s of SIGTERM: ${s.log().slice(-2000)}`);
  }
}

/** what the whole run saw */
interface Tally {
  /** every body a publisher sent (acknowledged or not) */
  sent: Set<string>;
  /** bodies whose OK arrived → the round it arrived in */
  acked: Map<string, number>;
  /** body → the round of each of its deliveries, in order */
  deliveries: Map<string, number[]>;
  /** error frames a consumer or publisher got (none expected) */
  errors: string[];
}

/**
 * One publisher connection: PUB with up to IN_FLIGHT unanswered, unique bodies (`p<k>-<seq>`, seq
 * continuing across rounds); a body counts as acknowledged only when its OK arrives. Ends when the
 * server goes away, or when `stop()` says so and every publish has been answered.
 */
async function publish(
  port: number,
  round: number,
  k: number,
  seq: number[],
  tally: Tally,
  stop: () => boolean,
): Promise<void> {
  let c: WireClient;
  try {
    c = await WireClient.connect(port);
  } catch {
    return; // killed before we got in
  }
  const pending: string[] = [];
  try {
    for (;;) {
      while (!stop() && !c.closed && pending.length < IN_FLIGHT) {
        const body = `p${k}-${seq[k]!++}`;
        tally.sent.add(body);
        pending.push(body);
        c.pub(TOPIC, body);
      }
      if (pending.length === 0) return;
      const f = await c.frame(10000); // throws once the connection is gone and nothing is queued
      const body = pending.shift()!;
      if (f.type === FRAME_RESPONSE && f.data.toString() === 'OK') tally.acked.set(body, round);
      else {
        tally.errors.push(`publisher ${k}: ${f.type} ${f.data}`);
        return;
      }
    }
  } catch {
    // the server was killed: what is still pending was never acknowledged
  } finally {
    c.close();
  }
}

/**
 * The consumer (already SUBscribed with RDY 100): records every body it receives under `round` and
 * FINs it. Returns once the connection is gone, once `stop()` says so, with quietMs once nothing has
 * arrived for quietMs, or at the deadline.
 */
async function consume(
  c: WireClient,
  round: number,
  tally: Tally,
  deadline: number,
  quietMs: number | null,
  stop: () => boolean = () => false,
): Promise<void> {
  while (Date.now() < deadline && !stop()) {
    let f: Awaited<ReturnType<WireClient['frame']>>;
    try {
      f = await c.frame(quietMs ?? 250);
    } catch {
      if (c.closed || quietMs !== null) return;
      continue;
    }
    if (f.type === FRAME_MESSAGE) {
      const m = decodeMessage(Buffer.from(f.data));
      const body = m.body.toString();
      const rounds = tally.deliveries.get(body);
      if (rounds === undefined) tally.deliveries.set(body, [round]);
      else rounds.push(round);
      if (!c.closed) c.cmd(`FIN ${m.id}`);
    } else if (f.type === FRAME_ERROR) {
      tally.errors.push(`consumer: ${f.data}`);
    }
  }
}

/**
 * Where a lost body sat in its publisher's stream: the nearest delivered neighbours and the rounds
 * they were first delivered in (a loss between a round's last delivery and the next round's first
 * was taken from the queue while in flight at a kill; a loss in the final round is issue 8's).
 */
function around(body: string, tally: Tally): string {
  const [p, n] = body.split('-');
  const seqNo = Number(n);
  const near = (step: number): string => {
    for (let i = seqNo + step; Math.abs(i - seqNo) <= 500 && i >= 0; i += step) {
      const r = tally.deliveries.get(`${p}-${i}`);
      if (r !== undefined) return `${p}-${i} in round ${r[0]}`;
    }
    return 'none near';
  };
  return `${body} (acked in round ${tally.acked.get(body)}; before it ${near(-1)}, after it ${near(1)})`;
}

interface Json {
  [k: string]: unknown;
}

async function channelStats(httpPort: number): Promise<{ topic: Json; channel: Json }> {
  const r = await fetch(`http://127.0.0.1:${httpPort}/stats?format=json&topic=${TOPIC}`, {
    signal: AbortSignal.timeout(5000),
  });
  assert.equal(r.status, 200);
  const all = (await r.json()) as Json;
  const topic = (all.topics as Json[]).find((x) => x.topic_name === TOPIC);
  assert.ok(topic, `topic ${TOPIC} in /stats`);
  const channel = (topic.channels as Json[]).find((x) => x.channel_name === CHANNEL);
  assert.ok(channel, `channel ${CHANNEL} in /stats`);
  return { topic, channel };
}

describe('crash rounds (issue 8)', () => {
  for (const workers of ['0', '1']) {
    it(
      `kill -9 in ${ROUNDS} rounds under load with --sync-publish loses no acknowledged message (--workers=${workers})`,
      { timeout: 45000 },
      async (t) => {
        const dir = mkdtempSync(join(tmpdir(), 'nsq-ts-crash-rounds-'));
        const flags = [
          `--data-path=${dir}`,
          `--workers=${workers}`,
          '--sync-publish',
          '--mem-queue-size=100',
        ];
        const random = prng(SEED + Number(workers));
        const tally: Tally = { sent: new Set(), acked: new Map(), deliveries: new Map(), errors: [] };
        const seq = Array.from({ length: PUBLISHERS }, () => 0);
        const started = Date.now();
        const kills: number[] = [];
        /** each start's log */
        const logs: string[] = [];
        let server: Server | null = null;
        try {
          for (let round = 0; round < ROUNDS; round++) {
            const s = await startServer(flags);
            server = s;
            const at = Date.now();
            const killAfter = 300 + Math.floor(random() * 1200);
            kills.push(killAfter);
            // the consumer first: on the first start its SUB creates the channel, so every publish
            // fans out to it
            const c = await subscriber(s.port, TOPIC, CHANNEL, RDY);
            const consumer = consume(c, round, tally, at + killAfter + 15000, null);
            let stopped = false;
            const pubs = Array.from({ length: PUBLISHERS }, (_, k) =>
              publish(s.port, round, k, seq, tally, () => stopped),
            );
            await sleep(Math.max(0, at + killAfter - Date.now()));
            await stopServer(s, 'SIGKILL');
            server = null;
            logs.push(s.log());
            stopped = true;
            assert.ok(await within(Promise.all([...pubs, consumer]), 15000), 'clients notice the kill');
            c.close();
          }
          assert.ok(
            tally.acked.size > 100,
            `enough acknowledged publishes to mean something (${tally.acked.size})`,
          );

          // the last start is not killed: publish for a while, stop publishing, and drain until
          // nothing more arrives for 1 s (the operator's losses were the publishes of this round)
          const s = await startServer(flags);
          server = s;
          const c = await subscriber(s.port, TOPIC, CHANNEL, RDY);
          let draining = false;
          const live = consume(c, ROUNDS, tally, Date.now() + 20000, null, () => draining);
          let stopped = false;
          const pubs = Array.from({ length: PUBLISHERS }, (_, k) =>
            publish(s.port, ROUNDS, k, seq, tally, () => stopped),
          );
          const publishFor = 300 + Math.floor(random() * 1200);
          await sleep(publishFor);
          stopped = true;
          assert.ok(await within(Promise.all(pubs), 15000), 'publishers finish');
          draining = true;
          assert.ok(await within(live, 5000), 'the consumer switches to draining');
          await consume(c, ROUNDS, tally, Date.now() + 20000, 1000);
          c.close();
          assert.ok(!s.proc.killed && s.proc.exitCode === null, `nsqd is still up: ${s.log().slice(-2000)}`);

          // nothing is left: a fresh consumer gets nothing, and /stats agrees
          const fresh = await subscriber(s.port, TOPIC, CHANNEL, RDY);
          const late = new Set<string>();
          await consume(fresh, ROUNDS + 1, tally, Date.now() + 5000, 1000);
          fresh.close();
          for (const [body, rounds] of tally.deliveries) if (rounds.includes(ROUNDS + 1)) late.add(body);
          const { topic, channel } = await channelStats(s.httpPort);

          const lost = [...tally.acked.keys()].filter((b) => !tally.deliveries.has(b));
          const strangers = [...tally.deliveries.keys()].filter((b) => !tally.sent.has(b));
          let duplicates = 0;
          const badDuplicates: string[] = [];
          for (const [body, rounds] of tally.deliveries) {
            if (rounds.length < 2) continue;
            duplicates += rounds.length - 1;
            // a redelivery is only excusable by a crash: never twice in one server's lifetime
            if (new Set(rounds).size !== rounds.length) badDuplicates.push(`${body} in rounds ${rounds}`);
          }
          const lostLast = lost.filter((b) => tally.acked.get(b) === ROUNDS).length;
          const unackedDelivered = [...tally.deliveries.keys()].filter((b) => !tally.acked.has(b)).length;
          logs.push(s.log());
          t.diagnostic(
            `--workers=${workers} seed=${SEED} rounds=${ROUNDS} kills=${kills.join(',')}ms last=${publishFor}ms sent=${tally.sent.size} ` +
              `acked=${tally.acked.size} delivered=${tally.deliveries.size} (unacked delivered ${unackedDelivered}) ` +
              `duplicates=${duplicates} lost=${lost.length} (acked in the final round ${lostLast}, before a kill ${lost.length - lostLast}) errors=${tally.errors.length} ` +
              `time=${Date.now() - started}ms`,
          );
          const recovery = logs
            .flatMap((l, i) =>
              l
                .split('\n')
                .filter((x) => /DISKQUEUE|error/i.test(x))
                .map((x) => `start ${i}: ${x}`),
            )
            .join('\n');
          assert.deepEqual(
            lost.slice(0, 20).map((b) => around(b, tally)),
            [],
            `acknowledged but never delivered: ${lost.length} of ${tally.acked.size}\n${recovery}`,
          );
          assert.deepEqual(
            [...late].slice(0, 20),
            [],
            `delivered only to a fresh SUB after the drain went quiet (${late.size}; depth ${channel.depth})`,
          );
          assert.deepEqual(strangers, [], 'delivered bodies that were never published');
          assert.deepEqual(badDuplicates.slice(0, 20), [], 'delivered twice with no crash in between');
          assert.deepEqual(tally.errors, [], 'no error frames');

          assert.equal(topic.depth, 0, 'topic depth');
          assert.equal(channel.depth, 0, 'channel depth');
          assert.equal(channel.backend_depth, 0, 'channel backend_depth');
          assert.equal(channel.in_flight_count, 0, 'channel in_flight_count');
          assert.equal(channel.deferred_count, 0, 'channel deferred_count');

          await stopServer(s, 'SIGTERM');
          server = null;
        } finally {
          if (server !== null) await stopServer(server, 'SIGKILL').catch(() => {});
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  }
});
