/**
 * The nsq_* tools as child processes, as an operator runs them: run one to its exit within a time
 * bound, or start one and watch its output; plus an nsqd on port 0 whose TCP and HTTP addresses are
 * known, and a publish over its HTTP API.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { LANE_ARGS, type StartedNsqd, startNsqd } from './nsqd-process.js';

export function toolMain(tool: string): string {
  return fileURLToPath(new URL(`../../src/tools/${tool}/main.js`, import.meta.url));
}

export interface ToolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** runs `tool` to its exit; SIGKILL past `timeoutMs` */
export function runTool(tool: string, args: string[], timeoutMs = 15_000, cwd?: string): Promise<ToolRun> {
  const t = startTool(tool, args, cwd);
  const k = setTimeout(() => t.proc.kill('SIGKILL'), timeoutMs);
  return t.exit.finally(() => clearTimeout(k));
}

export interface StartedTool {
  proc: ChildProcess;
  exit: Promise<ToolRun>;
  stdout(): string;
  stderr(): string;
  /** resolves once stderr (or stdout) matches, rejects past `timeoutMs` or at exit */
  waitFor(re: RegExp, timeoutMs?: number, stream?: 'stdout' | 'stderr'): Promise<string>;
}

/** tools still running: killed when the test process exits, so a failed test leaves none behind */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export function startTool(tool: string, args: string[], cwd?: string): StartedTool {
  const proc = spawn(process.execPath, [...LANE_ARGS, toolMain(tool), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd === undefined ? {} : { cwd }),
  });
  live.add(proc);
  let stdout = '';
  let stderr = '';
  let exited = false;
  const waiters = new Set<() => void>();
  const poke = (): void => {
    for (const w of [...waiters]) w();
  };
  proc.stdout!.on('data', (d) => {
    stdout += d;
    poke();
  });
  proc.stderr!.on('data', (d) => {
    stderr += d;
    poke();
  });
  const exit = new Promise<ToolRun>((resolve) =>
    proc.on('close', (code, signal) => {
      live.delete(proc);
      exited = true;
      poke();
      resolve({ code, signal, stdout, stderr });
    }),
  );
  const waitFor = (re: RegExp, timeoutMs = 10_000, stream: 'stdout' | 'stderr' = 'stderr'): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const text = stream === 'stdout' ? stdout : stderr;
        const m = re.exec(text);
        if (m !== null) {
          done();
          resolve(m[0]);
        } else if (exited) {
          done();
          reject(new Error(`exited before ${re}: ${stderr}`));
        }
      };
      const t = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${re}; stderr: ${stderr}; stdout: ${stdout}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(t);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { proc, exit, stdout: () => stdout, stderr: () => stderr, waitFor };
}

export interface ToolNsqd extends StartedNsqd {
  tcp: string;
  http: string;
  stop(): Promise<void>;
}

/** an nsqd on 127.0.0.1 port 0 with `dataPath`; its `host:port` addresses */
export async function startToolNsqd(dataPath: string, extra: string[] = []): Promise<ToolNsqd> {
  const n = await startNsqd([
    '--tcp-address=127.0.0.1:0',
    '--http-address=127.0.0.1:0',
    `--data-path=${dataPath}`,
    ...extra,
  ]);
  const deadline = Date.now() + 10_000;
  let m: RegExpExecArray | null = null;
  while ((m = /HTTP: listening on .*:(\d+)/.exec(n.stderr())) === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  if (m === null) throw new Error(`no HTTP listening line: ${n.stderr()}`);
  return {
    ...n,
    tcp: `127.0.0.1:${n.port}`,
    http: `127.0.0.1:${m[1]}`,
    stop: async () => {
      n.proc.kill('SIGTERM');
      await n.exit;
    },
  };
}

/** an HTTP request to `addr`; resolves with the status and body */
export function httpCall(
  addr: string,
  method: string,
  pathQuery: string,
  body?: string | Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const [host, port] = addr.split(':');
    const req = request({ host, port: Number(port), method, path: pathQuery }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** publishes each body to `topic` with /mpub (newline-separated), then checks 200 */
export async function publish(n: ToolNsqd, topic: string, bodies: readonly string[]): Promise<void> {
  const r = await httpCall(n.http, 'POST', `/mpub?topic=${encodeURIComponent(topic)}`, bodies.join('\n'));
  if (r.status !== 200) throw new Error(`mpub ${r.status} ${r.body}`);
}
