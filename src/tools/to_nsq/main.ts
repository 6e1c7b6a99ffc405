#!/usr/bin/env node
/**
 * to_nsq: publishes stdin, split at a delimiter byte, to a topic on every given nsqd — Go's
 * apps/to_nsq (1.3.0): same flags (no --version, as Go), texts, exit codes and signals, the
 * --rate throttle as Go's token counter.
 *
 * Go's quirks kept: --topic is not validated (`PUB bad topic` publishes to `bad`); every record goes
 * to every --nsqd-tcp-address (one producer per distinct address); empty records are skipped; `\r`
 * of CRLF input is kept; the throttle sleeps one tick at most before a record.
 * Fixed: Go drops the last byte of every record, which for a final record with no delimiter after
 * it loses real data (`printf 'a\nthree'` publishes `thre`). Here a final unterminated record
 * loses only a trailing `\n` (so `echo a,b,c | to_nsq --delimiter=,` still publishes `c`, as Go),
 * never another byte.
 * Different: Go waits for each PUB's OK before reading on; here up to WINDOW PUBs per nsqd are in
 * flight, answered in order (the first error still ends the process, exit 1, as Go's log.Fatal).
 */

import { Producer } from '../../client/producer.js';
import { exitWith, ToolFlagSet } from '../common/flags.js';
import { fatal, logf, onStopSignals, toolConfig, userAgent } from '../common/program.js';

const TOOL = 'to_nsq';
/** PUBs in flight per nsqd before reading stops */
const WINDOW = 1024;
/** the longest record gathered while waiting for its delimiter (nsqd's --max-msg-size is far below) */
const MAX_RECORD = 256 * 1024 * 1024;

const cfg = toolConfig();
const fs = new ToolFlagSet(TOOL);
const topic = fs.string('topic', '', 'NSQ topic to publish to');
const delimiter = fs.string('delimiter', '\n', 'character to split input from stdin');
const nsqdTcpAddrs = fs.strings(
  'nsqd-tcp-address',
  'destination nsqd TCP address (may be given multiple times)',
);
fs.nsqConfig(
  'producer-opt',
  'option to passthrough to nsq.Producer (may be given multiple times, http://godoc.org/github.com/nsqio/go-nsq#Config)',
  cfg,
);
const rate = fs.int('rate', 0, 'Throttle messages to n/second. 0 to disable');
fs.parse(process.argv.slice(2));

if (topic.value.length === 0) fatal('--topic required');
if (Buffer.byteLength(delimiter.value, 'utf8') !== 1) fatal('--delimiter must be a single byte');

cfg.userAgent = userAgent(TOOL);
const producers = new Map<string, Producer>();
for (const addr of nsqdTcpAddrs.value) {
  if (producers.has(addr)) continue;
  try {
    producers.set(addr, new Producer(addr, { ...cfg }));
  } catch (err) {
    fatal(`failed to create nsq.Producer - ${(err as Error).message}`);
  }
}
if (producers.size === 0) fatal('--nsqd-tcp-address required');

async function stop(): Promise<never> {
  await Promise.all([...producers.values()].map((p) => p.close()));
  return exitWith(0);
}
onStopSignals(() => void stop());

// ---- the throttle: Go's token counter, refilled by a ticker, spent one per record
const throttle = rate.value >= 1;
const interval = throttle ? 1000 / rate.value : 0;
let balance = 1;
if (throttle) {
  logf(`Throttling messages rate to max:${rate.value}/second`);
  setInterval(() => {
    balance = Math.min(balance + 1, rate.value);
  }, interval).unref();
}

const last = new Map<Producer, Promise<void>>();
const onError = (err: Error): void => fatal(err.message);

/** publishes one record to every producer; returns a promise only when the caller must wait */
function publish(record: Buffer): Promise<void> | undefined {
  let wait: Promise<void> | undefined;
  for (const p of producers.values()) {
    const done = p.publish(topic.value, record);
    done.catch(onError);
    last.set(p, done);
    if (p.pending >= WINDOW) wait = done;
  }
  return wait;
}

async function record(rec: Buffer): Promise<void> {
  if (rec.length === 0) return;
  if (throttle) {
    if (balance <= 0) await new Promise((r) => setTimeout(r, interval));
    await publish(rec);
    await Promise.all(last.values());
    balance--;
    return;
  }
  await publish(rec);
}

const delim = Buffer.from(delimiter.value, 'utf8')[0]!;
let rest: Buffer | null = null;
for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
  let buf = chunk;
  if (rest !== null) {
    buf = Buffer.concat([rest, chunk]);
    rest = null;
  }
  let start = 0;
  for (let i = buf.indexOf(delim, start); i >= 0; i = buf.indexOf(delim, start)) {
    const rec = buf.subarray(start, i);
    start = i + 1;
    if (rec.length === 0) continue;
    const w = throttle ? record(rec) : publish(rec);
    if (w !== undefined) await w;
  }
  if (start < buf.length) {
    rest = buf.subarray(start);
    if (rest.length > MAX_RECORD) fatal(`record longer than ${MAX_RECORD} bytes without a delimiter`);
  }
}
if (rest !== null) {
  // the final record had no delimiter after it: keep every byte (Go drops the last one), bar a trailing newline
  const rec = rest[rest.length - 1] === 0x0a ? rest.subarray(0, rest.length - 1) : rest;
  if (rec.length > 0) await record(rec);
}
await Promise.all(last.values());
await stop();
