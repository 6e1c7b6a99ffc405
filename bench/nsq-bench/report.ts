/**
 * What nsq-bench prints: the live progress line, the result table and the JSON document. Pure
 * functions of a Progress or a BenchResult; the caller decides where the text goes.
 */

import type { Percentiles } from './histogram.js';
import type { BenchResult, Environment, Progress } from './run.js';

/** 1234567 → "1,234,567" (locale-independent) */
export function grouped(n: number): string {
  const r = Math.round(n);
  const s = String(Math.abs(r)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return r < 0 ? `-${s}` : s;
}

/** microseconds → "0.123 ms" */
export function ms(us: number): string {
  return `${(us / 1000).toFixed(3)} ms`;
}

export function seconds(msec: number): string {
  return `${(msec / 1000).toFixed(2)} s`;
}

/** One line, no newline: `[pub] 3.2s  pub 412,345 msgs/s (1,234,567)  sub ...  errors 0`. */
export function progressLine(p: Progress): string {
  const parts = [`[${p.mode}] ${(p.elapsedMs / 1000).toFixed(1)}s`];
  if (p.mode !== 'sub') parts.push(`pub ${grouped(p.pubRate)} msgs/s (${grouped(p.acked)} acked)`);
  if (p.mode !== 'pub') parts.push(`sub ${grouped(p.subRate)} msgs/s (${grouped(p.received)} received)`);
  parts.push(`errors ${grouped(p.errors)}`);
  return parts.join('  ');
}

/** "node v20.1.0, 2 CPUs, linux x64" */
export function environmentLine(env: Environment): string {
  return `node ${env.node}, ${env.cpus} CPUs, ${env.platform} ${env.arch}`;
}

export function percentileLine(p: Percentiles): string {
  const parts = [
    `p50 ${ms(p.p50)}`,
    `p90 ${ms(p.p90)}`,
    `p99 ${ms(p.p99)}`,
    `p99.9 ${ms(p.p999)}`,
    `max ${ms(p.max)}`,
  ];
  return `${parts.join('  ')}  (${grouped(p.count)} samples)`;
}

/** Rows of [label, value] as an aligned two-column block. */
export function twoColumns(rows: readonly (readonly [string, string])[]): string[] {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`);
}

/** The human report of one run: what ran against what, then one row per measured figure. */
export function formatResult(r: BenchResult): string {
  const o = r.options;
  const load =
    o.rate > 0 ? `rate ${grouped(o.rate)} msgs/s (open loop)` : `${o.inFlight} in flight (closed loop)`;
  const cmd = o.batch === 1 ? 'PUB' : `MPUB x${o.batch}`;
  const what = [
    `${o.conns} conns`,
    `${o.size} B messages`,
    r.mode === 'sub' ? `RDY ${o.rdy}` : `${cmd}, ${load}`,
    r.mode === 'pubsub' ? `RDY ${o.rdy}` : '',
    `${seconds(o.durationMs)}${o.count > 0 ? ` or ${grouped(o.count)} msgs` : ''}`,
    `${r.threads} threads`,
  ].filter((s) => s !== '');
  const lines = [
    `nsq-bench ${r.mode} → ${r.target} (nsqd version ${r.targetVersion}), topic ${o.topic}${r.mode === 'pub' ? '' : `/${o.channel}`}`,
    `${environmentLine(r.env)}; ${what.join(', ')}`,
    '',
  ];
  const rows: [string, string][] = [];
  if (r.pub !== null) {
    const p = r.pub;
    rows.push([
      'published',
      `${grouped(p.msgsPerSec)} msgs/s  ${p.mbPerSec.toFixed(1)} MB/s  (${grouped(p.acked)} acked in ${seconds(p.elapsedMs)})`,
    ]);
    if (p.skipped > 0)
      rows.push(['behind schedule', `${grouped(p.skipped)} msgs skipped (open loop could not keep up)`]);
    if (p.ackLatency !== null) rows.push(['ack round trip', percentileLine(p.ackLatency)]);
  }
  if (r.sub !== null) {
    const s = r.sub;
    rows.push([
      'received',
      `${grouped(s.msgsPerSec)} msgs/s  ${s.mbPerSec.toFixed(1)} MB/s  (${grouped(s.received)} in ${seconds(s.elapsedMs)})`,
    ]);
    if (s.redelivered > 0) rows.push(['redelivered', grouped(s.redelivered)]);
  }
  if (r.latency !== null) rows.push(['end to end', percentileLine(r.latency)]);
  rows.push(['errors', r.errors === 0 ? '0' : `${grouped(r.errors)}: ${r.errorSamples.join('; ')}`]);
  const lag = `event-loop delay p99 ${r.loopDelayP99Ms.toFixed(2)} ms, max ${r.loopDelayMaxMs.toFixed(2)} ms`;
  rows.push(['load generator', `${r.benchCpuPercent}% of one core; ${lag}`]);
  return `${[...lines, ...twoColumns(rows)].join('\n')}\n`;
}

export function formatJson(r: BenchResult): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
