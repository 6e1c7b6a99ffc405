/**
 * The client's configuration: go-nsq v1.1.0's `Config` with its defaults, ranges and `Set(option,
 * value)` coercion (what `--consumer-opt`/`--producer-opt` feed), in milliseconds. Owns nothing at run
 * time: a Consumer or Producer copies the resolved config when it is made.
 */

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { formatGoDuration, parseGoDuration } from '../go/duration.js';
import { goPathError } from '../go/errors.js';
import { goQuote } from '../go/quote.js';

/** go-nsq's BackoffStrategy names */
export type BackoffStrategyName = 'exponential' | 'full_jitter';

/** Every go-nsq option; durations in milliseconds. */
export interface Config {
  dialTimeout: number;
  readTimeout: number;
  writeTimeout: number;
  /** local address to dial from (`host` or `host:port`), '' for any */
  localAddr: string;
  lookupdPollInterval: number;
  lookupdPollJitter: number;
  lookupdPollTimeout: number;
  maxRequeueDelay: number;
  defaultRequeueDelay: number;
  backoffStrategy: BackoffStrategyName;
  maxBackoffDuration: number;
  backoffMultiplier: number;
  /** 0 = unlimited */
  maxAttempts: number;
  lowRdyIdleTimeout: number;
  lowRdyTimeout: number;
  rdyRedistributeInterval: number;
  clientId: string;
  hostname: string;
  userAgent: string;
  /** -1 disables heartbeats */
  heartbeatInterval: number;
  sampleRate: number;
  tlsV1: boolean;
  /** the TLS options go-nsq keeps in its tls.Config (files are read at each connection's upgrade) */
  tlsRootCaFile: string;
  tlsInsecureSkipVerify: boolean;
  tlsCert: string;
  tlsKey: string;
  tlsMinVersion: string;
  deflate: boolean;
  deflateLevel: number;
  snappy: boolean;
  outputBufferSize: number;
  /** -1 disables output buffering at nsqd */
  outputBufferTimeout: number;
  maxInFlight: number;
  /** 0 = the server's default */
  msgTimeout: number;
  authSecret: string;
  /** go-nsq's `skip_lookupd_authorization`: send `Authorization: Bearer <auth_secret>` to lookupd */
  lookupdAuthorization: boolean;
}

/** the nsq-ts client's version, in the default user agent `nsq-ts/<version>` */
export const CLIENT_VERSION = '0.1.0';

type Kind = 'duration' | 'int' | 'uint' | 'float' | 'bool' | 'string' | 'backoff' | 'addr';

interface OptionSpec {
  readonly opt: string;
  readonly key: keyof Config;
  readonly kind: Kind;
  readonly min?: string;
  readonly max?: string;
  readonly def?: string;
}

