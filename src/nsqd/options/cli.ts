/** Turns nsqd's argv (+ optional --config file) into validated Options, or an exit with Go-compatible text. */

import {
  type FlagProgram,
  type CliResult as GoCliResult,
  flagHelp as goFlagHelp,
  resolveFlags,
} from '../../go/options.js';
import { versionString as goVersionString } from '../../go/version.js';
import { defaultOptions, NSQD_FLAGS } from './flags.js';
import type { Options } from './options.js';

export { defaultOptions } from './flags.js';

export type CliResult = GoCliResult<Options>;

/** Every flag name (without dashes), in table order. */
export function flagNames(): string[] {
  return NSQD_FLAGS.map((f) => f.name);
}

/** `nsqd v1.3.0 (built w/nsq-ts 0.1.0 node v20.x.y)` */
export function versionString(): string {
  return goVersionString('nsqd');
}

const NON_NEGATIVE_EXEMPT = new Set(['node-id', 'max-deflate-level', 'workers', 'max-msg-size']);

/**
 * Until nsq-ts has TLS, the flags that ask for it refuse to start, naming those set: a
 * node its operator believes encrypted or authenticated must never run open. `requireSet`: whether
 * --tls-required was set (before --tls-client-auth-policy implies it, as Go does).
 */
function refuseSecurity(o: Options, requireSet: boolean): string | undefined {
  const tls = [
    o.tlsCert !== '' ? '--tls-cert' : '',
    o.tlsKey !== '' ? '--tls-key' : '',
    o.tlsClientAuthPolicy !== '' ? '--tls-client-auth-policy' : '',
    requireSet ? '--tls-required' : '',
  ].filter((n) => n !== '');
  if (tls.length > 0) return `${tls.join(', ')}: TLS is not supported yet by nsq-ts; refusing to start`;
  return undefined;
}

/** nsqd's start-up checks (plus nsq-ts sanity checks). Mutates tlsRequired like Go; returns an error. */
function validate(o: Options): string | undefined {
  if (o.maxDeflateLevel < 1 || o.maxDeflateLevel > 9) return '--max-deflate-level must be [1,9]';
  if (o.nodeId < 0 || o.nodeId >= 1024) return '--node-id must be [0,1024)';
  if (o.workers < 0 || o.workers > 64) return '--workers must be [0,64]';
  if (o.maxMsgSize <= 0) return '--max-msg-size must be > 0';
  for (const f of NSQD_FLAGS) {
    if (f.key === undefined || NON_NEGATIVE_EXEMPT.has(f.name)) continue;
    if ((f.kind === 'int' || f.kind === 'duration') && (o[f.key] as number) < 0)
      return `--${f.name} must be >= 0`;
  }
  // Go nsqd's statsd ticker panics on a zero interval
  if (o.statsdAddress !== '' && o.statsdInterval === 0)
    return '--statsd-interval must be > 0 with --statsd-address';
  if (o.broadcastTcpPort > 65535) return '--broadcast-tcp-port must be [0,65535]';
  if (o.broadcastHttpPort > 65535) return '--broadcast-http-port must be [0,65535]';
  const requireSet = o.tlsRequired !== 'false';
  if (o.tlsClientAuthPolicy !== '' && o.tlsRequired === 'false') o.tlsRequired = 'true';
  if ((o.tlsCert === '') !== (o.tlsKey === '')) return '--tls-cert and --tls-key must be given together';
  if (o.tlsRequired !== 'false' && o.tlsCert === '') {
    return 'cannot require TLS client connections without TLS key and cert';
  }
  for (const v of o.e2eProcessingLatencyPercentiles) {
    if (!(v > 0 && v <= 1)) return `invalid E2E processing latency percentile: ${v}`;
  }
  if (o.authHttpRequestMethod !== 'post' && o.authHttpRequestMethod !== 'get') {
    return '--auth-http-request-method must be post or get';
  }
  return refuseSecurity(o, requireSet);
}

const NSQD_PROGRAM: FlagProgram<Options> = {
  program: 'nsqd',
  flags: NSQD_FLAGS,
  defaults: defaultOptions,
  version: versionString,
  validate,
};

/**
 * Resolves nsqd options from argv (process.argv.slice(2)): command-line flag > config file > default.
 * Flag errors exit 2 (as Go's flag package), config and start-up validation errors exit 1 (log.Fatal,
 * Go's `failed to instantiate nsqd - …`).
 */
export function resolveOptions(argv: string[]): CliResult {
  return resolveFlags(NSQD_PROGRAM, argv);
}

/** The usage text, formatted like Go's flag.PrintDefaults (flags sorted by name). */
export function flagHelp(): string {
  return goFlagHelp(NSQD_PROGRAM);
}
