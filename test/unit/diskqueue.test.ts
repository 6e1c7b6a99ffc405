/** The go-diskqueue compatible disk queue against real temp directories: byte layout, read-ahead, rollover, every corruption case, empty/delete, sync policy and write errors. */

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  dat,
  drain,
  files,
  layout,
  logged,
  meta,
  open,
  putMany,
  queueDir,
  queueLogs,
  range,
  readMeta,
  rec,
  useQueueDir,
} from '../helpers/diskqueue.js';
import { prng } from '../helpers/prng.js';

useQueueDir();

describe('DiskQueue byte format', () => {
  it('writes [int32 BE len][payload] records and the exact 3-line metadata', () => {
    const q = open();
    const recs = [rec(0, 30), rec(1, 26), rec(2, 100)];
    q.put(recs[0]!);
    putMany(q, recs.slice(1));
    assert.equal(q.depth, 3);
    q.close();
    assert.deepEqual(fs.readFileSync(dat(0)), layout(recs));
    assert.equal(readMeta(), '3\n0,0\n0,168\n');
    const r = open();
    assert.deepEqual(r.peek(), recs[0]);
    r.advance();
    r.close();
    assert.equal(readMeta(), '2\n0,34\n0,168\n');
    assert.deepEqual(files(), ['q.diskqueue.000000.dat', 'q.diskqueue.meta.dat']);
  });

  it('drains a hand-built go-diskqueue directory spanning 3 files, in order, deleting complete files', () => {
    const groups = [range(0, 3), range(3, 5), range(5, 8)];
    groups.forEach((g, k) => {
      fs.writeFileSync(dat(3 + k), layout(g.map((i) => rec(i, 26 + i))));
    });
    const last = fs.statSync(dat(5)).size;
    fs.writeFileSync(meta(), `8\n3,0\n5,${last}\n`);
    const q = open();
    assert.equal(q.depth, 8);
    assert.deepEqual(drain(q), range(0, 8));
    assert.equal(q.depth, 0);
    q.close();
    assert.deepEqual(files(), ['q.diskqueue.000005.dat', 'q.diskqueue.meta.dat']);
    assert.equal(readMeta(), `0\n5,${last}\n5,${last}\n`);
    assert.equal(queueLogs().filter((l) => l.startsWith('error') || l.startsWith('warn')).length, 0);
  });

  it('starts at the metadata read position inside a file', () => {
    fs.writeFileSync(dat(0), layout(range(0, 4).map((i) => rec(i))));
    fs.writeFileSync(meta(), '2\n0,68\n1,0\n');
    assert.deepEqual(drain(open()), [2, 3]);
    assert.equal(fs.existsSync(dat(0)), false);
  });
});

describe('DiskQueue read-ahead', () => {
  it('serves records larger than the read chunk and records straddling chunk boundaries', () => {
    const sizes = [60_000, 10_000, 200_000, 30, 70_000, 65_532];
    const q = open({ maxMsgSize: 300_000, maxBytesPerFile: 250_000 });
    const recs = sizes.map((s, i) => rec(i, s));
    putMany(q, recs.slice(0, 3));
    assert.deepEqual(q.peek(), recs[0]);
    q.advance();
    putMany(q, recs.slice(3));
    for (const r of recs.slice(1)) {
      assert.deepEqual(q.peek(), r);
      q.advance();
    }
    assert.equal(q.peek(), null);
  });
});

