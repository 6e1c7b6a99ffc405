/**
 * Go's texts for system errors, so start-up failures read as Go nsqd's do: syscall.Errno strings,
 * *os.PathError (`open <path>: no such file or directory`) and *net.OpError for a listener
 * (`listen tcp 0.0.0.0:4150: bind: address already in use`) and a dialler (`dial tcp ...: connect: ...`).
 * Pure formatting, no I/O.
 */

import { formatAddress, listenNetwork } from './address.js';

/** Go's (Linux) syscall.Errno.Error() texts for the codes a start-up (or a dial) can meet */
const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EAGAIN: 'resource temporarily unavailable',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'file exists',
  EHOSTUNREACH: 'no route to host',
  EINVAL: 'invalid argument',
  EIO: 'input/output error',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENETUNREACH: 'network is unreachable',
  ENOENT: 'no such file or directory',
  ENOLCK: 'no locks available',
  ENOSPC: 'no space left on device',
  ENOTDIR: 'not a directory',
  EPERM: 'operation not permitted',
  EPIPE: 'broken pipe',
  EROFS: 'read-only file system',
  ETIMEDOUT: 'connection timed out',
  EWOULDBLOCK: 'resource temporarily unavailable',
};

/** the errno text Go prints for a Node system error (Node's own message when the code is unknown) */
export function goErrnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const text = ERRNO_TEXT[e?.code ?? ''];
  if (text !== undefined) return text;
  return e instanceof Error ? e.message : String(err);
}

/** Go's *os.PathError: `<op> <path>: <errno text>` */
export function goPathError(op: string, path: string, err: unknown): string {
  return `${op} ${path}: ${goErrnoText(err)}`;
}

/**
 * Go's *net.OpError from net.Listen for a listen flag's value (tcp, or unix for a path): `listen tcp <address>: bind: <errno text>`, or
 * `listen tcp: lookup <host>: no such host` when the host does not resolve; any other error's own
 * message.
 */
export function goListenError(address: string, err: unknown): string {
  const network = listenNetwork(address);
  const e = err as NodeJS.ErrnoException & { hostname?: string };
  if (typeof e?.code !== 'string') return e instanceof Error ? e.message : String(err); // not a system error
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN' || e?.code === 'EAI_FAIL') {
    return `listen ${network}: lookup ${e.hostname ?? address}: no such host`;
  }
  return `listen ${network} ${address}: bind: ${goErrnoText(err)}`;
}

/**
 * Go's *net.OpError from net.Dial("tcp", address): `dial tcp <address>: connect: connection refused`,
 * `dial tcp <address>: i/o timeout` (`timedOut`), `dial tcp: lookup <host>: no such host`.
 */
export function goDialError(address: string, err: unknown, timedOut = false): string {
  if (timedOut) return `dial tcp ${address}: i/o timeout`;
  const e = err as NodeJS.ErrnoException & { hostname?: string; address?: string; port?: number };
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN' || e?.code === 'EAI_FAIL') {
    return `dial tcp: lookup ${e.hostname ?? address}: no such host`;
  }
  const text = ERRNO_TEXT[e?.code ?? ''];
  if (text === undefined) return `dial tcp ${address}: ${e instanceof Error ? e.message : String(err)}`;
  const at = e.address !== undefined && e.port !== undefined ? formatAddress(e.address, e.port) : address;
  return `dial tcp ${at}: connect: ${text}`;
}

/** Go's text for an error on an open connection (`read`/`write`): the errno text, or Node's message */
export function goNetIoText(op: 'read' | 'write', err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const text = ERRNO_TEXT[e?.code ?? ''];
  return text === undefined ? (e instanceof Error ? e.message : String(err)) : `${op}: ${text}`;
}
