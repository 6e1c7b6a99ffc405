/**
 * AUTH against a real auth server in the test process (test/helpers/auth-server.ts): what nsqd
 * asks it (GET and POST), its JSON reply to the client, every error code with nsqd's text, the
 * checks of PUB/MPUB/DPUB/SUB against the authorizations (Go's quirks included), the TTL, several
 * servers, an unreachable or hanging one, /stats, and that no connection waits on another's query.
 */

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  ALLOW_ALL,
  type AuthReply,
  grant,
  type SeenRequest,
  TestAuthServer,
} from '../helpers/auth-server.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { freshTopic, sleep, WireClient } from '../helpers/wire.js';

const PUB_ONLY_ORDERS = grant([{ topic: '^orders$', channels: ['.*'], permissions: ['publish'] }]);

/** secret → reply; anything else is ALLOW_ALL */
function bySecret(table: Record<string, AuthReply>): (req: SeenRequest) => AuthReply {
  return (req) => table[req.values.secret ?? ''] ?? ALLOW_ALL;
}

async function authed(port: number, secret: string): Promise<WireClient> {
  const c = await WireClient.connect(port);
  c.cmd('AUTH', secret);
  const r = await c.response();
  assert.ok(r.startsWith('{"identity"'), r);
  return c;
}

