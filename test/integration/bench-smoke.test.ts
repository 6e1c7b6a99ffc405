/**
 * A short run of each nsq-bench mode (pub, sub, pubsub) through the library against our broker in
 * this process: 2 connections, 1 piscina thread, about a second each; counts, no errors, percentiles.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BenchOptions } from '../../bench/nsq-bench/args.js';
import { runBench } from '../../bench/nsq-bench/run.js';
import { NO_FEATURES } from '../../bench/nsq-bench/upgrade.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';

describe('nsq-bench smoke', () => {
  let b: TestBroker;
  let published = 0;
  before(async () => {
    b = await startBroker({ workers: 1 });
  });
  after(async () => {
    await b.close();
  });

  const opts = (over: Partial<BenchOptions>): BenchOptions => ({
    mode: 'pub',
    host: '127.0.0.1',
    port: b.port,
    httpAddress: '',
    topic: 'smoke_bench',
    channel: 'ch',
    conns: 2,
    size: 200,
    batch: 50,
    inFlight: 2,
    rate: 0,
    durationMs: 800,
    count: 200_000,
    rdy: 500,
    threads: 1,
    json: false,
    quiet: true,
    allowRemote: false,
    features: NO_FEATURES,
    ...over,
  });

  it('pub: MPUB, closed loop', async () => {
    const r = await runBench(opts({}));
    assert.equal(r.errors, 0, r.errorSamples.join('; '));
    assert.equal(r.threads, 1);
    assert.ok(r.pub !== null && r.pub.acked > 0 && r.pub.msgsPerSec > 0);
    assert.equal(r.pub.acked, r.pub.sent);
    assert.ok(r.pub.ackLatency !== null && r.pub.ackLatency.count === r.pub.acked / 50);
    assert.equal(r.sub, null);
    published = r.pub.acked;
  });

  it('sub: drains what pub left in the topic', async () => {
    assert.ok(published > 0);
    const r = await runBench(opts({ mode: 'sub', count: published, durationMs: 5000 }));
    assert.equal(r.errors, 0, r.errorSamples.join('; '));
    assert.ok(r.sub !== null);
    assert.equal(r.sub.received, published);
    assert.equal(r.sub.finished, published);
    assert.equal(r.sub.redelivered, 0);
  });

  it('pubsub: open loop at a fixed rate, end-to-end percentiles', async () => {
    const r = await runBench(
      opts({ mode: 'pubsub', topic: 'smoke_pubsub', batch: 1, rate: 10_000, count: 0, rdy: 200 }),
    );
    assert.equal(r.errors, 0, r.errorSamples.join('; '));
    assert.ok(r.pub !== null && r.sub !== null && r.latency !== null);
    assert.ok(r.pub.acked > 4000 && r.pub.acked <= 8000 + 2, `acked ${r.pub.acked} at 10k/s for 0.8 s`);
    assert.equal(r.sub.received, r.pub.acked);
    assert.equal(r.latency.count, r.sub.received);
    const l = r.latency;
    assert.ok(l.p50 > 0 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max);
  });
});
