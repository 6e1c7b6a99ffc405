/**
 * Start-up cost of the nsqd binary: time from spawn to the first `OK` from GET /ping, then RSS and
 * thread count once idle. Owns nothing but the child processes it starts. Usage:
 * `node dist/bench/startup.js [--runs=N] [-- nsqd flags...]`.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/nsqd/main.js', import.meta.url));

interface Sample {
  pingMs: number;
  rssMb: number;
  threads: number;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/ping' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body === 'OK'));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

function procStatus(pid: number): { rssMb: number; threads: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 'NaN');
  return { rssMb: field('VmRSS') / 1024, threads: field('Threads') };
}

/** a free port: bind 0, read it, close (the race with other processes is acceptable for a bench) */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    import('node:net').then(({ createServer }) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
      });
    });
  });
}

async function once(flags: string[]): Promise<Sample> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nsq-ts-startup-'));
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [MAIN, '--tcp-address=127.0.0.1:0', `--http-address=127.0.0.1:${port}`, `--data-path=${dir}`, ...flags],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (!(await ping(port))) {
      if (child.exitCode !== null) throw new Error(`nsqd exited with ${child.exitCode}`);
      if (performance.now() - t0 > 10_000) throw new Error('no /ping OK within 10 s');
      await new Promise((r) => setTimeout(r, 2));
    }
    const pingMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 500)); // settle: workers finish loading
    return { pingMs, ...procStatus(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sep = argv.indexOf('--');
  const own = sep === -1 ? argv : argv.slice(0, sep);
  const flags = sep === -1 ? [] : argv.slice(sep + 1);
  const runs = Number(/^--runs=(\d+)$/.exec(own.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 7);
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once(flags));
  const m = (k: keyof Sample) => median(samples.map((s) => s[k]));
  console.log(
    `node ${process.version}, ${cpus().length} CPUs, flags: ${flags.join(' ') || '(defaults)'}, ${runs} runs (medians)`,
  );
  console.log(
    `spawn → /ping OK: ${m('pingMs').toFixed(0)} ms (min ${Math.min(...samples.map((s) => s.pingMs)).toFixed(0)}); ` +
      `idle RSS ${m('rssMb').toFixed(1)} MB; ${m('threads')} threads`,
  );
}

void main();
