/**
 * nsqadmin's command line: the flag table (Go nsqadmin 1.3.0's flags, their config-file keys, help
 * texts and defaults, plus nsq-ts's own), argv + `--config` into one validated Options, and the
 * start-up checks with Go's texts. Pure: reads only the config file; never starts anything.
 */

import type { FlagSpec } from '../go/options.js';
import { cfgName, flagHelp, resolveFlags } from '../go/options.js';
import { goQuote } from '../go/quote.js';
import { NSQ_VERSION, versionString } from '../go/version.js';
import type { HttpServerChoice } from '../http/adapter.js';
import type { LogLevel } from '../log.js';

/** the NSQ release whose nsqadmin this one stands in for */
export const NSQADMIN_VERSION = NSQ_VERSION;

export interface AdminOptions {
  httpAddress: string;
  basePath: string;
  lookupdHttpAddresses: string[];
  nsqdHttpAddresses: string[];
  adminUsers: string[];
  aclHttpHeader: string;
  notificationHttpEndpoint: string;
  graphiteUrl: string;
  proxyGraphite: boolean;
  statsdPrefix: string;
  statsdCounterFormat: string;
  statsdGaugeFormat: string;
  /** ms */
  statsdInterval: number;
  /** ms */
  httpClientConnectTimeout: number;
  /** ms */
  httpClientRequestTimeout: number;
  httpClientTlsInsecureSkipVerify: boolean;
  httpClientTlsRootCaFile: string;
  httpClientTlsCert: string;
  httpClientTlsKey: string;
  allowConfigFromCidr: string;
  devStaticDir: string;
  logLevel: LogLevel;
  logPrefix: string;
  // nsq-ts's own
  /** `user:scrypt$...` lines; enables the built-in login */
  adminUsersFile: string;
  /** ms between two /stats polls of the whole cluster (0: no poll loop, no charts) */
  statsInterval: number;
  /** ms of history kept per series */
  statsWindow: number;
  httpServer: HttpServerChoice;
}

// biome-ignore format: one flag per line reads best as a table
const FLAGS: readonly FlagSpec<AdminOptions>[] = [
  { name: 'acl-http-header', kind: 'string', key: 'aclHttpHeader', usage: 'HTTP header to check for authenticated admin users' },
  { name: 'admin-user', kind: 'string-array', key: 'adminUsers', cfg: 'admin_users', usage: 'admin user (may be given multiple times; if specified, only these users will be able to perform privileged actions; acl-http-header is used to determine the authenticated user)' },
  { name: 'admin-users-file', kind: 'string', key: 'adminUsersFile', usage: '[nsq-ts] file of "user:<scrypt hash>" lines (make one with --hash-password); enables the built-in login: a logged-in user is an admin' },
  { name: 'allow-config-from-cidr', kind: 'string', key: 'allowConfigFromCidr', usage: 'A CIDR from which to allow HTTP requests to the /config endpoint' },
  { name: 'base-path', kind: 'string', key: 'basePath', usage: 'URL base path' },
  { name: 'config', kind: 'string', usage: 'path to config file' },
  { name: 'dev-static-dir', kind: 'string', key: 'devStaticDir', usage: '(development use only)' },
  { name: 'graphite-url', kind: 'string', key: 'graphiteUrl', usage: 'graphite HTTP address' },
  { name: 'hash-password', kind: 'bool', usage: '[nsq-ts] read a password on stdin, print its --admin-users-file hash and exit' },
  { name: 'http-address', kind: 'string', key: 'httpAddress', usage: '<addr>:<port> to listen on for HTTP clients' },
  { name: 'http-client-connect-timeout', kind: 'duration', key: 'httpClientConnectTimeout', usage: 'timeout for HTTP connect' },
  { name: 'http-client-request-timeout', kind: 'duration', key: 'httpClientRequestTimeout', usage: 'timeout for HTTP request' },
  { name: 'http-client-tls-cert', kind: 'string', key: 'httpClientTlsCert', usage: 'path to certificate file for the HTTP client' },
  { name: 'http-client-tls-insecure-skip-verify', kind: 'bool', key: 'httpClientTlsInsecureSkipVerify', usage: 'configure the HTTP client to skip verification of TLS certificates' },
  { name: 'http-client-tls-key', kind: 'string', key: 'httpClientTlsKey', usage: 'path to key file for the HTTP client' },
  { name: 'http-client-tls-root-ca-file', kind: 'string', key: 'httpClientTlsRootCaFile', usage: 'path to CA file for the HTTP client' },
  { name: 'http-server', kind: 'string', key: 'httpServer', choices: ['auto', 'uws', 'node'], usage: '[nsq-ts] HTTP server: auto (uWebSockets.js when its native build loads), uws or node' },
  { name: 'log-level', kind: 'log-level', key: 'logLevel', usage: 'set log verbosity: debug, info, warn, error, or fatal' },
  { name: 'log-prefix', kind: 'string', key: 'logPrefix', usage: 'log message prefix' },
  { name: 'lookupd-http-address', kind: 'string-array', key: 'lookupdHttpAddresses', cfg: 'nsqlookupd_http_addresses', usage: 'lookupd HTTP address (may be given multiple times)' },
  { name: 'notification-http-endpoint', kind: 'string', key: 'notificationHttpEndpoint', usage: 'HTTP endpoint (fully qualified) to which POST notifications of admin actions will be sent' },
  { name: 'nsqd-http-address', kind: 'string-array', key: 'nsqdHttpAddresses', cfg: 'nsqd_http_addresses', usage: 'nsqd HTTP address (may be given multiple times)' },
  { name: 'proxy-graphite', kind: 'bool', key: 'proxyGraphite', usage: 'proxy HTTP requests to graphite' },
  { name: 'stats-interval', kind: 'duration', key: 'statsInterval', usage: '[nsq-ts] how often the admin polls every nsqd\'s /stats for the built-in charts and live numbers (0 to disable)' },
  { name: 'stats-window', kind: 'duration', key: 'statsWindow', usage: '[nsq-ts] how much chart history the admin keeps in memory' },
  { name: 'statsd-counter-format', kind: 'string', key: 'statsdCounterFormat', usage: 'The counter stats key formatting applied by the implementation of statsd. If no formatting is desired, set this to an empty string.' },
  { name: 'statsd-gauge-format', kind: 'string', key: 'statsdGaugeFormat', usage: 'The gauge stats key formatting applied by the implementation of statsd. If no formatting is desired, set this to an empty string.' },
  { name: 'statsd-interval', kind: 'duration', key: 'statsdInterval', usage: 'time interval nsqd is configured to push to statsd (must match nsqd)' },
  { name: 'statsd-prefix', kind: 'string', key: 'statsdPrefix', usage: 'prefix used for keys sent to statsd (%s for host replacement, must match nsqd)' },
  { name: 'verbose', kind: 'bool', usage: '[deprecated] has no effect, use --log-level' },
  { name: 'version', kind: 'bool', usage: 'print version string' },
];

