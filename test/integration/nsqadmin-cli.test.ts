/**
 * The nsqadmin binary: Go's --help, --version and start-up failures (one FATAL line, exit 1; flag
 * errors exit 2), --base-path routing, --admin-user with the ACL header, the built-in login with a
 * --hash-password hash, and Go's response compression. No cluster: an address nothing listens on.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { type Admin, call, NSQADMIN_MAIN, startAdmin } from '../helpers/nsqadmin.js';
import { LANE_ARGS } from '../helpers/nsqd-process.js';
import { tempDirs } from '../helpers/tmp.js';

const tmp = tempDirs('nsqadmin-cli');

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...LANE_ARGS, NSQADMIN_MAIN, ...args], {
    encoding: 'utf8',
    input,
    timeout: 10_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function fatal(args: string[], message: string): void {
  const r = run(args);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^\[nsqadmin\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} FATAL: /);
  assert.equal(r.stderr.trimEnd().replace(/^.*FATAL: /, ''), message);
}

describe('command line', () => {
  test('--help on stderr with Go flag lines, --version on stdout', () => {
    const h = run(['--help']);
    assert.equal(h.code, 0);
    assert.ok(h.stderr.startsWith('Usage of nsqadmin:\n'));
    assert.ok(
      h.stderr.includes(
        '  -http-address string\n    \t<addr>:<port> to listen on for HTTP clients (default "0.0.0.0:4171")\n',
      ),
    );
    assert.ok(
      h.stderr.includes(
        '  -http-client-request-timeout duration\n    \ttimeout for HTTP request (default 5s)\n',
      ),
    );
    assert.ok(
      h.stderr.includes(
        '  -statsd-interval duration\n    \ttime interval nsqd is configured to push to statsd (must match nsqd) (default 1m0s)\n',
      ),
    );
    assert.match(run(['--version']).stdout, /^nsqadmin v1\.3\.0 \(built w\/nsq-ts /);
  });

  test('start-up failures in Go words', () => {
    fatal([], 'failed to instantiate nsqadmin - --nsqd-http-address or --lookupd-http-address required');
    fatal(
      ['--nsqd-http-address=a:1', '--lookupd-http-address=b:2'],
      'failed to instantiate nsqadmin - use --nsqd-http-address or --lookupd-http-address not both',
    );
    fatal(
      ['--lookupd-http-address=127.0.0.1'],
      'failed to instantiate nsqadmin - failed to resolve --lookupd-http-address (127.0.0.1) - address 127.0.0.1: missing port in address',
    );
    fatal(
      ['--nsqd-http-address=a:1', '--http-client-tls-cert=x'],
      'failed to instantiate nsqadmin - --http-client-tls-key must be specified with --http-client-tls-cert',
    );
    fatal(
      ['--nsqd-http-address=a:1', '--allow-config-from-cidr=bogus'],
      'failed to instantiate nsqadmin - failed to parse --allow-config-from-cidr (bogus) - invalid CIDR address: bogus',
    );
    const bad = run(['--log-level=bogus']);
    assert.equal(bad.code, 2);
    assert.ok(
      bad.stderr.startsWith(
        `invalid value "bogus" for flag -log-level: invalid log level 'bogus' (debug, info, warn, error, fatal)\n`,
      ),
    );
    assert.equal(run(['--nope']).code, 2);
  });

  test('a config file with Go key names (nsqd_http_addresses, admin_users)', async () => {
    const cfg = path.join(tmp(), 'nsqadmin.cfg');
    writeFileSync(
      cfg,
      'nsqd_http_addresses = ["127.0.0.1:1"]\nadmin_users = "root"\nstats_interval = "0s"\n',
    );
    const a = await startAdmin([`--config=${cfg}`]);
    try {
      assert.equal((await call(`${a.url}/config/nsqd_http_addresses`)).text, '["127.0.0.1:1"]');
      assert.equal((await call(`${a.url}/config/admin_users`)).text, '["root"]');
    } finally {
      await a.stop();
    }
  });
});

describe('serving', () => {
  let admin: Admin;
  let login: Admin;
  before(async () => {
    const hash = run(['--hash-password'], 'sesame\n');
    assert.equal(hash.code, 0, hash.stderr);
    assert.match(hash.stdout, /^scrypt\$16384\$8\$1\$/);
    const users = path.join(tmp(), 'users');
    writeFileSync(users, `# admins\nalice:${hash.stdout.trim()}\n`);
    [admin, login] = await Promise.all([
      startAdmin([
        '--nsqd-http-address=127.0.0.1:1',
        '--base-path=nsqadmin/',
        '--admin-user=root',
        '--stats-interval=0',
      ]),
      startAdmin(['--nsqd-http-address=127.0.0.1:1', `--admin-users-file=${users}`, '--stats-interval=0']),
    ]);
  });
  after(async () => {
    await Promise.all([admin?.stop(), login?.stop()]);
  });

  test('--base-path: the index at /nsqadmin, /nsqadmin/ redirects, / is 404; Go script variables', async () => {
    const idx = await call(`${admin.url}/nsqadmin`);
    assert.equal(idx.status, 200);
    assert.equal(idx.headers.get('content-type'), 'text/html');
    assert.ok(idx.text.includes('var BASE_PATH = "/nsqadmin";'));
    assert.ok(idx.text.includes('var NSQLOOKUPD = [];'));
    assert.ok(idx.text.includes('var IS_ADMIN =  false ;'));
    assert.ok(idx.text.includes('<script src="/nsqadmin/static/main.js"></script>'));
    const slash = await call(`${admin.url}/nsqadmin/`);
    assert.equal(slash.status, 301);
    assert.equal(slash.headers.get('location'), '/nsqadmin');
    assert.equal((await call(`${admin.url}/`)).status, 404);
    assert.equal((await call(`${admin.url}/nsqadmin/ping`)).text, 'OK');
    const js = await call(`${admin.url}/nsqadmin/static/main.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await call(`${admin.url}/nsqadmin/static/nope.js`)).text, 'NOT_FOUND');
  });

  test('--admin-user: actions need the ACL header', async () => {
    const no = await call(`${admin.url}/nsqadmin/api/topics/t`, 'POST', { action: 'pause' });
    assert.equal(no.status, 403);
    assert.equal(no.text, '{"message":"FORBIDDEN"}');
    const yes = await call(
      `${admin.url}/nsqadmin/api/topics/t`,
      'POST',
      { action: 'pause' },
      { 'X-Forwarded-User': 'root' },
    );
    assert.equal(yes.status, 502); // allowed; the only nsqd is down
    assert.equal(
      yes.json.message,
      'UPSTREAM_ERROR: failed to query any nsqd: Get "http://127.0.0.1:1/stats?format=json&topic=t&include_clients=false": dial tcp 127.0.0.1:1: connect: connection refused',
    );
  });

  test('built-in login: wrong password 401, then a session cookie makes the request an admin', async () => {
    assert.equal((await call(`${login.url}/api/topics/t`, 'POST', { action: 'pause' })).status, 403);
    assert.equal(
      (await call(`${login.url}/ext/login`, 'POST', { user: 'alice', password: 'nope' })).status,
      401,
    );
    assert.equal(
      (await call(`${login.url}/ext/login`, 'POST', { user: 'bob', password: 'sesame' })).status,
      401,
    );
    const ok = await call(`${login.url}/ext/login`, 'POST', { user: 'alice', password: 'sesame' });
    assert.equal(ok.status, 200);
    const cookie = ok.headers.get('set-cookie') ?? '';
    assert.match(
      cookie,
      /^nsqadmin_session=[A-Za-z0-9_-]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    const session = cookie.split(';')[0]!;
    const acted = await call(`${login.url}/api/topics/t`, 'POST', { action: 'pause' }, { Cookie: session });
    assert.equal(acted.status, 502);
    const status = await call(`${login.url}/ext/status`, 'GET', undefined, { Cookie: session });
    assert.equal(status.json.user, 'alice');
    assert.equal(status.json.admin, true);
    await call(`${login.url}/ext/logout`, 'POST', undefined, { Cookie: session });
    assert.equal(
      (await call(`${login.url}/api/topics/t`, 'POST', { action: 'pause' }, { Cookie: session })).status,
      403,
    );
  });

  test('gzip when asked, as Go compresses every answer', async () => {
    const res = await fetch(`${admin.url}/nsqadmin/api/topics`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    // fetch decodes it; check the bytes are gzip by asking raw
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import('node:http').then(({ get }) =>
        get(`${admin.url}/nsqadmin/ping`, { headers: { 'Accept-Encoding': 'gzip, deflate' } }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c) => chunks.push(c));
          r.on('end', () => resolve(Buffer.concat(chunks)));
        }).on('error', reject),
      );
    });
    assert.equal(gunzipSync(raw).toString(), 'OK');
  });
});
