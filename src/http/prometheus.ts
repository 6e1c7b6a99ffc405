/**
 * The generic part of Prometheus text exposition 0.0.4 that nsqd's and nsqlookupd's `GET /metrics`
 * share: the Content-Type and response, label escaping, sample value formatting, HELP/TYPE headers,
 * families of labelled rows or of one sample, the standard process_* series of this process and
 * prom-client's nodejs_* heap series. Written by hand, not through prom-client (see
 * nsqd/http/metrics-format.ts for why). Pure but for readProcessStats and readHeapStats.
 */

import type { HttpResponse } from './request.js';

/** the exposition's Content-Type, as Prometheus expects for text format 0.0.4 */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** a 200 carrying an exposition body */
export function metricsResponse(body: string): HttpResponse {
  return { status: 200, headers: [['Content-Type', METRICS_CONTENT_TYPE]], body };
}

/** a `summary` here has quantile samples only: the windowed counts /stats gives are not cumulative */
export type MetricKind = 'gauge' | 'counter' | 'summary';

/** one metric family: its samples come from one kind of row */
export interface Family<T> {
  name: string;
  kind: MetricKind;
  help: string;
  value: (row: T) => number;
}

/** one row of a family: its `{…}` labels already escaped, and the data its value comes from */
export interface Row<T> {
  labels: string;
  data: T;
}

/** Prometheus label value escaping: backslash, double quote, line feed */
export function escapeLabel(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** a sample value: integers as they are, floats in the shortest form (exponents allowed) */
export function formatValue(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
}

export function header(out: string[], name: string, kind: MetricKind, help: string): void {
  out.push(`# HELP ${name} ${help}\n# TYPE ${name} ${kind}\n`);
}

/** a family with one sample per row; nothing at all when there are no rows */
export function family<T>(out: string[], f: Family<T>, rows: readonly Row<T>[]): void {
  if (rows.length === 0) return;
  header(out, f.name, f.kind, f.help);
  for (const r of rows) out.push(`${f.name}{${r.labels}} ${formatValue(f.value(r.data))}\n`);
}

/** a family of one sample; `sample` is what follows the name (`{labels} v` or ` v`) */
export function single(out: string[], name: string, kind: MetricKind, help: string, sample: string): void {
  header(out, name, kind, help);
  out.push(`${name}${sample}\n`);
}

/** the numbers of the standard process_* series */
export interface ProcessStats {
  residentBytes: number;
  cpuSeconds: number;
  startTimeSeconds: number;
}

/** the standard process_* numbers of this process (all threads) */
export function readProcessStats(): ProcessStats {
  const cpu = process.cpuUsage();
  return {
    residentBytes: process.memoryUsage.rss(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startTimeSeconds: Math.floor(performance.timeOrigin / 1000),
  };
}

/** the standard process_* series, as the Prometheus client libraries name them */
export function processFamilies(out: string[], p: ProcessStats): void {
  single(
    out,
    'process_resident_memory_bytes',
    'gauge',
    'Resident memory size in bytes.',
    ` ${p.residentBytes}`,
  );
  single(
    out,
    'process_cpu_seconds_total',
    'counter',
    'Total user and system CPU time spent in seconds.',
    ` ${formatValue(p.cpuSeconds)}`,
  );
  single(
    out,
    'process_start_time_seconds',
    'gauge',
    'Start time of the process since unix epoch in seconds.',
    ` ${formatValue(p.startTimeSeconds)}`,
  );
}

/** the V8 heap numbers of the nodejs_* series prom-client's default metrics give */
export interface HeapStats {
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
}

/** this thread's V8 heap */
export function readHeapStats(): HeapStats {
  const m = process.memoryUsage();
  return { heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external };
}

/** the nodejs_* heap series, under prom-client's default metric names */
export function heapFamilies(out: string[], h: HeapStats): void {
  single(out, 'nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use, in bytes.', ` ${h.heapUsedBytes}`);
  single(
    out,
    'nodejs_heap_size_total_bytes',
    'gauge',
    'V8 heap allocated, in bytes.',
    ` ${h.heapTotalBytes}`,
  );
  single(
    out,
    'nodejs_external_memory_bytes',
    'gauge',
    'Memory of C++ objects bound to JavaScript objects, in bytes.',
    ` ${h.externalBytes}`,
  );
}
