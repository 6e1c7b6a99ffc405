/** The disk queue across crashes: reopening, unsynced and torn records after a kill -9, reading by positions rather than depth, and durable mode's held reads. */

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { DiskQueue } from '../../src/nsqd/disk/diskqueue.js';
import {
  afterCrashCopy,
  dat,
  drain,
  layout,
  logged,
  meta,
  open,
  putMany,
  queueLogs,
  range,
  readMeta,
  rec,
  useQueueDir,
} from '../helpers/diskqueue.js';

useQueueDir();

describe('DiskQueue restart and crash', () => {
  it('reopens where it was closed', () => {
    const q = open({ maxBytesPerFile: 100 });
    putMany(
      q,
      range(0, 5).map((i) => rec(i)),
    );
    assert.equal(q.peek()?.readUInt32BE(0), 0);
    q.advance();
    assert.equal(q.peek()?.readUInt32BE(0), 1);
    q.advance();
    q.close();
    const r = open({ maxBytesPerFile: 100 });
    assert.equal(r.depth, 3);
    assert.deepEqual(drain(r), [2, 3, 4]);
  });

  /** Runs `crash` on a copy of the queue's directory taken while `q` is still open (a kill -9's view). */
  function afterCrash(q: DiskQueue, crash: (crashed: string) => void): void {
    afterCrashCopy((crashed) => {
      q.close();
      crash(crashed);
    });
  }

  it('metadata behind the data after a crash: writes go to a new file, the unsynced records are counted and read', () => {
    const q = open();
    putMany(
      q,
      range(0, 3).map((i) => rec(i)),
    );
    q.sync();
    putMany(q, [rec(3), rec(4)]); // written, but the metadata still says 3 records
    afterCrash(q, (crashed) => {
      const r = open({}, crashed);
      assert.ok(logged('metadata writePos 102 < file size of 170, skipping to new file'));
      assert.ok(logged('depth 3 in the metadata, 5 records in the files'));
      assert.deepEqual(r.state, { depth: 5, readFileNum: 0, readPos: 0, writeFileNum: 1, writePos: 0 });
      r.put(rec(5));
      assert.equal(r.depth, 6);
      assert.deepEqual(drain(r), range(0, 6));
      assert.ok(!logged('depth at tail'), 'depth and positions agree all the way');
      assert.equal(r.depth, 0);
      r.close();
    });
  });

  it('a torn last record after a crash is cut off, never read half; the rest is counted', () => {
    const q = open();
    putMany(
      q,
      range(0, 3).map((i) => rec(i)),
    );
    q.sync();
    q.put(rec(3));
    afterCrash(q, (crashed) => {
      fs.appendFileSync(dat(0, crashed), layout([rec(4)]).subarray(0, 14)); // a length header and 10 of 30 bytes
      const r = open({}, crashed);
      assert.ok(logged('ends in a torn record: truncating 150 to 136'));
      assert.equal(fs.statSync(dat(0, crashed)).size, 136);
      assert.equal(r.depth, 4);
      assert.deepEqual(drain(r), range(0, 4));
      assert.ok(!fs.existsSync(`${dat(0, crashed)}.bad`));
      assert.equal(r.depth, 0);
    });
  });

  it('reads by positions, not by depth: metadata saying depth 0 with readPos < writePos delivers every record', () => {
    const q = open({ maxBytesPerFile: 102 });
    putMany(
      q,
      range(0, 7).map((i) => rec(i)),
    ); // files 0 and 1 full, file 2 has one record
    assert.equal(drain(q).length, 7);
    q.close();
    fs.writeFileSync(dat(0), layout(range(0, 3).map((i) => rec(i))));
    fs.writeFileSync(dat(1), layout(range(3, 6).map((i) => rec(i))));
    // the stranded state: depth 0, yet 2 whole files and one record lie between read and write
    fs.writeFileSync(meta(), '0\n0,34\n2,34\n');
    const r = open({ maxBytesPerFile: 102 });
    assert.ok(logged('depth 0 in the metadata, 6 records in the files'));
    assert.equal(r.depth, 6);
    assert.equal(r.hasData, true);
    assert.deepEqual(drain(r), [1, 2, 3, 4, 5, 6]);
    assert.equal(r.depth, 0);
    assert.equal(r.hasData, false);
  });

  it('hasData follows the positions even when the depth counter says 0', () => {
    fs.writeFileSync(dat(0), layout([rec(0), rec(1)]));
    fs.writeFileSync(meta(), '0\n0,0\n0,68\n');
    const r = open();
    assert.equal(r.hasData, true);
    assert.deepEqual(drain(r), [0, 1]);
  });

  it('salvages data files when the metadata is missing or malformed', () => {
    const q = open({ maxBytesPerFile: 100 });
    putMany(
      q,
      range(0, 7).map((i) => rec(i)),
    );
    q.close();
    const other = open({ name: 'q:c' }); // another queue's files in the same directory are not touched
    other.put(rec(99));
    other.close();
    fs.writeFileSync(meta(), 'garbage');
    const r = open({ maxBytesPerFile: 100 });
    assert.ok(logged('failed to retrieveMetaData') && logged('recovering 7 records from files 0..3'));
    assert.equal(r.depth, 7);
    r.put(rec(7)); // into file 4, never over file 0
    assert.deepEqual(drain(r), range(0, 8));
    assert.equal(queueLogs().filter((l) => l.startsWith('error')).length, 1);
    assert.deepEqual(drain(open({ name: 'q:c' })), [99]);
  });
});

