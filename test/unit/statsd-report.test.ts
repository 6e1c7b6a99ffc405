/**
 * What nsqd's statsd loop sends, line for line: the host-substituted prefix, metric names in
 * statsdLoop's order, counters as differences from the previous push, percentile names as Go's
 * `%.0f`, the mem.* lines, and BoundaryBufferedWriter's packing of whole lines into packets.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { memLines, packPackets, statsdLines, statsdPrefix } from '../../src/nsqd/statsd/report.js';
import { statsChannel as channel, MEM, statsTopic as topic } from '../helpers/stats-snapshot.js';

describe('statsdPrefix (nsqd.New)', () => {
  test('%s is the broadcast host:port with . and : turned into _, and a . is appended', () => {
    assert.equal(statsdPrefix('nsq.%s', 'nsqd-1.example.com', 4151), 'nsq.nsqd-1_example_com_4151.');
    assert.equal(statsdPrefix('nsq.%s', '10.0.0.7', 14151), 'nsq.10_0_0_7_14151.');
  });
  test('an IPv6 broadcast address keeps JoinHostPort brackets', () => {
    assert.equal(statsdPrefix('nsq.%s', '::1', 4151), 'nsq.[__1]_4151.');
  });
  test('every %s is replaced; a prefix ending in . gets no second one; empty stays empty', () => {
    assert.equal(statsdPrefix('%s.nsq.%s.', 'h', 1), 'h_1.nsq.h_1.');
    assert.equal(statsdPrefix('nsqd', 'h', 1), 'nsqd.');
    assert.equal(statsdPrefix('', 'h', 1), '');
  });
});

describe('statsdLines (statsdLoop)', () => {
  const latency = {
    count: 2,
    percentiles: [
      { quantile: 0.99, value: 1234.9 },
      { quantile: 0.125, value: 7 },
    ],
  };
  const now = [
    topic(
      'orders',
      [
        channel('billing', {
          depth: 4,
          backendDepth: 1,
          inFlightCount: 2,
          deferredCount: 3,
          messageCount: 10,
          requeueCount: 5,
          timeoutCount: 6,
          clientCount: 7,
          e2eProcessingLatency: latency,
        }),
      ],
      { depth: 8, backendDepth: 9, messageCount: 10, messageBytes: 100, e2eProcessingLatency: latency },
    ),
  ];

  test('a first push: every name in order, counters from 0, percentiles as %.0f (half to even)', () => {
    assert.deepEqual(statsdLines('p.', now, [], false), [
      'p.topic.orders.message_count:10|c\n',
      'p.topic.orders.message_bytes:100|c\n',
      'p.topic.orders.depth:8|g\n',
      'p.topic.orders.backend_depth:9|g\n',
      'p.topic.orders.e2e_processing_latency_99:1234|g\n',
      'p.topic.orders.e2e_processing_latency_12:7|g\n',
      'p.topic.orders.channel.billing.message_count:10|c\n',
      'p.topic.orders.channel.billing.depth:4|g\n',
      'p.topic.orders.channel.billing.backend_depth:1|g\n',
      'p.topic.orders.channel.billing.in_flight_count:2|g\n',
      'p.topic.orders.channel.billing.deferred_count:3|g\n',
      'p.topic.orders.channel.billing.requeue_count:5|c\n',
      'p.topic.orders.channel.billing.timeout_count:6|c\n',
      'p.topic.orders.channel.billing.clients:7|g\n',
      'p.topic.orders.channel.billing.e2e_processing_latency_99:1234|g\n',
      'p.topic.orders.channel.billing.e2e_processing_latency_12:7|g\n',
    ]);
  });

  test('counters are differences from the previous push; gauges are as they are', () => {
    const later = [
      topic(
        'orders',
        [
          channel('billing', { messageCount: 13, requeueCount: 5, timeoutCount: 8, depth: 1 }),
          channel('new'),
        ],
        { messageCount: 13, messageBytes: 130, depth: 2 },
      ),
    ];
    const lines = statsdLines('', later, now, false);
    assert.ok(lines.includes('topic.orders.message_count:3|c\n'));
    assert.ok(lines.includes('topic.orders.message_bytes:30|c\n'));
    assert.ok(lines.includes('topic.orders.depth:2|g\n'));
    assert.ok(lines.includes('topic.orders.channel.billing.message_count:3|c\n'));
    assert.ok(lines.includes('topic.orders.channel.billing.requeue_count:0|c\n'));
    assert.ok(lines.includes('topic.orders.channel.billing.timeout_count:2|c\n'));
    assert.ok(lines.includes('topic.orders.channel.billing.depth:1|g\n'));
    assert.ok(lines.includes('topic.orders.channel.new.message_count:0|c\n'));
  });

  test('a topic deleted and recreated counts down, as Go casts the uint64 difference', () => {
    const recreated = [topic('orders', [], { messageCount: 2, messageBytes: 20 })];
    assert.equal(statsdLines('', recreated, now, false)[0], 'topic.orders.message_count:-8|c\n');
  });

  test('--statsd-exclude-ephemeral skips #ephemeral topics and channels', () => {
    const eph = [topic('a', [channel('c#ephemeral'), channel('k')]), topic('b#ephemeral', [channel('x')])];
    const all = statsdLines('', eph, [], false).join('');
    assert.match(all, /topic\.a\.channel\.c#ephemeral\.depth/);
    assert.match(all, /topic\.b#ephemeral\.depth/);
    const some = statsdLines('', eph, [], true).join('');
    assert.doesNotMatch(some, /ephemeral/);
    assert.match(some, /topic\.a\.channel\.k\.depth:0\|g/);
  });
});

test('memLines: the mem.* gauges in Go order, and gc_runs since the last push', () => {
  const mem = { ...MEM, gcTotalRuns: 19 };
  assert.deepEqual(memLines('n.', mem, 10), [
    'n.mem.heap_objects:1|g\n',
    'n.mem.heap_idle_bytes:2|g\n',
    'n.mem.heap_in_use_bytes:3|g\n',
    'n.mem.heap_released_bytes:4|g\n',
    'n.mem.gc_pause_usec_100:5|g\n',
    'n.mem.gc_pause_usec_99:6|g\n',
    'n.mem.gc_pause_usec_95:7|g\n',
    'n.mem.next_gc_bytes:8|g\n',
    'n.mem.gc_runs:9|c\n',
  ]);
});

describe('packPackets (BoundaryBufferedWriter over bufio)', () => {
  const texts = (ps: Buffer[]): string[] => ps.map((p) => p.toString());
  test('whole lines, greedily, each packet at most the size', () => {
    assert.deepEqual(texts(packPackets(['aaaa\n', 'bbbb\n', 'cccc\n'], 10)), ['aaaa\nbbbb\n', 'cccc\n']);
    assert.deepEqual(texts(packPackets(['aaaa\n', 'bbbbbb\n', 'cc\n'], 10)), ['aaaa\n', 'bbbbbb\ncc\n']);
  });
  test('a line longer than the size goes out alone', () => {
    assert.deepEqual(texts(packPackets(['a\n', 'bbbbbbbbbbbb\n', 'c\n'], 10)), [
      'a\n',
      'bbbbbbbbbbbb\n',
      'c\n',
    ]);
  });
  test('no lines, no packets; a size of 0 is bufio default 4096', () => {
    assert.deepEqual(packPackets([], 508), []);
    const line = `${'x'.repeat(99)}\n`;
    const ps = packPackets(Array(50).fill(line), 0);
    assert.deepEqual(
      ps.map((p) => p.length),
      [4000, 1000],
    );
  });
});
