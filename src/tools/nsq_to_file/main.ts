#!/usr/bin/env node
/**
 * nsq_to_file: archives topics to files — one consumer and one FileLogger per topic (given with
 * --topic, or discovered from nsqlookupd's /topics every --topic-refresh and filtered by
 * --topic-pattern). SIGHUP syncs and closes every file (the next message reopens one); SIGINT/SIGTERM
 * stop the consumers, sync, close and move the files, then exit 0. Owns the topic → logger map.
 */

import { hostname } from 'node:os';
import { Consumer } from '../../client/consumer.js';
import type { Message } from '../../client/message.js';
import { Logger } from '../../log.js';
import { applyConfigFlag, CONSUMER_OPT_USAGE, sourceFlags, ToolFlagSet } from '../common/flags.js';
import { GetV1Client } from '../common/http-getv1.js';
import {
  fatal as logFatal,
  onStopSignals,
  requireOneSource,
  toolConfig,
  userAgent,
  versionLine,
} from '../common/program.js';
import { FileLogger } from './file-logger.js';
import { computeFilenameFormat } from './naming.js';
import { OutputFile } from './output-file.js';

// Quirk kept from Go: the flag set is named "nsqd", so the usage says `Usage of nsqd:`
const fs = new ToolFlagSet('nsqd');
const showVersion = fs.bool('version', false, 'print version string');
const logLevel = fs.string('log-level', 'info', 'set log verbosity: debug, info, warn, error, or fatal');
const logPrefix = fs.string('log-prefix', '[nsq_to_file] ', 'log message prefix');
const channelFlag = fs.string('channel', 'nsq_to_file', 'nsq channel');
const maxInFlight = fs.int('max-in-flight', 200, 'max number of messages to allow in flight');
const outputDirFlag = fs.string('output-dir', '/tmp', 'directory to write output files to');
const workDirFlag = fs.string('work-dir', '', 'directory for in-progress files before moving to output-dir');
const datetimeFormat = fs.string(
  'datetime-format',
  '%Y-%m-%d_%H',
  'strftime compatible format for <DATETIME> in filename format',
);
const filenameFormat = fs.string(
  'filename-format',
  '<TOPIC>.<HOST><REV>.<DATETIME>.log',
  'output filename format (<TOPIC>, <HOST>, <PID>, <DATETIME>, <REV> are replaced. <REV> is increased when file already exists)',
);
const hostIdentifier = fs.string(
  'host-identifier',
  '',
  'value to output in log filename in place of hostname. <SHORT_HOST> and <HOSTNAME> are valid replacement tokens',
);
const gzipLevelFlag = fs.int('gzip-level', 6, 'gzip compression level (1-9, 1=BestSpeed, 9=BestCompression)');
const gzipFlag = fs.bool('gzip', false, 'gzip output files.');
const skipEmptyFiles = fs.bool('skip-empty-files', false, 'skip writing empty files');
const topicRefresh = fs.duration(
  'topic-refresh',
  60_000,
  'how frequently the topic list should be refreshed',
);
const topicPattern = fs.string('topic-pattern', '', 'only log topics matching the following pattern');
const rotateSize = fs.int('rotate-size', 0, 'rotate the file when it grows bigger than `rotate-size` bytes');
const rotateInterval = fs.duration('rotate-interval', 0, 'rotate the file every duration');
const syncInterval = fs.duration('sync-interval', 30_000, 'sync file to disk every duration');
const connectTimeout = fs.duration('http-client-connect-timeout', 2000, 'timeout for HTTP connect');
const requestTimeout = fs.duration('http-client-request-timeout', 5000, 'timeout for HTTP request');
const { nsqdTcp: nsqdTcpAddrs, lookupdHttp: lookupdHttpAddrs } = sourceFlags(fs);
const topicFlags = fs.strings('topic', 'nsq topic (may be given multiple times)');
// Quirk kept from Go: a plain string list, applied after parsing with its errors ignored
const consumerOpts = fs.strings('consumer-opt', CONSUMER_OPT_USAGE);

