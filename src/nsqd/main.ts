#!/usr/bin/env node

/**
 * The nsqd command: flags → options → Broker.start(), signals → Broker.close(). Nothing else.
 */

import { Logger } from '../log.js';
import { Broker } from './broker.js';
import { resolveOptions } from './options/cli.js';

async function main(): Promise<void> {
  const r = resolveOptions(process.argv.slice(2));
  if (r.kind === 'exit') {
    if (r.stdout !== '') process.stdout.write(r.stdout);
    if (r.stderr !== '') process.stderr.write(r.stderr);
    process.exitCode = r.code;
    return;
  }
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
    log.error((err as Error).message);
    process.exit(1);
  }
  if (stopping !== null) {
    const signal = stopping;
    stopping = null;
    stop(signal);
  }
}

void main();
