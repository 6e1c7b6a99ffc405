/**
 * One benchmark run as a library call (the CLI, `npm run bench` and the tests all use it): splits the
 * connections into piscina tasks, starts them together, watches the shared counters, decides when
 * consumers stop, and merges the tasks' counts and histograms into a BenchResult.
 */

import * as os from 'node:os';
import { Piscina } from 'piscina';
import type { BenchOptions, Mode } from './args.js';
import { mergeEncoded, type Percentiles, percentiles } from './histogram.js';
import {
  CTL_START,
  CTL_STOP_CONSUMERS,
  CTL_STOP_PRODUCERS,
  controlView,
  F64_START_AT,
  S_ACKED,
  S_ERRORS,
  S_PRODUCERS_DONE,
  S_READY,
  S_RECEIVED,
  S_SENT,
  S_SETTLED,
  sharedBytes,
  slotIndex,
  type TaskInput,
  type TaskResult,
} from './task.js';
import { nowAbsMs } from './wire.js';

const TASK_FILE = new URL('./task.js', import.meta.url).href;
/** stopping producers wait this long for their last acks; pubsub consumers this long for the tail */
const GRACE_MS = 2000;
const CONNECT_TIMEOUT_MS = 10_000;

export interface Environment {
  node: string;
  cpus: number;
  platform: string;
  arch: string;
}

export function environment(): Environment {
  return {
    node: process.version,
    cpus: os.availableParallelism(),
    platform: process.platform,
    arch: process.arch,
  };
}

export interface Progress {
  mode: Mode;
  elapsedMs: number;
  sent: number;
  acked: number;
  received: number;
  errors: number;
  /** acked (pub) messages per second over the last interval */
  pubRate: number;
  /** received messages per second over the last interval */
  subRate: number;
}

export interface BenchResult {
  mode: Mode;
  target: string;
  /** the target's /info version, or 'n/a' */
  targetVersion: string;
  env: Environment;
  options: Omit<BenchOptions, 'json' | 'quiet' | 'allowRemote' | 'host' | 'port'>;
  threads: number;
  pub: {
    sent: number;
    acked: number;
    /** open-loop tokens dropped because the generator or its outstanding cap fell behind */
    skipped: number;
    elapsedMs: number;
    msgsPerSec: number;
    mbPerSec: number;
    /** command round trip (write → OK), microseconds */
    ackLatency: Percentiles | null;
  } | null;
  sub: {
    received: number;
    finished: number;
    redelivered: number;
    elapsedMs: number;
    msgsPerSec: number;
    mbPerSec: number;
  } | null;
  /** end-to-end (pubsub): send stamp → receipt, microseconds */
  latency: Percentiles | null;
  errors: number;
  errorSamples: string[];
  /** CPU time of this whole process (all threads) during the run, as % of one core */
  benchCpuPercent: number;
  /** worst event-loop delay of the generator's threads (p99 and max, ms): is the generator keeping up? */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export interface RunHooks {
  onProgress?: ((p: Progress) => void) | undefined;
  progressIntervalMs?: number;
  /** aborting stops producers and consumers at once; the result covers what ran */
  signal?: AbortSignal;
}

/** GET http://<address>/info with a 500 ms timeout; its `version`, or 'n/a'. */
export async function fetchInfoVersion(address: string): Promise<string> {
  if (address === '') return 'n/a';
  try {
    const host = address.startsWith('[') || !address.includes('::') ? address : `[${address}]`;
    const res = await fetch(`http://${host}/info`, { signal: AbortSignal.timeout(500) });
    if (!res.ok) return 'n/a';
    const body = (await res.json()) as { version?: unknown; data?: { version?: unknown } };
    const v = body.version ?? body.data?.version;
    return typeof v === 'string' ? v : 'n/a';
  } catch {
    return 'n/a';
  }
}

/** Splits `total` into `parts` near-equal integers (the first ones get the remainder). */
export function split(total: number, parts: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < parts; i++) out.push(Math.floor(total / parts) + (i < total % parts ? 1 : 0));
  return out;
}

/** Tasks of a run: one per thread, never more than there are connections. */
export function taskCount(o: BenchOptions): number {
  const conns = o.mode === 'pubsub' ? 2 * o.conns : o.conns;
  return Math.max(1, Math.min(o.threads, conns));
}

