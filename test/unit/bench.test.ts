/**
 * The load generator's own logic without sockets: open-loop pacing, histogram encode/merge, how
 * connections are dealt to tasks, the printed reports (as exact text) and argument errors.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatMatrixMarkdown,
  formatMatrixText,
  type MatrixReport,
  meets,
  rowRatios,
} from '../../bench/matrix-report.js';
import { ArgError, type BenchOptions, parseBenchArgs } from '../../bench/nsq-bench/args.js';
import {
  encodeHistogram,
  mergeEncoded,
  newHistogram,
  percentiles,
  recordUs,
} from '../../bench/nsq-bench/histogram.js';
import { Pacer } from '../../bench/nsq-bench/pacer.js';
import { formatResult, grouped, progressLine } from '../../bench/nsq-bench/report.js';
import { type BenchResult, planTasks, split } from '../../bench/nsq-bench/run.js';
import { NO_FEATURES } from '../../bench/nsq-bench/upgrade.js';
import { PublishTemplate } from '../../bench/nsq-bench/wire.js';

describe('Pacer', () => {
  it('releases token k at start + k/rate, without drift over many small steps', () => {
    const p = new Pacer(1000, 5000, 1_000_000); // 1 token per ms
    assert.equal(p.take(4999, 100), 0);
    assert.equal(p.take(5000, 100), 1); // token 0 is due at the start
    let taken = 1;
    let last = 5000;
    for (let k = 1; 5000 + k * 0.37 <= 15_000; k++) {
      last = 5000 + k * 0.37;
      taken += p.take(last, 1_000_000);
    }
    assert.equal(taken, Math.floor(last - 5000) + 1); // 10,000: tokens 0..9999
    assert.equal(p.skipped, 0);
    assert.equal(p.taken, taken);
  });

  it('sums exactly to rate × time for a fractional rate', () => {
    const p = new Pacer(333.3, 0, 1e9);
    let n = 0;
    for (let t = 0; t <= 60_000; t += 7) n += p.take(t, 1e9);
    assert.equal(n, Math.floor(59_997 * 0.3333) + 1);
  });

  it('catches up at most maxBacklog after a stall and counts what it skipped', () => {
    const p = new Pacer(10_000, 0, 50); // 10 per ms
    assert.equal(p.take(0, 1000), 1);
    assert.equal(p.take(100, 1000), 50); // 1000 were due: 50 released, 950 skipped
    assert.equal(p.skipped, 950);
    assert.equal(p.take(100, 1000), 0);
    assert.equal(p.take(101, 1000), 10);
    assert.equal(p.taken, 61);
  });

  it('leaves tokens due when the caller has no room, and says when the next one is due', () => {
    const p = new Pacer(1000, 0, 100);
    assert.equal(p.take(10, 3), 3); // 11 due, room for 3
    assert.equal(p.delayMs(10), 0);
    assert.equal(p.take(10, 100), 8);
    assert.equal(p.delayMs(10), 1);
    assert.equal(p.delayMs(10.25), 0.75);
  });

  it('rejects nonsense', () => {
    assert.throws(() => new Pacer(0, 0, 1), RangeError);
    assert.throws(() => new Pacer(10, 0, 0), RangeError);
  });
});

describe('histograms', () => {
  it('merges several encoded histograms into the same percentiles as one histogram of everything', () => {
    const whole = newHistogram();
    const parts = [newHistogram(), newHistogram(), newHistogram()];
    for (let i = 1; i <= 30_000; i++) {
      const us = (i * 7919) % 100_000; // spread 0..100 ms
      recordUs(whole, us);
      recordUs(parts[i % 3]!, us);
    }
    const merged = mergeEncoded([...parts.map(encodeHistogram), null]);
    assert.ok(merged !== null);
    const { max: mergedMax, ...m } = percentiles(merged);
    const { max: wholeMax, ...w } = percentiles(whole);
    assert.deepEqual(m, w);
    // a merge keeps the top of the max's bucket: equal within the 3-digit precision
    assert.ok(
      mergedMax >= wholeMax && (mergedMax - wholeMax) / wholeMax < 0.001,
      `${mergedMax} vs ${wholeMax}`,
    );
    assert.equal(merged.totalCount, 30_000);
  });

  it('keeps the extremes and rounds and clamps what it records', () => {
    const a = newHistogram();
    const b = newHistogram();
    recordUs(a, 120.4);
    recordUs(a, -3); // another thread's clock, a hair behind
    recordUs(b, 7_200_000_000); // two hours: beyond the initial range
    const m = mergeEncoded([encodeHistogram(a), encodeHistogram(b)])!;
    const p = percentiles(m);
    assert.equal(p.count, 3);
    assert.equal(p.min, 120);
    assert.ok(Math.abs(p.max - 7_200_000_000) / 7_200_000_000 < 0.001);
  });

  it('encodes nothing for an empty histogram and merges nothing to null', () => {
    assert.equal(encodeHistogram(newHistogram()), null);
    assert.equal(mergeEncoded([null, null]), null);
  });
});

const base: BenchOptions = {
  mode: 'pub',
  host: '127.0.0.1',
  port: 4150,
  httpAddress: '',
  topic: 't',
  channel: 'ch',
  conns: 3,
  size: 200,
  batch: 200,
  inFlight: 1,
  rate: 0,
  durationMs: 1000,
  count: 0,
  rdy: 2500,
  threads: 2,
  json: false,
  quiet: false,
  allowRemote: false,
  features: NO_FEATURES,
};

describe('planning', () => {
  it('splits counts evenly, the remainder first', () => {
    assert.deepEqual(split(10, 3), [4, 3, 3]);
    assert.deepEqual(split(2, 4), [1, 1, 0, 0]);
  });

  it('deals connections round-robin over min(threads, connections) tasks and --count over producers', () => {
    const shared = new SharedArrayBuffer(8);
    const pub = planTasks({ ...base, count: 1000, batch: 100 }, shared);
    assert.deepEqual(
      pub.map((t) => t.producerCommandLimits),
      [[4, 3], [3]],
    );
    const pubsub = planTasks({ ...base, mode: 'pubsub', conns: 2, threads: 8, rate: 1000 }, shared);
    assert.equal(pubsub.length, 4);
    assert.deepEqual(
      pubsub.map((t) => [t.producerCommandLimits.length, t.consumers]),
      [
        [1, 0],
        [1, 0],
        [0, 1],
        [0, 1],
      ],
    );
    assert.ok(pubsub.every((t) => t.stamp && t.ratePerProducer === 500));
    const sub = planTasks({ ...base, mode: 'sub', threads: 1 }, shared);
    assert.deepEqual(
      sub.map((t) => [t.producerCommandLimits.length, t.consumers]),
      [[0, 3]],
    );
  });

  it('prebuilds PUB and MPUB commands and stamps every body', () => {
    const pub = new PublishTemplate('t', 10, 1, 2);
    assert.equal(pub.buf.toString('latin1', 0, 6), 'PUB t\n');
    assert.equal(pub.cmdLen, 6 + 4 + 10);
    const mpub = new PublishTemplate('t', 8, 3, 1);
    assert.equal(mpub.buf.toString('latin1', 0, 7), 'MPUB t\n');
    assert.equal(mpub.buf.readInt32BE(7), 4 + 3 * 12);
    assert.equal(mpub.buf.readInt32BE(11), 3);
    const s = mpub.stamped(1, 1234.5);
    for (const off of mpub.bodyOffsets) assert.equal(s.readDoubleLE(off), 1234.5);
    assert.equal(mpub.buf.readDoubleLE(mpub.bodyOffsets[0]!) === 1234.5, false); // the template is untouched
  });
});

const env = { node: 'v20.0.0', cpus: 2, platform: 'linux', arch: 'x64' };
const pubsubResult: BenchResult = {
  mode: 'pubsub',
  target: '127.0.0.1:4150',
  targetVersion: 'n/a',
  env,
  options: {
    ...base,
    mode: 'pubsub',
    topic: 'pubsub_x',
    conns: 2,
    batch: 1,
    rate: 50_000,
    durationMs: 10_000,
  },
  threads: 2,
  pub: {
    sent: 500_000,
    acked: 500_000,
    skipped: 0,
    elapsedMs: 10_000,
    msgsPerSec: 50_000,
    mbPerSec: 10,
    ackLatency: { count: 500_000, min: 50, mean: 210, p50: 180, p90: 300, p99: 900, p999: 1500, max: 4000 },
  },
  sub: {
    received: 500_000,
    finished: 500_000,
    redelivered: 0,
    elapsedMs: 10_002,
    msgsPerSec: 49_990,
    mbPerSec: 10,
  },
  latency: { count: 500_000, min: 80, mean: 400, p50: 350, p90: 600, p99: 1200, p999: 2500, max: 9100 },
  errors: 0,
  errorSamples: [],
  benchCpuPercent: 37,
  loopDelayP99Ms: 0.5,
  loopDelayMaxMs: 3.25,
};

describe('reports', () => {
  it('groups thousands without a locale', () => {
    assert.equal(grouped(1234567.4), '1,234,567');
    assert.equal(grouped(-1000), '-1,000');
    assert.equal(grouped(999), '999');
  });

  it('prints the progress line', () => {
    const line = progressLine({
      mode: 'pubsub',
      elapsedMs: 3210,
      sent: 1,
      acked: 160_000,
      received: 159_000,
      errors: 0,
      pubRate: 50_010,
      subRate: 49_990.4,
    });
    assert.equal(
      line,
      '[pubsub] 3.2s  pub 50,010 msgs/s (160,000 acked)  sub 49,990 msgs/s (159,000 received)  errors 0',
    );
  });

  it('prints a pubsub result as a table naming node, CPUs, size, batch, connections and the version', () => {
    assert.equal(
      formatResult(pubsubResult),
      [
        'nsq-bench pubsub → 127.0.0.1:4150 (nsqd version n/a), topic pubsub_x/ch',
        'node v20.0.0, 2 CPUs, linux x64; 2 conns, 200 B messages, PUB, rate 50,000 msgs/s (open loop), RDY 2500, 10.00 s, 2 threads',
        '',
        '  published       50,000 msgs/s  10.0 MB/s  (500,000 acked in 10.00 s)',
        '  ack round trip  p50 0.180 ms  p90 0.300 ms  p99 0.900 ms  p99.9 1.500 ms  max 4.000 ms  (500,000 samples)',
        '  received        49,990 msgs/s  10.0 MB/s  (500,000 in 10.00 s)',
        '  end to end      p50 0.350 ms  p90 0.600 ms  p99 1.200 ms  p99.9 2.500 ms  max 9.100 ms  (500,000 samples)',
        '  errors          0',
        '  load generator  37% of one core; event-loop delay p99 0.50 ms, max 3.25 ms',
        '',
      ].join('\n'),
    );
  });

  it('prints errors and MPUB batches', () => {
    const r: BenchResult = {
      ...pubsubResult,
      mode: 'pub',
      sub: null,
      latency: null,
      errors: 2,
      errorSamples: ['E_BAD_TOPIC x', 'connection closed by the server'],
    };
    r.options = { ...r.options, mode: 'pub', batch: 200, rate: 0, inFlight: 1 };
    const text = formatResult(r);
    assert.match(text, /MPUB x200, 1 in flight \(closed loop\)/);
    assert.match(text, /errors {10}2: E_BAD_TOPIC x; connection closed by the server/);
  });

  const report: MatrixReport = {
    startedAt: '2026-01-01T00:00:00.000Z',
    header: ['node v20.0.0, 2 CPUs'],
    columns: ['ours w=0', 'ours w=1', 'theirs'],
    defaultColumn: 'ours w=1',
    compareColumn: 'theirs',
    rows: [
      {
        id: 'pub-mpub',
        label: 'PUB MPUB',
        unit: 'msgs/s',
        target: { op: '>=', value: 1_100_000 },
        cells: {
          'ours w=0': { value: 900_000, detail: 'a', benchCpu: 30, serverCpu: 100 },
          'ours w=1': { value: 1_200_000, detail: 'b', benchCpu: 31, serverCpu: 150 },
          theirs: { value: 600_000, detail: 'c', benchCpu: 20, serverCpu: 180 },
        },
      },
      {
        id: 'pubsub',
        label: 'pubsub p99',
        unit: 'ms',
        target: { op: '<=', value: 5 },
        cells: {
          'ours w=0': { value: null, detail: '', error: 'boom', benchCpu: 0, serverCpu: 0 },
          'ours w=1': { value: 6.5, detail: 'd', benchCpu: 1, serverCpu: 2 },
          theirs: { value: 2, detail: 'e', benchCpu: 1, serverCpu: 2 },
        },
      },
    ],
  };

  it('prints the matrix with targets, met/missed and the ratio', () => {
    assert.ok(meets({ op: '>=', value: 5 }, 5) && !meets({ op: '<=', value: 5 }, 5.01));
    const text = formatMatrixText(report);
    const lines = text.split('\n');
    assert.deepEqual(lines.slice(0, 6), [
      'node v20.0.0, 2 CPUs',
      '',
      'scenario                               target   ours w=0     ours w=1     theirs  w=1 ÷ theirs  w=0 ÷ theirs  ours w=1: target',
      '--------------------------------  -----------  ---------  -----------  ---------  ------------  ------------  ----------------',
      'PUB MPUB (msgs/s)                 ≥ 1,100,000  900,000 ✗  1,200,000 ✓  600,000 ✗         ×2.00         ×1.50               met',
      'pubsub p99 (ms, lower is better)    ≤ 5.00 ms     failed    6.50 ms ✗  2.00 ms ✓         ×3.25             —            missed',
    ]);
    assert.deepEqual(rowRatios(report, report.rows[0]!), { 'ours w=1': 2, 'ours w=0': 1.5 });
    const vsTheirs = { ...report, rows: [{ ...report.rows[0]!, target: null, ratioTarget: 2.5 }] };
    assert.match(formatMatrixText(vsTheirs), /≥ ×2.5 theirs .* ×2.00 ✗ +×1.50 +missed\n/);
    assert.match(text, /pubsub \[ours w=0\]: failed: boom; generator 0%, server 0% of a core/);
    const md = formatMatrixMarkdown(report);
    assert.match(md, /^# nsq-ts bench, 2026-01-01T00:00:00.000Z/);
    assert.match(
      md,
      /\| PUB MPUB \(msgs\/s\) \| ≥ 1,100,000 \| 900,000 ✗ \| 1,200,000 ✓ \| 600,000 ✗ \| ×2.00 \| ×1.50 \| met \|/,
    );
  });
});

describe('arguments', () => {
  const err = (argv: string[], re: RegExp): void => {
    assert.throws(
      () => parseBenchArgs(argv),
      (e: unknown) => e instanceof ArgError && re.test(e.message),
    );
  };

  it('has bench_writer defaults for pub and open-loop defaults for pubsub', () => {
    const pub = parseBenchArgs(['pub']) as BenchOptions;
    assert.equal(pub.host, '127.0.0.1');
    assert.equal(pub.port, 4150);
    assert.equal(pub.topic, 'sub_bench');
    assert.deepEqual(
      [pub.conns, pub.size, pub.batch, pub.inFlight, pub.rate, pub.durationMs],
      [2, 200, 200, 1, 0, 10_000],
    );
    const ps = parseBenchArgs(['pubsub', '-duration=1.5s', '--rate', '1000']) as BenchOptions;
    assert.deepEqual([ps.batch, ps.rate, ps.durationMs], [1, 1000, 1500]);
    assert.match(ps.topic, /^pubsub_bench_/);
    assert.deepEqual(parseBenchArgs(['--help']), { help: true });
    const v6 = parseBenchArgs(['sub', '--nsqd-tcp-address=[::1]:4150']) as BenchOptions;
    assert.equal(v6.host, '::1');
  });

  it('names the flag in every error', () => {
    err([], /expected one mode/);
    err(['publish'], /unknown mode "publish"/);
    err(['pub', '--nope'], /Unknown option '--nope'/);
    err(['pub', '--conns=0'], /^--conns: expected an integer between 1 and 10000, got "0"/);
    err(['pub', '--size=2k'], /^--size: /);
    err(['pubsub', '--size=4'], /^--size: expected an integer between 8/);
    err(['pub', '--duration=10'], /^--duration: time: missing unit in duration "10"/);
    err(['pub', '--duration=0s'], /^--duration: must be positive/);
    err(['pub', '--nsqd-tcp-address=4150'], /^--nsqd-tcp-address: expected host:port/);
    err(['pub', '--topic=a b'], /^--topic: invalid topic name/);
    err(['pub', '--threads=0'], /^--threads: /);
  });

  it('refuses non-loopback targets unless --allow-remote', () => {
    err(['pub', '--nsqd-tcp-address=10.0.0.1:4150'], /not a loopback address; pass --allow-remote/);
    err(
      ['pub', '--nsqd-http-address=example.com:4151'],
      /^--nsqd-http-address: example.com is not a loopback/,
    );
    const ok = parseBenchArgs(['pub', '--nsqd-tcp-address=10.0.0.1:4150', '--allow-remote']) as BenchOptions;
    assert.equal(ok.host, '10.0.0.1');
    assert.equal(
      (parseBenchArgs(['pub', '--nsqd-tcp-address=localhost:1']) as BenchOptions).host,
      'localhost',
    );
  });
});
