#!/usr/bin/env node

/**
 * The nsqd command: flags → options → Broker.start(), signals → Broker.close(). Nothing else.
 */

import { Logger } from '../log.js';
import type { Broker } from './broker.js';
import { resolveOptions } from './options/cli.js';

/**
 * Go's lg.LogFatal: one `[nsqd] <time> FATAL: <msg>` line on stderr (that prefix whatever
 * --log-prefix says, as Go's), then exit 1.
 */
async function fatal(msg: string): Promise<never> {
  const log = new Logger('fatal', '[nsqd] ');
  log.fatal(msg);
  await log.flush();
  process.exit(1);
}

async function main(): Promise<void> {
  const r = resolveOptions(process.argv.slice(2));
  if (r.kind === 'exit') {
    if (r.code === 1) await fatal(r.stderr.trimEnd()); // a config or start-up check failed
    if (r.stdout !== '') process.stdout.write(r.stdout);
    if (r.stderr !== '') process.stderr.write(r.stderr);
    process.exitCode = r.code;
    return;
  }
  // loaded after the flags: --help, --version and a bad flag answer without loading the broker
  const { Broker } = await import('./broker.js');
  const log = new Logger(r.options.logLevel, r.options.logPrefix);
  for (const w of r.warnings) log.warn(w);
  // handlers first: a signal during start-up still ends in a clean shutdown
  let broker: Broker | null = null;
  let stopping: string | null = null;
  const stop = (signal: string): void => {
    if (stopping !== null) return;
    stopping = signal;
    if (broker === null) return; // start-up finishes first, then closes
    log.info(`received ${signal}, shutting down`);
    broker.close().then(
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
    broker = await Broker.start(r.options, log);
  } catch (err) {
    await fatal((err as Error).message);
  }
  if (stopping !== null) {
    const signal = stopping;
    stopping = null;
    stop(signal);
  }
}

void main();
