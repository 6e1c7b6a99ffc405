#!/usr/bin/env node
/**
 * nsq_to_http: consumes --topic/--channel and makes one HTTP request per message (POST with the body,
 * or GET with the body in the URL) to one of the --post/--get addresses chosen by --mode (round-robin,
 * hostpool, epsilon-greedy, or any other value: every address in turn), --n requests at once. A
 * request's failure REQs the message with backoff (go-nsq's handler error). SIGINT/SIGTERM stop the
 * consumer gracefully, exit 0. Owns the choice of address and the latency logging.
 */

import { Consumer } from '../../client/consumer.js';
import type { Message } from '../../client/message.js';
import { Flags, parseToolFlags, programName, type ToolFlagDef } from '../common/go-flagset.js';
import { logFatal } from '../common/go-log.js';
import { HostPool } from '../common/hostpool.js';
import {
  checkSourceAddrs,
  configFlag,
  freshConfig,
  TOOLS_VERSION,
  toolUserAgent,
} from '../common/nsq-opts.js';
import { TimerMetrics } from '../common/timer-metrics.js';
import { HttpPublisher } from './publish.js';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Go's parseCustomHeaders: `Name: value`, split at the first ':', both sides trimmed and non-empty */
function parseHeaders(list: readonly string[]): Map<string, string> | null {
  const out = new Map<string, string>();
  for (const s of list) {
    const i = s.indexOf(':');
    if (i < 0) return null;
    const k = s.slice(0, i).trim();
    const v = s.slice(i + 1).trim();
    if (k === '' || v === '') return null;
    out.set(k, v);
  }
  return out;
}

