/**
 * What the matrix's scenarios are made of: the Scenario shape (its rows, the flags each server gets,
 * its time budget), nsq-bench options for a row, a measured run with the server's CPU, and the client
 * patterns several rows share — closed-loop PUB/MPUB like bench_writer, and a bench_reader drain of a
 * backlog published first — plus the few HTTP calls rows make (create a channel, read /stats).
 */

import type { MatrixCell, Target, Unit } from './matrix-report.js';
import type { BenchOptions } from './nsq-bench/args.js';
import { progressLine } from './nsq-bench/report.js';
import { type BenchResult, runBench } from './nsq-bench/run.js';
import { NO_FEATURES, type WireFeatures } from './nsq-bench/upgrade.js';
import { Consumer } from './nsq-bench/wire.js';
import { type Server, treeCpuMs } from './server.js';

export const SIZE = 200;
/** the matrix's in-memory baseline: both servers get --mem-queue-size=this unless a row says otherwise */
export const MEM_QUEUE_SIZE = 10_000_000;

export interface ScenarioConfig {
  seconds: number;
  threads: number;
  /** cap on what one PUB scenario publishes */
  maxMsgs: number;
  /** the backlog a SUB scenario publishes first and then drains */
  subPrefill: number;
  /** a live progress line on stderr */
  progress: boolean;
}

export type Outcome = Omit<MatrixCell, 'error'> & {
  /** the cells of the scenario's `also` rows, in their order */
  also?: Outcome[];
};

/** A row of the table: the scenario's own, or one of its `also` rows. */
export interface RowSpec {
  id: string;
  label: string;
  unit: Unit;
  target: Target | null;
  /** with --compare: the default column should reach at least this × the other server (msgs/s rows) */
  ratioTarget?: number;
}

export interface Scenario extends RowSpec {
  run: (s: Server, cfg: ScenarioConfig) => Promise<Outcome>;
  /** more rows the same run measures (e.g. bench.sh's SUB after its PUB, on the same server) */
  also?: RowSpec[];
  /**
   * --mem-queue-size for both servers: a number, or 'default' for none at all (nsqd's 10000, so a
   * backlog overflows to disk); MEM_QUEUE_SIZE when absent
   */
  memQueueSize?: number | 'default';
  /** flags only our nsqd gets (ours alone has them, e.g. --sync-publish) */
  serverArgs?: string[];
  /** flags both servers get beyond --mem-queue-size (e.g. --tls-cert and --tls-key) */
  bothArgs?: string[];
  /** the most this scenario may take per server, start and stop included (default: seconds + 20 s) */
  budgetMs?: (seconds: number) => number;
}

/** The flags both servers get in this scenario (nsqd's flags, appended to --compare's command). */
export function sharedArgs(sc: Scenario): string[] {
  const m = sc.memQueueSize ?? MEM_QUEUE_SIZE;
  return [...(m === 'default' ? [] : [`--mem-queue-size=${m}`]), ...(sc.bothArgs ?? [])];
}

/** The row's label with its flags: "[--mem-queue-size=0]", "[nsqd defaults]", "[…; ours: --sync-publish]". */
export function labelWithFlags(sc: Scenario, row: RowSpec): string {
  const shared = sharedArgs(sc);
  const ours = sc.serverArgs ?? [];
  const both = shared.length > 0 ? shared.join(' ') : 'nsqd defaults';
  return `${row.label} [${both}${ours.length > 0 ? `; ours: ${ours.join(' ')}` : ''}]`;
}

export function budgetMs(sc: Scenario, seconds: number): number {
  return sc.budgetMs?.(seconds) ?? seconds * 1000 + 20_000;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const n = (v: number): string => v.toLocaleString('en-US');

/** nsq-bench options for the matrix: 200 B messages, 2 connections, the scenario's duration */
export function opts(s: Server, cfg: ScenarioConfig, over: Partial<BenchOptions>): BenchOptions {
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
    features: NO_FEATURES,
    ...over,
  };
}

