#!/usr/bin/env node

/**
 * nsq_stat: polls /stats of every nsqd that has --topic (found through nsqlookupd or given directly)
 * and prints --channel's rates, depths and counters, summed over the nodes, one row per --interval,
 * in Go nsq_stat's table. Any failed query ends it (exit 1); SIGHUP/SIGINT/SIGTERM end it at once
 * (exit 0). Owns the poll loop and the previous round's totals.
 */

import { Flags, parseToolFlags, programName, type ToolFlagDef } from '../common/go-flagset.js';
import { logFatal } from '../common/go-log.js';
import { GetV1Client } from '../common/http-getv1.js';
import { type ChannelTotals, channelTotals, lookupdTopicProducers, nsqdTopicProducers } from './cluster.js';

const VERSION = '1.3.0';

/** Go's numValue: strconv.ParseInt(s, 10, 32), its errors as Go prints them */
function parseCount(raw: string): number {
  if (!/^[+-]?\d+$/.test(raw))
    throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
  const n = Number(raw);
  if (n > 2147483647 || n < -2147483648)
    throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: value out of range`);
  return n;
}

const FLAGS: ToolFlagDef[] = [
  { name: 'version', kind: 'bool', usage: 'print version', def: false },
  { name: 'topic', kind: 'string', usage: 'NSQ topic', def: '' },
  { name: 'channel', kind: 'string', usage: 'NSQ channel', def: '' },
  {
    name: 'interval',
    kind: 'duration',
    usage: 'duration of time between polling/printing output',
    def: 2000,
  },
  { name: 'http-client-connect-timeout', kind: 'duration', usage: 'timeout for HTTP connect', def: 2000 },
  { name: 'http-client-request-timeout', kind: 'duration', usage: 'timeout for HTTP request', def: 5000 },
  { name: 'nsqd-http-address', kind: 'list', usage: 'nsqd HTTP address (may be given multiple times)' },
  { name: 'lookupd-http-address', kind: 'list', usage: 'lookupd HTTP address (may be given multiple times)' },
  { name: 'count', kind: 'value', usage: 'number of reports', set: parseCount, defText: '' },
];

/** Go's %<w>d */
function d(n: number, w: number): string {
  return String(n).padStart(w, ' ');
}

const HEADER =
  '------rate------+----------------depth----------------+--------------metadata---------------\n' +
  `${'ingress'.padStart(7)} ${'egress'.padStart(7)} | ${'total'.padStart(7)} ${'mem'.padStart(7)} ${'disk'.padStart(7)} ${'inflt'.padStart(5)} ${'def'.padStart(5)} | ${'req'.padStart(7)} ${'t-o'.padStart(7)} ${'msgs'.padStart(12)} ${'clients'.padStart(7)}\n`;

function row(c: ChannelTotals, o: ChannelTotals, seconds: number): string {
  const ingress = Math.trunc((c.messages - o.messages) / seconds);
  const egress = Math.trunc((c.messages - o.messages - (c.depth - o.depth)) / seconds);
  return (
    `${d(ingress, 7)} ${d(egress, 7)} | ${d(c.depth, 7)} ${d(c.memoryDepth, 7)} ${d(c.backendDepth, 7)} ` +
    `${d(c.inFlight, 5)} ${d(c.deferred, 5)} | ${d(c.requeue, 7)} ${d(c.timeout, 7)} ${d(c.messages, 12)} ${d(c.clients, 7)}\n`
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function statLoop(f: Flags): Promise<never> {
  const topic = f.str('topic');
  const channel = f.str('channel');
  const interval = f.num('interval');
  const lookupds = f.list('lookupd-http-address');
  const nsqds = f.list('nsqd-http-address');
  const countSet = f.isSet('count');
  const count = countSet ? f.num('count') : 0;
  const client = new GetV1Client(f.num('http-client-connect-timeout'), f.num('http-client-request-timeout'));
  let o: ChannelTotals | null = null;
  for (let i = 0; !countSet || count >= i; i++) {
    let producers: Awaited<ReturnType<typeof lookupdTopicProducers>>;
    try {
      producers =
        lookupds.length !== 0
          ? await lookupdTopicProducers(client, topic, lookupds)
          : await nsqdTopicProducers(client, topic, nsqds);
    } catch (err) {
      logFatal(`ERROR: failed to get topic producers - ${(err as Error).message}`);
    }
    let c: ChannelTotals | null;
    try {
      c = await channelTotals(client, producers, topic, channel);
    } catch (err) {
      logFatal(`ERROR: failed to get nsqd stats - ${(err as Error).message}`);
    }
    if (c === null)
      logFatal(`ERROR: failed to find channel(${channel}) in stats metadata for topic(${topic})`);
    if (i % 25 === 0) process.stdout.write(HEADER);
    if (o !== null) process.stdout.write(row(c, o, interval / 1000));
    o = c;
    await sleep(interval);
  }
  process.exit(0);
}

function main(): void {
  const f = new Flags(parseToolFlags(programName('nsq_stat'), FLAGS));
  if (f.bool('version')) {
    process.stdout.write(`nsq_stat v${VERSION}\n`);
    return;
  }
  if (f.str('topic') === '' || f.str('channel') === '') logFatal('--topic and --channel are required');
  if (f.num('interval') <= 0) logFatal('--interval should be positive');
  if (f.num('http-client-connect-timeout') <= 0) logFatal('--http-client-connect-timeout should be positive');
  if (f.num('http-client-request-timeout') <= 0) logFatal('--http-client-request-timeout should be positive');
  if (f.isSet('count') && f.num('count') <= 0) logFatal('--count should be positive');
  const nsqds = f.list('nsqd-http-address');
  const lookupds = f.list('lookupd-http-address');
  if (nsqds.length === 0 && lookupds.length === 0)
    logFatal('--nsqd-http-address or --lookupd-http-address required');
  if (nsqds.length > 0 && lookupds.length > 0)
    logFatal('use --nsqd-http-address or --lookupd-http-address not both');
  // Go rejects any address starting with "http", a host named httpd included
  if (nsqds.some((a) => a.startsWith('http')))
    logFatal('--nsqd-http-address error - address should not contain scheme');
  if (lookupds.some((a) => a.startsWith('http')))
    logFatal('--lookupd-http-address error - address should not contain scheme');
  for (const s of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) process.on(s, () => process.exit(0));
  void statLoop(f);
}

main();
