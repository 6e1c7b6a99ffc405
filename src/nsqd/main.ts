#!/usr/bin/env node

/**
 * The nsqd command: flags → options → Broker.start(); SIGINT and SIGTERM → Broker.close(), SIGUSR2
 * → drain mode (nsq-ts: nsqd leaves SIGUSR2 unhandled; Node keeps SIGUSR1 for its inspector).
 * Nothing else.
 */

import { runService } from '../go/svc.js';
import type { Broker } from './broker.js';
import { resolveOptions } from './options/cli.js';

// handled from the start: a SIGUSR2 during start-up drains once the broker runs (never the default kill)
let broker: Broker | null = null;
let drainAsked = false;
process.on('SIGUSR2', () => {
  if (broker === null) drainAsked = true;
  else broker.startDrain('SIGUSR2');
});

void runService({
  fatalPrefix: '[nsqd] ',
  resolve: resolveOptions,
  // loaded after the flags: --help, --version and a bad flag answer without loading the broker
  start: async (options, log) => {
    broker = await (await import('./broker.js')).Broker.start(options, log);
    if (drainAsked) broker.startDrain('SIGUSR2');
    return broker;
  },
});
