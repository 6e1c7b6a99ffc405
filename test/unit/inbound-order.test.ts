/**
 * Several io threads feed one shard: each io thread's link publishes batches that begin with their
 * place in the shard's publish counter, and the shard takes the rings' batches in that order —
 * whichever ring they are in — and resumes a batch where a take stopped midway.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IoAnswers, ShardCommands } from '../../src/nsqd/contract/shard.js';
import { InboundOrder } from '../../src/nsqd/shard/inbound-order.js';
import { createRingBuffer, RingReader } from '../../src/nsqd/shard/ring.js';
import { WorkerLink } from '../../src/nsqd/shard/worker-link.js';

/** the commands a shard took, as `topic:body` of each PUB */
function recorder(): { core: ShardCommands; taken: string[] } {
  const taken: string[] = [];
  const noop = (): void => {};
  const core: ShardCommands = {
    publishOne: (_c, _k, topic, _d, buf, start, end) => {
      taken.push(`${topic}:${buf.toString('latin1', start, end)}`);
    },
    publishBatch: noop,
    subscribe: noop,
    ready: noop,
    finish: noop,
    requeue: noop,
    touch: noop,
    startClose: noop,
    disconnect: (conn) => {
      taken.push(`gone:${conn}`);
    },
    adopt: noop,
  };
  return { core, taken };
}

const answers = {} as IoAnswers;

/** K io threads' links to one shard, and the shard's view of their rings */
function shard(k: number): { links: WorkerLink[]; order: InboundOrder } {
  const inbound = Array.from({ length: k }, () => createRingBuffer(64 * 1024));
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const links = inbound.map(
    (r) => new WorkerLink(0, r, createRingBuffer(64 * 1024), answers, false, inbound[0], counter),
  );
  return { links, order: new InboundOrder(inbound.map((r) => new RingReader(r))) };
}
function pub(l: WorkerLink, body: string): void {
  const b = Buffer.from(body, 'latin1');
  assert.equal(l.publishOne(1, 0, 't', 0, b, 0, b.length), true);
}

describe('inbound order across io threads', () => {
  test('batches are taken in the order they were published, not by ring', () => {
    const { links, order } = shard(3);
    const { core, taken } = recorder();
    // published: ring 2, then ring 0, then ring 1, then ring 2 again
    pub(links[2]!, 'a');
    pub(links[2]!, 'b');
    links[2]!.flushRing();
    pub(links[0]!, 'c');
    links[0]!.flushRing();
    links[1]!.disconnect(7);
    links[1]!.flushRing();
    pub(links[2]!, 'd');
    links[2]!.flushRing();
    // written but not published: not taken
    pub(links[0]!, 'late');
    assert.equal(
      order.take(
        core,
        () => true,
        () => {},
      ),
      5,
    );
    assert.deepEqual(taken, ['t:a', 't:b', 't:c', 'gone:7', 't:d']);
    links[0]!.flushRing();
    order.take(
      core,
      () => true,
      () => {},
    );
    assert.deepEqual(taken.at(-1), 't:late');
  });

  test('a take that stops midway resumes the same batch before a later one', () => {
    const { links, order } = shard(2);
    const { core, taken } = recorder();
    for (const b of ['a', 'b', 'c']) pub(links[1]!, b);
    links[1]!.flushRing();
    pub(links[0]!, 'd');
    links[0]!.flushRing();
    let left = 2;
    assert.equal(
      order.take(
        core,
        () => left-- > 0,
        () => {},
      ),
      2,
    );
    assert.deepEqual(taken, ['t:a', 't:b']);
    order.take(
      core,
      () => true,
      () => {},
    );
    assert.deepEqual(taken, ['t:a', 't:b', 't:c', 't:d']);
  });
});
