/**
 * The data directory at start-up: created if missing (a bounded walk, one mkdir per path component,
 * so a path that cannot be made fails at once, even on procfs where a recursive mkdir loops
 * forever), then locked against a second nsqd, Go's or ours. Owns the choice of lock:
 * - a real flock(2) held through util-linux's flock(1) (./flock.ts): Go nsqd sees it and we see Go's;
 * - without flock(1), or when it fails for another reason than a lock held elsewhere: the lock file
 *   + /proc/locks check of ./dirlock.ts, which sees Go nsqd's flock but which Go nsqd cannot see;
 * - already holding one through an fd inherited from a `flock -n <data-path> nsqd` wrapper: nothing
 *   more to take.
 * Neither needs a native addon, so `node --no-addons` locks the same way.
 */

import { type BigIntStats, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { goErrnoText, goPathError } from '../../go/errors.js';
import { acquireDataDirLock, flockHeldBySelf, LOCK_FILE, lockFileHolder, lockHeldError } from './dirlock.js';
import { holdFlock } from './flock.js';

export interface DataDirLock {
  /** which lock is held, for the start-up log line */
  readonly how: string;
  /** releases the lock; resolves once another process may take it */
  release(): Promise<void>;
}

function isDirectory(p: string): boolean | null {
  try {
    return statSync(p).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(goPathError('stat', p, err));
  }
}

/** mkdir of one component; an existing directory is fine, anything else in its place is not */
function makeOne(p: string): void {
  const exists = isDirectory(p);
  if (exists === true) return;
  if (exists === false) throw new Error(`mkdir ${p}: ${goErrnoText({ code: 'ENOTDIR' })}`);
  try {
    mkdirSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || isDirectory(p) !== true) {
      throw new Error(goPathError('mkdir', p, err));
    }
  }
}

/**
 * Creates `dataPath` (as given by --data-path; '' is the current directory) and its missing
 * parents, or throws `failed to create data-path: mkdir <path>: <reason> (--data-path=<value>)`.
 */
export function prepareDataPath(dataPath: string): void {
  const abs = path.resolve(dataPath === '' ? '.' : dataPath);
  const { root } = path.parse(abs);
  let at = root;
  try {
    for (const part of abs.slice(root.length).split(path.sep)) {
      if (part === '') continue;
      at = path.join(at, part);
      makeOne(at);
    }
  } catch (err) {
    throw new Error(`failed to create data-path: ${(err as Error).message} (--data-path=${dataPath})`);
  }
}

/**
 * Locks `dataPath` (which must exist) or throws Go's `failed to lock data-path: …`. `onLost` is
 * told if the flock(1) holder dies while nsqd runs.
 */
export async function lockDataDir(dataPath: string, onLost: (why: string) => void): Promise<DataDirLock> {
  let dir: BigIntStats;
  try {
    dir = statSync(dataPath, { bigint: true });
  } catch (err) {
    throw new Error(`failed to lock data-path: ${goPathError('open', dataPath, err)}`);
  }
  if (flockHeldBySelf(dir)) {
    return { how: 'flock(2) inherited from the parent process', release: async () => {} };
  }
  const r = await holdFlock(dataPath, onLost);
  switch (r.kind) {
    case 'held': {
      // an nsq-ts that locks with the lock file only (no flock(1) where it runs, or an older one)
      const other = lockFileHolder(dataPath);
      if (other !== null) {
        await r.holder.release();
        throw lockHeldError(dataPath, `${other} (lock file ${path.join(dataPath, LOCK_FILE)})`);
      }
      return { how: `flock(2) held by flock(1) pid ${r.holder.pid}`, release: r.holder.release };
    }
    case 'busy':
      throw lockHeldError(dataPath, goErrnoText({ code: 'EWOULDBLOCK' }));
    case 'failed':
    case 'absent': {
      const lock = acquireDataDirLock(dataPath);
      const why = r.kind === 'absent' ? 'no flock(1) on PATH' : `flock(1) failed: ${r.reason}`;
      return {
        how: `lock file ${LOCK_FILE} and a /proc/locks check (${why}: a Go nsqd started later will not see this lock)`,
        release: async () => lock.release(),
      };
    }
  }
}
