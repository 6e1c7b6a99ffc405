/**
 * The data directory at start-up: the bounded create (procfs, regular files, missing parents) and
 * the flock(1) holder (held, busy, released, lost, absent), and lockDataDir's choice between it, an
 * inherited flock and the lock-file fallback (no flock(1), or one that fails).
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { lockDataDir, prepareDataPath } from '../../src/nsqd/disk/data-dir.js';
import { holdFlock } from '../../src/nsqd/disk/flock.js';
import { tempDirs } from '../helpers/tmp.js';

const MODULE_URL = new URL('../../src/nsqd/disk/data-dir.js', import.meta.url).href;
const tmp = tempDirs('datadir');

const hasFlock = spawnSync('flock', ['--version']).status === 0;
const otherCanLock = (dir: string) => spawnSync('flock', ['--nonblock', dir, 'true']).status === 0;

/** runs `f` with PATH set to `value` (spawn reads it when called) */
async function withPath<T>(value: string, f: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = value;
  try {
    return await f();
  } finally {
    process.env.PATH = saved;
  }
}

describe('prepareDataPath', () => {
  it('creates missing parents and accepts an existing directory', () => {
    const d = path.join(tmp(), 'a', 'b', 'c');
    prepareDataPath(d);
    assert.ok(statSync(d).isDirectory());
    prepareDataPath(d);
    prepareDataPath(`${d}/`);
  });

  it('fails at once on procfs, naming the flag and the path', { skip: !existsSync('/proc/self') }, () => {
    const t0 = performance.now();
    assert.throws(() => prepareDataPath('/proc/nope/deeper'), {
      message:
        'failed to create data-path: mkdir /proc/nope: no such file or directory (--data-path=/proc/nope/deeper)',
    });
    assert.ok(performance.now() - t0 < 1000);
  });

  it('refuses a regular file in the way', () => {
    const f = path.join(tmp(), 'f');
    writeFileSync(f, '');
    assert.throws(() => prepareDataPath(`${f}/x`), {
      message: `failed to create data-path: mkdir ${f}: not a directory (--data-path=${f}/x)`,
    });
  });
});

describe('holdFlock (util-linux flock(1))', { skip: hasFlock ? false : 'no flock(1)' }, () => {
  it('holds a flock(2) others see until released; a second holder is told busy', async () => {
    const d = tmp();
    const lost: string[] = [];
    const r = await holdFlock(d, (why) => lost.push(why));
    assert.equal(r.kind, 'held');
    if (r.kind !== 'held') return;
    assert.equal(otherCanLock(d), false);
    assert.deepEqual(await holdFlock(d, () => {}), { kind: 'busy' });
    await r.holder.release();
    assert.equal(otherCanLock(d), true);
    assert.deepEqual(lost, [], 'a release is not a loss');
    await r.holder.release(); // idempotent
  });

  it('reports a holder that dies while the lock is wanted', async () => {
    const d = tmp();
    let lost = '';
    const r = await holdFlock(d, (why) => (lost = why));
    assert.equal(r.kind, 'held');
    if (r.kind !== 'held') return;
    process.kill(r.holder.pid, 'SIGKILL');
    for (let i = 0; i < 100 && lost === ''; i++) await new Promise((res) => setTimeout(res, 10));
    assert.match(
      lost,
      new RegExp(`flock\\(1\\) process holding it \\(pid ${r.holder.pid}\\) exited with SIGKILL`),
    );
    await r.holder.release();
  });

  it('is absent without flock(1) on PATH, and says why when it cannot open the path', async () => {
    assert.deepEqual(await withPath('/nonexistent', () => holdFlock(tmp(), () => {})), { kind: 'absent' });
    const r = await holdFlock(path.join(tmp(), 'missing', 'dir'), () => {}); // flock(1) creates only a leaf
    assert.equal(r.kind, 'failed');
    assert.match(r.kind === 'failed' ? r.reason : '', /missing/);
  });
});

describe('lockDataDir', () => {
  it('uses flock(1) when installed', { skip: hasFlock ? false : 'no flock(1)' }, async () => {
    const d = tmp();
    const l = await lockDataDir(d, () => {});
    assert.match(l.how, /^flock\(2\) held by flock\(1\) pid \d+$/);
    assert.equal(otherCanLock(d), false);
    await l.release();
    assert.equal(otherCanLock(d), true);
  });

  it('falls back to the lock file without flock(1), and says so', async () => {
    const d = tmp();
    const l = await withPath('/nonexistent', () => lockDataDir(d, () => {}));
    assert.match(l.how, /^lock file \.nsq-ts\.lock and a \/proc\/locks check \(no flock\(1\) on PATH/);
    assert.ok(existsSync(path.join(d, '.nsq-ts.lock')));
    await l.release();
    assert.ok(!existsSync(path.join(d, '.nsq-ts.lock')));
  });

  it('falls back to the lock file when flock(1) fails for another reason, and says why', async () => {
    const bin = tmp();
    writeFileSync(path.join(bin, 'flock'), '#!/bin/sh\necho "flock: unrecognized option" >&2\nexit 64\n', {
      mode: 0o755,
    });
    const d = tmp();
    const l = await withPath(`${bin}:${process.env.PATH}`, () => lockDataDir(d, () => {}));
    assert.match(
      l.how,
      /^lock file \.nsq-ts\.lock and a \/proc\/locks check \(flock\(1\) failed: flock: unrecognized option:/,
    );
    assert.ok(existsSync(path.join(d, '.nsq-ts.lock')));
    await l.release();
  });

  it(
    'takes nothing more under a `flock -n <dir> nsqd` wrapper',
    { skip: hasFlock ? false : 'no flock(1)' },
    () => {
      const d = tmp();
      const script = `import { lockDataDir } from ${JSON.stringify(MODULE_URL)};
      const l = await lockDataDir(${JSON.stringify(d)}, () => {}); console.log(l.how); await l.release();`;
      const r = spawnSync('flock', ['-xn', d, process.execPath, '--input-type=module', '-e', script]);
      assert.equal(r.stderr.toString(), '');
      assert.equal(r.stdout.toString(), 'flock(2) inherited from the parent process\n');
    },
  );

  it("fails like Go's os.Open for a missing directory", async () => {
    const d = path.join(tmp(), 'nope');
    await assert.rejects(
      lockDataDir(d, () => {}),
      {
        message: `failed to lock data-path: open ${d}: no such file or directory`,
      },
    );
  });
});
