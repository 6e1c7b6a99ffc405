/**
 * The piscina task: one group of producer and/or consumer connections driven for the whole run in one
 * worker thread. It reports live counters through shared memory and returns its totals and encoded
 * latency histograms; it never prints and never decides when the run as a whole is over.
 *
 * Shared memory (one SharedArrayBuffer per run, written by the main thread at the control words and
 * by task `slot` only in its own 10-slot region):
 * ```
 * bytes 0..11   Int32 control: [0] START  [1] STOP_CONSUMERS  [2] STOP_PRODUCERS   (0 → 1, notified)
 * bytes 16..23  Float64 startAt (ms on nowAbsMs's clock), written before START
 * bytes 24..    Float64 per task, 10 each: SETTLED READY SENT ACKED RECEIVED ERRORS PRODUCERS_DONE
 *               LAST_ACK_AT LAST_RECV_AT (unused)
 * ```
 */

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { encodeHistogram, newHistogram } from './histogram.js';
import { Pacer } from './pacer.js';
import type { WireFeatures } from './upgrade.js';
import { Consumer, nowAbsMs, Producer, PublishTemplate } from './wire.js';

export const CTL_START = 0;
export const CTL_STOP_CONSUMERS = 1;
export const CTL_STOP_PRODUCERS = 2;
const CTL_INTS = 4;
/** Float64 index of startAt */
export const F64_START_AT = 2;
const F64_SLOTS = 3;
export const SLOT_SIZE = 10;
export const S_SETTLED = 0; // connections that finished their handshake or failed
export const S_READY = 1; // connections that finished their handshake
export const S_SENT = 2; // messages written
export const S_ACKED = 3; // messages acknowledged (OK)
export const S_RECEIVED = 4;
export const S_ERRORS = 5;
export const S_PRODUCERS_DONE = 6;
export const S_LAST_ACK_AT = 7;
export const S_LAST_RECV_AT = 8;

export function sharedBytes(tasks: number): number {
  return (F64_SLOTS + tasks * SLOT_SIZE) * 8;
}
/** Float64 index of counter `k` of task `slot` */
export function slotIndex(slot: number, k: number): number {
  return F64_SLOTS + slot * SLOT_SIZE + k;
}
export function controlView(shared: SharedArrayBuffer): Int32Array {
  return new Int32Array(shared, 0, CTL_INTS);
}

export interface TaskInput {
  host: string;
  port: number;
  topic: string;
  channel: string;
  /** per producer connection: the command limit (0 = none) */
  producerCommandLimits: number[];
  consumers: number;
  size: number;
  batch: number;
  inFlight: number;
  /** open loop: messages per second per producer connection; 0 = closed loop */
  ratePerProducer: number;
  durationMs: number;
  rdy: number;
  /** bodies carry a send timestamp and consumers measure end-to-end latency */
  stamp: boolean;
  /** how long stopping producers wait for their last acks */
  graceMs: number;
  shared: SharedArrayBuffer;
  slot: number;
  clientId: string;
  /** IDENTIFY upgrades every connection asks for (TLS, snappy, deflate) */
  features: WireFeatures;
}