describe('DiskQueue rollover', () => {
  const sizes = [30, 30, 30, 200, 30];
  it('rolls over before a write that would pass maxBytesPerFile; an oversized record sits alone', () => {
    const q = open({ maxBytesPerFile: 100 });
    sizes.forEach((s, i) => {
      q.put(rec(i, s));
    });
    assert.deepEqual(files(), [0, 1, 2, 3].map((n) => path.basename(dat(n))).concat('q.diskqueue.meta.dat'));
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => fs.statSync(dat(n)).size),
      [68, 34, 204, 34],
    );
    assert.deepEqual(q.state, { depth: 5, readFileNum: 0, readPos: 0, writeFileNum: 3, writePos: 34 });
    assert.equal(readMeta(), '4\n0,0\n3,0\n'); // the rollover sync, before the last write
    assert.deepEqual(drain(q), range(0, 5));
  });

  it('putPacked lays out exactly what the same puts would', () => {
    const q = open({ maxBytesPerFile: 100 });
    putMany(
      q,
      sizes.map((s, i) => rec(i, s)),
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => fs.statSync(dat(n)).size),
      [68, 34, 204, 34],
    );
    assert.deepEqual(fs.readFileSync(dat(2)), layout([rec(3, 200)]));
    assert.equal(q.depth, 5);
    assert.deepEqual(drain(q), range(0, 5));
  });

  it('deletes a complete file only once its last record is taken', () => {
    const q = open({ maxBytesPerFile: 68 });
    putMany(
      q,
      range(0, 3).map((i) => rec(i)),
    );
    q.peek();
    q.advance();
    assert.equal(q.peek()?.readUInt32BE(0), 1);
    assert.equal(fs.existsSync(dat(0)), true);
    q.advance();
    assert.equal(fs.existsSync(dat(0)), false);
    assert.deepEqual(drain(q), [2]);
  });

  it('reads complete files to their actual size after maxBytesPerFile changed', () => {
    for (const max of [1000, 40]) {
      const q = open({ maxBytesPerFile: 100 });
      putMany(
        q,
        range(0, 7).map((i) => rec(i)),
      );
      q.close();
      const r = open({ maxBytesPerFile: max });
      assert.deepEqual(drain(r), range(0, 7));
      r.deleteQueue();
    }
    assert.equal(logged('.bad'), false);
  });

  it('never quarantines a file the reader finished exactly at the limit before the writer rolled (upstream #38)', () => {
    const q = open({ maxBytesPerFile: 68 });
    putMany(q, [rec(0), rec(1)]);
    assert.deepEqual(drain(q), [0, 1]); // reader sits at 68 of the current write file
    putMany(q, [rec(2), rec(3), rec(4)]);
    assert.deepEqual(drain(q), [2, 3, 4]);
    assert.equal(fs.existsSync(dat(0)), false);
    assert.equal(
      files().some((f) => f.endsWith('.bad')),
      false,
    );
  });

  it('keeps FIFO order and depth across random puts, takes and restarts (seeded)', () => {
    const rnd = prng(0xd15c);
    const model: number[] = [];
    let q = open({ maxBytesPerFile: 150, syncEvery: 7 });
    let next = 0;
    for (let step = 0; step < 3000; step++) {
      const x = rnd();
      if (x < 0.35) q.put(rec(model[model.push(next++) - 1]!, 26 + Math.floor(rnd() * 120)));
      else if (x < 0.45) {
        const batch = range(next, (next += 1 + Math.floor(rnd() * 5)));
        putMany(
          q,
          batch.map((i) => rec(i, 26 + Math.floor(rnd() * 120))),
        );
        model.push(...batch);
      } else if (x < 0.97) {
        const r = q.peek();
        assert.equal(r?.readUInt32BE(0), model[0]);
        if (r !== null && rnd() < 0.9) {
          q.advance();
          model.shift();
        }
      } else {
        q.close();
        q = open({ maxBytesPerFile: 150, syncEvery: 7 });
      }
      assert.equal(q.depth, model.length);
    }
    assert.deepEqual(drain(q), model);
    assert.equal(queueLogs().filter((l) => !l.startsWith('info')).length, 0);
  });
});

