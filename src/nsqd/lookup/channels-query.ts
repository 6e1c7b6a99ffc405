/**
 * The channels lookupds know for a topic, as nsqd's ClusterInfo.GetLookupdTopicChannels asks them
 * when it creates a topic: `GET http://<lookupd>/channels?topic=T` (V1 Accept header) to every
 * lookupd at once, within --http-client-connect-timeout and --http-client-request-timeout; the
 * union, de-duplicated and sorted, and an error only when every lookupd failed. Owns no state.
 */

import { request } from 'node:http';
import { gotResponseError, NSQ_V1_ACCEPT } from '../../http/go-client.js';
import type { Logger } from '../../log.js';

/** a lookupd's /channels body is a few names: a bigger one is not a lookupd's */
const MAX_RESPONSE_BYTES = 4 << 20;

export interface ChannelsResult {
  channels: string[];
  /** Go's ErrList: the failed lookupds' errors joined by newlines; '' when none failed */
  error: string;
}

export interface HttpClientTimeouts {
  /** ms */
  connectTimeout: number;
  /** ms, the whole request */
  requestTimeout: number;
}

export async function lookupdTopicChannels(
  topic: string,
  lookupdHttpAddrs: readonly string[],
  timeouts: HttpClientTimeouts,
  log: Logger,
): Promise<ChannelsResult> {
  const errors: string[] = [];
  const found = new Set<string>();
  await Promise.all(
    lookupdHttpAddrs.map(async (addr) => {
      const endpoint = `http://${addr}/channels?topic=${encodeURIComponent(topic)}`;
      log.info(`CI: querying nsqlookupd ${endpoint}`);
      try {
        const body = await getV1(endpoint, timeouts);
        const channels = (JSON.parse(body) as { channels?: unknown }).channels;
        if (Array.isArray(channels)) for (const c of channels) if (typeof c === 'string') found.add(c);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }),
  );
  const channels = [...found].sort();
  if (errors.length > 0 && errors.length === lookupdHttpAddrs.length) {
    return { channels: [], error: `failed to query any nsqlookupd: ${errors.join('\n')}` };
  }
  return { channels, error: errors.join('\n') };
}

/** Go's http_api.Client.GETV1: the body of a 200, else `got response <status> "<body>"` */
function getV1(endpoint: string, timeouts: HttpClientTimeouts): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(endpoint, { headers: { Accept: NSQ_V1_ACCEPT } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES)
          req.destroy(new Error(`response from ${endpoint} over ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(whole);
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(body);
        else reject(gotResponseError(res.statusCode ?? 0, res.statusMessage ?? '', body));
      });
      res.on('error', reject);
    });
    const whole = setTimeout(
      () =>
        req.destroy(
          new Error(
            `Get "${endpoint}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
          ),
        ),
      timeouts.requestTimeout,
    );
    req.on('socket', (s) => {
      const dial = setTimeout(
        () => req.destroy(new Error(`Get "${endpoint}": dial tcp: i/o timeout`)),
        timeouts.connectTimeout,
      );
      s.once('connect', () => clearTimeout(dial));
      s.once('close', () => clearTimeout(dial));
    });
    req.on('error', (err) => {
      clearTimeout(whole);
      reject(err.message.startsWith('Get "') ? err : new Error(`Get "${endpoint}": ${err.message}`));
    });
    req.end();
  });
}
