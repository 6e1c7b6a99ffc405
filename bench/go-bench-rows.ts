/**
 * The matrix's rows in the patterns of NSQ's own benchmark (nsqio/nsq bench/: bench_writer,
 * bench_reader, bench.sh), driven by nsq-bench so both servers see the same client: nsqd's default
 * configuration (--mem-queue-size 10000, so a backlog overflows to disk), bench_writer's MPUB×200 with
 * one command in flight per connection on 1 and 2 connections, bench_reader's RDY 2500 drain, the
 * single-PUB round trip, and bench.sh itself (--mem-queue-size=1000000, channel, PUB then SUB).
 * Their targets are issue 11's, as ratios to the --compare server.
 */

import type { BenchResult } from './nsq-bench/run.js';
import {
  drain,
  fillThenDrain,
  type Outcome,
  publish,
  type Scenario,
  type ScenarioConfig,
} from './scenario-kit.js';
import type { Server } from './server.js';

/** bench.sh's nsqd flag: a million messages per queue in memory, the rest on disk */
const BENCH_SH_MEM_QUEUE = 1_000_000;

/** a backlog row publishes for up to the row's duration, then drains for up to as long */
const twoPhases = (seconds: number): number => 2 * seconds * 1000 + 30_000;
const rowDuration = (cfg: ScenarioConfig): number => cfg.seconds * 1000;

/** bench.sh: MPUB×200 into sub_bench with ch pre-created for the row's duration, then drain it. */
async function benchSh(s: Server, cfg: ScenarioConfig): Promise<Outcome> {
  const pub = await publish({ batch: 200, inFlight: 1, conns: 2, channel: true })(s, cfg);
  const backlog = (pub.result as BenchResult).pub!.acked;
  return { ...pub, also: [await drain(s, cfg, 2, backlog)] };
}

export const GO_BENCH_ROWS: readonly Scenario[] = [
  {
    id: 'bw-2',
    label: 'bench_writer: MPUB×200, 1 in flight, 2 conns, no channel',
    unit: 'msgs/s',
    target: null,
    ratioTarget: 2,
    memQueueSize: 'default',
    run: publish({ batch: 200, inFlight: 1, conns: 2 }),
  },
  {
    id: 'bw-1',
    label: 'bench_writer: MPUB×200, 1 in flight, 1 conn, no channel',
    unit: 'msgs/s',
    target: null,
    ratioTarget: 2,
    memQueueSize: 'default',
    run: publish({ batch: 200, inFlight: 1, conns: 1 }),
  },
  {
    id: 'bw-ch',
    label: 'bench_writer: MPUB×200, 1 in flight, 2 conns, channel pre-created',
    unit: 'msgs/s',
    target: null,
    ratioTarget: 2,
    memQueueSize: 'default',
    run: publish({ batch: 200, inFlight: 1, conns: 2, channel: true }),
  },
  {
    id: 'br-2',
    label: 'bench_reader: drain a backlog, RDY 2500, FIN each, 2 conns',
    unit: 'msgs/s',
    target: null,
    ratioTarget: 1.5,
    memQueueSize: 'default',
    run: fillThenDrain(2, rowDuration, false),
    budgetMs: twoPhases,
  },
  {
    id: 'br-1',
    label: 'bench_reader: drain a backlog, RDY 2500, FIN each, 1 conn',
    unit: 'msgs/s',
    target: null,
    ratioTarget: 1.5,
    memQueueSize: 'default',
    run: fillThenDrain(1, rowDuration, false),
    budgetMs: twoPhases,
  },
  {
    id: 'pub-rt',
    label: 'PUB single, 1 in flight, 1 conn (round trip)',
    unit: 'msgs/s',
    target: null,
    ratioTarget: 1,
    memQueueSize: 'default',
    run: publish({ batch: 1, inFlight: 1, conns: 1 }),
  },
  {
    id: 'overflow-pub',
    label: 'bench.sh PUB: MPUB×200, 1 in flight, 2 conns, channel pre-created',
    unit: 'msgs/s',
    target: null,
    ratioTarget: 1.5,
    also: [
      {
        id: 'overflow-sub',
        label: 'bench.sh SUB: then drain it, RDY 2500, FIN each, 2 conns',
        unit: 'msgs/s',
        target: null,
        ratioTarget: 1.5,
      },
    ],
    memQueueSize: BENCH_SH_MEM_QUEUE,
    run: benchSh,
    budgetMs: twoPhases,
  },
];
