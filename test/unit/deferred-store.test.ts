/**
 * The on-disk deferred store (disk/deferred-store.ts) in a temp dir: records come back only once
 * their minute has begun, with their due time and bytes; a new store resumes the files; a torn tail
 * record is skipped; clear() removes the directory.
 */

import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { BUCKET_MS, DeferredStore } from '../../src/nsqd/disk/deferred-store.js';
import { tempDataPath } from '../helpers/broker.js';

const T0 = 1_800_000_000_000 - (1_800_000_000_000 % BUCKET_MS); // a minute's start

describe('deferred store', () => {
  const dirs: string[] = [];
  const fresh = (): string => {
    const d = tempDataPath();
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function taken(s: DeferredStore, now: number): [number, string][] {
    const out: [number, string][] = [];
    s.takeBegun(now, (due, p) => out.push([due, p.toString()]));
    return out;
  }

  it('hands records back by the minute they are due in, written or not', () => {
    const dir = fresh();
    const errors: string[] = [];
    const s = new DeferredStore(dir, 't:c', (m) => errors.push(m));
    s.add(T0 + 5, Buffer.from('a'));
    s.add(T0 + BUCKET_MS + 7, Buffer.from('b'));
    s.add(T0 + 3 * BUCKET_MS, Buffer.from('c'));
    s.flush();
    s.add(T0 + 59_999, Buffer.from('d')); // still waiting for a flush
    assert.equal(s.count, 4);
    assert.equal(s.nextDue, T0);
    assert.deepEqual(taken(s, T0 - 1), []);
    assert.deepEqual(taken(s, T0), [
      [T0 + 5, 'a'],
      [T0 + 59_999, 'd'],
    ]);
    assert.equal(s.count, 2);
    assert.deepEqual(taken(s, T0 + 2 * BUCKET_MS), [[T0 + BUCKET_MS + 7, 'b']]);
    assert.deepEqual(readdirSync(join(dir, 't:c.deferred')), [`${T0 / BUCKET_MS + 3}.dat`]);
    assert.deepEqual(errors, []);
  });

  it('a new store resumes the files, skipping a torn tail', () => {
    const dir = fresh();
    const s = new DeferredStore(dir, 't:c', () => {});
    s.add(T0 + 1, Buffer.from('kept'));
    s.add(T0 + 2, Buffer.from('also'));
    s.flush();
    appendFileSync(join(dir, 't:c.deferred', `${T0 / BUCKET_MS}.dat`), Buffer.from([0, 0, 0, 40, 1, 2]));
    assert.equal(DeferredStore.exists(dir, 't:c'), true);
    const again = new DeferredStore(dir, 't:c', () => {});
    assert.equal(again.count, 2);
    assert.deepEqual(taken(again, T0 + BUCKET_MS), [
      [T0 + 1, 'kept'],
      [T0 + 2, 'also'],
    ]);
    assert.equal(again.count, 0);
  });

  it('clear() drops everything and removes the directory', () => {
    const dir = fresh();
    const s = new DeferredStore(dir, 't:c', () => {});
    s.add(T0, Buffer.from('x'));
    s.flush();
    s.clear();
    assert.equal(s.count, 0);
    assert.equal(existsSync(join(dir, 't:c.deferred')), false);
    assert.equal(DeferredStore.exists(dir, 't:c'), false);
  });
});
