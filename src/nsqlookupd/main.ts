#!/usr/bin/env node

/** The nsqlookupd command: flags → options → NSQLookupd.start(), signals → close(). Nothing else. */

import { runService } from '../go/svc.js';
import { resolveLookupdOptions } from './options.js';

void runService({
  fatalPrefix: '[nsqlookupd] ',
  resolve: resolveLookupdOptions,
  // loaded after the flags: --help, --version and a bad flag answer without loading the server
  start: async (options, log) => (await import('./lookupd.js')).NSQLookupd.start(options, log),
});