describe('DiskQueue corruption', () => {
  /** Three records per file, 3 files, closed; returns nothing, leaves metadata `9\n0,0\n2,102\n`. */
  function threeFiles(): void {
    const q = open({ maxBytesPerFile: 102 });
    putMany(
      q,
      range(0, 9).map((i) => rec(i)),
    );
    q.close();
    assert.equal(readMeta(), '9\n0,0\n2,102\n');
  }

  it('a truncated complete file: quarantined as .bad, the next file is read, depth reconciled', () => {
    threeFiles();
    fs.truncateSync(dat(0), 34 + 20);
    const q = open({ maxBytesPerFile: 102 });
    assert.deepEqual(drain(q), [0, 3, 4, 5, 6, 7, 8]);
    assert.ok(fs.existsSync(`${dat(0)}.bad`));
    assert.ok(logged('short read') && logged('positive depth at tail (2), data loss, resetting 0'));
    assert.equal(q.depth, 0);
    q.put(rec(9));
    assert.deepEqual(drain(q), [9]);
  });

  for (const [what, len] of [
    ['0', 0],
    ['negative', -1],
    ['> maxMsgSize', 1001],
  ] as const) {
    it(`a ${what} length in the current write file: .bad, writes move to a new file and still work`, () => {
      const q = open();
      putMany(
        q,
        range(0, 3).map((i) => rec(i)),
      );
      q.close();
      const fd = fs.openSync(dat(0), 'r+');
      fs.writeSync(fd, Buffer.from(Int32Array.of(len).buffer).reverse(), 0, 4, 34);
      fs.closeSync(fd);
      const r = open();
      assert.deepEqual(drain(r), [0]);
      assert.ok(logged(`invalid message read size (${len})`));
      assert.ok(fs.existsSync(`${dat(0)}.bad`));
      assert.deepEqual([r.depth, r.state.writeFileNum], [0, 1]);
      r.put(rec(3));
      assert.deepEqual(drain(r), [3]);
      assert.ok(fs.existsSync(dat(1)));
    });
  }

  it('a garbled length in a middle file: that file is skipped, the rest delivered', () => {
    threeFiles();
    fs.writeFileSync(dat(1), Buffer.alloc(102, 0xff));
    const q = open({ maxBytesPerFile: 102 });
    assert.deepEqual(drain(q), [0, 1, 2, 6, 7, 8]);
    assert.ok(fs.existsSync(`${dat(1)}.bad`) && logged('positive depth at tail (3), data loss'));
  });

  it('a missing middle file is skipped (logged), the rest delivered, depth reconciled', () => {
    threeFiles();
    fs.rmSync(dat(1));
    const q = open({ maxBytesPerFile: 102 });
    assert.deepEqual(drain(q), [0, 1, 2, 6, 7, 8]);
    assert.ok(logged('ENOENT') && logged('data loss'));
    assert.equal(q.depth, 0);
  });

  it('a current write file shorter than writePos: new write file, the old one read to its end', () => {
    const q = open();
    putMany(
      q,
      range(0, 3).map((i) => rec(i)),
    );
    q.close();
    fs.truncateSync(dat(0), 40);
    const r = open();
    assert.ok(logged('metadata writePos 102 > file size of 40, skipping to new file'));
    assert.ok(logged('truncating 40 to 34') && logged('depth 3 in the metadata, 1 records in the files'));
    assert.equal(r.depth, 1);
    r.put(rec(3));
    assert.deepEqual(drain(r), [0, 3]);
    assert.ok(!fs.existsSync(`${dat(0)}.bad`), 'a torn tail is cut off, not quarantined');
    assert.equal(r.depth, 0);
  });

  it('metadata past the writer, or with a depth but no data, is reset at open', () => {
    fs.writeFileSync(meta(), '4\n7,0\n2,0\n');
    const q = open();
    assert.deepEqual(q.state, { depth: 0, readFileNum: 8, readPos: 0, writeFileNum: 8, writePos: 0 });
    assert.ok(logged('data loss') && logged('corruption, skipping to next writeFileNum'));
    q.close();
    fs.writeFileSync(meta(), '-3\n2,0\n2,0\n');
    const r = open();
    assert.equal(r.depth, 0);
    assert.ok(logged('negative depth at tail (-3)'));
    assert.equal(r.peek(), null);
  });
});

describe('DiskQueue empty and delete', () => {
  it('empty() deletes data files read..write and the metadata, and the queue goes on', () => {
    const q = open({ maxBytesPerFile: 100 });
    putMany(
      q,
      range(0, 7).map((i) => rec(i)),
    );
    q.peek();
    q.advance();
    assert.equal(q.peek()?.readUInt32BE(0), 1);
    q.empty();
    assert.deepEqual(files(), []);
    assert.deepEqual(q.state, { depth: 0, readFileNum: 4, readPos: 0, writeFileNum: 4, writePos: 0 });
    assert.equal(q.peek(), null);
    q.put(rec(7));
    q.advance(); // the record peeked before empty() is gone: nothing is taken unseen
    assert.deepEqual(drain(q), [7]);
    q.close();
    assert.equal(readMeta(), '0\n4,34\n4,34\n');
  });

  it('deleteQueue() leaves no file behind and closes the queue', () => {
    const q = open({ maxBytesPerFile: 100 });
    putMany(
      q,
      range(0, 7).map((i) => rec(i)),
    );
    q.sync();
    q.deleteQueue();
    assert.deepEqual(files(), []);
    assert.equal(q.isClosed, true);
    assert.throws(() => q.put(rec(0)), /^Error: exiting$/);
    assert.equal(q.peek(), null);
  });
});

