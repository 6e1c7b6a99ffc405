/**
 * A shard's disk side on real files: a batch stages its records and writes them with one write
 * per queue at its end; a write that fails hands the records back to their owner (kept in memory)
 * or, where there is none, fails the batch — and the shard's health follows.
 */

import assert from 'node:assert/strict';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultOptions } from '../../src/nsqd/options/cli.js';
import { BodyStore } from '../../src/nsqd/queue/body-store.js';
import { Message, PubBatch } from '../../src/nsqd/queue/message.js';
import { type DiskOwner, ShardDisk } from '../../src/nsqd/queue/shard-disk.js';
import { tempDirs } from '../helpers/tmp.js';

const tempDir = tempDirs('shard-disk');

class Owner implements DiskOwner {
  kept: string[] = [];
  writtenCalls = 0;
  keep(m: Message): void {
    this.kept.push(
      m.batch.slab.toString('latin1', m.offset + m.batch.shift, m.offset + m.batch.shift + m.length),
    );
  }
  written(): void {
    this.writtenCalls++;
  }
}

function setup() {
  const dataPath = tempDir();
  const health: (string | null)[] = [];
  const disk = new ShardDisk(
    { ...defaultOptions(), dataPath },
    { health: (e) => health.push(e), log: () => {} },
  );
  return { dataPath, disk, health };
}

/** the bodies, as one arriving publish */
function arriving(bodies: string[]): { batch: PubBatch; at: number[] } {
  const src = Buffer.from(bodies.join(''), 'latin1');
  const batch = PubBatch.arriving(src, 0, src.length, new BodyStore(), 0);
  const at: number[] = [];
  let p = 0;
  for (const b of bodies) {
    at.push(p);
    p += b.length;
  }
  return { batch, at };
}

function bodiesOf(disk: ShardDisk, q: ReturnType<ShardDisk['open']>): string[] {
  const out: string[] = [];
  for (let m = disk.read(q); m !== null; m = disk.read(q)) {
    out.push(m.batch.slab.toString('latin1', m.offset + m.batch.shift, m.offset + m.batch.shift + m.length));
  }
  return out;
}

describe('ShardDisk batches', () => {
  it('stages records until endBatch, then writes each queue once and tells its owner', () => {
    const { disk } = setup();
    const a = disk.open('t');
    const b = disk.open('t:ch');
    const ownerA = new Owner();
    const ownerB = new Owner();
    const bodies = ['one', 'two', 'three'];
    const { batch, at } = arriving(bodies);
    disk.beginBatch();
    bodies.forEach((body, i) => {
      disk.stage(a, ownerA, 0, i, batch, at[i]!, body.length, 0);
      disk.stage(b, ownerB, 0, i, batch, at[i]!, body.length, 1);
    });
    assert.equal(a.hasData, false, 'nothing written before the batch ends');
    assert.equal(disk.endBatch(), null);
    assert.deepEqual([a.depth, b.depth], [3, 3]);
    assert.deepEqual([ownerA.writtenCalls, ownerB.writtenCalls], [1, 1]);
    assert.deepEqual(bodiesOf(disk, a), bodies);
    const m = disk.read(b);
    assert.ok(m instanceof Message);
    assert.equal(m.attempts, 1);
  });

  it('outside a batch, stage writes at once', () => {
    const { disk } = setup();
    const q = disk.open('now');
    const { batch, at } = arriving(['x']);
    disk.stage(q, null, 0, 1, batch, at[0]!, 1, 0);
    assert.equal(q.depth, 1);
  });

  it('a failed write hands the records back to their owner, or fails the batch where there is none', (t) => {
    if (!existsSync('/dev/full')) return t.skip('no /dev/full on this machine');
    const { dataPath, disk, health } = setup();
    for (const name of ['full', 'full:ch']) {
      writeFileSync(path.join(dataPath, `${name}.diskqueue.meta.dat`), '0\n0,0\n0,0\n');
      symlinkSync('/dev/full', path.join(dataPath, `${name}.diskqueue.000000.dat`));
    }
    const topicQ = disk.open('full');
    const channelQ = disk.open('full:ch');
    const owner = new Owner();
    const bodies = ['a', 'bb', 'ccc'];
    const { batch, at } = arriving(bodies);
    disk.beginBatch();
    bodies.forEach((body, i) => {
      disk.stage(channelQ, owner, 0, i, batch, at[i]!, body.length, 0);
      disk.stage(topicQ, null, 0, i, batch, at[i]!, body.length, 0);
    });
    const err = disk.endBatch();
    assert.ok(err !== null, 'the ownerless queue fails the batch');
    assert.deepEqual(owner.kept, bodies, 'the channel keeps every record in memory, with its body');
    assert.equal(owner.writtenCalls, 1);
    assert.match(disk.health ?? '', /^failed to write to diskqueue - /);
    assert.match(health.at(-1) ?? '', /^failed to write to diskqueue - /);
  });
});
