/** The nsq_* tools as child processes, as an operator runs them: to their exit with given stdin, or started and watched. */

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** the compiled main of a tool (`to_nsq`, `nsq_tail`, ...) */
export function toolMain(tool: string): string {
  return fileURLToPath(new URL(`../../src/tools/${tool}/main.js`, import.meta.url));
}

export interface ToolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

/** runs `tool args` with `stdin` to its exit; SIGKILLed past `timeoutMs` */
export function runTool(
  tool: string,
  args: string[],
  stdin: string | Buffer = '',
  timeoutMs = 10_000,
): Promise<ToolRun> {
  const t = startTool(tool, args);
  t.proc.stdin.end(stdin);
  return t.exit(timeoutMs);
}

export interface StartedTool {
  proc: ChildProcessWithoutNullStreams;
  stdout(): Buffer;
  stderr(): string;
  /** resolves once stdout holds `text`; rejects after timeoutMs or if the tool exits first */
  waitStdout(text: string, timeoutMs?: number): Promise<void>;
  waitStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** resolves at exit; SIGKILLs past timeoutMs */
  exit(timeoutMs?: number): Promise<ToolRun>;
}

/** tools still running: killed when the test process exits, so a failed test leaves none behind */
const live = new Set<ChildProcessWithoutNullStreams>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export function startTool(tool: string, args: string[]): StartedTool {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [toolMain(tool), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(proc);
  const out: Buffer[] = [];
  let err = '';
  proc.stdout.on('data', (d: Buffer) => out.push(d));
  proc.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  proc.stdin.on('error', () => {});
  let exited: ToolRun | null = null;
  const done = new Promise<ToolRun>((resolve) => {
    proc.on('close', (code, signal) => {
      live.delete(proc);
      exited = { code, signal, stdout: Buffer.concat(out), stderr: err, ms: performance.now() - t0 };
      resolve(exited);
    });
  });
  const poll = async (ok: () => boolean, what: string, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (exited !== null) throw new Error(`${tool} exited (${exited.code}) before ${what}; stderr:\n${err}`);
      if (Date.now() > deadline)
        throw new Error(`${tool}: no ${what} within ${timeoutMs} ms; stderr:\n${err}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    proc,
    stdout: () => Buffer.concat(out),
    stderr: () => err,
    waitStdout: (text, timeoutMs = 5000) =>
      poll(() => Buffer.concat(out).includes(text), `stdout ${JSON.stringify(text)}`, timeoutMs),
    waitStderr: (pattern, timeoutMs = 5000) => poll(() => pattern.test(err), `stderr ${pattern}`, timeoutMs),
    async exit(timeoutMs = 10_000) {
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const r = await done;
      clearTimeout(timer);
      return r;
    },
  };
}
