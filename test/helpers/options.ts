/**
 * resolveOptions as the options tests meet it: the run or the exit an argv must give, the exact
 * flag-error and start-up-error texts, and config files written to a temp dir.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CliResult, resolveOptions } from '../../src/nsqd/options/cli.js';
import type { Options } from '../../src/nsqd/options/options.js';

export function run(argv: string[]): { options: Options; warnings: string[] } {
  const r = resolveOptions(argv);
  if (r.kind !== 'run') assert.fail(`expected run, got exit ${r.code}: ${r.stderr}`);
  return r;
}

export function exitOf(argv: string[]): Extract<CliResult, { kind: 'exit' }> {
  const r = resolveOptions(argv);
  if (r.kind !== 'exit') assert.fail(`expected exit for ${argv.join(' ')}`);
  return r;
}

/** exit 2 with Go's flag-package text */
export function assertFlagError(argv: string[], message: string): void {
  const r = exitOf(argv);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `${message}\nRun with --help for usage.\n`);
}

/** exit 1 with the start-up validation text, as Go's nsqd.New error */
export function assertStartupError(argv: string[], message: string): void {
  const r = exitOf(argv);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, `failed to instantiate nsqd - ${message}\n`);
}

/** config files in a fresh temp dir; remove() deletes them all */
export class ConfigFiles {
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'nsq-ts-options-'));
  private count = 0;

  write(text: string): string {
    const file = path.join(this.dir, `nsqd-${this.count++}.cfg`);
    writeFileSync(file, text);
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
