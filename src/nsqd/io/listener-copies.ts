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

/**
 * `count` new descriptors of each server's listening socket (one child for them all):
 * result[k][i] is server k's i-th copy
 */
export function listenerCopies(servers: readonly Server[], count: number): Promise<ListenerCopy[][]> {
  const handles = servers.map((s) => (s as unknown as { _handle: RawHandle | null })._handle);
  if (handles.some((h) => h === null)) return Promise.reject(new Error('a listener is not listening'));
  const copies: ListenerCopy[][] = servers.map(() => []);
  const all = (): ListenerCopy[] => copies.flat();
  const expected = servers.length * count;
  if (expected === 0) return Promise.resolve(copies);
  return new Promise((resolve, reject) => {
    const child = fork(ECHO_URL, [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // the child needs none of the parent's flags (--cpu-prof, --inspect, ...)
      execArgv: process.execArgv.filter((a) => a === '--no-addons'),
    });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      for (const c of all()) c.close();
      reject(err);
    };
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`copying the listening sockets took over ${COPY_TIMEOUT_MS / 1000} s`));
    }, COPY_TIMEOUT_MS);
    child.on('message', (msg: { server: number }, copy) => {
      const h = copy as RawHandle | undefined;
      if (h === undefined || !(h.fd >= 0)) return;
      copies[msg.server]?.push({ fd: h.fd, close: () => h.close() });
      if (all().length === expected) {
        clearTimeout(timer);
        resolve(copies);
      }
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      const got = all().length;
      if (got === expected) return;
      fail(
        new Error(`the process copying the listening sockets exited (${code}) with ${got} of ${expected}`),
      );
    });
    handles.forEach((h, server) => {
      child.send({ server, count, servers: servers.length }, h as never);
    });
  });
}
