/**
 * What a node costs at a given load (issue 17: "CPU-seconds per million messages at most Go's at
 * every load"): the server's CPU time per message while nsq-bench publishes at a fixed rate (open
 * loop, MPUB×20 on 2 connections, no channel), idle shards and spinning included. The server's CPU
 * is its whole process tree's user + system time over the run (/proc), so every thread counts.
 */

import { measured, n, opts, outcome, type Scenario } from './scenario-kit.js';

function cpuAtRate(rate: number): Scenario['run'] {
  return async (s, cfg) => {
    const m = await measured(s, cfg, opts(s, cfg, { batch: 20, conns: 2, rate }));
    const pub = m.r.pub!;
    const usPerMsg = pub.acked > 0 ? (m.serverCpuMs * 1000) / pub.acked : 0;
    const cores = m.serverCpuMs / Math.max(1, pub.elapsedMs);
    return outcome(
      m,
      usPerMsg,
      `${n(pub.acked)} msgs at ${n(pub.msgsPerSec)} msgs/s; server ${cores.toFixed(2)} cores`,
    );
  };
}

export const CPU_ROWS: readonly Scenario[] = [10_000, 100_000].map((rate) => ({
  id: `cpu-${rate / 1000}k`,
  label: `server CPU per message, publishing at ${rate / 1000}k msgs/s (MPUB×20, 2 conns, open loop)`,
  unit: 'µs CPU/msg',
  target: null,
  memQueueSize: 'default',
  run: cpuAtRate(rate),
}));
