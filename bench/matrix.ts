/**
 * `npm run bench`: the standard matrix (MPUB, single PUB at 1 and 100 in flight, SUB drain, pubsub
 * latency at two rates, RSS per queued message, RSS with a disk backlog, and the rows in the patterns
 * of Go's bench_writer/bench_reader/bench.sh; or the rows --only names) against a fresh nsqd per
 * scenario and server — ours for each --workers value, and another one with --compare, in
 * alternation, each with the row's flags — through the same library the nsq-bench CLI uses. Prints
 * the table (with ours ÷ theirs per --workers value under --compare) and writes it as JSON and
 * Markdown to bench/results/.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultWorkers } from '../src/nsqd/options/flags.js';
import {
  formatMatrixMarkdown,
  formatMatrixText,
  formatValue,
  type MatrixCell,
  type MatrixReport,
  type MatrixRow,
  rowRatios,
} from './matrix-report.js';
import { environment, fetchInfoVersion } from './nsq-bench/run.js';
import {
  budgetMs,
  labelWithFlags,
  MEM_QUEUE_SIZE,
  type RowSpec,
  type Scenario,
  type ScenarioConfig,
  SIZE,
  sharedArgs,
} from './scenario-kit.js';
import { SCENARIOS } from './scenarios.js';
import { killNow, type Server, startCommand, startOurs, stopServer } from './server.js';

/** a scenario's rows: its own, then those its run also measures */
const rowsOf = (s: Scenario): RowSpec[] => [s, ...(s.also ?? [])];
const ROW_IDS = SCENARIOS.flatMap((s) => rowsOf(s).map((r) => r.id));

const USAGE = `usage: npm run bench -- [flags]

  --seconds=10         duration of each scenario (a backlog row: of its publishing, then of its drain)
  --workers-list=0,N   our --workers values to measure (default: 0 and the default shard count)
  --io-threads-list=1,2,4  also one column per --io-threads value for each --workers value above 0
                       (default: none, i.e. nsqd's own choice)
  --compare="CMD"      also measure the nsqd that CMD starts (run with sh -c; {port}, {http_port} and
                       {data} are replaced), e.g. --compare="nsqd --tcp-address=127.0.0.1:{port}
                       --http-address=127.0.0.1:{http_port} --data-path={data}"; leave out
                       --mem-queue-size: each row gives both servers the same one (${MEM_QUEUE_SIZE}
                       unless its label says otherwise; [nsqd defaults] means none, i.e. 10000)
  --threads=N          load generator threads (default: CPU count)
  --max-msgs=5000000   cap on the messages one PUB scenario publishes (they stay queued)
  --only=ID[,ID...]    run only these rows (ids: ${ROW_IDS.join(', ')})
  --results-dir=DIR    where the .json and .md results go (default: bench/results)
  --quiet              no progress line
`;

interface MatrixArgs {
  seconds: number;
  workersList: number[];
  /** --io-threads values (empty: leave it to nsqd) */
  ioThreadsList: number[];
  compare: string | null;
  threads: number;
  maxMsgs: number;
  /** the rows to run, in the matrix's order */
  only: string[] | null;
  resultsDir: string;
  quiet: boolean;
}

function usageError(msg: string): never {
  process.stderr.write(`bench: ${msg}\n\n${USAGE}`);
  process.exit(2);
}

