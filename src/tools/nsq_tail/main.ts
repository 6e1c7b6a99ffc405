#!/usr/bin/env node
/**
 * nsq_tail: prints the messages of one or more topics to stdout, as Go's apps/nsq_tail (1.3.0) —
 * same flags, texts, exit codes and signals. One Consumer per topic, all on the same channel
 * (a random `tail<NNNNNN>#ephemeral` by default).
 *
 * Go's quirks kept: `-n` counts per topic (the first topic to reach it ends the process, exit 0,
 * without FINishing that message); `--max-in-flight` is lowered to `-n`; SIGHUP is not handled.
 * Output: `[<topic> | ]<body>\n` per message. Go writes each message with two to four write calls;
 * here the lines of one network read go out in one write, before the FINs of those messages.
 */

import { Consumer } from '../../client/consumer.js';
import type { Message } from '../../client/message.js';
import { CONSUMER_OPT_USAGE, exitWith, sourceFlags, ToolFlagSet } from '../common/flags.js';
import {
  fatal,
  logf,
  onStopSignals,
  requireOneSource,
  toolConfig,
  userAgent,
  versionLine,
} from '../common/program.js';

const TOOL = 'nsq_tail';
/** stdout bytes gathered before a write even within one turn */
const OUT_LIMIT = 256 * 1024;

const cfg = toolConfig();
const fs = new ToolFlagSet(TOOL);
const showVersion = fs.bool('version', false, 'print version string');
const channelFlag = fs.string('channel', '', 'NSQ channel');
const maxInFlight = fs.int('max-in-flight', 200, 'max number of messages to allow in flight');
const totalMessages = fs.int('n', 0, 'total messages to show (will wait if starved)');
const printTopic = fs.bool('print-topic', false, 'print topic name where message was received');
const { nsqdTcp: nsqdTcpAddrs, lookupdHttp: lookupdHttpAddrs } = sourceFlags(fs);
const topics = fs.strings('topic', 'NSQ topic (may be given multiple times)');
fs.nsqConfig('consumer-opt', CONSUMER_OPT_USAGE, cfg);
fs.parse(process.argv.slice(2));

if (showVersion.value) {
  process.stdout.write(versionLine(TOOL));
  exitWith(0);
}

let channel = channelFlag.value;
if (channel === '')
  channel = `tail${String(Math.floor(Math.random() * 2 ** 31) % 999999).padStart(6, '0')}#ephemeral`;
requireOneSource(nsqdTcpAddrs.value, lookupdHttpAddrs.value);
if (topics.value.length === 0) fatal('--topic required');

/** stdout lines of this turn; written before the FINs they precede go out */
let out: Buffer[] = [];
let outBytes = 0;
let flushQueued = false;
let exiting = false;

function writeStdout(): void {
  flushQueued = false;
  if (outBytes === 0) return;
  const data = out.length === 1 ? out[0]! : Buffer.concat(out, outBytes);
  out = [];
  outBytes = 0;
  process.stdout.write(data);
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  const text = err.code === 'EPIPE' ? 'write /dev/stdout: broken pipe' : err.message;
  fatal(`ERROR: failed to write to os.Stdout - ${text}`);
});

/** Go's TailHandler for one topic */
function tailHandler(topic: string, total: number): (m: Message) => void {
  const prefix = Buffer.from(`${topic} | `, 'utf8');
  let shown = 0;
  return (m) => {
    if (exiting) {
      m.disableAutoResponse(); // the process is ending: like Go's os.Exit, later messages stay unanswered
      return;
    }
    shown++;
    if (printTopic.value) out.push(prefix);
    out.push(m.body, NEWLINE);
    outBytes += (printTopic.value ? prefix.length : 0) + m.body.length + 1;
    if (total > 0 && shown >= total) {
      // Go calls os.Exit(0) inside the handler: this message is not FINished
      m.disableAutoResponse();
      exiting = true;
      writeStdout();
      setImmediate(() => exitWith(0)); // after the FINs of the messages before it are written
      return;
    }
    if (outBytes >= OUT_LIMIT) writeStdout();
    else if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(writeStdout);
    }
  };
}

const NEWLINE = Buffer.from('\n');

// don't ask for more messages than we want
let mif = maxInFlight.value;
if (totalMessages.value > 0 && totalMessages.value < mif) mif = totalMessages.value;
cfg.userAgent = userAgent(TOOL);
cfg.maxInFlight = mif;

const consumers: Consumer[] = [];
let stopping = false;
onStopSignals(() => {
  stopping = true;
  void Promise.all(consumers.map((c) => c.close())).then(() => exitWith(0));
});

for (const topic of topics.value) {
  logf(`Adding consumer for topic: ${topic}`);
  let consumer: Consumer;
  try {
    consumer = new Consumer(topic, channel, { ...cfg });
  } catch (err) {
    fatal((err as Error).message);
  }
  consumer.addHandler(tailHandler(topic, totalMessages.value));
  consumers.push(consumer);
  try {
    await consumer.connectToNSQDs(nsqdTcpAddrs.value);
    await consumer.connectToNSQLookupds(lookupdHttpAddrs.value);
  } catch (err) {
    if (!stopping) fatal((err as Error).message);
  }
}
