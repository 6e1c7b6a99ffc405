/** The disk queue suites' fixture: a fresh temp directory and log per test, a queue opened in it, and hand-built records, file names and crash copies. */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import { DiskQueue, type DiskQueueOptions } from '../../src/nsqd/disk/diskqueue.js';

let dir = '';
let logs: string[] = [];

/** Call once at a suite file's top level: every test gets a fresh directory and log. */
export function useQueueDir(): void {
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-ts-dq-'));
    logs = [];
  });
  afterEach(() => {
    fs.chmodSync(dir, 0o700);
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

/** The current test's directory and the lines its queues logged. */
export const queueDir = (): string => dir;
export const queueLogs = (): readonly string[] => logs;

export function open(over: Partial<DiskQueueOptions> = {}, at = dir): DiskQueue {
  return DiskQueue.open({
    dataPath: at,
    name: 'q',
    maxBytesPerFile: 1 << 20,
    minMsgSize: 26,
    maxMsgSize: 1000,
    syncEvery: 1_000_000,
    syncTimeoutMs: 2000,
    log: (level, msg) => logs.push(`${level}: ${msg}`),
    ...over,
  });
}

/** A payload of `size` bytes whose first 4 bytes are `i`. */
export function rec(i: number, size = 30): Buffer {
  const b = Buffer.alloc(size, 0x61 + (i % 26));
  b.writeUInt32BE(i, 0);
  return b;
}

/** The go-diskqueue data file layout, built by hand: `[int32 BE len][payload]...`. */
export function layout(recs: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of recs) {
    const h = Buffer.alloc(4);
    h.writeInt32BE(r.length);
    parts.push(h, r);
  }
  return Buffer.concat(parts);
}

/** `recs` appended in one putPacked, as a batch of publishes is */
export function putMany(q: DiskQueue, recs: Buffer[]): void {
  const packed = layout(recs);
  q.putPacked(packed, packed.length);
}

export const dat = (n: number, at = dir): string =>
  path.join(at, `q.diskqueue.${String(n).padStart(6, '0')}.dat`);
export const meta = (at = dir): string => path.join(at, 'q.diskqueue.meta.dat');
export const readMeta = (): string => fs.readFileSync(meta(), 'latin1');
export const files = (): string[] => fs.readdirSync(dir).sort();
export const logged = (text: string): boolean => logs.some((l) => l.includes(text));

/** Takes every record, returning the index each starts with. */
export function drain(q: DiskQueue): number[] {
  const got: number[] = [];
  for (let r = q.peek(); r !== null; r = q.peek()) {
    got.push(r.readUInt32BE(0));
    q.advance();
  }
  return got;
}

/** a copy of the queue directory as a kill -9 would leave it, handed to `check` and removed after */
export function afterCrashCopy(check: (crashed: string) => void): void {
  const crashed = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-ts-dq-crash-'));
  try {
    fs.cpSync(dir, crashed, { recursive: true });
    check(crashed);
  } finally {
    fs.rmSync(crashed, { recursive: true, force: true });
  }
}

export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i);
