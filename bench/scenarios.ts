/**
 * The scenarios of `npm run bench`, each a function of a running server that returns one table cell:
 * MPUB and single-PUB throughput, SUB drain, pubsub end-to-end latency, HTTP /pub, RSS per queued
 * message, RSS growth with a disk backlog behind a slow consumer; then the rows in the patterns of Go's
 * bench tools (go-bench-rows.ts), the TLS, snappy and deflate rows (transport-rows.ts), the client's
 * rows (client-rows.ts) and the tools' (tool-rows.ts). They drive the server through nsq-bench's
 * runBench, exactly as the CLI would.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLIENT_ROWS } from './client-rows.js';
import { CPU_ROWS } from './cpu-rows.js';
import { GO_BENCH_ROWS } from './go-bench-rows.js';
import { httpPubLoad } from './http-load.js';
import { runBench } from './nsq-bench/run.js';
import {
  fillThenDrain,
  holder,
  httpJson,
  measured,
  n,
  type Outcome,
  opts,
  outcome,
  publish,
  type Scenario,
  type ScenarioConfig,
  SIZE,
  sleep,
  topicDepth,
} from './scenario-kit.js';
import { type Server, treeCpuMs, treeRssBytes } from './server.js';
import { SlowConsumer } from './slow-consumer.js';
import { TOOL_ROWS } from './tool-rows.js';
import { TRANSPORT_ROWS } from './transport-rows.js';

const MEMORY_MSGS = 1_000_000;

/** a JIT-compiled server is measured warm: this long at the same rate first, unmeasured */
const WARMUP_MS = 2000;

/**
 * Open-loop PUB at `rate` with consumers on the same fresh topic, after a warm-up at that rate;
 * the cell is the p99 in ms.
 */
function pubsub(rate: number): Scenario['run'] {
  return async (s, cfg) => {
    const topic = `pubsub_${rate}`;
    await runBench(opts(s, cfg, { mode: 'pubsub', topic, batch: 1, rate, durationMs: WARMUP_MS }));
    const m = await measured(s, cfg, opts(s, cfg, { mode: 'pubsub', topic, batch: 1, rate }));
    const l = m.r.latency;
    if (l === null) throw new Error('no message arrived');
    const f = (us: number): string => (us / 1000).toFixed(2);
    const got = m.r.sub!.msgsPerSec;
    const short = got < rate * 0.95 ? ` (short of ${n(rate)})` : '';
    const pct = `p50 ${f(l.p50)} / p90 ${f(l.p90)} / p99 ${f(l.p99)} / p99.9 ${f(l.p999)} / max ${f(l.max)} ms`;
    return outcome(
      m,
      l.p99 / 1000,
      `${pct}; received ${n(got)} msgs/s${short}; after a ${WARMUP_MS / 1000} s warm-up`,
    );
  };
}

/**
 * HTTP `/pub` of 200 B bodies: 32 keep-alive connections with one request in flight each, as real
 * HTTP clients (and wrk) do. No pipelining: uWebSockets.js closes a connection that sends a request
 * while an asynchronous response to the previous one is still pending.
 */
async function httpPub(s: Server, cfg: ScenarioConfig): Promise<Outcome> {
  const cpu0 = treeCpuMs(s.pid);
  const r = await httpPubLoad(s.httpPort, 'http_bench', SIZE, 32, 1, cfg.seconds * 1000);
  const serverCpu = Math.round(((treeCpuMs(s.pid) - cpu0) / r.elapsedMs) * 100);
  if (r.errors > 0) throw new Error(`${r.errors} HTTP errors`);
  const rate = (r.acked / r.elapsedMs) * 1000;
  return {
    value: rate,
    detail: `${n(r.acked)} requests in ${(r.elapsedMs / 1000).toFixed(2)} s`,
    benchCpu: 0,
    serverCpu,
  };
}

/** RSS growth of the server's process tree for 1M queued 200 B messages, per message. */
async function memory(s: Server, cfg: ScenarioConfig): Promise<Outcome> {
  await sleep(200);
  const base = treeRssBytes(s.pid);
  const hold = await holder(s, 'mem_bench');
  try {
    const m = await measured(
      s,
      cfg,
      opts(s, cfg, { topic: 'mem_bench', count: MEMORY_MSGS, durationMs: 120_000 }),
    );
    await sleep(500);
    const rss = treeRssBytes(s.pid);
    const acked = m.r.pub!.acked;
    const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
    return outcome(m, (rss - base) / acked, `RSS ${mb(base)} → ${mb(rss)} with ${n(acked)} queued`);
  } finally {
    hold.close();
  }
}