function parseMatrixArgs(argv: string[]): MatrixArgs {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      options: {
        seconds: { type: 'string', default: '10' },
        'workers-list': { type: 'string', default: `0,${defaultWorkers()}` },
        'io-threads-list': { type: 'string', default: '' },
        compare: { type: 'string' },
        threads: { type: 'string', default: String(os.availableParallelism()) },
        'max-msgs': { type: 'string', default: '5000000' },
        only: { type: 'string' },
        'results-dir': {
          type: 'string',
          default: fileURLToPath(new URL('../../bench/results', import.meta.url)),
        },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    return usageError((err as Error).message);
  }
  if (v.help === true) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const num = (flag: string, min: number): number => {
    const n = Number(v[flag]);
    if (!Number.isFinite(n) || n < min)
      usageError(`--${flag}: expected a number >= ${min}, got ${JSON.stringify(v[flag])}`);
    return n;
  };
  const workersList = String(v['workers-list']).split(',').map(Number);
  const io = String(v['io-threads-list']);
  const ioThreadsList = io === '' ? [] : io.split(',').map(Number);
  if (ioThreadsList.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) {
    usageError(`--io-threads-list: expected io thread counts like 1,2,4, got ${JSON.stringify(io)}`);
  }
  if (workersList.some((w) => !Number.isInteger(w) || w < 0 || w > 64)) {
    usageError(`--workers-list: expected shard counts like 0,1,3, got ${JSON.stringify(v['workers-list'])}`);
  }
  let only: string[] | null = null;
  if (typeof v.only === 'string') {
    only = v.only.split(',').filter((id) => id !== '');
    const unknown = only.filter((id) => !ROW_IDS.includes(id));
    if (only.length === 0 || unknown.length > 0)
      usageError(`--only: unknown row ${JSON.stringify(unknown.join(',') || v.only)}`);
  }
  const compare = typeof v.compare === 'string' && v.compare !== '' ? v.compare : null;
  if (compare !== null && /(^|\s)--?mem-queue-size\b/.test(compare))
    usageError('--compare: leave --mem-queue-size out; each row passes its own to both servers');
  return {
    seconds: num('seconds', 0.2),
    workersList: [...new Set(workersList)],
    ioThreadsList: [...new Set(ioThreadsList)],
    compare,
    threads: Math.floor(num('threads', 1)),
    maxMsgs: Math.floor(num('max-msgs', 1000)),
    only,
    resultsDir: String(v['results-dir']),
    quiet: v.quiet === true,
  };
}

const A = parseMatrixArgs(process.argv.slice(2));
const RUN =
  A.only === null ? SCENARIOS : SCENARIOS.filter((s) => rowsOf(s).some((r) => A.only!.includes(r.id)));
const DEFAULT_WORKERS = defaultWorkers();
const SUB_PREFILL = Math.min(A.maxMsgs, Math.max(100_000, Math.round(A.seconds * 400_000)));
const CFG: ScenarioConfig = {
  seconds: A.seconds,
  threads: A.threads,
  maxMsgs: A.maxMsgs,
  subPrefill: SUB_PREFILL,
  progress: process.stderr.isTTY === true && !A.quiet,
};
let current: Server | null = null;

const failed = (error: string): MatrixCell => ({ value: null, detail: '', error, benchCpu: 0, serverCpu: 0 });

interface Column {
  name: string;
  start: (sc: Scenario) => Promise<Server>;
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const columns: Column[] = A.workersList.flatMap((w) =>
    (A.ioThreadsList.length === 0 || w === 0 ? [0] : A.ioThreadsList).map((io) => ({
      name: io === 0 ? `ours w=${w}` : `ours w=${w} io=${io}`,
      start: (sc: Scenario) =>
        startOurs(w, [
          ...(io === 0 ? [] : [`--io-threads=${io}`]),
          ...sharedArgs(sc),
          ...(sc.serverArgs ?? []),
        ]),
    })),
  );
  if (A.compare !== null) {
    const cmd = A.compare;
    columns.push({
      name: 'theirs',
      start: (sc) => startCommand('theirs', [cmd, ...sharedArgs(sc)].join(' ')),
    });
  }
  const ours =
    columns.find(
      (c) => c.name === `ours w=${DEFAULT_WORKERS}` || c.name.startsWith(`ours w=${DEFAULT_WORKERS} `),
    )?.name ?? columns[columns.length - (A.compare === null ? 1 : 2)]!.name;
  const versions = new Map<string, string>();
  // per scenario, its rows in the table
  const rowsByScenario: MatrixRow[][] = RUN.map((s) =>
    rowsOf(s).map((r) => ({
      id: r.id,
      label: labelWithFlags(s, r),
      unit: r.unit,
      target: r.target,
      ...(r.ratioTarget === undefined ? {} : { ratioTarget: r.ratioTarget }),
      cells: {},
    })),
  );

