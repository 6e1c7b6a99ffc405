/**
 * The main thread's side of the other io threads (--io-threads; the main thread is io thread 0):
 * starts them on copies of the listening sockets (TCP, and HTTP where node:http serves it), tells them what changes in the shards (it is the
 * shard host's watcher), in lookupd addresses and whether the broker drains, answers their HTTP
 * API's questions (api-bridge.ts), asks them for their connections' stats, and stops them. An io thread that dies is logged, its connections are dropped from every shard,
 * and a fresh one takes its place on the same rings. Owns the Worker objects and the drain cell.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { HttpServerAdapter } from '../../http/adapter.js';
import type { Logger } from '../../log.js';
import type { TcpListener } from '../../net/tcp-listener.js';
import type { ClientEntry } from '../acceptor/client-stats.js';
import type { Options } from '../options/options.js';
import type { ControlRequest } from '../queue/admin.js';
import type { ShardHost, ShardRings, ShardWatcher } from '../shard/host.js';
import { type ApiCall, type ApiServer, type NodeFacts, serveApiCall } from './api-bridge.js';
import type { IoHttp } from './http.js';
import { type ListenerCopy, listenerCopies } from './listener-copies.js';
import type { IoCommand, IoWorkerData } from './worker.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);
/** how long an io thread may take to close its connections at shutdown before it is terminated */
const STOP_TIMEOUT_MS = 10_000;
/** an io thread that failed sooner than this after its start is restarted this long after */
const RESTART_PAUSE_MS = 1000;

type IoMessage =
  | { type: 'ready' }
  | { type: 'api'; id: number; call: ApiCall }
  | { type: 'log'; line: string }
  | { type: 'clients'; id: number; clients: ClientEntry[] }
  | { type: 'stopped' };

interface Slot {
  readonly index: number;
  worker: Worker;
  /** resolves once the thread accepts */
  ready: Promise<void>;
  /** 'stopped' (its connections closed and their records handed to the shards) */
  stopped: Promise<void> | null;
  /** it failed: a fresh thread is on its way, this one answers nothing more */
  dead: boolean;
  /** performance.now() at its start */
  readonly startedAt: number;
  /** requests awaiting this thread's answer (clients, or [] for an acknowledgement), by id */
  readonly pending: Map<number, (clients: ClientEntry[]) => void>;
}

export interface IoPoolHost {
  readonly options: Options;
  readonly log: Logger;
  readonly host: ShardHost;
  readonly listener: TcpListener;
  /** the main thread's HTTP server (null: no HTTP address) */
  readonly http: HttpServerAdapter | null;
  /** --tls-required=true: the plain HTTP port only points at this HTTPS port */
  readonly tlsRequiredHttpsPort: number | null;
  /** the node's ports, start time and lookupd addresses */
  facts(): NodeFacts;
  /** shards whose last disk write failed, with the error */
  unhealthy(): [number, string][];
  /** what the io threads' HTTP API asks of the main thread (and its control plane, for the pool too) */
  readonly api: ApiServer;
}

/** one io thread's descriptors: TCP, and HTTP where node:http serves it */
interface Copies {
  tcp: ListenerCopy;
  http: ListenerCopy | null;
}

export class IoPool implements ShardWatcher {
  private readonly h: IoPoolHost;
  private readonly slots: Slot[] = [];
  private readonly draining = new Int32Array(new SharedArrayBuffer(4));
  private nextRequestId = 1;
  private closing = false;

  private constructor(h: IoPoolHost) {
    this.h = h;
  }

  /** io threads 1..`count`-1, each accepting on its own copy of the listener's socket */
  static async start(h: IoPoolHost, count: number): Promise<IoPool> {
    const pool = new IoPool(h);
    const copies = await pool.copies(count - 1);
    h.host.watcher = pool;
    for (const [i, c] of copies.entries()) pool.spawn(i + 1, c);
    try {
      await Promise.all(pool.slots.map((s) => s.ready));
    } catch (err) {
      h.host.watcher = null;
      await pool.stop();
      await pool.exited();
      throw err;
    }
    return pool;
  }