const BACKLOG_TOPIC = 'backlog_bench';
const BACKLOG_FIRST = 1_000_000;
const BACKLOG_TOTAL = 5_000_000;
/** nsqd's default: past this many messages per topic/channel, the backlog goes to disk */
const BACKLOG_MEM_QUEUE = 10_000;
const BACKLOG_FIN_DELAY_MS = 100;
const BACKLOG_SETTLE_MS = 3000;
/** hard cap on both publish phases together (5M at a few hundred k msgs/s is 15-30 s) */
const BACKLOG_PUBLISH_CAP_MS = 90_000;
/** the unit of the disk-backlog row: MB = 10^6 bytes */
const MB = 1e6;

/** bytes of the files under `dir` (the server's data dir) */
function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    try {
      total += fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size;
    } catch {
      // removed meanwhile (a disk queue file read to its end)
    }
  }
  return total;
}

/**
 * RSS of the server's process tree with a growing backlog on disk: the empty broker (after a short
 * settle), then a consumer at RDY 1 that FINs each message 100 ms after it arrived on
 * backlog_bench/ch, 1M messages of 200 B published (MPUB×200, closed loop), settle, RSS, on to 5M,
 * settle, RSS. The cell is max(RSS@5M - RSS@1M, RSS@5M - RSS empty) in MB: memory must not grow
 * with a backlog that lives on disk. Needs --mem-queue-size at nsqd's default of 10000 (the row
 * passes it to both servers) and about 1.2 GB free in the temp dir (5M × ~230 B on disk; the
 * development machine's / holds /tmp with 80 GB free).
 */
