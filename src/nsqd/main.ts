#!/usr/bin/env node

/** The nsqd command: flags → options → Broker.start(), signals → Broker.close(). Nothing else. */

import { runService } from '../go/svc.js';
import { resolveOptions } from './options/cli.js';

void runService({
  fatalPrefix: '[nsqd] ',
  resolve: resolveOptions,
  // loaded after the flags: --help, --version and a bad flag answer without loading the broker
  start: async (options, log) => (await import('./broker.js')).Broker.start(options, log),
});