  /** `n` io threads' descriptors */
  private async copies(n: number): Promise<Copies[]> {
    const http = this.h.http?.nodeServer;
    const servers = http === undefined ? [this.h.listener.listening] : [this.h.listener.listening, http];
    const [tcp, httpCopies] = await listenerCopies(servers, n);
    return tcp!.map((t, i) => ({ tcp: t, http: httpCopies?.[i] ?? null }));
  }

  /** how an io thread serves HTTP: where node:http serves it on the main thread, on a copy of its socket */
  private httpFor(c: Copies): IoHttp | null {
    return c.http === null ? null : { fd: c.http.fd, httpsPort: this.h.tlsRequiredHttpsPort };
  }

  private spawn(index: number, c: Copies): Slot {
    const host = this.h.host;
    const shards: ShardRings[] = host.links.map((_, i) => host.rings(i));
    const data: IoWorkerData = {
      index,
      options: this.h.options,
      logLevel: this.h.log.levelCell,
      fd: c.tcp.fd,
      shards,
      unhealthy: this.h.unhealthy(),
      preAckBlocked: host.preAcksBlocked,
      draining: this.draining,
      facts: this.h.facts(),
      http: this.httpFor(c),
    };
    const worker = new Worker(WORKER_URL, { workerData: data, name: `nsq-io-${index}` });
    let ready: () => void = () => {};
    let failed: (err: Error) => void = () => {};
    let isReady = false;
    const slot: Slot = {
      index,
      worker,
      ready: new Promise((resolve, reject) => {
        ready = () => {
          isReady = true;
          resolve();
        };
        failed = reject;
      }),
      stopped: null,
      dead: false,
      startedAt: performance.now(),
      pending: new Map(),
    };
    this.slots[index - 1] = slot;
    worker.on('message', (msg: IoMessage) => {
      if (msg.type === 'log') this.h.log.writeLine(msg.line);
      else if (msg.type === 'api') this.answer(worker, msg.id, msg.call);
      else if (msg.type === 'ready') ready();
      else if (msg.type === 'clients') {
        slot.pending.get(msg.id)?.(msg.clients);
        slot.pending.delete(msg.id);
      }
    });
    // a thread that fails before it accepts fails the start (IoPool.start), one that fails later is restarted
    let startError: Error | null = null;
    worker.on('error', (err) => {
      if (isReady) this.lost(slot, err);
      else startError = err;
    });
    worker.on('exit', (code) => {
      answerPending(slot);
      if (!isReady) {
        slot.dead = true;
        failed(startError ?? new Error(`io thread ${index} exited with code ${code}`));
      } else if (!this.closing) this.lost(slot, new Error(`exited with code ${code}`));
    });
    return slot;
  }

  /** an io thread died: its connections are gone; the shards forget them and a fresh thread accepts */
  private lost(slot: Slot, err: Error): void {
    if (this.closing || slot.dead) return;
    slot.dead = true;
    answerPending(slot);
    this.h.log.error(`io thread ${slot.index} failed: ${err.stack ?? err.message}; restarting it`);
    void slot.worker.terminate();
    const req: ControlRequest = { op: 'ioThreadLost', io: slot.index };
    for (let i = 0; i < this.h.host.links.length; i++) void this.h.api.control(i, req).catch(() => {});
    // a thread that fails as it starts is restarted after a pause, not in a tight loop
    this.restart(slot.index, performance.now() - slot.startedAt < RESTART_PAUSE_MS ? RESTART_PAUSE_MS : 0);
  }

  private restart(index: number, pauseMs: number): void {
    void sleep(pauseMs)
      .then(() => this.copies(1))
      .then(
        ([c]) => {
          // the broker closed meanwhile: nobody takes the copies
          if (this.closing) {
            c!.tcp.close();
            c!.http?.close();
            return;
          }
          this.spawn(index, c!).ready.catch((e: Error) => {
            if (this.closing) return;
            this.h.log.error(`io thread ${index} failed to start: ${e.message}; trying again`);
            this.restart(index, RESTART_PAUSE_MS);
          });
        },
        (e: Error) => this.h.log.error(`io thread ${index} not restarted: ${e.message}`),
      );
  }

