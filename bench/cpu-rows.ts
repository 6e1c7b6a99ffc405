/**
 * What a node costs at a given load (issue 17: "CPU-seconds per million messages at most Go's at
 * every load"): the server's CPU time per message while nsq-bench publishes at a fixed rate (open
 * loop, MPUB×20 on 2 connections, no channel), idle shards and spinning included. The server's CPU
 * is its whole process tree's user + system time over the run (/proc), so every thread counts.
 * Measured warm, as a node that has run for a while: a JIT-compiled server spends its first seconds
 * compiling (at 10k msgs/s, 16 s to settle: 600 → 190–270 ms of CPU per 4 s), so each server first
 * takes WARM_MSGS flat out, then WARM_AT_RATE_MS at the rate, unmeasured; Go's gets the same.
 */

import { runBench } from './nsq-bench/run.js';
import { measured, n, opts, outcome, type Scenario } from './scenario-kit.js';

/** the flat-out part of the warm-up (on a topic of its own) */
const WARM_MSGS = 200_000;
/** the at-rate part of the warm-up (on the measured topic) */
const WARM_AT_RATE_MS = 4000;

function cpuAtRate(rate: number): Scenario['run'] {
  return async (s, cfg) => {
    const o = opts(s, cfg, { batch: 20, conns: 2, rate, topic: `cpu_${rate}` });
    await runBench(opts(s, cfg, { batch: 20, conns: 2, count: WARM_MSGS, topic: 'cpu_warm' }));
    await runBench({ ...o, durationMs: WARM_AT_RATE_MS });
    const m = await measured(s, cfg, o);
    const pub = m.r.pub!;
    const usPerMsg = pub.acked > 0 ? (m.serverCpuMs * 1000) / pub.acked : 0;
    const cores = m.serverCpuMs / Math.max(1, pub.elapsedMs);
    return outcome(
      m,
      usPerMsg,
      `${n(pub.acked)} msgs at ${n(pub.msgsPerSec)} msgs/s; server ${cores.toFixed(2)} cores; measured warm`,
    );
  };
}

export const CPU_ROWS: readonly Scenario[] = [10_000, 100_000].map((rate) => ({
  id: `cpu-${rate / 1000}k`,
  label: `server CPU per message, publishing at ${rate / 1000}k msgs/s (MPUB×20, 2 conns, open loop, warm)`,
  unit: 'µs CPU/msg',
  target: null,
  memQueueSize: 'default',
  run: cpuAtRate(rate),
}));