/** The task inputs of a run: connections dealt round-robin over taskCount(o) tasks. */
export function planTasks(o: BenchOptions, shared: SharedArrayBuffer): TaskInput[] {
  const producers = o.mode === 'sub' ? 0 : o.conns;
  const consumers = o.mode === 'pub' ? 0 : o.conns;
  const tasks = taskCount(o);
  // --count (pub, pubsub): messages → commands, dealt over the producer connections
  const limits = o.count > 0 && producers > 0 ? split(Math.ceil(o.count / o.batch), producers) : null;
  const inputs: TaskInput[] = [];
  for (let t = 0; t < tasks; t++) {
    inputs.push({
      host: o.host,
      port: o.port,
      topic: o.topic,
      channel: o.channel,
      producerCommandLimits: [],
      consumers: 0,
      size: o.size,
      batch: o.batch,
      inFlight: o.inFlight,
      ratePerProducer: producers > 0 ? o.rate / producers : 0,
      durationMs: o.durationMs,
      rdy: o.rdy,
      stamp: o.mode === 'pubsub',
      graceMs: GRACE_MS,
      shared,
      slot: t,
      clientId: `nsq-bench-${process.pid}`,
      features: o.features,
    });
  }
  for (let i = 0; i < producers; i++)
    inputs[i % tasks]!.producerCommandLimits.push(limits === null ? 0 : limits[i]!);
  for (let i = 0; i < consumers; i++) inputs[(producers + i) % tasks]!.consumers++;
  return inputs;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs one benchmark against o.host:o.port and resolves with the merged result. */
export async function runBench(o: BenchOptions, hooks: RunHooks = {}): Promise<BenchResult> {
  const versionP = fetchInfoVersion(o.httpAddress);
  const shared = new SharedArrayBuffer(sharedBytes(taskCount(o)));
  const inputs = planTasks(o, shared);
  const ctl = controlView(shared);
  const f64 = new Float64Array(shared);
  const sum = (k: number): number => {
    let s = 0;
    for (let t = 0; t < inputs.length; t++) s += f64[slotIndex(t, k)]!;
    return s;
  };
  const totalConns = inputs.reduce((n, t) => n + t.producerCommandLimits.length + t.consumers, 0);
  const producerConns = inputs.reduce((n, t) => n + t.producerCommandLimits.length, 0);
  const raise = (i: number): void => {
    Atomics.store(ctl, i, 1);
    Atomics.notify(ctl, i);
  };
  const stopAll = (): void => {
    raise(CTL_STOP_CONSUMERS);
    raise(CTL_STOP_PRODUCERS);
  };
  const abortAll = (): void => {
    stopAll();
    raise(CTL_START);
  };

  const pool = new Piscina({
    filename: TASK_FILE,
    minThreads: inputs.length,
    maxThreads: inputs.length,
    idleTimeout: 1000,
  });
  let failure: unknown = null;
  let done = false;
  const runs = inputs.map((t) =>
    (pool.run(t) as Promise<TaskResult>).catch((err: unknown) => {
      failure ??= err;
      abortAll();
      return null;
    }),
  );
  const all = Promise.all(runs).then((r) => {
    done = true;
    return r;
  });
  hooks.signal?.addEventListener('abort', stopAll, { once: true });
  let cpu0 = process.cpuUsage();
  let startAt = nowAbsMs();
  let setupError: Error | null = null;
  try {
    // every connection handshaken (or failed), then all start together
    const until = Date.now() + CONNECT_TIMEOUT_MS;
    while (sum(S_SETTLED) < totalConns && failure === null && Date.now() < until) await sleep(5);
    const ready = sum(S_READY);
    if (failure === null && ready < totalConns) {
      setupError = new Error(
        `${totalConns - ready} of ${totalConns} connections to ${o.host}:${o.port} failed`,
      );
      abortAll();
    }
    cpu0 = process.cpuUsage();
    startAt = nowAbsMs();
    f64[F64_START_AT] = startAt;
    if (hooks.signal?.aborted) stopAll();
    raise(CTL_START);
    if (setupError === null) await watch();
  } finally {
    hooks.signal?.removeEventListener('abort', stopAll);
    const results = await all;
    abortAll(); // wakes any waiter still parked on a control word
    await pool.destroy();
    if (setupError !== null) {
      const why = results.flatMap((r) => r?.errorSamples ?? []);
      if (why.length > 0) setupError.message += `: ${[...new Set(why)].slice(0, 3).join('; ')}`;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Math.max(1, nowAbsMs() - startAt);
  if (failure !== null) throw failure;
  if (setupError !== null) throw setupError;
  return merge(o, (await all) as TaskResult[], {
    startAt,
    targetVersion: await versionP,
    threads: inputs.length,
    benchCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100),
  });

  /** Until every task returned: stops consumers when their part is done, reports progress. */
  async function watch(): Promise<void> {
    const every = hooks.progressIntervalMs ?? 250;
    let lastReport = startAt;
    let lastAcked = 0;
    let lastReceived = 0;
    let producersDoneAt = 0;
    while (!done) {
      await sleep(10);
      const now = nowAbsMs();
      const elapsed = now - startAt;
      const received = sum(S_RECEIVED);
      if (o.mode === 'sub') {
        if (elapsed >= o.durationMs || (o.count > 0 && received >= o.count)) raise(CTL_STOP_CONSUMERS);
      } else if (o.mode === 'pubsub' && Atomics.load(ctl, CTL_STOP_CONSUMERS) === 0) {
        // consumers outlive the producers until they have what was acknowledged (or the grace ends)
        if (producersDoneAt === 0 && sum(S_PRODUCERS_DONE) >= producerConns) producersDoneAt = now;
        const drained = producersDoneAt !== 0 && received >= sum(S_ACKED);
        const late = producersDoneAt !== 0 && now - producersDoneAt > GRACE_MS;
        if (drained || late || elapsed > o.durationMs + 3 * GRACE_MS) raise(CTL_STOP_CONSUMERS);
      }
      if (hooks.onProgress !== undefined && now - lastReport >= every) {
        const acked = sum(S_ACKED);
        const secs = (now - lastReport) / 1000;
        hooks.onProgress({
          mode: o.mode,
          elapsedMs: elapsed,
          sent: sum(S_SENT),
          acked,
          received,
          errors: sum(S_ERRORS),
          pubRate: (acked - lastAcked) / secs,
          subRate: (received - lastReceived) / secs,
        });
        lastReport = now;
        lastAcked = acked;
        lastReceived = received;
      }
    }
  }
}

interface MergeExtras {
  startAt: number;
  targetVersion: string;
  threads: number;
  benchCpuPercent: number;
}

/** Adds up the tasks' results; rates are counted up to the last ack / last receipt. */
export function merge(o: BenchOptions, results: readonly TaskResult[], x: MergeExtras): BenchResult {
  const total = (f: (r: TaskResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  const latest = (f: (r: TaskResult) => number): number => results.reduce((m, r) => Math.max(m, f(r)), 0);
  const rate = (n: number, ms: number): number => (ms > 0 ? Math.round((n * 1000) / ms) : 0);
  const mb = (perSec: number): number => Math.round((perSec * o.size) / 1e5) / 10;
  const { json: _j, quiet: _q, allowRemote: _a, host: _h, port: _p, ...options } = o;
  let pub: BenchResult['pub'] = null;
  if (o.mode !== 'sub') {
    const acked = total((r) => r.acked);
    const elapsedMs = acked > 0 ? latest((r) => r.lastAckAt) - x.startAt : 0;
    const ack = mergeEncoded(results.map((r) => r.ackHistogram));
    const msgsPerSec = rate(acked, elapsedMs);
    pub = {
      sent: total((r) => r.sent),
      acked,
      skipped: total((r) => r.skipped),
      elapsedMs: Math.round(elapsedMs),
      msgsPerSec,
      mbPerSec: mb(msgsPerSec),
      ackLatency: ack === null ? null : percentiles(ack),
    };
  }
  let sub: BenchResult['sub'] = null;
  if (o.mode !== 'pub') {
    const received = total((r) => r.received);
    const elapsedMs = received > 0 ? latest((r) => r.lastRecvAt) - x.startAt : 0;
    const msgsPerSec = rate(received, elapsedMs);
    sub = {
      received,
      finished: total((r) => r.finished),
      redelivered: total((r) => r.redelivered),
      elapsedMs: Math.round(elapsedMs),
      msgsPerSec,
      mbPerSec: mb(msgsPerSec),
    };
  }
  const e2e = mergeEncoded(results.map((r) => r.e2eHistogram));
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    mode: o.mode,
    target: `${host}:${o.port}`,
    targetVersion: x.targetVersion,
    env: environment(),
    options,
    threads: x.threads,
    pub,
    sub,
    latency: e2e === null ? null : percentiles(e2e),
    errors: total((r) => r.errors),
    errorSamples: [...new Set(results.flatMap((r) => r.errorSamples))].slice(0, 5),
    benchCpuPercent: x.benchCpuPercent,
    loopDelayP99Ms: latest((r) => r.loopDelayP99Ms),
    loopDelayMaxMs: latest((r) => r.loopDelayMaxMs),
  };
}
