/**
 * --statsd-address against a real UDP socket on port 0: the prefix with the broadcast host and HTTP
 * port substituted, every topic/channel name in nsqd's order, counters that add up to what was
 * published across pushes, gauges as /stats shows them, packets of whole lines no larger than
 * --statsd-udp-packet-size and packed as full as nsqd packs them, --statsd-exclude-ephemeral, the
 * mem.* lines with --statsd-mem-stats, and a statsd that is not listening costing nothing but lost
 * packets.
 */

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { defaultOptions } from '../../src/nsqd/options/cli.js';
import type { Options } from '../../src/nsqd/options/options.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { sleep } from '../helpers/wire.js';

/** short enough that a test sees several pushes; at or under 1 s a push is not spread (Go needs > 1 s) */
const INTERVAL = 150;
const PACKET_SIZE = 200;

/** a UDP socket on 127.0.0.1:0 collecting every packet */
class StatsdSink {
  readonly packets: string[] = [];
  private readonly socket = dgram.createSocket('udp4');
  port = 0;

  async open(): Promise<void> {
    this.socket.on('message', (m) => this.packets.push(m.toString()));
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', r));
    this.port = this.socket.address().port;
  }

  /** every line received so far, in order, prefix removed (asserted on every line) */
  lines(prefix: string): string[] {
    const out: string[] = [];
    for (const p of this.packets) {
      assert.ok(p.endsWith('\n'), `a packet ends with a whole line: ${JSON.stringify(p)}`);
      for (const l of p.slice(0, -1).split('\n')) {
        assert.ok(l.startsWith(prefix), `${l} starts with ${prefix}`);
        out.push(l.slice(prefix.length));
      }
    }
    return out;
  }

  /** the pushes so far: the line stream split before each line named `first` */
  pushes(prefix: string, first: string): string[][] {
    const out: string[][] = [];
    for (const l of this.lines(prefix)) {
      if (l.startsWith(`${first}:`) || out.length === 0) out.push([]);
      out[out.length - 1]!.push(l);
    }
    return out.slice(1); // the first may have begun before the sink saw its first line
  }

  async waitFor(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; got ${this.packets.join('')}`);
      await sleep(20);
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** value of `name` in a push (throws when absent) */
function valueIn(push: string[], name: string): number {
  const l = push.find((x) => x.startsWith(`${name}:`));
  if (l === undefined) throw new Error(`${name} not in ${push.join(' ')}`);
  return Number(l.slice(name.length + 1, l.lastIndexOf('|')));
}

async function post(b: TestBroker, path: string, body?: string): Promise<void> {
  const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}${path}`, {
    method: 'POST',
    body: body ?? null,
  });
  assert.equal(r.status, 200, `${path}: ${await r.text()}`);
}

async function start(sink: StatsdSink, over: Partial<Options>): Promise<TestBroker> {
  return startBroker({
    statsdAddress: `127.0.0.1:${sink.port}`,
    statsdInterval: INTERVAL,
    statsdUdpPacketSize: PACKET_SIZE,
    statsdMemStats: false,
    broadcastAddress: 'nsqd-7.example.com',
    ...over,
  });
}

/** a channel's stats in nsqd's order, with their statsd types */
const CHANNEL_STATS = [
  'message_count|c',
  'depth|g',
  'backend_depth|g',
  'in_flight_count|g',
  'deferred_count|g',
  'requeue_count|c',
  'timeout_count|c',
  'clients|g',
];

