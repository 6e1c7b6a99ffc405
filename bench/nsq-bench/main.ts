#!/usr/bin/env node
/**
 * The nsq-bench command: argv → BenchOptions → runBench, with a progress line on stderr and the table
 * (or --json) on stdout. Exit 0 on a clean run, 1 if the run failed or saw any error, 2 on bad flags.
 */

import { ArgError, parseBenchArgs, USAGE } from './args.js';
import { formatJson, formatResult, progressLine } from './report.js';
import { runBench } from './run.js';

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseBenchArgs>;
  try {
    parsed = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ArgError)) throw err;
    process.stderr.write(`nsq-bench: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if ('help' in parsed) {
    process.stdout.write(USAGE);
    return 0;
  }
  const o = parsed;
  const tty = process.stderr.isTTY === true;
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let last = '';
  const result = await runBench(o, {
    signal: abort.signal,
    progressIntervalMs: tty ? 250 : 1000,
    onProgress: o.quiet
      ? undefined
      : (p) => {
          last = progressLine(p);
          process.stderr.write(tty ? `\r${last}\x1b[K` : `${last}\n`);
        },
  });
  if (tty && last !== '') process.stderr.write('\n');
  process.stdout.write(o.json ? formatJson(result) : formatResult(result));
  return result.errors > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`nsq-bench: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
