import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { createRingBuffer, RingReader, RingWriter } from '../../src/nsqd/shard/ring.js';
import { prng } from '../helpers/prng.js';
import {
  checksum,
  DATA_HEADER,
  ECHO_BYTES,
  makeSource,
  type RingJob,
  type RingJobResult,
} from './ring-protocol.js';

interface Outcome {
  result: RingJobResult;
  received: number;
  straddled: number;
  sleeps: number;
  seconds: number;
}

/**
 * Run the worker as producer and this thread as consumer. `echoEach`: echo every record (seq + sum),
 * else one cumulative echo per consumed batch. Both sides sleep on their inbound doorbell only.
 */
async function drive(job: RingJob, echoEach: boolean, batchSize: () => number): Promise<Outcome> {
  const worker = new Worker(new URL('./ring-worker.js', import.meta.url), { workerData: job });
  let failure: unknown = null;
  const finished = new Promise<RingJobResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before finishing`)));
  });
  finished.catch((err: unknown) => {
    failure = err;
  });
  try {
    const reader = new RingReader(job.data);
    const writer = new RingWriter(job.echo);
    const source = job.verify ? makeSource(job.seed) : null;
    let received = 0;
    let straddled = 0;
    let sleeps = 0;
    let t0 = 0;
    const deadline = performance.now() + 25_000; // fail (and terminate the worker) before the test timeout
    while (received < job.count) {
      const limit = batchSize();
      let n = 0;
      let lastSeq = 0;
      let lastSum = 0;
      while (n < limit && reader.next()) {
        if (reader.buf.buffer !== job.data) straddled++;
        const seq = reader.u32();
        const body = reader.u32();
        const srcOff = reader.u32();
        const sum = reader.u32();
        if (seq !== received) assert.fail(`record ${seq} arrived, expected ${received}`);
        if (reader.remaining !== body)
          assert.fail(`record ${seq}: ${reader.remaining} bytes, header says ${body}`);
        if (source !== null) {
          const p = reader.pos;
          if (checksum(reader.buf, p, p + body) !== sum) assert.fail(`record ${seq}: checksum`);
          if (!reader.buf.subarray(p, p + body).equals(source.subarray(srcOff, srcOff + body))) {
            assert.fail(`record ${seq}: content`);
          }
        }
        if (echoEach) {
          assert.ok(writer.begin(ECHO_BYTES), 'echo ring full (window too large?)');
          writer.u32(seq);
          writer.u32(sum);
          writer.end();
        }
        lastSeq = seq;
        lastSum = sum;
        received++;
        n++;
      }
      if (n > 0) {
        if (t0 === 0) t0 = performance.now();
        reader.release(); // space first, then the echo that wakes the producer
        if (!echoEach) {
          assert.ok(writer.begin(ECHO_BYTES), 'echo ring full');
          writer.u32(lastSeq);
          writer.u32(lastSum);
          writer.end();
        }
        writer.publish();
        continue;
      }
      if (failure !== null) throw failure;
      if (performance.now() > deadline) assert.fail(`stalled after ${received} records`);
      const p = reader.waitAsync(1000); // the timeout only lets a worker failure surface
      if (p !== null) {
        sleeps++;
        await p;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const result = await Promise.race([finished, delay(25_000, undefined, { ref: false })]);
    if (result === undefined) assert.fail('worker did not finish');
    return { result, received, straddled, sleeps, seconds };
  } finally {
    await worker.terminate();
  }
}

test(
  'two threads: 200k random-size records with checksums, each echoed back',
  { timeout: 30_000 },
  async () => {
    const job: RingJob = {
      data: createRingBuffer(64 * 1024),
      echo: createRingBuffer(64 * 1024),
      count: 200_000,
      seed: 0xc0ffee,
      minBody: 0,
      maxBody: 2048,
      window: 4096,
      verify: true,
    };
    const rnd = prng(7);
    const out = await drive(job, true, () => 1 + Math.floor(rnd() * 256));
    assert.equal(out.received, job.count);
    assert.deepEqual([out.result.sent, out.result.acked], [job.count, job.count]);
    assert.ok(out.straddled > 0, 'some records straddled the end');
    console.log(
      `ring threads: ${job.count} records, ${out.straddled} straddled, main slept ${out.sleeps}x, worker slept ${out.result.sleeps}x`,
    );
  },
);

test('two threads: throughput of 200-byte records', { timeout: 30_000 }, async () => {
  const job: RingJob = {
    data: createRingBuffer(1024 * 1024),
    echo: createRingBuffer(64 * 1024),
    count: 2_000_000,
    seed: 42,
    minBody: 200 - DATA_HEADER,
    maxBody: 200 - DATA_HEADER,
    window: 4096,
    verify: false,
  };
  const out = await drive(job, false, () => 4096);
  assert.equal(out.received, job.count);
  const rate = Math.round(out.received / out.seconds);
  console.log(
    `ring throughput: ${rate.toLocaleString('en-US')} records/s, 200-byte records, 1 MiB ring, ` +
      `2 threads (node ${process.version}, ${os.availableParallelism()} CPUs), main slept ${out.sleeps}x`,
  );
});
