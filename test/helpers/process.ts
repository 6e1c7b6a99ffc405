/**
 * nsq-ts programs (nsqd, nsqlookupd, …) as child processes, for the tests that run them as an
 * operator does: run one to its exit within a time bound, or start one and wait for its listening
 * lines (its ports), then stop it with SIGTERM (SIGKILL past a bound); and Go's FATAL line checked.
 * Under `npm run test:no-addons` every program started here runs without addons too.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withTestIoThreads } from './io-threads.js';

export const NSQD_MAIN = fileURLToPath(new URL('../../src/nsqd/main.js', import.meta.url));
export const NSQLOOKUPD_MAIN = fileURLToPath(new URL('../../src/nsqlookupd/main.js', import.meta.url));
/** the test process's --no-addons, passed on to the programs it starts */
export const LANE_ARGS = process.execArgv.includes('--no-addons') ? ['--no-addons'] : [];

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

export interface ProgramRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** spawn to exit */
  ms: number;
}

function spawnProgram(main: string, args: string[], nodeArgs: string[], env: NodeJS.ProcessEnv) {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...LANE_ARGS, ...nodeArgs, main, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const out = { stdout: '', stderr: '' };
  proc.stdout!.on('data', (d) => (out.stdout += d));
  proc.stderr!.on('data', (d) => (out.stderr += d));
  const exit = new Promise<ProgramRun>((res) =>
    proc.on('exit', (code, signal) => res({ code, signal, ...out, ms: performance.now() - t0 })),
  );
  return { proc, out, exit };
}

/** runs `node <main> <args>` to its exit; killed (SIGKILL) past `timeoutMs` */
export async function runProgram(
  main: string,
  args: string[],
  nodeArgs: string[] = [],
  timeoutMs = 10_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProgramRun> {
  const { proc, exit } = spawnProgram(main, args, nodeArgs, env);
  const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const r = await exit;
  clearTimeout(t);
  return r;
}

export interface StartedProgram {
  proc: ChildProcess;
  /** the TCP port from its listening line */
  port: number;
  /** the HTTP port from its listening line (0 when `waitHttp` was false) */
  httpPort: number;
  exit: Promise<ProgramRun>;
  /** stderr so far */
  stderr(): string;
  /** SIGTERM, then SIGKILL past a bound; resolves with how it exited */
  stop(): Promise<ProgramRun>;
}

/**
 * starts `node <main> <args>`; resolves once it logs that TCP (and, with `waitHttp`, HTTP) listens;
 * rejects if it exits first or takes 15 s
 */
export function startProgram(
  main: string,
  args: string[],
  nodeArgs: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
  waitHttp = false,
): Promise<StartedProgram> {
  // the io-thread lane gives every long-running nsqd its --io-threads (io-threads.ts)
  const argv = main === NSQD_MAIN ? withTestIoThreads(args) : args;
  return new Promise((resolve, reject) => {
    const { proc, out, exit } = spawnProgram(main, argv, nodeArgs, env);
    let exited = false;
    void exit.then(() => {
      exited = true;
      clearTimeout(t);
      reject(new Error(`exited early: ${out.stderr}`));
    });
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`no listening line: ${out.stderr}`));
    }, START_TIMEOUT_MS);
    const stop = async (): Promise<ProgramRun> => {
      if (!exited) proc.kill('SIGTERM');
      const kill = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const r = await exit;
      clearTimeout(kill);
      return r;
    };
    proc.stderr!.on('data', () => {
      const tcp = /TCP: listening on .*:(\d+)/.exec(out.stderr);
      const http = waitHttp ? /HTTP: listening on \S*:(\d+)/.exec(out.stderr) : null;
      if (tcp === null || (waitHttp && http === null)) return;
      clearTimeout(t);
      resolve({
        proc,
        port: Number(tcp[1]),
        httpPort: http === null ? 0 : Number(http[1]),
        exit,
        stderr: () => out.stderr,
        stop,
      });
    });
  });
}

/**
 * A start-up failure as Go's lg.LogFatal ends one: exit 1, and stderr's last line, its only line
 * above INFO, is `<prefix>2006/01/02 15:04:05.000000 FATAL: <message>` (`prefix`: `[nsqd] `, …).
 */
export function assertFatal(r: ProgramRun, message: string, prefix = '[nsqd] '): void {
  assert.equal(r.code, 1, r.stderr);
  const p = prefix.replace(/[[\]]/g, '\\$&');
  const lines = r.stderr.trimEnd().split('\n');
  assert.deepEqual(
    lines.filter((l) => !new RegExp(`^${p}\\S+ \\S+ (INFO|DEBUG): `).test(l)),
    [lines.at(-1)],
    r.stderr,
  );
  const m = new RegExp(`^${p}\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} FATAL: (.*)$`).exec(
    lines.at(-1) ?? '',
  );
  assert.equal(m?.[1], message, r.stderr);
}
