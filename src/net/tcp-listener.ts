/**
 * A program's TCP listener (Go's internal/protocol.TCPServer, shared by nsqd and nsqlookupd): binds
 * a listen address (host:port or a unix socket path), logs `TCP: listening on …`, hands every
 * accepted socket to the program's handler, and closes. Owns the net.Server only; knows no protocol.
 */

import { createServer, type Server, type Socket } from 'node:net';
import { formatAddress, type ListenAddress } from '../go/address.js';

/** what the listener logs (a program's Logger fits) */
export interface ListenerLog {
  info(msg: string): void;
  error(msg: string): void;
}

export class TcpListener {
  private readonly server: Server;
  private readonly log: ListenerLog;
  /** where it listens, as its listening line printed it ('' before listen) */
  address = '';

  /** `onSocket` gets every accepted socket (half-open allowed: a client's FIN ends its input only) */
  constructor(log: ListenerLog, onSocket: (socket: Socket) => void) {
    this.log = log;
    this.server = createServer({ noDelay: true, allowHalfOpen: true }, onSocket);
  }

  listen(addr: ListenAddress): Promise<string> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      const done = (): void => {
        this.server.off('error', onError);
        // errors once listening (a listen error is the caller's: one FATAL line, not two)
        this.server.on('error', (err) => this.log.error(`TCP: ${err.message}`));
        const a = this.server.address();
        const shown = typeof a === 'string' ? a : a === null ? '?' : formatAddress(a.address, a.port);
        this.log.info(`TCP: listening on ${shown}`);
        this.address = shown;
        resolve(shown);
      };
      if (addr.kind === 'unix') this.server.listen(addr.path, done);
      else this.server.listen(addr.port, addr.host, done);
    });
  }

  /**
   * Accept on a listening socket another thread opened, through `fd`, a descriptor of its own
   * (nsqd's --io-threads: io/listener-copies.ts). Logs nothing: the socket's owner logged it.
   * close() closes `fd`.
   */
  adopt(fd: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ fd }, () => {
        this.server.off('error', reject);
        this.server.on('error', (err) => this.log.error(`TCP: ${err.message}`));
        resolve();
      });
    });
  }

  /** the listening server (for copies of its socket; nothing else) */
  get listening(): Server {
    return this.server;
  }

  /** the bound TCP port (0 for a unix socket) */
  get port(): number {
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  /** stops accepting; resolves once every accepted socket has closed too */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
