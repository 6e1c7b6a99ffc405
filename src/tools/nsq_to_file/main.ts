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
import { Flags, parseToolFlags, type ToolFlagDef } from '../common/go-flagset.js';
import { logFatal } from '../common/go-log.js';
import { GetV1Client } from '../common/http-getv1.js';
import {
  applyConfigOpt,
  checkSourceAddrs,
  freshConfig,
  TOOLS_VERSION,
  toolUserAgent,
} from '../common/nsq-opts.js';
import { FileLogger } from './file-logger.js';
import { computeFilenameFormat } from './naming.js';
import { OutputFile } from './output-file.js';

const FLAGS: ToolFlagDef[] = [
  { name: 'version', kind: 'bool', usage: 'print version string', def: false },
  {
    name: 'log-level',
    kind: 'string',
    usage: 'set log verbosity: debug, info, warn, error, or fatal',
    def: 'info',
  },
  { name: 'log-prefix', kind: 'string', usage: 'log message prefix', def: '[nsq_to_file] ' },
  { name: 'channel', kind: 'string', usage: 'nsq channel', def: 'nsq_to_file' },
  { name: 'max-in-flight', kind: 'int', usage: 'max number of messages to allow in flight', def: 200 },
  { name: 'output-dir', kind: 'string', usage: 'directory to write output files to', def: '/tmp' },
  {
    name: 'work-dir',
    kind: 'string',
    usage: 'directory for in-progress files before moving to output-dir',
    def: '',
  },
  {
    name: 'datetime-format',
    kind: 'string',
    usage: 'strftime compatible format for <DATETIME> in filename format',
    def: '%Y-%m-%d_%H',
  },
  {
    name: 'filename-format',
    kind: 'string',
    usage:
      'output filename format (<TOPIC>, <HOST>, <PID>, <DATETIME>, <REV> are replaced. <REV> is increased when file already exists)',
    def: '<TOPIC>.<HOST><REV>.<DATETIME>.log',
  },
  {
    name: 'host-identifier',
    kind: 'string',
    usage:
      'value to output in log filename in place of hostname. <SHORT_HOST> and <HOSTNAME> are valid replacement tokens',
    def: '',
  },
  {
    name: 'gzip-level',
    kind: 'int',
    usage: 'gzip compression level (1-9, 1=BestSpeed, 9=BestCompression)',
    def: 6,
  },
  { name: 'gzip', kind: 'bool', usage: 'gzip output files.', def: false },
  { name: 'skip-empty-files', kind: 'bool', usage: 'skip writing empty files', def: false },
  {
    name: 'topic-refresh',
    kind: 'duration',
    usage: 'how frequently the topic list should be refreshed',
    def: 60_000,
  },
  { name: 'topic-pattern', kind: 'string', usage: 'only log topics matching the following pattern', def: '' },
  {
    name: 'rotate-size',
    kind: 'int',
    usage: 'rotate the file when it grows bigger than `rotate-size` bytes',
    def: 0,
  },
  { name: 'rotate-interval', kind: 'duration', usage: 'rotate the file every duration', def: 0 },
  { name: 'sync-interval', kind: 'duration', usage: 'sync file to disk every duration', def: 30_000 },
  { name: 'http-client-connect-timeout', kind: 'duration', usage: 'timeout for HTTP connect', def: 2000 },
  { name: 'http-client-request-timeout', kind: 'duration', usage: 'timeout for HTTP request', def: 5000 },
  { name: 'nsqd-tcp-address', kind: 'list', usage: 'nsqd TCP address (may be given multiple times)' },
  { name: 'lookupd-http-address', kind: 'list', usage: 'lookupd HTTP address (may be given multiple times)' },
  { name: 'topic', kind: 'list', usage: 'nsq topic (may be given multiple times)' },
  {
    name: 'consumer-opt',
    kind: 'list',
    usage:
      'option to passthrough to nsq.Consumer (may be given multiple times, http://godoc.org/github.com/nsqio/go-nsq#Config)',
  },
];

async function main(): Promise<void> {
  // Quirk kept from Go: the flag set is named "nsqd", so the usage says `Usage of nsqd:`
  const f = new Flags(parseToolFlags('nsqd', FLAGS));
  if (f.parsed.args.length > 0) logFatal(`unknown arguments: [${f.parsed.args.join(' ')}]`);
  const log = new Logger('info', f.str('log-prefix'));
  if (!log.setLevel(f.str('log-level'))) logFatal('--log-level is invalid');
  if (f.bool('version')) {
    process.stdout.write(`nsq_to_file v${TOOLS_VERSION}\n`);
    return;
  }
  const channel = f.str('channel');
  if (channel === '') logFatal('--channel is required');
  if (f.num('http-client-connect-timeout') <= 0) logFatal('--http-client-connect-timeout should be positive');
  if (f.num('http-client-request-timeout') <= 0) logFatal('--http-client-request-timeout should be positive');
  const nsqds = f.list('nsqd-tcp-address');
  const lookupds = f.list('lookupd-http-address');
  checkSourceAddrs(nsqds, lookupds, '.');
  const gzipLevel = f.num('gzip-level');
  if (gzipLevel < 1 || gzipLevel > 9) logFatal(`invalid --gzip-level value (${gzipLevel}), should be 1-9`);
  const topics = f.list('topic');
  const pattern = f.str('topic-pattern');
  if (topics.length === 0 && pattern.length === 0) logFatal('--topic or --topic-pattern required');
  if (topics.length === 0 && lookupds.length === 0)
    logFatal('--lookupd-http-address must be specified when no --topic specified');
  const outputDir = f.str('output-dir');
  const workDir = f.str('work-dir') === '' ? outputDir : f.str('work-dir');

  const cfg = freshConfig();
  // Quirk kept from Go: nsq_to_file ignores a bad --consumer-opt
  for (const o of f.list('consumer-opt')) {
    try {
      applyConfigOpt(cfg, o);
    } catch {}
  }
  cfg.userAgent = toolUserAgent('nsq_to_file');
  cfg.maxInFlight = f.num('max-in-flight');

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
      filenameFormat: f.str('filename-format'),
      hostIdentifier: f.str('host-identifier'),
      gzip: f.bool('gzip'),
      rotateSize: f.num('rotate-size'),
      rotateInterval: f.num('rotate-interval'),
      workDir,
      outputDir,
    };
    let consumer: Consumer;
    let fl: FileLogger;
    try {
      const filenameFormat = computeFilenameFormat(naming, topic, host);
      consumer = new Consumer(topic, channel, { ...cfg });
      const out = new OutputFile(
        { ...naming, topic, channel, filenameFormat, datetimeFormat: f.str('datetime-format'), gzipLevel },
        log,
        fatal,
      );
      fl = new FileLogger(
        {
          topic,
          channel,
          maxInFlight: f.num('max-in-flight'),
          syncInterval: f.num('sync-interval'),
          skipEmptyFiles: f.bool('skip-empty-files'),
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
  const client = new GetV1Client(f.num('http-client-connect-timeout'), f.num('http-client-request-timeout'));
  process.on('SIGHUP', () => {
    for (const { fl } of loggers.values()) fl.hup();
  });
  const term = (): void => {
    if (terminating) return;
    terminating = true;
    if (refresh !== null) clearInterval(refresh);
    for (const { fl } of loggers.values()) fl.term();
    void Promise.all([...loggers.values()].map((l) => l.done)).then(async () => {
      client.close();
      await log.flush();
      process.exit(0);
    });
  };
  process.on('SIGINT', term);
  process.on('SIGTERM', term);

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
    }, f.num('topic-refresh'));
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
