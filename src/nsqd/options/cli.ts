/** Turns nsqd's argv (+ optional --config file) into validated Options, or an exit with Go-compatible text. */

import { formatGoDuration } from '../../go/duration.js';
import {
  type FlagProgram,
  type CliResult as GoCliResult,
  flagHelp as goFlagHelp,
  resolveFlags,
} from '../../go/options.js';
import { versionString as goVersionString } from '../../go/version.js';
import { MAX_IO_THREADS } from '../contract/shard.js';
import { checkDeadLetterPattern, MAX_DEFER_MS } from '../queue/limits.js';
import { defaultOptions, NSQD_FLAGS } from './flags.js';
import { deferLimit, type Options } from './options.js';

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

/** the queue policies' flags (dead letters, defers, depth): beyond nsqd */
function validateQueueLimits(o: Options): string | undefined {
  if (o.maxAttempts > 65535) return '--max-attempts must be [0,65535]';
  const dead = checkDeadLetterPattern(o.deadLetterTopic);
  if (dead !== null) return `--dead-letter-topic ${dead}`;
  // the defer crosses to a shard as a u32 of ms
  if (deferLimit(o) > MAX_DEFER_MS) return `--max-defer-timeout must be <= ${formatGoDuration(MAX_DEFER_MS)}`;
  return undefined;
}

/** nsqd's start-up checks (plus nsq-ts sanity checks). Mutates tlsRequired like Go; returns an error. */
function validate(o: Options): string | undefined {
  if (o.maxDeflateLevel < 1 || o.maxDeflateLevel > 9) return '--max-deflate-level must be [1,9]';
  if (o.nodeId < 0 || o.nodeId >= 1024) return '--node-id must be [0,1024)';
  if (o.workers < 0 || o.workers > 64) return '--workers must be [0,64]';
  if (o.ioThreads < 0 || o.ioThreads > MAX_IO_THREADS) return `--io-threads must be [0,${MAX_IO_THREADS}]`;
  if (o.ioThreads > 1 && o.workers === 0)
    return '--io-threads > 1 needs --workers >= 1 (an inline shard runs on the main thread)';
  if (o.maxMsgSize <= 0) return '--max-msg-size must be > 0';
  for (const f of NSQD_FLAGS) {
    if (f.key === undefined || NON_NEGATIVE_EXEMPT.has(f.name)) continue;
    if ((f.kind === 'int' || f.kind === 'duration') && (o[f.key] as number) < 0)
      return `--${f.name} must be >= 0`;
  }
  // Go nsqd's statsd ticker panics on a zero interval
  if (o.statsdAddress !== '' && o.statsdInterval === 0)
    return '--statsd-interval must be > 0 with --statsd-address';
  const limits = validateQueueLimits(o);
  if (limits !== undefined) return limits;
  if (o.websocketPath !== '' && !o.websocketPath.startsWith('/'))
    return `--websocket-path must start with / (got ${o.websocketPath})`;
  if (o.websocketPath !== '' && o.httpAddress === '') return '--websocket-path needs --http-address';
  if (o.broadcastTcpPort > 65535) return '--broadcast-tcp-port must be [0,65535]';
  if (o.broadcastHttpPort > 65535) return '--broadcast-http-port must be [0,65535]';
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
  return undefined;
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