describe('AUTH with an auth server (GET)', () => {
  let srv: TestAuthServer;
  let b: TestBroker;
  before(async () => {
    srv = await TestAuthServer.start();
    b = await startBroker({
      workers: 1,
      authHttpAddresses: [srv.address],
      logLevel: 'warn',
      httpAddress: '127.0.0.1:0',
    });
  });
  after(async () => {
    await b.close();
    await srv.close();
  });
  beforeEach(() => {
    srv.reply = () => ALLOW_ALL;
    srv.requests.length = 0;
  });

  /** send bytes; expect exactly this error frame, then a closed connection */
  async function fatal(c: WireClient, expected: string): Promise<void> {
    assert.equal(await c.error(), expected);
    await c.waitClosed();
  }

  it('IDENTIFY says auth_required', async () => {
    const c = await WireClient.connect(b.port);
    c.identify({ feature_negotiation: true });
    assert.equal((JSON.parse(await c.response()) as { auth_required: boolean }).auth_required, true);
    c.close();
  });

  it('PUB, MPUB, DPUB and SUB before AUTH are E_AUTH_FIRST', async () => {
    for (const [send, cmd] of [
      [(c: WireClient) => c.pub('t', 'x'), 'PUB'],
      [(c: WireClient) => c.write('MPUB t\n'), 'MPUB'], // checked before the body, as nsqd
      [(c: WireClient) => c.cmd('DPUB t 10', 'x'), 'DPUB'],
      [(c: WireClient) => c.cmd('SUB t c'), 'SUB'],
    ] as const) {
      const c = await WireClient.connect(b.port);
      send(c);
      await fatal(c, `E_AUTH_FIRST AUTH required before ${cmd}`);
    }
    assert.equal(srv.requests.length, 0);
  });

  it('AUTH asks the server with GET and answers its identity as nsqd does', async () => {
    srv.reply = () =>
      grant(
        [
          { topic: '.*', channels: ['.*'], permissions: ['publish'] },
          { topic: '.*', channels: ['.*'], permissions: ['subscribe'] },
        ],
        3600,
        'bob <b@x>',
        'https://auth.example/u?id=1&x=2',
      );
    const c = await WireClient.connect(b.port);
    c.cmd('AUTH', 's3cr/t x+é');
    assert.equal(
      await c.response(),
      '{"identity":"bob \\u003cb@x\\u003e","identity_url":"https://auth.example/u?id=1\\u0026x=2","permission_count":2}',
    );
    const [req] = srv.requests;
    assert.equal(req!.method, 'GET');
    assert.equal(req!.path, '/auth');
    // Go's url.Values.Encode: keys sorted, QueryEscape
    assert.equal(req!.rawQuery, 'common_name=&remote_ip=127.0.0.1&secret=s3cr%2Ft+x%2B%C3%A9&tls=false');
    assert.equal(req!.headers.accept, 'application/vnd.nsq; version=1.0');
    c.pub('t', 'x');
    assert.equal(await c.response(), 'OK');
    c.close();
  });

  it('AUTH errors: state, params, body size, already set', async () => {
    let c = await WireClient.connect(b.port);
    c.write('AUTH a\n');
    await fatal(c, 'E_INVALID AUTH invalid number of parameters');
    c = await WireClient.connect(b.port);
    c.write(Buffer.concat([Buffer.from('AUTH\n'), Buffer.from([0, 0, 0, 0])]));
    await fatal(c, 'E_BAD_BODY AUTH invalid body size 0');
    c = await authed(b.port, 'a');
    c.cmd('AUTH', 'a');
    await fatal(c, 'E_INVALID AUTH already set');
    c = await authed(b.port, 'a');
    c.cmd('SUB t c');
    assert.equal(await c.response(), 'OK');
    c.cmd('AUTH', 'a');
    await fatal(c, 'E_INVALID cannot AUTH in current state');
  });

  it('the server refusing or answering nonsense is E_AUTH_FAILED (details only in the log)', async () => {
    srv.reply = bySecret({
      status500: { status: 500, body: 'boom' },
      ttl0: grant([{ topic: '.*', channels: ['.*'], permissions: ['publish'] }], 0),
      perm: grant([{ topic: '.*', channels: ['.*'], permissions: ['admin'] }]),
      topicRe: grant([{ topic: '(', channels: ['.*'], permissions: ['publish'] }]),
      channelRe: grant([{ topic: '.*', channels: ['a**'], permissions: ['publish'] }]),
      json: { body: '{"ttl": 1.5}' },
      lookahead: grant([{ topic: '(?=x)', channels: ['.*'], permissions: ['publish'] }]),
    });
    const logs = b.logs.length;
    for (const secret of ['status500', 'ttl0', 'perm', 'topicRe', 'channelRe', 'json', 'lookahead']) {
      const c = await WireClient.connect(b.port);
      c.cmd('AUTH', secret);
      await fatal(c, 'E_AUTH_FAILED AUTH failed');
    }
    const warn = b.logs.slice(logs).filter((l) => l.includes('AUTH failed failed to auth against'));
    const why = (i: number): string => warn[i]!.replace(/.* - /, '').trim();
    assert.equal(warn.length, 7, warn.join(''));
    assert.equal(why(0), 'got response 500 Internal Server Error "boom"');
    assert.equal(why(1), 'invalid TTL 0 (must be >0)');
    assert.equal(why(2), 'unknown permission admin');
    assert.equal(why(3), 'unable to compile topic "(" error parsing regexp: missing closing ): `(`');
    assert.equal(
      why(4),
      'unable to compile channel "a**" error parsing regexp: invalid nested repetition operator: `**`',
    );
    assert.match(
      warn[1]!,
      /WARNING: PROTOCOL\(V2\): \[127\.0\.0\.1:\d+\] AUTH failed failed to auth against 127\.0\.0\.1:\d+ - /,
    );
  });

  it('no authorizations is E_UNAUTHORIZED', async () => {
    srv.reply = () => grant([]);
    const c = await WireClient.connect(b.port);
    c.cmd('AUTH', 'x');
    await fatal(c, 'E_UNAUTHORIZED AUTH no authorizations found');
  });

  it('each PUB, MPUB, DPUB and SUB not permitted is E_UNAUTHORIZED with nsqd text', async () => {
    srv.reply = () => PUB_ONLY_ORDERS;
    let c = await authed(b.port, 'x');
    c.pub('orders', 'a');
    assert.equal(await c.response(), 'OK');
    c.pub('ordersx', 'a');
    await fatal(c, 'E_UNAUTHORIZED AUTH failed for PUB on "ordersx" ""');
    c = await authed(b.port, 'x');
    c.write('MPUB payments\n'); // refused before its body
    await fatal(c, 'E_UNAUTHORIZED AUTH failed for MPUB on "payments" ""');
    c = await authed(b.port, 'x');
    c.cmd('DPUB payments 10', 'a');
    await fatal(c, 'E_UNAUTHORIZED AUTH failed for DPUB on "payments" ""');
    c = await authed(b.port, 'x');
    c.cmd('SUB orders ch'); // publish only
    await fatal(c, 'E_UNAUTHORIZED AUTH failed for SUB on "orders" "ch"');
  });

  it('Go\'s quirks: publish needs a channel regex matching "", regexes are unanchored', async () => {
    srv.reply = bySecret({
      chanOnly: grant([{ topic: '^t$', channels: ['^c$'], permissions: ['publish', 'subscribe'] }]),
      unanchored: grant([{ topic: 'ord', channels: ['x'], permissions: ['subscribe'] }]),
    });
    let c = await authed(b.port, 'chanOnly');
    c.cmd('SUB t c');
    assert.equal(await c.response(), 'OK');
    c.pub('t', 'a'); // the channel "" does not match ^c$
    await fatal(c, 'E_UNAUTHORIZED AUTH failed for PUB on "t" ""');
    c = await authed(b.port, 'unanchored');
    c.cmd('SUB new-orders-2 box');
    assert.equal(await c.response(), 'OK');
    c.close();
  });

  it('asks again once the TTL has passed, and acts on the new answer', async () => {
    const t = freshTopic('ttl');
    srv.reply = () => grant([{ topic: '.*', channels: ['.*'], permissions: ['publish'] }], 1);
    let c = await authed(b.port, 'x');
    c.pub(t, 'a');
    assert.equal(await c.response(), 'OK');
    assert.equal(srv.requests.length, 1); // within the TTL: no new query
    await sleep(1100);
    srv.reply = () => PUB_ONLY_ORDERS;
    c.pub(t, 'b');
    await fatal(c, `E_UNAUTHORIZED AUTH failed for PUB on "${t}" ""`);
    assert.equal(srv.requests.length, 2);

    srv.reply = () => grant([{ topic: '.*', channels: ['.*'], permissions: ['publish'] }], 1);
    c = await authed(b.port, 'x');
    await sleep(1100);
    srv.reply = () => ({ status: 503, body: 'down' });
    c.pub(t, 'c');
    await fatal(c, 'E_AUTH_FAILED AUTH failed');
  });

  it('a connection waiting on the auth server keeps its reply order; others do not wait', async () => {
    const t = freshTopic('order');
    srv.reply = bySecret({
      slow: { ...grant([{ topic: '.*', channels: ['.*'], permissions: ['publish'] }], 1), delayMs: 400 },
    });
    const slow = await WireClient.connect(b.port);
    slow.cmd('AUTH', 'slow');
    slow.pub(t, '1');
    slow.pub(t, '2');
    await sleep(50);
    const fast = await authed(b.port, 'fast'); // answered while `slow` waits
    fast.pub(t, 'f');
    assert.equal(await fast.response(), 'OK');
    assert.equal(slow.queued, 0);
    assert.match(await slow.response(), /^\{"identity":"alice"/);
    assert.equal(await slow.response(), 'OK');
    assert.equal(await slow.response(), 'OK');
    // after the TTL: a PUB waits on the new query, the PUB after it answers after it
    await sleep(1100);
    slow.pub(t, '3');
    slow.pub(t, '4');
    slow.write('NOP\n');
    assert.equal(await slow.response(), 'OK');
    assert.equal(await slow.response(), 'OK');
    slow.close();
    fast.close();
  });

  it('waiting on the auth server is not idleness: no read deadline runs meanwhile (nsqd is not reading)', async () => {
    srv.reply = () => ({ ...ALLOW_ALL, delayMs: 2600 }); // past the 2 s read deadline below
    const c = await WireClient.connect(b.port);
    c.identify({ heartbeat_interval: 1000 });
    assert.equal(await c.response(), 'OK');
    c.cmd('AUTH', 'x');
    assert.match(await c.response(4000), /^\{"identity"/);
    c.pub(freshTopic('slow'), 'x');
    assert.equal(await c.response(), 'OK');
    c.close();
  });

  it('/stats shows authed, auth_identity and auth_identity_url; HTTP is not auth-checked', async () => {
    const t = freshTopic('stats');
    const base = `http://127.0.0.1:${b.broker.httpPort}`;
    const r = await fetch(`${base}/pub?topic=${t}`, { method: 'POST', body: 'over http' });
    assert.equal(r.status, 200);
    const c = await authed(b.port, 'x');
    c.cmd(`SUB ${t} ch`);
    assert.equal(await c.response(), 'OK');
    const stats = (await (await fetch(`${base}/stats?format=json&topic=${t}`)).json()) as {
      topics: { channels: { clients: Record<string, unknown>[] }[] }[];
    };
    const client = stats.topics[0]!.channels[0]!.clients[0]!;
    assert.equal(client.authed, true);
    assert.equal(client.auth_identity, 'alice');
    assert.equal(client.auth_identity_url, 'https://auth.example/alice');
    c.close();
  });
});

describe('AUTH with --auth-http-request-method=post, several servers, unreachable ones', () => {
  let one: TestAuthServer;
  let two: TestAuthServer;
  before(async () => {
    one = await TestAuthServer.start();
    two = await TestAuthServer.start();
  });
  after(async () => {
    await one.close();
    await two.close();
  });

  it("POST sends the JSON of Go's url.Values", async () => {
    const b = await startBroker({ authHttpAddresses: [one.address], authHttpRequestMethod: 'post' });
    try {
      const c = await authed(b.port, 'pa"ss');
      const req = one.requests.at(-1)!;
      assert.equal(req.method, 'POST');
      assert.equal(req.path, '/auth');
      assert.equal(req.headers['content-type'], 'application/json');
      assert.equal(
        req.body,
        '{"common_name":[""],"remote_ip":["127.0.0.1"],"secret":["pa\\"ss"],"tls":["false"]}',
      );
      c.close();
    } finally {
      await b.close();
    }
  });

  it('picks a random server first and falls through to the next on failure', async () => {
    // a full URL is used as it is
    const b = await startBroker({ authHttpAddresses: [one.address, `http://${two.address}/other`] });
    try {
      one.reply = () => ({ status: 500, body: 'no' });
      two.reply = () => ALLOW_ALL;
      one.requests.length = 0;
      two.requests.length = 0;
      for (let i = 0; i < 16; i++) (await authed(b.port, 'x')).close();
      assert.equal(two.requests.length, 16);
      assert.equal(two.requests[0]!.path, '/other');
      assert.ok(
        one.requests.length > 0 && one.requests.length < 16,
        `first pick random: ${one.requests.length}`,
      );
    } finally {
      await b.close();
    }
  });

  it("unreachable servers: E_AUTH_FAILED, every failure in the log as Go's", async () => {
    const dead = await TestAuthServer.start();
    const deadAddress = dead.address;
    await dead.close();
    const b = await startBroker({ authHttpAddresses: [deadAddress, deadAddress], logLevel: 'warn' });
    try {
      const c = await WireClient.connect(b.port);
      c.cmd('AUTH', 'x');
      assert.equal(await c.error(), 'E_AUTH_FAILED AUTH failed');
      await c.waitClosed();
      const line = await b.waitForLog(/AUTH failed/);
      const url = `http://${deadAddress}/auth?common_name=&remote_ip=127.0.0.1&secret=x&tls=false`;
      const one = `failed to auth against ${deadAddress} - Get "${url}": dial tcp ${deadAddress}: connect: connection refused`;
      assert.ok(line.trimEnd().endsWith(`AUTH failed ${one}; ${one}`), line);
    } finally {
      await b.close();
    }
  });

  it('a hanging server is cut off by --http-client-request-timeout', async () => {
    one.reply = () => ({ ...ALLOW_ALL, delayMs: 5000 });
    const b = await startBroker({ authHttpAddresses: [one.address], httpClientRequestTimeout: 200 });
    try {
      const c = await WireClient.connect(b.port);
      const start = Date.now();
      c.cmd('AUTH', 'x');
      assert.equal(await c.error(), 'E_AUTH_FAILED AUTH failed');
      const took = Date.now() - start;
      assert.ok(took >= 190 && took < 2000, `${took} ms`);
    } finally {
      await b.close();
    }
  });
});
