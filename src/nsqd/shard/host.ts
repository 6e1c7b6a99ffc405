/**
 * The shard host on the io thread: spawns the shard workers, hands each its two rings, pumps their
 * outbound rings into the io thread's ShardAnswers, and on a shard crash logs it, tells the answers
 * `shardLost` (closing what depended on it) and starts a fresh worker in its place. Owns the Worker
 * objects and the links.
 */

import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log.js';
import type { IoAnswers } from '../contract/shard.js';
import type { TopologyChange } from '../contract/topology.js';
import type { Options } from '../options/options.js';
import type { ControlRequest, ControlResponse } from '../queue/admin.js';
import { createRingBuffer, ringCapacityFor } from './ring.js';
import type { ShardWorkerData } from './worker.js';
import { pumpLink, WorkerLink } from './worker-link.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** what shards report that is not about a connection */
export interface ShardReports {
  health(index: number, error: string | null): void;
  metaChanged(): void;
  /** a topic or channel came or went */
  topology(ev: TopologyChange): void;
  /** shard `index` crashed and starts again empty (its topics come back from disk on first use) */
  lost(index: number): void;
}

/** how long a shard may take to write its queues to disk at shutdown before it is terminated */
const SHUTDOWN_TIMEOUT_MS = 120_000;

type ShardMessage =
  | { type: 'control'; id: number; res: ControlResponse }
  | { type: 'health'; error: string | null }
  /** a whole log line the shard's logger built (its level already checked) */
  | { type: 'log'; line: string }
  | { type: 'meta' }
  | { type: 'topology'; ev: TopologyChange }
  | { type: 'stopped' };

/** one shard's rings, one each way per io thread, in io-thread order */
export interface ShardRings {
  readonly inbound: SharedArrayBuffer[];
  readonly outbound: SharedArrayBuffer[];
  /** with several io threads: the shard's publish counter ([0]; worker-link.ts, inbound-order.ts) */
  readonly order: Int32Array | null;
}

/** what the other io threads (--io-threads) must hear of the shards: io/pool.ts listens */
export interface ShardWatcher {
  /** shard `index` reported a failed disk write (its error) or a good one again (null) */
  health(index: number, error: string | null): void;
  /** publishes wait for their shard's answer from now on */
  blockPreAcks(): void;
  /** shard `index` crashed and runs again with fresh rings */
  respawned(index: number, rings: ShardRings): void;
}

interface Slot {
  worker: Worker;
  link: WorkerLink;
  rings: ShardRings;
  /** control requests awaiting the shard's answer, by id */
  pending: Map<number, { resolve: (r: ControlResponse) => void; reject: (e: Error) => void }>;
}

export class ShardHost {
  private readonly slots: Slot[] = [];
  private readonly options: Options;
  private readonly answers: IoAnswers;
  private readonly log: Logger;
  private closing = false;
  private nextRequestId = 1;
  /** a reject-new max depth may refuse a publish: only the shard can answer one (never pre-acked) */
  private preAckBlocked: boolean;
  /** links in shard order; a restarted shard gets a new link object at the same index */
  readonly links: WorkerLink[] = [];
  /** io threads besides this one (the main thread: io thread 0) */
  watcher: ShardWatcher | null = null;
  private readonly reports: ShardReports;
  private readonly ioThreads: number;

  /** `ioThreads`: how many io threads each shard has rings with (this thread is io thread 0) */
  constructor(
    options: Options,
    count: number,
    answers: IoAnswers,
    reports: ShardReports,
    log: Logger,
    ioThreads = 1,
  ) {
    this.options = options;
    this.answers = answers;
    this.reports = reports;
    this.log = log;
    this.ioThreads = ioThreads;
    this.preAckBlocked = options.maxDepth > 0 && options.maxDepthPolicy === 'reject-new';
    for (let i = 0; i < count; i++) this.spawn(i);
  }

  /** a reject-new max depth was set: from now on every publish waits for its shard's answer */
  blockPreAcks(): void {
    this.preAckBlocked = true;
    for (const l of this.links) l.preAckBlocked = true;
    this.watcher?.blockPreAcks();
  }

