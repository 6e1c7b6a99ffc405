/**
 * The fallback data-directory lock, used when util-linux's flock(1) is not installed (see
 * ./data-dir.ts): an O_EXCL pid lock file against other nsq-ts instances, plus a /proc/locks check
 * that refuses a directory a Go nsqd (or anyone) holds a flock(2) on.
 *
 * How it works:
 * - `<data-path>/.nsq-ts.lock` is created with O_CREAT|O_EXCL and holds the pid (first line), the
 *   process start time (/proc/<pid>/stat field 22), the kernel boot_id, the pid namespace, the host
 *   name and a random nonce. Its mtime is refreshed every 5 s (an unref'd timer) as a heartbeat.
 * - An existing lock file written in the same boot and pid namespace is stale when its pid is dead
 *   (`kill(pid, 0)` → ESRCH) or now belongs to a process with another start time (pid reuse). From
 *   another boot or pid namespace the pid cannot be checked, so the heartbeat decides: older than 20 s
 *   means stale. A stale file is renamed aside (verifying it is still the stale one) and re-created.
 * - release() (also run on process 'exit') unlinks the file if it is still ours.
 * - /proc/locks lists every flock(2) lock on the machine as `FLOCK ADVISORY WRITE <pid>
 *   <maj>:<min>:<inode>`; a lock on the data directory's device and inode (or on its inode held by a
 *   process with an fd on the same directory, for btrfs subvolumes whose st_dev differs) refuses
 *   start-up with Go's `cannot flock directory … - resource temporarily unavailable`, unless one of
 *   our own fds holds it (e.g. started as `flock -n <data-path> nsqd …`).
 *
 * Limits (of this fallback only; the flock(1) lock has none of them):
 * - Go nsqd started *after* nsq-ts does not see this lock (it only tries flock(2)); wrapping nsq-ts
 *   in `flock -n <data-path>` gives full mutual exclusion with Go nsqd in both directions.
 * - The flock check needs Linux /proc; POSIX/OFD (fcntl) locks are not considered.
 * - Deleting the lock file by hand while nsq-ts runs lets a second instance in.
 * - Across machines sharing the directory (NFS) or containers in different pid namespaces only the
 *   heartbeat protects: a holder whose event loop stalls for 20 s can be taken over, and a restart
 *   within 20 s of a crash in a new container is refused until the old heartbeat expires.
 * - Takeover of a stale lock by three processes racing within microseconds can let two of them in.
 */

import type { BigIntStats } from 'node:fs';
import {
  closeSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { goPathError } from '../../go/errors.js';

export const LOCK_FILE = '.nsq-ts.lock';
export const HEARTBEAT_MS = 5_000;
export const STALE_MS = 20_000;

export interface FallbackLock {
  release(): void;
}

interface Owner {
  pid: number;
  start: string;
  boot: string;
  pidns: string;
}

/** `open <file>: <go errno text>` as Go's *PathError prints */
function openError(file: string, err: unknown): Error {
  return new Error(`failed to lock data-path: ${goPathError('open', file, err)}`);
}

function tryRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** /proc/<pid>/stat field 22 (start time in clock ticks since boot), '' when unavailable */
function startTime(pid: number | 'self'): string {
  const s = tryRead(`/proc/${pid}/stat`);
  return s === '' ? '' : (s.slice(s.lastIndexOf(')') + 2).split(' ')[19] ?? '');
}

function self(): Owner {
  let pidns = '';
  try {
    pidns = readlinkSync('/proc/self/ns/pid');
  } catch {}
  const boot = tryRead('/proc/sys/kernel/random/boot_id').trim();
  return { pid: process.pid, start: startTime('self'), boot, pidns };
}

function parseOwner(text: string): Owner | null {
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const kv = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { pid, start: kv.get('start') ?? '', boot: kv.get('boot') ?? '', pidns: kv.get('pidns') ?? '' };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: alive, another user's
  }
}

function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** true when some fd under /proc/<pid>/fd refers to `dir` (and, if `locked`, its fdinfo shows a flock) */
function hasFdOn(pid: string, dir: BigIntStats, locked: boolean): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (!sameFile(statSync(`/proc/${pid}/fd/${fd}`, { bigint: true }), dir)) continue;
    } catch {
      continue;
    }
    if (!locked || /^lock:.*\bFLOCK\b/m.test(tryRead(`/proc/${pid}/fdinfo/${fd}`))) return true;
  }
  return false;
}

/** whether one of this process's own fds holds a flock(2) on `dir` (e.g. from `flock -n <dir> nsqd`) */
export function flockHeldBySelf(dir: BigIntStats): boolean {
  return hasFdOn('self', dir, true);
}

const LOCKS_LINE = /^\d+:\s+FLOCK\s+\S+\s+\S+\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/;

