/**
 * nsqlookupd's composition root (Go's nsqlookupd.go): the registration DB, the TCP listener with its
 * V1 connections, the HTTP server over the route table; start (TCP, then HTTP, as Go binds them)
 * and one idempotent close that stops both listeners and drops every connection. Owns the counters
 * /metrics reports (connections accepted, HTTP answers by status).
 */

import type { Socket } from 'node:net';
import os from 'node:os';
import { parseListenAddress } from '../go/address.js';
import { goListenError } from '../go/errors.js';
import { versionString } from '../go/version.js';
import type { HttpServerAdapter } from '../http/adapter.js';
import { startHttpServer } from '../http/server.js';
import type { RouteTable } from '../http/table.js';
import { Logger } from '../log.js';
import { TcpListener } from '../net/tcp-listener.js';
import { RegistrationDB, wallNow } from './db/registration-db.js';
import type { LookupdCounters } from './http/metrics.js';
import { makeLookupRoutes } from './http/routes.js';
import type { LookupdOptions } from './options.js';
import { LookupConnection } from './tcp/connection.js';
import { type LookupContext, makeIdentifyReply } from './tcp/protocol.js';

export class NSQLookupd {
  readonly options: LookupdOptions;
  readonly log: Logger;
  readonly db = new RegistrationDB();
  private readonly listener: TcpListener;
  private readonly conns = new Set<LookupConnection>();
  /** for /metrics: TCP connections accepted, HTTP answers by status */
  private accepted = 0;
  private readonly httpByStatus = new Map<number, number>();
  private http: HttpServerAdapter | null = null;
  private identifyReply = '';
  private closing: Promise<void> | null = null;

  private constructor(options: LookupdOptions, log: Logger) {
    this.options = options;
    this.log = log;
    const ctx: LookupContext = {
      db: this.db,
      log,
      identifyReply: () => this.reply(),
      now: wallNow,
    };
    const limits = {
      clientTimeout: options.clientTimeout,
      idleTimeout: Math.max(options.clientTimeout, options.inactiveProducerTimeout),
    };
    const closed = (c: LookupConnection): void => {
      this.conns.delete(c);
    };
    this.listener = new TcpListener(log, (socket: Socket) => {
      socket.setNoDelay(true);
      this.accepted++;
      this.conns.add(new LookupConnection(socket, ctx, limits, closed));
    });
  }

  /** Starts nsqlookupd; rejects with Go's FATAL text when a listener cannot be bound. */
  static async start(
    options: LookupdOptions,
    log = new Logger(options.logLevel, options.logPrefix),
  ): Promise<NSQLookupd> {
    const l = new NSQLookupd(options, log);
    log.info(versionString('nsqlookupd'));
    // Go's main calls logFatal("failed to instantiate nsqlookupd", err) without a verb: fmt's EXTRA
    const failed = (address: string, err: unknown): Error =>
      new Error(
        `failed to instantiate nsqlookupd%!(EXTRA *errors.errorString=listen (${address}) failed - ${goListenError(address, err)})`,
      );
    try {
      await l.listener.listen(parseListenAddress('tcp-address', options.tcpAddress));
    } catch (err) {
      await l.close();
      throw failed(options.tcpAddress, err);
    }
    try {
      const routes = makeLookupRoutes({ db: l.db, options, log, now: wallNow, counters: l.counters() }, log);
      l.http = await startHttpServer(options.httpAddress, options.httpServer, l.counted(routes), log);
    } catch (err) {
      await l.close();
      throw failed(options.httpAddress, err);
    }
    return l;
  }

  /** what /metrics reports of the connections and the HTTP answers */
  private counters(): LookupdCounters {
    return {
      tcpOpen: () => this.conns.size,
      tcpAccepted: () => this.accepted,
      httpByStatus: () => this.httpByStatus,
    };
  }

  /** `table`, counting its answers by status for /metrics */
  private counted(table: RouteTable): RouteTable {
    return {
      plan: (method, path, contentLength) => table.plan(method, path, contentLength),
      dispatch: async (req) => {
        const res = await table.dispatch(req);
        this.httpByStatus.set(res.status, (this.httpByStatus.get(res.status) ?? 0) + 1);
        return res;
      },
    };
  }

  /** the IDENTIFY reply, built once both listeners are bound (Go's RealTCPAddr/RealHTTPAddr ports) */
  private reply(): string {
    if (this.identifyReply !== '') return this.identifyReply;
    const r = makeIdentifyReply(this.options.broadcastAddress, os.hostname(), this.tcpPort, this.httpPort);
    if (this.http !== null) this.identifyReply = r;
    return r;
  }

  /** the TCP port actually bound */
  get tcpPort(): number {
    return this.listener.port;
  }

  /** the HTTP port actually bound (0 when HTTP is disabled) */
  get httpPort(): number {
    return this.http?.port ?? 0;
  }

  /** which HTTP server implementation serves the API */
  get httpServerKind(): string {
    return this.http?.kind ?? '';
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const listening = this.listener.close();
    const http = this.http?.close();
    for (const c of [...this.conns]) c.destroy();
    await http;
    await listening;
    await this.log.flush();
  }
}
