/**
 * The main thread's side of the other io threads (--io-threads; the main thread is io thread 0):
 * starts them on copies of the listening socket, tells them what changes in the shards (it is the
 * shard host's watcher) and whether the broker drains, asks them for their connections' stats,
 * and stops them. An io thread that dies is logged, its connections are dropped from every shard,
 * and a fresh one takes its place on the same rings. Owns the Worker objects and the drain cell.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log.js';
import type { TcpListener } from '../../net/tcp-listener.js';
import type { ClientEntry } from '../acceptor/client-stats.js';
import type { Options } from '../options/options.js';
import type { ControlRequest, ControlResponse } from '../queue/admin.js';
import type { ShardHost, ShardRings, ShardWatcher } from '../shard/host.js';
import { listenerCopies } from './listener-copies.js';
import type { IoCommand, IoWorkerData } from './worker.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);
/** how long an io thread may take to close its connections at shutdown before it is terminated */
const STOP_TIMEOUT_MS = 10_000;
/** an io thread that failed sooner than this after its start is restarted this long after */
const RESTART_PAUSE_MS = 1000;

type IoMessage =
  | { type: 'ready' }
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
  /** clients requests awaiting this thread's answer, by id */
  readonly pending: Map<number, (clients: ClientEntry[]) => void>;
}

export interface IoPoolHost {
  readonly options: Options;
  readonly log: Logger;
  readonly host: ShardHost;
  readonly listener: TcpListener;
  /** a control-plane request to shard `index` */
  control(index: number, req: ControlRequest): Promise<ControlResponse>;
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
    const copies = await listenerCopies(h.listener.listening, count - 1);
    h.host.watcher = pool;
    for (const [i, copy] of copies.entries()) pool.spawn(i + 1, copy.fd);
    await Promise.all(pool.slots.map((s) => s.ready));
    return pool;
  }

  private spawn(index: number, fd: number): void {
    const host = this.h.host;
    const shards: ShardRings[] = host.links.map((_, i) => host.rings(i));
    const data: IoWorkerData = {
      index,
      options: this.h.options,
      logLevel: this.h.log.levelCell,
      fd,
      shards,
      healthy: host.links.map((l) => l.healthy),
      preAckBlocked: host.preAcksBlocked,
      draining: this.draining,
    };
    const worker = new Worker(WORKER_URL, { workerData: data, name: `nsq-io-${index}` });
    let ready: () => void = () => {};
    const slot: Slot = {
      index,
      worker,
      ready: new Promise((r) => {
        ready = r;
      }),
      stopped: null,
      dead: false,
      startedAt: performance.now(),
      pending: new Map(),
    };
    this.slots[index - 1] = slot;
    worker.on('message', (msg: IoMessage) => {
      if (msg.type === 'log') this.h.log.writeLine(msg.line);
      else if (msg.type === 'ready') ready();
      else if (msg.type === 'clients') {
        slot.pending.get(msg.id)?.(msg.clients);
        slot.pending.delete(msg.id);
      }
    });
    worker.on('error', (err) => this.lost(slot, err));
    worker.on('exit', (code) => {
      ready();
      answerPending(slot);
      if (!this.closing) this.lost(slot, new Error(`exited with code ${code}`));
    });
  }

  /** an io thread died: its connections are gone; the shards forget them and a fresh thread accepts */
  private lost(slot: Slot, err: Error): void {
    if (this.closing || slot.dead) return;
    slot.dead = true;
    answerPending(slot);
    this.h.log.error(`io thread ${slot.index} failed: ${err.stack ?? err.message}; restarting it`);
    void slot.worker.terminate();
    const req: ControlRequest = { op: 'ioThreadLost', io: slot.index };
    for (let i = 0; i < this.h.host.links.length; i++) void this.h.control(i, req).catch(() => {});
    // a thread that fails as it starts is restarted after a pause, not in a tight loop
    const pause = performance.now() - slot.startedAt < RESTART_PAUSE_MS ? RESTART_PAUSE_MS : 0;
    void sleep(pause)
      .then(() => listenerCopies(this.h.listener.listening, 1))
      .then(
        ([copy]) => {
          // the broker closed meanwhile: nobody takes the copy
          if (this.closing) copy!.close();
          else this.spawn(slot.index, copy!.fd);
        },
        (e: Error) => this.h.log.error(`io thread ${slot.index} not restarted: ${e.message}`),
      );
  }

  private tellAll(cmd: IoCommand): void {
    for (const s of this.slots) s.worker.postMessage(cmd);
  }

  // ---- ShardWatcher ----
  health(index: number, healthy: boolean): void {
    this.tellAll({ type: 'health', index, healthy });
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
    const lists = await Promise.all(
      this.slots
        .filter((s) => !s.dead)
        .map(
          (s) =>
            new Promise<ClientEntry[]>((resolve) => {
              const id = this.nextRequestId++;
              s.pending.set(id, resolve);
              s.worker.postMessage({ type: 'clients', id } satisfies IoCommand);
            }),
        ),
    );
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
