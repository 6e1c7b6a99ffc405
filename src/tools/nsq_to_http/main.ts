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
import { CONSUMER_OPT_USAGE, sourceFlags, ToolFlagSet } from '../common/flags.js';
import { HostPool } from '../common/hostpool.js';
import {
  fatal,
  onStopSignals,
  requireOneSource,
  toolConfig,
  userAgent,
  versionLine,
} from '../common/program.js';
import { TimerMetrics } from '../common/timer-metrics.js';
import { HttpPublisher } from './publish.js';

const TOOL = 'nsq_to_http';
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
  const cfg = toolConfig();
  const fs = new ToolFlagSet(TOOL);
  const showVersion = fs.bool('version', false, 'print version string');
  const topicFlag = fs.string('topic', '', 'nsq topic');
  const channelFlag = fs.string('channel', 'nsq_to_http', 'nsq channel');
  const maxInFlight = fs.int('max-in-flight', 200, 'max number of messages to allow in flight');
  const numPublishers = fs.int('n', 100, 'number of concurrent publishers');
  const modeFlag = fs.string(
    'mode',
    'hostpool',
    'the upstream request mode options: round-robin, hostpool (default), epsilon-greedy',
  );
  const sampleFlag = fs.float('sample', 1, '% of messages to publish (float b/w 0 -> 1)');
  const connectTimeout = fs.duration('http-client-connect-timeout', 2000, 'timeout for HTTP connect');
  const requestTimeout = fs.duration('http-client-request-timeout', 20_000, 'timeout for HTTP request');
  const statusEveryFlag = fs.int(
    'status-every',
    250,
    'the # of requests between logging status (per handler), 0 disables',
  );
  const contentTypeFlag = fs.string(
    'content-type',
    DEFAULT_CONTENT_TYPE,
    'the Content-Type used for POST requests',
  );
  const postAddrs = fs.strings(
    'post',
    'HTTP address to make a POST request to.  data will be in the body (may be given multiple times)',
  );
  const headerFlags = fs.strings('header', 'Custom header for HTTP requests (may be given multiple times)');
  const getAddrs = fs.strings(
    'get',
    "HTTP address to make a GET request to. '%s' will be printf replaced with data (may be given multiple times)",
  );
  const { nsqdTcp: nsqdTcpAddrs, lookupdHttp: lookupdHttpAddrs } = sourceFlags(fs);
  fs.nsqConfig('consumer-opt', CONSUMER_OPT_USAGE, cfg);
  fs.parse(process.argv.slice(2));
  if (showVersion.value) {
    process.stdout.write(versionLine(TOOL));
    return;
  }
  let headers = new Map<string, string>();
  if (headerFlags.value.length > 0) {
    const h = parseHeaders(headerFlags.value);
    // Quirk kept from Go: the text says key=value, the parser wants `key: value`
    if (h === null) fatal("--header value format should be 'key=value'");
    headers = h;
  }
  const topic = topicFlag.value;
  const channel = channelFlag.value;
  if (topic === '' || channel === '') fatal('--topic and --channel are required');
  const posts = postAddrs.value;
  const gets = getAddrs.value;
  const contentType = contentTypeFlag.value;
  if (contentType !== DEFAULT_CONTENT_TYPE) {
    if (posts.length === 0) fatal('--content-type only used with --post');
    if (contentType.length === 0) fatal('--content-type requires a value when used');
  }
  const nsqds = nsqdTcpAddrs.value;
  const lookupds = lookupdHttpAddrs.value;
  requireOneSource(nsqds, lookupds);
  if (gets.length === 0 && posts.length === 0) fatal('--get or --post required');
  if (gets.length > 0 && posts.length > 0) fatal('use --get or --post not both');
  for (const g of gets) {
    if (g.split('%s').length - 1 !== 1) fatal('invalid GET address - must be a printf string');
  }
  const mode = modeFlag.value;
  const sample = sampleFlag.value;
  if (sample > 1 || sample < 0) fatal('ERROR: --sample must be between 0.0 and 1.0');

  const addresses = posts.length > 0 ? posts : gets;
  const publisher = new HttpPublisher({
    method: posts.length > 0 ? 'POST' : 'GET',
    contentType,
    headers,
    connectTimeout: connectTimeout.value,
    requestTimeout: requestTimeout.value,
  });
  cfg.userAgent = userAgent(TOOL);
  cfg.maxInFlight = maxInFlight.value;
  let consumer: Consumer;
  try {
    consumer = new Consumer(topic, channel, { ...cfg });
  } catch (err) {
    fatal((err as Error).message);
  }

  const statusEvery = statusEveryFlag.value;
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
  consumer.addHandler(handler, Math.max(1, numPublishers.value));

  onStopSignals(() => void consumer.close());
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
      fatal((err as Error).message);
    }
  })();
}

main();
