/**
 * A connection as /stats shows it (nsqd's ClientV2Stats): what its io thread knows of it (identity,
 * transport, publish counts); a shard's counters join it for a consumer. Plain data: an io thread
 * worker sends its connections' entries to the main thread as they are. Owns no state.
 */

import type { ClientStats } from '../contract/stats.js';
import type { ConsumerStats } from '../queue/admin.js';
import type { Connection } from './connection.js';

/** one connection's stats, by its id */
export interface ClientEntry {
  readonly conn: number;
  readonly stats: ClientStats;
}

/** what the io thread knows of `c`; the consumer counters are 0 (see asConsumer) */
export function connectionStats(c: Connection): ClientStats {
  const s = c.session;
  const t = c.transport;
  const tls = t.tls;
  return {
    clientId: s.clientId,
    hostname: s.hostname,
    remoteAddress: c.remoteHostPort,
    state: s.state,
    readyCount: 0,
    inFlightCount: 0,
    messageCount: 0,
    finishCount: 0,
    requeueCount: 0,
    connectTs: c.connectTs,
    sampleRate: s.sampleRate,
    userAgent: s.userAgent,
    topologyZone: s.topologyZone,
    topologyRegion: s.topologyRegion,
    pubCounts: [...s.pubCounts].map(([topic, count]) => ({ topic, count })),
    deflate: t.codec?.kind === 'deflate',
    snappy: t.codec?.kind === 'snappy',
    tls: tls !== null,
    tlsCipherSuite: tls?.cipherSuite ?? '',
    tlsVersion: tls?.version ?? '',
    tlsNegotiatedProtocol: tls?.negotiatedProtocol ?? '',
    tlsNegotiatedProtocolIsMutual: tls?.negotiatedProtocolIsMutual ?? false,
    authed: s.auth?.state.hasAuthorizations ?? false,
    authIdentity: s.auth?.state.identity ?? '',
    authIdentityUrl: s.auth?.state.identityUrl ?? '',
  };
}

/** every connection of one io thread's table */
export function tableEntries(all: Iterable<Connection>): ClientEntry[] {
  const out: ClientEntry[] = [];
  for (const c of all) out.push({ conn: c.id, stats: connectionStats(c) });
  return out;
}

/** a consumer's stats: its connection's, with the shard's counters */
export function asConsumer(base: ClientStats, cs: ConsumerStats): ClientStats {
  return {
    ...base,
    readyCount: cs.readyCount,
    inFlightCount: cs.inFlightCount,
    messageCount: cs.messageCount,
    finishCount: cs.finishCount,
    requeueCount: cs.requeueCount,
  };
}