export interface TaskResult {
  sent: number;
  acked: number;
  received: number;
  finished: number;
  redelivered: number;
  errors: number;
  skipped: number;
  connections: number;
  lastAckAt: number;
  lastRecvAt: number;
  ackHistogram: string | null;
  e2eHistogram: string | null;
  errorSamples: string[];
  /** this thread's event-loop delay during the run, ms: a busy generator shows here first */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

type WaitAsync = (
  a: Int32Array,
  i: number,
  v: number,
) => { async: boolean; value: Promise<unknown> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Resolves once control word `i` is non-zero. */
export async function waitFlag(ctl: Int32Array, i: number): Promise<void> {
  while (Atomics.load(ctl, i) === 0) {
    const r = waitAsync(ctl, i, 0);
    if (r.async) await r.value;
  }
}

export default async function runTask(input: TaskInput): Promise<TaskResult> {
  const ctl = controlView(input.shared);
  const f64 = new Float64Array(input.shared);
  const base = slotIndex(input.slot, 0);
  const ackHistogram = newHistogram();
  const e2eHistogram = input.stamp ? newHistogram() : null;
  const batch = input.batch;
  const cmdRate = input.ratePerProducer / batch; // commands per second per producer
  const openLoop = cmdRate > 0;
  // open loop: release at most 50 ms of commands at once, keep at most 500 ms outstanding
  const burst = openLoop ? Math.max(1, Math.ceil(cmdRate * 0.05)) : input.inFlight;
  const maxOutstanding = openLoop
    ? Math.max(input.inFlight, burst, Math.ceil(cmdRate * 0.5))
    : input.inFlight;
  const template =
    input.producerCommandLimits.length > 0
      ? new PublishTemplate(input.topic, input.size, batch, Math.max(burst, input.inFlight))
      : null;

  const producers: Producer[] = input.producerCommandLimits.map((limit, i) => {
    const remaining = limit > 0 ? limit : Number.POSITIVE_INFINITY;
    const id = `${input.clientId}-p${input.slot}.${i}`;
    return new Producer(
      input.host,
      input.port,
      template!,
      openLoop ? 0 : input.inFlight,
      maxOutstanding,
      remaining,
      input.stamp,
      ackHistogram,
      id,
      input.features,
    );
  });
  const consumers: Consumer[] = [];
  for (let i = 0; i < input.consumers; i++) {
    const id = `${input.clientId}-c${input.slot}.${i}`;
    consumers.push(
      new Consumer(
        input.host,
        input.port,
        input.topic,
        input.channel,
        input.rdy,
        e2eHistogram,
        id,
        input.features,
      ),
    );
  }
  const all = [...producers, ...consumers];

  let settled = 0;
  let ready = 0;
  let producersDone = 0;
  const publish = (): void => {
    let sent = 0;
    let acked = 0;
    let lastAck = 0;
    for (const p of producers) {
      sent += p.sentCmds * batch;
      acked += p.ackedCmds * batch;
      if (p.lastAckAt > lastAck) lastAck = p.lastAckAt;
    }
    let received = 0;
    let lastRecv = 0;
    for (const c of consumers) {
      received += c.received;
      if (c.lastRecvAt > lastRecv) lastRecv = c.lastRecvAt;
    }
    let errors = 0;
    for (const c of all) errors += c.errors;
    f64[base + S_SETTLED] = settled;
    f64[base + S_READY] = ready;
    f64[base + S_SENT] = sent;
    f64[base + S_ACKED] = acked;
    f64[base + S_RECEIVED] = received;
    f64[base + S_ERRORS] = errors;
    f64[base + S_PRODUCERS_DONE] = producersDone;
    f64[base + S_LAST_ACK_AT] = lastAck;
    f64[base + S_LAST_RECV_AT] = lastRecv;
  };
  // publishes progress, and is the referenced handle that keeps this thread alive while it waits
  const progress = setInterval(publish, 20);

  for (const c of all) {
    void c.ready.then((ok) => {
      settled++;
      if (ok) ready++;
    });
  }
  for (const p of producers) void p.closed.then(() => producersDone++);

  await waitFlag(ctl, CTL_START);
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const startAt = f64[F64_START_AT]!;
  const timers: NodeJS.Timeout[] = [];

  let over = false; // the task returned: late wake-ups of the control words are no-ops
  const stopProducers = (): void => {
    if (over) return;
    for (const p of producers) p.stop();
    // those still waiting for acks after the grace period are closed anyway
    timers.push(
      setTimeout(() => {
        for (const p of producers) p.close();
      }, input.graceMs),
    );
  };
  const stopConsumers = (): void => {
    for (const c of consumers) c.close();
  };

  const pacers: Pacer[] = [];
  let tickTimer: NodeJS.Timeout | null = null;
  if (Atomics.load(ctl, CTL_STOP_PRODUCERS) !== 0 && Atomics.load(ctl, CTL_STOP_CONSUMERS) !== 0) {
    for (const c of all) c.close(); // aborted before the start
  } else {
    for (const c of consumers) if (c.isReady) c.start();
    for (const p of producers) if (!p.isReady) p.close();
    if (openLoop) {
      for (let i = 0; i < producers.length; i++) pacers.push(new Pacer(cmdRate, startAt, burst));
      const tick = (): void => {
        const now = nowAbsMs();
        let wait = 50;
        let active = false;
        for (let i = 0; i < producers.length; i++) {
          const p = producers[i]!;
          if (!p.isReady || p.stopping || p.isClosed) continue;
          active = true;
          const pacer = pacers[i]!;
          // no token falls due after the run's end, even when the stop timer fires late
          const n = pacer.take(Math.min(now, startAt + input.durationMs), p.room);
          if (n > 0) p.send(n, now);
          const d = pacer.delayMs(now);
          if (d < wait) wait = d;
        }
        tickTimer = active ? setTimeout(tick, wait) : null;
      };
      tick();
    } else {
      const now = nowAbsMs();
      for (const p of producers) if (p.isReady) p.pump(now);
    }
    timers.push(setTimeout(stopProducers, Math.max(0, startAt + input.durationMs - nowAbsMs())));
    void waitFlag(ctl, CTL_STOP_PRODUCERS).then(stopProducers);
    void waitFlag(ctl, CTL_STOP_CONSUMERS).then(stopConsumers);
    // a safety net: nothing outlives its duration by more than a minute
    timers.push(
      setTimeout(() => {
        for (const c of all) c.sock.destroy();
      }, input.durationMs + 60_000),
    );
  }
  await Promise.all(all.map((c) => c.closed));
  for (const t of timers) clearTimeout(t);
  if (tickTimer !== null) clearTimeout(tickTimer);
  return finish(pacers.reduce((n, p) => n + p.skipped, 0));

  function finish(skipped: number): TaskResult {
    over = true;
    clearInterval(progress);
    loopDelay.disable();
    publish();
    const samples = all.filter((c) => c.lastError !== '').map((c) => c.lastError);
    let received = 0;
    let finished = 0;
    let redelivered = 0;
    let lastRecvAt = 0;
    for (const c of consumers) {
      received += c.received;
      finished += c.finished;
      redelivered += c.redelivered;
      if (c.lastRecvAt > lastRecvAt) lastRecvAt = c.lastRecvAt;
    }
    return {
      sent: f64[base + S_SENT]!,
      acked: f64[base + S_ACKED]!,
      received,
      finished,
      redelivered,
      errors: f64[base + S_ERRORS]!,
      skipped: skipped * batch,
      connections: all.length,
      lastAckAt: f64[base + S_LAST_ACK_AT]!,
      lastRecvAt,
      ackHistogram: encodeHistogram(ackHistogram),
      e2eHistogram: e2eHistogram === null ? null : encodeHistogram(e2eHistogram),
      errorSamples: [...new Set(samples)].slice(0, 5),
      // its samples are timer intervals: the 1 ms resolution itself is not delay
      loopDelayP99Ms: Math.max(0, Math.round((loopDelay.percentile(99) - 1e6) / 1e4) / 100),
      loopDelayMaxMs: Math.max(0, Math.round((loopDelay.max - 1e6) / 1e4) / 100),
    };
  }
}
