/** The disk queue's options and their validation at the boundary, with messages that name the option; no I/O. */

export type DiskLog = (level: 'info' | 'warn' | 'error', msg: string) => void;

export interface DiskQueueOptions {
  /** directory holding `${name}.diskqueue.%06d.dat` and `${name}.diskqueue.meta.dat` */
  dataPath: string;
  name: string;
  /** a new file is started before a write that would take the current one past this (bytes) */
  maxBytesPerFile: number;
  /** record size bounds in bytes (nsqd: 26 and --max-msg-size + 26), checked on write and on read */
  minMsgSize: number;
  maxMsgSize: number;
  /** fsync + metadata after this many reads+writes */
  syncEvery: number;
  /** fsync + metadata from tick() after this long with activity (ms) */
  syncTimeoutMs: number;
  log?: DiskLog;
  /**
   * durable mode: a record advance() hands out stays in the persisted read position until its
   * ticket is release()d, so a crash redelivers it rather than losing it
   */
  holdReads?: boolean;
  /** policy-driven syncs (every syncEvery ops, each tick, rollover) run on the threadpool, one at a time */
  backgroundSync?: boolean;
}

/** Throws an Error naming the first invalid option. */
export function validateOptions(o: DiskQueueOptions): void {
  const int = (v: number, key: string, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isSafeInteger(v) || v < min || v > max)
      throw new Error(`DiskQueue: ${key} must be an integer in [${min}, ${max}] (got ${v})`);
  };
  if (typeof o.name !== 'string' || o.name === '')
    throw new Error('DiskQueue: name must be a non-empty string');
  if (typeof o.dataPath !== 'string' || o.dataPath === '')
    throw new Error('DiskQueue: dataPath must be a non-empty string');
  int(o.maxBytesPerFile, 'maxBytesPerFile', 1);
  int(o.minMsgSize, 'minMsgSize', 0, 0x7fffffff);
  int(o.maxMsgSize, 'maxMsgSize', o.minMsgSize, 0x7fffffff);
  int(o.syncEvery, 'syncEvery', 1);
  if (!(o.syncTimeoutMs > 0))
    throw new Error(`DiskQueue: syncTimeoutMs must be > 0 (got ${o.syncTimeoutMs})`);
}
