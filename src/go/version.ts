/**
 * Go NSQ's internal/version for every program: the NSQ release nsq-ts mirrors (what clients, lookupds
 * and nsqadmin read as `version` and parse as semver) and the `--version` line.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The NSQ release whose behaviour nsq-ts mirrors (Go's version.Binary). */
export const NSQ_VERSION = '1.3.0';

/** nsq-ts's package.json version, found by walking up from this module (src/ or dist/src/). */
export function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      if (pkg.name === 'nsq-ts' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no (readable) package.json here; keep walking up
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return 'unknown';
}

/** Go's version.String(app): `nsqlookupd v1.3.0 (built w/nsq-ts 0.1.0 node v20.x.y)` */
export function versionString(app: string): string {
  return `${app} v${NSQ_VERSION} (built w/nsq-ts ${packageVersion()} node ${process.version})`;
}
