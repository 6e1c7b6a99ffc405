/**
 * The TCP listener: accepts clients and gives each a Connection. Owns the net.Server only.
 */

import { createServer, type Server, type Socket } from 'node:net';
import { formatAddress, type ListenAddress } from '../../go/address.js';
import type { Logger } from '../../log.js';
import type { ServerContext } from '../router/context.js';
import { Connection } from './connection.js';
import type { ConnectionTable } from './table.js';

export class TcpListener {
  private readonly server: Server;
  private readonly log: Logger;
  /** where it listens, as its listening line printed it ('' before listen) */
  address = '';

  constructor(ctx: ServerContext, table: ConnectionTable, log: Logger) {
    this.log = log;
    // half-open: a client's FIN ends its input only; Connection answers what it is owed, then closes
    this.server = createServer({ noDelay: true, allowHalfOpen: true }, (socket: Socket) => {
      new Connection(socket, ctx, table);
    });
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

  /** the bound TCP port (0 for a unix socket) */
  get port(): number {
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