function main(): void {
  const cfg = freshConfig();
  const defs: ToolFlagDef[] = [
    { name: 'version', kind: 'bool', usage: 'print version string', def: false },
    { name: 'topic', kind: 'string', usage: 'nsq topic', def: '' },
    { name: 'channel', kind: 'string', usage: 'nsq channel', def: 'nsq_to_http' },
    { name: 'max-in-flight', kind: 'int', usage: 'max number of messages to allow in flight', def: 200 },
    { name: 'n', kind: 'int', usage: 'number of concurrent publishers', def: 100 },
    {
      name: 'mode',
      kind: 'string',
      usage: 'the upstream request mode options: round-robin, hostpool (default), epsilon-greedy',
      def: 'hostpool',
    },
    { name: 'sample', kind: 'float', usage: '% of messages to publish (float b/w 0 -> 1)', def: 1 },
    { name: 'http-client-connect-timeout', kind: 'duration', usage: 'timeout for HTTP connect', def: 2000 },
    { name: 'http-client-request-timeout', kind: 'duration', usage: 'timeout for HTTP request', def: 20_000 },
    {
      name: 'status-every',
      kind: 'int',
      usage: 'the # of requests between logging status (per handler), 0 disables',
      def: 250,
    },
    {
      name: 'content-type',
      kind: 'string',
      usage: 'the Content-Type used for POST requests',
      def: DEFAULT_CONTENT_TYPE,
    },
    {
      name: 'post',
      kind: 'list',
      usage:
        'HTTP address to make a POST request to.  data will be in the body (may be given multiple times)',
    },
    { name: 'header', kind: 'list', usage: 'Custom header for HTTP requests (may be given multiple times)' },
    {
      name: 'get',
      kind: 'list',
      usage:
        "HTTP address to make a GET request to. '%s' will be printf replaced with data (may be given multiple times)",
    },
    { name: 'nsqd-tcp-address', kind: 'list', usage: 'nsqd TCP address (may be given multiple times)' },
    {
      name: 'lookupd-http-address',
      kind: 'list',
      usage: 'lookupd HTTP address (may be given multiple times)',
    },
    configFlag(
      'consumer-opt',
      'option to passthrough to nsq.Consumer (may be given multiple times, http://godoc.org/github.com/nsqio/go-nsq#Config)',
      cfg,
    ),
  ];
  const f = new Flags(parseToolFlags(programName('nsq_to_http'), defs));
  if (f.bool('version')) {
    process.stdout.write(`nsq_to_http v${TOOLS_VERSION}\n`);
    return;
  }
  let headers = new Map<string, string>();
  if (f.list('header').length > 0) {
    const h = parseHeaders(f.list('header'));
    // Quirk kept from Go: the text says key=value, the parser wants `key: value`
    if (h === null) logFatal("--header value format should be 'key=value'");
    headers = h;
  }
  const topic = f.str('topic');
  const channel = f.str('channel');
  if (topic === '' || channel === '') logFatal('--topic and --channel are required');
  const posts = f.list('post');
  const gets = f.list('get');
  const contentType = f.str('content-type');
  if (contentType !== DEFAULT_CONTENT_TYPE) {
    if (posts.length === 0) logFatal('--content-type only used with --post');
    if (contentType.length === 0) logFatal('--content-type requires a value when used');
  }
  const nsqds = f.list('nsqd-tcp-address');
  const lookupds = f.list('lookupd-http-address');
  checkSourceAddrs(nsqds, lookupds);
  if (gets.length === 0 && posts.length === 0) logFatal('--get or --post required');
  if (gets.length > 0 && posts.length > 0) logFatal('use --get or --post not both');
  for (const g of gets) {
    if (g.split('%s').length - 1 !== 1) logFatal('invalid GET address - must be a printf string');
  }
  const mode = f.str('mode');
  const sample = f.num('sample');
  if (sample > 1 || sample < 0) logFatal('ERROR: --sample must be between 0.0 and 1.0');

  const addresses = posts.length > 0 ? posts : gets;
  const publisher = new HttpPublisher({
    method: posts.length > 0 ? 'POST' : 'GET',
    contentType,
    headers,
    connectTimeout: f.num('http-client-connect-timeout'),
    requestTimeout: f.num('http-client-request-timeout'),
  });
  cfg.userAgent = toolUserAgent('nsq_to_http');
  cfg.maxInFlight = f.num('max-in-flight');
  let consumer: Consumer;
  try {
    consumer = new Consumer(topic, channel, { ...cfg });
  } catch (err) {
    logFatal((err as Error).message);
  }

  const statusEvery = f.num('status-every');
  const perAddress = new Map<string, TimerMetrics>();
  if (addresses.length === 1) perAddress.set(addresses[0]!, new TimerMetrics(0, ''));
  else for (const a of addresses) perAddress.set(a, new TimerMetrics(statusEvery, `[${a}]:`));
  // Quirk kept from Go: only these three names pick a mode; any other value sends to every address
  const selected =
    mode === 'round-robin' ? 'rr' : mode === 'hostpool' || mode === 'epsilon-greedy' ? 'pool' : 'all';
  const pool = new HostPool(addresses, mode === 'epsilon-greedy');
  const aggregate = new TimerMetrics(statusEvery, '[aggregate]:');
  let counter = 0;

  const handler = async (m: Message): Promise<void> => {
    if (sample < 1 && Math.random() > sample) return;
    const start = performance.now();
    if (selected === 'all') {
      for (const addr of addresses) {
        const st = performance.now();
        await publisher.publish(addr, m.body);
        perAddress.get(addr)!.status(st);
      }
    } else if (selected === 'rr') {
      // Go's counter is incremented first: the second address gets the first message
      counter++;
      const addr = addresses[counter % addresses.length]!;
      await publisher.publish(addr, m.body);
      perAddress.get(addr)!.status(start);
    } else {
      const pick = pool.get();
      try {
        await publisher.publish(pick.host, m.body);
      } catch (err) {
        pick.mark(true);
        throw err;
      }
      pick.mark(false);
      perAddress.get(pick.host)!.status(start);
    }
    aggregate.status(start);
  };
  consumer.addHandler(handler, Math.max(1, f.num('n')));

  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => void consumer.close());
  void consumer.stopped.then(() => {
    publisher.close();
    pool.close();
    process.exit(0);
  });
  void (async () => {
    try {
      await consumer.connectToNSQDs(nsqds);
      await consumer.connectToNSQLookupds(lookupds);
    } catch (err) {
      logFatal((err as Error).message);
    }
  })();
}

main();
