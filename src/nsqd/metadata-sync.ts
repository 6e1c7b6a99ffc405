/**
 * Keeps nsqd.dat in step with the shards, as nsqd does: loaded once at start-up (topics and
 * channels re-created with their pause flags, then written back), rewritten after every
 * non-ephemeral create or delete (debounced) and at once for pause changes and at shutdown. The
 * file is read and written by shard 0, so disk I/O stays off the io thread. Owns only the
 * debounce state.
 */

import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { TopicMeta } from './disk/metadata.js';
import type { ControlRequest, ControlResponse } from './queue/admin.js';
import { shardIndexOf } from './router/shard-map.js';

const DEBOUNCE_MS = 20;

export class MetadataKeeper {
  private readonly dataPath: string;
  private readonly shards: number;
  private readonly control: (index: number, req: ControlRequest) => Promise<ControlResponse>;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    dataPath: string,
    shards: number,
    control: (index: number, req: ControlRequest) => Promise<ControlResponse>,
    log: Logger,
  ) {
    this.dataPath = dataPath;
    this.shards = shards;
    this.control = control;
    this.log = log;
  }

  /**
   * re-create what nsqd.dat lists (beyond nsqd: with their queue policies); a malformed file
   * rejects (nsqd refuses to start). Resolves to what it listed.
   */
  async load(): Promise<TopicMeta[]> {
    const r = await this.control(0, { op: 'loadMeta', dataPath: this.dataPath });
    if (r.error !== null) throw new Error(r.error);
    for (const t of r.meta ?? []) {
      const k = shardIndexOf(t.name, this.shards);
      await this.control(k, { op: 'createTopic', topic: t.name });
      if (t.limits !== undefined)
        await this.control(k, { op: 'configure', topic: t.name, channel: null, change: t.limits });
      for (const c of t.channels) {
        await this.control(k, { op: 'createChannel', topic: t.name, channel: c.name });
        if (c.limits !== undefined)
          await this.control(k, { op: 'configure', topic: t.name, channel: c.name, change: c.limits });
        if (c.paused)
          await this.control(k, { op: 'pauseChannel', topic: t.name, channel: c.name, paused: true });
      }
      if (t.paused) await this.control(k, { op: 'pauseTopic', topic: t.name, paused: true });
    }
    await this.persist();
    return r.meta ?? [];
  }

  /** something changed: write soon */
  changed(): void {
    if (this.timer !== null || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.persist().catch(() => {});
    }, DEBOUNCE_MS);
    this.timer.unref();
  }

  /** write now; concurrent calls coalesce, and a change during a write triggers one more */
  persist(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        this.log.info(`NSQ: persisting topic/channel metadata to ${join(this.dataPath, 'nsqd.dat')}`);
        const parts = await Promise.all(
          Array.from({ length: this.shards }, (_, i) => this.control(i, { op: 'meta' })),
        );
        const topics: TopicMeta[] = parts.flatMap((p) => p.meta ?? []);
        const r = await this.control(0, { op: 'saveMeta', dataPath: this.dataPath, topics });
        if (r.error !== null) throw new Error(r.error);
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** no more writes on change (shutdown: the broker writes once more itself) */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