for (const workers of [0, defaultOptions().workers]) {
  describe(`statsd push (--workers=${workers})`, () => {
    const sink = new StatsdSink();
    let b: TestBroker;
    let prefix: string;
    before(async () => {
      await sink.open();
      b = await start(sink, { workers });
      prefix = `nsq.nsqd-7_example_com_${b.broker.httpPort}.`;
    });
    after(async () => {
      await b.close();
      sink.close();
    });

    it('sends nsqd names, counter differences that add up, gauges, and full packets', async () => {
      await post(b, '/topic/create?topic=aa');
      await post(b, '/channel/create?topic=aa&channel=work');
      await post(b, '/channel/create?topic=aa&channel=tap%23ephemeral');
      for (const body of ['one', 'two', 'six']) await post(b, '/pub?topic=aa', body);
      const sum = (name: string): number =>
        sink.pushes(prefix, 'topic.aa.message_count').reduce((n, p) => n + valueIn(p, name), 0);
      // the counters of the pushes the sink saw in full, plus what came before them, reach 3
      const depthIs = (n: number) => () =>
        sink
          .pushes(prefix, 'topic.aa.message_count')
          .some((p) => valueIn(p, 'topic.aa.channel.work.depth') === n);
      await sink.waitFor('depth 3', depthIs(3));
      const [msgs, bytes, chMsgs] = [
        sum('topic.aa.message_count'),
        sum('topic.aa.message_bytes'),
        sum('topic.aa.channel.work.message_count'),
      ];
      await post(b, '/pub?topic=aa', 'four');
      await post(b, '/pub?topic=aa', 'fiver');
      await sink.waitFor('depth 5', depthIs(5));
      const n = sink.pushes(prefix, 'topic.aa.message_count').length;
      await sink.waitFor(
        'two more pushes',
        () => sink.pushes(prefix, 'topic.aa.message_count').length >= n + 2,
      );
      assert.equal(sum('topic.aa.message_count') - msgs, 2, 'counters are differences: two more messages');
      assert.equal(sum('topic.aa.message_bytes') - bytes, 9);
      assert.equal(sum('topic.aa.channel.work.message_count') - chMsgs, 2);

      const pushes = sink.pushes(prefix, 'topic.aa.message_count');
      const last = pushes[pushes.length - 2]!; // complete: another push began after it
      assert.equal(valueIn(last, 'topic.aa.message_count'), 0, 'nothing new since the push before');
      assert.equal(valueIn(last, 'topic.aa.depth'), 0, 'the topic handed them to its channels');
      assert.equal(valueIn(last, 'topic.aa.backend_depth'), 0);
      assert.equal(valueIn(last, 'topic.aa.channel.work.depth'), 5);
      assert.deepEqual(
        last.map((l) => l.slice(0, l.indexOf(':')) + l.slice(l.indexOf('|'))),
        [
          'topic.aa.message_count|c',
          'topic.aa.message_bytes|c',
          'topic.aa.depth|g',
          'topic.aa.backend_depth|g',
          ...['tap#ephemeral', 'work'].flatMap((c) => CHANNEL_STATS.map((m) => `topic.aa.channel.${c}.${m}`)),
        ],
      );

      // packing: every packet within the size, and no packet could have taken the next one's first line
      for (let i = 0; i < sink.packets.length; i++) {
        const p = sink.packets[i]!;
        assert.ok(Buffer.byteLength(p) <= PACKET_SIZE, `${Buffer.byteLength(p)} > ${PACKET_SIZE}`);
        const next = sink.packets[i + 1];
        const nextFirst = next === undefined ? '' : next.slice(0, next.indexOf('\n') + 1);
        const samePush = next !== undefined && !next.startsWith(`${prefix}topic.aa.message_count:`);
        if (samePush)
          assert.ok(Buffer.byteLength(p) + Buffer.byteLength(nextFirst) > PACKET_SIZE, 'packed full');
      }
    });
  });
}

describe('statsd options', () => {
  it('--statsd-exclude-ephemeral and --statsd-mem-stats', async () => {
    const sink = new StatsdSink();
    await sink.open();
    const b = await start(sink, {
      statsdExcludeEphemeral: true,
      statsdMemStats: true,
      statsdPrefix: 'svc.%s.nsq',
    });
    try {
      const prefix = `svc.nsqd-7_example_com_${b.broker.httpPort}.nsq.`;
      await post(b, '/topic/create?topic=bb');
      await post(b, '/channel/create?topic=bb&channel=gone%23ephemeral');
      await post(b, '/topic/create?topic=tmp%23ephemeral');
      await sink.waitFor('two pushes', () => sink.pushes(prefix, 'topic.bb.message_count').length >= 2);
      const push = sink.pushes(prefix, 'topic.bb.message_count')[0]!;
      assert.equal(push.filter((l) => l.includes('ephemeral')).length, 0);
      assert.deepEqual(
        push
          .filter((l) => l.startsWith('mem.'))
          .map((l) => l.slice(0, l.indexOf(':')) + l.slice(l.indexOf('|'))),
        [
          'mem.heap_objects|g',
          'mem.heap_idle_bytes|g',
          'mem.heap_in_use_bytes|g',
          'mem.heap_released_bytes|g',
          'mem.gc_pause_usec_100|g',
          'mem.gc_pause_usec_99|g',
          'mem.gc_pause_usec_95|g',
          'mem.next_gc_bytes|g',
          'mem.gc_runs|c',
        ],
      );
      assert.ok(valueIn(push, 'mem.heap_in_use_bytes') > 0);
      assert.ok(valueIn(push, 'mem.heap_objects') > 0);
      assert.ok(valueIn(push, 'mem.next_gc_bytes') >= valueIn(push, 'mem.heap_in_use_bytes'));
      assert.ok(valueIn(push, 'mem.gc_runs') >= 0);
    } finally {
      await b.close();
      sink.close();
    }
  });

  it('a statsd that is not listening loses packets and nothing else', async () => {
    const sink = new StatsdSink();
    await sink.open();
    sink.close(); // nothing listens on that port now: sends are refused
    const b = await start(sink, { statsdInterval: 50, logLevel: 'info' });
    try {
      await b.waitForLog(/STATSD: pushing stats to 127\.0\.0\.1:/);
      await sleep(200);
      const r = await fetch(`http://127.0.0.1:${b.broker.httpPort}/ping`);
      assert.equal(await r.text(), 'OK');
    } finally {
      await b.close();
    }
    assert.ok(b.logs.some((l) => l.includes('INFO: STATSD: closing')));
  });
});
