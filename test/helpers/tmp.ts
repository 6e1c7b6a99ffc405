/** Temp directories for a test file: each call makes a fresh one, and all of them are removed after the file's tests. */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/** Returns a maker of fresh `nsq-ts-<prefix>-*` directories; call it at a test file's top level. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(path.join(tmpdir(), `nsq-ts-${prefix}-`));
    dirs.push(d);
    return d;
  };
}
