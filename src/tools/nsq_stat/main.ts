#!/usr/bin/env node

/**
 * nsq_stat: polls /stats of every nsqd that has --topic (found through nsqlookupd or given directly)
 * and prints --channel's rates, depths and counters, summed over the nodes, one row per --interval,
 * in Go nsq_stat's table. Any failed query ends it (exit 1); SIGHUP/SIGINT/SIGTERM end it at once
 * (exit 0). Owns the poll loop and the previous round's totals.
 */

import { ToolFlagSet } from '../common/flags.js';
import { GetV1Client } from '../common/http-getv1.js';
import { fatal, onStopSignals, versionLine } from '../common/program.js';
import { type ChannelTotals, channelTotals, lookupdTopicProducers, nsqdTopicProducers } from './cluster.js';

const TOOL = 'nsq_stat';

/** Go's numValue: strconv.ParseInt(s, 10, 32), its errors as Go prints them */
function parseCount(raw: string): number {
  if (!/^[+-]?\d+$/.test(raw))
    throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
  const n = Number(raw);
  if (n > 2147483647 || n < -2147483648)
    throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: value out of range`);
  return n;
}

const fs = new ToolFlagSet(TOOL);
const showVersion = fs.bool('version', false, 'print version');
const topicFlag = fs.string('topic', '', 'NSQ topic');
const channelFlag = fs.string('channel', '', 'NSQ channel');
const intervalFlag = fs.duration('interval', 2000, 'duration of time between polling/printing output');
const connectTimeout = fs.duration('http-client-connect-timeout', 2000, 'timeout for HTTP connect');
const requestTimeout = fs.duration('http-client-request-timeout', 5000, 'timeout for HTTP request');
const countFlag = fs.value<number>('count', 'number of reports', 0, parseCount);
const nsqdHttpAddrs = fs.strings('nsqd-http-address', 'nsqd HTTP address (may be given multiple times)');
const lookupdHttpAddrs = fs.strings(
  'lookupd-http-address',
  'lookupd HTTP address (may be given multiple times)',
);

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

async function statLoop(): Promise<never> {
  const topic = topicFlag.value;
  const channel = channelFlag.value;
  const interval = intervalFlag.value;
  const lookupds = lookupdHttpAddrs.value;
  const nsqds = nsqdHttpAddrs.value;
  const countSet = countFlag.set;
  const count = countFlag.value;
  const client = new GetV1Client(connectTimeout.value, requestTimeout.value);
  let o: ChannelTotals | null = null;
  for (let i = 0; !countSet || count >= i; i++) {
    let producers: Awaited<ReturnType<typeof lookupdTopicProducers>>;
    try {
      producers =
        lookupds.length !== 0
          ? await lookupdTopicProducers(client, topic, lookupds)
          : await nsqdTopicProducers(client, topic, nsqds);
    } catch (err) {
      fatal(`ERROR: failed to get topic producers - ${(err as Error).message}`);
    }
    let c: ChannelTotals | null;
    try {
      c = await channelTotals(client, producers, topic, channel);
    } catch (err) {
      fatal(`ERROR: failed to get nsqd stats - ${(err as Error).message}`);
    }
    if (c === null) fatal(`ERROR: failed to find channel(${channel}) in stats metadata for topic(${topic})`);
    if (i % 25 === 0) process.stdout.write(HEADER);
    if (o !== null) process.stdout.write(row(c, o, interval / 1000));
    o = c;
    await sleep(interval);
  }
  process.exit(0);
}

function main(): void {
  fs.parse(process.argv.slice(2));
  if (showVersion.value) {
    process.stdout.write(versionLine(TOOL));
    return;
  }
  if (topicFlag.value === '' || channelFlag.value === '') fatal('--topic and --channel are required');
  if (intervalFlag.value <= 0) fatal('--interval should be positive');
  if (connectTimeout.value <= 0) fatal('--http-client-connect-timeout should be positive');
  if (requestTimeout.value <= 0) fatal('--http-client-request-timeout should be positive');
  if (countFlag.set && countFlag.value <= 0) fatal('--count should be positive');
  const nsqds = nsqdHttpAddrs.value;
  const lookupds = lookupdHttpAddrs.value;
  if (nsqds.length === 0 && lookupds.length === 0)
    fatal('--nsqd-http-address or --lookupd-http-address required');
  if (nsqds.length > 0 && lookupds.length > 0)
    fatal('use --nsqd-http-address or --lookupd-http-address not both');
  // Go rejects any address starting with "http", a host named httpd included
  if (nsqds.some((a) => a.startsWith('http')))
    fatal('--nsqd-http-address error - address should not contain scheme');
  if (lookupds.some((a) => a.startsWith('http')))
    fatal('--lookupd-http-address error - address should not contain scheme');
  onStopSignals(() => process.exit(0), ['SIGHUP', 'SIGINT', 'SIGTERM']);
  void statLoop();
}

main();