  const perServer = RUN.reduce((ms, s) => ms + budgetMs(s, A.seconds), 0);
  const deadlineMs = perServer * columns.length + 60_000;
  const hard = setTimeout(() => {
    process.stderr.write(`bench: hard deadline of ${Math.round(deadlineMs / 1000)} s reached\n`);
    if (current !== null) killNow(current);
    process.exit(1);
  }, deadlineMs);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      if (current !== null) killNow(current);
      process.exit(130);
    });
  }

  for (let i = 0; i < RUN.length; i++) {
    const sc = RUN[i]!;
    for (const col of columns) {
      const rows = rowsByScenario[i]!;
      let cells: MatrixCell[];
      try {
        current = await col.start(sc);
        if (!versions.has(col.name))
          versions.set(col.name, await fetchInfoVersion(`127.0.0.1:${current.httpPort}`));
        const { also, ...own } = await sc.run(current, CFG);
        cells = rows.map((_, k) => (k === 0 ? own : (also?.[k - 1] ?? failed('not measured'))));
      } catch (err) {
        const tail = current?.tail.length ? ` (server log: ${current.tail.slice(-3).join(' / ')})` : '';
        cells = rows.map(() => failed(`${(err as Error).message}${tail}`));
      }
      if (current !== null) await stopServer(current);
      current = null;
      rows.forEach((row, k) => {
        const c = cells[k]!;
        row.cells[col.name] = c;
        if (!A.quiet) {
          const shown =
            c.value === null
              ? `failed: ${c.error}`
              : `${formatValue(row.unit, c.value)}${row.unit === 'msgs/s' ? ' msgs/s' : ''}`;
          process.stderr.write(`${row.id} [${col.name}]: ${shown}\n`);
        }
      });
    }
  }
  clearTimeout(hard);

  const env = environment();
  const header = [
    `node ${env.node}, ${env.cpus} CPUs (${env.platform} ${env.arch}); load generator nsq-bench with ${A.threads} threads on the same machine`,
    `ours: node dist/src/nsqd/main.js --workers=N [--io-threads=K] --log-level=warn plus the row's flags (in [] after its label; "ours:" ones only ours), a fresh server and data dir per scenario`,
    ...(A.compare === null ? [] : [`theirs: ${A.compare} plus the row's flags`]),
    `servers' /info version: ${columns.map((c) => `${c.name} ${versions.get(c.name) ?? 'n/a'}`).join(', ')}`,
    `messages of ${SIZE} B; ${A.seconds} s per scenario; PUB runs capped at ${A.maxMsgs.toLocaleString('en-US')} msgs; SUB rows drain a backlog of up to ${SUB_PREFILL.toLocaleString('en-US')} messages`,
  ];
  const report: MatrixReport = {
    startedAt,
    header,
    columns: columns.map((c) => c.name),
    defaultColumn: ours,
    compareColumn: A.compare === null ? null : 'theirs',
    rows: rowsByScenario.flat(),
  };
  for (const row of report.rows) row.ratios = rowRatios(report, row);
  process.stdout.write(formatMatrixText(report));
  fs.mkdirSync(A.resultsDir, { recursive: true });
  const base = path.join(A.resultsDir, startedAt.replace(/[:.]/g, '-'));
  const json = { startedAt, env, args: A, header, report };
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, formatMatrixMarkdown(report));
  process.stdout.write(`\nwritten: ${base}.json, ${base}.md\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    if (current !== null) killNow(current);
    process.exit(1);
  },
);