async function main(): Promise<void> {
  fs.parse(process.argv.slice(2));
  if (fs.args.length > 0) logFatal(`unknown arguments: [${fs.args.join(' ')}]`);
  const log = new Logger('info', logPrefix.value);
  if (!log.setLevel(logLevel.value)) logFatal('--log-level is invalid');
  if (showVersion.value) {
    process.stdout.write(versionLine('nsq_to_file'));
    return;
  }
  const channel = channelFlag.value;
  if (channel === '') logFatal('--channel is required');
  if (connectTimeout.value <= 0) logFatal('--http-client-connect-timeout should be positive');
  if (requestTimeout.value <= 0) logFatal('--http-client-request-timeout should be positive');
  const nsqds = nsqdTcpAddrs.value;
  const lookupds = lookupdHttpAddrs.value;
  requireOneSource(nsqds, lookupds, '.');
  const gzipLevel = gzipLevelFlag.value;
  if (gzipLevel < 1 || gzipLevel > 9) logFatal(`invalid --gzip-level value (${gzipLevel}), should be 1-9`);
  const topics = topicFlags.value;
  const pattern = topicPattern.value;
  if (topics.length === 0 && pattern.length === 0) logFatal('--topic or --topic-pattern required');
  if (topics.length === 0 && lookupds.length === 0)
    logFatal('--lookupd-http-address must be specified when no --topic specified');
  const outputDir = outputDirFlag.value;
  const workDir = workDirFlag.value === '' ? outputDir : workDirFlag.value;

  const cfg = toolConfig();
  // Quirk kept from Go: nsq_to_file ignores a bad --consumer-opt
  for (const o of consumerOpts.value) {
    try {
      applyConfigFlag(cfg, o);
    } catch {}
  }
  cfg.userAgent = userAgent('nsq_to_file');
  cfg.maxInFlight = maxInFlight.value;

  const fatal = (msg: string): never => {
    log.fatal(msg);
    process.exit(1);
  };
  let re: RegExp | null = null;
  try {
    re = pattern === '' ? null : new RegExp(pattern);
  } catch {
    re = /(?!)/; // Go: an invalid pattern matches no topic
  }
  const host = hostname();
  const loggers = new Map<string, { fl: FileLogger; done: Promise<void> }>();
  let terminating = false;

  const addTopic = async (topic: string): Promise<void> => {
    if (loggers.has(topic)) return;
    if (re !== null && !re.test(topic)) {
      log.warn(`skipping topic ${topic} (doesn't match pattern ${pattern})`);
      return;
    }
    const naming = {
      filenameFormat: filenameFormat.value,
      hostIdentifier: hostIdentifier.value,
      gzip: gzipFlag.value,
      rotateSize: rotateSize.value,
      rotateInterval: rotateInterval.value,
      workDir,
      outputDir,
    };
    let consumer: Consumer;
    let fl: FileLogger;
    try {
      const filenameFormat = computeFilenameFormat(naming, topic, host);
      consumer = new Consumer(topic, channel, { ...cfg });
      const out = new OutputFile(
        { ...naming, topic, channel, filenameFormat, datetimeFormat: datetimeFormat.value, gzipLevel },
        log,
        fatal,
      );
      fl = new FileLogger(
        {
          topic,
          channel,
          maxInFlight: maxInFlight.value,
          syncInterval: syncInterval.value,
          skipEmptyFiles: skipEmptyFiles.value,
        },
        out,
        log,
        fatal,
      );
      consumer.addHandler((m: Message) => {
        m.disableAutoResponse();
        fl.handleMessage(m);
      });
      await consumer.connectToNSQDs(nsqds);
      await consumer.connectToNSQLookupds(lookupds);
    } catch (err) {
      log.error(`couldn't create logger for new topic ${topic}: ${(err as Error).message}`);
      return;
    }
    const done = fl.run({
      stop: () => void consumer.close(),
      stopped: consumer.stopped,
      isStarved: () => consumer.isStarved(),
    });
    loggers.set(topic, { fl, done });
    if (terminating) fl.term();
  };

  let refresh: NodeJS.Timeout | null = null;
  const client = new GetV1Client(connectTimeout.value, requestTimeout.value);
  process.on('SIGHUP', () => {
    for (const { fl } of loggers.values()) fl.hup();
  });
  // Go's nsq_to_file waits for a signal however many topics it runs (none, after per-topic set-up
  // errors): nothing else may be keeping the event loop alive
  const keepAlive = setInterval(() => {}, 1 << 30);
  const term = (): void => {
    if (terminating) return;
    terminating = true;
    clearInterval(keepAlive);
    if (refresh !== null) clearInterval(refresh);
    for (const { fl } of loggers.values()) fl.term();
    void Promise.all([...loggers.values()].map((l) => l.done)).then(async () => {
      client.close();
      await log.flush();
      process.exit(0);
    });
  };
  onStopSignals(term);

  if (topics.length === 0) {
    // the first poll is after one period, as Go's time.Tick
    let polling = false;
    refresh = setInterval(async () => {
      if (polling || terminating) return;
      polling = true;
      try {
        const list = await lookupdTopics(client, lookupds);
        for (const t of list) await addTopic(t);
      } catch (err) {
        log.error(`could not retrieve topic list: ${(err as Error).message}`);
      } finally {
        polling = false;
      }
    }, topicRefresh.value);
  }
  for (const t of topics) await addTopic(t);
}

/** Go's GetLookupdTopics: the sorted union over every lookupd; any failure is an error */
async function lookupdTopics(client: GetV1Client, lookupds: readonly string[]): Promise<string[]> {
  const rs = await Promise.allSettled(lookupds.map((a) => client.getV1(`http://${a}/topics`)));
  const errs: string[] = [];
  const all = new Set<string>();
  for (const r of rs) {
    if (r.status === 'rejected') errs.push((r.reason as Error).message);
    else for (const t of (r.value as { topics?: string[] })?.topics ?? []) all.add(t);
  }
  if (errs.length === lookupds.length) throw new Error(`failed to query any nsqlookupd: ${errs.join('\n')}`);
  if (errs.length > 0) throw new Error(errs.join('\n'));
  return [...all].sort();
}

void main();
