/** The disk queue's background syncs (what the shards use): metadata written off the thread, never landing after a synchronous write, a rolled-over file kept open until its fsync is done, nothing resurrected after a delete. */

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import {
  drain,
  files,
  meta,
  open,
  putMany,
  queueLogs,
  readMeta,
  rec,
  useQueueDir,
} from '../helpers/diskqueue.js';

useQueueDir();

/** lets the threadpool finish what a background sync started: until `until` holds (at most 2 s), or 300 ms */
async function settle(until?: () => boolean): Promise<void> {
  const deadline = Date.now() + (until === undefined ? 300 : 2000);
  while (until?.() !== true && Date.now() < deadline) await turn();
  await new Promise((r) => setTimeout(r, 20));
}

const noErrors = (): void =>
  assert.deepEqual(
    queueLogs().filter((l) => !l.startsWith('info')),
    [],
  );

describe('DiskQueue background sync', () => {
  it('writes the metadata of the moment it started, off the thread, after syncEvery ops', async () => {
    const q = open({ syncEvery: 3, backgroundSync: true });
    putMany(q, [rec(0), rec(1), rec(2)]);
    assert.equal(q.writesSinceSync, 0);
    q.put(rec(3)); // after the snapshot: not in this sync's metadata
    await settle(() => fs.existsSync(meta()));
    assert.equal(readMeta(), '3\n0,0\n0,102\n');
    assert.deepEqual(files(), ['q.diskqueue.000000.dat', 'q.diskqueue.meta.dat']);
    q.close();
    assert.equal(readMeta(), '4\n0,0\n0,136\n');
    noErrors();
  });

  it('a sync requested while one runs follows it, with the newer positions', async () => {
    const q = open({ syncEvery: 2, backgroundSync: true });
    putMany(q, [rec(0), rec(1)]); // starts one
    putMany(q, [rec(2), rec(3)]); // asks for another while the first runs
    await settle(() => fs.existsSync(meta()) && readMeta() === '4\n0,0\n0,136\n');
    assert.equal(readMeta(), '4\n0,0\n0,136\n');
    q.close();
    noErrors();
  });

  it('a close while a background sync runs has the last word', async () => {
    const q = open({ syncEvery: 2, backgroundSync: true });
    putMany(q, [rec(0), rec(1)]);
    drain(q);
    q.close();
    assert.equal(readMeta(), '0\n0,68\n0,68\n');
    await settle();
    assert.equal(readMeta(), '0\n0,68\n0,68\n');
    assert.deepEqual(files(), ['q.diskqueue.000000.dat', 'q.diskqueue.meta.dat']);
    noErrors();
  });

  it('a synchronous sync while a background one runs is not overwritten by the older positions', async () => {
    const q = open({ syncEvery: 2, backgroundSync: true });
    putMany(q, [rec(0), rec(1)]); // starts a background sync of depth 2
    q.put(rec(2)); // below syncEvery: no new request
    q.sync(); // what --sync-publish does after a batch
    assert.equal(readMeta(), '3\n0,0\n0,102\n');
    await settle();
    assert.equal(readMeta(), '3\n0,0\n0,102\n');
    q.close();
    noErrors();
  });

  it('rolls over while the old file is being fsynced: it stays open until then, and every record reads back', async () => {
    const q = open({ maxBytesPerFile: 102, syncEvery: 1, backgroundSync: true });
    const recs = Array.from({ length: 12 }, (_, i) => rec(i));
    for (const r of recs) q.put(r);
    await settle();
    assert.equal(readMeta(), '12\n0,0\n3,102\n');
    q.close(); // else its syncs go on into the next test's (removed) directory
    const r = open({ maxBytesPerFile: 102, backgroundSync: true });
    assert.equal(drain(r).length, 12);
    r.close();
    noErrors();
  });

  it('a queue deleted while a background sync runs leaves no metadata behind', async () => {
    const q = open({ syncEvery: 1, backgroundSync: true });
    q.put(rec(0));
    q.deleteQueue();
    await settle();
    assert.deepEqual(files(), []);
    noErrors();
  });
});