export function defaultAdminOptions(): AdminOptions {
  return {
    httpAddress: '0.0.0.0:4171',
    basePath: '/',
    lookupdHttpAddresses: [],
    nsqdHttpAddresses: [],
    adminUsers: [],
    aclHttpHeader: 'X-Forwarded-User',
    notificationHttpEndpoint: '',
    graphiteUrl: '',
    proxyGraphite: false,
    statsdPrefix: 'nsq.%s',
    statsdCounterFormat: 'stats.counters.%s.count',
    statsdGaugeFormat: 'stats.gauges.%s',
    statsdInterval: 60_000,
    httpClientConnectTimeout: 2_000,
    httpClientRequestTimeout: 5_000,
    httpClientTlsInsecureSkipVerify: false,
    httpClientTlsRootCaFile: '',
    httpClientTlsCert: '',
    httpClientTlsKey: '',
    allowConfigFromCidr: '127.0.0.1/8',
    devStaticDir: '',
    logLevel: 'info',
    logPrefix: '[nsqadmin] ',
    adminUsersFile: '',
    statsInterval: 2_000,
    statsWindow: 15 * 60_000,
    httpServer: 'auto',
  };
}

/** config key → options field and kind, for /config/:opt */
export function configKeys(): Map<string, { key: keyof AdminOptions; kind: FlagSpec<AdminOptions>['kind'] }> {
  const m = new Map<string, { key: keyof AdminOptions; kind: FlagSpec<AdminOptions>['kind'] }>();
  for (const f of FLAGS) if (f.key !== undefined) m.set(cfgName(f), { key: f.key, kind: f.kind });
  return m;
}

const PROGRAM = {
  program: 'nsqadmin',
  flags: FLAGS,
  defaults: defaultAdminOptions,
  version: () => versionString('nsqadmin'),
  validate,
};

/** Go's flag.PrintDefaults for nsqadmin's flag set */
export function adminHelp(): string {
  // lg.LogLevel prints its default in capitals
  return flagHelp(PROGRAM).replace('(default info)', '(default INFO)');
}

export type AdminCli =
  | { kind: 'run'; options: AdminOptions; warnings: string[] }
  | { kind: 'hash-password' }
  | { kind: 'exit'; code: number; stdout: string; stderr: string };