async function diskBacklog(s: Server, cfg: ScenarioConfig): Promise<Outcome> {
  const memQueue = await httpJson(s, '/config/mem_queue_size');
  if (typeof memQueue === 'number' && memQueue !== BACKLOG_MEM_QUEUE)
    throw new Error(`server runs with --mem-queue-size=${memQueue}; this row wants ${BACKLOG_MEM_QUEUE}`);
  await sleep(1000);
  const empty = treeRssBytes(s.pid);
  const consumer = new SlowConsumer('127.0.0.1', s.port, BACKLOG_TOPIC, 'ch', BACKLOG_FIN_DELAY_MS, 1);
  try {
    if (!(await consumer.ready))
      throw new Error(`slow consumer's subscription to ${BACKLOG_TOPIC}/ch failed: ${consumer.lastError}`);
    consumer.start();
    const until = performance.now() + BACKLOG_PUBLISH_CAP_MS;
    const phase = async (count: number, total: number) => {
      const left = until - performance.now();
      const m = await measured(
        s,
        cfg,
        opts(s, cfg, { topic: BACKLOG_TOPIC, count, durationMs: Math.max(left, 1) }),
      );
      if (m.r.pub!.acked < count)
        throw new Error(
          `published ${n(m.r.pub!.acked)} of ${n(count)} (on the way to ${n(total)}) within the ${BACKLOG_PUBLISH_CAP_MS / 1000} s cap`,
        );
      await sleep(BACKLOG_SETTLE_MS);
      return { m, rss: treeRssBytes(s.pid) };
    };
    const first = await phase(BACKLOG_FIRST, BACKLOG_FIRST);
    const second = await phase(BACKLOG_TOTAL - BACKLOG_FIRST, BACKLOG_TOTAL);
    if (consumer.errors > 0) throw new Error(`slow consumer: ${consumer.lastError}`);
    const depth = (await topicDepth(s, BACKLOG_TOPIC))?.channels.get('ch') ?? null;
    const disk = dirBytes(s.dataDir);
    const value = Math.max(second.rss - first.rss, second.rss - empty) / MB;
    const mb = (b: number): string => (b / MB).toFixed(1);
    const p1 = first.m.r.pub!;
    const p2 = second.m.r.pub!;
    const where =
      depth === null
        ? 'channel depth n/a'
        : `channel depth ${n(depth.depth)} (${n(depth.backendDepth)} on disk)`;
    const detail =
      `RSS empty ${mb(empty)} / 1M ${mb(first.rss)} / 5M ${mb(second.rss)} MB; ${where}, data dir ${(disk / 1e9).toFixed(2)} GB; ` +
      `published at ${n(Math.round(p1.msgsPerSec))} then ${n(Math.round(p2.msgsPerSec))} msgs/s; ` +
      `slow consumer FINished ${n(consumer.finished)}; mem-queue-size ${typeof memQueue === 'number' ? n(memQueue) : 'n/a'}`;
    const el1 = p1.elapsedMs;
    const el2 = p2.elapsedMs;
    return {
      value,
      detail,
      benchCpu: Math.round(
        (first.m.r.benchCpuPercent * el1 + second.m.r.benchCpuPercent * el2) / (el1 + el2),
      ),
      serverCpu: Math.round((first.m.serverCpu * el1 + second.m.serverCpu * el2) / (el1 + el2)),
      result: {
        rssBytes: { empty, at1M: first.rss, at5M: second.rss },
        channel: depth,
        dataDirBytes: disk,
        slowConsumer: { received: consumer.received, finished: consumer.finished },
        memQueueSize: memQueue,
        publish: [first.m.r, second.m.r],
      },
    };
  } finally {
    consumer.close();
    await Promise.race([consumer.closed, sleep(2000)]);
  }
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'pub-mpub',
    label: 'PUB MPUB×200, 1 in flight, 2 conns',
    unit: 'msgs/s',
    target: { op: '>=', value: 1_100_000 },
    run: publish({ batch: 200, inFlight: 1 }),
  },
  {
    id: 'pub-100',
    label: 'PUB single, 100 in flight, 2 conns',
    unit: 'msgs/s',
    target: { op: '>=', value: 500_000 },
    run: publish({ batch: 1, inFlight: 100 }),
  },
  {
    id: 'pub-1',
    label: 'PUB single, 1 in flight, 2 conns',
    unit: 'msgs/s',
    target: { op: '>=', value: 31_000 },
    run: publish({ batch: 1, inFlight: 1 }),
  },
  {
    id: 'pub-mpub-disk',
    label: 'PUB MPUB×200 to disk',
    unit: 'msgs/s',
    target: null,
    memQueueSize: 0,
    run: publish({ batch: 200, inFlight: 1 }),
  },
  {
    id: 'pub-mpub-sync',
    label: 'PUB MPUB×200, durable',
    unit: 'msgs/s',
    target: null,
    run: publish({ batch: 200, inFlight: 1 }),
    serverArgs: ['--sync-publish'],
  },
  {
    id: 'pub-100-sync',
    label: 'PUB single, 100 in flight, durable',
    unit: 'msgs/s',
    target: null,
    run: publish({ batch: 1, inFlight: 100 }),
    serverArgs: ['--sync-publish'],
  },
  {
    id: 'sub-drain',
    label: 'SUB drain, RDY 2500, 2 conns',
    unit: 'msgs/s',
    target: { op: '>=', value: 750_000 },
    // the whole backlog, however long it takes to publish (up to 2 minutes)
    run: fillThenDrain(2, () => 120_000, true),
  },
  { id: 'pubsub-50k', label: 'pubsub 50k msgs/s, e2e p99', unit: 'ms', target: null, run: pubsub(50_000) },
  {
    id: 'pubsub-200k',
    label: 'pubsub 200k msgs/s, e2e p99',
    unit: 'ms',
    target: { op: '<=', value: 5 },
    run: pubsub(200_000),
  },
  {
    id: 'http-pub-uws',
    label: 'HTTP /pub, uWebSockets.js, 32 conns',
    unit: 'msgs/s',
    target: null,
    run: httpPub,
    serverArgs: ['--http-server=uws'],
  },
  {
    id: 'http-pub-node',
    label: 'HTTP /pub, node:http, 32 conns',
    unit: 'msgs/s',
    target: null,
    run: httpPub,
    serverArgs: ['--http-server=node'],
  },
  {
    id: 'memory',
    label: 'RSS per queued 200 B message',
    unit: 'B/msg',
    target: { op: '<=', value: 330 },
    run: memory,
  },
  {
    id: 'disk-backlog',
    label: 'RSS growth, 1M→5M backlog on disk, RDY 1 consumer',
    unit: 'MB',
    target: { op: '<=', value: 40 },
    run: diskBacklog,
    memQueueSize: BACKLOG_MEM_QUEUE,
    budgetMs: () => 1000 + BACKLOG_PUBLISH_CAP_MS + 2 * BACKLOG_SETTLE_MS + 30_000,
  },
  ...GO_BENCH_ROWS,
  ...CPU_ROWS,
  ...TRANSPORT_ROWS,
  ...CLIENT_ROWS,
  ...TOOL_ROWS,
];
