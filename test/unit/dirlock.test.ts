/** The data-directory lock: exclusive lock file, stale takeover, heartbeat rule and the /proc/locks flock check. */

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { acquireDataDirLock, LOCK_FILE } from '../../src/nsqd/disk/dirlock.js';
import { tempDirs } from '../helpers/tmp.js';

const MODULE_URL = new URL('../../src/nsqd/disk/dirlock.js', import.meta.url).href;
const tmp = tempDirs('lock');

const held = (dir: string, reason: string) =>
  `failed to lock data-path: cannot flock directory ${dir} - ${reason} (possibly in use by another instance of nsqd)`;

/** a lock file as a process with this pid/start in our boot and pid namespace would write it */
function forge(dir: string, pid: number, start: string): void {
  rmSync(path.join(dir, LOCK_FILE), { force: true });
  const l = acquireDataDirLock(dir);
  const mine = readFileSync(path.join(dir, LOCK_FILE), 'utf8');
  l.release();
  const lines = mine.split('\n');
  lines[0] = String(pid);
  lines[1] = `start=${start}`;
  writeFileSync(path.join(dir, LOCK_FILE), lines.join('\n'));
}

function procStart(pid: number): string {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ')[19]!;
}

function age(file: string, ms: number): void {
  const t = new Date(Date.now() - ms);
  utimesSync(file, t, t);
}

describe('acquireDataDirLock', () => {
  it('refuses a second acquire in the same process until released', () => {
    const d = tmp();
    const lockPath = path.join(d, LOCK_FILE);
    const l = acquireDataDirLock(d);
    assert.equal(readFileSync(lockPath, 'utf8').split('\n')[0], String(process.pid));
    assert.throws(() => acquireDataDirLock(d), {
      message: held(d, `already held by this process (lock file ${lockPath})`),
    });
    l.release();
    l.release(); // idempotent
    assert.equal(existsSync(lockPath), false);
    acquireDataDirLock(d).release();
  });

  it('takes over the lock of a dead process', () => {
    const d = tmp();
    const script = `import { acquireDataDirLock } from ${JSON.stringify(MODULE_URL)};
      acquireDataDirLock(${JSON.stringify(d)}); process.kill(process.pid, 'SIGKILL');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(r.signal, 'SIGKILL', r.stderr.toString());
    const lockPath = path.join(d, LOCK_FILE);
    assert.equal(readFileSync(lockPath, 'utf8').split('\n')[0], String(r.pid));
    const l = acquireDataDirLock(d);
    assert.equal(readFileSync(lockPath, 'utf8').split('\n')[0], String(process.pid));
    assert.deepEqual(
      execFileSync('ls', ['-A', d]).toString().trim().split('\n'),
      [LOCK_FILE],
      'no .stale files left',
    );
    l.release();
  });

  it(
    'refuses a live holder and takes over when the pid was reused (start time differs)',
    {
      skip: existsSync('/proc/self/stat') ? false : 'no /proc',
    },
    async () => {
      const d = tmp();
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
      try {
        const pid = child.pid!;
        forge(d, pid, procStart(pid));
        const lockPath = path.join(d, LOCK_FILE);
        assert.throws(() => acquireDataDirLock(d), {
          message: held(d, `held by nsq-ts pid ${pid} (lock file ${lockPath})`),
        });
        forge(d, pid, '1');
        acquireDataDirLock(d).release();
      } finally {
        child.kill();
      }
    },
  );

  it('judges a lock from another pid namespace or boot by its heartbeat', () => {
    const d = tmp();
    const lockPath = path.join(d, LOCK_FILE);
    writeFileSync(lockPath, '1\nstart=5\nboot=other-boot\npidns=pid:[1]\nhost=elsewhere\nnonce=x\n');
    assert.throws(() => acquireDataDirLock(d), {
      message: held(
        d,
        `held by pid 1 in another pid namespace or boot (fresh heartbeat) (lock file ${lockPath})`,
      ),
    });
    age(lockPath, 60_000);
    acquireDataDirLock(d).release();
  });

  it('refuses a fresh unreadable lock file and takes over an old one', () => {
    const d = tmp();
    const lockPath = path.join(d, LOCK_FILE);
    writeFileSync(lockPath, '');
    assert.throws(() => acquireDataDirLock(d), {
      message: held(d, `lock file is being written by another process (lock file ${lockPath})`),
    });
    age(lockPath, 60_000);
    acquireDataDirLock(d).release();
  });

  it('release leaves a lock file that is no longer ours', () => {
    const d = tmp();
    const lockPath = path.join(d, LOCK_FILE);
    const l = acquireDataDirLock(d);
    writeFileSync(lockPath, 'someone else\n');
    l.release();
    assert.equal(readFileSync(lockPath, 'utf8'), 'someone else\n');
  });

  it("fails like Go's os.Open for a missing directory", () => {
    const d = path.join(tmp(), 'nope');
    assert.throws(() => acquireDataDirLock(d), {
      message: `failed to lock data-path: open ${d}: no such file or directory`,
    });
  });
});

const flockBin = spawnSync('which', ['flock']).status === 0;
const skipFlock = flockBin && existsSync('/proc/locks') ? false : 'needs flock(1) and /proc/locks';

/** `flock -xn dir cat`: holds the flock until its stdin is closed */
async function holdFlock(dir: string): Promise<ChildProcess> {
  const child = spawn('flock', ['-xn', dir, 'cat'], { stdio: ['pipe', 'ignore', 'inherit'] });
  for (let i = 0; i < 200; i++) {
    if (readFileSync('/proc/locks', 'utf8').includes(`FLOCK  ADVISORY  WRITE ${child.pid} `)) return child;
    await new Promise((r) => setTimeout(r, 10));
  }
  child.stdin!.end();
  throw new Error('flock(1) did not take the lock');
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.stdin!.end();
  });
}

describe('flock(2) held by another process (/proc/locks)', { skip: skipFlock }, () => {
  it("refuses with Go's error text while flock(1) holds the directory, succeeds after", async () => {
    const d = tmp();
    const other = tmp();
    const child = await holdFlock(d);
    try {
      assert.throws(() => acquireDataDirLock(d), { message: held(d, 'resource temporarily unavailable') });
      acquireDataDirLock(other).release(); // a flock on another directory does not matter
    } finally {
      await stop(child);
    }
    acquireDataDirLock(d).release();
  });

  it('accepts a flock inherited from a `flock -n <dir> nsqd` wrapper', () => {
    const d = tmp();
    const script = `import { acquireDataDirLock } from ${JSON.stringify(MODULE_URL)};
      acquireDataDirLock(${JSON.stringify(d)}).release(); console.log('ok');`;
    const r = spawnSync('flock', ['-xn', d, process.execPath, '--input-type=module', '-e', script]);
    assert.equal(r.stderr.toString(), '');
    assert.equal(r.stdout.toString(), 'ok\n');
  });
});
