/**
 * The many-core table (issue 17) in one command: publish throughput with T topics × C connections
 * each, all at once, and the server's CPU per message at fixed rates, for Go nsqd (--go-nsqd) and
 * ours at each --io-threads value, one fresh server per cell. The client is Go's bench_writer when
 * --bench-writer names it (one process per topic, GOMAXPROCS = C, as bench.sh runs it), else
 * nsq-bench in its pattern (MPUB×200, one in flight per connection). Server CPU is its process
 * tree's user + system time (/proc). Every run is bounded by --seconds; everything on loopback.
 *
 *   node dist/bench/many-cores.js --io-threads-list=1,2,4,8 --go-nsqd=/path/nsqd \
 *     --bench-writer=/path/bench_writer --mem-queue-size=10000000
 */

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultWorkers } from '../src/nsqd/options/flags.js';
import { type Server, startCommand, startOurs, stopServer, treeCpuMs } from './server.js';

const NSQ_BENCH = fileURLToPath(new URL('./nsq-bench/main.js', import.meta.url));
const SIZE = 200;
/** the flat-out part of a CPU row's warm-up, then WARM_AT_RATE_S at the rate (see cpu-rows.ts) */
const WARM_MSGS = 200_000;
const WARM_AT_RATE_S = 4;

const USAGE = `usage: node dist/bench/many-cores.js [flags]
  --seconds=4               each publish cell and each CPU cell
  --shapes=1x8,8x2          topics × connections per topic, published at once
  --rates=10000,100000      CPU per message at these rates (nsq-bench MPUB×20, 2 conns, open loop, warm); '' for none
  --workers=N               our --workers (default: nsqd's, ${defaultWorkers()} here)
  --io-threads-list=1,2,4,8 our --io-threads values (one server each)
  --mem-queue-size=N        both servers' --mem-queue-size (default: nsqd's own)
  --go-nsqd=PATH            also Go nsqd, with the same flags
  --bench-writer=PATH       Go's bench_writer as the publisher (default: nsq-bench)
`;

function args(): {
  seconds: number;
  shapes: [number, number][];
  rates: number[];
  workers: number;
  ioThreads: number[];
  memQueue: string | null;
  goNsqd: string | null;
  benchWriter: string | null;
} {
  const { values: v } = parseArgs({
    options: {
      seconds: { type: 'string', default: '4' },
      shapes: { type: 'string', default: '1x8,8x2' },
      rates: { type: 'string', default: '10000,100000' },
      workers: { type: 'string', default: String(defaultWorkers()) },
      'io-threads-list': { type: 'string', default: '1,2,4,8' },
      'mem-queue-size': { type: 'string' },
      'go-nsqd': { type: 'string' },
      'bench-writer': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (v.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const list = (s: string): number[] => (s === '' ? [] : s.split(',').map(Number));
  const shapes = v.shapes.split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const out = {
    seconds: Number(v.seconds),
    shapes,
    rates: list(v.rates),
    workers: Number(v.workers),
    ioThreads: list(v['io-threads-list']),
    memQueue: v['mem-queue-size'] ?? null,
    goNsqd: v['go-nsqd'] ?? null,
    benchWriter: v['bench-writer'] ?? null,
  };
  const bad = [out.seconds, out.workers, ...out.rates, ...out.ioThreads, ...shapes.flat()].some(
    (n) => !Number.isInteger(n) || n < 0,
  );
  if (bad || shapes.some((s) => s.length !== 2)) {
    process.stderr.write(`many-cores: bad flag value\n\n${USAGE}`);
    process.exit(2);
  }
  return out;
}

/** run a program to its exit (killed past `limitS` + 30 s); its stdout */
function output(cmd: string, argv: string[], env: NodeJS.ProcessEnv, limitS: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (limitS + 30) * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out + err);
      else reject(new Error(`${cmd} exited ${code}: ${(out + err).slice(-300)}`));
    });
  });
}

/** messages/s one publisher (one topic, `conns` connections) reached */
async function publisher(
  s: Server,
  topic: string,
  conns: number,
  seconds: number,
  benchWriter: string | null,
): Promise<number> {
  const addr = `127.0.0.1:${s.port}`;
  if (benchWriter !== null) {
    const argv = [`--nsqd-tcp-address=${addr}`, `--topic=${topic}`, `--runfor=${seconds}s`, `--size=${SIZE}`];
    const text = await output(benchWriter, argv, { ...process.env, GOMAXPROCS: String(conns) }, seconds);
    const m = /- ([\d.]+)ops\/s/.exec(text);
    if (m === null) throw new Error(`bench_writer said: ${text.slice(-300)}`);
    return Number(m[1]);
  }
  const argv = [NSQ_BENCH, 'pub', `--nsqd-tcp-address=${addr}`, `--topic=${topic}`, `--conns=${conns}`];
  argv.push(`--threads=${conns}`, '--batch=200', `--duration=${seconds}s`, '--json', '--quiet');
  const r = JSON.parse(await output(process.execPath, argv, process.env, seconds)) as {
    pub: { msgsPerSec: number };
  };
  return r.pub.msgsPerSec;
}

