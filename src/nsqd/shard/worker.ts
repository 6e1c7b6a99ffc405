/**
 * A shard worker's entry point: decodes inbound ring records into calls on its ShardCore, runs the
 * queue scan, and sleeps on the ring's doorbell when idle. Owns its ShardCore and both ring ends
 * it was handed; never touches a socket.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { Logger } from '../../log.js';
import type { Options } from '../options/options.js';
import { type ControlRequest, control } from '../queue/admin.js';
import { ShardCore } from '../queue/shard-core.js';
import { shardIndexOf } from '../router/shard-map.js';
import { InboundOrder } from './inbound-order.js';
import { RingReader } from './ring.js';
import { decodeInbound } from './ring-records.js';
import { outboxFor } from './routed-outbox.js';
import { ScanClock } from './scan-clock.js';
import { doorbellTimeout, SpinPolicy } from './spin.js';

export interface ShardWorkerData {
  index: number;
  /** one ring each way per io thread, in io-thread order; inbound[0]'s data doorbell is every inbound ring's */
  inbound: SharedArrayBuffer[];
  outbound: SharedArrayBuffer[];
  options: Options;
  /** the io thread's log level cell (Logger.levelCell): this shard's lines are filtered here, before they are built */
  logLevel: Int32Array;
}

/** release inbound space to the io thread at least this often within one drain */
const RELEASE_EVERY = 256;

const data = workerData as ShardWorkerData;
const readers = data.inbound.map((r) => new RingReader(r));
const [first, ...others] = readers as [RingReader, ...RingReader[]];
const outbox = outboxFor(data.outbound);
/** several io threads: their rings are taken in publish order */
const ordered = readers.length > 1 ? new InboundOrder(readers) : null;
const outboxOpen = (): boolean => !outbox.blocked;
const always = (): boolean => true;
const flushOutbox = (): void => outbox.flush();
const post = (msg: object): void => parentPort!.postMessage(msg);
// whole lines, stamped here, written by the io thread's logger (postMessage never blocks this thread)
const log = new Logger(data.logLevel, data.options.logPrefix, (line) => post({ type: 'log', line }));
const core = new ShardCore(data.options, outbox, undefined, undefined, {
  health: (error) => post({ type: 'health', error }),
  log,
  metaChanged: () => post({ type: 'meta' }),
  topology: (ev) => post({ type: 'topology', ev }),
  afterAsync: () => outbox.flush(),
  isLocal: (topic) => shardIndexOf(topic, data.options.workers) === data.index,
});
let stopping = false;

/** handle every published record of one inbound ring, unless the outbound side is backed up */
function drainRing(reader: RingReader): void {
  let n = 0;
  while (!outbox.blocked && reader.next()) {
    decodeInbound(reader, core);
    if (++n % RELEASE_EVERY === 0) {
      reader.release();
      outbox.flush();
    }
  }
  if (n % RELEASE_EVERY !== 0) reader.release();
}

/** handle what every io thread's inbound ring holds, unless the outbound side is backed up */
function drain(): void {
  if (ordered !== null) ordered.take(core, outboxOpen, flushOutbox);
  else drainRing(first);
  outbox.flush();
}

function anyInbound(): boolean {
  for (const r of readers) if (!r.isEmpty()) return true;
  return false;
}

/** every record in the rings now, whatever the outbound side's state (its overflow holds the answers) */
function takeAll(): void {
  if (ordered !== null) {
    ordered.take(core, always, flushOutbox);
    return;
  }
  while (first.next()) decodeInbound(first, core);
  first.release();
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Take inbound records while the outbound ring has room; after activity keep looking once per
 * event-loop turn for a short while when that pays (SpinPolicy), else sleep on the inbound doorbell. While answers overflow,
 * sleep on the outbound ring's space doorbell instead.
 */
async function run(): Promise<void> {
  const spin = new SpinPolicy();
  while (!stopping) {
    if (outbox.blocked && !outbox.retryOverflow()) {
      await (outbox.waitForSpace() ?? nextTurn());
      continue;
    }
    if (anyInbound()) {
      scan.wake();
      drain();
      spin.active(performance.now());
      await nextTurn();
      continue;
    }
    if (spin.keepLooking(performance.now())) {
      await nextTurn();
      continue;
    }
    const wait = first.waitAsync(doorbellTimeout(spin, performance.now()), others);
    if (wait !== null) await wait;
  }
}

// the scan timer also keeps this worker alive while it sleeps on Atomics.waitAsync
const scan = new ScanClock(data.options.queueScanInterval, () => {
  const busy = core.tick();
  outbox.flush();
  return busy;
});

parentPort!.on('message', (msg: { type: string; id?: number; req?: ControlRequest }) => {
  if (msg.type === 'control') {
    // a request sees every record written before it (a pre-acked PUB's topic exists for /channel/create)
    scan.wake();
    takeAll();
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
    // publishes the io thread answered OK already may still wait in the ring: take them all first
    takeAll();
    core.shutdown(data.index);
    outbox.flush();
    scan.stop();
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
