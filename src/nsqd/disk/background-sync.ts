/**
 * A disk queue's policy-driven syncs off its thread: fsync of the write file and the metadata
 * write (tmp, fsync, rename) run on the libuv threadpool, one at a time per queue, so the shard
 * that owns the queue keeps serving its other topics meanwhile — go-diskqueue syncs on each queue's
 * own goroutine, never stopping the others. It owns the in-flight flag, the "again" request and the
 * metadata generation: a synchronous metadata write (sync, close, empty) supersedes a background
 * one still in flight, whose rename is then dropped. The rename itself runs on the owner's thread,
 * so it is ordered against the owner's synchronous writes.
 */

import * as fs from 'node:fs';
import type { RecordWriter } from './data-file.js';
import type { DiskLog } from './options.js';

/** What the queue lends a background sync besides its writer. */
export interface SyncSource {
  /** the metadata text for the positions as they are now (taken before the fsync it covers) */
  snapshot(): string;
  /** a background sync failed: the policy retries later */
  failed(): void;
  closed(): boolean;
}

export class BackgroundSync {
  private inFlight = false;
  private again = false;
  /** bumped by every metadata write or removal; a background write of an older generation is dropped */
  private gen = 0;

  constructor(
    private readonly name: string,
    private readonly metaFile: string,
    private readonly log: DiskLog,
    /** its open file is pinned for the fsync: closing it waits until the fsync is done */
    private readonly writer: RecordWriter,
    private readonly source: SyncSource,
  ) {}

  /** a background sync is running (a rollover then syncs the file it closes itself) */
  get busy(): boolean {
    return this.inFlight;
  }

  /** A synchronous metadata write or removal happened: an in-flight background write must not land after it. */
  supersede(): void {
    this.gen++;
  }

  /** Syncs now in the background, or once more after the one in flight. */
  request(): void {
    if (this.inFlight) this.again = true;
    else this.start();
  }

  private start(): void {
    this.inFlight = true;
    this.again = false;
    const gen = ++this.gen;
    const text = this.source.snapshot();
    const fd = this.writer.pin();
    const afterFsync = (err: NodeJS.ErrnoException | null): void => {
      this.writer.unpin(fd);
      if (err !== null) this.finish(err);
      else this.writeMeta(gen, text);
    };
    if (fd < 0) afterFsync(null);
    else fs.fsync(fd, afterFsync);
  }

  private writeMeta(gen: number, text: string): void {
    const tmp = `${this.metaFile}.${Math.floor(Math.random() * Number.MAX_SAFE_INTEGER)}.tmp`;
    fs.writeFile(tmp, text, { encoding: 'latin1', mode: 0o600, flush: true }, (err) => {
      if (err !== null) {
        fs.rm(tmp, { force: true }, () => {});
        this.finish(err);
        return;
      }
      if (gen !== this.gen || this.source.closed()) {
        fs.rm(tmp, { force: true }, () => {});
        this.finish(null);
        return;
      }
      try {
        fs.renameSync(tmp, this.metaFile);
        this.finish(null);
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        this.finish(e as NodeJS.ErrnoException);
      }
    });
  }

  private finish(err: NodeJS.ErrnoException | null): void {
    this.inFlight = false;
    // after a close its own metadata write stands: a late failure (its directory gone, say) is moot
    if (err !== null && !this.source.closed()) {
      this.log('error', `DISKQUEUE(${this.name}) failed to sync - ${err}`);
      this.source.failed();
    }
    if (this.again && !this.source.closed()) this.start();
  }
}