/** go-nsq's struct tags, in its field order (min/max/default as Go writes them) */
// biome-ignore format: one option per line reads as go-nsq's struct
const OPTIONS: readonly OptionSpec[] = [
  { opt: 'dial_timeout', key: 'dialTimeout', kind: 'duration', def: '1s' },
  { opt: 'read_timeout', key: 'readTimeout', kind: 'duration', min: '100ms', max: '5m', def: '60s' },
  { opt: 'write_timeout', key: 'writeTimeout', kind: 'duration', min: '100ms', max: '5m', def: '1s' },
  { opt: 'local_addr', key: 'localAddr', kind: 'addr' },
  { opt: 'lookupd_poll_interval', key: 'lookupdPollInterval', kind: 'duration', min: '10ms', max: '5m', def: '60s' },
  { opt: 'lookupd_poll_jitter', key: 'lookupdPollJitter', kind: 'float', min: '0', max: '1', def: '0.3' },
  { opt: 'lookupd_poll_timeout', key: 'lookupdPollTimeout', kind: 'duration', def: '1m' },
  { opt: 'max_requeue_delay', key: 'maxRequeueDelay', kind: 'duration', min: '0', max: '60m', def: '15m' },
  { opt: 'default_requeue_delay', key: 'defaultRequeueDelay', kind: 'duration', min: '0', max: '60m', def: '90s' },
  { opt: 'backoff_strategy', key: 'backoffStrategy', kind: 'backoff', def: 'exponential' },
  { opt: 'max_backoff_duration', key: 'maxBackoffDuration', kind: 'duration', min: '0', max: '60m', def: '2m' },
  { opt: 'backoff_multiplier', key: 'backoffMultiplier', kind: 'duration', min: '0', max: '60m', def: '1s' },
  { opt: 'max_attempts', key: 'maxAttempts', kind: 'uint', min: '0', max: '65535', def: '5' },
  { opt: 'low_rdy_idle_timeout', key: 'lowRdyIdleTimeout', kind: 'duration', min: '1s', max: '5m', def: '10s' },
  { opt: 'low_rdy_timeout', key: 'lowRdyTimeout', kind: 'duration', min: '1s', max: '5m', def: '30s' },
  { opt: 'rdy_redistribute_interval', key: 'rdyRedistributeInterval', kind: 'duration', min: '1ms', max: '5s', def: '5s' },
  { opt: 'client_id', key: 'clientId', kind: 'string' },
  { opt: 'hostname', key: 'hostname', kind: 'string' },
  { opt: 'user_agent', key: 'userAgent', kind: 'string' },
  { opt: 'heartbeat_interval', key: 'heartbeatInterval', kind: 'duration', def: '30s' },
  { opt: 'sample_rate', key: 'sampleRate', kind: 'int', min: '0', max: '99' },
  { opt: 'tls_v1', key: 'tlsV1', kind: 'bool' },
  { opt: 'deflate', key: 'deflate', kind: 'bool' },
  { opt: 'deflate_level', key: 'deflateLevel', kind: 'int', min: '1', max: '9', def: '6' },
  { opt: 'snappy', key: 'snappy', kind: 'bool' },
  { opt: 'output_buffer_size', key: 'outputBufferSize', kind: 'int', def: '16384' },
  { opt: 'output_buffer_timeout', key: 'outputBufferTimeout', kind: 'duration', def: '250ms' },
  { opt: 'max_in_flight', key: 'maxInFlight', kind: 'int', min: '0', def: '1' },
  { opt: 'msg_timeout', key: 'msgTimeout', kind: 'duration', min: '0' },
  { opt: 'auth_secret', key: 'authSecret', kind: 'string' },
  { opt: 'skip_lookupd_authorization', key: 'lookupdAuthorization', kind: 'bool', def: 'true' },
  // go-nsq's tlsConfig handler
  { opt: 'tls_root_ca_file', key: 'tlsRootCaFile', kind: 'string' },
  { opt: 'tls_insecure_skip_verify', key: 'tlsInsecureSkipVerify', kind: 'bool' },
  { opt: 'tls_cert', key: 'tlsCert', kind: 'string' },
  { opt: 'tls_key', key: 'tlsKey', kind: 'string' },
  { opt: 'tls_min_version', key: 'tlsMinVersion', kind: 'string' },
];

const BY_OPT = new Map(OPTIONS.map((o) => [o.opt, o]));
const TLS_VERSIONS = new Set(['ssl3.0', 'tls1.0', 'tls1.1', 'tls1.2']);

/** go-nsq's NewConfig(): every default, client_id = short hostname, user_agent `nsq-ts/<version>`. */
export function newConfig(): Config {
  const hostname = os.hostname();
  const c = {
    localAddr: '',
    clientId: hostname.split('.')[0] ?? hostname,
    hostname,
    userAgent: `nsq-ts/${CLIENT_VERSION}`,
    sampleRate: 0,
    tlsV1: false,
    tlsRootCaFile: '',
    tlsInsecureSkipVerify: false,
    tlsCert: '',
    tlsKey: '',
    tlsMinVersion: '',
    deflate: false,
    snappy: false,
    msgTimeout: 0,
    authSecret: '',
  } as Partial<Config> as Config;
  for (const o of OPTIONS) if (o.def !== undefined) setConfigOption(c, o.opt, o.def);
  return c;
}

/** A config from defaults and a partial (as the TypeScript API takes it), validated. Throws on a bad value. */
export function resolveConfig(over: Partial<Config> = {}): Config {
  const c = newConfig();
  for (const [k, v] of Object.entries(over)) {
    if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  }
  validateConfig(c);
  return c;
}

function coerceError(opt: string, value: string | boolean, reason: string): Error {
  return new Error(`failed to coerce option ${opt} (${String(value)}) - ${reason}`);
}

/** strconv's `strconv.ParseX: parsing "v": invalid syntax` */
function strconvError(fn: string, v: string, range = false): string {
  return `strconv.${fn}: parsing ${goQuote(v)}: ${range ? 'value out of range' : 'invalid syntax'}`;
}

const INT_RE = /^[+-]?\d+$/;

