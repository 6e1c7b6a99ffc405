/**
 * nsqlookupd discovery for a Consumer, as go-nsq's: the `/lookup` URL built from a `host:port` or a
 * URL, one GET with `Accept: application/vnd.nsq; version=1.0`, the v1 (bare) or pre-1.0 (enveloped)
 * answer, and the nsqd TCP addresses of its producers. No state: the Consumer owns the list of
 * lookupds, the rotation and the poll timer.
 */

import { formatAddress } from '../go/address.js';
import { goDialError } from '../go/errors.js';
import { goQuote } from '../go/quote.js';

/** go-nsq's buildLookupAddr: `http://` added when there is no scheme, path `/lookup` when empty, `topic=` added */
export function buildLookupAddr(addr: string, topic: string): string {
  const text = addr.includes('://') ? addr : `http://${addr}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`parse ${goQuote(text)}: invalid URL`);
  }
  if (u.port === '' && !/:\d+(\/|$)/.test(text.slice(text.indexOf('://') + 3)))
    throw new Error('missing port');
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/lookup';
  u.searchParams.append('topic', topic);
  u.searchParams.sort();
  return u.toString();
}

interface Producer {
  broadcast_address?: string;
  tcp_port?: number;
}

/** the text Go's http.Client gives a failed GET: `Get "<url>": dial tcp ...: connect: connection refused` */
function fetchError(url: string, err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const name = (err as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return `Get ${goQuote(url)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
  }
  const u = new URL(url);
  const hostPort = `${u.hostname}:${u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : u.port}`;
  return `Get ${goQuote(url)}: ${goDialError(hostPort, cause)}`;
}

/**
 * go-nsq's apiRequestNegotiateV1 on a `/lookup` URL: the producers' `broadcast_address:tcp_port`.
 * Rejects with Go's texts (`got response 404 Not Found "..."`, a failed GET).
 */
export async function lookupProducers(url: string, timeoutMs: number, authSecret: string): Promise<string[]> {
  const headers: Record<string, string> = { Accept: 'application/vnd.nsq; version=1.0' };
  if (authSecret !== '') headers.Authorization = `Bearer ${authSecret}`;
  let res: Response;
  let body: string;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    body = await res.text();
  } catch (err) {
    throw new Error(fetchError(url, err));
  }
  if (res.status !== 200) throw new Error(`got response ${res.status} ${res.statusText} ${goQuote(body)}`);
  const parsed = JSON.parse(body === '' ? '{}' : body) as {
    producers?: Producer[];
    data?: { producers?: Producer[] };
  };
  const producers =
    res.headers.get('X-NSQ-Content-Type') === 'nsq; version=1.0' ? parsed.producers : parsed.data?.producers;
  const out: string[] = [];
  for (const p of producers ?? []) out.push(formatAddress(p.broadcast_address ?? '', p.tcp_port ?? 0));
  return out;
}
