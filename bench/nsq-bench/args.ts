/**
 * nsq-bench's command line: flags → a validated BenchOptions, or an ArgError whose message names the
 * flag. Only loopback targets unless --allow-remote. No I/O here.
 */

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { parseGoDuration } from '../../src/go/duration.js';
import type { WireFeatures } from './upgrade.js';

export type Mode = 'pub' | 'sub' | 'pubsub';

export interface BenchOptions {
  mode: Mode;
  host: string;
  port: number;
  /** host:port of the target's HTTP API, '' for none */
  httpAddress: string;
  topic: string;
  channel: string;
  /** publishing connections, and (pubsub) as many consuming ones; (sub) consuming connections */
  conns: number;
  size: number;
  /** 1 = PUB, > 1 = MPUB of this many messages */
  batch: number;
  /** closed loop: commands in flight per connection */
  inFlight: number;
  /** total messages per second (open loop); 0 = closed loop */
  rate: number;
  durationMs: number;
  /** messages to publish (pub, pubsub) or to receive (sub); 0 = no limit */
  count: number;
  rdy: number;
  threads: number;
  json: boolean;
  quiet: boolean;
  allowRemote: boolean;
  /** IDENTIFY upgrades: --tls, --snappy, --deflate (--deflate-level) */
  features: WireFeatures;
}

export class ArgError extends Error {
  readonly code = 'E_BENCH_ARGS';
}

export const USAGE = `usage: nsq-bench pub|sub|pubsub [flags]

  pub      publish as fast as acknowledged (closed loop) or at --rate (open loop)
  sub      consume topic/channel, FINs flushed in batches like bench_reader
  pubsub   both at once; bodies carry a send time, end-to-end latency percentiles

flags (--flag=value or --flag value; Go's single dash works too):
  --nsqd-tcp-address=127.0.0.1:4150  the nsqd to load (loopback only, unless --allow-remote)
  --nsqd-http-address=HOST:PORT      its HTTP API, to report its /info version (default: none)
  --topic=NAME        default sub_bench (pub, sub) or a fresh pubsub_bench_<time> (pubsub)
  --channel=ch        the channel of sub and pubsub
  --conns=2           publishing connections; sub: consuming; pubsub: this many of each
  --size=200          message size in bytes (pubsub: at least 8, the send time)
  --batch=N           messages per command: 1 = PUB, >1 = MPUB (default 200 for pub, 1 for pubsub)
  --in-flight=1       closed loop: commands in flight per connection
  --rate=N            messages per second in total, open loop; 0 = closed loop (pubsub default 50000)
  --duration=10s      how long to run (a Go duration)
  --count=0           stop after this many messages published (pub, pubsub) or received (sub)
  --rdy=2500          RDY count of each consuming connection
  --threads=N         worker threads (piscina) for the connections (default: CPU count)
  --json              print the result as JSON on stdout
  --quiet             no progress line
  --tls               upgrade every connection to TLS after IDENTIFY (no certificate check)
  --snappy            snappy-compress every connection (framing format)
  --deflate           deflate-compress every connection
  --deflate-level=6   the deflate level asked for (the server caps it at --max-deflate-level)
  --allow-remote      allow a target that is not 127.0.0.1, ::1 or localhost
  --help              this text
`;

const SPEC = {
  'nsqd-tcp-address': { type: 'string', default: '127.0.0.1:4150' },
  'nsqd-http-address': { type: 'string', default: '' },
  topic: { type: 'string' },
  channel: { type: 'string', default: 'ch' },
  conns: { type: 'string', default: '2' },
  size: { type: 'string', default: '200' },
  batch: { type: 'string' },
  'in-flight': { type: 'string', default: '1' },
  rate: { type: 'string' },
  duration: { type: 'string', default: '10s' },
  count: { type: 'string', default: '0' },
  rdy: { type: 'string', default: '2500' },
  threads: { type: 'string' },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
  'allow-remote': { type: 'boolean', default: false },
  tls: { type: 'boolean', default: false },
  snappy: { type: 'boolean', default: false },
  deflate: { type: 'boolean', default: false },
  'deflate-level': { type: 'string', default: '6' },
  help: { type: 'boolean', default: false },
} as const;

