/**
 * The pieces of Go's internal/http_api Client (and go-nsq's apiRequestNegotiateV1) that every nsq-ts
 * HTTP client shares — nsqd's auth query and lookupd channels query, nsqadmin's upstream calls, the
 * client library's lookupd poll: the V1 Accept header, the `got response ...` error for a non-200,
 * and the https endpoint a 403 names. No I/O: each client owns its requests and timeouts.
 */

import { goQuote } from '../go/quote.js';

/** the Accept header that asks nsqd and nsqlookupd for V1 (bare) answers */
export const NSQ_V1_ACCEPT = 'application/vnd.nsq; version=1.0';

/** Go's `fmt.Errorf("got response %s %q", resp.Status, body)` for a non-200 answer */
export function gotResponseError(status: number, statusText: string, body: Buffer | string): Error {
  return new Error(`got response ${status} ${statusText} ${goQuote(body)}`);
}

/**
 * http_api's httpsEndpoint: the same URL over https on the `https_port` a 403 reply names, with
 * Go's failures (a body that is not that JSON, an endpoint without a port).
 */
export function httpsEndpoint(url: string, body: Buffer): string {
  let port: unknown;
  try {
    port = (JSON.parse(body.toString('utf8')) as { https_port?: unknown } | null)?.https_port ?? 0;
  } catch (err) {
    throw new Error((err as Error).message);
  }
  if (typeof port !== 'number' || !Number.isInteger(port)) {
    throw new Error('json: cannot unmarshal https_port into Go struct field of type int');
  }
  const u = new URL(url);
  // net.SplitHostPort(u.Host) on the authority as written (WHATWG URLs drop a default port)
  const authority = url.slice(url.indexOf('://') + 3).split(/[/?#]/)[0] ?? '';
  if (!/:[0-9]*$/.test(authority.replace(/^\[[^\]]*\]/, ''))) {
    throw new Error(`address ${u.host}: missing port in address`);
  }
  u.protocol = 'https:';
  u.port = String(port);
  return u.toString();
}