  private tellAll(cmd: IoCommand): void {
    for (const s of this.slots) s.worker.postMessage(cmd);
  }

  /** an io thread's HTTP API asked: run it here and answer */
  private answer(worker: Worker, id: number, call: ApiCall): void {
    serveApiCall(this.h.api, call).then(
      (result) => worker.postMessage({ type: 'api', id, result, error: null } satisfies IoCommand),
      (err: Error) =>
        worker.postMessage({ type: 'api', id, result: null, error: err.message } satisfies IoCommand),
    );
  }

  /** the lookupd addresses changed (PUT /config/nsqlookupd_tcp_addresses on any thread): resolves once every thread has them */
  async lookupdChanged(addrs: string[]): Promise<void> {
    await this.askAll((id) => ({ type: 'lookupd', id, addrs }));
  }

  /** `cmd` to every live thread; their answers (clients, or [] for an acknowledgement) */
  private askAll(cmd: (id: number) => IoCommand): Promise<ClientEntry[][]> {
    return Promise.all(
      this.slots
        .filter((s) => !s.dead)
        .map(
          (s) =>
            new Promise<ClientEntry[]>((resolve) => {
              const id = this.nextRequestId++;
              s.pending.set(id, resolve);
              s.worker.postMessage(cmd(id));
            }),
        ),
    );
  }

  // ---- ShardWatcher ----
  health(index: number, error: string | null): void {
    this.tellAll({ type: 'health', index, error });
  }
  blockPreAcks(): void {
    this.tellAll({ type: 'blockPreAcks' });
  }
  respawned(index: number, rings: ShardRings): void {
    this.tellAll({ type: 'respawned', index, rings });
  }

  /** fault injection for tests: make io thread `index` (≥ 1) throw as a bug would; it is restarted */
  crash(index: number): void {
    this.slots[index - 1]?.worker.postMessage({ type: 'crash' } satisfies IoCommand);
  }

  /** drain mode began: every io thread refuses publishes from now on */
  setDraining(on: boolean): void {
    Atomics.store(this.draining, 0, on ? 1 : 0);
  }

  /** the connections of every io thread but the main one */
  async clients(): Promise<ClientEntry[]> {
    const lists = await this.askAll((id) => ({ type: 'clients', id }));
    return lists.flat();
  }

  /**
   * Stop accepting and close every connection; resolves once each io thread has handed the shards
   * what its connections sent (or was terminated after STOP_TIMEOUT_MS).
   */
  stop(): Promise<void> {
    this.closing = true;
    for (const s of this.slots) answerPending(s);
    return Promise.all(this.slots.map((s) => this.stopOne(s))).then(() => {});
  }

  private stopOne(slot: Slot): Promise<void> {
    // a thread that failed has nothing to stop (and its replacement never started)
    if (slot.dead) return Promise.resolve();
    slot.stopped ??= new Promise<void>((resolve) => {
      const w = slot.worker;
      const timer = setTimeout(() => {
        this.h.log.error(
          `io thread ${slot.index}: stop took over ${STOP_TIMEOUT_MS / 1000} s; terminating it`,
        );
        void w.terminate();
      }, STOP_TIMEOUT_MS);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      w.on('message', (m: IoMessage) => {
        if (m.type === 'stopped') done();
      });
      w.once('exit', done);
      w.postMessage({ type: 'stop' } satisfies IoCommand);
    });
    return slot.stopped;
  }

  /** resolves once every io thread has exited (its sockets closed) */
  exited(): Promise<void> {
    return Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.dead || s.worker.threadId === -1) resolve();
            else s.worker.once('exit', () => resolve());
          }),
      ),
    ).then(() => {});
  }
}

/** a thread that will not answer: its pending requests get no clients */
function answerPending(slot: Slot): void {
  for (const resolve of slot.pending.values()) resolve([]);
  slot.pending.clear();
}