  /** whether publishes wait for their shard's answer (a reject-new max depth was ever set) */
  get preAcksBlocked(): boolean {
    return this.preAckBlocked;
  }

  /** shard `index`'s rings (for the other io threads) */
  rings(index: number): ShardRings {
    return this.slots[index]!.rings;
  }

  private spawn(index: number): void {
    const o = this.options;
    const inbound: SharedArrayBuffer[] = [];
    const outbound: SharedArrayBuffer[] = [];
    for (let i = 0; i < this.ioThreads; i++) {
      inbound.push(createRingBuffer(ringCapacityFor(o.maxBodySize + 256)));
      outbound.push(createRingBuffer(ringCapacityFor(o.maxMsgSize + 256)));
    }
    const order = this.ioThreads > 1 ? new Int32Array(new SharedArrayBuffer(4)) : null;
    const data: ShardWorkerData = { index, inbound, outbound, options: o, logLevel: this.log.levelCell };
    const worker = new Worker(WORKER_URL, { workerData: data, name: `nsq-shard-${index}` });
    const link = new WorkerLink(
      index,
      inbound[0]!,
      outbound[0]!,
      this.answers,
      o.syncPublish,
      inbound[0],
      order,
    );
    link.preAckBlocked = this.preAckBlocked;
    const slot: Slot = { worker, link, rings: { inbound, outbound, order }, pending: new Map() };
    worker.on('message', (msg: ShardMessage) => {
      if (msg.type === 'control') {
        const p = slot.pending.get(msg.id);
        slot.pending.delete(msg.id);
        p?.resolve(msg.res);
      } else if (msg.type === 'health') {
        link.healthy = msg.error === null;
        this.reports.health(index, msg.error);
        this.watcher?.health(index, msg.error);
      } else if (msg.type === 'log') this.log.writeLine(msg.line);
      else if (msg.type === 'meta') this.reports.metaChanged();
      else if (msg.type === 'topology') this.reports.topology(msg.ev);
    });
    this.slots[index] = slot;
    this.links[index] = link;
    worker.on('error', (err) => this.lost(slot, index, err));
    worker.on('exit', (code) => {
      if (!this.closing && this.slots[index] === slot)
        this.lost(slot, index, new Error(`exited with code ${code}`));
    });
    void pumpLink(link);
  }

  private lost(slot: Slot, index: number, err: Error): void {
    if (this.closing || this.slots[index] !== slot) return;
    this.log.error(`shard ${index} failed: ${err.stack ?? err.message}; restarting it`);
    slot.link.stop();
    void slot.worker.terminate();
    for (const p of slot.pending.values()) p.reject(new Error(`shard ${index} failed`));
    slot.pending.clear();
    this.spawn(index);
    this.watcher?.respawned(index, this.slots[index]!.rings);
    this.answers.shardLost(index);
    this.reports.lost(index);
  }

  /** a control-plane request (admin action, stats) to shard `index` */
  control(index: number, req: ControlRequest): Promise<ControlResponse> {
    const slot = this.slots[index]!;
    const id = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      // the records written before this request are in the ring before it is posted
      slot.link.flushRing();
      slot.worker.postMessage({ type: 'control', id, req });
    });
  }

  /** fault injection for tests: make shard `index` throw as a bug would */
  crash(index: number): void {
    this.slots[index]?.worker.postMessage({ type: 'crash' });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.link.flushRing(); // what was written this turn, before the stop
        slot.link.stop();
        slot.worker.postMessage({ type: 'stop' });
        const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
        const timeout = setTimeout(() => {
          this.log.error(
            `shard ${slot.link.index}: shutdown took over ${SHUTDOWN_TIMEOUT_MS / 1000} s; terminating it`,
          );
          void slot.worker.terminate();
        }, SHUTDOWN_TIMEOUT_MS);
        await exited;
        clearTimeout(timeout);
      }),
    );
  }
}
