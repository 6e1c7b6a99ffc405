/**
 * go-nsq's log lines: `<Go log time> INF    2 [topic/channel] (addr) text` — the level as `%-4s`
 * (DBG, INF, WRN, ERR), the instance id as `%3d` (one process-wide counter shared by consumers and
 * producers, from 1). Owns the counter and the default sink (stderr through a bounded writer).
 */

import { goLogLine } from '../go/log.js';
import { BoundedWriter, LOG_BUFFER_BYTES } from '../log.js';

export type ClientLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** receives each whole line (newline included) */
export type ClientLogSink = (line: string) => void;

const RANK: Record<ClientLogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const NAME: Record<ClientLogLevel, string> = { debug: 'DBG', info: 'INF', warn: 'WRN', error: 'ERR' };

let instances = 0;

/** go-nsq's instCount: the next consumer/producer id */
export function nextInstanceId(): number {
  return ++instances;
}

let stderrWriter: BoundedWriter | null = null;

/** the default sink: stderr, dropping (and counting) lines while more than 1 MiB waits to be written */
export function stderrSink(line: string): void {
  stderrWriter ??= new BoundedWriter(process.stderr, LOG_BUFFER_BYTES, (n) =>
    goLogLine(`WRN nsq-ts: ${n} log lines dropped (stderr blocked)`),
  );
  stderrWriter.write(line);
}

/** One consumer's or producer's logger: `prefix` is `%3d [t/c]` or `%3d`. */
export class ClientLog {
  private readonly min: number;
  private readonly sink: ClientLogSink | null;
  readonly prefix: string;

  constructor(id: number, scope: string | null, level: ClientLogLevel, sink: ClientLogSink | null) {
    this.min = RANK[level];
    this.sink = sink;
    this.prefix = `${String(id).padStart(3, ' ')}${scope === null ? '' : ` [${scope}]`}`;
  }

  enabled(level: ClientLogLevel): boolean {
    return this.sink !== null && RANK[level] >= this.min;
  }

  log(level: ClientLogLevel, text: string): void {
    if (this.sink === null || RANK[level] < this.min) return;
    this.sink(goLogLine(`${NAME[level].padEnd(4, ' ')} ${this.prefix} ${text}`));
  }

  /** a line about one nsqd connection: `... (addr) text` */
  conn(level: ClientLogLevel, addr: string, text: string): void {
    if (this.sink === null || RANK[level] < this.min) return;
    this.sink(goLogLine(`${NAME[level].padEnd(4, ' ')} ${this.prefix} (${addr}) ${text}`));
  }
}
