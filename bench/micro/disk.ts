/** Micro benchmarks of the go-diskqueue compatible DiskQueue in a temp dir with nsqd's defaults (100 MiB files, sync every 2,500 ops): put of one 226 B record (200 B body + 26 B header), putPacked of an MPUB-sized batch, and peek+advance. */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskQueue, type DiskQueueOptions } from '../../src/nsqd/disk/diskqueue.js';
import { MPUB_BATCH, MSG_SIZE } from './parser.js';
import type { MicroSuite, MicroTask } from './run.js';

const RECORD = MSG_SIZE + 26; // nsqd's disk record: [int64 ts][uint16 attempts][16 B ID][body]
/** The writers empty their queue after this many bytes, so a long run stays within a few hundred MiB. */
const EMPTY_EVERY = 64 * 1024 * 1024;
/** Records in the reader's file; it is rewound when drained. */
const READ_RECORDS = 100_000;

function options(dataPath: string, name: string): DiskQueueOptions {
  return {
    dataPath,
    name,
    maxBytesPerFile: 100 * 1024 * 1024,
    minMsgSize: 26,
    maxMsgSize: 1024 * 1024 + 26,
    syncEvery: 2500,
    syncTimeoutMs: 2000,
  };
}

function record(i: number): Buffer {
  const b = Buffer.alloc(RECORD, 0x61 + (i % 26));
  b.writeUInt32BE(i, 0);
  return b;
}

function putTask(dir: string): MicroTask {
  const q = DiskQueue.open(options(dir, 'put'));
  const rec = record(1);
  let written = 0;
  return {
    name: `DiskQueue.put ${RECORD} B record`,
    msgs: 1,
    run(n: number): number {
      for (let i = 0; i < n; i++) q.put(rec);
      if ((written += n * (RECORD + 4)) > EMPTY_EVERY) {
        q.empty();
        written = 0;
      }
      return q.depth;
    },
  };
}

/** records laid out as a data file holds them, `[int32 BE length][payload]...`, for putPacked */
function packed(records: readonly Buffer[]): Buffer {
  return Buffer.concat(records.flatMap((r) => [Buffer.from([0, 0, r.length >> 8, r.length & 255]), r]));
}

function putPackedTask(dir: string): MicroTask {
  const q = DiskQueue.open(options(dir, 'putmany'));
  const batch = packed(Array.from({ length: MPUB_BATCH }, (_, i) => record(i)));
  let written = 0;
  return {
    name: `DiskQueue.putPacked ${MPUB_BATCH} × ${RECORD} B`,
    msgs: MPUB_BATCH,
    run(n: number): number {
      for (let i = 0; i < n; i++) q.putPacked(batch, batch.length);
      if ((written += n * MPUB_BATCH * (RECORD + 4)) > EMPTY_EVERY) {
        q.empty();
        written = 0;
      }
      return q.depth;
    },
  };
}

/** Reads a prebuilt file of READ_RECORDS records; when drained, the metadata is reset to its start. */
function peekAdvanceTask(dir: string): MicroTask {
  const o = options(dir, 'read');
  const w = DiskQueue.open(o);
  for (let i = 0; i < READ_RECORDS; i += MPUB_BATCH) {
    const batch = packed(Array.from({ length: MPUB_BATCH }, (_, k) => record(i + k)));
    w.putPacked(batch, batch.length);
  }
  w.close();
  const metaFile = path.join(dir, 'read.diskqueue.meta.dat');
  const full = fs.readFileSync(metaFile, 'latin1');
  let q = DiskQueue.open(o);
  return {
    name: `DiskQueue.peek+advance ${RECORD} B record`,
    msgs: 1,
    run(n: number): number {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        let r = q.peek();
        if (r === null) {
          q.close();
          fs.writeFileSync(metaFile, full);
          q = DiskQueue.open(o);
          r = q.peek()!;
        }
        sum += r[3]!;
        q.advance();
      }
      return sum | 0;
    },
  };
}

export function diskSuite(): MicroSuite {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-ts-bench-disk-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    name: 'disk',
    msgSize: MSG_SIZE,
    note: `temp dir ${os.tmpdir()}, ${RECORD} B records (${MSG_SIZE} B body + 26 B header), sync every 2500 ops`,
    tasks: [putTask(dir), putPackedTask(dir), peekAdvanceTask(dir)],
  };
}
