/**
 * The client's byte-pipe upgrades against our nsqd: Producer and Consumer over {plain, TLS} ×
 * {none, snappy, deflate}, each side checked in /stats (tls, snappy, deflate as nsqd reports the
 * connection), large and many messages through each pipe, certificate verification (fixture CA,
 * unknown CA, insecure skip), a client certificate nsqd requires, go-nsq's Config.Set errors for
 * the tls_* options, and AUTH (with TLS) against a real auth server.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addonsDisabled } from '../../src/addons.js';
import { type Config, newConfig, setConfigOption } from '../../src/client/config.js';
import { Consumer } from '../../src/client/consumer.js';
import type { Message } from '../../src/client/message.js';
import { Producer } from '../../src/client/producer.js';
import { loadedSnappyBlockCodec } from '../../src/wire/snappy-block.js';
import { grant, TestAuthServer } from '../helpers/auth-server.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { LogLines, waitUntil } from '../helpers/client.js';
import { fixture, tlsOptions } from '../helpers/tls.js';
import { freshTopic } from '../helpers/wire.js';

interface StatsClient {
  client_id: string;
  tls: boolean;
  snappy: boolean;
  deflate: boolean;
  tls_version: string;
  user_agent: string;
}

interface Stats {
  topics?: { topic_name: string; channels: { channel_name: string; clients: StatsClient[] }[] }[];
  producers?: (StatsClient & { pub_counts?: { topic: string; count: number }[] })[] | null;
}

async function stats(b: TestBroker): Promise<Stats> {
  const res = await fetch(`http://127.0.0.1:${b.broker.httpPort}/stats?format=json&include_clients=true`);
  return (await res.json()) as Stats;
}

const flags = (c: StatsClient): string => `tls=${c.tls} snappy=${c.snappy} deflate=${c.deflate}`;

const TRUST = { tlsV1: true, tlsRootCaFile: fixture('ca.pem') } satisfies Partial<Config>;

const PIPES: { name: string; opts: Partial<Config>; tls: boolean; snappy: boolean; deflate: boolean }[] = [];
for (const tls of [false, true]) {
  for (const comp of ['none', 'snappy', 'deflate'] as const) {
    PIPES.push({
      name: `${tls ? 'tls' : 'plain'} + ${comp}`,
      opts: { ...(tls ? TRUST : {}), snappy: comp === 'snappy', deflate: comp === 'deflate' },
      tls,
      snappy: comp === 'snappy',
      deflate: comp === 'deflate',
    });
  }
}

describe('client over TLS, snappy and deflate', () => {
  let b: TestBroker;
  let addr: string;
  before(async () => {
    b = await startBroker({ workers: 1, maxMsgSize: 4 * 1024 * 1024, ...tlsOptions() });
    addr = `127.0.0.1:${b.port}`;
  });
  after(() => b.close());

  for (const pipe of PIPES) {
    it(`publishes and consumes over ${pipe.name}; /stats shows it`, async () => {
      const topic = freshTopic('pipe');
      const clientId = `c-${topic}`;
      const log = new LogLines();
      const p = new Producer(addr, { ...pipe.opts, clientId: `p-${topic}`, logger: log.sink });
      // many small messages (many frames a chunk) and a 2 MiB one (many chunks a frame)
      const big = Buffer.alloc(2 * 1024 * 1024, 0x61);
      for (let i = 0; i < big.length; i += 997) big[i] = i & 0xff;
      const bodies = Array.from({ length: 300 }, (_, i) => `m${i}`);
      await p.multiPublish(topic, bodies.slice(0, 100));
      await Promise.all(bodies.slice(100).map((m) => p.publish(topic, m)));
      await p.publish(topic, big);
      const prod = (await stats(b)).producers?.find((c) => c.client_id === `p-${topic}`);
      assert.ok(prod, 'the producer is listed in /stats');
      assert.equal(flags(prod), `tls=${pipe.tls} snappy=${pipe.snappy} deflate=${pipe.deflate}`);
      if (pipe.tls) assert.equal(prod.tls_version, 'TLS1.2', "go-nsq's tls.Config caps TLS at 1.2");
      await p.close();

      const got: Message[] = [];
      const c = new Consumer(topic, 'ch', { ...pipe.opts, clientId, maxInFlight: 50, logger: log.sink });
      c.addHandler((m) => {
        got.push(m);
      });
      await c.connectToNSQD(addr);
      try {
        await waitUntil(() => got.length >= 301, `301 messages (got ${got.length})`, 15_000);
        const client = (await stats(b)).topics
          ?.find((t) => t.topic_name === topic)
          ?.channels[0]?.clients.find((x) => x.client_id === clientId);
        assert.ok(client, 'the consumer is listed in /stats');
        assert.equal(flags(client), `tls=${pipe.tls} snappy=${pipe.snappy} deflate=${pipe.deflate}`);
      } finally {
        await c.close();
      }
      assert.deepEqual(
        got.slice(0, 300).map((m) => m.body.toString()),
        bodies,
      );
      assert.ok(got[300]!.body.equals(big), 'the 2 MiB body arrives intact');
      if (pipe.snappy && addonsDisabled()) {
        assert.equal(loadedSnappyBlockCodec()?.kind, 'js', 'under --no-addons snappy is the pure-JS twin');
      }
      const upgrades = log.lines
        .filter((l) => /upgrading to/.test(l))
        .map((l) => l.replace(/.*upgrading to /, ''));
      const want = [
        ...(pipe.tls ? ['TLS\n'] : []),
        ...(pipe.deflate ? ['Deflate\n'] : []),
        ...(pipe.snappy ? ['Snappy\n'] : []),
      ];
      assert.deepEqual(upgrades, [...want, ...want], 'each connection logs its upgrades as go-nsq does');
      // the consumer's FINs went out through the pipe: nothing is left in flight or requeued
      await waitUntil(async () => {
        const ch = (await stats(b)).topics?.find((t) => t.topic_name === topic)?.channels[0] as
          | { in_flight_count: number; requeue_count: number; depth: number }
          | undefined;
        return ch !== undefined && ch.in_flight_count === 0 && ch.requeue_count === 0 && ch.depth === 0;
      }, 'every message FINished');
    });
  }

  it('verifies the certificate: an unknown CA fails the IDENTIFY, insecure skip connects', async () => {
    const strict = new Producer(addr, { tlsV1: true, tlsRootCaFile: fixture('rogue.pem'), logger: null });
    await assert.rejects(
      strict.publish(freshTopic('ca'), 'x'),
      /^NsqClientError: failed to IDENTIFY - tls: failed to verify certificate: x509: certificate signed by unknown authority$/,
    );
    await strict.close();
    const skip = new Producer(addr, { tlsV1: true, tlsInsecureSkipVerify: true, logger: null });
    await skip.publish(freshTopic('skip'), 'x');
    await skip.close();
  });

  it('sends the client certificate nsqd requires (--tls-client-auth-policy=require-verify)', async () => {
    const strict = await startBroker({
      workers: 1,
      ...tlsOptions({ tlsClientAuthPolicy: 'require-verify', tlsRootCaFile: fixture('ca.pem') }),
    });
    try {
      const a = `127.0.0.1:${strict.port}`;
      const without = new Producer(a, { ...TRUST, logger: null });
      await assert.rejects(without.publish(freshTopic('nocert'), 'x'), /failed to IDENTIFY/);
      await without.close();
      const withCert = new Producer(a, {
        ...TRUST,
        tlsCert: fixture('client.pem'),
        tlsKey: fixture('client.key'),
        logger: null,
      });
      await withCert.publish(freshTopic('cert'), 'x');
      await withCert.close();
    } finally {
      await strict.close();
    }
  });

  it("takes the tls_* options through Config.Set with go-nsq's errors", () => {
    const c = newConfig();
    setConfigOption(c, 'tls_v1', 'true');
    setConfigOption(c, 'tls_root_ca_file', fixture('ca.pem'));
    setConfigOption(c, 'tls_insecure_skip_verify', 'true');
    setConfigOption(c, 'tls_min_version', 'tls1.2');
    assert.deepEqual([c.tlsV1, c.tlsInsecureSkipVerify, c.tlsMinVersion], [true, true, 'tls1.2']);
    assert.throws(
      () => setConfigOption(newConfig(), 'tls_root_ca_file', '/nonexistent/ca.pem'),
      /^Error: ERROR: failed to read custom Certificate Authority file open \/nonexistent\/ca.pem: no such file or directory$/,
    );
    assert.throws(
      () => setConfigOption(newConfig(), 'tls_root_ca_file', fixture('ca.key')),
      /^Error: ERROR: failed to append certificates from Certificate Authority file$/,
    );
    assert.throws(
      () => setConfigOption(newConfig(), 'tls_min_version', 'tls9'),
      /^Error: ERROR: tls9 is not a tls version$/,
    );
    const k = newConfig();
    setConfigOption(k, 'tls_cert', fixture('client.pem'));
    assert.throws(
      () => setConfigOption(k, 'tls_key', '/nonexistent/k'),
      /^Error: open \/nonexistent\/k: no such file or directory$/,
    );
  });
});

describe('client AUTH against our nsqd and an auth server', () => {
  let auth: TestAuthServer;
  let b: TestBroker;
  let addr: string;
  before(async () => {
    auth = await TestAuthServer.start();
    auth.reply = (r) =>
      r.values.secret === 'good'
        ? grant([{ topic: '.*', channels: ['.*'], permissions: ['publish', 'subscribe'] }])
        : r.values.secret === 'pubonly'
          ? grant([{ topic: '.*', channels: ['.*'], permissions: ['publish'] }])
          : { status: 403, body: { message: 'NOT_AUTHORIZED' } };
    b = await startBroker({ workers: 1, ...tlsOptions(), authHttpAddresses: [auth.address] });
    addr = `127.0.0.1:${b.port}`;
  });
  after(async () => {
    await b.close();
    await auth.close();
  });

  it('publishes and consumes with a secret (over TLS + snappy), logging the identity', async () => {
    const topic = freshTopic('auth');
    const log = new LogLines();
    const opts = { ...TRUST, snappy: true, authSecret: 'good', logger: log.sink };
    const p = new Producer(addr, opts);
    await p.publish(topic, 'secret message');
    await p.close();
    const got: string[] = [];
    const c = new Consumer(topic, 'ch', opts);
    c.addHandler((m) => {
      got.push(m.body.toString());
    });
    await c.connectToNSQD(addr);
    try {
      await waitUntil(() => got.length === 1, 'the message');
    } finally {
      await c.close();
    }
    assert.deepEqual(got, ['secret message']);
    assert.match(
      await log.wait(/Auth accepted/),
      /Auth accepted\. Identity: "alice" https:\/\/auth\.example\/alice Permissions: 1\n$/,
    );
    assert.ok(auth.requests.some((r) => r.values.secret === 'good' && r.values.tls === 'true'));
  });

  it("fails without a secret, with a bad one, and without the permission, in go-nsq's words", async () => {
    const topic = freshTopic('noauth');
    const none = new Producer(addr, { logger: null });
    await assert.rejects(none.publish(topic, 'x'), /^NsqClientError: Auth Required$/);
    await none.close();
    const bad = new Producer(addr, { authSecret: 'bad', logger: null });
    await assert.rejects(
      bad.publish(topic, 'x'),
      /^NsqClientError: Error authenticating E_AUTH_FAILED AUTH failed/,
    );
    await bad.close();
    const pubOnly = new Producer(addr, { authSecret: 'pubonly', logger: null });
    await pubOnly.publish(topic, 'x');
    await pubOnly.close();
    // as go-nsq's ConnectToNSQD, SUB is written without waiting: the refusal is a protocol error
    const log = new LogLines();
    const c = new Consumer(topic, 'ch', { authSecret: 'pubonly', logger: log.sink });
    c.addHandler(() => {});
    await c.connectToNSQD(addr);
    assert.match(await log.wait(/protocol error/), /protocol error - E_UNAUTHORIZED AUTH failed for SUB on/);
    await c.close();
  });
});
