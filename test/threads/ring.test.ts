// The ring across two real threads: a worker produces seeded records, this thread checks and echoes
// each one; both sleep on doorbells (data, and space when the ring is full), never on a timer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { createRingBuffer, RingReader, RingWriter } from '../../src/nsqd/shard/ring.js';
import { prng } from '../helpers/prng.js';
import { checksum, ECHO_BYTES, makeSource, type RingJob, type RingJobResult } from './ring-protocol.js';

interface Outcome {
  result: RingJobResult;
  received: number;
  straddled: number;
  sleeps: number;
}

/**
 * Run the worker as producer and this thread as consumer, echoing every record (seq + sum). Both
 * sides sleep on their inbound doorbell only.
 */
async function drive(job: RingJob, batchSize: () => number): Promise<Outcome> {
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
    const source = makeSource(job.seed);
    let received = 0;
    let straddled = 0;
    let sleeps = 0;
    const deadline = performance.now() + 25_000; // fail (and terminate the worker) before the test timeout
    while (received < job.count) {
      const limit = batchSize();
      let n = 0;
      while (n < limit && reader.next()) {
        if (reader.buf.buffer !== job.data) straddled++;
        const seq = reader.u32();
        const body = reader.u32();
        const srcOff = reader.u32();
        const sum = reader.u32();
        if (seq !== received) assert.fail(`record ${seq} arrived, expected ${received}`);
        if (reader.remaining !== body)
          assert.fail(`record ${seq}: ${reader.remaining} bytes, header says ${body}`);
        const p = reader.pos;
        if (checksum(reader.buf, p, p + body) !== sum) assert.fail(`record ${seq}: checksum`);
        if (!reader.buf.subarray(p, p + body).equals(source.subarray(srcOff, srcOff + body))) {
          assert.fail(`record ${seq}: content`);
        }
        assert.ok(writer.begin(ECHO_BYTES), 'echo ring full (window too large?)');
        writer.u32(seq);
        writer.u32(sum);
        writer.end();
        received++;
        n++;
      }
      if (n > 0) {
        reader.release(); // space first, then the echo that wakes the producer
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
    const result = await Promise.race([finished, delay(25_000, undefined, { ref: false })]);
    if (result === undefined) assert.fail('worker did not finish');
    return { result, received, straddled, sleeps };
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
    };
    const rnd = prng(7);
    const out = await drive(job, () => 1 + Math.floor(rnd() * 256));
    assert.equal(out.received, job.count);
    assert.deepEqual([out.result.sent, out.result.acked], [job.count, job.count]);
    assert.ok(out.straddled > 0, 'some records straddled the end');
    assert.ok(out.result.spaceSleeps > 0, 'the producer slept on the space doorbell');
    console.log(
      `ring threads: ${job.count} records, ${out.straddled} straddled, main slept ${out.sleeps}x, ` +
        `worker slept ${out.result.sleeps}x on echoes, ${out.result.spaceSleeps}x on space`,
    );
  },
);
