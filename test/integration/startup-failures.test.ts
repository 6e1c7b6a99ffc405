/**
 * Start-up failures as an operator meets them, each a real nsqd process that must end within a time
 * bound with exit 1 and one Go-style FATAL line: a data path that cannot be created (procfs, a
 * regular file), a TCP or HTTP port in use, a data path another process has flock-ed, the TLS
 * flags that nsq-ts cannot honour yet, and a root CA file AUTH cannot read. Also the lock seen from outside: while nsqd runs,
 * another process's flock(2) on its data path fails (Go nsqd's check), and it is free once nsqd is
 * gone, even after kill -9.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertFatal, runNsqd, startNsqd } from '../helpers/nsqd-process.js';
import { tempDirs } from '../helpers/tmp.js';

/** a failed start must be over well within this (the /proc hang never ended) */
const BOUND_MS = 5_000;
const LOCAL = ['--tcp-address=127.0.0.1:0', '--http-address=127.0.0.1:0'];

const tmp = tempDirs('startup');

async function failsWith(args: string[], message: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const r = await runNsqd(args, [], 10_000, env);
  assertFatal(r, message);
  assert.ok(r.ms < BOUND_MS, `took ${r.ms} ms`);
}

const instantiate = (msg: string) => `failed to instantiate nsqd - ${msg}`;

describe('a data path that cannot be created fails at once', () => {
  it('on procfs (a recursive mkdir there loops forever)', { skip: !existsSync('/proc/self') }, async () => {
    await failsWith(
      [...LOCAL, '--data-path=/proc/nope'],
      instantiate(
        'failed to create data-path: mkdir /proc/nope: no such file or directory (--data-path=/proc/nope)',
      ),
    );
  });

  it('when it, or a parent of it, is a regular file', async () => {
    const file = path.join(tmp(), 'file');
    writeFileSync(file, 'x');
    const notDir = (value: string) =>
      instantiate(`failed to create data-path: mkdir ${file}: not a directory (--data-path=${value})`);
    await failsWith([...LOCAL, `--data-path=${file}`], notDir(file));
    await failsWith([...LOCAL, `--data-path=${file}/sub`], notDir(`${file}/sub`));
  });

  it('creates missing parents, relative to the working directory too', async () => {
    const d = tmp();
    const s = await startNsqd([...LOCAL, `--data-path=${d}/a/b/c`]);
    s.proc.kill('SIGTERM');
    assert.equal((await s.exit).code, 0);
    assert.ok(existsSync(`${d}/a/b/c/nsqd.dat`));
  });
});

describe('a port in use', () => {
  let busy: Server;
  let port = 0;
  before(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    port = (busy.address() as { port: number }).port;
  });
  after(() => busy.close());
  const inUse = (addr: string) =>
    instantiate(`listen (${addr}) failed - listen tcp ${addr}: bind: address already in use`);

  it('TCP: one FATAL line naming the address, exit 1', async () => {
    const addr = `127.0.0.1:${port}`;
    await failsWith(
      [`--tcp-address=${addr}`, '--http-address=127.0.0.1:0', `--data-path=${tmp()}`],
      inUse(addr),
    );
  });

  for (const server of ['auto', 'node']) {
    it(`HTTP (--http-server=${server}): the same, with the errno`, async () => {
      const addr = `127.0.0.1:${port}`;
      await failsWith(
        [
          '--tcp-address=127.0.0.1:0',
          `--http-address=${addr}`,
          `--http-server=${server}`,
          `--data-path=${tmp()}`,
        ],
        inUse(addr),
      );
    });
  }

  it('HTTP: a second nsqd on the port of a running one (uWebSockets.js must not share it)', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const addr = `127.0.0.1:${(free.address() as { port: number }).port}`;
    await new Promise((r) => free.close(r));
    const first = await startNsqd([
      '--tcp-address=127.0.0.1:0',
      `--http-address=${addr}`,
      `--data-path=${tmp()}`,
    ]);
    try {
      await failsWith(
        ['--tcp-address=127.0.0.1:0', `--http-address=${addr}`, `--data-path=${tmp()}`],
        inUse(addr),
      );
    } finally {
      first.proc.kill('SIGTERM');
      await first.exit;
    }
  });
});

describe('security flags nsq-ts cannot honour yet refuse to start', () => {
  const cases: [string[], string][] = [
    [['--tls-cert=c.pem', '--tls-key=k.pem'], '--tls-cert, --tls-key: TLS'],
    [
      ['--tls-cert=c.pem', '--tls-key=k.pem', '--tls-client-auth-policy=require'],
      '--tls-cert, --tls-key, --tls-client-auth-policy: TLS',
    ],
  ];
  for (const [flags, named] of cases) {
    it(flags.join(' '), async () => {
      await failsWith(
        [...LOCAL, `--data-path=${tmp()}`, ...flags],
        instantiate(`${named} is not supported yet by nsq-ts; refusing to start`),
      );
    });
  }
});

