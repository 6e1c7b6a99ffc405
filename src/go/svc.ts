/**
 * Every program's main as Go NSQ's apps run theirs (judwhite/go-svc + internal/lg.LogFatal): argv
 * resolved to options (or an exit with Go's texts and codes), start-up warnings logged, SIGINT and
 * SIGTERM → one clean close and exit 0, and a failed start as one `<prefix><time> FATAL: <msg>`
 * line on stderr and exit 1. Knows no program.
 */

import { Logger, type LogLevel } from '../log.js';
import type { CliResult } from './options.js';

/** what a started program is to its main */
export interface Service {
  close(): Promise<void>;
}

/**
 * Go's lg.LogFatal: one `<prefix><time> FATAL: <msg>` line on stderr (Go's apps use their default
 * prefix there, whatever --log-prefix says), then exit 1.
 */
export async function logFatal(prefix: string, msg: string): Promise<never> {
  const log = new Logger('fatal', prefix);
  log.fatal(msg);
  await log.flush();
  process.exit(1);
}

export interface ServiceMain<O extends { logLevel: LogLevel; logPrefix: string }> {
  /** the FATAL lines' prefix, e.g. `[nsqd] ` */
  readonly fatalPrefix: string;
  /** argv → options or an exit */
  readonly resolve: (argv: string[]) => CliResult<O>;
  /** starts the program (rejects with its FATAL text) */
  readonly start: (options: O, log: Logger) => Promise<Service>;
}

/** runs a program's main over process.argv */
export async function runService<O extends { logLevel: LogLevel; logPrefix: string }>(
  m: ServiceMain<O>,
): Promise<void> {
  const r = m.resolve(process.argv.slice(2));
  if (r.kind === 'exit') {
    if (r.code === 1) await logFatal(m.fatalPrefix, r.stderr.trimEnd()); // a config or start-up check failed
    if (r.stdout !== '') process.stdout.write(r.stdout);
    if (r.stderr !== '') process.stderr.write(r.stderr);
    process.exitCode = r.code;
    return;
  }
  const log = new Logger(r.options.logLevel, r.options.logPrefix);
  for (const w of r.warnings) log.warn(w);
  // handlers first: a signal during start-up still ends in a clean shutdown
  let service: Service | null = null;
  let stopping: string | null = null;
  const stop = (signal: string): void => {
    if (stopping !== null) return;
    stopping = signal;
    if (service === null) return; // start-up finishes first, then closes
    log.info(`received ${signal}, shutting down`);
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error(`shutdown: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  try {
    service = await m.start(r.options, log);
  } catch (err) {
    await logFatal(m.fatalPrefix, (err as Error).message);
  }
  if (stopping !== null) {
    const signal = stopping;
    stopping = null;
    stop(signal);
  }
}
