/**
 * The nsqd binary as a child process, for the tests that run it as an operator does: run it to its
 * exit within a time bound, or start it and wait for its listening line. Under
 * `npm run test:no-addons` every nsqd started here runs without addons too.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const NSQD_MAIN = fileURLToPath(new URL('../../src/nsqd/main.js', import.meta.url));
/** the test process's --no-addons, passed on to the nsqd it starts */
export const LANE_ARGS = process.execArgv.includes('--no-addons') ? ['--no-addons'] : [];

export interface NsqdRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** spawn to exit */
  ms: number;
}

/** runs nsqd with `args` to its exit; killed (SIGKILL) past `timeoutMs` */
export function runNsqd(
  args: string[],
  nodeArgs: string[] = [],
  timeoutMs = 10_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NsqdRun> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [...LANE_ARGS, ...nodeArgs, NSQD_MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

export interface StartedNsqd {
  proc: ChildProcess;
  /** the TCP port from its listening line */
  port: number;
  exit: Promise<NsqdRun>;
  /** stderr so far */
  stderr(): string;
}

/** starts nsqd; resolves once it logs that TCP listens (rejects if it exits first or takes 10 s) */
export function startNsqd(
  args: string[],
  nodeArgs: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<StartedNsqd> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const proc = spawn(process.execPath, [...LANE_ARGS, ...nodeArgs, NSQD_MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stdout = '';
    let stderr = '';
    const exit = new Promise<NsqdRun>((res) =>
      proc.on('exit', (code, signal) => res({ code, signal, stdout, stderr, ms: performance.now() - t0 })),
    );
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`no listening line: ${stderr}`));
    }, 10000);
    proc.stdout!.on('data', (d) => (stdout += d));
    proc.stderr!.on('data', (d) => {
      stderr += d;
      const m = /TCP: listening on .*:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(t);
        resolve({ proc, port: Number(m[1]), exit, stderr: () => stderr });
      }
    });
    proc.on('exit', () => {
      clearTimeout(t);
      reject(new Error(`exited early: ${stderr}`));
    });
  });
}

/**
 * A start-up failure as Go's lg.LogFatal ends one: exit 1, and stderr's last line, its only line
 * above INFO, is `[nsqd] 2006/01/02 15:04:05.000000 FATAL: <message>`.
 */
export function assertFatal(r: NsqdRun, message: string): void {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.deepEqual(
    lines.filter((l) => !/^\[nsqd\] \S+ \S+ (INFO|DEBUG): /.test(l)),
    [lines.at(-1)],
    r.stderr,
  );
  const m = /^\[nsqd\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} FATAL: (.*)$/.exec(lines.at(-1) ?? '');
  assert.equal(m?.[1], message, r.stderr);
}
