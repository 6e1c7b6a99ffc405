/**
 * The nsqd binary as a child process (./process.ts for any program): run it to its exit within a
 * time bound, or start it and wait for its listening line.
 */

import {
  assertFatal,
  LANE_ARGS,
  NSQD_MAIN,
  type ProgramRun,
  runProgram,
  type StartedProgram,
  startProgram,
} from './process.js';

export { assertFatal, LANE_ARGS, NSQD_MAIN };
export type NsqdRun = ProgramRun;
export type StartedNsqd = StartedProgram;

/** runs nsqd with `args` to its exit; killed (SIGKILL) past `timeoutMs` */
export function runNsqd(
  args: string[],
  nodeArgs: string[] = [],
  timeoutMs = 10_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NsqdRun> {
  return runProgram(NSQD_MAIN, args, nodeArgs, timeoutMs, env);
}

/** starts nsqd; resolves once it logs that TCP listens (rejects if it exits first or takes 10 s) */
export function startNsqd(
  args: string[],
  nodeArgs: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<StartedNsqd> {
  return startProgram(NSQD_MAIN, args, nodeArgs, env);
}