export interface Measured {
  r: BenchResult;
  /** % of one core, rounded */
  serverCpu: number;
  /** CPU time the server used over the run (ms) */
  serverCpuMs: number;
}

/** A measured run: nsq-bench's result plus the server's CPU over the same span; errors throw. */
export async function measured(s: Server, cfg: ScenarioConfig, o: BenchOptions): Promise<Measured> {
  const cpu0 = treeCpuMs(s.pid);
  const t0 = performance.now();
  const r = await runBench(o, {
    onProgress: cfg.progress
      ? (p) => process.stderr.write(`\r  ${s.name}: ${progressLine(p)}\x1b[K`)
      : undefined,
  });
  if (cfg.progress) process.stderr.write('\r\x1b[K');
  const serverCpuMs = treeCpuMs(s.pid) - cpu0;
  const serverCpu = Math.round((serverCpuMs / (performance.now() - t0)) * 100);
  if (r.errors > 0) throw new Error(`${r.errors} errors: ${r.errorSamples.join('; ')}`);
  return { r, serverCpu, serverCpuMs };
}

export function outcome(m: Measured, value: number, detail: string): Outcome {
  return { value, detail, benchCpu: m.r.benchCpuPercent, serverCpu: m.serverCpu, result: m.r };
}

/** A RDY 0 subscriber: the channel exists and keeps every message queued. */
export async function holder(s: Server, topic: string): Promise<Consumer> {
  const c = new Consumer('127.0.0.1', s.port, topic, 'ch', 0, null, 'nsq-bench-holder', NO_FEATURES);
  if (!(await c.ready)) throw new Error(`holder subscription to ${topic}/ch failed: ${c.lastError}`);
  return c;
}