describe('DiskQueue sync policy', () => {
  it('syncs after syncEvery reads+writes, and on rollover', () => {
    const q = open({ syncEvery: 3 });
    putMany(q, [rec(0), rec(1)]);
    assert.deepEqual([fs.existsSync(meta()), q.writesSinceSync, q.opsSinceSync], [false, 2, 2]);
    q.put(rec(2));
    assert.deepEqual([readMeta(), q.writesSinceSync], ['3\n0,0\n0,102\n', 0]);
    drain(q);
    assert.equal(readMeta(), '0\n0,102\n0,102\n');
    const r = open({ maxBytesPerFile: 102 }); // syncEvery 1e6: only the rollover syncs
    r.put(rec(3));
    assert.equal(readMeta(), '0\n0,102\n1,0\n');
    assert.equal(r.needsSync, false);
  });

  it('tick() syncs every syncTimeoutMs when there was activity', () => {
    const q = open({ syncTimeoutMs: 1000 });
    q.tick(0);
    q.put(rec(0));
    q.tick(999);
    assert.equal(fs.existsSync(meta()), false);
    q.tick(1000);
    assert.equal(readMeta(), '1\n0,0\n0,34\n');
    fs.rmSync(meta());
    q.tick(2000); // no activity: no sync
    assert.equal(fs.existsSync(meta()), false);
    q.peek();
    q.advance();
    q.tick(2500);
    assert.equal(fs.existsSync(meta()), false);
    q.tick(3000);
    assert.equal(readMeta(), '0\n0,34\n0,34\n');
  });

  it('sync() writes the metadata through a tmp file and leaves none behind', () => {
    const q = open();
    putMany(q, [rec(0), rec(1)]);
    q.sync();
    assert.deepEqual(files(), ['q.diskqueue.000000.dat', 'q.diskqueue.meta.dat']);
    assert.equal(q.writesSinceSync, 0);
    q.closeAndSync();
    assert.equal(readMeta(), '2\n0,0\n0,68\n');
  });
});

describe('DiskQueue write errors', () => {
  it('rejects sizes outside [minMsgSize, maxMsgSize] with go-diskqueue text, writing nothing', () => {
    const q = open();
    assert.throws(() => q.put(Buffer.alloc(25)), {
      message: 'invalid message write size (25) minMsgSize=26 maxMsgSize=1000',
    });
    assert.throws(() => q.put(Buffer.alloc(1001)), /invalid message write size \(1001\)/);
    assert.throws(() => putMany(q, [rec(0), Buffer.alloc(3)]), /invalid message write size \(3\)/);
    assert.deepEqual([files(), q.depth], [[], 0]);
  });

  it('throws when the data file cannot be opened, and works again once it can', () => {
    const q = open();
    fs.mkdirSync(dat(0)); // works even as root, where permissions do not restrict
    assert.throws(() => q.put(rec(0)), { code: 'EISDIR' });
    assert.throws(() => putMany(q, [rec(0)]), { code: 'EISDIR' });
    assert.equal(q.depth, 0);
    fs.rmdirSync(dat(0));
    q.put(rec(1));
    assert.deepEqual(drain(q), [1]);
  });

  it(
    'throws on a read-only directory',
    { skip: process.getuid?.() === 0 ? 'root ignores permissions' : false },
    () => {
      const q = open();
      fs.chmodSync(queueDir(), 0o500);
      assert.throws(() => q.put(rec(0)), { code: 'EACCES' });
      assert.throws(() => q.sync(), { code: 'EACCES' });
    },
  );

  it('validates options by name', () => {
    assert.throws(() => open({ maxBytesPerFile: 0 }), /maxBytesPerFile/);
    assert.throws(() => open({ maxMsgSize: 10 }), /maxMsgSize/);
    assert.throws(() => open({ syncTimeoutMs: 0 }), /syncTimeoutMs/);
  });
});
