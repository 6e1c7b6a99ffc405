/**
 * What nsq_stat asks of the cluster, as Go's internal/clusterinfo does for nsqadmin: the producers of a
 * topic (from every lookupd's /lookup, or from each nsqd's /stats + /info) and one channel's counters
 * summed over them. Every query of a round runs at once; any failure (a partial one too) is an error
 * whose text is Go's (`failed to query any nsqd: ...`, or the errors joined by newlines).
 */

import type { GetV1Client } from '../common/http-getv1.js';

export interface ProducerAddr {
  /** `broadcast_address:http_port` (Go's Producer.HTTPAddress) */
  http: string;
}

/** the counters nsq_stat prints, summed over nodes */
export interface ChannelTotals {
  depth: number;
  memoryDepth: number;
  backendDepth: number;
  inFlight: number;
  deferred: number;
  requeue: number;
  timeout: number;
  messages: number;
  clients: number;
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's ErrList.Error(): the messages joined by newlines */
function errList(errs: Error[]): string {
  return errs.map((e) => e.message).join('\n');
}

/** runs fn over every item at once; the results in order, the failures collected */
async function allSettled<T, R>(
  items: readonly T[],
  fn: (t: T) => Promise<R>,
): Promise<{ ok: R[]; errs: Error[] }> {
  const rs = await Promise.allSettled(items.map(fn));
  const ok: R[] = [];
  const errs: Error[] = [];
  for (const r of rs) {
    if (r.status === 'fulfilled') ok.push(r.value);
    else errs.push(r.reason instanceof Error ? r.reason : new Error(String(r.reason)));
  }
  return { ok, errs };
}

interface LookupResp {
  producers?: { broadcast_address?: string; http_port?: number }[];
}

/** Go's GetLookupdTopicProducers: the union (by HTTP address) over every lookupd */
export async function lookupdTopicProducers(
  c: GetV1Client,
  topic: string,
  lookupds: readonly string[],
): Promise<ProducerAddr[]> {
  const q = encodeURIComponent(topic);
  const { ok, errs } = await allSettled(
    lookupds,
    (a) => c.getV1(`http://${a}/lookup?topic=${q}`) as Promise<LookupResp>,
  );
  if (errs.length === lookupds.length) throw new Error(`failed to query any nsqlookupd: ${errList(errs)}`);
  const seen = new Set<string>();
  const out: ProducerAddr[] = [];
  for (const r of ok) {
    for (const p of r?.producers ?? []) {
      const http = joinHostPort(p.broadcast_address ?? '', p.http_port ?? 0);
      if (seen.has(http)) continue;
      seen.add(http);
      out.push({ http });
    }
  }
  if (errs.length > 0) throw new Error(errList(errs));
  return out;
}

interface InfoResp {
  broadcast_address?: string;
  http_port?: number;
}

/** Go's GetNSQDTopicProducers: each nsqd that has the topic, at its /info broadcast address */
export async function nsqdTopicProducers(
  c: GetV1Client,
  topic: string,
  nsqds: readonly string[],
): Promise<ProducerAddr[]> {
  const q = encodeURIComponent(topic);
  const one = async (addr: string): Promise<ProducerAddr | null> => {
    const stats = (await c.getV1(`http://${addr}/stats?format=json&topic=${q}&include_clients=false`)) as {
      topics?: { topic_name?: string }[];
    };
    if (!(stats?.topics ?? []).some((t) => t.topic_name === topic)) return null;
    const info = (await c.getV1(`http://${addr}/info`)) as InfoResp;
    let host = info?.broadcast_address ?? '';
    let port = info?.http_port ?? 0;
    if (host === '') {
      // Go's fallback for an nsqd without them: the queried address
      const i = addr.lastIndexOf(':');
      host = addr.slice(0, i).replace(/^\[(.*)\]$/, '$1');
      port = Number(addr.slice(i + 1)) || 0;
    }
    return { http: joinHostPort(host, port) };
  };
  const { ok, errs } = await allSettled(nsqds, one);
  if (errs.length === nsqds.length) throw new Error(`failed to query any nsqd: ${errList(errs)}`);
  if (errs.length > 0) throw new Error(errList(errs));
  return ok.filter((p): p is ProducerAddr => p !== null);
}

interface ChannelJson {
  channel_name?: string;
  depth?: number;
  backend_depth?: number;
  in_flight_count?: number;
  deferred_count?: number;
  requeue_count?: number;
  timeout_count?: number;
  message_count?: number;
  client_count?: number;
}

/** Go's GetNSQDStats for one topic and channel: the channel's counters summed, or null when no node has it */
export async function channelTotals(
  c: GetV1Client,
  producers: readonly ProducerAddr[],
  topic: string,
  channel: string,
): Promise<ChannelTotals | null> {
  const q = `topic=${encodeURIComponent(topic)}&channel=${encodeURIComponent(channel)}`;
  const { ok, errs } = await allSettled(
    producers,
    (p) =>
      c.getV1(`http://${p.http}/stats?format=json&${q}&include_clients=false`) as Promise<{
        topics?: { topic_name?: string; channels?: ChannelJson[] }[];
      }>,
  );
  if (errs.length === producers.length) throw new Error(`failed to query any nsqd: ${errList(errs)}`);
  let sum: ChannelTotals | null = null;
  for (const r of ok) {
    for (const t of r?.topics ?? []) {
      if (t.topic_name !== topic) continue;
      for (const ch of t.channels ?? []) {
        if (ch.channel_name !== channel) continue;
        sum ??= {
          depth: 0,
          memoryDepth: 0,
          backendDepth: 0,
          inFlight: 0,
          deferred: 0,
          requeue: 0,
          timeout: 0,
          messages: 0,
          clients: 0,
        };
        const depth = ch.depth ?? 0;
        const backend = ch.backend_depth ?? 0;
        sum.depth += depth;
        sum.memoryDepth += depth - backend;
        sum.backendDepth += backend;
        sum.inFlight += ch.in_flight_count ?? 0;
        sum.deferred += ch.deferred_count ?? 0;
        sum.requeue += ch.requeue_count ?? 0;
        sum.timeout += ch.timeout_count ?? 0;
        sum.messages += ch.message_count ?? 0;
        sum.clients += ch.client_count ?? 0;
      }
    }
  }
  if (errs.length > 0) throw new Error(errList(errs));
  return sum;
}