/** GET (or POST) http://127.0.0.1:<http port><path> as JSON (5 s timeout); null if it fails or is not JSON. */
export async function httpJson(s: Server, urlPath: string, method = 'GET'): Promise<unknown> {
  try {
    const res = await fetch(`http://127.0.0.1:${s.httpPort}${urlPath}`, {
      method,
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return null;
    const text = await res.text();
    return text === '' ? {} : JSON.parse(text);
  } catch {
    return null;
  }
}

/** Creates topic, then topic/channel over HTTP, as NSQ's bench.sh does before it runs bench_writer. */
export async function createChannel(s: Server, topic: string, channel: string): Promise<void> {
  for (const url of [`/topic/create?topic=${topic}`, `/channel/create?topic=${topic}&channel=${channel}`])
    if ((await httpJson(s, url, 'POST')) === null) throw new Error(`POST ${url} failed`);
}

export interface Depth {
  depth: number;
  backendDepth: number;
}

/** depth and backend_depth of a topic and its channels from /stats (nsqd 1.3's shape, or under `data`) */
export async function topicDepth(
  s: Server,
  topic: string,
): Promise<(Depth & { channels: Map<string, Depth> }) | null> {
  type Stats = {
    topics?: {
      topic_name: string;
      depth: number;
      backend_depth: number;
      channels?: { channel_name: string; depth: number; backend_depth: number }[];
    }[];
  };
  const body = (await httpJson(s, `/stats?format=json&topic=${topic}`)) as (Stats & { data?: Stats }) | null;
  const t = (body?.topics ?? body?.data?.topics ?? []).find((x) => x.topic_name === topic);
  if (t === undefined) return null;
  const channels = new Map<string, Depth>();
  for (const c of t.channels ?? [])
    channels.set(c.channel_name, { depth: c.depth, backendDepth: c.backend_depth });
  return { depth: t.depth, backendDepth: t.backend_depth, channels };
}

/** "topic depth 10,000 (0 on disk), channel ch 3,200,000 (3,190,000 on disk)": where the messages are */
export async function depthText(s: Server, topic: string, channel: string | null): Promise<string> {
  const t = await topicDepth(s, topic);
  if (t === null) return 'depth n/a';
  const text = (d: Depth): string => `${n(d.depth)} (${n(d.backendDepth)} on disk)`;
  const c = channel === null ? undefined : t.channels.get(channel);
  return `topic depth ${text(t)}${c === undefined ? '' : `, channel ${channel} ${text(c)}`}`;
}

export interface PublishPattern {
  /** 1 = PUB, > 1 = MPUB of this many */
  batch: number;
  inFlight: number;
  conns?: number;
  /** create sub_bench/ch first, so every message fans out to the channel (bench.sh) */
  channel?: boolean;
  /** message size in bytes (default SIZE) */
  size?: number;
  /** IDENTIFY upgrades of every connection (TLS, snappy, deflate) */
  features?: WireFeatures;
}

/** Closed-loop PUB or MPUB into sub_bench (with no channel unless `p.channel`), as bench_writer does. */
export function publish(p: PublishPattern): Scenario['run'] {
  return async (s, cfg) => {
    if (p.channel === true) await createChannel(s, 'sub_bench', 'ch');
    const o = {
      batch: p.batch,
      inFlight: p.inFlight,
      conns: p.conns ?? 2,
      count: cfg.maxMsgs,
      size: p.size ?? SIZE,
      features: p.features ?? NO_FEATURES,
    };
    const m = await measured(s, cfg, opts(s, cfg, o));
    const pub = m.r.pub!;
    const lat =
      pub.ackLatency === null
        ? ''
        : `, ack p50 ${(pub.ackLatency.p50 / 1000).toFixed(2)} / p99 ${(pub.ackLatency.p99 / 1000).toFixed(2)} ms`;
    const where = await depthText(s, 'sub_bench', p.channel === true ? 'ch' : null);
    return outcome(
      m,
      pub.msgsPerSec,
      `${n(pub.acked)} msgs in ${(pub.elapsedMs / 1000).toFixed(2)} s${lat}; ${where}`,
    );
  };
}

/**
 * bench_reader's pattern on sub_bench/ch: `conns` connections with RDY 2500, each message FINished
 * (FINs flushed in batches, as bench_reader's buffered writer does), until `backlog` messages arrived
 * or the row's duration ran out. The cell is messages per second up to the last one received.
 */
export async function drain(
  s: Server,
  cfg: ScenarioConfig,
  conns: number,
  backlog: number,
  features: WireFeatures = NO_FEATURES,
): Promise<Outcome> {
  const before = await depthText(s, 'sub_bench', 'ch');
  const m = await measured(s, cfg, opts(s, cfg, { mode: 'sub', conns, count: backlog, features }));
  const sub = m.r.sub!;
  return outcome(
    m,
    sub.msgsPerSec,
    `${n(sub.received)} of a ${n(backlog)} backlog in ${(sub.elapsedMs / 1000).toFixed(2)} s; before: ${before}`,
  );
}

/**
 * Creates sub_bench/ch, publishes a backlog into it (MPUB×200 on 2 connections, until
 * cfg.subPrefill messages or `fillMs`, whichever first; unmeasured), then drains it with `conns`
 * bench_reader connections. With `complete`, a backlog short of cfg.subPrefill is an error.
 */
export function fillThenDrain(
  conns: number,
  fillMs: (cfg: ScenarioConfig) => number,
  complete: boolean,
  size = SIZE,
  features: WireFeatures = NO_FEATURES,
) {
  return async (s: Server, cfg: ScenarioConfig): Promise<Outcome> => {
    await createChannel(s, 'sub_bench', 'ch');
    const fill = await runBench(opts(s, cfg, { count: cfg.subPrefill, durationMs: fillMs(cfg), size }));
    if (fill.errors > 0) throw new Error(`backlog: ${fill.errors} errors: ${fill.errorSamples.join('; ')}`);
    const acked = fill.pub!.acked;
    if (acked === 0 || (complete && acked < cfg.subPrefill))
      throw new Error(`backlog: published ${n(acked)} of ${n(cfg.subPrefill)}`);
    return drain(s, cfg, conns, acked, features);
  };
}
