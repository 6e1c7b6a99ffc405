/**
 * nsqlookupd's `GET /metrics` (nsq-ts; Go nsqlookupd has none): the registration DB as Prometheus
 * text exposition 0.0.4 under `nsqlookupd_` names — producers (registered, inactive, tombstoned),
 * topics, channels, per-topic producer and channel counts as /lookup answers them, TCP connections,
 * HTTP answers by status — plus the process_* and nodejs_* series. One pass over the DB per scrape,
 * nothing on the registration path but two counters. Per-topic label cardinality is bounded:
 * `--metrics-exclude-ephemeral` leaves `#ephemeral` topics out and `--metrics-max-topics` caps the
 * topics given series (the rest counted in nsqlookupd_metrics_omitted_topics). The generic exposition
 * pieces are ../../http/prometheus.ts, shared with nsqd.
 */

import { NSQ_VERSION } from '../../go/version.js';
import {
  escapeLabel,
  type Family,
  family,
  type HeapStats,
  heapFamilies,
  type ProcessStats,
  processFamilies,
  type Row,
  single,
} from '../../http/prometheus.js';
import { isEphemeral } from '../../wire/names.js';
import { filterByActive, type RegistrationDB } from '../db/registration-db.js';
import type { LookupdOptions } from '../options.js';

/** what the TCP side and the HTTP table count for /metrics (owned by NSQLookupd) */
export interface LookupdCounters {
  /** TCP connections open now */
  tcpOpen(): number;
  /** TCP connections accepted since start */
  tcpAccepted(): number;
  /** HTTP answers since start, by status code */
  httpByStatus(): ReadonlyMap<number, number>;
}

export interface LookupdMetricsInput {
  db: RegistrationDB;
  options: Pick<
    LookupdOptions,
    'inactiveProducerTimeout' | 'tombstoneLifetime' | 'metricsExcludeEphemeral' | 'metricsMaxTopics'
  >;
  /** wall-clock ms, as the HTTP handlers use */
  now: number;
  counters: LookupdCounters;
  process: ProcessStats;
  heap: HeapStats;
}

interface TopicRow {
  producers: number;
  channels: number;
}

// biome-ignore format: one family per line reads best as a table
const TOPIC_FAMILIES: readonly Family<TopicRow>[] = [
  { name: 'nsqlookupd_topic_producers', kind: 'gauge', help: 'Producers /lookup answers for the topic (active, not tombstoned).', value: (t) => t.producers },
  { name: 'nsqlookupd_topic_channels', kind: 'gauge', help: 'Channels /lookup answers for the topic.', value: (t) => t.channels },
];

const gauge = (out: string[], name: string, help: string, v: number): void =>
  single(out, name, 'gauge', help, ` ${v}`);

/** The /metrics body for the DB as it is now. */
export function formatLookupdMetrics(input: LookupdMetricsInput): string {
  const { db, options: o, now, counters } = input;
  const out: string[] = [];
  single(
    out,
    'nsqlookupd_info',
    'gauge',
    'Constant 1, labelled with the nsqlookupd version this server is compatible with.',
    `{version="${escapeLabel(NSQ_VERSION)}"} 1`,
  );

  const peers = db.findProducers('client', '', '');
  const active = filterByActive(peers, o.inactiveProducerTimeout, 0, now).length;
  gauge(out, 'nsqlookupd_producers', 'nsqd nodes registered (identified TCP connections).', peers.length);
  gauge(
    out,
    'nsqlookupd_inactive_producers',
    'Registered nodes not heard from within --inactive-producer-timeout (left out of /nodes and /lookup).',
    peers.length - active,
  );

  const topics = db.findRegistrations('topic', '*', '');
  const rows: Row<TopicRow>[] = [];
  let tombstoned = 0;
  let omitted = 0;
  for (const t of topics) {
    for (const p of t.producers.values()) if (p.isTombstoned(o.tombstoneLifetime, now)) tombstoned++;
    if (o.metricsExcludeEphemeral && isEphemeral(t.key)) continue;
    if (rows.length >= o.metricsMaxTopics) {
      omitted++;
      continue;
    }
    const producers = filterByActive(
      [...t.producers.values()],
      o.inactiveProducerTimeout,
      o.tombstoneLifetime,
      now,
    ).length;
    const channels = db.findRegistrations('channel', t.key, '*').length;
    rows.push({ labels: `topic="${escapeLabel(t.key)}"`, data: { producers, channels } });
  }
  gauge(
    out,
    'nsqlookupd_tombstoned_producers',
    'Topic producers tombstoned within --tombstone-lifetime (one per node and topic).',
    tombstoned,
  );
  gauge(out, 'nsqlookupd_topics', 'Topics registered (as /topics lists them).', topics.length);
  gauge(
    out,
    'nsqlookupd_channels',
    'Channels registered, over all topics.',
    db.findRegistrations('channel', '*', '*').length,
  );
  for (const f of TOPIC_FAMILIES) family(out, f, rows);
  gauge(
    out,
    'nsqlookupd_metrics_omitted_topics',
    'Topics left out of the per-topic series by --metrics-max-topics.',
    omitted,
  );

  gauge(out, 'nsqlookupd_tcp_connections', 'TCP connections open.', counters.tcpOpen());
  single(
    out,
    'nsqlookupd_tcp_connections_total',
    'counter',
    'TCP connections accepted.',
    ` ${counters.tcpAccepted()}`,
  );
  const byStatus = [...counters.httpByStatus()].sort((a, b) => a[0] - b[0]);
  family(
    out,
    {
      name: 'nsqlookupd_http_requests_total',
      kind: 'counter',
      help: 'HTTP requests answered, by status code.',
      value: (n: number) => n,
    },
    byStatus.map(([code, n]) => ({ labels: `code="${code}"`, data: n })),
  );

  processFamilies(out, input.process);
  heapFamilies(out, input.heap);
  return out.join('');
}
