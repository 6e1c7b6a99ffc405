/**
 * A real flock(2) on the data directory without a native addon: the `flock` command (util-linux's;
 * only the short options BusyBox's also has) holds it as a child process, the lock Go nsqd takes
 * (internal/dirlock) and sees. Owns that child only.
 *
 *   flock -x -n <dir> cat
 *
 * With -n a lock held elsewhere makes flock exit 1 at once and silently; any other failure says
 * why on stderr.
 * cat's stdin is a pipe from this process. Once the lock is taken flock runs cat, which echoes the
 * byte written to it: reading it back proves the lock is held. When this process exits or is killed
 * the kernel closes the pipe, cat reads EOF and exits, flock exits, and the lock goes with it, so
 * no lock outlives its nsqd. release() closes the pipe and waits for the child to be gone. The child
 * runs in its own process group, so a terminal's SIGINT reaches nsqd only, not the lock.
 */

import { type ChildProcess, spawn } from 'node:child_process';

/** how long flock and cat may take to start and answer (flock -n never waits for a lock) */
const HANDSHAKE_MS = 5_000;

export interface FlockHolder {
  readonly pid: number;
  /** closes the pipe and resolves once the holder has exited (the lock is released then) */
  release(): Promise<void>;
}

export type FlockResult =
  | { kind: 'held'; holder: FlockHolder }
  | { kind: 'busy' }
  | { kind: 'absent' }
  | { kind: 'failed'; reason: string };

/**
 * Takes an exclusive flock(2) on `dir` through `flock(1)`. `absent` when the command is not
 * installed; `failed` with flock's own message when it could not open or lock the directory.
 * `onLost` is called if the holder dies while the lock is still wanted.
 */
export function holdFlock(dir: string, onLost: (why: string) => void): Promise<FlockResult> {
  let child: ChildProcess;
  try {
    child = spawn('flock', ['-x', '-n', dir, 'cat'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // its own process group: a Ctrl-C meant for nsqd must not drop the lock mid-shutdown
    });
  } catch (err) {
    return Promise.resolve({ kind: 'failed', reason: (err as Error).message });
  }
  return new Promise((resolve) => {
    let settled = false;
    let stderr = '';
    const settle = (r: FlockResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle({ kind: 'failed', reason: `flock(1) did not answer within ${HANDSHAKE_MS} ms` });
    }, HANDSHAKE_MS);
    child.on('error', (err: NodeJS.ErrnoException) => {
      settle(err.code === 'ENOENT' ? { kind: 'absent' } : { kind: 'failed', reason: err.message });
    });
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdin!.on('error', () => {}); // EPIPE when flock exits before cat reads: the exit says why
    let released = false;
    let exited = false;
    // 'close', not 'exit': flock's stderr is all read by then (an empty one tells a held lock)
    const gone = new Promise<void>((res) =>
      child.once('close', (code, signal) => {
        exited = true;
        res();
        if (!settled) {
          if (code === 1 && stderr.trim() === '') settle({ kind: 'busy' });
          else settle({ kind: 'failed', reason: stderr.trim() || `flock(1) exited with ${code ?? signal}` });
        } else if (!released) {
          onLost(`the flock(1) process holding it (pid ${child.pid}) exited with ${code ?? signal}`);
        }
      }),
    );
    child.stdout!.once('data', () => {
      // the echo came back: cat runs, so flock holds the lock; nothing more is read or written
      child.stdout!.destroy();
      child.stderr!.destroy();
      (child.stdin as unknown as { unref(): void }).unref();
      child.unref();
      const holder: FlockHolder = {
        pid: child.pid!,
        release: () => {
          released = true;
          if (!exited) {
            child.ref(); // wait for it: the lock is free only once it has exited
            child.stdin!.end();
          }
          return gone;
        },
      };
      settle({ kind: 'held', holder });
    });
    child.stdin!.write('\n');
  });
}
