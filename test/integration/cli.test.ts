/**
 * The nsqd binary as an operator runs it: Go flag syntax, --version, bad flags (exit 2, message
 * naming the flag), start-up on port 0, a publish and a delivery, clean SIGTERM/SIGINT shutdown
 * (exit 0), and the same under `node --no-addons` (all of it, when the test runs in that lane).
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runNsqd as run, startNsqd as startServer } from '../helpers/nsqd-process.js';
import { freshTopic, subscriber, WireClient } from '../helpers/wire.js';

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

  it("start-up validation names the flag; TLS files that cannot be read fail as Go's buildTLSConfig", async () => {
    const n = await run(['--node-id=5000']);
    assert.notEqual(n.code, 0);
    assert.match(n.stderr, /--node-id must be \[0,1024\)/);
    const t = await run(['--tls-required', '--tls-cert=/nonexistent.pem', '--tls-key=/nonexistent.key']);
    assert.notEqual(t.code, 0);
    assert.match(t.stderr, /failed to build TLS config - open \/nonexistent\.pem: no such file or directory/);
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
            '--http-address=127.0.0.1:0',
            `--data-path=${dir}`,
            `--workers=${workers}`,
            '-enable-experiment=topology-aware-consumption',
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
        assert.match(r.stderr, /flags accepted but not active yet.*enable-experiment/);
        await s.waitClosed();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('SIGINT also shuts down cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsq-ts-cli-'));
    try {
      const { proc, exit } = await startServer([
        '--tcp-address=127.0.0.1:0',
        '--http-address=127.0.0.1:0',
        `--data-path=${dir}`,
      ]);
      proc.kill('SIGINT');
      assert.equal((await exit).code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
