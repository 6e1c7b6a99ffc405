/**
 * nsqd-style logging: `[nsqd] 2006/01/02 15:04:05.000000 INFO: message` (Go's log flags Ldate |
 * Ltime | Lmicroseconds, internal/lg's level names), filtered by --log-level before a line is built,
 * and written without ever blocking: to stderr through a bounded writer that drops lines (and says
 * how many once stderr drains) rather than queue without end. Owns its level cell (shared memory,
 * so shard workers' loggers follow a level change), its prefix and its writer.
 */

/** Go nsq's log levels (internal/lg), lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** internal/lg's numbers: a line is written when its level is >= the configured one */
export const LOG_DEBUG = 1;
export const LOG_INFO = 2;
export const LOG_WARN = 3;
export const LOG_ERROR = 4;
export const LOG_FATAL = 5;
/** above every level: nothing is written */
const LOG_NONE = 99;

const LEVELS: Record<LogLevel, number> = {
  debug: LOG_DEBUG,
  info: LOG_INFO,
  warn: LOG_WARN,
  error: LOG_ERROR,
  fatal: LOG_FATAL,
};
const NAMES: readonly LogLevel[] = ['debug', 'debug', 'info', 'warn', 'error', 'fatal'];
/** lg.LogLevel.String(): WARN prints as WARNING */
const TEXTS: readonly string[] = ['', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'FATAL'];

/** stderr output waiting to be written past which lines are dropped (counted, then reported) */
export const LOG_BUFFER_BYTES = 1 << 20;

// ---------------------------------------------------------------- timestamps

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** keeps the µs clock within a ms or two of the wall clock (the monotonic clock drifts; the wall clock steps) */
let clockOffsetMs = 0;
let lastUs = 0;
let stampSecond = -1;
let stampText = '';

/** `2006/01/02 15:04:05.000000` in local time, as Go's log package prints it */
export function logStamp(): string {
  let t = performance.timeOrigin + performance.now() + clockOffsetMs;
  const wall = Date.now();
  if (t < wall - 1 || t > wall + 2) {
    clockOffsetMs += wall + 0.5 - t;
    t = wall + 0.5;
  }
  let us = Math.floor(t * 1000);
  // a resync never turns the clock back by a hair (a wall clock stepped back is another matter)
  if (us < lastUs && lastUs - us < 3000) us = lastUs;
  lastUs = us;
  const second = Math.floor(us / 1e6);
  if (second !== stampSecond) {
    const d = new Date(second * 1000);
    stampSecond = second;
    stampText =
      `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.`;
  }
  return stampText + pad(us - second * 1e6, 6);
}

// ---------------------------------------------------------------- the bounded writer

/** the slice of a Writable the bounded writer uses (process.stderr; a fake in tests) */
export interface LogStream {
  readonly writableLength: number;
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * Writes lines to a stream without blocking and without queueing without end: while more than
 * `limit` bytes wait to be written (a pipe nobody reads: Node queues in memory, never blocks), a
 * line is dropped and counted; when the stream drains, `notice(count)` is written first.
 */
export class BoundedWriter {
  private readonly stream: LogStream;
  private readonly limit: number;
  private readonly notice: (dropped: number) => string;
  /** lines dropped since the stream last drained */
  dropped = 0;
  /** lines dropped since start */
  droppedTotal = 0;

  constructor(stream: LogStream, limit: number, notice: (dropped: number) => string) {
    this.stream = stream;
    this.limit = limit;
    this.notice = notice;
  }

  write(line: string): void {
    if (this.stream.writableLength > this.limit) {
      if (this.dropped++ === 0) this.stream.once('drain', () => this.drained());
      this.droppedTotal++;
      return;
    }
    this.stream.write(line);
  }

  private drained(): void {
    const n = this.dropped;
    this.dropped = 0;
    this.stream.write(this.notice(n));
  }

  /** resolves once nothing waits to be written, or after `timeoutMs` */
  flush(timeoutMs: number): Promise<void> {
    if (this.stream.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.stream.once('drain', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

// ---------------------------------------------------------------- the logger

export class Logger {
  /** the level (LOG_*) in shared memory: hand it to a worker's Logger and it follows setLevel */
  readonly levelCell: Int32Array;
  private readonly prefix: string;
  private readonly out: (line: string) => void;
  private readonly writer: BoundedWriter | null;

  /**
   * `level` is a name, or another logger's levelCell (a shard worker's logger); `write` receives
   * whole lines (default: stderr through a BoundedWriter)
   */
  constructor(level: LogLevel | Int32Array, prefix: string, write?: (line: string) => void) {
    if (typeof level === 'string') {
      this.levelCell = new Int32Array(new SharedArrayBuffer(4));
      this.levelCell[0] = LEVELS[level];
    } else {
      this.levelCell = level;
    }
    this.prefix = prefix;
    if (write === undefined) {
      const w = new BoundedWriter(process.stderr, LOG_BUFFER_BYTES, (n) =>
        this.format(LOG_WARN, `${n} log line(s) dropped: stderr was not being read`),
      );
      this.writer = w;
      this.out = (line) => w.write(line);
    } else {
      this.writer = null;
      this.out = write;
    }
  }

  /** a logger that writes nothing (shard cores in unit tests) */
  static silent(): Logger {
    const l = new Logger('fatal', '', () => {});
    l.levelCell[0] = LOG_NONE;
    return l;
  }

  /** the configured level (LOG_*) */
  get level(): number {
    return this.levelCell[0]!;
  }

  /** would a line at `level` (LOG_*) be written? Check this before building an expensive line */
  enabled(level: number): boolean {
    return level >= this.levelCell[0]!;
  }

  get levelName(): LogLevel {
    return NAMES[this.levelCell[0]!] ?? 'fatal';
  }

  /** false when `name` is not a level */
  setLevel(name: string): boolean {
    const n = LEVELS[name.toLowerCase() as LogLevel];
    if (n === undefined) return false;
    Atomics.store(this.levelCell, 0, n);
    return true;
  }

  /** the whole line for `msg` at `level`, prefix, stamp and newline included */
  format(level: number, msg: string): string {
    return `${this.prefix}${logStamp()} ${TEXTS[level]}: ${msg}\n`;
  }

  /** internal/lg's Logf: `msg` at `level` (LOG_*), if the level lets it through */
  logf(level: number, msg: string): void {
    if (level < this.levelCell[0]!) return;
    this.out(this.format(level, msg));
  }

  /** a line another thread formatted (a shard worker's), written as is */
  writeLine(line: string): void {
    this.out(line);
  }

  debug(msg: string): void {
    this.logf(LOG_DEBUG, msg);
  }
  info(msg: string): void {
    this.logf(LOG_INFO, msg);
  }
  warn(msg: string): void {
    this.logf(LOG_WARN, msg);
  }
  error(msg: string): void {
    this.logf(LOG_ERROR, msg);
  }
  fatal(msg: string): void {
    this.logf(LOG_FATAL, msg);
  }

  /** lines dropped because stderr was full, since start */
  get dropped(): number {
    return this.writer?.droppedTotal ?? 0;
  }

  /** resolves once stderr has taken every line, or after `timeoutMs` (before the process exits) */
  flush(timeoutMs = 1000): Promise<void> {
    return this.writer === null ? Promise.resolve() : this.writer.flush(timeoutMs);
  }
}
