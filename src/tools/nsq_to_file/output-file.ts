/**
 * One topic's output file, as Go's FileLogger keeps it: the open file, its revision and name, when it
 * was opened and how many bytes went into it (uncompressed), the rotation rules, sync (a gzip member
 * per sync, then fsync), close and the work-dir → output-dir move. It owns the file descriptor and the
 * bytes not yet written; it never FINs (the router does, after `sync()` resolves).
 *
 * Writes are coalesced: `write()` only queues the body and its newline; `flush()` writes what is queued
 * with one write(2) (the router flushes whenever it has no message waiting, so a plain file shows
 * each line as promptly as Go's unbuffered writes, and under load many lines go in one call). With
 * --gzip the queued bytes are one gzip member, compressed by node:zlib's async API on the libuv
 * threadpool at sync/close, never on the main thread.
 */

import { constants, type promises as fsp, promises } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { formatGoDurationNs } from '../../go/duration.js';
import { goPathError } from '../../go/errors.js';
import type { Logger } from '../../log.js';
import { strftime, withRev } from './naming.js';

const gzipAsync = promisify(gzipCb);

/** queued plain bytes past which `write()` asks for a flush before more are queued */
export const FLUSH_BYTES = 1 << 20;

export interface OutputOptions {
  topic: string;
  channel: string;
  /** the topic's template: computeFilenameFormat's result */
  filenameFormat: string;
  datetimeFormat: string;
  workDir: string;
  outputDir: string;
  gzip: boolean;
  gzipLevel: number;
  rotateSize: number;
  /** ms, 0 = off */
  rotateInterval: number;
}

/** logs a FATAL line and ends the process with exit 1 (a test passes one that throws) */
export type Fatal = (msg: string) => never;

export class OutputFile {
  private readonly o: OutputOptions;
  private readonly log: Logger;
  private readonly fatal: Fatal;
  private readonly tag: string;
  private fh: fsp.FileHandle | null = null;
  /** the open file's path (Go's f.out.Name()) */
  private outName = '';
  /** the name computed at the last open, <REV> still in it */
  private filename = '';
  private rev = 0;
  private openTime = 0n;
  /** bytes in the file at open + bytes written since, uncompressed (rotate-size counts these) */
  filesize = 0;
  /** bodies and newlines queued: not yet written (plain) or the gzip member being built */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** the <DATETIME> name cached for one wall-clock second (strftime per message is not free) */
  private nameSecond = -1;
  private nameCached = '';

  constructor(o: OutputOptions, log: Logger, fatal: Fatal) {
    this.o = o;
    this.log = log;
    this.fatal = fatal;
    this.tag = `[${o.topic}/${o.channel}]`;
  }

  get isOpen(): boolean {
    return this.fh !== null;
  }

  /** plain mode: enough is queued that it should be written before more is */
  get wantsFlush(): boolean {
    return !this.o.gzip && this.pendingBytes >= FLUSH_BYTES;
  }

  /** queues body + "\n" (Go's two Write calls; filesize counts both) */
  write(body: Buffer): void {
    this.pending.push(body, NEWLINE);
    this.pendingBytes += body.length + 1;
    this.filesize += body.length + 1;
  }