describe('DiskQueue held reads (durable mode)', () => {
  it('the persisted read position waits for the oldest unreleased record; a crash reads it again', () => {
    const q = open({ holdReads: true });
    putMany(
      q,
      range(0, 4).map((i) => rec(i)),
    );
    const tickets: number[] = [];
    for (let i = 0; i < 3; i++) {
      assert.ok(q.peek() !== null);
      tickets.push(q.advance());
    }
    assert.equal(q.heldReads, 3);
    assert.deepEqual(q.state, { depth: 4, readFileNum: 0, readPos: 0, writeFileNum: 0, writePos: 136 });
    q.release(tickets[1]!); // out of order: the head is still record 0
    assert.deepEqual([q.state.readPos, q.state.depth], [0, 4]);
    q.release(tickets[0]!); // records 0 and 1 are done: the head moves to record 2
    assert.deepEqual([q.state.readPos, q.state.depth, q.heldReads], [68, 2, 1]);
    q.release(tickets[0]!); // a second release is ignored
    assert.equal(q.heldReads, 1);
    q.sync();
    afterCrashCopy((crashed) => {
      const r = open({ holdReads: true }, crashed);
      assert.deepEqual(drain(r), [2, 3], 'the unreleased record 2 comes back');
    });
    q.release(tickets[2]!);
    assert.deepEqual(q.state, { depth: 1, readFileNum: 0, readPos: 102, writeFileNum: 0, writePos: 136 });
  });

  it('a complete file is deleted only once no held record is in it; close drops what is held', () => {
    const q = open({ holdReads: true, maxBytesPerFile: 68 }); // two records per file
    putMany(
      q,
      range(0, 6).map((i) => rec(i)),
    );
    q.peek();
    const t0 = q.advance();
    for (let i = 1; i < 5; i++) {
      q.peek();
      q.release(q.advance());
    }
    assert.ok(fs.existsSync(dat(0)) && fs.existsSync(dat(1)), 'files 0 and 1 kept: record 0 is held');
    assert.deepEqual([q.state.readFileNum, q.state.readPos, q.state.depth], [0, 0, 6]);
    q.release(t0);
    assert.ok(!fs.existsSync(dat(0)) && !fs.existsSync(dat(1)));
    assert.deepEqual([q.state.readFileNum, q.state.readPos, q.state.depth], [2, 34, 1]);
    q.peek();
    q.advance();
    q.close();
    assert.equal(readMeta(), '0\n2,68\n2,68\n', 'a clean close keeps no held record');
  });
});
