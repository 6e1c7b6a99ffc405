/**
 * Start a real broker for a test: TCP on 127.0.0.1 port 0, a fresh temp data dir, quiet logs, and
 * the short clocks tests wait on. Every test that opens sockets goes through here, so the suite
 * runs with any shard count.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../src/log.js';
import { Broker } from '../../src/nsqd/broker.js';
import { defaultOptions } from '../../src/nsqd/options/cli.js';
import type { Options } from '../../src/nsqd/options/options.js';
import { testIoThreads } from './io-threads.js';

export interface TestBroker {
  broker: Broker;
  port: number;
  dataPath: string;
  options: Options;
  /** every line the broker logged (at options.logLevel, 'error' unless overridden), newline included */
  logs: string[];
  /** the first logged line at or after `from` (an index into logs) matching `pattern`; throws after timeoutMs */
  waitForLog(pattern: RegExp, from?: number, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

/** a fresh temp data dir (removed by close() of a broker that created it) */
export function tempDataPath(): string {
  return mkdtempSync(join(tmpdir(), 'nsq-ts-test-'));
}

/**
 * The queue scan every test broker runs (nsqd's 100 ms): in-flight timeouts and deferred messages
 * come due within this of their time, so tests that wait on them wait less.
 */
export const TEST_QUEUE_SCAN_INTERVAL = 10;

/**
 * Short io-thread clocks, as nsqd's tests set `opts.ClientTimeout = 150ms`, for the tests that wait
 * on them: the magic deadline, and the heartbeat of a client that IDENTIFYs none (nsqd: half the
 * client timeout), whose read deadline is two intervals. Long enough that a loaded machine does not
 * miss a heartbeat answered at once.
 */
export const SHORT_CLIENT_CLOCKS = {
  clientTimeout: 400,
  heartbeatInterval: 200,
} as const satisfies Partial<Options>;

/**
 * `overrides.dataPath` reuses a data dir (a restart): close() then leaves it in place, and the
 * caller removes it.
 */
export async function startBroker(overrides: Partial<Options> = {}): Promise<TestBroker> {
  const ownDir = overrides.dataPath === undefined;
  const dataPath = overrides.dataPath ?? tempDataPath();
  const defaults = defaultOptions();
  const options: Options = {
    ...defaults,
    ioThreads: testIoThreads(overrides.workers ?? defaults.workers),
    tcpAddress: '127.0.0.1:0',
    httpAddress: '127.0.0.1:0',
    dataPath,
    logLevel: 'error',
    queueScanInterval: TEST_QUEUE_SCAN_INTERVAL,
    ...overrides,
  };
  const lines: string[] = [];
  const log = new Logger(options.logLevel, options.logPrefix, (l) => {
    lines.push(l);
    if (process.env.NSQ_TEST_LOG) process.stderr.write(l);
  });
  const broker = await Broker.start(options, log);
  return {
    broker,
    port: broker.tcpPort,
    dataPath,
    options,
    logs: lines,
    async waitForLog(pattern: RegExp, from = 0, timeoutMs = 3000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.slice(from).find((l) => pattern.test(l));
        if (hit !== undefined) return hit;
        if (Date.now() > deadline) throw new Error(`no log line matching ${pattern}:\n${lines.join('')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      await broker.close();
      if (ownDir) rmSync(dataPath, { recursive: true, force: true });
    },
  };
}

/**
 * the shard settings every protocol suite that touches shards runs under (the issue asks for 0, 1
 * and 3); what only the io thread does (deadlines, heartbeats, line length) runs once
 */
export const SHARD_MATRIX: readonly number[] = [0, 1, 3];
