#!/usr/bin/env node
/**
 * nsq_to_nsq: consumes each --topic on --channel and republishes every message (optionally filtered
 * and rewritten as JSON) to --destination-topic (default: the same topic) on one of the
 * --destination-nsqd-tcp-address producers chosen by --mode (round-robin, or go-hostpool for hostpool
 * and epsilon-greedy). A message is FIN'd when the destination answers OK and REQ'd with backoff
 * when it fails. SIGINT/SIGTERM stop every consumer gracefully, exit 0. Owns the routing choice.
 */

import { Consumer } from '../../client/consumer.js';
import type { Message } from '../../client/message.js';
import { Producer } from '../../client/producer.js';
import { isValidChannelName, isValidTopicName } from '../../wire/names.js';
import { Flags, parseToolFlags, programName, type ToolFlagDef } from '../common/go-flagset.js';
import { logFatal, logPrintf } from '../common/go-log.js';
import { HostPool, type HostPoolPick } from '../common/hostpool.js';
import {
  checkSourceAddrs,
  configFlag,
  freshConfig,
  TOOLS_VERSION,
  toolUserAgent,
} from '../common/nsq-opts.js';
import { TimerMetrics } from '../common/timer-metrics.js';
import { JsonFilter } from './json-filter.js';

const OPT_DOC = 'may be given multiple times, see http://godoc.org/github.com/nsqio/go-nsq#Config';

/** a destination: its producer, and whether the next publish must be awaited (go-nsq connects synchronously) */
class Destination {
  connected = false;
  constructor(
    readonly addr: string,
    readonly producer: Producer,
  ) {}
}

