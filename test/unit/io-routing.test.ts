/**
 * What keeps several io threads apart: a connection id names its io thread (ConnectionTable), ids
 * wrap past those still in use, and a shard's answers go through the ring of the io thread the id
 * names (the routed outbox), dead letters through io thread 0's.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionTable } from '../../src/nsqd/acceptor/table.js';
import type { ShardAnswers } from '../../src/nsqd/contract/shard.js';
import { IO_THREAD_SHIFT, ioThreadOf, OUT_FORWARD, OUT_OK, PREACKED } from '../../src/nsqd/contract/shard.js';
import { createRingBuffer, RingReader } from '../../src/nsqd/shard/ring.js';
import { OFF_CONN, OFF_OP } from '../../src/nsqd/shard/ring-records.js';
import { outboxFor } from '../../src/nsqd/shard/routed-outbox.js';

const peer = {} as ShardAnswers;

describe('connection ids name their io thread', () => {
  test('each table gives ids with its thread in the top byte, never PREACKED', () => {
    for (const io of [0, 1, 5, 63]) {
      const t = new ConnectionTable(io);
      const ids = [t.newId(), t.newId(), t.newId()];
      for (const id of ids) {
        assert.notEqual(id, PREACKED);
        assert.equal(ioThreadOf(id), io);
      }
      assert.equal(new Set(ids).size, 3);
    }
  });

  test('the sequence wraps, skipping ids still in use', () => {
    const t = new ConnectionTable(2);
    const first = t.newId();
    t.addPeer(first, peer);
    const max = (1 << IO_THREAD_SHIFT) - 1;
    let last = first;
    for (let i = 1; i < max; i++) last = t.newId();
    assert.equal(last & max, max, 'the last id of the sequence');
    // 1 is held by a peer: the wrap goes on to 2
    assert.equal(t.newId() & max, 2);
    assert.equal(ioThreadOf(last), 2);
  });
});

describe('a shard answers through the ring of the connection’s io thread', () => {
  function ringsOf(n: number): { sabs: SharedArrayBuffer[]; readers: RingReader[] } {
    const sabs = Array.from({ length: n }, () => createRingBuffer(64 * 1024));
    return { sabs, readers: sabs.map((s) => new RingReader(s)) };
  }
  function records(r: RingReader): [number, number][] {
    const out: [number, number][] = [];
    while (r.next()) out.push([r.buf[r.start + OFF_OP]!, r.buf.readUInt32BE(r.start + OFF_CONN)]);
    r.release();
    return out;
  }

  test('ok goes to the io thread named by the id; forward to io thread 0', () => {
    const { sabs, readers } = ringsOf(3);
    const box = outboxFor(sabs);
    const on1 = (1 << IO_THREAD_SHIFT) | 7;
    const on2 = (2 << IO_THREAD_SHIFT) | 9;
    box.ok(on2);
    box.ok(on1);
    box.ok(3);
    const slab = Buffer.from('body');
    box.forward('t', {
      idHi: 0,
      idLo: 1,
      attempts: 1,
      offset: 0,
      length: 4,
      batch: { slab, shift: 0, tsHi: 0, tsLo: 0 },
    });
    box.flush();
    assert.deepEqual(records(readers[0]!), [
      [OUT_OK, 3],
      [OUT_FORWARD, 0],
    ]);
    assert.deepEqual(records(readers[1]!), [[OUT_OK, on1 >>> 0]]);
    assert.deepEqual(records(readers[2]!), [[OUT_OK, on2 >>> 0]]);
  });
});
