/**
 * The HTTP API on an io thread other than the main one (--io-threads): the thread serves the same
 * routes with the same LocalBrokerApi, whose host (ApiHost) is this bridge. Publishes go through
 * the thread's own links, as its TCP publishes do; what only the main thread holds (the control
 * plane to the shards, nsqd.dat, every thread's clients, lookupd, drain) is asked of it with a
 * request id and answered by serveApiCall there. What must be answered at once (health, lookupd
 * addresses, the drain flag) is kept here from what the main thread tells. Owns the pending
 * requests and those copies.
 */

import type { Logger } from '../../log.js';
import type { ClientEntry } from '../acceptor/client-stats.js';
import type { ConnectionTable } from '../acceptor/table.js';
import { type ApiHost, healthText } from '../broker-api.js';
import type { Options } from '../options/options.js';
import type { ControlRequest, ControlResponse } from '../queue/admin.js';
import type { WorkerLink } from '../shard/worker-link.js';

/** what an io thread asks the main thread (the answer comes back as `{ type: 'api', id, result }`) */
export type ApiCall =
  | { op: 'control'; index: number; req: ControlRequest }
  | { op: 'clients' }
  | { op: 'persistMetadata' }
  | { op: 'blockPreAcks' }
  | { op: 'setLookupd'; addrs: string[] }
  | { op: 'startDrain'; why: string };

/** the main thread's side: what an ApiCall runs there */
export interface ApiServer {
  control(index: number, req: ControlRequest): Promise<ControlResponse>;
  clients(): Promise<ClientEntry[]>;
  persistMetadata(): Promise<void>;
  blockPreAcks(): void;
  setLookupd(addrs: string[]): Promise<void>;
  startDrain(why: string): void | Promise<void>;
}

/** runs `call` on the main thread; resolves what goes back */
export async function serveApiCall(s: ApiServer, call: ApiCall): Promise<unknown> {
  switch (call.op) {
    case 'control':
      return s.control(call.index, call.req);
    case 'clients':
      return s.clients();
    case 'persistMetadata':
      return s.persistMetadata();
    case 'blockPreAcks':
      return s.blockPreAcks();
    case 'setLookupd':
      return s.setLookupd(call.addrs);
    case 'startDrain':
      return s.startDrain(call.why);
  }
}

/** the facts of the node an io thread's API reports (/info) */
export interface NodeFacts {
  tcpPort: number;
  httpPort: number;
  /** unix seconds */
  startTime: number;
  lookupd: string[];
}

export class ApiBridge implements ApiHost {
  readonly options: Options;
  readonly log: Logger;
  readonly table: ConnectionTable;
  readonly links: readonly WorkerLink[];
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly startTime: number;
  readonly drain: { readonly active: boolean };
  readonly lookupd: { addresses(): string[]; setAddresses(addrs: string[]): Promise<void> };
  /** shards whose last disk write failed, with the error (as the main thread's broker keeps it) */
  private readonly unhealthy = new Map<number, string>();
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private readonly post: (msg: object) => void;
  private lookupdAddrs: string[];

  constructor(
    o: { options: Options; log: Logger; table: ConnectionTable; links: readonly WorkerLink[] },
    facts: NodeFacts,
    draining: { readonly active: boolean },
    post: (msg: object) => void,
  ) {
    this.options = o.options;
    this.log = o.log;
    this.table = o.table;
    this.links = o.links;
    this.tcpPort = facts.tcpPort;
    this.httpPort = facts.httpPort;
    this.startTime = facts.startTime;
    this.drain = draining;
    this.post = post;
    this.lookupdAddrs = facts.lookupd;
    const bridge = this;
    this.lookupd = {
      addresses: () => bridge.lookupdAddrs,
      async setAddresses(addrs: string[]) {
        bridge.lookupdAddrs = addrs;
        await bridge.ask({ op: 'setLookupd', addrs });
      },
    };
  }

  private ask<T>(call: ApiCall): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ type: 'api', id, call });
    });
  }

  /** the main thread's answer to request `id` (`error`: it failed there) */
  answered(id: number, result: unknown, error: string | null): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (error === null) p?.resolve(result);
    else p?.reject(new Error(error));
  }

  /** the main thread told: shard `index`'s disk health (null: healthy) */
  setHealth(index: number, error: string | null): void {
    if (error === null) this.unhealthy.delete(index);
    else this.unhealthy.set(index, error);
  }

  /** the main thread told: the lookupd addresses changed */
  setLookupd(addrs: string[]): void {
    this.lookupdAddrs = addrs;
  }

  // ---- ApiHost ----
  control(index: number, req: ControlRequest): Promise<ControlResponse> {
    // the records this thread wrote before the request are in the rings before it is asked
    for (const l of this.links) l.flushRing();
    return this.ask({ op: 'control', index, req });
  }
  clients(): Promise<ClientEntry[]> {
    return this.ask({ op: 'clients' });
  }
  health(): string {
    return healthText(this.unhealthy);
  }
  persistMetadata(): Promise<void> {
    return this.ask({ op: 'persistMetadata' });
  }
  blockPreAcks(): void {
    for (const l of this.links) l.preAckBlocked = true;
    void this.ask({ op: 'blockPreAcks' });
  }
  startDrain(why: string): Promise<void> {
    return this.ask({ op: 'startDrain', why });
  }
}
