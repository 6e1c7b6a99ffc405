/**
 * `/config/:opt`: every option by its config name as nsqd's getOptByCfgName returns it (Go types:
 * durations in ns, log level and TLS mode as ints), the two options PUT may change, and nsq-ts's
 * `drain` (GET: whether drain mode runs; PUT `true`: start it). Reads the Options and the broker's
 * runtime-settable values; changes only through BrokerApi.
 */

import { cfgName, NSQD_FLAGS, type NsqdFlag } from '../options/flags.js';
import type { LogLevel, Options } from '../options/options.js';
import { resolvedStatsdPrefix } from '../statsd/report.js';
import type { BrokerApi } from './api.js';

/** nsq-ts's drain mode: GET says whether it runs, PUT `true` starts it (it cannot be stopped) */
const DRAIN_OPTION = 'drain';

/** Go's lg.LogLevel values */
const LOG_LEVEL_INT: Record<LogLevel, number> = { debug: 1, info: 2, warn: 3, error: 4, fatal: 5 };

/** Go's TLSNotRequired / TLSRequiredExceptHTTP / TLSRequired */
const TLS_REQUIRED_INT = { false: 0, 'tcp-https': 1, true: 2 } as const;

const BY_CFG_NAME: ReadonlyMap<string, NsqdFlag> = new Map(
  NSQD_FLAGS.filter((f) => f.key !== undefined).map((f) => [cfgName(f), f]),
);

/** lg.LogLevel for a level name (unknown names count as info, Go's default) */
export function logLevelInt(name: string): number {
  return LOG_LEVEL_INT[name as LogLevel] ?? LOG_LEVEL_INT.info;
}

/**
 * The value GET /config/<name> returns (before JSON encoding), or undefined for a name that is not
 * an option (400 INVALID_OPTION).
 */
export function getOption(options: Options, api: BrokerApi, name: string): unknown {
  if (name === DRAIN_OPTION) return api.draining();
  const f = BY_CFG_NAME.get(name);
  if (f === undefined || f.key === undefined) return undefined;
  switch (f.key) {
    case 'logLevel':
      return logLevelInt(api.getLogLevel());
    case 'lookupdTcpAddresses':
      return [...api.getLookupdTcpAddresses()];
    case 'statsdPrefix': // nsqd.New stores the prefix with its host substituted
      return resolvedStatsdPrefix(options, api.info().httpPort);
    // 0 means the port listened on, which nsqd writes back into its options at start-up
    case 'broadcastTcpPort':
      return options.broadcastTcpPort !== 0 ? options.broadcastTcpPort : api.info().tcpPort;
    case 'broadcastHttpPort':
      return options.broadcastHttpPort !== 0 ? options.broadcastHttpPort : Math.max(0, api.info().httpPort);
    case 'tlsRequired':
      return TLS_REQUIRED_INT[options.tlsRequired];
  }
  const v = options[f.key];
  switch (f.kind) {
    case 'duration':
      return Math.round((v as number) * 1e6);
    case 'string-array':
    case 'float-array':
      return [...(v as unknown[])];
    default:
      return v;
  }
}

export type PutResult = { ok: true; value: unknown } | { ok: false; status: number; message: string };

const INVALID_VALUE = (status: number): PutResult => ({ ok: false, status, message: 'INVALID_VALUE' });

/**
 * PUT /config/<name> with `body` (already cut at max-msg-size + 1 bytes): validates and applies the
 * change through the broker, in nsqd's check order (body size first, then the option name).
 */
export async function putOption(
  options: Options,
  api: BrokerApi,
  name: string,
  body: Buffer,
  maxMsgSize: number,
): Promise<PutResult> {
  if (body.length === 0 || body.length >= maxMsgSize + 1) return INVALID_VALUE(413);
  switch (name) {
    case 'nsqlookupd_tcp_addresses': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return INVALID_VALUE(400);
      }
      // json.Unmarshal into []string: null leaves an empty list, anything but strings fails
      if (parsed === null) parsed = [];
      if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) return INVALID_VALUE(400);
      await api.setLookupdTcpAddresses(parsed as string[]);
      break;
    }
    case 'log_level': {
      // lg.ParseLogLevel: case-insensitive, the whole body (no trimming)
      const level = body.toString('utf8').toLowerCase();
      if (!Object.hasOwn(LOG_LEVEL_INT, level) || !api.setLogLevel(level)) return INVALID_VALUE(400);
      break;
    }
    case DRAIN_OPTION: {
      let v: unknown;
      try {
        v = JSON.parse(body.toString('utf8'));
      } catch {
        return INVALID_VALUE(400);
      }
      if (v !== true) return INVALID_VALUE(400);
      await api.startDrain('PUT /config/drain');
      break;
    }
    default:
      return { ok: false, status: 400, message: 'INVALID_OPTION' };
  }
  return { ok: true, value: getOption(options, api, name) };
}