  private currentFilename(): string {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== this.nameSecond) {
      this.nameSecond = second;
      this.nameCached = this.o.filenameFormat.replaceAll(
        '<DATETIME>',
        strftime(this.o.datetimeFormat, new Date(now)),
      );
    }
    return this.nameCached;
  }

  /** Go's needsRotation, its log lines included */
  needsRotation(): boolean {
    if (this.fh === null) return true;
    const filename = this.currentFilename();
    if (filename !== this.filename) {
      this.log.info(`${this.tag} new filename ${filename}, rotating...`);
      return true;
    }
    if (this.o.rotateInterval > 0) {
      const s = process.hrtime.bigint() - this.openTime;
      if (s > BigInt(this.o.rotateInterval) * 1_000_000n) {
        this.log.info(`${this.tag} ${formatGoDurationNs(s)} since last open, rotating...`);
        return true;
      }
    }
    if (this.o.rotateSize > 0 && this.filesize > this.o.rotateSize) {
      this.log.info(
        `${this.tag} ${this.outName} currently ${this.filesize} bytes (> ${this.o.rotateSize}), rotating...`,
      );
      return true;
    }
    return false;
  }

  /** writes the queued plain bytes (gzip: nothing; the member is written whole at sync/close) */
  async flush(): Promise<void> {
    if (this.o.gzip || this.pendingBytes === 0 || this.fh === null) return;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    try {
      await writeAll(this.fh, buf);
    } catch (err) {
      this.fatal(`${this.tag} writing message to disk: ${goPathError('write', this.outName, err)}`);
    }
  }

  /** gzip: compresses the queued member (empty included, as Go's gzip.Writer.Close) and writes it */
  private async endMember(): Promise<void> {
    const fh = this.fh!;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const member = await gzipAsync(data, { level: this.o.gzipLevel });
    await writeAll(fh, member);
  }

  /** Go's Sync: gzip closes the member (a new one starts), then fsync */
  async sync(): Promise<void> {
    if (this.fh === null) return;
    if (this.o.gzip) await this.endMember();
    else await this.flush();
    await this.fh.sync();
  }

  /** Go's Close: gzip member closed, fsync, close, then the move to --output-dir */
  async close(): Promise<void> {
    const fh = this.fh;
    if (fh === null) return;
    if (this.o.gzip) {
      try {
        await this.endMember();
      } catch (err) {
        this.fatal(`${this.tag} failed to close GZIP writer: ${goPathError('write', this.outName, err)}`);
      }
    } else {
      await this.flush();
    }
    try {
      await fh.sync();
    } catch (err) {
      this.fatal(`${this.tag} failed to fsync output file: ${goPathError('sync', this.outName, err)}`);
    }
    try {
      await fh.close();
    } catch (err) {
      this.fatal(`${this.tag} failed to close output file: ${goPathError('close', this.outName, err)}`);
    }
    this.fh = null;
    if (this.o.workDir !== this.o.outputDir) await this.moveFinished();
  }

  /** the work-dir → output-dir move by hard link + unlink, never overwriting (next rev instead) */
  private async moveFinished(): Promise<void> {
    const src = this.outName;
    const dst = outputPathOf(this.o, src);
    this.log.info(`${this.tag} moving finished file ${src} to ${dst}`);
    const first = await exclusiveRename(src, dst);
    if (first === null) return;
    if (first.code !== 'EEXIST') {
      this.fatal(`${this.tag} unable to move file from ${src} to ${dst}: ${goLinkError(src, dst, first)}`);
    }
    const dstTmpl = path.join(path.dirname(dst), path.basename(this.filename));
    for (let i = this.rev + 1; ; i++) {
      // Go logs the first destination every time round (the next one is declared after the log call)
      this.log.warn(`${this.tag} destination file already exists: ${dst}`);
      const next = withRev(dstTmpl, i);
      const err = await exclusiveRename(src, next);
      if (err === null) {
        this.log.info(`${this.tag} renamed finished file ${src} to ${next} to avoid overwrite`);
        return;
      }
      if (err.code !== 'EEXIST') {
        this.fatal(
          `${this.tag} unable to rename file from ${src} to ${next}: ${goLinkError(src, next, err)}`,
        );
      }
    }
  }

  /** Go's updateFile: close the current file, pick the name and revision, open it */
  async updateFile(): Promise<void> {
    await this.close();
    const filename = this.currentFilename();
    if (filename !== this.filename) this.rev = 0;
    else this.rev++;
    this.filename = filename;
    this.openTime = process.hrtime.bigint();
    const fullPath = path.join(this.o.workDir, filename);
    await this.mkdirFor(fullPath);
    const exclusive = this.o.gzip || this.o.rotateInterval > 0;
    const flags =
      constants.O_WRONLY | constants.O_CREAT | (exclusive ? constants.O_EXCL : constants.O_APPEND);
    for (; ; this.rev++) {
      const absFilename = withRev(fullPath, this.rev);
      if (this.o.workDir !== this.o.outputDir) {
        const outputFileName = outputPathOf(this.o, absFilename);
        await this.mkdirFor(outputFileName);
        const exists = await statExists(outputFileName);
        if (exists === true) {
          this.log.warn(`${this.tag} output file already exists: ${outputFileName}`);
          continue;
        }
        if (exists !== false) {
          this.fatal(
            `${this.tag} unable to stat output file ${outputFileName}: ${goPathError('stat', outputFileName, exists)}`,
          );
        }
      }
      let fh: fsp.FileHandle;
      try {
        fh = await promises.open(absFilename, flags, 0o666);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          this.log.warn(`${this.tag} working file already exists: ${absFilename}`);
          continue;
        }
        this.fatal(`${this.tag} unable to open ${absFilename}: ${goPathError('open', absFilename, err)}`);
      }
      this.log.info(`${this.tag} opening ${absFilename}`);
      this.fh = fh;
      this.outName = absFilename;
      this.filesize = (await fh.stat()).size;
      if (this.o.rotateSize > 0 && this.filesize > this.o.rotateSize) {
        this.log.info(
          `${this.tag} ${absFilename} currently ${this.filesize} bytes (> ${this.o.rotateSize}), rotating...`,
        );
        // Go moves on to the next revision without closing this one (its descriptor leaks); ours is closed
        await fh.close();
        this.fh = null;
        continue;
      }
      break;
    }
  }

  private async mkdirFor(file: string): Promise<void> {
    const dir = path.dirname(file);
    if (dir === '.') return;
    try {
      await promises.mkdir(dir, { recursive: true, mode: 0o770 });
    } catch (err) {
      this.fatal(`${this.tag} unable to create dir: ${goPathError('mkdir', dir, err)}`);
    }
  }
}

const NEWLINE = Buffer.from('\n');

/**
 * Go's `filepath.Join(OutputDir, strings.TrimPrefix(src, WorkDir))`. Quirk kept from Go (it decides
 * where finished files land): src was cleaned by path.Join, so a --work-dir written `./w` (or `w/`) is
 * not a prefix of `w/x` and the file lands in `<output-dir>/w/x`.
 */
export function outputPathOf(o: { workDir: string; outputDir: string }, src: string): string {
  const rel = src.startsWith(o.workDir) ? src.slice(o.workDir.length) : src;
  return path.join(o.outputDir, rel);
}

async function writeAll(fh: fsp.FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, null);
    off += bytesWritten;
  }
}

/** true/false, or the error when stat failed for another reason than ENOENT */
async function statExists(p: string): Promise<boolean | NodeJS.ErrnoException> {
  try {
    await promises.stat(p);
    return true;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code === 'ENOENT' ? false : e;
  }
}

/** link + unlink: fails with EEXIST instead of replacing dst; null on success */
async function exclusiveRename(src: string, dst: string): Promise<NodeJS.ErrnoException | null> {
  try {
    await promises.link(src, dst);
    await promises.unlink(src);
    return null;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

/** Go's *os.LinkError: `link <src> <dst>: <errno text>` */
function goLinkError(src: string, dst: string, err: unknown): string {
  return goPathError('link', `${src} ${dst}`, err);
}