interface Cell {
  msgsPerSec: number;
  cores: number;
}

async function publishCell(
  s: Server,
  topics: number,
  conns: number,
  a: ReturnType<typeof args>,
): Promise<Cell> {
  const cpu0 = treeCpuMs(s.pid);
  const t0 = performance.now();
  const rates = await Promise.all(
    Array.from({ length: topics }, (_, i) => publisher(s, `mc_${i}`, conns, a.seconds, a.benchWriter)),
  );
  const cores = (treeCpuMs(s.pid) - cpu0) / (performance.now() - t0);
  return { msgsPerSec: rates.reduce((x, y) => x + y, 0), cores };
}

/** server CPU µs per message at `rate`, warm */
async function cpuCell(s: Server, rate: number, seconds: number): Promise<number> {
  const base = [NSQ_BENCH, 'pub', `--nsqd-tcp-address=127.0.0.1:${s.port}`, '--batch=20', '--conns=2'];
  const run = (more: string[], limitS: number) =>
    output(process.execPath, [...base, ...more, '--json', '--quiet'], process.env, limitS);
  await run(['--topic=cpu_warm', `--count=${WARM_MSGS}`, '--duration=60s'], 60);
  await run([`--topic=cpu_${rate}`, `--rate=${rate}`, `--duration=${WARM_AT_RATE_S}s`], WARM_AT_RATE_S);
  const cpu0 = treeCpuMs(s.pid);
  const r = JSON.parse(
    await run([`--topic=cpu_${rate}`, `--rate=${rate}`, `--duration=${seconds}s`], seconds),
  ) as {
    pub: { acked: number };
  };
  return ((treeCpuMs(s.pid) - cpu0) * 1000) / Math.max(1, r.pub.acked);
}

async function main(): Promise<void> {
  const a = args();
  const shared = a.memQueue === null ? [] : [`--mem-queue-size=${a.memQueue}`];
  const servers: { name: string; start: () => Promise<Server> }[] = [];
  if (a.goNsqd !== null) {
    const cmd = `${a.goNsqd} --tcp-address=127.0.0.1:{port} --http-address=127.0.0.1:{http_port} --data-path={data} --log-level=warn ${shared.join(' ')}`;
    servers.push({ name: 'Go nsqd', start: () => startCommand('go', cmd) });
  }
  for (const io of a.ioThreads) {
    servers.push({
      name: `ours --workers=${a.workers} --io-threads=${io}`,
      start: () => startOurs(a.workers, [`--io-threads=${io}`, ...shared]),
    });
  }
  const head = [
    'server',
    ...a.shapes.flatMap(([t, c]) => [`${t} topic(s) × ${c} conns msgs/s`, 'cores', 'M msgs per CPU-s']),
    ...a.rates.map((r) => `µs CPU/msg at ${r / 1000}k/s`),
  ];
  const rows: string[][] = [];
  for (const sv of servers) {
    const row = [sv.name];
    for (const [t, c] of a.shapes) {
      const s = await sv.start();
      try {
        const cell = await publishCell(s, t, c, a);
        const perCpuS = cell.msgsPerSec / Math.max(0.01, cell.cores) / 1e6;
        row.push(
          Math.round(cell.msgsPerSec).toLocaleString('en-US'),
          cell.cores.toFixed(2),
          perCpuS.toFixed(2),
        );
      } catch (err) {
        row.push(`failed: ${(err as Error).message.slice(0, 80)}`, '', '');
      } finally {
        await stopServer(s);
      }
    }
    for (const rate of a.rates) {
      const s = await sv.start();
      try {
        row.push((await cpuCell(s, rate, a.seconds)).toFixed(2));
      } catch (err) {
        row.push(`failed: ${(err as Error).message.slice(0, 80)}`);
      } finally {
        await stopServer(s);
      }
    }
    rows.push(row);
    process.stderr.write(`${row.join(' | ')}\n`);
  }
  process.stdout.write(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n`);
  for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
}

await main();
