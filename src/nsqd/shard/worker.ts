/**
 * A shard worker's entry point: decodes inbound ring records into calls on its ShardCore, runs the
 * queue scan, and sleeps on the ring's doorbell when idle. Owns its ShardCore and both ring ends
 * it was handed; never touches a socket.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { Options } from '../options/options.js';
import { type ControlRequest, control } from '../queue/admin.js';
import { type PubKind, ShardCore } from '../queue/shard-core.js';
import * as R from './records.js';
import { RingOutbox } from './ring-outbox.js';
import { RingReader } from './ring.js';

export interface ShardWorkerData {
  index: number;
  inbound: SharedArrayBuffer;
  outbound: SharedArrayBuffer;
  options: Options;
}

/** nsqd's QueueScanInterval */
const SCAN_INTERVAL_MS = 100;
/** release inbound space to the io thread at least this often within one drain */
const RELEASE_EVERY = 256;
/** the longest a shard sleeps on its doorbell before looking anyway */
const DOORBELL_TIMEOUT_MS = 100;

const data = workerData as ShardWorkerData;
const reader = new RingReader(data.inbound);
const outbox = new RingOutbox(data.outbound);
const post = (msg: object): void => parentPort!.postMessage(msg);
const core = new ShardCore(data.options, outbox, undefined, undefined, {
  health: (error) => post({ type: 'health', error }),
  log: (level, msg) => post({ type: 'log', level, msg }),
  metaChanged: () => post({ type: 'meta' }),
  afterAsync: () => outbox.flush(),
});
let stopping = false;

function dispatch(): void {
  const r = reader;
  const op = r.u8();
  const a = r.u8();
  const b = r.u8();
  const c = r.u8();
  const conn = r.u32();
  switch (op) {
    case R.IN_PUB: {
      const deferMs = r.u32();
      const count = r.u32();
      const topic = r.latin1(b);
      r.skip(c);
      core.publish(conn, a as PubKind, topic, deferMs, r.buf, r.pos, r.start + r.length, count);
      break;
    }
    case R.IN_SUB: {
      const msgTimeout = r.u32();
      const sampleRate = r.u32();
      const topic = r.latin1(b);
      const channel = r.latin1(c);
      core.subscribe(conn, topic, channel, msgTimeout, sampleRate);
      break;
    }
    case R.IN_RDY:
      core.ready(conn, r.u32());
      break;
    case R.IN_FIN:
      core.finish(conn, r.buf, r.pos);
      break;
    case R.IN_REQ: {
      const delay = r.u32();
      core.requeue(conn, r.buf, r.pos, delay);
      break;
    }
    case R.IN_TOUCH:
      core.touch(conn, r.buf, r.pos);
      break;
    case R.IN_CLS:
      core.startClose(conn);
      break;
    case R.IN_GONE:
      core.disconnect(conn);
      break;
    default:
      throw new Error(`shard ${data.index}: unknown inbound record op ${op}`);
  }
}

/** handle every published inbound record, unless the outbound side is backed up */
function drain(): void {
  let n = 0;
  while (!outbox.blocked && reader.next()) {
    dispatch();
    if (++n % RELEASE_EVERY === 0) {
      reader.release();
      outbox.flush();
    }
  }
  if (n % RELEASE_EVERY !== 0) reader.release();
  outbox.flush();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** how long a shard keeps polling its inbound ring after it last had something, before sleeping */
const SPIN_MS = 0.5;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function run(): Promise<void> {
  let lastActive = performance.now();
  while (!stopping) {
    if (outbox.blocked && !outbox.retryOverflow()) {
      await sleep(1);
      continue;
    }
    if (!reader.isEmpty()) {
      drain();
      lastActive = performance.now();
      await nextTurn();
      continue;
    }
    if (outbox.blocked || performance.now() - lastActive <= SPIN_MS) {
      await nextTurn();
      continue;
    }
    const wait = reader.waitAsync(DOORBELL_TIMEOUT_MS);
    if (wait !== null) await wait;
    lastActive = performance.now();
  }
}

// the scan timer also keeps this worker alive while it sleeps on Atomics.waitAsync
const scan = setInterval(() => {
  core.tick();
  outbox.flush();
}, SCAN_INTERVAL_MS);

parentPort!.on('message', (msg: { type: string; id?: number; req?: ControlRequest }) => {
  if (msg.type === 'control') {
    const res = control(core, msg.req!);
    outbox.flush();
    parentPort!.postMessage({ type: 'control', id: msg.id, res });
    return;
  }
  if (msg.type === 'crash') {
    // fault injection (Broker.crashShard): fail the way a bug would, from the event loop
    setImmediate(() => {
      throw new Error(`shard ${data.index}: crash requested`);
    });
    return;
  }
  if (msg.type === 'stop') {
    stopping = true;
    core.shutdown();
    outbox.flush();
    clearInterval(scan);
    parentPort!.postMessage({ type: 'stopped' });
    parentPort!.close();
  }
});

run().catch((err: unknown) => {
  // an exception here is a bug: let the host see it and restart the shard
  setImmediate(() => {
    throw err;
  });
});
