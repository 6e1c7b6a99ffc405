/** Turns nsqd's argv (+ optional --config file) into validated Options, or an exit with Go-compatible text. */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseGoDuration } from '../../go/duration.js';
import { parseGoFlags } from '../../go/flag.js';
import { goQuote } from '../../go/quote.js';
import { parseGoBool, parseGoFloat, parseGoIntBig } from '../../go/strconv.js';
import { readTomlFile, type TomlValue } from '../../go/toml.js';
import { NSQD_VERSION } from '../contract/constants.js';
import {
  cfgName,
  checkChoice,
  defaultOptions,
  flagHelp,
  goFlags,
  NSQD_FLAGS,
  type NsqdFlag,
  parseLogLevel,
  parseTlsMinVersion,
  parseTlsRequired,
} from './flags.js';
import type { Options } from './options.js';

export { defaultOptions, flagHelp } from './flags.js';

export type CliResult =
  | { kind: 'run'; options: Options; warnings: string[] }
  | { kind: 'exit'; code: number; stdout: string; stderr: string };

const exit = (code: number, stdout: string, stderr: string): CliResult => ({
  kind: 'exit',
  code,
  stdout,
  stderr,
});

/** Every flag name (without dashes), in table order. */
export function flagNames(): string[] {
  return NSQD_FLAGS.map((f) => f.name);
}

/** nsq-ts's package.json version, found by walking up from this module (src/ or dist/src/). */
function packageVersion(): string {
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

/** `nsqd v1.3.0 (built w/nsq-ts 0.1.0 node v20.x.y)` */
export function versionString(): string {
  return `nsqd v${NSQD_VERSION} (built w/nsq-ts ${packageVersion()} node ${process.version})`;
}

function show(v: TomlValue): string {
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return typeof v === 'string' ? goQuote(v) : String(v);
}

/**
 * Converts one config-file value to the flag's value type, following go-options' coercion rules
 * (integers for durations are milliseconds; strings are parsed; comma-separated strings for arrays).
 * Returns undefined for "leave the default" (an empty tls_min_version).
 */
function coerceConfig(f: NsqdFlag, v: TomlValue): unknown {
  const scalar = (): string => {
    if (Array.isArray(v)) throw new Error('expected a single value, not an array');
    return String(v);
  };
  switch (f.kind) {
    case 'string':
      return checkChoice(f, scalar());
    case 'int':
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'string' && /^[+-]?[0-9]+$/.test(v)) return Number(parseGoIntBig(v));
      throw new Error('expected an integer');
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string') return parseGoBool(v);
      throw new Error('expected a boolean');
    case 'duration':
      if (typeof v === 'bigint') return Number(v); // go-options treats integers as milliseconds
      if (typeof v === 'string') return parseGoDuration(v);
      throw new Error('expected a duration string such as "60s" (or integer milliseconds)');
    case 'string-array':
      if (typeof v === 'string') return v.split(',');
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return [...v];
      throw new Error('expected a string or an array of strings');
    case 'float-array':
      if (typeof v === 'string') return v.split(',').map((s) => parseGoFloat(s.trim()));
      if (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'bigint'))
        return v.map(Number);
      throw new Error('expected a number array or a comma-separated string');
    case 'tls-required':
      return parseTlsRequired(scalar());
    case 'tls-min-version':
      return parseTlsMinVersion(scalar());
    case 'log-level':
      return parseLogLevel(scalar());
  }
}

const NON_NEGATIVE_EXEMPT = new Set(['node-id', 'max-deflate-level', 'workers', 'max-msg-size']);

/**
 * Until nsq-ts has AUTH, the flag that asks for it refuses to start: a node its operator believes
 * authenticated must never run open.
 */
function refuseSecurity(o: Options): string | undefined {
  if (o.authHttpAddresses.some((a) => a !== '')) {
    return '--auth-http-address: AUTH is not supported yet by nsq-ts; refusing to start';
  }
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
  return refuseSecurity(o);
}

/**
 * Resolves nsqd options from argv (process.argv.slice(2)): command-line flag > config file > default.
 * Flag errors exit 2 (as Go's flag package), config and start-up validation errors exit 1 (log.Fatal).
 */
export function resolveOptions(argv: string[]): CliResult {
  const parsed = parseGoFlags(argv, goFlags());
  if (parsed.kind === 'help') return exit(0, flagHelp(), '');
  if (parsed.kind === 'error') return exit(2, '', `${parsed.message}\nRun with --help for usage.\n`);
  const { values, args } = parsed;
  if (values.get('version') === true) return exit(0, `${versionString()}\n`, '');

  const warnings: string[] = [];
  if (args.length > 0) {
    warnings.push(
      `ignoring non-flag arguments: ${args.join(' ')} (flag parsing stops at the first non-flag; bool flags take -flag=value)`,
    );
  }

  const byName = new Map(NSQD_FLAGS.map((f) => [f.name, f]));
  const byCfg = new Map(
    NSQD_FLAGS.filter((f) => f.name !== 'config' && f.name !== 'version').map((f) => [cfgName(f), f]),
  );
  const configFile = (values.get('config') as string | undefined) ?? '';
  let cfg = new Map<string, TomlValue>();
  if (configFile !== '') {
    try {
      cfg = readTomlFile(configFile);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      return exit(1, '', `failed to load config file ${configFile} - ${msg}\n`);
    }
    for (const key of cfg.keys()) {
      if (!byCfg.has(key)) warnings.push(`config file ${configFile}: unknown option "${key}" ignored`);
    }
  }

  const options = defaultOptions();
  const target = options as unknown as Record<string, unknown>;
  const explicit = new Set<string>();
  for (const name of values.keys()) explicit.add(name);
  for (const key of cfg.keys()) {
    const f = byCfg.get(key);
    if (f !== undefined && !values.has(f.name)) explicit.add(f.name);
  }
  for (const name of explicit) {
    const f = byName.get(name)!;
    if (f.key === undefined) continue;
    let v: unknown;
    if (values.has(name)) {
      v = values.get(name);
    } else {
      const raw = cfg.get(cfgName(f))!;
      try {
        v = coerceConfig(f, raw);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        return exit(
          1,
          '',
          `failed to load config file ${configFile} - invalid ${cfgName(f)} = ${show(raw)}: ${msg}\n`,
        );
      }
    }
    if (v !== undefined) target[f.key] = v;
  }

  // Go checks these in nsqd.New: its FATAL line says so
  const error = validate(options);
  if (error !== undefined) return exit(1, '', `failed to instantiate nsqd - ${error}\n`);

  const inactive = [...explicit].filter((n) => byName.get(n)!.inactive === true);
  if (inactive.length > 0) {
    warnings.push(`flags accepted but not active yet in nsq-ts: ${inactive.map((n) => `--${n}`).join(', ')}`);
  }
  return { kind: 'run', options, warnings };
}