function main(): void {
  const cCfg = freshConfig();
  const pCfg = freshConfig();
  const defs: ToolFlagDef[] = [
    { name: 'version', kind: 'bool', usage: 'print version string', def: false },
    { name: 'channel', kind: 'string', usage: 'nsq channel', def: 'nsq_to_nsq' },
    {
      name: 'destination-topic',
      kind: 'string',
      usage: 'use this destination topic for all consumed topics (default is consumed topic name)',
      def: '',
    },
    { name: 'max-in-flight', kind: 'int', usage: 'max number of messages to allow in flight', def: 200 },
    {
      name: 'status-every',
      kind: 'int',
      usage: 'the # of requests between logging status (per destination), 0 disables',
      def: 250,
    },
    {
      name: 'mode',
      kind: 'string',
      usage: 'the upstream request mode options: round-robin, hostpool (default), epsilon-greedy',
      def: 'hostpool',
    },
    {
      name: 'require-json-field',
      kind: 'string',
      usage: 'for JSON messages: only pass messages that contain this field',
      def: '',
    },
    {
      name: 'require-json-value',
      kind: 'string',
      usage: 'for JSON messages: only pass messages in which the required field has this value',
      def: '',
    },
    { name: 'topic', kind: 'list', usage: 'nsq topic (may be given multiple times)' },
    { name: 'nsqd-tcp-address', kind: 'list', usage: 'nsqd TCP address (may be given multiple times)' },
    {
      name: 'destination-nsqd-tcp-address',
      kind: 'list',
      usage: 'destination nsqd TCP address (may be given multiple times)',
    },
    {
      name: 'lookupd-http-address',
      kind: 'list',
      usage: 'lookupd HTTP address (may be given multiple times)',
    },
    {
      name: 'whitelist-json-field',
      kind: 'list',
      usage: 'for JSON messages: pass this field (may be given multiple times)',
    },
    configFlag('consumer-opt', `option to passthrough to nsq.Consumer (${OPT_DOC})`, cCfg),
    configFlag('producer-opt', `option to passthrough to nsq.Producer (${OPT_DOC})`, pCfg),
  ];
  const f = new Flags(parseToolFlags(programName('nsq_to_nsq'), defs));
  if (f.bool('version')) {
    process.stdout.write(`nsq_to_nsq v${TOOLS_VERSION}\n`);
    return;
  }
  const topics = f.list('topic');
  const channel = f.str('channel');
  const destTopic = f.str('destination-topic');
  if (topics.length === 0 || channel === '') logFatal('--topic and --channel are required');
  if (topics.some((t) => !isValidTopicName(t))) logFatal('--topic is invalid');
  if (destTopic !== '' && !isValidTopicName(destTopic)) logFatal('--destination-topic is invalid');
  if (!isValidChannelName(channel)) logFatal('--channel is invalid');
  const nsqds = f.list('nsqd-tcp-address');
  const lookupds = f.list('lookupd-http-address');
  checkSourceAddrs(nsqds, lookupds);
  const destAddrs = f.list('destination-nsqd-tcp-address');
  if (destAddrs.length === 0) logFatal('--destination-nsqd-tcp-address required');
  const mode = f.str('mode');
  // Quirk kept from Go: any mode but hostpool/epsilon-greedy is round-robin (nsq_to_http fans out instead)
  const usePool = mode === 'hostpool' || mode === 'epsilon-greedy';

  const ua = toolUserAgent('nsq_to_nsq');
  cCfg.userAgent = ua;
  cCfg.maxInFlight = f.num('max-in-flight');
  pCfg.userAgent = ua;
  const dests = new Map<string, Destination>();
  for (const a of destAddrs) {
    try {
      dests.set(a, new Destination(a, new Producer(a, { ...pCfg })));
    } catch (err) {
      logFatal(`failed creating producer ${(err as Error).message}`);
    }
  }
  const statusEvery = f.num('status-every');
  const perAddress = new Map<string, TimerMetrics>();
  if (destAddrs.length === 1) perAddress.set(destAddrs[0]!, new TimerMetrics(0, ''));
  else for (const a of destAddrs) perAddress.set(a, new TimerMetrics(statusEvery, `[${a}]:`));
  const pool = new HostPool(destAddrs, mode === 'epsilon-greedy');
  const aggregate = new TimerMetrics(statusEvery, '[aggregate]:');
  const filter = new JsonFilter({
    requireField: f.str('require-json-field'),
    requireValue: f.str('require-json-value'),
    whitelist: f.list('whitelist-json-field'),
  });
  let counter = 0;

  /** Go's responder: FIN on OK, REQ(-1) with backoff on failure, the hostpool told, latency recorded */
  const respond = (m: Message, start: number, addr: string, pick: HostPoolPick | null, ok: boolean): void => {
    pick?.mark(!ok);
    if (ok) m.finish();
    else m.requeue(-1);
    perAddress.get(addr)!.status(start);
    aggregate.status(start);
  };

  const handle = async (m: Message, topic: string): Promise<void> => {
    let body = m.body;
    if (filter.active) {
      const r = filter.apply(body, logPrintf);
      if (r.kind === 'drop') return;
      if (r.kind === 'backoff') throw new Error('backoff');
      body = r.body;
    }
    const start = performance.now();
    let pick: HostPoolPick | null = null;
    let addr: string;
    if (usePool) {
      pick = pool.get();
      addr = pick.host;
    } else {
      counter++;
      addr = destAddrs[counter % destAddrs.length]!;
    }
    const d = dests.get(addr)!;
    const p = d.producer.publish(topic, body);
    if (!d.connected) {
      // go-nsq's PublishAsync connects synchronously: a connect failure is the handler's error
      try {
        await p;
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_CONNECT') {
          pick?.mark(true);
          throw err;
        }
        m.disableAutoResponse();
        respond(m, start, addr, pick, false);
        return;
      }
      d.connected = true;
      m.disableAutoResponse();
      respond(m, start, addr, pick, true);
      return;
    }
    m.disableAutoResponse();
    p.then(
      () => respond(m, start, addr, pick, true),
      (err: { code?: string }) => {
        if (err.code === 'ERR_CONNECT' || err.code === 'ERR_NOT_CONNECTED') d.connected = false;
        respond(m, start, addr, pick, false);
      },
    );
  };

  const consumers: Consumer[] = [];
  for (const topic of topics) {
    let c: Consumer;
    try {
      c = new Consumer(topic, channel, { ...cCfg });
    } catch (err) {
      logFatal((err as Error).message);
    }
    const publishTopic = destTopic !== '' ? destTopic : topic;
    c.addHandler((m) => handle(m, publishTopic), destAddrs.length);
    consumers.push(c);
  }

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const c of consumers) void c.close();
    void Promise.all(consumers.map((c) => c.stopped)).then(() => {
      pool.close();
      process.exit(0);
    });
  };
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, stop);
  void (async () => {
    try {
      for (const c of consumers) await c.connectToNSQDs(nsqds);
      for (const c of consumers) await c.connectToNSQLookupds(lookupds);
    } catch (err) {
      logFatal((err as Error).message);
    }
  })();
}

main();
