/**
 * A worker shard stopping with publishes still in its inbound ring: the io thread answered them OK
 * when it put them there (pre-ack), so the shard takes every one before it writes its queues and
 * exits. Drives a real shard worker through its host, with no broker in between, so that the stop
 * reaches the shard while it has stopped taking records (its outbound ring is full).
 */

import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { Logger } from '../../src/log.js';
import { PREACKED, type ShardAnswers } from '../../src/nsqd/contract/shard.js';
import { ShardHost } from '../../src/nsqd/shard/host.js';
import { encodeMpubBody } from '../../src/wire/encode.js';
import { tempDataPath } from '../helpers/broker.js';
import { run } from '../helpers/options.js';

const NO_ANSWERS: ShardAnswers = {
  ok() {},
  error() {},
  deliver() {},
  deliverFrame() {},
  close() {},
  shardLost() {},
  ringSpace() {},
};

it('a stopping shard takes every pre-acked publish left in its ring before it writes its queues', async () => {
  const dataPath = tempDataPath();
  try {
    const { options } = run([`--data-path=${dataPath}`, '--workers=1']);
    const host = new ShardHost(
      options,
      1,
      NO_ANSWERS,
      { health() {}, metaChanged() {}, topology() {}, lost() {} },
      Logger.silent(),
    );
    await host.control(0, { op: 'health' }); // the worker is up
    const link = host.links[0]!;
    assert.equal(link.preAcks, true);
    // a consumer ready for 2500 messages of 2 KB: its deliveries fill the outbound ring, so the shard
    // stops taking inbound records until the io thread drains them
    assert.ok(link.subscribe(7, 'stop_t', 'ch', 60000, 0));
    assert.ok(link.ready(7, 2500));
    const mpub = encodeMpubBody(Array.from({ length: 100 }, (_, i) => Buffer.alloc(2000, i)));
    const body = mpub.subarray(4); // the records after MPUB's count
    let batches = 0;
    while (batches < 60 && link.publishBatch(PREACKED, 'stop_t', body, 0, body.length, 100)) batches++;
    link.flushRing();
    // the io thread is busy: it drains nothing while the shard fills the outbound ring and waits
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    await host.close(); // the link stops draining; the shard hears of the stop with records in its ring
    const meta = readFileSync(join(dataPath, 'stop_t:ch.diskqueue.meta.dat'), 'latin1');
    assert.equal(
      Number(meta.split('\n')[0]),
      batches * 100,
      `channel depth on disk (meta: ${JSON.stringify(meta)})`,
    );
  } finally {
    rmSync(dataPath, { recursive: true, force: true });
  }
});
