/**
 * Copies of a listening socket for the other io threads (--io-threads). Each io thread accepts on
 * the one listening socket through a descriptor of its own: Node 20 can neither dup() a descriptor
 * nor bind a port twice with SO_REUSEPORT, and two handles on one descriptor close it twice (the
 * second close may hit whatever reused the number meanwhile). So the kernel makes the copies: the
 * listening handle goes to a short-lived child process over its IPC channel (SCM_RIGHTS) and comes
 * back `count` times, a new descriptor each time. The handles that bring them back are never
 * closed here: each descriptor belongs to the io thread it is given to, which alone closes it.
 * Owns nothing after it returns.
 */

import { fork } from 'node:child_process';
import type { Server } from 'node:net';

const ECHO_URL = new URL('./listener-echo.js', import.meta.url);
/** how long the child may take to start and answer */
const COPY_TIMEOUT_MS = 10_000;

/** a raw handle as child_process hands it over */
interface RawHandle {
  readonly fd: number;
  close(): void;
}

/** a new descriptor of the listening socket: give `fd` to one io thread, or close() it here */
export interface ListenerCopy {
  readonly fd: number;
  /** for a copy no thread took (the broker closed meanwhile) */
  close(): void;
}

/** `count` new descriptors of `server`'s listening socket */
export function listenerCopies(server: Server, count: number): Promise<ListenerCopy[]> {
  const handle = (server as unknown as { _handle: RawHandle | null })._handle;
  if (handle === null) return Promise.reject(new Error('the listener is not listening'));
  return new Promise((resolve, reject) => {
    const fds: ListenerCopy[] = [];
    const child = fork(ECHO_URL, [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // the child needs none of the parent's flags (--cpu-prof, --inspect, ...)
      execArgv: process.execArgv.filter((a) => a === '--no-addons'),
    });
    const timer = setTimeout(() => {
      child.kill();
      for (const c of fds) c.close();
      reject(new Error(`copying the listening socket took over ${COPY_TIMEOUT_MS / 1000} s`));
    }, COPY_TIMEOUT_MS);
    child.on('message', (_msg, copy) => {
      const h = copy as RawHandle | undefined;
      if (h === undefined || !(h.fd >= 0)) return;
      fds.push({ fd: h.fd, close: () => h.close() });
      if (fds.length === count) {
        clearTimeout(timer);
        resolve(fds);
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      if (fds.length === count) return;
      clearTimeout(timer);
      reject(
        new Error(`the process copying the listening socket exited (${code}) with ${fds.length} of ${count}`),
      );
    });
    child.send({ count }, handle as never);
  });
}