/** Whether another process holds a flock(2) on `dir`, per /proc/locks (false when /proc is absent). */
export function flockedByOther(dir: BigIntStats): boolean {
  const text = tryRead('/proc/locks');
  if (text === '' || flockHeldBySelf(dir)) return false;
  const major = (dir.dev >> 8n) & 0xfffn;
  const minor = (dir.dev & 0xffn) | ((dir.dev >> 12n) & 0xfff00n);
  for (const line of text.split('\n')) {
    const m = LOCKS_LINE.exec(line); // waiters (`->`) hold nothing and do not match
    if (m === null || BigInt(m[4]!) !== dir.ino) continue;
    if (BigInt(`0x${m[2]}`) === major && BigInt(`0x${m[3]}`) === minor) return true;
    if (Number(m[1]) > 0 && hasFdOn(m[1]!, dir, false)) return true; // st_dev differs (btrfs subvolume)
  }
  return false;
}

/** Why `owner`'s lock is still valid, or null when it is stale and may be taken over. */
function holder(owner: Owner | null, me: Owner, mtimeMs: number): string | null {
  const fresh = Date.now() - mtimeMs < STALE_MS;
  if (owner === null) return fresh ? 'lock file is being written by another process' : null;
  if (owner.boot !== me.boot || owner.pidns !== me.pidns) {
    return fresh ? `held by pid ${owner.pid} in another pid namespace or boot (fresh heartbeat)` : null;
  }
  if (owner.pid === me.pid) return owner.start === me.start ? 'already held by this process' : null;
  if (!pidAlive(owner.pid)) return null;
  const now = startTime(owner.pid);
  if (owner.start !== '' && now !== '' && now !== owner.start) return null; // pid reused
  return `held by nsq-ts pid ${owner.pid}`;
}

/**
 * Why the lock file in `dataPath` still locks it (a live nsq-ts holds it), or null when there is
 * none or it is stale. For a flock(2) holder, which writes no lock file, to refuse a directory an
 * nsq-ts using this fallback holds.
 */
export function lockFileHolder(dataPath: string): string | null {
  const lockPath = path.join(dataPath, LOCK_FILE);
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(lockPath, 'utf8');
    mtimeMs = statSync(lockPath).mtimeMs;
  } catch {
    return null;
  }
  return holder(parseOwner(text), self(), mtimeMs);
}

/** Renames the stale file aside; if a live lock was created in between, puts that one back. */
function takeOver(lockPath: string, staleText: string): void {
  const aside = `${lockPath}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw openError(lockPath, err);
  }
  if (tryRead(aside) !== staleText) {
    try {
      linkSync(aside, lockPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') renameSync(aside, lockPath); // no hard links on this file system
    }
  }
  try {
    unlinkSync(aside);
  } catch {}
}

function tryCreate(lockPath: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw openError(lockPath, err);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Go's text for a data path that another process holds */
export function lockHeldError(dataPath: string, reason: string): Error {
  return new Error(
    `failed to lock data-path: cannot flock directory ${dataPath} - ${reason} (possibly in use by another instance of nsqd)`,
  );
}

/**
 * Locks `dataPath` for this process or throws `failed to lock data-path: cannot flock directory <dir>
 * - <reason> (possibly in use by another instance of nsqd)`.
 */
export function acquireDataDirLock(dataPath: string): FallbackLock {
  const fail = (reason: string) => lockHeldError(dataPath, reason);
  let dir: BigIntStats;
  try {
    dir = statSync(dataPath, { bigint: true });
  } catch (err) {
    throw openError(dataPath, err);
  }
  if (flockedByOther(dir)) throw fail('resource temporarily unavailable');

  const lockPath = path.join(dataPath, LOCK_FILE);
  const me = self();
  const nonce = Math.random().toString(36).slice(2);
  const text =
    `${me.pid}\nstart=${me.start}\nboot=${me.boot}\npidns=${me.pidns}\n` +
    `host=${hostname()}\nnonce=${nonce}\n`;
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(lockPath, text)) break;
    let existing: string;
    let mtimeMs: number;
    try {
      existing = readFileSync(lockPath, 'utf8');
      mtimeMs = statSync(lockPath).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw openError(lockPath, err);
    }
    const reason = holder(parseOwner(existing), me, mtimeMs);
    if (reason !== null) throw fail(`${reason} (lock file ${lockPath})`);
    if (attempt >= 5) throw fail(`contention on stale lock file ${lockPath}`);
    takeOver(lockPath, existing);
  }

  const timer = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(lockPath, now, now);
    } catch {}
  }, HEARTBEAT_MS);
  timer.unref();
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    clearInterval(timer);
    process.removeListener('exit', release);
    if (tryRead(lockPath) === text) {
      try {
        unlinkSync(lockPath);
      } catch {}
    }
  };
  process.on('exit', release);
  return { release };
}
