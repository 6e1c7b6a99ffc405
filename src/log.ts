/**
 * nsqd-style logging to stderr: `[nsqd] 2006/01/02 15:04:05.000000 INFO: message`, filtered by
 * --log-level. Owns nothing but its level and prefix.
 */

/** Go nsq's log levels (internal/lg), lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, fatal: 4 };

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function stamp(d: Date): string {
  return (
    `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds() * 1000, 6)}`
  );
}

export class Logger {
  level: number;
  private readonly prefix: string;
  private readonly write: (line: string) => void;

  constructor(
    level: LogLevel,
    prefix: string,
    write: (line: string) => void = (l) => process.stderr.write(l),
  ) {
    this.level = LEVELS[level];
    this.prefix = prefix;
    this.write = write;
  }

  get levelName(): LogLevel {
    return (Object.keys(LEVELS) as LogLevel[]).find((k) => LEVELS[k] === this.level) ?? 'info';
  }

  /** false when `name` is not a level */
  setLevel(name: string): boolean {
    const n = name.toLowerCase();
    if (!(n in LEVELS)) return false;
    this.level = LEVELS[n as LogLevel];
    return true;
  }

  private log(level: LogLevel, msg: string): void {
    if (LEVELS[level] < this.level) return;
    this.write(`${this.prefix}${stamp(new Date())} ${level.toUpperCase()}: ${msg}\n`);
  }

  debug(msg: string): void {
    this.log('debug', msg);
  }
  info(msg: string): void {
    this.log('info', msg);
  }
  warn(msg: string): void {
    this.log('warn', msg);
  }
  error(msg: string): void {
    this.log('error', msg);
  }
}
