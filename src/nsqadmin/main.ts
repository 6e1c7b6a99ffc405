#!/usr/bin/env node

/**
 * The nsqadmin command: flags → options → AdminServer.start(), signals → close() (src/go/svc.ts);
 * `--hash-password` prints a hash for --admin-users-file. Nothing else.
 */

import { runService } from '../go/svc.js';
import { hashPassword } from './auth.js';
import { resolveAdminOptions } from './options.js';

/** the first line on stdin (at most 4 KiB read) */
async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    size += (c as Buffer).length;
    if (size > 4096) break;
  }
  return Buffer.concat(chunks).toString('utf8').split('\n')[0] ?? '';
}

async function main(): Promise<void> {
  if (resolveAdminOptions(process.argv.slice(2)).kind === 'hash-password') {
    const password = await readStdinLine();
    if (password === '') {
      process.stderr.write('--hash-password: no password on stdin\n');
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${await hashPassword(password)}\n`);
    return;
  }
  await runService({
    fatalPrefix: '[nsqadmin] ',
    resolve: (argv) => {
      const r = resolveAdminOptions(argv);
      if (r.kind === 'hash-password') throw new Error('unreachable');
      return r;
    },
    // loaded after the flags: --help, --version and a bad flag answer without loading the server
    start: async (options, log) => (await import('./server.js')).AdminServer.start(options, log),
  });
}

void main();
