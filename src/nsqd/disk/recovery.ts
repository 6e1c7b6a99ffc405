/**
 * A disk queue's start-up: go-diskqueue's metadata checks, plus what go-diskqueue lacks — after an
 * unclean stop the depth is recounted from the record headers in the files (a torn last record is
 * cut off, never read half), so the depth the queue reports is true again. Reads only files and
 * returns positions; it owns no queue state.
 */

import * as fs from 'node:fs';
import { dataFileName, fileSize, listDataFiles, metaFileName, parseMeta, type QueueMeta } from './files.js';
import type { DiskLog } from './options.js';

/** Bytes of a data file read at a time while walking its record headers. */
const SCAN_CHUNK = 256 * 1024;

/** The queue being opened: where its files are, its record size bounds, where to log. */
export interface QueueFiles {
  dataPath: string;
  name: string;
  minMsgSize: number;
  maxMsgSize: number;
  log: DiskLog;
}

/** What a walk of one data file's record headers found. */
export interface Scan {
  /** whole, in-bounds records from the start position on */
  count: number;
  /** the file position just past the last whole record */
  end: number;
  /** the file's size; `end < size` means a torn or garbled tail */
  size: number;
  /** the walk stopped at a length outside [min, max] (garbage, not merely a torn tail) */
  garbled: boolean;
}

/**
 * Walks `file`'s `[int32 BE length][payload]` headers from `from` to its end, reading in large
 * chunks (a recovery path: never on the data path). A missing file scans as empty.
 */
export function scanRecords(file: string, from: number, minMsgSize: number, maxMsgSize: number): Scan {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { count: 0, end: from, size: 0, garbled: false };
    throw err;
  }
  const buf = Buffer.allocUnsafe(SCAN_CHUNK);
  const scan: Scan = { count: 0, end: from, size: 0, garbled: false };
  try {
    const size = fs.fstatSync(fd).size;
    scan.size = size;
    let bufPos = 0;
    let bufLen = 0;
    for (let pos = from; pos + 4 <= size; ) {
      if (pos < bufPos || pos + 4 > bufPos + bufLen) {
        bufPos = pos;
        bufLen = fs.readSync(fd, buf, 0, Math.min(SCAN_CHUNK, size - pos), pos);
        if (bufLen < 4) break;
      }
      const n = buf.readInt32BE(pos - bufPos);
      if (n < minMsgSize || n > maxMsgSize) {
        scan.garbled = true;
        break;
      }
      if (pos + 4 + n > size) break;
      pos += 4 + n;
      scan.count++;
      scan.end = pos;
    }
  } finally {
    fs.closeSync(fd);
  }
  return scan;
}

/** The positions say there is data to read (go-diskqueue decides by them, never by the depth). */
export function hasUnread(m: QueueMeta): boolean {
  return m.readFileNum < m.writeFileNum || (m.readFileNum === m.writeFileNum && m.readPos < m.writePos);
}

/**
 * Opens a queue's state: the metadata, then go-diskqueue's check of the write file. A write file
 * whose size is not writePos (the metadata was not synced before a crash, or the file was cut short
 * or lost) is left to the reader as a complete file and writing moves to a new file, as
 * go-diskqueue does; beyond it, the records written after the last sync are counted into the depth
 * and a torn last record is cut off. A depth that contradicts the positions is recounted. Without
 * usable metadata any data files are salvaged. `dirty` means the state should be persisted soon.
 */
export function loadQueueState(q: QueueFiles): { meta: QueueMeta; dirty: boolean } {
  const { dataPath, name, log } = q;
  const file = metaFileName(dataPath, name);
  let text: string | null = null;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log('error', `DISKQUEUE(${name}) failed to retrieveMetaData - ${err}`);
  }
  const meta = text === null ? null : parseMeta(text);
  if (meta === null) {
    if (text !== null)
      log('error', `DISKQUEUE(${name}) failed to retrieveMetaData - malformed ${JSON.stringify(text)}`);
    return recoverFromFiles(q);
  }
  const writeFile = dataFileName(dataPath, name, meta.writeFileNum);
  const size = fileSize(writeFile);
  const clean = size === meta.writePos || (size < 0 && meta.writePos === 0);
  const contradicts = hasUnread(meta) && meta.depth <= 0;
  if (clean && !contradicts) return { meta, dirty: false };
  const was = meta.depth;
  if (!clean) {
    const what = size < 0 ? 'missing' : `file size of ${size}`;
    const cmp = size > meta.writePos ? '<' : '>';
    log(
      'warn',
      `DISKQUEUE(${name}) ${writeFile} metadata writePos ${meta.writePos} ${cmp} ${what}, skipping to new file`,
    );
  }
  if (!clean && !contradicts && size > meta.writePos) {
    // the usual crash: records appended after the last sync; the metadata's depth covers the rest
    meta.depth += countTail(q, writeFile, meta.writePos);
  } else {
    meta.depth = recount(q, meta, clean);
  }
  if (!clean) {
    meta.writeFileNum++;
    meta.writePos = 0;
  }
  if (meta.depth !== was)
    log('warn', `DISKQUEUE(${name}) depth ${was} in the metadata, ${meta.depth} records in the files`);
  return { meta, dirty: true };
}

/**
 * Counts the records from `from` to the end of a write file that will be read as a complete file;
 * a torn last record (a length that runs past the end, or fewer than 4 bytes) is cut off so it is
 * never read half. A garbled length stops the count: the reader quarantines the file there.
 */
function countTail(q: QueueFiles, file: string, from: number): number {
  const s = scanRecords(file, from, q.minMsgSize, q.maxMsgSize);
  if (s.end < s.size && !s.garbled) {
    q.log('warn', `DISKQUEUE(${q.name}) ${file} ends in a torn record: truncating ${s.size} to ${s.end}`);
    fs.truncateSync(file, s.end);
  }
  return s.count;
}

/**
 * Every record from the read position to the end of the data: whole files between, the write file
 * up to writePos when it is clean, else to its end (its torn tail cut off).
 */
function recount(q: QueueFiles, m: QueueMeta, clean: boolean): number {
  let depth = 0;
  for (let f = m.readFileNum; f <= m.writeFileNum; f++) {
    const from = f === m.readFileNum ? m.readPos : 0;
    const file = dataFileName(q.dataPath, q.name, f);
    if (f === m.writeFileNum) {
      if (clean) depth += scanRecords(file, from, q.minMsgSize, q.maxMsgSize).count;
      else depth += countTail(q, file, from);
      break;
    }
    depth += scanRecords(file, from, q.minMsgSize, q.maxMsgSize).count;
  }
  return depth;
}

function recoverFromFiles(q: QueueFiles): { meta: QueueMeta; dirty: boolean } {
  const { dataPath, name, log } = q;
  const meta: QueueMeta = { depth: 0, readFileNum: 0, readPos: 0, writeFileNum: 0, writePos: 0 };
  let nums: number[] = [];
  try {
    nums = listDataFiles(dataPath, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (nums.length === 0) return { meta, dirty: false };
  for (const n of nums)
    meta.depth += scanRecords(dataFileName(dataPath, name, n), 0, q.minMsgSize, q.maxMsgSize).count;
  meta.readFileNum = nums[0]!;
  meta.writeFileNum = nums[nums.length - 1]! + 1;
  log(
    'warn',
    `DISKQUEUE(${name}) no metadata: recovering ${meta.depth} records from files ${nums[0]}..${meta.writeFileNum - 1}`,
  );
  return { meta, dirty: true };
}