/** a value as go-nsq's coerce* makes it of the option's type (strings as from a command line, `true` for a bare name) */
function coerce(o: OptionSpec, value: string | boolean): number | string | boolean {
  const s = typeof value === 'boolean' ? undefined : value;
  switch (o.kind) {
    case 'duration':
      if (s === undefined) throw new Error('invalid value type');
      return parseGoDuration(s);
    case 'int':
    case 'uint': {
      if (s === undefined) return value ? 1 : 0;
      const fn = o.kind === 'int' ? 'ParseInt' : 'ParseUint';
      if (!INT_RE.test(s) || (o.kind === 'uint' && s.startsWith('-'))) throw new Error(strconvError(fn, s));
      const n = Number(s);
      if (!Number.isSafeInteger(n)) throw new Error(strconvError(fn, s, true));
      return n;
    }
    case 'float': {
      if (s === undefined) return value ? 1 : 0;
      const n = Number(s);
      if (s.trim() === '' || Number.isNaN(n)) throw new Error(strconvError('ParseFloat', s));
      return n;
    }
    case 'bool':
      if (s === undefined) return value;
      if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(s)) return true;
      if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(s)) return false;
      throw new Error(strconvError('ParseBool', s));
    case 'backoff':
      if (s === '' || s === 'exponential' || s === 'full_jitter') return s === '' ? 'exponential' : s;
      throw new Error('invalid value type');
    case 'addr':
    case 'string':
      return s ?? 'true';
  }
}

/** the bound as a value of the option's type, and as Go prints it in `invalid x ! v < min` */
function bound(o: OptionSpec, raw: string): number {
  return o.kind === 'duration' ? parseGoDuration(raw) : Number(raw);
}

function show(o: OptionSpec, v: number): string {
  return o.kind === 'duration' ? formatGoDuration(v) : String(v);
}

/**
 * go-nsq's tlsConfig handler for one option, at Config.Set time: the CA file must read and hold a
 * certificate, a cert/key pair must load once both are named. Throws go-nsq's texts.
 */
function checkTlsOption(cfg: Config, option: string): void {
  if (option === 'tls_root_ca_file') {
    let ca: Buffer;
    try {
      ca = readFileSync(cfg.tlsRootCaFile);
    } catch (err) {
      throw new Error(
        `ERROR: failed to read custom Certificate Authority file ${goPathError('open', cfg.tlsRootCaFile, err)}`,
      );
    }
    if (!ca.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
      throw new Error('ERROR: failed to append certificates from Certificate Authority file');
    }
  } else if ((option === 'tls_cert' || option === 'tls_key') && cfg.tlsCert !== '' && cfg.tlsKey !== '') {
    for (const path of [cfg.tlsCert, cfg.tlsKey]) {
      try {
        readFileSync(path);
      } catch (err) {
        throw new Error(goPathError('open', path, err));
      }
    }
  }
}

/**
 * go-nsq's Config.Set(option, value) for command-line text: `-` in the name becomes `_`; the value is
 * coerced to the option's type (durations as Go strings, bools as strconv.ParseBool, `true` for a
 * bare name) and checked against its range. Throws Error with go-nsq's text:
 * `invalid option x`, `failed to coerce option x (v) - ...`, `invalid x ! v < min`.
 */
export function setConfigOption(c: Config, option: string, value: string | boolean): void {
  const name = option.replaceAll('-', '_');
  const o = BY_OPT.get(name);
  if (o === undefined) throw new Error(`invalid option ${name}`);
  if (o.opt === 'tls_min_version' && !TLS_VERSIONS.has(String(value))) {
    throw new Error(`ERROR: ${String(value)} is not a tls version`);
  }
  let v: number | string | boolean;
  try {
    v = coerce(o, value);
  } catch (err) {
    throw coerceError(name, value, err instanceof Error ? err.message : String(err));
  }
  if (typeof v === 'number') {
    if (o.min !== undefined && v < bound(o, o.min)) {
      throw new Error(`invalid ${name} ! ${show(o, v)} < ${show(o, bound(o, o.min))}`);
    }
    if (o.max !== undefined && v > bound(o, o.max)) {
      throw new Error(`invalid ${name} ! ${show(o, v)} > ${show(o, bound(o, o.max))}`);
    }
  }
  (c as unknown as Record<string, unknown>)[o.key] = v;
  if (name.startsWith('tls_') && name !== 'tls_v1') checkTlsOption(c, name);
}

/** go-nsq's Config.Validate(): every range, and heartbeat_interval <= read_timeout. Throws Error. */
export function validateConfig(c: Config): void {
  for (const o of OPTIONS) {
    const v = c[o.key];
    if (typeof v !== 'number') continue;
    if (o.min !== undefined && v < bound(o, o.min)) {
      throw new Error(`invalid ${o.opt} ! ${show(o, v)} < ${show(o, bound(o, o.min))}`);
    }
    if (o.max !== undefined && v > bound(o, o.max)) {
      throw new Error(`invalid ${o.opt} ! ${show(o, v)} > ${show(o, bound(o, o.max))}`);
    }
  }
  if (c.heartbeatInterval > c.readTimeout) {
    throw new Error(
      `HeartbeatInterval ${formatGoDuration(c.heartbeatInterval)} must be less than ReadTimeout ${formatGoDuration(c.readTimeout)}`,
    );
  }
}