const NAME_RE = /^[.a-zA-Z0-9_-]+(#ephemeral)?$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Splits `host:port` / `[v6]:port`; the message names `flag`. */
export function parseHostPort(flag: string, value: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(value) ?? /^([^:]+):(\d+)$/.exec(value);
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ArgError(`--${flag}: expected host:port (e.g. 127.0.0.1:4150), got ${JSON.stringify(value)}`);
  }
  return { host: m[1]!, port };
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function int(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new ArgError(`--${flag}: expected an integer ${range}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Go's single-dash long flags become double-dash ones; everything else is left to parseArgs. */
function normalize(argv: readonly string[]): string[] {
  return argv.map((a) => (/^-[a-z][a-z-]+(=.*)?$/s.test(a) ? `-${a}` : a));
}

/** Parses nsq-bench's argv (without node and the script); `{ help: true }` for --help. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions | { help: true } {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof SPEC; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: normalize(argv), options: SPEC, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ArgError((err as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  if (parsed.positionals.length !== 1) {
    throw new ArgError(
      `expected one mode (pub, sub or pubsub), got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}`,
    );
  }
  const mode = parsed.positionals[0]!;
  if (mode !== 'pub' && mode !== 'sub' && mode !== 'pubsub') {
    throw new ArgError(`unknown mode ${JSON.stringify(mode)}: expected pub, sub or pubsub`);
  }
  const allowRemote = v['allow-remote'];
  const { host, port } = parseHostPort('nsqd-tcp-address', v['nsqd-tcp-address']);
  if (!allowRemote && !isLoopback(host)) {
    throw new ArgError(
      `--nsqd-tcp-address: ${host} is not a loopback address; pass --allow-remote to load another machine`,
    );
  }
  const httpAddress = v['nsqd-http-address'];
  if (httpAddress !== '') {
    const h = parseHostPort('nsqd-http-address', httpAddress);
    if (!allowRemote && !isLoopback(h.host)) {
      throw new ArgError(
        `--nsqd-http-address: ${h.host} is not a loopback address; pass --allow-remote to query another machine`,
      );
    }
  }
  const topic = v.topic ?? (mode === 'pubsub' ? `pubsub_bench_${Date.now().toString(36)}` : 'sub_bench');
  if (!NAME_RE.test(topic) || topic.length > 64)
    throw new ArgError(`--topic: invalid topic name ${JSON.stringify(topic)}`);
  if (!NAME_RE.test(v.channel) || v.channel.length > 64) {
    throw new ArgError(`--channel: invalid channel name ${JSON.stringify(v.channel)}`);
  }
  const size = int('size', v.size, mode === 'pubsub' ? 8 : 1, 64 << 20);
  const batch = int('batch', v.batch ?? (mode === 'pubsub' ? '1' : '200'), 1, 100_000);
  const rate = int('rate', v.rate ?? (mode === 'pubsub' ? '50000' : '0'), 0);
  let durationMs: number;
  try {
    durationMs = parseGoDuration(v.duration);
  } catch (err) {
    throw new ArgError(`--duration: ${(err as Error).message}`);
  }
  if (!(durationMs > 0))
    throw new ArgError(`--duration: must be positive, got ${JSON.stringify(v.duration)}`);
  if (durationMs > 24 * 3_600_000) throw new ArgError('--duration: at most 24h');
  if (v.snappy && v.deflate) throw new ArgError('--snappy and --deflate: choose one compression');
  return {
    mode,
    host,
    port,
    httpAddress,
    topic,
    channel: v.channel,
    conns: int('conns', v.conns, 1, 10_000),
    size,
    batch,
    inFlight: int('in-flight', v['in-flight'], 1, 1_000_000),
    rate,
    durationMs,
    count: int('count', v.count, 0),
    rdy: int('rdy', v.rdy, mode === 'sub' ? 0 : 1, 1_000_000),
    threads: int('threads', v.threads ?? String(availableParallelism()), 1, 1024),
    json: v.json,
    quiet: v.quiet,
    allowRemote,
    features: {
      tls: v.tls,
      snappy: v.snappy,
      deflate: v.deflate,
      deflateLevel: int('deflate-level', v['deflate-level'], 1, 9),
    },
  };
}
