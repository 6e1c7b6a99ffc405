/**
 * The nsqd binary as an operator runs it: Go flag syntax, --version, bad flags (exit 2, message
 * naming the flag), start-up on port 0, a publish and a delivery, clean SIGTERM/SIGINT shutdown
 * (exit 0), and the same under `node --no-addons` (all of it, when the test runs in that lane).
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

const MAIN = fileURLToPath(new URL('../../src/nsqd/main.js', import.meta.url));
/** under `npm run test:no-addons` every nsqd this file starts runs without addons too */
const LANE_ARGS = process.execArgv.includes('--no-addons') ? ['--no-addons'] : [];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], nodeArgs: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...LANE_ARGS, ...nodeArgs, MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), 10000);
    p.on('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** start nsqd on port 0; resolves with the process and its port once it logs that it listens */
function startServer(
  args: string[],
  nodeArgs: string[] = [],
): Promise<{ proc: ChildProcess; port: number; exit: Promise<Run> }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...LANE_ARGS, ...nodeArgs, MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exit = new Promise<Run>((res) =>
      proc.on('exit', (code, signal) => res({ code, signal, stdout, stderr })),
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
        resolve({ proc, port: Number(m[1]), exit });
      }
    });
    proc.on('exit', () => {
      clearTimeout(t);
      reject(new Error(`exited early: ${stderr}`));
    });
  });
}

describe('nsqd command line', () => {
  it('--version prints the nsqd version and exits 0', async () => {
    const r = await run(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^nsqd v1\.3\.0 /);
  });

  it('an unknown flag or a bad value exits 2 naming the flag', async () => {
    const r = await run(['--no-such-flag']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /flag provided but not defined: -no-such-flag/);
    const v = await run(['-mem-queue-size', 'lots']);
    assert.equal(v.code, 2);
    assert.match(v.stderr, /invalid value "lots" for flag -mem-queue-size/);
    const d = await run(['--msg-timeout=60']);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /-msg-timeout/);
  });

  it('start-up validation names the flag; --tls-required refuses to start until TLS exists', async () => {
    const n = await run(['--node-id=5000']);
    assert.notEqual(n.code, 0);
    assert.match(n.stderr, /--node-id must be \[0,1024\)/);
    const t = await run(['--tls-required', '--tls-cert=/nonexistent.pem', '--tls-key=/nonexistent.key']);
    assert.notEqual(t.code, 0);
    assert.match(t.stderr, /tls-required/);
  });

  for (const [label, nodeArgs, workers] of [
    ['inline shard', [], '0'],
    ['worker shards', [], '2'],
    ['node --no-addons', ['--no-addons'], '1'],
  ] as const) {
    it(`serves clients and exits 0 on SIGTERM (${label})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nsq-ts-cli-'));
      try {
        const { proc, port, exit } = await startServer(
          [
            '-tcp-address',
            '127.0.0.1:0',
            `--data-path=${dir}`,
            `--workers=${workers}`,
            '-lookupd-tcp-address=127.0.0.1:4160',
          ],
          [...nodeArgs],
        );
        const t = freshTopic('cli');
        const s = await subscriber(port, t, 'c', 1);
        const p = await WireClient.connect(port);
        p.pub(t, 'hello');
        assert.equal(await p.response(), 'OK');
        assert.equal((await s.message()).body.toString(), 'hello');
        proc.kill('SIGTERM');
        const r = await exit;
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /flags accepted but not active yet.*lookupd-tcp-address/);
        await s.waitClosed();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('SIGINT also shuts down cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsq-ts-cli-'));
    try {
      const { proc, exit } = await startServer(['--tcp-address=127.0.0.1:0', `--data-path=${dir}`]);
      proc.kill('SIGINT');
      assert.equal((await exit).code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
