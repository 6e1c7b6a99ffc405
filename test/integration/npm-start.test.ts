/**
 * `npm start` under a supervisor: Docker and service managers send one SIGTERM to the pid they
 * started, npm's. npm forwards it to its script's process, which must be nsqd itself (the start
 * script execs node, so no shell sits between them and swallows it): nsqd shuts down cleanly, no
 * process is left behind, and the data-path lock is free.
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const hasNpm = spawnSync('npm', ['--version']).status === 0;
const hasFlock = spawnSync('flock', ['--version']).status === 0;
/** npm exits after its child; nsqd's clean shutdown of an empty broker takes well under a second */
const BOUND_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** the pids whose parent is `pid` (Linux /proc) */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of spawnSync('ls', [`/proc/${pid}/task`])
    .stdout.toString()
    .split('\n')) {
    if (task === '') continue;
    try {
      out.push(
        ...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
      );
    } catch {}
  }
  return out;
}

describe('npm start', { skip: hasNpm ? false : 'npm not on PATH' }, () => {
  it('one SIGTERM to npm stops nsqd: no process left, the lock released', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nsq-ts-npm-'));
    let started: number[] = [];
    try {
      const npm = spawn(
        'npm',
        [
          'run',
          'start',
          '--',
          '--tcp-address=127.0.0.1:0',
          '--http-address=127.0.0.1:0',
          `--data-path=${dir}`,
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      started = [npm.pid!];
      let out = '';
      npm.stdout.on('data', (d) => (out += d));
      npm.stderr.on('data', (d) => (out += d));
      const npmExit = new Promise<void>((r) => npm.once('exit', () => r()));
      const t0 = Date.now();
      while (!/TCP: listening on/.test(out)) {
        assert.ok(Date.now() - t0 < BOUND_MS, `nsqd did not start under npm: ${out}`);
        assert.equal(npm.exitCode, null, out);
        await new Promise((r) => setTimeout(r, 20));
      }
      // the script's process is nsqd itself (exec), not a shell
      const kids = childrenOf(npm.pid!);
      started = [npm.pid!, ...kids, ...kids.flatMap(childrenOf)];
      assert.equal(kids.length, 1, `npm's children: ${kids.join(' ')}`);
      const nsqd = kids[0]!;
      assert.match(readFileSync(`/proc/${nsqd}/cmdline`, 'utf8'), /^node\0.*main\.js\0/);

      const t1 = Date.now();
      npm.kill('SIGTERM');
      await npmExit;
      while (alive(nsqd)) {
        assert.ok(Date.now() - t1 < BOUND_MS, `nsqd (pid ${nsqd}) still running after SIGTERM to npm`);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(Date.now() - t1 < BOUND_MS);
      assert.match(out, /received SIGTERM/);
      if (hasFlock)
        assert.equal(spawnSync('flock', ['--nonblock', dir, 'true']).status, 0, 'lock still held');
    } finally {
      // a failed run leaves nothing behind either: npm, and what it started, if still there
      for (const pid of started.reverse()) if (alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
