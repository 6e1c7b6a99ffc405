/** Micro benchmark runner: `node dist/bench/micro/run.js [suite...] [--time=ms] [--json]` runs each suite's tasks under tinybench and prints one table (or JSON) per suite. */

import * as os from 'node:os';
import { Bench, type FnReturnedObject, type Task } from 'tinybench';
import { diskSuite } from './disk.js';
import { heapSuite } from './heap.js';
import { parserSuite } from './parser.js';
import { ringSuite } from './ring.js';
import { storeSuite } from './store.js';

/** One measured operation. `run(n)` performs it n times in its own loop and returns a checksum. */
export interface MicroTask {
  readonly name: string;
  /** messages one operation handles (msgs/s = ops/s × msgs); 1 when the op is one message or none */
  readonly msgs: number;
  run(n: number): number;
}

export interface MicroSuite {
  readonly name: string;
  /** message body size in bytes the suite uses (0 when it has none) */
  readonly msgSize: number;
  /** printed instead of a table when the suite has no tasks */
  readonly note?: string;
  readonly tasks: readonly MicroTask[];
}

interface Row {
  task: string;
  opsPerSec: number;
  nsPerOp: number;
  rmePct: number;
  msgsPerOp: number;
  msgsPerSec: number | null;
  samples: number;
}

const SUITES: Record<string, () => MicroSuite> = {
  parser: parserSuite,
  ring: ringSuite,
  store: storeSuite,
  heap: heapSuite,
  disk: diskSuite,
};

function fatal(msg: string): never {
  process.stderr.write(`bench/micro: ${msg}\n`);
  process.exit(2);
}

const names: string[] = [];
let timeMs = 500;
let json = false;
for (const arg of process.argv.slice(2)) {
  if (arg === '--json') json = true;
  else if (arg.startsWith('--time=')) {
    timeMs = Number(arg.slice(7));
    if (!Number.isInteger(timeMs) || timeMs < 10) fatal('--time must be an integer number of ms >= 10');
  } else if (arg.startsWith('-')) fatal(`unknown flag ${arg} (known: --time=ms, --json)`);
  else if (!(arg in SUITES)) fatal(`unknown suite ${arg} (known: ${Object.keys(SUITES).join(', ')})`);
  else names.push(arg);
}

let sink = 0; // every task's checksum lands here, so V8 cannot drop the work

/** Milliseconds `t.run(n)` takes: the best of three, so one GC pause does not skew the calibration. */
function best(t: MicroTask, n: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    sink = (sink + t.run(n)) | 0;
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return min;
}

/** Calls per sample so one sample takes about `targetMs` (also warms the code up). */
function calibrate(t: MicroTask, targetMs: number): number {
  let n = 1;
  for (;;) {
    const ms = best(t, n);
    if (ms >= targetMs || n >= 1 << 24) return n;
    n *= ms < targetMs / 8 ? 8 : 2;
  }
}

async function runSuite(s: MicroSuite): Promise<Row[]> {
  if (s.tasks.length === 0) return [];
  const bench = new Bench({
    name: s.name,
    time: timeMs,
    warmupTime: Math.min(100, timeMs / 5),
    throws: true,
  });
  const targetMs = Math.min(1, timeMs / 100);
  for (const t of s.tasks) {
    const n = calibrate(t, targetMs);
    const fn = (): FnReturnedObject => {
      const t0 = process.hrtime.bigint();
      sink = (sink + t.run(n)) | 0;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      return { overriddenDuration: ms / n, overriddenIterationCost: ms };
    };
    bench.add(t.name, fn, { async: false });
  }
  await bench.run();
  return s.tasks.map((t) => row(t, bench.getTask(t.name)));
}

function row(t: MicroTask, task: Task | undefined): Row {
  const r = task?.result;
  if (r === undefined || !('latency' in r)) fatal(`task ${t.name} has no result (${r?.state})`);
  const nsPerOp = r.latency.mean * 1e6;
  const opsPerSec = 1e9 / nsPerOp;
  return {
    task: t.name,
    opsPerSec,
    nsPerOp,
    rmePct: r.latency.rme,
    msgsPerOp: t.msgs,
    msgsPerSec: t.msgs > 1 ? opsPerSec * t.msgs : null,
    samples: r.latency.samplesCount,
  };
}

const cpus = os.cpus();
const env = {
  node: process.version,
  cpus: os.availableParallelism(),
  cpuModel: cpus[0]?.model.trim() ?? 'unknown',
  flags: process.execArgv.join(' ') || 'none',
  timeMsPerTask: timeMs,
};

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function printTable(s: MicroSuite, rows: Row[], checksum: number): void {
  const size = s.msgSize > 0 ? `${s.msgSize} B messages` : 'no messages';
  console.log(`\n## ${s.name} | Node ${env.node}, ${env.cpus} CPUs (${env.cpuModel}), flags: ${env.flags}`);
  console.log(`## ${size}, ~${timeMs} ms per task`);
  if (s.note !== undefined) console.log(s.note);
  if (rows.length === 0) return;
  const head = ['task', 'ops/s', 'ns/op', '±%', 'msgs/op', 'msgs/s', 'samples'];
  const body = rows.map((r) => [
    r.task,
    fmt(r.opsPerSec),
    fmt(r.nsPerOp, r.nsPerOp < 100 ? 1 : 0),
    fmt(r.rmePct, 1),
    fmt(r.msgsPerOp, Number.isInteger(r.msgsPerOp) ? 0 : 1),
    r.msgsPerSec === null ? '-' : fmt(r.msgsPerSec),
    String(r.samples),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  console.log(`checksum ${(checksum >>> 0).toString(16).padStart(8, '0')}`);
}

const results: { suite: string; msgSize: number; note?: string; checksum: number; rows: Row[] }[] = [];
for (const name of names.length > 0 ? names : Object.keys(SUITES)) {
  const suite = SUITES[name]!();
  sink = 0;
  const rows = await runSuite(suite);
  const checksum = sink >>> 0;
  if (json) {
    const entry = { suite: suite.name, msgSize: suite.msgSize, checksum, rows };
    results.push(suite.note === undefined ? entry : { ...entry, note: suite.note });
  } else printTable(suite, rows, checksum);
}
if (json) console.log(JSON.stringify({ ...env, suites: results }, null, 2));
