/**
 * The client library's rows: nsq-ts's Producer and Consumer against nsqjs (npm), on the same nsqd,
 * in this process (the client is what is measured, so it runs here, not in nsq-bench's workers).
 * Publish: single PUBs of 200 B on one connection, 1000 in flight. Consume: a backlog published
 * first with nsq-bench (unmeasured), drained on one connection with max-in-flight 2500, each message
 * FINished by a synchronous handler. Issue 14's goal: ≥ 2× nsqjs in both.
 */

import nsq, { type Message as NsqjsMessage } from 'nsqjs';
import { Consumer } from '../src/client/consumer.js';
import { Producer } from '../src/client/producer.js';
import { runBench } from './nsq-bench/run.js';
import {
  createChannel,
  n,
  type Outcome,
  opts,
  type Scenario,
  type ScenarioConfig,
  SIZE,
} from './scenario-kit.js';
import type { Server } from './server.js';

const IN_FLIGHT = 1000;
const MAX_IN_FLIGHT = 2500;
/** the most either client publishes in one row, and the backlog a consume row drains */
const PUB_CAP = 2_000_000;
const SUB_BACKLOG = 500_000;

const BODY = Buffer.alloc(SIZE, 0x61);

interface Run {
  msgs: number;
  ms: number;
  cpuMs: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function cell(r: Run, what: string): Outcome {
  const rate = (r.msgs / r.ms) * 1000;
  return {
    value: rate,
    detail: `${n(r.msgs)} msgs ${what} in ${(r.ms / 1000).toFixed(2)} s`,
    benchCpu: Math.round((r.cpuMs / r.ms) * 100),
    serverCpu: 0,
  };
}

/** publishes with `pub(done)` keeping IN_FLIGHT outstanding, for `ms` or `cap` messages */
function closedLoop(
  ms: number,
  cap: number,
  pub: (done: (err?: Error | null) => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c0 = cpuMs();
    const deadline = t0 + ms;
    let sent = 0;
    let acked = 0;
    let failed = false;
    const done = (err?: Error | null): void => {
      if (failed) return;
      if (err) {
        failed = true;
        reject(err);
        return;
      }
      acked++;
      if (sent < cap && performance.now() < deadline) {
        sent++;
        pub(done);
      } else if (acked === sent) {
        resolve({ msgs: acked, ms: performance.now() - t0, cpuMs: cpuMs() - c0 });
      }
    };
    for (; sent < Math.min(IN_FLIGHT, cap); ) {
      sent++;
      pub(done);
    }
  });
}

async function pubOurs(s: Server, cfg: ScenarioConfig): Promise<Run> {
  const p = new Producer(`127.0.0.1:${s.port}`, { logger: null });
  await p.publish('client_pub_ours', BODY); // connected
  const r = await closedLoop(cfg.seconds * 1000, Math.min(PUB_CAP, cfg.maxMsgs), (done) =>
    p.publish('client_pub_ours', BODY).then(() => done(), done),
  );
  await p.close();
  return r;
}

async function pubNsqjs(s: Server, cfg: ScenarioConfig): Promise<Run> {
  const w = new nsq.Writer('127.0.0.1', s.port);
  await new Promise<void>((resolve, reject) => {
    w.once('ready', () => resolve());
    w.once('error', reject);
    w.connect();
  });
  const r = await closedLoop(cfg.seconds * 1000, Math.min(PUB_CAP, cfg.maxMsgs), (done) =>
    w.publish('client_pub_nsqjs', BODY, (err) => done(err ?? null)),
  );
  w.close();
  return r;
}

/** a backlog of `count` on topic/ch, published with nsq-bench (MPUB×200, 2 conns) */
export async function backlog(s: Server, cfg: ScenarioConfig, topic: string, count: number): Promise<number> {
  await createChannel(s, topic, 'ch');
  const fill = await runBench(opts(s, cfg, { topic, count, durationMs: 60_000 }));
  if (fill.errors > 0) throw new Error(`backlog: ${fill.errorSamples.join('; ')}`);
  return fill.pub!.acked;
}

/** resolves once `count` messages arrived (or `ms` passed) through `start(onMessage)` */
function drainRun(count: number, ms: number, start: (onMessage: () => void) => void): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c0 = cpuMs();
    let got = 0;
    const finish = (): void => {
      clearTimeout(timer);
      resolve({ msgs: got, ms: performance.now() - t0, cpuMs: cpuMs() - c0 });
    };
    const timer = setTimeout(finish, ms);
    start(() => {
      if (++got === count) finish();
    });
  });
}

async function subOurs(s: Server, cfg: ScenarioConfig): Promise<Run> {
  const count = await backlog(s, cfg, 'client_sub_ours', Math.min(SUB_BACKLOG, cfg.subPrefill));
  const c = new Consumer('client_sub_ours', 'ch', { maxInFlight: MAX_IN_FLIGHT, logger: null });
  const r = await drainRun(count, 60_000, (onMessage) => {
    c.addHandler(() => onMessage());
    void c.connectToNSQD(`127.0.0.1:${s.port}`);
  });
  await c.close();
  return r;
}

async function subNsqjs(s: Server, cfg: ScenarioConfig): Promise<Run> {
  const count = await backlog(s, cfg, 'client_sub_nsqjs', Math.min(SUB_BACKLOG, cfg.subPrefill));
  const reader = new nsq.Reader('client_sub_nsqjs', 'ch', {
    nsqdTCPAddresses: [`127.0.0.1:${s.port}`],
    maxInFlight: MAX_IN_FLIGHT,
  });
  reader.on('error', () => {});
  const r = await drainRun(count, 60_000, (onMessage) => {
    reader.on('message', (m: NsqjsMessage) => {
      m.finish();
      onMessage();
    });
    reader.connect();
  });
  reader.close();
  return r;
}

export const CLIENT_ROWS: readonly Scenario[] = [
  {
    id: 'client-pub',
    label: 'client PUB, nsq-ts Producer, 1000 in flight, 1 conn',
    unit: 'msgs/s',
    target: null,
    also: [
      {
        id: 'client-pub-nsqjs',
        label: 'client PUB, nsqjs Writer, 1000 in flight, 1 conn',
        unit: 'msgs/s',
        target: null,
      },
    ],
    run: async (s, cfg) => {
      const ours = cell(await pubOurs(s, cfg), 'published');
      const theirs = cell(await pubNsqjs(s, cfg), 'published');
      ours.detail += `; ${((ours.value ?? 0) / (theirs.value ?? 1)).toFixed(2)}× nsqjs`;
      return { ...ours, also: [theirs] };
    },
  },
  {
    id: 'client-sub',
    label: 'client SUB drain, nsq-ts Consumer, max-in-flight 2500, 1 conn',
    unit: 'msgs/s',
    target: null,
    also: [
      {
        id: 'client-sub-nsqjs',
        label: 'client SUB drain, nsqjs Reader, max-in-flight 2500, 1 conn',
        unit: 'msgs/s',
        target: null,
      },
    ],
    budgetMs: () => 200_000,
    run: async (s, cfg) => {
      const ours = cell(await subOurs(s, cfg), 'received');
      const theirs = cell(await subNsqjs(s, cfg), 'received');
      ours.detail += `; ${((ours.value ?? 0) / (theirs.value ?? 1)).toFixed(2)}× nsqjs`;
      return { ...ours, also: [theirs] };
    },
  },
];
