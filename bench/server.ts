/**
 * The server processes the benches measure: our nsqd or nsqlookupd (this package's dist/src/…/main.js)
 * or another one started by a --compare shell command; each on free loopback ports with a fresh temp data dir,
 * stopped by its own pid (SIGTERM, SIGKILL after 5 s). Also reads a server's RSS and CPU from /proc.
 */

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const OUR_MAIN = fileURLToPath(new URL('../src/nsqd/main.js', import.meta.url));
const OUR_LOOKUPD_MAIN = fileURLToPath(new URL('../src/nsqlookupd/main.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export interface Server {
  /** e.g. "ours --workers=1" or "theirs" */
  name: string;
  child: ChildProcess;
  pid: number;
  port: number;
  httpPort: number;
  dataDir: string;
  /** the command ran through `sh -c` in its own process group */
  group: boolean;
  exited: boolean;
  /** last lines of its stderr, for a failure report */
  tail: string[];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function track(s: Server): Server {
  s.child.once('exit', () => (s.exited = true));
  s.child.stderr?.setEncoding('utf8');
  s.child.stderr?.on('data', (text: string) => {
    for (const line of text.split('\n')) {
      // (EOF before the protocol version: our own probe in waitForPort)
      if (line === '' || line.includes('not active yet') || line.includes('read protocol version - EOF'))
        continue;
      s.tail.push(line);
      if (s.tail.length > 20) s.tail.shift();
      if (/ERROR|FATAL|panic/.test(line)) process.stderr.write(`[${s.name}] ${line}\n`);
    }
  });
  return s;
}

/** ready once both ports accept: nsqd listens on TCP before HTTP, and rows set up over HTTP */
async function waitForPort(s: Server): Promise<Server> {
  for (const until = Date.now() + START_TIMEOUT_MS; Date.now() < until; ) {
    if (s.exited) break;
    if ((await canConnect(s.port)) && (await canConnect(s.httpPort))) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopServer(s);
  const why = s.exited
    ? 'exited'
    : `did not accept on 127.0.0.1:${s.port} and :${s.httpPort} within ${START_TIMEOUT_MS / 1000} s`;
  throw new Error(`${s.name} ${why}${s.tail.length > 0 ? `:\n  ${s.tail.join('\n  ')}` : ''}`);
}

/** Our nsqd with `--workers=<workers>` and `extraArgs` (a row's flags: the last of a flag wins). */
export async function startOurs(workers: number, extraArgs: readonly string[] = []): Promise<Server> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-bench-ours-'));
  const args = [OUR_MAIN, `--tcp-address=127.0.0.1:${port}`, `--http-address=127.0.0.1:${httpPort}`];
  args.push(`--data-path=${dataDir}`, `--workers=${workers}`, '--log-level=warn', ...extraArgs);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const name = `ours --workers=${workers}`;
  const s = { name, child, pid: child.pid!, port, httpPort, dataDir, group: false, exited: false, tail: [] };
  return waitForPort(track(s));
}

/** Our nsqlookupd with `extraArgs`, node run with `nodeFlags` (e.g. --max-semi-space-size=1). */
export async function startOurLookupd(
  extraArgs: readonly string[] = [],
  nodeFlags: readonly string[] = [],
): Promise<Server> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-bench-ours-'));
  const args = [...nodeFlags, OUR_LOOKUPD_MAIN, `--tcp-address=127.0.0.1:${port}`];
  args.push(`--http-address=127.0.0.1:${httpPort}`, '--log-level=warn', ...extraArgs);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const s = {
    name: nodeFlags.length === 0 ? 'ours' : `ours (node ${nodeFlags.join(' ')})`,
    child,
    pid: child.pid!,
    port,
    httpPort,
    dataDir,
    group: false,
    exited: false,
    tail: [],
  };
  return waitForPort(track(s));
}

/** `template` with {port}, {http_port} and {data} filled in, run by `sh -c` in its own process group. */
export async function startCommand(name: string, template: string): Promise<Server> {
  const [port, httpPort] = [await freePort(), await freePort()];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsq-bench-theirs-'));
  const cmd = template
    .replaceAll('{port}', String(port))
    .replaceAll('{http_port}', String(httpPort))
    .replaceAll('{data}', dataDir);
  const child = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const s = { name, child, pid: child.pid!, port, httpPort, dataDir, group: true, exited: false, tail: [] };
  return waitForPort(track(s));
}

/** SIGTERM (to its process group for a shell command), SIGKILL after 5 s; removes its data dir. */
export async function stopServer(s: Server): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(s.group ? -s.pid : s.pid, sig);
    } catch {
      // already gone
    }
  };
  if (!s.exited) {
    const exited = new Promise<void>((r) => s.child.once('exit', () => r()));
    signal('SIGTERM');
    const t = setTimeout(() => {
      process.stderr.write(`${s.name}: still running 5 s after SIGTERM, sending SIGKILL\n`);
      signal('SIGKILL');
    }, 5000);
    await exited;
    clearTimeout(t);
  }
  if (s.group) signal('SIGKILL'); // anything the shell left behind in its group
  fs.rmSync(s.dataDir, { recursive: true, force: true });
}

/** Synchronous kill for an exit path: no waiting. */
export function killNow(s: Server): void {
  try {
    process.kill(s.group ? -s.pid : s.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  fs.rmSync(s.dataDir, { recursive: true, force: true });
}

/** `pid` and every process below it (a shell command's nsqd is the shell's child). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // it exited meanwhile
    }
  }
  const out: number[] = [];
  for (const stack = [pid]; stack.length > 0; ) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Resident memory of the server's process tree, in bytes (VmRSS from /proc/<pid>/status). */
export function treeRssBytes(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${p}/status`, 'latin1'));
      if (m !== null) total += Number(m[1]) * 1024;
    } catch {
      // it exited meanwhile
    }
  }
  return total;
}

let clockTicks = 0;
/** CPU time (user + system) of the server's process tree so far, in milliseconds. */
export function treeCpuMs(pid: number): number {
  if (clockTicks === 0) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    } catch {
      // it exited meanwhile
    }
  }
  return (ticks * 1000) / clockTicks;
}
