#!/usr/bin/env node

/**
 * The nsqadmin command: flags → options → AdminServer.start(), signals → close(). Nothing else.
 */

import { Logger } from '../log.js';
import { hashPassword } from './auth.js';
import { resolveAdminOptions } from './options.js';

/** lg.LogFatal: one `[nsqadmin] <time> FATAL: <msg>` line on stderr, exit 1 */
async function fatal(msg: string): Promise<never> {
  const log = new Logger('fatal', '[nsqadmin] ');
  log.fatal(msg);
  await log.flush();
  process.exit(1);
}

async function readStdin(): Promise<string> {
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
  const r = resolveAdminOptions(process.argv.slice(2));
  if (r.kind === 'hash-password') {
    const password = await readStdin();
    if (password === '') await fatal('--hash-password: no password on stdin');
    process.stdout.write(`${await hashPassword(password)}\n`);
    return;
  }
  if (r.kind === 'exit') {
    if (r.fatal !== undefined) await fatal(r.fatal);
    if (r.stdout !== '') process.stdout.write(r.stdout);
    if (r.stderr !== '') process.stderr.write(r.stderr);
    process.exitCode = r.code;
    return;
  }
  const { AdminServer } = await import('./server.js');
  const log = new Logger(r.options.logLevel, r.options.logPrefix);
  let server: Awaited<ReturnType<typeof AdminServer.start>> | null = null;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (server === null) return;
    void server.close().then(async () => {
      await log.flush();
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    server = await AdminServer.start(r.options, log);
  } catch (err) {
    await fatal((err as Error).message);
  }
  if (stopping) {
    stopping = false;
    stop();
  }
}

void main();