describe("AUTH's client TLS config is built at start-up, as nsqd's", () => {
  it('an unreadable --tls-root-ca-file fails the start', async () => {
    await failsWith(
      [
        ...LOCAL,
        `--data-path=${tmp()}`,
        '--auth-http-address=127.0.0.1:4181',
        '--tls-root-ca-file=/nonexistent',
      ],
      instantiate('failed to build client TLS config - open /nonexistent: no such file or directory'),
    );
  });
  it('a --tls-root-ca-file without a certificate fails the start', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'bad.pem'), 'x\n');
    await failsWith(
      [
        ...LOCAL,
        `--data-path=${dir}`,
        '--auth-http-address=127.0.0.1:4181',
        `--tls-root-ca-file=${dir}/bad.pem`,
      ],
      instantiate('failed to build client TLS config - failed to append certificate to pool'),
    );
  });
});

const hasFlock = spawnSync('flock', ['--version']).status === 0;

/** `flock -xn dir cat`: holds the flock until its stdin is closed */
async function holdFlock(dir: string): Promise<ChildProcess> {
  const child = spawn('flock', ['-xn', dir, 'cat'], { stdio: ['pipe', 'ignore', 'inherit'] });
  for (let i = 0; i < 200; i++) {
    if (readFileSync('/proc/locks', 'utf8').includes(`FLOCK  ADVISORY  WRITE ${child.pid} `)) return child;
    await new Promise((r) => setTimeout(r, 10));
  }
  child.stdin!.end();
  throw new Error('flock(1) did not take the lock');
}

/** what Go nsqd's dirlock does: flock(LOCK_EX|LOCK_NB) on the directory; true when it got it */
function goWouldLock(dir: string): boolean {
  return spawnSync('flock', ['--nonblock', '--exclusive', dir, 'true']).status === 0;
}

describe(
  'the data-path lock is a real flock(2), both ways',
  { skip: hasFlock ? false : 'no flock(1)' },
  () => {
    it("refuses a directory another process holds, with Go's text", async () => {
      const d = tmp();
      const holder = await holdFlock(d);
      try {
        await failsWith(
          [...LOCAL, `--data-path=${d}`],
          instantiate(
            `failed to lock data-path: cannot flock directory ${d} - resource temporarily unavailable (possibly in use by another instance of nsqd)`,
          ),
        );
      } finally {
        holder.stdin!.end();
      }
    });

    it('holds it while running (Go nsqd would refuse), frees it on exit and on kill -9', async () => {
      const d = tmp();
      const s = await startNsqd([...LOCAL, `--data-path=${d}`]);
      assert.match(s.stderr(), /INFO: data-path lock: flock\(2\) held by flock\(1\) pid \d+\n/);
      assert.equal(goWouldLock(d), false);
      const second = await runNsqd([...LOCAL, `--data-path=${d}`]);
      assert.match(second.stderr, /FATAL: .*cannot flock directory/);
      s.proc.kill('SIGTERM');
      assert.equal((await s.exit).code, 0);
      assert.equal(goWouldLock(d), true);

      const k = await startNsqd([...LOCAL, `--data-path=${d}`]);
      k.proc.kill('SIGKILL');
      await k.exit;
      let free = false;
      for (let i = 0; i < 100 && !free; i++) {
        free = goWouldLock(d); // the holder sees its pipe close and exits: a few ms
        if (!free) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(free, 'lock still held 2 s after kill -9');
    });

    it('without flock(1) on PATH: the lock file, said so at start-up, still refuses a second nsqd', async () => {
      const d = tmp();
      const env = { ...process.env, PATH: '/nonexistent' };
      const s = await startNsqd([...LOCAL, `--data-path=${d}`], [], env);
      try {
        assert.match(
          s.stderr(),
          /INFO: data-path lock: lock file \.nsq-ts\.lock and a \/proc\/locks check \(no flock\(1\)/,
        );
        await failsWith(
          [...LOCAL, `--data-path=${d}`],
          instantiate(
            `failed to lock data-path: cannot flock directory ${d} - held by nsq-ts pid ${s.proc.pid} (lock file ${d}/.nsq-ts.lock) (possibly in use by another instance of nsqd)`,
          ),
          env,
        );
        // ours with flock(1) refuses it too: the lock file of a live nsq-ts counts
        const withFlock = await runNsqd([...LOCAL, `--data-path=${d}`]);
        assert.match(withFlock.stderr, /FATAL: .*held by nsq-ts pid/);
      } finally {
        s.proc.kill('SIGTERM');
        await s.exit;
      }
    });
  },
);