/** Go's path.Clean of a base path with a leading '/' (normalizeBasePath) */
export function normalizeBasePath(p: string): string {
  if (p === '') return '/';
  const abs = p.startsWith('/') ? p : `/${p}`;
  const out: string[] = [];
  for (const seg of abs.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

/**
 * argv (without node and script) → options (src/go/options.ts: flag > config file > default), or
 * what to print and the exit code (1: the stderr text is the FATAL line's). `--help` goes to stderr
 * as Go's flag package writes it; `--hash-password` is a mode of its own.
 */
export function resolveAdminOptions(argv: readonly string[]): AdminCli {
  if (argv.some((a) => /^--?hash-password(=true)?$/.test(a))) return { kind: 'hash-password' };
  const r = resolveFlags(PROGRAM, [...argv]);
  if (r.kind === 'exit') {
    if (r.code === 0 && r.stdout.startsWith('Usage of')) return { ...r, stdout: '', stderr: adminHelp() };
    return r;
  }
  r.options.basePath = normalizeBasePath(r.options.basePath);
  return r;
}

/** Go's net.SplitHostPort checks as ResolveTCPAddr words them (host names resolve later) */
function addressError(addr: string): string | undefined {
  const i = addr.lastIndexOf(':');
  if (i === -1) return `address ${addr}: missing port in address`;
  const host = addr.slice(0, i);
  if (host.includes(':') && !(host.startsWith('[') && host.endsWith(']'))) {
    return `address ${addr}: too many colons in address`;
  }
  const port = addr.slice(i + 1);
  if (!/^[0-9]+$/.test(port) || Number(port) > 65535) return `address ${addr}: invalid port`;
  if (host.includes('/')) return `lookup ${host.split(':')[0]}: no such host`;
  return undefined;
}

/** Go's net.ParseCIDR acceptance (IPv4 a.b.c.d/n, or an IPv6 address with /n) */
export function parseCidr(cidr: string): { ip: number[]; bits: number } | null {
  const slash = cidr.indexOf('/');
  if (slash === -1) return null;
  const bits = Number(cidr.slice(slash + 1));
  const ip = parseIp(cidr.slice(0, slash));
  if (ip === null || !/^[0-9]+$/.test(cidr.slice(slash + 1)) || bits > (ip.length === 4 ? 32 : 128))
    return null;
  return { ip, bits };
}

/** an IPv4 (4 bytes) or IPv6 (16 bytes) address, or null */
export function parseIp(s: string): number[] | null {
  if (/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(s)) {
    const b = s.split('.').map(Number);
    return b.every((x) => x <= 255) ? b : null;
  }
  if (!s.includes(':')) return null;
  const v4tail = /^(.*:)([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)$/.exec(s);
  let head = s;
  let tail: number[] = [];
  if (v4tail !== null) {
    const v4 = parseIp(v4tail[2]!);
    if (v4 === null) return null;
    head = `${v4tail[1]!}0:0`;
    tail = v4;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const a = groups(halves[0]!);
  const b = halves.length === 2 ? groups(halves[1]!) : [];
  if (a === null || b === null) return null;
  const fill = 8 - a.length - b.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
  const words = [...a, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...b];
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (v4tail !== null) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** is `ip` inside `cidr` (an IPv4 address also matches as ::ffff:a.b.c.d) */
export function cidrContains(cidr: { ip: number[]; bits: number }, ip: number[]): boolean {
  let addr = ip;
  if (cidr.ip.length === 4 && ip.length === 16) {
    const mapped = ip.slice(0, 10).every((x) => x === 0) && ip[10] === 0xff && ip[11] === 0xff;
    if (!mapped) return false;
    addr = ip.slice(12);
  }
  if (cidr.ip.length !== addr.length) return false;
  for (let bit = 0; bit < cidr.bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((cidr.ip[byte]! & mask) !== (addr[byte]! & mask)) return false;
  }
  return true;
}

function validate(o: AdminOptions): string | undefined {
  if (o.nsqdHttpAddresses.length === 0 && o.lookupdHttpAddresses.length === 0) {
    return '--nsqd-http-address or --lookupd-http-address required';
  }
  if (o.nsqdHttpAddresses.length !== 0 && o.lookupdHttpAddresses.length !== 0) {
    return 'use --nsqd-http-address or --lookupd-http-address not both';
  }
  if (o.httpClientTlsCert !== '' && o.httpClientTlsKey === '') {
    return '--http-client-tls-key must be specified with --http-client-tls-cert';
  }
  if (o.httpClientTlsKey !== '' && o.httpClientTlsCert === '') {
    return '--http-client-tls-cert must be specified with --http-client-tls-key';
  }
  for (const [flag, list] of [
    ['lookupd-http-address', o.lookupdHttpAddresses],
    ['nsqd-http-address', o.nsqdHttpAddresses],
  ] as const) {
    for (const a of list) {
      const e = addressError(a);
      if (e !== undefined) return `failed to resolve --${flag} (${a}) - ${e}`;
    }
  }
  if (o.proxyGraphite) {
    const bad = /%(?![0-9a-fA-F]{2})(.{0,2})/.exec(o.graphiteUrl);
    if (bad !== null) {
      return `failed to parse --graphite-url (${o.graphiteUrl}) - parse ${goQuote(o.graphiteUrl)}: invalid URL escape ${goQuote(`%${bad[1]}`)}`;
    }
  }
  if (o.allowConfigFromCidr !== '' && parseCidr(o.allowConfigFromCidr) === null) {
    return `failed to parse --allow-config-from-cidr (${o.allowConfigFromCidr}) - invalid CIDR address: ${o.allowConfigFromCidr}`;
  }
  if (o.statsInterval < 0 || (o.statsInterval > 0 && o.statsInterval < 100)) {
    return '--stats-interval must be 0 (off) or at least 100ms';
  }
  if (o.statsWindow < 0) return '--stats-window must be >= 0';
  return undefined;
}
