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
import { sourceFlags, ToolFlagSet } from '../common/flags.js';
import { HostPool, type HostPoolPick } from '../common/hostpool.js';
import {
  fatal,
  logf,
  onStopSignals,
  requireOneSource,
  toolConfig,
  userAgent,
  versionLine,
} from '../common/program.js';
import { TimerMetrics } from '../common/timer-metrics.js';
import { JsonFilter } from './json-filter.js';

const TOOL = 'nsq_to_nsq';
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
  const cCfg = toolConfig();
  const pCfg = toolConfig();
  const fs = new ToolFlagSet(TOOL);
  const showVersion = fs.bool('version', false, 'print version string');
  const channelFlag = fs.string('channel', 'nsq_to_nsq', 'nsq channel');
  const destTopicFlag = fs.string(
    'destination-topic',
    '',
    'use this destination topic for all consumed topics (default is consumed topic name)',
  );
  const maxInFlight = fs.int('max-in-flight', 200, 'max number of messages to allow in flight');
  const statusEveryFlag = fs.int(
    'status-every',
    250,
    'the # of requests between logging status (per destination), 0 disables',
  );
  const modeFlag = fs.string(
    'mode',
    'hostpool',
    'the upstream request mode options: round-robin, hostpool (default), epsilon-greedy',
  );
  const requireField = fs.string(
    'require-json-field',
    '',
    'for JSON messages: only pass messages that contain this field',
  );
  const requireValue = fs.string(
    'require-json-value',
    '',
    'for JSON messages: only pass messages in which the required field has this value',
  );
  const topicFlags = fs.strings('topic', 'nsq topic (may be given multiple times)');
  const { nsqdTcp: nsqdTcpAddrs, lookupdHttp: lookupdHttpAddrs } = sourceFlags(fs);
  const destAddrsFlag = fs.strings(
    'destination-nsqd-tcp-address',
    'destination nsqd TCP address (may be given multiple times)',
  );
  const whitelist = fs.strings(
    'whitelist-json-field',
    'for JSON messages: pass this field (may be given multiple times)',
  );
  fs.nsqConfig('consumer-opt', `option to passthrough to nsq.Consumer (${OPT_DOC})`, cCfg);
  fs.nsqConfig('producer-opt', `option to passthrough to nsq.Producer (${OPT_DOC})`, pCfg);
  fs.parse(process.argv.slice(2));
  if (showVersion.value) {
    process.stdout.write(versionLine(TOOL));
    return;
  }
  const topics = topicFlags.value;
  const channel = channelFlag.value;
  const destTopic = destTopicFlag.value;
  if (topics.length === 0 || channel === '') fatal('--topic and --channel are required');
  if (topics.some((t) => !isValidTopicName(t))) fatal('--topic is invalid');
  if (destTopic !== '' && !isValidTopicName(destTopic)) fatal('--destination-topic is invalid');
  if (!isValidChannelName(channel)) fatal('--channel is invalid');
  const nsqds = nsqdTcpAddrs.value;
  const lookupds = lookupdHttpAddrs.value;
  requireOneSource(nsqds, lookupds);
  const destAddrs = destAddrsFlag.value;
  if (destAddrs.length === 0) fatal('--destination-nsqd-tcp-address required');
  const mode = modeFlag.value;
  // Quirk kept from Go: any mode but hostpool/epsilon-greedy is round-robin (nsq_to_http fans out instead)
  const usePool = mode === 'hostpool' || mode === 'epsilon-greedy';

  const ua = userAgent(TOOL);
  cCfg.userAgent = ua;
  cCfg.maxInFlight = maxInFlight.value;
  pCfg.userAgent = ua;
  const dests = new Map<string, Destination>();
  for (const a of destAddrs) {
    try {
      dests.set(a, new Destination(a, new Producer(a, { ...pCfg })));
    } catch (err) {
      fatal(`failed creating producer ${(err as Error).message}`);
    }
  }
  const statusEvery = statusEveryFlag.value;
  const perAddress = new Map<string, TimerMetrics>();
  if (destAddrs.length === 1) perAddress.set(destAddrs[0]!, new TimerMetrics(0, ''));
  else for (const a of destAddrs) perAddress.set(a, new TimerMetrics(statusEvery, `[${a}]:`));
  const pool = new HostPool(destAddrs, mode === 'epsilon-greedy');
  const aggregate = new TimerMetrics(statusEvery, '[aggregate]:');
  const filter = new JsonFilter({
    requireField: requireField.value,
    requireValue: requireValue.value,
    whitelist: whitelist.value,
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
      const r = filter.apply(body, logf);
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
      fatal((err as Error).message);
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
  onStopSignals(stop);
  void (async () => {
    try {
      for (const c of consumers) await c.connectToNSQDs(nsqds);
      for (const c of consumers) await c.connectToNSQLookupds(lookupds);
    } catch (err) {
      fatal((err as Error).message);
    }
  })();
}

main();
