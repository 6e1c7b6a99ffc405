/**
 * nsqlookupd discovery for a Consumer, as go-nsq's: the `/lookup` URL built from a `host:port` or a
 * URL, one GET with `Accept: application/vnd.nsq; version=1.0`, the v1 (bare) or pre-1.0 (enveloped)
 * answer, and the nsqd TCP addresses of its producers. No state: the Consumer owns the list of
 * lookupds, the rotation and the poll timer.
 */

import http from 'node:http';
import https from 'node:https';
import { formatAddress } from '../go/address.js';
import { goDialError } from '../go/errors.js';
import { goQuote } from '../go/quote.js';
import { gotResponseError, NSQ_V1_ACCEPT } from '../http/go-client.js';

/** go-nsq's buildLookupAddr: `http://` added when there is no scheme, path `/lookup` when empty, `topic=` added */
export function buildLookupAddr(addr: string, topic: string): string {
  const text = addr.includes('://') ? addr : `http://${addr}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`parse ${goQuote(text)}: invalid URL`);
  }
  // the authority as written: WHATWG URLs drop a default port (`:80`) that Go's url.String keeps
  const rest = text.slice(text.indexOf('://') + 3);
  const authority = rest.slice(0, rest.search(/[/?#]|$/));
  if (!/:\d+$/.test(authority)) throw new Error('missing port');
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/lookup';
  u.searchParams.append('topic', topic);
  u.searchParams.sort();
  return `${u.protocol}//${authority}${u.pathname}${u.search}`;
}

interface Producer {
  broadcast_address?: string;
  tcp_port?: number;
}

/** the most of a lookupd answer read */
const MAX_BODY = 16 * 1024 * 1024;

interface HttpAnswer {
  status: number;
  statusText: string;
  v1: boolean;
  body: string;
}

/** one GET with Go http.Client's error texts: `Get "<url>": dial tcp ...` or a timeout */
function httpGet(url: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const hostPort = `${u.hostname}:${u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : u.port}`;
    const fail = (text: string): void => reject(new Error(`Get ${goQuote(url)}: ${text}`));
    const get = u.protocol === 'https:' ? https.get : http.get;
    const req = get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new Error(`response body over ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          v1: res.headers['x-nsq-content-type'] === 'nsq; version=1.0',
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', (err) => fail(err.message));
    });
    const timer = setTimeout(() => {
      req.destroy();
      fail('context deadline exceeded (Client.Timeout exceeded while awaiting headers)');
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      fail(goDialError(hostPort, err));
    });
  });
}

/**
 * go-nsq's apiRequestNegotiateV1 on a `/lookup` URL: the producers' `broadcast_address:tcp_port`.
 * Rejects with Go's texts (`got response 404 Not Found "..."`, a failed GET).
 */
export async function lookupProducers(url: string, timeoutMs: number, authSecret: string): Promise<string[]> {
  const headers: Record<string, string> = { Accept: NSQ_V1_ACCEPT };
  if (authSecret !== '') headers.Authorization = `Bearer ${authSecret}`;
  const res = await httpGet(url, headers, timeoutMs);
  if (res.status !== 200) throw gotResponseError(res.status, res.statusText, res.body);
  const parsed = JSON.parse(res.body === '' ? '{}' : res.body) as {
    producers?: Producer[];
    data?: { producers?: Producer[] };
  };
  const producers = res.v1 ? parsed.producers : parsed.data?.producers;
  const out: string[] = [];
  for (const p of producers ?? []) out.push(formatAddress(p.broadcast_address ?? '', p.tcp_port ?? 0));
  return out;
}
