// ring-worker: the producer half of the two-thread ring test. Sends `count` DATA records of
// seeded-random size into job.data, reads cumulative ECHOs from job.echo, and when it can do
// nothing else sleeps on the data ring's space doorbell (ring full) or the echo ring's doorbell
// (window full, or all sent).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { RingReader, RingWriter } from '../../src/nsqd/shard/ring.js';
import { prng } from '../helpers/prng.js';
import { checksum, DATA_HEADER, makeSource, type RingJob, type RingJobResult } from './ring-protocol.js';

async function run(job: RingJob): Promise<RingJobResult> {
  const writer = new RingWriter(job.data);
  const reader = new RingReader(job.echo);
  const source = makeSource(job.seed);
  const rnd = prng(job.seed + 1);
  const sums = new Uint32Array(job.count);
  const span = job.maxBody - job.minBody + 1;
  let sent = 0;
  let acked = 0;
  let sleeps = 0;
  let spaceSleeps = 0;
  let body = -1;
  let srcOff = 0;
  let batch = 1;
  while (acked < job.count) {
    let progressed = false;
    let full = false;
    while (sent < job.count && sent - acked < job.window) {
      if (body < 0) {
        body = job.minBody + Math.floor(rnd() * span);
        srcOff = Math.floor(rnd() * (source.length - body));
        sums[sent] = checksum(source, srcOff, srcOff + body);
      }
      if (!writer.begin(DATA_HEADER + body)) {
        full = true;
        break;
      }
      writer.u32(sent);
      writer.u32(body);
      writer.u32(srcOff);
      writer.u32(sums[sent]!);
      writer.bytes(source, srcOff, srcOff + body);
      writer.end();
      sent++;
      body = -1;
      progressed = true;
      if (--batch === 0) {
        writer.publish();
        batch = 1 + Math.floor(rnd() * 64);
      }
    }
    writer.publish();
    while (reader.next()) {
      const seq = reader.u32();
      const sum = reader.u32();
      if (seq < acked || seq >= sent)
        throw new Error(`echo ${seq} out of order (acked ${acked}, sent ${sent})`);
      if (sum !== sums[seq]) throw new Error(`echo ${seq}: checksum ${sum} != ${sums[seq]}`);
      acked = seq + 1;
      progressed = true;
    }
    reader.release();
    if (!progressed && full) {
      const p = writer.waitForSpace(1000);
      if (p !== null) {
        spaceSleeps++;
        await p;
      }
    } else if (!progressed) {
      const p = reader.waitAsync();
      if (p !== null) {
        sleeps++;
        await p;
      }
    }
  }
  return { sent, acked, sleeps, spaceSleeps };
}

// node --test may load every file under test/ as a test file: only act inside a worker.
if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  const keepAlive = setInterval(() => {}, 1 << 30); // a pending waitAsync alone does not hold the loop
  run(workerData as RingJob).then(
    (result) => {
      clearInterval(keepAlive);
      port.postMessage(result);
    },
    (err: unknown) => {
      clearInterval(keepAlive);
      throw err;
    },
  );
}
