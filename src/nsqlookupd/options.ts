/**
 * nsqlookupd's options: the resolved plain-data Options (durations in ms), its flag table as Go's
 * apps/nsqlookupd declares it (plus nsq-ts's --http-server and --metrics*), its defaults, and argv + --config →
 * Options through the shared Go flag/config machinery (../go/options.ts).
 */

import os from 'node:os';
import { type CliResult, type FlagProgram, type FlagSpec, resolveFlags } from '../go/options.js';
import { versionString } from '../go/version.js';
import type { HttpServerChoice } from '../http/adapter.js';
import type { LogLevel } from '../log.js';

export interface LookupdOptions {
  logLevel: LogLevel;
  logPrefix: string;
  tcpAddress: string;
  httpAddress: string;
  /** returned in the IDENTIFY reply: nsqd queries `/channels` at this address and our HTTP port */
  broadcastAddress: string;
  /** producers not PINGed within this are hidden from /lookup and /nodes (ms) */
  inactiveProducerTimeout: number;
  /** how long /topic/tombstone hides a producer of a topic (ms) */
  tombstoneLifetime: number;
  /** [nsq-ts] which HTTP server serves the HTTP API ('auto' = uWebSockets.js when it loads) */
  httpServer: HttpServerChoice;
  /** [nsq-ts] serve Prometheus metrics at GET /metrics */
  metrics: boolean;
  /** [nsq-ts] leave `#ephemeral` topics out of /metrics' per-topic series */
  metricsExcludeEphemeral: boolean;
  /** [nsq-ts] the most topics given per-topic series in /metrics (0: none) */
  metricsMaxTopics: number;
  // internal: no flag, no config-file key; tests shorten it
  /**
   * nsqd's ClientTimeout, applied to lookupd's peers: a new connection has this long to send the
   * magic and IDENTIFY, and an identified peer that sends nothing (nsqd PINGs every 15 s) for the
   * longer of this and --inactive-producer-timeout is disconnected (its registrations removed).
   */
  clientTimeout: number;
}

/** `--http-server` values */
const HTTP_SERVER_CHOICES: readonly HttpServerChoice[] = ['auto', 'uws', 'node'];

/** Every nsqlookupd flag, as Go's nsqlookupdFlagSet, plus nsq-ts's `--http-server` and `--metrics*`. */
// biome-ignore format: one flag per line reads best as a table
export const LOOKUPD_FLAGS: readonly FlagSpec<LookupdOptions>[] = [
  { name: 'config', kind: 'string', usage: 'path to config file' },
  { name: 'version', kind: 'bool', usage: 'print version string' },
  { name: 'log-level', kind: 'log-level', key: 'logLevel', usage: 'set log verbosity: debug, info, warn, error, or fatal' },
  { name: 'log-prefix', kind: 'string', key: 'logPrefix', usage: 'log message prefix' },
  { name: 'verbose', kind: 'bool', usage: '[deprecated] has no effect, use --log-level' },
  { name: 'tcp-address', kind: 'string', key: 'tcpAddress', usage: '<addr>:<port> to listen on for TCP clients' },
  { name: 'http-address', kind: 'string', key: 'httpAddress', usage: '<addr>:<port> to listen on for HTTP clients' },
  { name: 'broadcast-address', kind: 'string', key: 'broadcastAddress', usage: 'address of this lookupd node, (default to the OS hostname)' },
  { name: 'inactive-producer-timeout', kind: 'duration', key: 'inactiveProducerTimeout', usage: 'duration of time a producer will remain in the active list since its last ping' },
  { name: 'tombstone-lifetime', kind: 'duration', key: 'tombstoneLifetime', usage: 'duration of time a producer will remain tombstoned if registration remains' },
  { name: 'http-server', kind: 'string', key: 'httpServer', choices: HTTP_SERVER_CHOICES, usage: '[nsq-ts] HTTP server for the HTTP API: auto (uWebSockets.js when its native build loads, else node:http), uws or node' },
  { name: 'metrics', kind: 'bool', key: 'metrics', usage: '[nsq-ts] serve Prometheus metrics at GET /metrics on the HTTP address (false: 404 there, as nsqlookupd)' },
  { name: 'metrics-exclude-ephemeral', kind: 'bool', key: 'metricsExcludeEphemeral', usage: '[nsq-ts] leave ephemeral topics out of the per-topic series of /metrics' },
  { name: 'metrics-max-topics', kind: 'int', key: 'metricsMaxTopics', usage: '[nsq-ts] the most topics given per-topic series in /metrics (bounds its label cardinality; 0: none)' },
];

/** nsqlookupd's defaults (the broadcast address is this host's name). Durations in ms. */
export function defaultLookupdOptions(): LookupdOptions {
  return {
    logLevel: 'info',
    logPrefix: '[nsqlookupd] ',
    tcpAddress: '0.0.0.0:4160',
    httpAddress: '0.0.0.0:4161',
    broadcastAddress: os.hostname(),
    inactiveProducerTimeout: 300_000,
    tombstoneLifetime: 45_000,
    httpServer: 'auto',
    metrics: true,
    metricsExcludeEphemeral: false,
    metricsMaxTopics: 10_000,
    clientTimeout: 60_000,
  };
}

function validate(o: LookupdOptions): string | undefined {
  if (o.inactiveProducerTimeout < 0) return '--inactive-producer-timeout must be >= 0';
  if (o.tombstoneLifetime < 0) return '--tombstone-lifetime must be >= 0';
  if (o.metricsMaxTopics < 0) return '--metrics-max-topics must be >= 0';
  return undefined;
}

export const LOOKUPD_PROGRAM: FlagProgram<LookupdOptions> = {
  program: 'nsqlookupd',
  flags: LOOKUPD_FLAGS,
  defaults: defaultLookupdOptions,
  version: () => versionString('nsqlookupd'),
  validate,
};

/** argv (process.argv.slice(2)) → options, or an exit with Go's texts and codes */
export function resolveLookupdOptions(argv: string[]): CliResult<LookupdOptions> {
  return resolveFlags(LOOKUPD_PROGRAM, argv);
}
