/**
 * The scenarios of `npm run bench`, each a function of a running server that returns one table cell:
 * MPUB and single-PUB throughput, SUB drain, pubsub end-to-end latency, RSS per queued message. They
 * drive the server through nsq-bench's runBench, exactly as the CLI would.
 */

import { httpPubLoad } from './http-load.js';
import type { MatrixCell, Target, Unit } from './matrix-report.js';
import type { BenchOptions } from './nsq-bench/args.js';
import { progressLine } from './nsq-bench/report.js';
import { type BenchResult, runBench } from './nsq-bench/run.js';
import { Consumer } from './nsq-bench/wire.js';
import { type Server, treeCpuMs, treeRssBytes } from './server.js';

export const SIZE = 200;
const MEMORY_MSGS = 1_000_000;

export interface ScenarioConfig {
  seconds: number;
  threads: number;
  /** cap on what one PUB scenario publishes */
  maxMsgs: number;
  /** the backlog the SUB scenario drains */
  subPrefill: number;
  /** a live progress line on stderr */
  progress: boolean;
}

export type Outcome = Omit<MatrixCell, 'error'>;

export interface Scenario {
  id: string;
  label: string;
  unit: Unit;
  target: Target | null;
  run: (s: Server, cfg: ScenarioConfig) => Promise<Outcome>;
  /** extra flags for our nsqd in this scenario (another nsqd under --compare ignores them) */
  serverArgs?: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const n = (v: number): string => v.toLocaleString('en-US');

/** nsq-bench options for the matrix: 200 B messages, 2 connections, the scenario's duration */
function opts(s: Server, cfg: ScenarioConfig, over: Partial<BenchOptions>): BenchOptions {
  return {
    mode: 'pub',
    host: '127.0.0.1',
    port: s.port,
    httpAddress: '',
    topic: 'sub_bench',
    channel: 'ch',
    conns: 2,
    size: SIZE,
    batch: 200,
    inFlight: 1,
    rate: 0,
    durationMs: cfg.seconds * 1000,
    count: 0,
    rdy: 2500,
    threads: cfg.threads,
    json: false,
    quiet: true,
    allowRemote: false,
    ...over,
  };
}

/** A measured run: nsq-bench's result plus the server's CPU over the same span; errors throw. */
async function measured(
  s: Server,
  cfg: ScenarioConfig,
  o: BenchOptions,
): Promise<{ r: BenchResult; serverCpu: number }> {
  const cpu0 = treeCpuMs(s.pid);
  const t0 = performance.now();
  const r = await runBench(o, {
    onProgress: cfg.progress
      ? (p) => process.stderr.write(`\r  ${s.name}: ${progressLine(p)}\x1b[K`)
      : undefined,
  });
  if (cfg.progress) process.stderr.write('\r\x1b[K');
  const serverCpu = Math.round(((treeCpuMs(s.pid) - cpu0) / (performance.now() - t0)) * 100);
  if (r.errors > 0) throw new Error(`${r.errors} errors: ${r.errorSamples.join('; ')}`);
  return { r, serverCpu };
}

function outcome(m: { r: BenchResult; serverCpu: number }, value: number, detail: string): Outcome {
  return { value, detail, benchCpu: m.r.benchCpuPercent, serverCpu: m.serverCpu, result: m.r };
}

/** A RDY 0 subscriber: the channel exists and keeps every message queued. */
async function holder(s: Server, topic: string): Promise<Consumer> {
  const c = new Consumer('127.0.0.1', s.port, topic, 'ch', 0, null, 'nsq-bench-holder');
  if (!(await c.ready)) throw new Error(`holder subscription to ${topic}/ch failed: ${c.lastError}`);
  return c;
}

/** PUB or MPUB into a topic without channels (as NSQ's bench.sh ends up doing), closed loop. */
function publish(batch: number, inFlight: number): Scenario['run'] {
  return async (s, cfg) => {
    const m = await measured(s, cfg, opts(s, cfg, { batch, inFlight, count: cfg.maxMsgs }));
    const p = m.r.pub!;
    const lat = p.ackLatency === null ? '' : `, ack p99 ${(p.ackLatency.p99 / 1000).toFixed(2)} ms`;
    return outcome(m, p.msgsPerSec, `${n(p.acked)} msgs in ${(p.elapsedMs / 1000).toFixed(2)} s${lat}`);
  };
}

/** Fills sub_bench/ch (a RDY 0 holder keeps it), then drains it like bench_reader. */
async function subDrain(s: Server, cfg: ScenarioConfig): Promise<Outcome> {
  const hold = await holder(s, 'sub_bench');
  try {
    const fill = await runBench(opts(s, cfg, { count: cfg.subPrefill, durationMs: 120_000 }));
    if (fill.pub!.acked < cfg.subPrefill)
      throw new Error(`pre-fill published ${fill.pub!.acked} of ${cfg.subPrefill}`);
    const m = await measured(s, cfg, opts(s, cfg, { mode: 'sub', count: cfg.subPrefill }));
    const sub = m.r.sub!;
    return outcome(
      m,
      sub.msgsPerSec,
      `${n(sub.received)} of ${n(cfg.subPrefill)} in ${(sub.elapsedMs / 1000).toFixed(2)} s`,
    );
  } finally {
    hold.close();
  }
}

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

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'pub-mpub',
    label: 'PUB MPUB×200, 1 in flight, 2 conns',
    unit: 'msgs/s',
    target: { op: '>=', value: 1_100_000 },
    run: publish(200, 1),
  },
  {
    id: 'pub-100',
    label: 'PUB single, 100 in flight, 2 conns',
    unit: 'msgs/s',
    target: { op: '>=', value: 500_000 },
    run: publish(1, 100),
  },
  {
    id: 'pub-1',
    label: 'PUB single, 1 in flight, 2 conns',
    unit: 'msgs/s',
    target: { op: '>=', value: 31_000 },
    run: publish(1, 1),
  },
  {
    id: 'pub-mpub-disk',
    label: 'PUB MPUB×200 to disk (--mem-queue-size=0)',
    unit: 'msgs/s',
    target: null,
    run: publish(200, 1),
    serverArgs: ['--mem-queue-size=0'],
  },
  {
    id: 'pub-mpub-sync',
    label: 'PUB MPUB×200, durable (--sync-publish)',
    unit: 'msgs/s',
    target: null,
    run: publish(200, 1),
    serverArgs: ['--sync-publish'],
  },
  {
    id: 'pub-100-sync',
    label: 'PUB single, 100 in flight, durable (--sync-publish)',
    unit: 'msgs/s',
    target: null,
    run: publish(1, 100),
    serverArgs: ['--sync-publish'],
  },
  {
    id: 'sub-drain',
    label: 'SUB drain, RDY 2500, 2 conns',
    unit: 'msgs/s',
    target: { op: '>=', value: 750_000 },
    run: subDrain,
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
];
